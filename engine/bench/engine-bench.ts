/**
 * Engine benchmark (not a test): one event, 1,000,000 fans, 50,000 seats, in
 * simulated time on one core.
 *
 *   npm run bench:engine [-- --runs N] [-- --json]
 *
 * The headline figures go through the public Engine API the way a transport
 * does: `engine.execute` with plain command objects, the default
 * MemoryJournal, every id string built inside the timed loop. The same
 * work done by calling SaleEvent methods directly is reported beside them, as
 * is a trivial same-run baseline (Map.set + Array.push of 1,000,000 fresh
 * string keys) so figures from a noisy machine can be compared as ratios.
 *
 * Per run:
 *   1. baseline                      Map.set + push of 1,000,000 `fan-${i}` keys
 *   2. warm-up                       the whole GA scenario on a separate, small event
 *   3. GA event via execute          on sale, admission paused: 1,000,000 joins timed,
 *                                    heap measured around them (gc before and after);
 *                                    resume + one tick admits 50,000 (1 ticket each);
 *                                    50,000 hold + confirmPurchase pairs timed
 *   4. GA event via SaleEvent        the same, calling sale.join/hold/confirmPurchase
 *   5. reserved event via execute    50,000 seats, 25,000 admitted fans, 25,000
 *                                    best-available holds of 2 seats timed
 * Medians over the runs are compared with the targets.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { availableParallelism } from 'node:os';
import type { JournalEntry, SaleEvent, SectionConfig } from '../src/index.js';
import {
  MINUTE, SECOND, baseConfig, check, holdAndConfirm, joinAndAdmit, lastAdmission, median, newEngine, seconds, startSale,
} from './bench-helpers.js';

// ── Parameters ────────────────────────────────────────────────────────────

const FANS = 1_000_000;
const GA_SEATS = 50_000;
/** Five GA tiers of 10,000; fan i holds in tier i % 5, so every seat sells. */
const TIERS = ['floor', 'lower-a', 'lower-b', 'upper-a', 'upper-b'] as const;
const WARMUP_FANS = 100_000;
const WARMUP_SEATS = 10_000;
/** Reserved venue: 20 sections × 25 rows × 100 seats = 50,000 seats. */
const VENUE = { sections: 20, rows: 25, seatsPerRow: 100 } as const;
const BEST_QUANTITY = 2;
/** Simulated arrivals: the clock moves 1 ms every 1,024 commands (~1M commands per simulated second). */
const TICK_MASK = 1023;

const TARGETS = {
  joinsPerSec: { min: 1_000_000, unit: 'joins/s' },
  holdConfirmPairsPerSec: { min: 200_000, unit: 'pairs/s' },
  heapBytesPerWaitingFan: { max: 200, unit: 'B/fan' },
} as const;

// ── Command line ──────────────────────────────────────────────────────────

function parseArgs(argv: readonly string[]): { runs: number; json: boolean } {
  let runs = 3;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--json') json = true;
    else if (arg === '--runs' || arg.startsWith('--runs=')) {
      const value = arg === '--runs' ? argv[++i] : arg.slice('--runs='.length);
      runs = Number(value);
      if (!Number.isInteger(runs) || runs < 1) usage(`--runs needs a positive integer, got ${String(value)}`);
    } else if (arg === '--help' || arg === '-h') usage();
    else usage(`unknown argument ${arg}`);
  }
  return { runs, json };
}

function usage(problem?: string): never {
  if (problem !== undefined) console.error(problem);
  console.error('usage: npm run bench:engine -- [--runs N] [--json]');
  process.exit(problem === undefined ? 0 : 2);
}

/** `--expose-gc` comes from the npm script; without it, switch the flag on and fetch gc from a fresh context. */
function getGc(): () => void {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (typeof existing === 'function') return existing;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}
const gc = getGc();

function fullGc(): void {
  gc();
  gc();
}

// ── Helpers ───────────────────────────────────────────────────────────────

const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const dec1 = new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const dec2 = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

// ── Baseline ──────────────────────────────────────────────────────────────

function baselineOnce(n: number): { seconds: number; size: number } {
  const map = new Map<string, number>();
  const list: string[] = [];
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    const key = `fan-${i}`;
    map.set(key, i);
    list.push(key);
  }
  return { seconds: seconds(start), size: map.size + list.length };
}

function measureBaseline(): number {
  baselineOnce(WARMUP_FANS);
  fullGc();
  const { seconds: s, size } = baselineOnce(FANS);
  check(size === 2 * FANS, 'baseline size');
  return FANS / s;
}

// ── GA scenario: joins, heap, hold + confirm ─────────────────────────────

type Via = 'execute' | 'direct';

