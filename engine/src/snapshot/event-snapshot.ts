/**
 * An event's snapshot: its whole state as plain data, with the journal
 * position it covers, so a restart restores it and replays only the entries
 * after it — the same event as replaying the whole journal (proven by
 * engine/test/snapshot.test.ts at many cut points of random journals).
 * Taken between commands, never mid-command.
 */
import { NO_HOLDS } from '../event/fan-accounts.js';
import type { SaleEventDeps } from '../event/sale-event.js';
import { SaleEvent } from '../event/sale-event.js';
import type { JournalEntry } from '../journal/entries.js';
import { isSaleActor, persistSaleActor, resumeSaleActor } from '../lifecycle/sale-machine.js';
import { EVENT_CLASSES } from './classes.js';
import { freezeGraph, thawGraph, type GraphCodec, type Shape } from './object-graph.js';

/** Bump when what a field means changes; added, removed or renamed fields are caught by the shape. */
export const SNAPSHOT_VERSION = 1;

export interface EventSnapshot {
  version: number;
  eventId: string;
  /** Journal entries the state covers: the tail to replay starts here. */
  entries: number;
  /** The last entry covered, to recognise the journal it was taken from. */
  last: { type: JournalEntry['type']; at: number };
  /** Field names per class when it was taken. */
  shape: Shape;
  state: unknown;
}

/** A snapshot this engine cannot use; the caller replays the whole journal instead. */
export class SnapshotRefused extends Error {
  override readonly name = 'SnapshotRefused';
}

const CODEC: GraphCodec = {
  classes: EVENT_CLASSES,
  special: { saleActor: { matches: isSaleActor, freeze: persistSaleActor, thaw: resumeSaleActor } },
  constants: { NO_HOLDS },
};
const DEPS = 'deps';

export function snapshotEvent(sale: SaleEvent, journal: readonly JournalEntry[], deps: SaleEventDeps): EventSnapshot {
  if (sale.pendingEntries().length > 0) throw new Error('an event is snapshotted between commands, not with entries still to write');
  const last = journal[journal.length - 1];
  if (last === undefined) throw new Error(`event "${sale.id}" has no journal to snapshot`);
  const { frozen, shape } = freezeGraph(CODEC, sale, new Map([[deps, DEPS]]));
  return { version: SNAPSHOT_VERSION, eventId: sale.id, entries: journal.length, last: { type: last.type, at: last.at }, shape, state: frozen };
}

/** The event a snapshot holds, brought up to the end of `journal` (using the snapshot up); SnapshotRefused if it does not fit this engine or this journal. */
export function restoreEvent(snapshot: EventSnapshot, journal: readonly JournalEntry[], deps: SaleEventDeps): SaleEvent {
  if (snapshot.version !== SNAPSHOT_VERSION) throw new SnapshotRefused(`snapshot version ${snapshot.version}, this engine reads ${SNAPSHOT_VERSION}`);
  const last = journal[snapshot.entries - 1];
  if (last === undefined) throw new SnapshotRefused(`it covers ${snapshot.entries} entries, the journal has ${journal.length}`);
  if (last.type !== snapshot.last.type || last.at !== snapshot.last.at) throw new SnapshotRefused(`its last entry (${snapshot.last.type} at ${snapshot.last.at}) is not the journal's entry ${snapshot.entries} (${last.type} at ${last.at})`);
  const mismatch = shapeMismatch(snapshot.shape, journal, deps);
  if (mismatch !== undefined) throw new SnapshotRefused(`taken by another version of the engine: ${mismatch}`);
  const sale = thawGraph(CODEC, snapshot.state, new Map([[DEPS, deps]]));
  if (!(sale instanceof SaleEvent) || sale.id !== snapshot.eventId) throw new SnapshotRefused(`it does not hold event "${snapshot.eventId}"`);
  sale.replayTail(journal.slice(snapshot.entries));
  return sale;
}

/** Where the snapshot's fields differ from this engine's, checked on the classes a new event of the same journal holds. */
function shapeMismatch(shape: Shape, journal: readonly JournalEntry[], deps: SaleEventDeps): string | undefined {
  const fresh = freezeGraph(CODEC, SaleEvent.fromJournal(journal.slice(0, 1), deps), new Map([[deps, DEPS]])).shape;
  for (const [name, fields] of Object.entries(fresh)) {
    const taken = shape[name];
    if (taken === undefined) continue;
    if (taken.join() !== fields.join()) return `${name} had fields ${taken.join(', ')}; it has ${fields.join(', ')}`;
  }
  return undefined;
}
