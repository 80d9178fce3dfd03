import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { JournalEntry } from '../../src/journal/entries.js';
import { DurableJournal } from '../../stores/durable-journal.js';
import { encodeEntries } from '../../stores/redis/codec.js';
import { eventKeys } from '../../stores/redis/keys.js';
import { RedisEventStore, RedisPartitionStore } from '../../stores/redis/redis-event-store.js';
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
const twin = (prefix: string, epoch: number) => new RedisPartitionStore(redis, { partition: 0, epoch, prefix });
const nextEpoch = async (prefix: string) => (await new RedisEventStore(redis, { prefix }).openPartition(0)).epoch;

describe('RedisPartitionStore: journals', () => {
  it('one pipeline round trip per write once the events are known: one script call per event, nothing else', async () => {
    const store = await fx.owner(redis, fx.prefix());
    await store.write([{ eventId: 'a', entries: fans('1') }, { eventId: 'b', entries: fans('2') }], 1);
    const pipeline = vi.spyOn(redis, 'pipeline');
    const sent = vi.spyOn(redis, 'sendCommand');
    try {
      await store.write([{ eventId: 'a', entries: fans('3', '4') }, { eventId: 'b', entries: fans('5') }], 2);
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

  it('every key it makes carries its event\'s or its partition\'s hash tag', async () => {
    const prefix = fx.prefix();
    const store = await fx.owner(redis, prefix);
    await store.write([{ eventId: 'ev-1', entries: fans('1') }, { eventId: 'ev.2', entries: fans('2') }], 1);
    await store.saveSettings('ev-1', {});
    expect((await redis.keys(`${prefix}:*`)).sort()).toEqual([
      `${prefix}:{ev-1}:journal`, `${prefix}:{ev-1}:meta`, `${prefix}:{ev-1}:settings`,
      `${prefix}:{ev.2}:journal`, `${prefix}:{ev.2}:meta`,
      `${prefix}:{p0}:epoch`, `${prefix}:{p0}:events`,
    ]);
  });
});

describe('RedisPartitionStore: exactly once', () => {
  it('a write replayed by an owner that never heard it was applied (same epoch and write id, no count) is applied once', async () => {
    const prefix = fx.prefix();
    const epoch = await nextEpoch(prefix);
    const batches = [{ eventId: 'a', entries: fans('1', '2') }];
    await twin(prefix, epoch).write(batches, 1);
    const replayer = twin(prefix, epoch);
    await replayer.write(batches, 1);
    expect(await replayer.read('a')).toEqual(fans('1', '2'));
    expect(await redis.hget(eventKeys(prefix, 'a').meta, 'entries')).toBe('2');

    // The replayer now counts the journal as the duplicate's reply gave it, and goes on from there.
    await replayer.write([{ eventId: 'a', entries: fans('3') }], 2);
    expect(await replayer.read('a')).toEqual(fans('1', '2', '3'));
  });

  it('a write that expects another entry count is refused as fenced, and nothing of it lands', async () => {
    const prefix = fx.prefix();
    const epoch = await nextEpoch(prefix);
    await twin(prefix, epoch).write([{ eventId: 'a', entries: fans('1', '2') }], 1);
    // Same epoch, but it believes the journal empty, and its write is another one.
    const stale = twin(prefix, epoch);
    await expect(stale.write([{ eventId: 'a', entries: fans('x') }], 2)).rejects.toThrow(/holds 2 entries where this writer expected 0/);
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
