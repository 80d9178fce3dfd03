/**
 * What a million access codes cost (a benchmark, not a test): one event with a
 * coded phase, 1,000,000 codes generated in 20 requests of 50,000 through
 * `engine.execute`, then the event rebuilt from its journal.
 *
 *   node --expose-gc --import tsx engine/bench/codes-memory.ts
 *
 * Reports the heap the codes take (the event's CodeBook and the journal's
 * entries, which share the code strings), the heap of the rebuilt CodeBook on
 * its own, and the time to generate, to replay, and to check 100,000 codes.
 */
import { randomBytes } from 'node:crypto';
import { Engine, MemoryJournal, SaleEvent, systemClock, type JournalEntry } from '../src/index.js';
import { aesSeedVault } from '../stores/seed-vault.js';

const seeds = aesSeedVault(randomBytes(32).toString('hex'));

const CODES = 1_000_000;
const PER_REQUEST = 50_000;

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');
const heap = (): number => {
  gc();
  return process.memoryUsage().heapUsed;
};
const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

const now = Date.now();
const journal = new MemoryJournal();
const engine = new Engine({ randomBytes, seeds, journal });
engine.createEvent({
  id: 'codes', name: 'A million codes', closesAt: now + 3600_000,
  inventory: { tiers: [{ id: 'ga', name: 'GA', price: 1, quantity: 10 }] },
  phases: [{ id: 'presale', name: 'Presale', preQueueOpensAt: now + 60_000, onSaleAt: now + 120_000, access: { kind: 'code' } }],
}, { publish: true });

const before = heap();
let started = performance.now();
for (let i = 0; i < CODES / PER_REQUEST; i++) engine.execute({ type: 'generateCodes', eventId: 'codes', count: PER_REQUEST, uses: 1, ticketCap: 4 });
const generateMs = performance.now() - started;
const withJournal = heap() - before;

// Copies of the entries with their own strings, so the rebuilt book is measured apart from them.
const entries: JournalEntry[] = journal.read('codes').map((e) => (e.type === 'codesAdded' ? { ...e, codes: e.codes.map((c) => ` ${c}`.slice(1)) } : e));
const beforeReplay = heap();
started = performance.now();
const rebuilt = SaleEvent.fromJournal(entries, { clock: systemClock, randomBytes, seeds });
const replayMs = performance.now() - started;
const bookOnly = heap() - beforeReplay;

const sample = entries.flatMap((e) => (e.type === 'codesAdded' ? e.codes : [])).slice(0, 100_000);
started = performance.now();
for (let i = 0; i < sample.length; i++) rebuilt.codes.check(sample[i]!, `fan-${i}`, 'presale');
const checkMs = performance.now() - started;

console.log(`${rebuilt.codes.size.toLocaleString()} codes`);
console.log(`heap, event + journal (strings shared): ${mb(withJournal)} (${(withJournal / CODES).toFixed(0)} B/code)`);
console.log(`heap, rebuilt CodeBook alone:           ${mb(bookOnly)} (${(bookOnly / CODES).toFixed(0)} B/code)`);
console.log(`generate: ${(generateMs / 1000).toFixed(1)} s; replay: ${(replayMs / 1000).toFixed(1)} s; 100,000 checks: ${checkMs.toFixed(0)} ms`);
