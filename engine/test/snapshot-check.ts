/**
 * Checks that restoring an event from a snapshot and replaying the rest of
 * its journal builds the same event as replaying the whole journal, by a
 * structural dump of the live object graph written independently of the
 * snapshot code: every own field (hidden and symbol-keyed ones too) of every
 * object, class names, Map and Set contents in order, typed array cells, and
 * which objects are shared. Only the injected dependencies are left out.
 */
import { isDeepStrictEqual } from 'node:util';
import { deserialize, serialize } from 'node:v8';
import { expect } from 'vitest';
import type { SaleEventDeps } from '../src/event/sale-event.js';
import { SaleEvent } from '../src/event/sale-event.js';
import type { JournalEntry } from '../src/journal/entries.js';
import { restoreEvent, snapshotEvent, type EventSnapshot } from '../src/snapshot/event-snapshot.js';

/** The whole graph under `root` as comparable data; `injected` objects show only as a marker. */
export function structuralDump(root: unknown, injected: ReadonlySet<unknown>): unknown {
  const firstSeenAt = new Map<object, string>();
  const dump = (value: unknown, path: string): unknown => {
    if (typeof value === 'function') throw new Error(`a function in the event's state at ${path}`);
    if (typeof value === 'number' && Object.is(value, -0)) return '-0';
    if (value === null || typeof value !== 'object') return value;
    if (injected.has(value)) return '<injected>';
    const seen = firstSeenAt.get(value);
    if (seen !== undefined) return { sameAs: seen };
    firstSeenAt.set(value, path);
    if (value instanceof Map) return { map: [...value].map(([k, v], i) => [dump(k, `${path}.key${i}`), dump(v, `${path}.get(${String(k)})`)]) };
    if (value instanceof Set) return { set: [...value].map((v, i) => dump(v, `${path}.item${i}`)) };
    // Cells as one string: columns are thousands of cells, compared many times.
    if (ArrayBuffer.isView(value)) return { [value.constructor.name]: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
    const actor = value as { getPersistedSnapshot?: () => unknown };
    if (typeof actor.getPersistedSnapshot === 'function') return { actor: dump(actor.getPersistedSnapshot(), `${path}.actor`) };
    const fields: Record<string, unknown> = { class: Array.isArray(value) ? 'Array' : (Object.getPrototypeOf(value) as { constructor?: { name: string } } | null)?.constructor?.name ?? 'null' };
    for (const key of Reflect.ownKeys(value)) {
      const descriptor = Object.getOwnPropertyDescriptor(value, key)!;
      fields[String(key)] = 'value' in descriptor ? dump(descriptor.value, `${path}.${String(key)}`) : '<accessor>';
    }
    return fields;
  };
  return dump(root, 'event');
}

/** `deps`: besides the event's own dependencies, which differ between engines. */
export function eventDump(sale: SaleEvent, deps?: SaleEventDeps): unknown {
  return structuralDump(sale, new Set([deps, (sale as unknown as { deps: SaleEventDeps }).deps]));
}

/** The snapshot as a file carries it: through v8's serializer and back. */
export function throughBytes(snapshot: EventSnapshot): EventSnapshot {
  return deserialize(serialize(snapshot)) as EventSnapshot;
}

/**
 * For each cut point k: the event replayed up to entry k, snapshotted,
 * serialized, restored and brought up to the end must dump the same as the
 * whole journal replayed.
 */
export function expectSnapshotsAgree(journal: readonly JournalEntry[], deps: SaleEventDeps, cuts: readonly number[]): void {
  const whole = eventDump(SaleEvent.fromJournal(journal, deps), deps);
  for (const cut of cuts) {
    const prefix = journal.slice(0, cut);
    const snapshot = throughBytes(snapshotEvent(SaleEvent.fromJournal(prefix, deps), prefix, deps));
    const restored = restoreEvent(snapshot, journal, deps);
    const dump = eventDump(restored, deps);
    // vitest's deep equality only runs to report a difference: it is slow on states this size.
    if (!isDeepStrictEqual(dump, whole)) expect(dump, `restored from a snapshot at entry ${cut} of ${journal.length}, then the rest replayed`).toStrictEqual(whole);
  }
}

/** `count` cut points spread over a journal (the first is right after "created", the last covers it all), chosen by `pick`. */
export function cutPoints(length: number, count: number, pick: (max: number) => number): number[] {
  const cuts = new Set([1, length]);
  while (cuts.size < Math.min(count, length)) cuts.add(1 + pick(length - 1));
  return [...cuts].sort((a, b) => a - b);
}
