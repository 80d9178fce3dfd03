/**
 * `npm run bench:uploads`: the stalled-upload attack of issue 19 against the
 * real product (`launch/main.ts --workers 1`), and whether the worker's
 * memory comes back. Each run: 30 uploads announcing 8 MiB, sent to one byte
 * short and held open for 5 s, from 30 addresses; the worker's RSS is read
 * before, at its peak while they hang, and 10 s after they are dropped.
 * Without a key (anyone) and with the organizer's key (the most an organizer
 * can make a worker hold); three runs each, one after the other.
 */
import { freePort } from '../../launch/local-servers.js';
import { PRODUCT_SECRETS, rssOf, startProduct } from '../test/fuzz/product.js';
import { head, rawRequest } from '../test/fuzz/raw-http.js';

const UPLOADS = 30;
const BODY_BYTES = 8 * 1024 * 1024;
const RUNS = 3;
const mib = (bytes: number) => Math.round(bytes / 1024 / 1024);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const product = await startProduct({ port: await freePort(), workers: 1 });
const [worker] = product.workerPids();
await sleep(3000);
const body = new Uint8Array(BODY_BYTES);

async function attack(withKey: boolean): Promise<{ before: number; peak: number; after: number; statuses: string }> {
  const before = rssOf(worker!);
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, rssOf(worker!))), 100);
  const headers = { 'content-length': String(BODY_BYTES), ...(withKey ? { authorization: `Bearer ${PRODUCT_SECRETS.apiKey}` } : {}) };
  const responses = await Promise.all(Array.from({ length: UPLOADS }, (_, i) => rawRequest(product.port, {
    head: head('POST', '/api/events', headers), body, chunks: 64, gapMs: 20, stallAfter: BODY_BYTES - 1, holdMs: 5000, timeoutMs: 10_000, localAddress: `127.8.${withKey ? 1 : 0}.${i + 1}`,
  })));
  clearInterval(sampler);
  await sleep(10_000);
  const statuses = [...new Set(responses.map((r) => r.statuses.join('+') || 'none'))].join(',');
  return { before, peak, after: rssOf(worker!), statuses };
}

try {
  for (const withKey of [false, true]) {
    const runs = [];
    for (let run = 0; run < RUNS; run++) runs.push(await attack(withKey));
    const label = withKey ? 'with the API key' : 'without a key   ';
    console.log(`${label}  worker RSS before → peak → 10 s after, per run: ${runs.map((r) => `${mib(r.before)} → ${mib(r.peak)} → ${mib(r.after)} MiB`).join(';  ')}` +
      `  (median after ${mib(median(runs.map((r) => r.after)))} MiB; answers: ${runs.map((r) => r.statuses).join(' / ')})`);
  }
} finally {
  await product.stop();
}
