/**
 * Hold + confirm pairs made durable in Redis, for the cluster bench
 * (cluster-bench.ts says how the figures compare). Every pair is the engine
 * bench's (engine/bench/bench-helpers.ts): an admitted fan holds one GA ticket
 * and the purchase is confirmed, through `engine.execute`.
 *
 * - durable: the shard's path. An Engine whose journal is a DurableJournal
 *   over a RedisPartitionStore (epoch from openPartition); fans' requests arrive as
 *   a shard sees them from thousands of fans: each event-loop turn runs up to
 *   `batch` pairs, and each is "replied to" once `journal.durable()` resolves;
 *   at most `inFlight` pairs wait for their reply (a fan asks again only once
 *   answered). The journal writes everything appended while its previous
 *   write was in flight in one Lua call (group commit).
 * - memory: the same engine path and arrivals on the in-memory journal.
 * - one Lua call per hold: the same pairs' entries, each written by its own
 *   RedisPartitionStore.write (one EVALSHA of append-entries.lua), awaited
 *   before that client's next pair.
 */
import type { Redis } from 'ioredis';
import { baseConfig, check, holdAndConfirm, joinAndAdmit, newEngine, seconds, startSale } from '../../engine/bench/bench-helpers.js';
import type { Engine, JournalEntry, SyncJournal } from '../../engine/src/index.js';
import { DurableJournal } from '../../engine/stores/durable-journal.js';
import type { JournalBatch, JournalWriter } from '../../engine/stores/event-store.js';
import { DEFAULT_PREFIX, eventKeys } from '../../engine/stores/redis/keys.js';
import { RedisEventStore } from '../../engine/stores/redis/redis-event-store.js';

const TIER = 'ga';
/** Partitions of the bench's Redis: the durable engine writes in one, the Lua baseline in the other. */
const DURABLE_PARTITION = 0;
const LUA_PARTITION = 1;

export interface Arrivals {
  /** Pairs run per event-loop turn. */
  batch: number;
  /** Pairs waiting for their reply, at most. */
  inFlight: number;
}

interface AdmittedSale {
  engine: Engine;
  eventId: string;
  fanIds: string[];
  firstGrant: number;
}

/** A GA event on sale with `fans` tickets, one per fan, and `fans` fans admitted. */
function admittedSale(name: string, seed: number, fans: number, journal?: SyncJournal): AdmittedSale {
  const { engine, clock } = newEngine(seed, journal);
  const eventId = `${name}-${seed}`;
  startSale(engine, clock, {
    ...baseConfig(eventId, 'Cluster bench, general admission'),
    maxTicketsPerFan: 1,
    inventory: { tiers: [{ id: TIER, name: 'General admission', price: 5_000, quantity: fans }] },
  });
  return { engine, eventId, ...joinAndAdmit(engine, clock, eventId, fans) };
}

/** Runs a hold + confirm pair for every admitted fan as `arrivals` describes; seconds until the last reply. */
function replyOnceDurable(sale: AdmittedSale, durable: () => Promise<void>, arrivals: Arrivals): Promise<number> {
  const { engine, eventId, fanIds, firstGrant } = sale;
  return answeredOnceDurable(fanIds.length, (i) => holdAndConfirm(engine, eventId, fanIds[i]!, `g${firstGrant + i}`, TIER), durable, arrivals);
}

/** Runs `op(i)` for i < total as `arrivals` says, each answered once `durable()` resolves; seconds until the last answer. */
export function answeredOnceDurable(total: number, op: (i: number) => void, durable: () => Promise<void>, arrivals: Arrivals): Promise<number> {
  let next = 0;
  let waiting = 0;
  let answered = 0;
  let scheduled = false;
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const schedule = (): void => {
      if (scheduled || next >= total || waiting >= arrivals.inFlight) return;
      scheduled = true;
      setImmediate(turn);
    };
    const turn = (): void => {
      scheduled = false;
      const n = Math.min(arrivals.batch, arrivals.inFlight - waiting, total - next);
      for (const end = next + n; next < end; next++) op(next);
      waiting += n;
      durable().then(() => {
        waiting -= n;
        answered += n;
        if (answered === total) resolve(seconds(start));
        else schedule();
      }, reject);
      schedule();
    };
    schedule();
  });
}