interface GaResult {
  joinsPerSec: number;
  holdConfirmPairsPerSec: number;
  heapBytesPerWaitingFan: number;
  offHeapBytesPerWaitingFan: number;
}

function gaScenario(via: Via, fans: number, seats: number, seed: number): GaResult {
  const { engine, clock } = newEngine(seed);
  const eventId = `ga-${via}-${seed}`;
  const perTier = seats / TIERS.length;
  check(Number.isInteger(perTier), 'seats must split evenly over the tiers');
  startSale(engine, clock, {
    ...baseConfig(eventId, 'Bench Stadium, general admission'),
    maxTicketsPerFan: 1,
    inventory: { tiers: TIERS.map((id, i) => ({ id, name: id, price: 5_000 + 1_000 * i, quantity: perTier })) },
  });
  // Admission paused: fans join a live sale, nobody is admitted while we measure.
  engine.execute({ type: 'pause', eventId });
  const sale: SaleEvent = engine.event(eventId);

  // Joins (and the heap they leave behind).
  fullGc();
  const before = process.memoryUsage();
  const joinStart = performance.now();
  if (via === 'execute') {
    for (let i = 0; i < fans; i++) {
      engine.execute({ type: 'join', eventId, fanId: `fan-${i}` });
      if ((i & TICK_MASK) === TICK_MASK) clock.advance(1);
    }
  } else {
    for (let i = 0; i < fans; i++) {
      sale.join(`fan-${i}`);
      if ((i & TICK_MASK) === TICK_MASK) clock.advance(1);
    }
  }
  const joinSeconds = seconds(joinStart);
  // Direct callers are their own host: hand the entries to the journal as the engine would (untimed, but measured on the heap).
  if (via === 'direct') engine.journal.append(eventId, sale.takeEntries());
  fullGc();
  const after = process.memoryUsage();
  const status = sale.status();
  check(status.waiting === fans && status.admitted === 0, `after joins: ${status.waiting} waiting, ${status.admitted} admitted`);

  // Admit one fan per seat: resume, then one tick (auto admission, 1 ticket per fan).
  engine.execute({ type: 'resume', eventId });
  clock.advance(SECOND);
  engine.tick();
  const { fanIds, firstGrant } = lastAdmission(engine.journal.read(eventId));
  check(fanIds.length === seats, `expected ${seats} admitted, got ${fanIds.length}`);

  // Hold + confirm straight from held, each hold with its own idempotency key.
  const holdStart = performance.now();
  if (via === 'execute') {
    for (let i = 0; i < seats; i++) {
      holdAndConfirm(engine, eventId, fanIds[i]!, `g${firstGrant + i}`, TIERS[i % TIERS.length]!);
      if ((i & TICK_MASK) === TICK_MASK) clock.advance(1);
    }
  } else {
    for (let i = 0; i < seats; i++) {
      const fanId = fanIds[i]!;
      const hold = sale.hold(fanId, `g${firstGrant + i}`, { kind: 'tickets', tierId: TIERS[i % TIERS.length]!, quantity: 1 }, `hold-${fanId}`);
      sale.confirmPurchase(hold.holdId, `pay-${hold.holdId}`);
      if ((i & TICK_MASK) === TICK_MASK) clock.advance(1);
    }
  }
  const holdSeconds = seconds(holdStart);
  if (via === 'direct') engine.journal.append(eventId, sale.takeEntries());
  const end = sale.status();
  check(end.tickets.sold === seats && end.tickets.free === 0 && end.phase === 'soldOut', `after holds: ${JSON.stringify(end.tickets)} ${end.phase}`);

  return {
    joinsPerSec: fans / joinSeconds,
    holdConfirmPairsPerSec: seats / holdSeconds,
    heapBytesPerWaitingFan: (after.heapUsed - before.heapUsed) / fans,
    offHeapBytesPerWaitingFan: (after.external - before.external) / fans,
  };
}

// ── Reserved seating: best-available holds ───────────────────────────────

/** A bowl: sections nearer the stage rank better; within a row, the centre is best. Categories A (4 sections), B (8), C (8). */
function venue(): SectionConfig[] {
  const sections: SectionConfig[] = [];
  const centre = (VENUE.seatsPerRow - 1) / 2;
  for (let s = 0; s < VENUE.sections; s++) {
    const category = s < 4 ? 'A' : s < 12 ? 'B' : 'C';
    const distance = (s % 4) * 3 + Math.floor(s / 4) * 10;
    sections.push({
      id: `S${s + 1}`,
      name: `Section ${s + 1}`,
      rows: Array.from({ length: VENUE.rows }, (_, r) => ({
        id: `R${r + 1}`,
        seats: Array.from({ length: VENUE.seatsPerRow }, (_, k) => ({
          label: String(k + 1),
          category,
          rank: distance + r * 0.8 + Math.abs(k - centre) * 0.05,
        })),
      })),
    });
  }
  return sections;
}

