/**
 * Event snapshots (engine/src/snapshot): restoring one and replaying the rest
 * of the journal builds the same event as replaying the whole journal, at
 * every cut point of a sale that goes through admission, holds, payments,
 * refusals, cancellations and the close. (invariants.property.test.ts checks
 * the same at random cut points of its random programs.)
 */
import { deserialize, serialize } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { Engine } from '../src/engine.js';
import { SaleEvent } from '../src/event/sale-event.js';
import { restoreEvent, snapshotEvent, SnapshotRefused, SNAPSHOT_VERSION } from '../src/snapshot/event-snapshot.js';
import { freezeGraph, thawGraph } from '../src/snapshot/object-graph.js';
import { Driver, gaConfig, MINUTE, SECOND, TEST_SEEDS } from './fixtures.js';
import { eventDump, expectSnapshotsAgree, throughBytes } from './snapshot-check.js';

/** A GA sale with a bit of everything the event keeps. */
function busySale(): Driver {
  const d = new Driver(gaConfig({ quantity: 6, maxTicketsPerFan: 2 }));
  d.startSale();
  const fans = d.joinMany(8);
  d.advance(SECOND).exec({ type: 'announce', eventId: d.eventId, text: 'Doors at 7' });
  d.engine.tick();
  const a = d.holdTickets(fans[0]!, 2);
  d.startPayment(fans[0]!, a.holdId);
  d.confirm(a.holdId);
  const b = d.holdTickets(fans[1]!, 1);
  d.startPayment(fans[1]!, b.holdId);
  d.failPayment(b.holdId);
  d.leave(fans[2]!);
  d.presence(fans[3]!, false);
  d.exec({ type: 'pause', eventId: d.eventId });
  d.advance(MINUTE).exec({ type: 'resume', eventId: d.eventId });
  d.engine.tick();
  d.exec({ type: 'cancelOrder', eventId: d.eventId, holdId: a.holdId, refund: true, reason: 'duplicate' });
  d.advance(10 * MINUTE);
  d.engine.tick();
  return d;
}

const depsOf = (d: Driver) => (d.sale as unknown as { deps: ConstructorParameters<typeof Object>[0] }).deps as Parameters<typeof SaleEvent.fromJournal>[1];

