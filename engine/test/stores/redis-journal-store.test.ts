import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { JournalEntry } from '../../src/journal/entries.js';
import { DurableJournal } from '../../stores/durable-journal.js';
import { FencedError } from '../../stores/durable-store.js';
import { encodeEntries } from '../../stores/redis/codec.js';
import { eventKeys } from '../../stores/redis/keys.js';
import { RedisJournalStore } from '../../stores/redis/redis-journal-store.js';
import { startRedis, startReplyLosingProxy, type RedisFixture } from './redis-fixture.js';

const joined = (fanId: string, at = 1): JournalEntry => ({ type: 'joined', at, fanId });
const fans = (...ids: string[]) => ids.map((id) => joined(id));

let fx: RedisFixture;
let redis: Redis;
beforeAll(async () => {
  fx = await startRedis();
  redis = fx.client();
});
afterAll(() => fx?.stop());

/** A store with the same epoch and prefix as `store`, that has written nothing: what the owner would be after a lost reply, minus its memory. */
const twin = (prefix: string, epoch: number) => new RedisJournalStore(redis, { partition: 0, epoch, prefix });

describe('RedisJournalStore: journals', () => {
  it('writes several events in one write and reads each back in order, across writes', async () => {
    const prefix = fx.prefix();
    const store = await fx.owner(redis, prefix);
    const held: JournalEntry = {
      type: 'held', at: 2, fanId: 'f1', holdId: 'h1', grantId: 'g1', key: 'k', fingerprint: 'fp',
      allocation: { seatIds: ['S-1-1', 'S-1-2'], quantity: 2 }, expiresAt: 1e12 + 0.5,
    };
    await store.write([
      { eventId: 'a', entries: fans('1', '2') },
      { eventId: 'b', entries: fans('3') },
      { eventId: 'a', entries: [held] },
    ]);
    await store.write([{ eventId: 'a', entries: fans('4') }]);
    expect(await store.read('a')).toStrictEqual([...fans('1', '2'), held, ...fans('4')]);
    expect(await store.read('b')).toStrictEqual(fans('3'));
    expect(await store.read('never')).toEqual([]);
    expect(await store.partitionEvents()).toEqual(['a', 'b']);
  });

  it('one pipeline round trip per write once the events are known: one script call per event, nothing else', async () => {
    const store = await fx.owner(redis, fx.prefix());
    await store.write([{ eventId: 'a', entries: fans('1') }, { eventId: 'b', entries: fans('2') }]);
    const pipeline = vi.spyOn(redis, 'pipeline');
    const sent = vi.spyOn(redis, 'sendCommand');
    try {
      await store.write([{ eventId: 'a', entries: fans('3', '4') }, { eventId: 'b', entries: fans('5') }]);
      expect(pipeline).toHaveBeenCalledTimes(1);
      expect(sent.mock.calls.map(([command]) => command.name)).toEqual(['evalsha', 'evalsha']);
    } finally {
      pipeline.mockRestore();
      sent.mockRestore();
    }
    expect(await store.read('a')).toEqual(fans('1', '3', '4'));
  });

  it('reads a long journal back in bounded pages', async () => {
    const prefix = fx.prefix();
    const keys = eventKeys(prefix, 'long');
    const blobs = Array.from({ length: 600 }, (_, i) => encodeEntries([joined(`f${i}`, i)]));
    await redis.rpush(keys.journal, ...blobs);
    await redis.hset(keys.meta, 'entries', 600);
    const ranges = vi.spyOn(redis, 'lrangeBuffer');
    try {
      const { entries } = await (await fx.owner(redis, prefix)).claim('long');
      expect(entries).toEqual(Array.from({ length: 600 }, (_, i) => joined(`f${i}`, i)));
      expect(ranges.mock.calls.length).toBeGreaterThan(1);
      for (const [, start, stop] of ranges.mock.calls) expect(Number(stop) - Number(start)).toBeLessThan(300);
    } finally {
      ranges.mockRestore();
    }
  });

  it('keeps settings beside the journal: a new owner gets them with its claim', async () => {
    const prefix = fx.prefix();
    const store = await fx.owner(redis, prefix);
    await store.write([{ eventId: 'a', entries: fans('1') }, { eventId: 'b', entries: fans('2') }]);
    await store.saveSettings('a', { difficulty: 12, hidden: false });
    await store.saveSettings('a', { difficulty: 14, hidden: true });
    const next = await fx.owner(redis, prefix);
    expect(await next.claim('a')).toEqual({ entries: fans('1'), settings: { difficulty: 14, hidden: true } });
    expect(await next.claim('b')).toEqual({ entries: fans('2'), settings: undefined });
  });

  it('every key it makes carries its event\'s or its partition\'s hash tag', async () => {
    const prefix = fx.prefix();
    const store = await fx.owner(redis, prefix);
    await store.write([{ eventId: 'ev-1', entries: fans('1') }, { eventId: 'ev.2', entries: fans('2') }]);
    await store.saveSettings('ev-1', {});
    expect((await redis.keys(`${prefix}:*`)).sort()).toEqual([
      `${prefix}:{ev-1}:journal`, `${prefix}:{ev-1}:meta`, `${prefix}:{ev-1}:settings`,
      `${prefix}:{ev.2}:journal`, `${prefix}:{ev.2}:meta`,
      `${prefix}:{p0}:epoch`, `${prefix}:{p0}:events`,
    ]);
  });
});