/** Every 5 holds: A, B, B, C, C — the categories' shares of the venue, so the whole venue fills. */
const CATEGORY_CYCLE = ['A', 'B', 'B', 'C', 'C'] as const;

function bestAvailableScenario(seed: number, sections: SectionConfig[]): number {
  const seats = VENUE.sections * VENUE.rows * VENUE.seatsPerRow;
  const shoppers = seats / BEST_QUANTITY;
  const { engine, clock } = newEngine(seed);
  const eventId = `reserved-${seed}`;
  startSale(engine, clock, {
    ...baseConfig(eventId, 'Bench Arena, reserved seating'),
    maxTicketsPerFan: BEST_QUANTITY,
    inventory: { sections },
  });
  const { fanIds, firstGrant } = joinAndAdmit(engine, clock, eventId, shoppers);

  const start = performance.now();
  for (let i = 0; i < shoppers; i++) {
    const fanId = fanIds[i]!;
    engine.execute({
      type: 'hold', eventId, fanId, grantId: `g${firstGrant + i}`, key: `hold-${fanId}`,
      request: { kind: 'best', category: CATEGORY_CYCLE[i % CATEGORY_CYCLE.length], quantity: BEST_QUANTITY },
    });
    if ((i & TICK_MASK) === TICK_MASK) clock.advance(1);
  }
  const s = seconds(start);
  const end = engine.event(eventId).status();
  check(end.tickets.free === 0 && end.holds.active === shoppers, `after best-available: ${JSON.stringify(end.tickets)}`);
  return shoppers / s;
}

// ── One run ───────────────────────────────────────────────────────────────

interface RunResult {
  joinsPerSec: number;
  holdConfirmPairsPerSec: number;
  heapBytesPerWaitingFan: number;
  offHeapBytesPerWaitingFan: number;
  joinsPerSecDirect: number;
  holdConfirmPairsPerSecDirect: number;
  heapBytesPerWaitingFanDirect: number;
  bestAvailableHoldsPerSec: number;
  baselineOpsPerSec: number;
  joinsToBaselineRatio: number;
}

function runOnce(run: number, sections: SectionConfig[]): RunResult {
  const baselineOpsPerSec = measureBaseline();
  fullGc();
  // Warm-up on separate, smaller events: every path the measurement takes.
  gaScenario('execute', WARMUP_FANS, WARMUP_SEATS, 1000 + run);
  gaScenario('direct', WARMUP_FANS, WARMUP_SEATS, 2000 + run);
  fullGc();
  const viaExecute = gaScenario('execute', FANS, GA_SEATS, 3000 + run);
  fullGc();
  const direct = gaScenario('direct', FANS, GA_SEATS, 4000 + run);
  fullGc();
  const bestAvailableHoldsPerSec = bestAvailableScenario(5000 + run, sections);
  fullGc();
  return {
    ...viaExecute,
    joinsPerSecDirect: direct.joinsPerSec,
    holdConfirmPairsPerSecDirect: direct.holdConfirmPairsPerSec,
    heapBytesPerWaitingFanDirect: direct.heapBytesPerWaitingFan,
    bestAvailableHoldsPerSec,
    baselineOpsPerSec,
    joinsToBaselineRatio: viaExecute.joinsPerSec / baselineOpsPerSec,
  };
}

// ── Main ──────────────────────────────────────────────────────────────────

function verdict(key: keyof typeof TARGETS, value: number): { target: string; pass: boolean } {
  const t = TARGETS[key];
  if ('min' in t) return { target: `≥ ${int.format(t.min)} ${t.unit}`, pass: value >= t.min };
  return { target: `< ${int.format(t.max)} ${t.unit}`, pass: value < t.max };
}

