/**
 * The standing robustness suite, bounded for `npm test` (`npm run fuzz --
 * --minutes N` runs the same rounds for longer): the real product (engine
 * process and two gateway workers) under hostile fan frames and HTTP
 * requests, with honest fans connected alongside. After each round every
 * process is the one it was, and every honest fan kept its connection, its
 * updates and its place; afterwards memory is back near where it started.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../launch/local-servers.js';
import { honestCrowd, type HonestCrowd } from './fuzz/honest-fans.js';
import { PRODUCT_SECRETS, startProduct, type Product } from './fuzz/product.js';
import { head, rawRequest } from './fuzz/raw-http.js';
import { runRound } from './fuzz/rounds.js';
import { eventually } from './helpers/test-gateway.js';

/** Resident memory the workers may keep above their start after the attacks: far below what an unbounded upload costs (30 × 8 MiB). */
const RSS_BOUND_BYTES = 80 * 1024 * 1024;
const total = (rss: { engine: number; workers: number[] }) => rss.engine + rss.workers.reduce((a, b) => a + b, 0);

let product: Product;
let crowd: HonestCrowd;
let baseline: number;

beforeAll(async () => {
  product = await startProduct({ port: await freePort(), workers: 2 });
  crowd = await honestCrowd(product.port, PRODUCT_SECRETS.apiKey, 6);
  baseline = total(product.rss());
}, 60_000);

afterAll(async () => {
  await crowd?.close();
  await product?.stop();
});

describe('the product under attack', () => {
  it('survives rounds of hostile frames and requests; honest fans keep their connection, updates and place', async () => {
    for (const seed of [1, 2]) {
      const report = await runRound(product, crowd, { seed, frames: 1500, sockets: 16, requests: 160, concurrency: 12 });
      expect(report.frames).toBe(1500);
      expect(Object.keys(report.framesByKind).length).toBeGreaterThanOrEqual(7);
      expect(report.requests).toBe(160);
    }
  }, 60_000);

  it('answers the organizer body nested 3,300 levels deep with a clear error and keeps serving', async () => {
    const workers = product.workerPids();
    const deep = `{"config":${'['.repeat(3300)}${']'.repeat(3300)}}`;
    const response = await fetch(`http://127.0.0.1:${product.port}/api/events`, {
      method: 'POST', headers: { authorization: `Bearer ${PRODUCT_SECRETS.apiKey}`, 'content-type': 'application/json' }, body: deep,
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'MALFORMED_COMMAND', details: { field: 'body' } });
    expect(product.workerPids()).toEqual(workers);
    await crowd.check();
  });

  it('holds no memory for stalled uploads without a key, and logs nothing for them', async () => {
    const body = new Uint8Array(8 * 1024 * 1024);
    const responses = await Promise.all(Array.from({ length: 30 }, (_, i) => rawRequest(product.port, {
      head: head('POST', '/api/events', { 'content-length': String(body.length) }), body, chunks: 128, gapMs: 10, stallAfter: body.length - 1, holdMs: 1500,
      localAddress: `127.9.0.${i + 1}`,
    })));
    // Answered from the headers, long before the body could have arrived; the connection is closed under it.
    // (A client still sending when the close comes may get a reset instead of the 401: TCP drops what it had not read.)
    for (const response of responses) {
      expect(response.closedByServer).toBe(true);
      expect(response.statuses.filter((status) => status !== 401)).toEqual([]);
    }
    // One that sends nothing after its head cannot be reset under its answer: it reads the 401 itself.
    const quiet = await rawRequest(product.port, {
      head: head('POST', '/api/events', { 'content-length': String(body.length) }), body, stallAfter: 0, holdMs: 1500, localAddress: '127.9.0.99',
    });
    expect(quiet.statuses).toEqual([401]);
    await eventually(() => expect(total(product.rss()) - baseline).toBeLessThan(RSS_BOUND_BYTES), 10_000);
    expect(product.output()).not.toMatch(/request aborted|unexpected error/);
    await crowd.check();
  }, 30_000);

  it('restarts a worker that dies, says so on /readyz meanwhile, and serves on', async () => {
    const [victim] = product.workerPids();
    process.kill(victim!, 'SIGKILL');
    await eventually(async () => {
      const readiness = (await (await fetch(`http://127.0.0.1:${product.port}/readyz`)).json()) as { workersDown?: Array<{ worker: string }> };
      expect(readiness.workersDown?.length).toBe(1);
    }, 5000);
    await eventually(() => {
      expect(product.workerPids()).toHaveLength(2);
      expect(product.workerPids()).not.toContain(victim);
    }, 15_000);
    await eventually(async () => expect(await (await fetch(`http://127.0.0.1:${product.port}/readyz`)).json()).not.toHaveProperty('workersDown'), 15_000);
  }, 40_000);
});