describe('RedisJournalStore: fencing', () => {
  it('once a newer epoch claims an event, the old owner\'s writes are refused and nothing of them lands', async () => {
    const prefix = fx.prefix();
    const old = await fx.owner(redis, prefix);
    await old.write([{ eventId: 'a', entries: fans('1') }, { eventId: 'b', entries: fans('2') }]);
    const next = await fx.owner(redis, prefix);
    expect(await next.partitionEvents()).toEqual(['a', 'b']);
    expect((await next.claim('a')).entries).toEqual(fans('1'));

    const refused = old.write([{ eventId: 'a', entries: fans('late') }]);
    await expect(refused).rejects.toBeInstanceOf(FencedError);
    await expect(refused).rejects.toMatchObject({ eventId: 'a' });
    await expect(old.saveSettings('a', { x: 1 })).rejects.toBeInstanceOf(FencedError);
    await expect(old.claim('a')).rejects.toBeInstanceOf(FencedError);
    expect(await old.read('a')).toEqual(fans('1'));
    expect(await next.claim('a')).toEqual({ entries: fans('1'), settings: undefined });

    // Its other, unclaimed event it may still write; the new owner continues the claimed one.
    await old.write([{ eventId: 'b', entries: fans('3') }]);
    await next.write([{ eventId: 'a', entries: fans('4') }]);
    expect(await next.read('a')).toEqual(fans('1', '4'));
  });

  it('the DurableJournal of the old owner rejects its waiters and calls onFenced', async () => {
    const prefix = fx.prefix();
    const old = await fx.owner(redis, prefix);
    const onFenced = vi.fn();
    const journal = new DurableJournal(old, { onFenced });
    journal.append('a', fans('1'));
    await journal.durable();
    await (await fx.owner(redis, prefix)).claim('a');

    journal.append('a', fans('2'));
    await expect(journal.durable()).rejects.toBeInstanceOf(FencedError);
    expect(onFenced).toHaveBeenCalledOnce();
    expect(onFenced.mock.calls[0]![0]).toMatchObject({ eventId: 'a' });
    expect(await old.read('a')).toEqual(fans('1'));
  });

  it('a new event written by an owner whose partition was given a newer epoch is refused and never listed', async () => {
    const prefix = fx.prefix();
    const old = await fx.owner(redis, prefix);
    await old.write([{ eventId: 'a', entries: fans('1') }]);
    const next = await fx.owner(redis, prefix); // took its epoch; lists the events next

    await expect(old.write([{ eventId: 'new', entries: fans('2') }])).rejects.toBeInstanceOf(FencedError);
    expect(await next.partitionEvents()).toEqual(['a']);
    expect(await next.read('new')).toEqual([]);
  });
});

describe('RedisJournalStore: exactly once', () => {
  it('the same write replayed (same batch id) is applied once', async () => {
    const prefix = fx.prefix();
    const epoch = await RedisJournalStore.nextEpoch(redis, 0, prefix);
    const batches = [{ eventId: 'a', entries: fans('1', '2') }];
    await twin(prefix, epoch).write(batches);
    const replayer = twin(prefix, epoch);
    await replayer.write(batches);
    expect(await replayer.read('a')).toEqual(fans('1', '2'));
    expect(await redis.hget(eventKeys(prefix, 'a').meta, 'entries')).toBe('2');

    // The replayer now counts the batch as written and goes on from there.
    await replayer.write([{ eventId: 'a', entries: fans('3') }]);
    expect(await replayer.read('a')).toEqual(fans('1', '2', '3'));
  });

  it('a write that expects another entry count is refused as fenced, and nothing of it lands', async () => {
    const prefix = fx.prefix();
    const epoch = await RedisJournalStore.nextEpoch(redis, 0, prefix);
    await twin(prefix, epoch).write([{ eventId: 'a', entries: fans('1', '2') }]);
    // Same epoch, but it believes the journal empty, and its write is another one.
    const stale = twin(prefix, epoch);
    await expect(stale.write([{ eventId: 'a', entries: fans('x') }])).rejects.toThrow(/holds 2 entries where this writer expected 0/);
    expect(await stale.read('a')).toEqual(fans('1', '2'));
  });

  it('a reply lost on the way back: the DurableJournal retries, and the write is applied once', async () => {
    const proxy = await startReplyLosingProxy(fx.server.port);
    try {
      const prefix = fx.prefix();
      const client = fx.client(proxy.port);
      const log = vi.fn();
      const journal = new DurableJournal(await fx.owner(client, prefix), { retryMs: 10, log });
      journal.append('a', fans('1'));
      await journal.durable();

      proxy.loseNextReply();
      journal.append('a', fans('2', '3'));
      await journal.durable();
      expect(log).toHaveBeenCalledWith(expect.stringMatching(/^journal write of 2 entries failed/));
      expect(await fx.owner(redis, prefix).then((next) => next.claim('a'))).toEqual({ entries: fans('1', '2', '3'), settings: undefined });
    } finally {
      await proxy.close();
    }
  });
});