function main(): void {
  const { runs, json } = parseArgs(process.argv.slice(2));
  const benchStart = performance.now();
  console.log(
    `Breakwater engine bench — node ${process.version}, ${availableParallelism()} CPUs, ${runs} run(s); ` +
      `${int.format(FANS)} fans, ${int.format(GA_SEATS)} GA seats (${TIERS.length} tiers), ` +
      `reserved venue ${int.format(VENUE.sections * VENUE.rows * VENUE.seatsPerRow)} seats; simulated clock, one thread`,
  );
  const sections = venue();
  const results: RunResult[] = [];
  for (let run = 1; run <= runs; run++) {
    const runStart = performance.now();
    const r = runOnce(run, sections);
    results.push(r);
    console.log(
      `run ${run}/${runs}: joins ${int.format(r.joinsPerSec)}/s (direct ${int.format(r.joinsPerSecDirect)}/s) · ` +
        `hold+confirm ${int.format(r.holdConfirmPairsPerSec)} pairs/s (direct ${int.format(r.holdConfirmPairsPerSecDirect)}) · ` +
        `heap ${dec1.format(r.heapBytesPerWaitingFan)} B/fan (+${dec1.format(r.offHeapBytesPerWaitingFan)} off-heap) · ` +
        `best-available ${int.format(r.bestAvailableHoldsPerSec)} holds/s · ` +
        `baseline ${int.format(r.baselineOpsPerSec)} ops/s · ${dec1.format(seconds(runStart))} s`,
    );
  }

  const med = Object.fromEntries(
    (Object.keys(results[0]!) as (keyof RunResult)[]).map((key) => [key, median(results.map((r) => r[key]))]),
  ) as unknown as RunResult;

  console.log(`\nMedians of ${runs} run(s) — through engine.execute + MemoryJournal:`);
  const rows: [keyof typeof TARGETS, string][] = [
    ['joinsPerSec', int.format(med.joinsPerSec)],
    ['holdConfirmPairsPerSec', int.format(med.holdConfirmPairsPerSec)],
    ['heapBytesPerWaitingFan', dec1.format(med.heapBytesPerWaitingFan)],
  ];
  for (const [key, shown] of rows) {
    const { target, pass } = verdict(key, med[key]);
    const values = results.map((r) => r[key]);
    const format = key === 'heapBytesPerWaitingFan' ? dec1 : int;
    const range = runs > 1 ? `  (runs ${format.format(Math.min(...values))} – ${format.format(Math.max(...values))})` : '';
    console.log(`  ${key.padEnd(26)} ${shown.padStart(12)}   target ${target.padEnd(22)} ${pass ? 'PASS' : 'FAIL'}${range}`);
  }
  console.log('Secondary:');
  const extras: [string, string][] = [
    ['joinsPerSecDirect', `${int.format(med.joinsPerSecDirect)}   (SaleEvent.join called directly)`],
    ['holdConfirmPairsPerSecDirect', `${int.format(med.holdConfirmPairsPerSecDirect)}   (SaleEvent.hold + confirmPurchase directly)`],
    ['heapBytesPerWaitingFanDirect', `${dec1.format(med.heapBytesPerWaitingFanDirect)}   (direct joins, journal appended afterwards)`],
    ['offHeapBytesPerWaitingFan', `${dec1.format(med.offHeapBytesPerWaitingFan)}   (typed-array columns, outside heapUsed)`],
    ['bestAvailableHoldsPerSec', `${int.format(med.bestAvailableHoldsPerSec)}   (reserved, best ${BEST_QUANTITY} seats per hold, via execute, venue filled)`],
    ['baselineOpsPerSec', `${int.format(med.baselineOpsPerSec)}   (Map.set + Array.push of fresh string keys)`],
    ['joinsToBaselineRatio', `${dec2.format(med.joinsToBaselineRatio)}×  (median of per-run joinsPerSec / baseline)`],
  ];
  for (const [key, shown] of extras) console.log(`  ${key.padEnd(30)} ${shown}`);
  console.log(`Total ${dec1.format(seconds(benchStart))} s`);

  if (json) {
    const round = (x: number, digits: number) => Number(x.toFixed(digits));
    console.log(
      JSON.stringify({
        joinsPerSec: Math.round(med.joinsPerSec),
        holdConfirmPairsPerSec: Math.round(med.holdConfirmPairsPerSec),
        heapBytesPerWaitingFan: round(med.heapBytesPerWaitingFan, 1),
        joinsPerSecDirect: Math.round(med.joinsPerSecDirect),
        holdConfirmPairsPerSecDirect: Math.round(med.holdConfirmPairsPerSecDirect),
        heapBytesPerWaitingFanDirect: round(med.heapBytesPerWaitingFanDirect, 1),
        offHeapBytesPerWaitingFan: round(med.offHeapBytesPerWaitingFan, 1),
        bestAvailableHoldsPerSec: Math.round(med.bestAvailableHoldsPerSec),
        baselineOpsPerSec: Math.round(med.baselineOpsPerSec),
        joinsToBaselineRatio: round(med.joinsToBaselineRatio, 3),
        pass: {
          joinsPerSec: verdict('joinsPerSec', med.joinsPerSec).pass,
          holdConfirmPairsPerSec: verdict('holdConfirmPairsPerSec', med.holdConfirmPairsPerSec).pass,
          heapBytesPerWaitingFan: verdict('heapBytesPerWaitingFan', med.heapBytesPerWaitingFan).pass,
        },
        runs,
      }),
    );
  }
}

main();