describe('event snapshots', () => {
  it('restore + replay of the tail equals replay of the whole journal, at every cut point', () => {
    const d = busySale();
    const journal = d.journal;
    expect(journal.length).toBeGreaterThan(20);
    expectSnapshotsAgree(journal, depsOf(d), Array.from({ length: journal.length }, (_, i) => i + 1));
  });

  it('a snapshot of the live event restores it exactly, and both go on to decide the same', () => {
    const d = busySale();
    const deps = depsOf(d);
    const restored = restoreEvent(throughBytes(d.engine.snapshot(d.eventId)), d.journal, deps);
    expect(eventDump(restored, deps)).toStrictEqual(eventDump(d.sale, deps));
    const engine = Engine.restore(d.engine.journal, { clock: d.clock, seeds: TEST_SEEDS, randomBytes: deps.randomBytes }, { snapshots: new Map([[d.eventId, d.engine.snapshot(d.eventId)]]), onRefused: (_, reason) => expect.fail(reason) });
    d.exec({ type: 'join', eventId: d.eventId, fanId: 'late' });
    engine.execute({ type: 'join', eventId: d.eventId, fanId: 'late' });
    expect(engine.journal.read(d.eventId)).toBe(d.journal);
    expect(eventDump(engine.event(d.eventId), deps)).toStrictEqual(eventDump(d.sale, deps));
  });

  it('the dump sees a changed private or nested field, so a field the snapshot lost would fail the comparison', () => {
    const d = busySale();
    const deps = depsOf(d);
    const restored = restoreEvent(d.engine.snapshot(d.eventId), d.journal, deps) as unknown as Record<string, Record<string, unknown>>;
    const before = eventDump(restored as unknown as SaleEvent, deps);
    (restored as unknown as { admittedTotal: number }).admittedTotal += 1;
    expect(eventDump(restored as unknown as SaleEvent, deps)).not.toStrictEqual(before);
    (restored as unknown as { admittedTotal: number }).admittedTotal -= 1;
    delete restored.room!.presenceDeadlines;
    expect(eventDump(restored as unknown as SaleEvent, deps)).not.toStrictEqual(before);
  });

  it('keeps objects shared between parts of the state shared', () => {
    const d = busySale();
    const restored = restoreEvent(throughBytes(d.engine.snapshot(d.eventId)), d.journal, depsOf(d));
    const holdIds = d.journal.flatMap((e) => (e.type === 'held' ? [e.holdId] : []));
    expect(holdIds.length).toBeGreaterThan(1);
    for (const holdId of holdIds) {
      const hold = restored.holds.get(holdId)!;
      expect(hold.account.holds).toContain(hold);
    }
    expect(restored.room).toBeInstanceOf(Object.getPrototypeOf(d.sale.room).constructor);
  });

  it('carries long string arrays packed, holes, and shared arrays as one array, through v8 bytes', () => {
    const codec = { classes: {}, special: {}, constants: {} };
    const ids = Array.from({ length: 3000 }, (_, i) => `fan-${i}${i % 7 === 0 ? 'é' : ''}`);
    // eslint-disable-next-line no-sparse-arrays
    const root = { a: ids, b: ids, sparse: [1, , 3], mixed: [...ids.slice(0, 2000), 5], empty: ['', ...ids.slice(0, 1500), ''] };
    const back = thawGraph(codec, deserialize(serialize(freezeGraph(codec, root, new Map()).frozen)), new Map()) as typeof root;
    expect(back).toStrictEqual(root);
    expect(back.a).toBe(back.b);
    expect(1 in back.sparse).toBe(false);
  });

  it('refuses state it cannot carry faithfully: a function, an unregistered class', () => {
    const codec = { classes: {}, special: {}, constants: {} };
    expect(() => freezeGraph(codec, { a: { b: () => 1 } }, new Map())).toThrow(/\.a\.b: it is a function/);
    class Unknown {}
    expect(() => freezeGraph(codec, { x: [new Unknown()] }, new Map())).toThrow(/\.x\[0\].*Unknown, not registered/);
  });

  it('refuses a snapshot of another version, of another journal, or of an engine whose fields differ', () => {
    const d = busySale();
    const deps = depsOf(d);
    const snapshot = d.engine.snapshot(d.eventId);
    expect(() => restoreEvent({ ...snapshot, version: SNAPSHOT_VERSION + 1 }, d.journal, deps)).toThrow(SnapshotRefused);
    expect(() => restoreEvent(snapshot, d.journal.slice(0, -1), deps)).toThrow(/covers \d+ entries, the journal has/);
    expect(() => restoreEvent({ ...snapshot, last: { ...snapshot.last, at: snapshot.last.at + 1 } }, d.journal, deps)).toThrow(/is not the journal's entry/);
    const shape = { ...snapshot.shape, WaitingRoom: [...snapshot.shape.WaitingRoom!, 'aFieldThisEngineHasNot'] };
    expect(() => restoreEvent({ ...snapshot, shape }, d.journal, deps)).toThrow(/another version of the engine: WaitingRoom/);
    const refused: string[] = [];
    const engine = Engine.restore(d.engine.journal, { clock: d.clock, seeds: TEST_SEEDS, randomBytes: deps.randomBytes }, { snapshots: new Map([[d.eventId, { ...snapshot, version: 0 }]]), onRefused: (id, reason) => refused.push(`${id}: ${reason}`) });
    expect(refused).toEqual([`${d.eventId}: snapshot version 0, this engine reads ${SNAPSHOT_VERSION}`]);
    expect(eventDump(engine.event(d.eventId))).toStrictEqual(eventDump(SaleEvent.fromJournal(d.journal, deps)));
  });

  it('is only taken between commands', () => {
    const d = busySale();
    const sale = SaleEvent.fromJournal(d.journal, depsOf(d));
    expect(() => snapshotEvent(sale, [], depsOf(d))).toThrow(/no journal/);
  });
});
