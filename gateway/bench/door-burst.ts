/**
 * How far a burst overshoots the door's connection budget per address, on
 * `npm start -- --workers 2 --max-conns-per-ip 100`: a burst of concurrent
 * connections from one address (127.0.21.1, 127.0.22.1), then 50 more a
 * second later; and the age of the door reports each worker uses (/metrics).
 *
 *   node --import tsx gateway/bench/door-burst.ts
 *
 * Figures in docs/gateway.md (the door).
 */
import WebSocket from 'ws';
import { freePort } from '../../launch/local-servers.js';
import { spawnProduct } from '../test/helpers/spawned-product.js';

async function main(): Promise<void> {
  const port = await freePort();
  const product = await spawnProduct('launch/main.ts', ['--workers', '2', '--max-conns-per-ip', '100'], { port, apiKey: 'measure-api-key-0123456789' });
  const open: WebSocket[] = [];
  const attempt = (address: string) => new Promise<boolean>((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { localAddress: address });
    ws.once('open', () => {
      open.push(ws);
      resolve(true);
    });
    ws.once('unexpected-response', () => resolve(false));
    ws.once('error', () => resolve(false));
  });
  for (const [i, burst] of [[1, 300], [2, 1000]] as const) {
    const address = `127.0.2${i}.1`;
    const results = await Promise.all(Array.from({ length: burst }, () => attempt(address)));
    const accepted = results.filter(Boolean).length;
    await new Promise((r) => setTimeout(r, 1000));
    const later = (await Promise.all(Array.from({ length: 50 }, () => attempt(address)))).filter(Boolean).length;
    console.log(`burst of ${burst} concurrent connections from ${address}, budget 100, 2 workers: ${accepted} accepted; 1 s later ${later} of 50 more accepted`);
  }
  const ages: string[] = [];
  for (let i = 0; i < 10; i++) {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    ages.push(...[...text.matchAll(/breakwater_door_share_age_seconds\{worker="(w\d)"\} ([\d.]+)/g)].map((m) => `${m[1]}:${m[2]}`));
    await new Promise((r) => setTimeout(r, 137));
  }
  console.log(`share ages: ${ages.join(' ')}`);
  for (const ws of open) ws.terminate();
  await product.stop();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