function checkSoldOut(sale: AdmittedSale): void {
  const { tickets } = sale.engine.event(sale.eventId).status();
  check(tickets.sold === sale.fanIds.length && tickets.free === 0, `after the pairs: ${JSON.stringify(tickets)}`);
}

export interface DurableResult {
  pairsPerSec: number;
  /** Store writes (Lua calls) during the timed pairs. */
  writes: number;
  pairsPerWrite: number;
}

/** The shard's path: engine + DurableJournal over Redis; every pair replied to only once durable. */
export async function durablePairs(redis: Redis, seed: number, pairs: number, arrivals: Arrivals): Promise<DurableResult> {
  const store = await new RedisEventStore(redis).openPartition(DURABLE_PARTITION);
  let writes = 0;
  const counted: JournalWriter = {
    write: (batches: readonly JournalBatch[], writeId: number) => {
      writes++;
      return store.write(batches, writeId);
    },
  };
  const journal = new DurableJournal(counted, { log: (message) => console.error(`durable journal: ${message}`) });
  try {
    const sale = admittedSale('durable', seed, pairs, journal);
    await journal.durable(); // the set-up (joins, admission) is written before the clock starts
    writes = 0;
    const s = await replyOnceDurable(sale, () => journal.durable(), arrivals);
    checkSoldOut(sale);
    const stored = Number(await redis.hget(eventKeys(DEFAULT_PREFIX, sale.eventId).meta, 'entries'));
    check(stored === journal.read(sale.eventId).length, `Redis holds ${stored} entries, the engine journalled ${journal.read(sale.eventId).length}`);
    return { pairsPerSec: pairs / s, writes, pairsPerWrite: pairs / writes };
  } finally {
    journal.close();
  }
}

/** The same engine path and arrivals on the in-memory journal (nothing to wait for). */
export async function memoryPairsPerSec(seed: number, pairs: number, arrivals: Arrivals): Promise<number> {
  const sale = admittedSale('memory', seed, pairs);
  const s = await replyOnceDurable(sale, () => Promise.resolve(), arrivals);
  checkSoldOut(sale);
  return pairs / s;
}

/** The journal entries of `count` hold + confirm pairs, one array per pair, as the engine makes them. */
export function pairEntries(seed: number, count: number): JournalEntry[][] {
  const sale = admittedSale('entries', seed, count);
  let current: JournalEntry[] = [];
  sale.engine.onEntries((_, entries) => {
    for (const entry of entries) current.push(entry);
  });
  const pairs: JournalEntry[][] = [];
  for (let i = 0; i < count; i++) {
    current = [];
    holdAndConfirm(sale.engine, sale.eventId, sale.fanIds[i]!, `g${sale.firstGrant + i}`, TIER);
    pairs.push(current);
  }
  return pairs;
}

/**
 * One Lua call per hold: `clients` clients, each writing its share of `pairs`
 * to its own event, one pair per RedisPartitionStore.write, awaited before its
 * next. Pairs/s over the timed part (each client's first write, which also
 * registers its event, is untimed).
 */
export async function luaPerHoldPairsPerSec(redis: Redis, name: string, pairs: readonly JournalEntry[][], clients: number): Promise<number> {
  const store = await new RedisEventStore(redis).openPartition(LUA_PARTITION);
  const perClient = Math.floor(pairs.length / clients);
  check(perClient >= 2, `${pairs.length} pairs cannot be shared by ${clients} clients`);
  const clientIds = Array.from({ length: clients }, (_, c) => c);
  const write = (c: number, j: number) => store.write([{ eventId: `${name}-c${c}`, entries: pairs[c * perClient + j]! }], j);
  await Promise.all(clientIds.map((c) => write(c, 0)));
  const start = performance.now();
  await Promise.all(clientIds.map(async (c) => {
    for (let j = 1; j < perClient; j++) await write(c, j);
  }));
  return (clients * (perClient - 1)) / seconds(start);
}
