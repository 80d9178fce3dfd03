import { readFileSync } from 'node:fs';
import type { Redis, RedisOptions } from 'ioredis';
import type { JournalEntry } from '../../src/journal/entries.js';
import { FencedError, type ClaimedEvent, type EventStore, type JournalBatch, type PartitionStore } from '../event-store.js';
import { decodeEntries, decodeValue, encodeEntries, encodeValue } from './codec.js';
import { DEFAULT_PREFIX, eventKeys, partitionKeys, type EventKeys } from './keys.js';

/**
 * ioredis options for the client a DurableJournal writes through. While Redis
 * is unreachable a command fails at once (the journal then reports `stalled`
 * and retries the write itself) instead of waiting in ioredis' queues, and
 * ioredis never re-sends a command behind the journal's back.
 */
export const JOURNAL_REDIS_OPTIONS = {
  /** Reject every queued and in-flight command at each disconnection. */
  maxRetriesPerRequest: 0,
  autoResendUnfulfilledCommands: false,
  /** A Redis that hangs without closing the connection counts as unreachable too. */
  commandTimeout: 5_000,
} satisfies RedisOptions;

/** Journal blobs per LRANGE: a long journal is read back in bounded replies. */
const READ_PAGE = 256;

const SCRIPTS = {
  bwAppendEntries: { file: 'append-entries.lua', numberOfKeys: 2 },
  bwClaimEvent: { file: 'claim-event.lua', numberOfKeys: 3 },
  bwSaveSettings: { file: 'save-settings.lua', numberOfKeys: 2 },
  bwRegisterEvents: { file: 'register-events.lua', numberOfKeys: 2 },
} as const;
const LUA = Object.fromEntries(
  Object.entries(SCRIPTS).map(([name, { file }]) => [name, readFileSync(new URL(`./lua/${file}`, import.meta.url), 'utf8')]),
);

/** What the scripts reply: a status and a number (see each .lua header). */
type Reply = [status: string, value: number];
type ClaimReply = [status: Buffer, value: number, blobs?: number, settings?: Buffer | null];
interface ScriptCommands {
  bwAppendEntries(meta: string, journal: string, epoch: number, expected: number, batchId: string, count: number, blob: Buffer): Promise<Reply>;
  bwClaimEventBuffer(meta: string, journal: string, settings: string, epoch: number): Promise<ClaimReply>;
  bwSaveSettings(meta: string, settings: string, epoch: number, blob: Buffer): Promise<Reply>;
  bwRegisterEvents(epochKey: string, events: string, epoch: number, ...eventIds: string[]): Promise<Reply>;
}
interface AppendPipeline {
  bwAppendEntries(...args: Parameters<ScriptCommands['bwAppendEntries']>): unknown;
  exec(): Promise<Array<[Error | null, unknown]> | null>;
}

const defined = new WeakSet<Redis>();

function scripts(redis: Redis): ScriptCommands {
  if (!defined.has(redis)) {
    for (const [name, { numberOfKeys }] of Object.entries(SCRIPTS)) redis.defineCommand(name, { numberOfKeys, lua: LUA[name]! });
    defined.add(redis);
  }
  return redis as unknown as ScriptCommands;
}

export interface RedisEventStoreOptions {
  /** Key prefix (default `bw`). */
  prefix?: string;
}

/** Event journals in Redis, shared by every shard of a cluster; the connection stays the caller's. */
export class RedisEventStore implements EventStore {
  private readonly prefix: string;

  constructor(private readonly redis: Redis, options: RedisEventStoreOptions = {}) {
    this.prefix = options.prefix ?? DEFAULT_PREFIX;
  }

  /** A fresh fencing epoch for the partition (INCR), greater than every earlier one. */
  async openPartition(partition: number): Promise<RedisPartitionStore> {
    const epoch = await this.redis.incr(partitionKeys(this.prefix, partition).epoch);
    return new RedisPartitionStore(this.redis, { partition, epoch, prefix: this.prefix });
  }

  async close(): Promise<void> {}
}

export interface RedisPartitionStoreOptions {
  partition: number;
  /** This owner's fencing epoch, from `openPartition`. */
  epoch: number;
  /** Key prefix (default `bw`). */
  prefix?: string;
}

/**
 * Event journals of one partition in Redis, for one owner (one epoch). Each
 * write of an event is one blob appended by a Lua script that checks the
 * fence (no greater epoch holds the event) and the entry count this store
 * expects, and skips a write whose id, `<epoch>:<writeId>`, was the last one
 * applied (a retry after a lost reply). Writes go one at a time, as the
 * DurableJournal makes them.
 */
export class RedisPartitionStore implements PartitionStore {
  readonly partition: number;
  readonly epoch: number;
  private readonly prefix: string;
  private readonly scripts: ScriptCommands;
  /** Entry count of each event's journal after this store's last write or claim of it. */
  private readonly counts = new Map<string, number>();
  /** Events known to be in the partition's set. */
  private readonly registered = new Set<string>();

  constructor(private readonly redis: Redis, options: RedisPartitionStoreOptions) {
    this.prefix = options.prefix ?? DEFAULT_PREFIX;
    this.partition = options.partition;
    this.epoch = options.epoch;
    if (!Number.isSafeInteger(this.epoch) || this.epoch < 1) throw new Error(`epoch ${this.epoch} is not a positive integer`);
    partitionKeys(this.prefix, this.partition); // checks the prefix and the partition
    this.scripts = scripts(redis);
  }

