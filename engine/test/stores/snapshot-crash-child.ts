/**
 * The process snapshot-file.test.ts kills with SIGKILL: an event on the file
 * journal in <data dir> whose snapshot is rewritten after every write (so a
 * kill lands mid-snapshot), fans joining without pause. It prints
 * `durable <n>` once fans fan-0 … fan-<n> are durable: what a fan was told.
 */
import { join } from 'node:path';
import { Engine, SimulatedClock } from '../../src/index.js';
import { DurableJournal } from '../../stores/durable-journal.js';
import { FileJournalStore } from '../../stores/file/file-journal-store.js';
import { readSnapshotFiles } from '../../stores/file/snapshot-file.js';
import { SnapshotWriter } from '../../stores/file/snapshot-writer.js';
import { gaConfig, ON_SALE_AT, TEST_SEEDS } from '../fixtures.js';

const dir = process.argv[2]!;
const eventId = 'crash';
const { store, events } = await FileJournalStore.open(dir);
const journal = new DurableJournal(store);
for (const [id, event] of events) journal.load(id, event.entries);
const clock = new SimulatedClock(ON_SALE_AT + 1);
const snapshots = await readSnapshotFiles(join(dir, 'events'), events.keys(), (message) => console.error(message));
const engine = Engine.restore(journal, { clock, seeds: TEST_SEEDS }, { snapshots });
if (!events.has(eventId)) engine.createEvent({ ...gaConfig({ id: eventId, quantity: 10 }), preQueueOpensAt: ON_SALE_AT - 2, onSaleAt: ON_SALE_AT - 1 }, { publish: true });
engine.tick();
const writer = new SnapshotWriter({ engine, eventsDir: join(dir, 'events'), durable: () => journal.durable(), policy: { everyEntries: 1, everyMs: 60_000 } });
const first = Number(process.argv[3] ?? 0);
for (let n = first; ; n += 20) {
  for (let i = n; i < n + 20; i++) engine.execute({ type: 'join', eventId, fanId: `fan-${i}` });
  await journal.durable();
  console.log(`durable ${n + 19} snapshots ${writer.written}`);
}
