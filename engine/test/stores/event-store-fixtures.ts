/**
 * The three event stores as tests meet them: a fresh empty store, and the
 * same data opened again as the next process would. The conformance suite and
 * the journal scenario tests run against each.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { EventStore } from '../../stores/event-store.js';
import { FileEventStore } from '../../stores/file/file-event-store.js';
import { MemoryEventStore } from '../../stores/memory-event-store.js';
import { RedisEventStore } from '../../stores/redis/redis-event-store.js';
import { startRedis, type RedisFixture } from './redis-fixture.js';

export interface StoreFixture {
  name: string;
  /** In beforeAll: starts what the store needs (a redis-server). */
  start(): Promise<void>;
  /** In afterAll: closes every store opened and removes their data. */
  stop(): Promise<void>;
  /** A new store holding nothing. */
  open(): Promise<EventStore>;
  /**
   * The store's data opened afresh, as by the next process after this one
   * died without closing anything. The memory store's data lives only in it:
   * it is given back as it is.
   */
  reopen(store: EventStore): Promise<EventStore>;
}

export function memoryStores(): StoreFixture {
  return {
    name: 'memory',
    start: async () => undefined,
    stop: async () => undefined,
    open: async () => new MemoryEventStore(),
    reopen: async (store) => store,
  };
}

export function fileStores(): StoreFixture {
  let root: string;
  const opened: FileEventStore[] = [];
  const dirs = new WeakMap<EventStore, string>();
  const open = async (dir: string) => {
    const store = await FileEventStore.open(dir, { log: () => undefined });
    opened.push(store);
    dirs.set(store, dir);
    return store;
  };
  return {
    name: 'file',
    async start() {
      root = await mkdtemp(join(tmpdir(), 'bw-event-store-'));
    },
    async stop() {
      for (const store of opened) await store.close();
      await rm(root, { recursive: true, force: true });
    },
    open: async () => open(await mkdtemp(join(root, 'data-'))),
    // The lock file names this very process, which a new open takes over like a dead one's.
    reopen: (store) => open(dirs.get(store)!),
  };
}

export function redisStores(): StoreFixture {
  let fx: RedisFixture | undefined;
  let redis: Redis;
  const prefixes = new WeakMap<EventStore, string>();
  const open = (prefix: string) => {
    const store = new RedisEventStore(redis, { prefix });
    prefixes.set(store, prefix);
    return store;
  };
  return {
    name: 'redis',
    async start() {
      fx = await startRedis();
      redis = fx.client();
    },
    stop: async () => fx?.stop(),
    open: async () => open(fx!.prefix()),
    reopen: async (store) => open(prefixes.get(store)!),
  };
}