  /** Every event id ever written in this partition. */
  async partitionEvents(): Promise<string[]> {
    const eventIds = await this.redis.smembers(this.partitionKeys().events);
    for (const eventId of eventIds) this.registered.add(eventId);
    return eventIds.sort();
  }

  /**
   * Takes an event over for this store's epoch (FencedError if a greater
   * epoch holds it) and returns its journal, oldest first, and its saved
   * settings (undefined if none). Writes for it then expect that many entries.
   */
  async claim(eventId: string): Promise<ClaimedEvent> {
    const keys = eventKeys(this.prefix, eventId);
    const [status, count, blobs = 0, settings] = await this.scripts.bwClaimEventBuffer(keys.meta, keys.journal, keys.settings, this.epoch);
    if (status.toString() === 'fenced') throw this.fenced(eventId, count);
    const entries = await this.readJournal(keys, blobs);
    if (entries.length !== count) throw new Error(`the journal of "${eventId}" holds ${entries.length} entries, its count says ${count}`);
    this.counts.set(eventId, count);
    return { entries, settings: settings == null ? undefined : decodeValue(settings) };
  }

  /**
   * One round trip for all batches (two when some event is new to the
   * partition: it is registered first). FencedError when a greater epoch
   * holds an event or its journal does not have the count this store expects.
   */
  async write(batches: readonly JournalBatch[], writeId: number): Promise<void> {
    const writes = new Map<string, JournalEntry[]>();
    for (const { eventId, entries } of batches) {
      if (entries.length === 0) continue;
      const pending = writes.get(eventId);
      if (pending === undefined) writes.set(eventId, [...entries]);
      else for (const entry of entries) pending.push(entry);
    }
    if (writes.size === 0) return;
    const unregistered = [...writes.keys()].filter((eventId) => !this.registered.has(eventId));
    if (unregistered.length > 0) await this.register(unregistered);

    const pipeline = this.redis.pipeline() as unknown as AppendPipeline;
    const planned: Array<{ eventId: string; expected: number }> = [];
    const batchId = `${this.epoch}:${writeId}`;
    for (const [eventId, entries] of writes) {
      const keys = eventKeys(this.prefix, eventId);
      const expected = this.counts.get(eventId) ?? 0;
      pipeline.bwAppendEntries(keys.meta, keys.journal, this.epoch, expected, batchId, entries.length, encodeEntries(entries));
      planned.push({ eventId, expected });
    }
    const results = (await pipeline.exec()) ?? [];
    let failure: Error | undefined;
    const after = new Map<string, number>();
    for (const [i, { eventId, expected }] of planned.entries()) {
      const [error, reply] = results[i] ?? [new Error('no reply')];
      if (error !== null) {
        failure ??= error;
        continue;
      }
      const [status, value] = reply as Reply;
      if (status === 'fenced') throw this.fenced(eventId, value);
      if (status === 'mismatch') {
        throw new FencedError(eventId, `the journal of "${eventId}" holds ${value} entries where this writer expected ${expected}: another writer appended`);
      }
      after.set(eventId, value); // applied or a duplicate: the journal's count either way
    }
    // Counts move only once every event's part is in: a retry of the same write then expects what this one did.
    if (failure !== undefined) throw failure;
    for (const [eventId, count] of after) this.counts.set(eventId, count);
  }

  /** Saves what the gateway needs beside an event's journal; FencedError if a greater epoch holds the event. */
  async saveSettings(eventId: string, settings: unknown): Promise<void> {
    const keys = eventKeys(this.prefix, eventId);
    const [status, value] = await this.scripts.bwSaveSettings(keys.meta, keys.settings, this.epoch, encodeValue(settings));
    if (status === 'fenced') throw this.fenced(eventId, value);
  }

  async read(eventId: string): Promise<JournalEntry[]> {
    return this.readJournal(eventKeys(this.prefix, eventId), Infinity);
  }

  /** The first `blobs` blobs of a journal (all of them with Infinity), page by page. */
  private async readJournal(keys: EventKeys, blobs: number): Promise<JournalEntry[]> {
    const entries: JournalEntry[] = [];
    for (let start = 0; start < blobs; start += READ_PAGE) {
      const page = await this.redis.lrangeBuffer(keys.journal, start, Math.min(start + READ_PAGE, blobs) - 1);
      for (const blob of page) for (const entry of decodeEntries(blob)) entries.push(entry);
      if (page.length < READ_PAGE) break;
    }
    return entries;
  }

  private async register(eventIds: string[]): Promise<void> {
    const keys = this.partitionKeys();
    const [status, value] = await this.scripts.bwRegisterEvents(keys.epoch, keys.events, this.epoch, ...eventIds);
    if (status === 'fenced') throw new FencedError(eventIds[0]!, `partition ${this.partition} has a newer owner (epoch ${value}, this writer has ${this.epoch})`);
    for (const eventId of eventIds) this.registered.add(eventId);
  }

  private partitionKeys() {
    return partitionKeys(this.prefix, this.partition);
  }

  private fenced(eventId: string, fence: number): FencedError {
    return new FencedError(eventId, `event "${eventId}" is held by epoch ${fence}, this writer has epoch ${this.epoch}`);
  }
}
