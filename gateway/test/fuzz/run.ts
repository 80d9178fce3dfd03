/**
 * `npm run fuzz -- --minutes N [--seed S] [--workers W]`: the robustness
 * rounds of gateway/test/robustness.test.ts, for as long as asked, against a
 * fresh product. Each round has its own seed (printed), so a failure is
 * replayed with `--seed`. Exits 1 at the first failing round.
 */
import { parseArgs } from 'node:util';
import { freePort } from '../../../launch/local-servers.js';
import { honestCrowd } from './honest-fans.js';
import { PRODUCT_SECRETS, startProduct } from './product.js';
import { runRound } from './rounds.js';

const { values } = parseArgs({ options: { minutes: { type: 'string', default: '1' }, seed: { type: 'string' }, workers: { type: 'string', default: '2' } } });
const minutes = Number(values.minutes);
if (!(minutes > 0)) throw new Error('--minutes must be a positive number');
let seed = values.seed === undefined ? Date.now() % 1_000_000 : Number(values.seed);

const product = await startProduct({ port: await freePort(), workers: Number(values.workers) });
const crowd = await honestCrowd(product.port, PRODUCT_SECRETS.apiKey, 6);
const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);
const deadline = Date.now() + minutes * 60_000;
let rounds = 0;
let frames = 0;
let requests = 0;
let exitCode = 0;
try {
  while (Date.now() < deadline) {
    const report = await runRound(product, crowd, { seed, frames: 3000, sockets: 24, requests: 300, concurrency: 16 });
    rounds++;
    frames += report.frames;
    requests += report.requests;
    const rss = product.rss();
    console.log(`round ${rounds} (seed ${seed}): ${report.frames} frames (${report.socketsClosed} attacker sockets closed), ${report.requests} requests ${JSON.stringify(report.statuses)}; RSS engine ${mib(rss.engine)} MiB, workers ${rss.workers.map(mib).join(' + ')} MiB`);
    seed++;
  }
  console.log(`${rounds} rounds, ${frames} frames and ${requests} requests: every process alive, every honest fan kept its place`);
} catch (err) {
  console.error((err as Error).message);
  exitCode = 1;
} finally {
  await crowd.close().catch(() => undefined);
  await product.stop();
}
process.exit(exitCode);
