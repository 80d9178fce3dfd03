/**
 * What every event store promises (engine/stores/event-store.ts), run against
 * each one by its own test file: memory-, file- and redis-event-store.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { JournalEntry } from '../../src/journal/entries.js';
import { DurableJournal } from '../../stores/durable-journal.js';
import { FencedError } from '../../stores/event-store.js';
import type { StoreFixture } from './event-store-fixtures.js';

const joined = (fanId: string): JournalEntry => ({ type: 'joined', at: 1, fanId });
const fans = (...ids: string[]) => ids.map(joined);
const held: JournalEntry = {
  type: 'held', at: 2, fanId: 'f1', holdId: 'h1', grantId: 'g1', key: 'k', fingerprint: 'fp',
  allocation: { seatIds: ['S-1-1', 'S-1-2'], quantity: 2 }, expiresAt: 1e12 + 0.5,
};

export function describeEventStore(fixture: StoreFixture): void {
  describe(`the ${fixture.name} event store`, () => {
    beforeAll(() => fixture.start());
    afterAll(() => fixture.stop());

    it('gives each new owner of a partition a greater epoch than every earlier one, after a restart too; partitions count apart', async () => {
      const store = await fixture.open();
      const epochs = [];
      for (let i = 0; i < 3; i++) epochs.push((await store.openPartition(0)).epoch);
      expect(epochs[1]).toBeGreaterThan(epochs[0]!);
      expect(epochs[2]).toBeGreaterThan(epochs[1]!);
      const other = await store.openPartition(1);
      expect(other.partition).toBe(1);
      expect(other.epoch).toBeLessThan(epochs[2]!);
      expect((await (await fixture.reopen(store)).openPartition(0)).epoch).toBeGreaterThan(epochs[2]!);
      await expect(store.openPartition(-1)).rejects.toThrow(/partition/);
    });

    it('reads each event back in order: several events in one write, across writes', async () => {
      const owner = await (await fixture.open()).openPartition(0);
      await owner.write([{ eventId: 'a', entries: fans('1', '2') }, { eventId: 'b', entries: fans('3') }, { eventId: 'a', entries: [held] }], 1);
      await owner.write([{ eventId: 'a', entries: fans('4') }], 2);
      expect(await owner.read('a')).toStrictEqual([...fans('1', '2'), held, ...fans('4')]);
      expect(await owner.read('b')).toStrictEqual(fans('3'));
      expect(await owner.read('never')).toEqual([]);
    });

    it('lists the events written in a partition, to that partition only, for the next owner and after a restart', async () => {
      const store = await fixture.open();
      const p0 = await store.openPartition(0);
      const p1 = await store.openPartition(1);
      await p0.write([{ eventId: 'b', entries: fans('1') }, { eventId: 'a', entries: fans('2') }], 1);
      await p1.write([{ eventId: 'c', entries: fans('3') }], 1);
      await p0.write([{ eventId: 'a', entries: fans('4') }], 2);
      expect(await p0.partitionEvents()).toEqual(['a', 'b']);
      expect(await (await store.openPartition(0)).partitionEvents()).toEqual(['a', 'b']);
      expect(await (await store.openPartition(1)).partitionEvents()).toEqual(['c']);
      const restarted = await fixture.reopen(store);
      expect(await (await restarted.openPartition(0)).partitionEvents()).toEqual(['a', 'b']);
      expect(await (await restarted.openPartition(2)).partitionEvents()).toEqual([]);
    });

    it('hands the next owner each event\'s journal and last saved settings with its claim, after a restart too', async () => {
      const store = await fixture.open();
      const owner = await store.openPartition(0);
      await owner.write([{ eventId: 'a', entries: fans('1') }, { eventId: 'b', entries: fans('2') }], 1);
      await owner.saveSettings('a', { difficulty: 12, hidden: false });
      await owner.saveSettings('a', { difficulty: 14, hidden: true, names: ['x'] });
      const next = await store.openPartition(0);
      expect(await next.claim('a')).toEqual({ entries: fans('1'), settings: { difficulty: 14, hidden: true, names: ['x'] } });
      expect(await next.claim('b')).toEqual({ entries: fans('2'), settings: undefined });
      const restarted = await (await fixture.reopen(store)).openPartition(0);
      expect(await restarted.claim('a')).toEqual({ entries: fans('1'), settings: { difficulty: 14, hidden: true, names: ['x'] } });
    });

    it('once a newer owner claims an event, the older one\'s writes and settings of it are refused and nothing of them lands', async () => {
      const store = await fixture.open();
      const old = await store.openPartition(0);
      await old.write([{ eventId: 'a', entries: fans('1') }, { eventId: 'b', entries: fans('2') }], 1);
      const next = await store.openPartition(0);
      expect((await next.claim('a')).entries).toEqual(fans('1'));

      const refused = old.write([{ eventId: 'a', entries: fans('late') }], 2);
      await expect(refused).rejects.toBeInstanceOf(FencedError);
      await expect(refused).rejects.toMatchObject({ eventId: 'a' });
      await expect(old.saveSettings('a', { x: 1 })).rejects.toBeInstanceOf(FencedError);
      await expect(old.claim('a')).rejects.toBeInstanceOf(FencedError);
      expect(await next.claim('a')).toEqual({ entries: fans('1'), settings: undefined });

      // Its other, unclaimed event it may still write; the new owner continues the claimed one.
      await old.write([{ eventId: 'b', entries: fans('3') }], 3);
      await next.write([{ eventId: 'a', entries: fans('4') }], 1);
      expect(await next.read('a')).toEqual(fans('1', '4'));
      expect(await next.read('b')).toEqual(fans('2', '3'));
    });

    it('refuses a new event from an owner whose partition was given a newer owner, and never lists it', async () => {
      const store = await fixture.open();
      const old = await store.openPartition(0);
      await old.write([{ eventId: 'a', entries: fans('1') }], 1);
      const next = await store.openPartition(0); // took its epoch; lists the events next

      await expect(old.write([{ eventId: 'new', entries: fans('2') }], 2)).rejects.toBeInstanceOf(FencedError);
      expect(await next.partitionEvents()).toEqual(['a']);
      expect(await next.read('new')).toEqual([]);
    });

    it('applies a write replayed with the same write id once, and goes on from there', async () => {
      const owner = await (await fixture.open()).openPartition(0);
      const batches = [{ eventId: 'a', entries: fans('1', '2') }, { eventId: 'b', entries: fans('3') }];
      await owner.write(batches, 7);
      await owner.write(batches, 7);
      expect(await owner.read('a')).toEqual(fans('1', '2'));
      expect(await owner.read('b')).toEqual(fans('3'));
      await owner.write([{ eventId: 'a', entries: fans('4') }], 8);
      expect(await owner.read('a')).toEqual(fans('1', '2', '4'));
    });

    it('takes a write id as its owner\'s own: the next owner\'s write 1 is not the last owner\'s', async () => {
      const store = await fixture.open();
      await (await store.openPartition(0)).write([{ eventId: 'a', entries: fans('1') }], 1);
      const next = await store.openPartition(0);
      await next.claim('a');
      await next.write([{ eventId: 'a', entries: fans('2') }], 1);
      expect(await next.read('a')).toEqual(fans('1', '2'));
    });

    it('fences a DurableJournal: the old owner\'s waiters are rejected and onFenced is called', async () => {
      const store = await fixture.open();
      const onFenced = vi.fn();
      const journal = new DurableJournal(await store.openPartition(0), { onFenced });
      journal.append('a', fans('1'));
      await journal.durable();
      const next = await store.openPartition(0);
      await next.claim('a');

      journal.append('a', fans('2'));
      await expect(journal.durable()).rejects.toBeInstanceOf(FencedError);
      expect(onFenced).toHaveBeenCalledOnce();
      expect(onFenced.mock.calls[0]![0]).toMatchObject({ eventId: 'a' });
      expect(await next.read('a')).toEqual(fans('1'));
    });
  });
}
