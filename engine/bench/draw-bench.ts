/**
 * The draw at stadium size (npm run bench:draw): what keying the order by a
 * digest of every entry costs over the permutation alone, at 1 M and 5 M
 * entries, and what the engine's draw (closing the pending list, drawing,
 * numbering) and its public proof cost at 1 M places. Medians of RUNS runs;
 * the reference (the ChaCha20 Fisher–Yates of the same n, what the draw
 * was before it bound its entries) is measured in the same run.
 *
 *   node --expose-gc --import tsx engine/bench/draw-bench.ts
 */
import { createHash } from 'node:crypto';
import { entriesDigest, PSEUDONYM_BYTES, runDraw, type DrawEntries } from '../src/fairness/draw.js';
import { verifyDrawProof } from '../src/fairness/draw-proof.js';
import { shuffledIndices } from '../src/fairness/shuffle.js';
import { Engine, SimulatedClock } from '../src/index.js';
import { aesSeedVault } from '../stores/seed-vault.js';
import { check, median, MINUTE, T0 } from './bench-helpers.js';

const RUNS = 5;
const SEED = createHash('sha256').update('draw bench').digest('hex');
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

function entriesOf(n: number): DrawEntries {
  const pseudonyms = new Uint8Array(n * PSEUDONYM_BYTES);
  for (let i = 0; i < pseudonyms.length; i++) pseudonyms[i] = (i * 2654435761) >>> 24;
  return { joinNumbers: Float64Array.from({ length: n }, (_, i) => 2 * i + 1), pseudonyms };
}

function timed(run: () => unknown): number {
  gc();
  const start = performance.now();
  run();
  return performance.now() - start;
}

const ms = (value: number) => `${value.toFixed(0)} ms`;

for (const n of [1_000_000, 5_000_000]) {
  const entries = entriesOf(n);
  const rows = { permutation: [] as number[], digest: [] as number[], draw: [] as number[] };
  for (let run = 0; run < RUNS; run++) {
    rows.permutation.push(timed(() => shuffledIndices(SEED, n)));
    rows.digest.push(timed(() => entriesDigest(entries)));
    rows.draw.push(timed(() => runDraw(SEED, entries)));
  }
  const ratios = rows.draw.map((draw, i) => draw / rows.permutation[i]!);
  console.log(`${(n / 1e6).toFixed(0)} M entries: permutation alone ${ms(median(rows.permutation))}, entries digest ${ms(median(rows.digest))}, whole draw ${ms(median(rows.draw))} (${median(ratios).toFixed(2)}× the permutation alone)`);
}

// The engine's draw of 1 M pre-queue places, and its proof; joins into the draw (a receipt and a
// pseudonym each) against joins numbered at once, on another event of the same engine.
const PLACES = 1_000_000;
// node:crypto's random source, pooled, as a host's engine has it.
const clock = new SimulatedClock(T0);
const engine = new Engine({ clock, seeds: aesSeedVault('draw bench') });
const onSaleAt = T0 + 10 * MINUTE;
const event = (id: string, opens: number, sale: number) => engine.createEvent({
  id, name: id, preQueueOpensAt: opens, onSaleAt: sale, closesAt: onSaleAt + 60 * MINUTE,
  inventory: { tiers: [{ id: 'ga', name: 'GA', price: 100, quantity: 1000 }] },
  door: { startWindowMs: 0, joinsPerAddressPerMin: 0, joinsPerSubnetPerMin: 0 }, admission: { mode: 'concurrency', maxActiveShoppers: 1 },
}, { publish: true });
event('draw-bench', T0 + MINUTE, onSaleAt);
event('on-sale', T0, T0 + MINUTE);
clock.set(T0 + MINUTE);
engine.tick();
const joins = (eventId: string) => timed(() => {
  for (let i = 0; i < PLACES; i++) engine.execute({ type: 'join', eventId, fanId: `fan-${i}` });
});
const atOnceMs = joins('on-sale');
const intoDrawMs = joins('draw-bench');
console.log(`engine, 1 M joins: into the draw ${Math.round(PLACES / intoDrawMs * 1000).toLocaleString('en')}/s, numbered at once ${Math.round(PLACES / atOnceMs * 1000).toLocaleString('en')}/s (${(atOnceMs / intoDrawMs).toFixed(2)}×)`);
clock.set(onSaleAt);
const drawMs = timed(() => engine.tick());
const sale = engine.event('draw-bench');
check(sale.status().lastNumber === PLACES, 'every place numbered by the draw');
let proof: ReturnType<typeof sale.drawProof> | undefined;
const proofMs = timed(() => (proof = sale.drawProof('preQueue')));
let json = '';
const jsonMs = timed(() => (json = JSON.stringify(proof)));
let verified: ReturnType<typeof verifyDrawProof> | undefined;
const verifyMs = timed(() => (verified = verifyDrawProof(proof)));
check(verified?.ok === true, 'the proof verifies');
console.log(`engine, 1 M places: the draw's tick ${ms(drawMs)}; proof built ${ms(proofMs)}, as JSON ${ms(jsonMs)} (${(json.length / PLACES).toFixed(1)} bytes a place, ${(json.length / 1e6).toFixed(0)} MB), verified ${ms(verifyMs)}`);
