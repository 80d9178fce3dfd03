/**
 * `npm run bench:durable`: what keeping every sale on disk costs one process.
 *
 * Each run builds the same GA sale twice, once on the in-memory journal (the
 * reference, measured in the same run) and once on `npm start`'s journal (an
 * Engine over a DurableJournal over a FileJournalStore in a fresh temp
 * directory, fdatasync on this machine's disk). Requests arrive as a busy
 * engine process sees them: each event-loop turn runs up to `--batch`
 * requests and each is "answered" only once `journal.durable()` resolves (the
 * gate every reply and broadcast waits for in `npm start`), at most
 * `--in-flight` waiting at once.
 *
 *   joins/s        `--fans` fans join an event on sale (engine.execute)
 *   pairs/s        every admitted fan holds one ticket and its purchase is confirmed
 *   fsyncs/s       the store's fdatasync calls per second during the pairs
 *   restart        a journal of `--restart-fans` joined fans (a tenth holding
 *                  and buying) written, with a snapshot half way through the
 *                  purchases, then
 *                  the time `npm start` takes to read and rebuild it
 *                  (openFileBackedHost): from the snapshot and the tail, and by
 *                  full replay (the snapshot moved away)
 *
 * Medians of `--runs` runs; `--json` prints one JSON object last.
 */
import { mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { baseConfig, check, holdAndConfirm, lastAdmission, median, newEngine, SECOND, startSale } from '../../engine/bench/bench-helpers.js';
import type { Engine } from '../../engine/src/index.js';
import { DurableJournal } from '../../engine/stores/durable-journal.js';
import { FileJournalStore } from '../../engine/stores/file/file-journal-store.js';
import { snapshotPath, writeSnapshotFile } from '../../engine/stores/file/snapshot-file.js';
import { aesSeedVault } from '../../engine/stores/seed-vault.js';
import { openFileBackedHost } from '../../engine/host/file-backed-host.js';
import { answeredOnceDurable } from './durable-holds.js';

const TIER = 'ga';
const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    fans: { type: 'string', default: '50000' },
    batch: { type: 'string', default: '256' },
    'in-flight': { type: 'string', default: '4096' },
    'restart-fans': { type: 'string', default: '1000000' },
    'restart-runs': { type: 'string', default: '3' },
    json: { type: 'boolean', default: false },
  },
});
const runs = Number(values.runs);
const fans = Number(values.fans);
const arrivals = { batch: Number(values.batch), inFlight: Number(values['in-flight']) };
const restartFans = Number(values['restart-fans']);
const restartRuns = Number(values['restart-runs']);

interface SaleFigures {
  joinsPerSec: number;
  pairsPerSec: number;
  fsyncsPerSec: number;
}

/** Joins, then hold + confirm pairs, on one engine; `durable` is what an answer waits for. */
async function sale(engine: Engine, clock: ReturnType<typeof newEngine>['clock'], eventId: string, durable: () => Promise<void>, syncs: () => number): Promise<SaleFigures> {
  startSale(engine, clock, { ...baseConfig(eventId, 'Durable bench'), maxTicketsPerFan: 1, inventory: { tiers: [{ id: TIER, name: 'General admission', price: 5_000, quantity: fans }] } });
  await durable();
  const joinS = await answeredOnceDurable(fans, (i) => engine.execute({ type: 'join', eventId, fanId: `fan-${i}` }), durable, arrivals);
  clock.advance(SECOND);
  engine.tick();
  await durable();
  const { fanIds, firstGrant } = lastAdmission(engine.journal.read(eventId));
  check(fanIds.length === fans, `expected ${fans} admitted, got ${fanIds.length}`);
  const syncsBefore = syncs();
  const pairS = await answeredOnceDurable(fans, (i) => holdAndConfirm(engine, eventId, fanIds[i]!, `g${firstGrant + i}`, TIER), durable, arrivals);
  const { tickets } = engine.event(eventId).status();
  check(tickets.sold === fans && tickets.free === 0, `after the pairs: ${JSON.stringify(tickets)}`);
  return { joinsPerSec: fans / joinS, pairsPerSec: fans / pairS, fsyncsPerSec: (syncs() - syncsBefore) / pairS };
}

async function memoryRun(seed: number): Promise<SaleFigures> {
  const { engine, clock } = newEngine(seed);
  return sale(engine, clock, `memory-${seed}`, () => Promise.resolve(), () => 0);
}

async function fileRun(seed: number): Promise<SaleFigures & { journalMB: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'bw-durable-bench-'));
  const { store } = await FileJournalStore.open(dir);
  const journal = new DurableJournal(store);
  try {
    const { engine, clock } = newEngine(seed, journal);
    const eventId = `file-${seed}`;
    const figures = await sale(engine, clock, eventId, () => journal.durable(), () => store.syncs);
    await store.close();
    const reread = await FileJournalStore.open(dir);
    check(reread.events.get(eventId)!.entries.length === journal.read(eventId).length, 'the file holds another journal than the engine made');
    await reread.store.close();
    return { ...figures, journalMB: (await stat(join(dir, 'events', `${eventId}.journal`))).size / 2 ** 20 };
  } finally {
    journal.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

interface RestartFigures {
  /** Full replay of the whole journal. */
  replayMs: number;
  /** The snapshot taken half way through the purchases, then the tail replayed. */
  snapshotMs: number;
  /** Of each, the part spent reading and decoding the journal file (the same work in both). */
  replayReadMs: number;
  snapshotReadMs: number;
  /** Taking the snapshot (the event loop is blocked) and writing its file. */
  takeMs: number;
  writeMs: number;
  snapshotMB: number;
  tailEntries: number;
  journalMB: number;
  entries: number;
}

/**
 * Writes a journal of `restartFans` fans through the file journal (a tenth
 * of them admitted, holding and buying), with one snapshot half way through
 * the purchases (a tail of ~100,000 entries for a million fans: the longest
 * the default --snapshot-every leaves), then times `npm start`'s restore of
 * it: with the snapshot, and with the snapshot moved away (a full replay).
 */
async function restartRun(seed: number): Promise<RestartFigures> {
  const dir = await mkdtemp(join(tmpdir(), 'bw-durable-restart-'));
  const eventsDir = join(dir, 'events');
  const eventId = 'restart';
  try {
    let take: { takeMs: number; writeMs: number; covered: number };
    {
      const { store } = await FileJournalStore.open(dir);
      const journal = new DurableJournal(store);
      const { engine, clock } = newEngine(seed, journal);
      startSale(engine, clock, { ...baseConfig(eventId, 'Restart bench'), maxTicketsPerFan: 1, inventory: { tiers: [{ id: TIER, name: 'General admission', price: 5_000, quantity: restartFans / 10 }] }, admission: { mode: 'rate', fansPerMinute: 6_000 } });
      for (let i = 0; i < restartFans; i++) {
        engine.execute({ type: 'join', eventId, fanId: `fan-${i}` });
        if (i % 10_000 === 9_999) await journal.durable();
      }
      // A tenth of them admitted, holding and buying; the snapshot half way through the purchases.
      clock.advance(restartFans / 10 / 100 * SECOND);
      engine.tick();
      const { fanIds, firstGrant } = lastAdmission(engine.journal.read(eventId));
      const half = fanIds.length >> 1;
      for (let i = 0; i < half; i++) holdAndConfirm(engine, eventId, fanIds[i]!, `g${firstGrant + i}`, TIER);
      await journal.durable();
      const started = performance.now();
      const snapshot = engine.snapshot(eventId);
      const taken = performance.now();
      await writeSnapshotFile(eventsDir, snapshot);
      take = { takeMs: taken - started, writeMs: performance.now() - taken, covered: snapshot.entries };
      for (let i = half; i < fanIds.length; i++) holdAndConfirm(engine, eventId, fanIds[i]!, `g${firstGrant + i}`, TIER);
      await journal.durable();
      journal.close();
      await store.close();
    }
    const snapshotMB = (await stat(snapshotPath(eventsDir, eventId))).size / 2 ** 20;
    const withSnapshot = await timedRestart(dir, 1);
    await rename(snapshotPath(eventsDir, eventId), join(dir, 'set-aside'));
    const replay = await timedRestart(dir, 0);
    check(replay.entries === withSnapshot.entries, 'both restarts read the same journal');
    return {
      replayMs: replay.ms, snapshotMs: withSnapshot.ms, replayReadMs: replay.readMs, snapshotReadMs: withSnapshot.readMs, takeMs: take.takeMs, writeMs: take.writeMs, snapshotMB,
      tailEntries: withSnapshot.entries - take.covered, journalMB: (await stat(join(eventsDir, `${eventId}.journal`))).size / 2 ** 20, entries: replay.entries,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** `npm start`'s restore of the directory (FileJournalStore.open, snapshots, Engine.restore, EngineHost). */
async function timedRestart(dir: string, fromSnapshots: number): Promise<{ ms: number; readMs: number; entries: number }> {
  global.gc?.();
  const start = performance.now();
  const opened = await openFileBackedHost(dir, { seeds: aesSeedVault('engine bench'), log: () => undefined });
  const ms = performance.now() - start;
  check(opened.restored.fromSnapshots === fromSnapshots, `expected ${fromSnapshots} events from a snapshot, got ${opened.restored.fromSnapshots}`);
  check(opened.host.engine.event('restart').room.isPresent(`fan-${restartFans - 1}`), 'the last fan is not back');
  check(opened.host.engine.event('restart').status().tickets.sold === restartFans / 10, 'the purchases are not back');
  await opened.close();
  return { ms, readMs: opened.restored.readMs, entries: opened.restored.entries };
}

const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const results: Array<{ memory: SaleFigures; file: SaleFigures & { journalMB: number }; ratio: number }> = [];
for (let run = 0; run < runs; run++) {
  // Alternated, so neither always runs on a warmer process.
  const memoryFirst = run % 2 === 0;
  const memory = memoryFirst ? await memoryRun(run) : undefined;
  const file = await fileRun(run);
  const memoryFigures = memory ?? (await memoryRun(run));
  const ratio = file.pairsPerSec / memoryFigures.pairsPerSec;
  results.push({ memory: memoryFigures, file, ratio });
  console.error(`run ${run + 1}/${runs}: pairs/s file ${int.format(file.pairsPerSec)} vs memory ${int.format(memoryFigures.pairsPerSec)} (${ratio.toFixed(2)}×), joins/s file ${int.format(file.joinsPerSec)} vs memory ${int.format(memoryFigures.joinsPerSec)}, ${int.format(file.fsyncsPerSec)} fsyncs/s`);
}
const restarts = [];
for (let run = 0; run < restartRuns; run++) {
  const r = await restartRun(run);
  restarts.push(r);
  console.error(`restart ${run + 1}/${restartRuns}: ${int.format(restartFans)} fans, ${int.format(r.entries)} entries, ${r.journalMB.toFixed(1)} MB: full replay ${int.format(r.replayMs)} ms (reading the journal ${int.format(r.replayReadMs)}), snapshot (${r.snapshotMB.toFixed(1)} MB) + ${int.format(r.tailEntries)} entries ${int.format(r.snapshotMs)} ms (reading the journal ${int.format(r.snapshotReadMs)}); taking it ${int.format(r.takeMs)} ms, writing it ${int.format(r.writeMs)} ms`);
}
const summary = {
  runs, fans, ...arrivals,
  memoryPairsPerSec: median(results.map((r) => r.memory.pairsPerSec)),
  filePairsPerSec: median(results.map((r) => r.file.pairsPerSec)),
  filePairsRatio: median(results.map((r) => r.ratio)),
  memoryJoinsPerSec: median(results.map((r) => r.memory.joinsPerSec)),
  fileJoinsPerSec: median(results.map((r) => r.file.joinsPerSec)),
  fileJoinsRatio: median(results.map((r) => r.file.joinsPerSec / r.memory.joinsPerSec)),
  fsyncsPerSec: median(results.map((r) => r.file.fsyncsPerSec)),
  restartFans,
  restartMs: restarts.length === 0 ? null : median(restarts.map((r) => r.replayMs)),
  restartFromSnapshotMs: restarts.length === 0 ? null : median(restarts.map((r) => r.snapshotMs)),
  restartRebuildMs: restarts.length === 0 ? null : median(restarts.map((r) => r.replayMs - r.replayReadMs)),
  restartFromSnapshotRebuildMs: restarts.length === 0 ? null : median(restarts.map((r) => r.snapshotMs - r.snapshotReadMs)),
  snapshotTakeMs: restarts.length === 0 ? null : median(restarts.map((r) => r.takeMs)),
  snapshotWriteMs: restarts.length === 0 ? null : median(restarts.map((r) => r.writeMs)),
  snapshotMB: restarts.length === 0 ? null : median(restarts.map((r) => r.snapshotMB)),
  tailEntries: restarts.length === 0 ? null : median(restarts.map((r) => r.tailEntries)),
  restartJournalMB: restarts.length === 0 ? null : median(restarts.map((r) => r.journalMB)),
  targetPairsRatio: 0.5,
  results, restarts,
};
console.log([
  '',
  `hold+confirm pairs/s  file ${int.format(summary.filePairsPerSec)}  memory ${int.format(summary.memoryPairsPerSec)}  file ÷ memory ${summary.filePairsRatio.toFixed(2)}× (target ≥ 0.5×: ${summary.filePairsRatio >= 0.5 ? 'met' : 'NOT met'})`,
  `joins/s               file ${int.format(summary.fileJoinsPerSec)}  memory ${int.format(summary.memoryJoinsPerSec)}  file ÷ memory ${summary.fileJoinsRatio.toFixed(2)}×`,
  `fdatasync/s during the pairs  ${int.format(summary.fsyncsPerSec)}`,
  summary.restartMs === null ? '' : `restart of ${int.format(restartFans)} fans  full replay ${int.format(summary.restartMs)} ms (${summary.restartJournalMB!.toFixed(1)} MB journal); snapshot + ${int.format(summary.tailEntries!)}-entry tail ${int.format(summary.restartFromSnapshotMs!)} ms (${summary.snapshotMB!.toFixed(1)} MB snapshot, taken in ${int.format(summary.snapshotTakeMs!)} ms, written in ${int.format(summary.snapshotWriteMs!)} ms)\n  of which rebuilding the engine (after reading the journal)  full replay ${int.format(summary.restartRebuildMs!)} ms, snapshot + tail ${int.format(summary.restartFromSnapshotRebuildMs!)} ms`,
  `medians of ${runs} runs (restart: ${restartRuns})`,
].join('\n'));
if (values.json) console.log(JSON.stringify(summary));
