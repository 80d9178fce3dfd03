/**
 * The cluster's access store, in the Redis the journals live in, shared by
 * every gateway of every machine. All its keys carry the hash tag `{access}`
 * (one slot in Redis Cluster, so a MULTI may touch them all):
 *
 *   bw:{access}:keys      hash: key id → JSON record (hash only, never the key)
 *   bw:{access}:revoked   hash: key id → JSON { at, by }; HSETNX keeps the first revocation
 *   bw:{access}:version   counter, INCR at every change (gateways poll it)
 *   bw:{access}:audit     stream: one entry per audited request (field `e`: JSON), ids in Redis time; each XADD
 *                         trims it to the retention's count (MAXLEN) and its age (XTRIM MINID) in one MULTI
 *   bw:access             pub/sub channel: "keys changed", so every gateway reloads at once
 */
import type { Redis } from 'ioredis';
import { connectRedis, DEFAULT_PREFIX } from '../../../engine/host/index.js';
import { ChangeListeners, type AccessStore } from './access-store.js';
import type { ApiKeyRecord } from './api-keys.js';
import { DEFAULT_AUDIT_RETENTION, matches, type AuditEntry, type AuditPage, type AuditQuery, type AuditRecord, type AuditRetention } from './audit.js';

/** Stream entries read per XREVRANGE while filling a page. */
const SCAN_CHUNK = 500;
/** Entries one page may look through before it answers with what it found and a cursor to go on from. */
const MAX_SCAN = 20_000;
/** Stream ids are Redis's clock, entries' `at` the gateway's: a time range is widened by this much, then filtered exactly. */
const CLOCK_SKEW_MS = 60_000;

export class RedisAccessStore implements AccessStore {
  private readonly listeners = new ChangeListeners();
  private readonly names: { keys: string; revoked: string; version: string; audit: string; channel: string };

  private constructor(
    private readonly redis: Redis, private readonly subscriber: Redis, prefix: string,
    private readonly retention: AuditRetention, private readonly now: () => number,
  ) {
    const tagged = `${prefix}:{access}`;
    this.names = { keys: `${tagged}:keys`, revoked: `${tagged}:revoked`, version: `${tagged}:version`, audit: `${tagged}:audit`, channel: `${prefix}:access` };
  }

  /** Connects (waiting for Redis as long as it takes, like the shards) and listens for changes. */
  static async connect(
    url: string, log: (message: string) => void, prefix = DEFAULT_PREFIX,
    audit: { retention?: AuditRetention; now?: () => number } = {},
  ): Promise<RedisAccessStore> {
    const redis = await connectRedis(url, log);
    const subscriber = redis.duplicate();
    const store = new RedisAccessStore(redis, subscriber, prefix, audit.retention ?? DEFAULT_AUDIT_RETENTION, audit.now ?? Date.now);
    subscriber.on('message', () => store.listeners.notify());
    subscriber.on('error', () => undefined); // the main connection logs Redis being away; the poll covers what is missed
    await subscriber.subscribe(store.names.channel);
    return store;
  }

  async keys(): Promise<ApiKeyRecord[]> {
    const [keys, revoked] = await Promise.all([this.redis.hgetall(this.names.keys), this.redis.hgetall(this.names.revoked)]);
    return Object.entries(keys).map(([id, json]) => withRevocation(JSON.parse(json) as ApiKeyRecord, revoked[id]));
  }

  async version(): Promise<number> {
    return Number(await this.redis.get(this.names.version) ?? 0);
  }

  async addKey(record: ApiKeyRecord): Promise<void> {
    const { revokedAt: _at, revokedBy: _by, ...kept } = record;
    await this.redis.multi().hset(this.names.keys, record.id, JSON.stringify(kept)).incr(this.names.version).exec();
    await this.redis.publish(this.names.channel, 'keys');
  }

  async revokeKey(id: string, by: string, at: number): Promise<ApiKeyRecord | undefined> {
    if ((await this.redis.hexists(this.names.keys, id)) === 0) return undefined;
    await this.redis.multi().hsetnx(this.names.revoked, id, JSON.stringify({ at, by })).incr(this.names.version).exec();
    await this.redis.publish(this.names.channel, 'keys');
    const [json, revocation] = await Promise.all([this.redis.hget(this.names.keys, id), this.redis.hget(this.names.revoked, id)]);
    return json === null ? undefined : withRevocation(JSON.parse(json) as ApiKeyRecord, revocation ?? undefined);
  }

  async appendAudit(record: AuditRecord): Promise<void> {
    // Exact trims: each append drops only the few entries that fell out, so `~` would save nothing worth its slack.
    const minId = Math.max(0, this.now() - this.retention.maxAgeMs);
    const results = await this.redis.multi()
      .xadd(this.names.audit, 'MAXLEN', '=', this.retention.maxEntries, '*', 'e', JSON.stringify(record))
      .xtrim(this.names.audit, 'MINID', '=', minId)
      .exec();
    const failed = results?.find(([error]) => error !== null);
    if (failed !== undefined) throw failed[0];
  }

  async audit(query: AuditQuery): Promise<AuditPage> {
    const found: AuditEntry[] = [];
    let end = query.before !== undefined ? `(${query.before}` : query.to !== undefined ? String(query.to + CLOCK_SKEW_MS) : '+';
    const start = query.from !== undefined ? String(Math.max(0, query.from - CLOCK_SKEW_MS)) : '-';
    let scanned = 0;
    while (scanned < MAX_SCAN) {
      const chunk = await this.redis.xrevrange(this.names.audit, end, start, 'COUNT', SCAN_CHUNK);
      for (const [id, fields] of chunk) {
        scanned++;
        end = `(${id}`;
        const record = JSON.parse(fields[1] ?? '{}') as AuditRecord;
        if (!matches(record, query)) continue;
        found.push({ id, ...record });
        if (found.length === query.limit) return { entries: found, next: id };
      }
      if (chunk.length < SCAN_CHUNK) return { entries: found, next: null };
    }
    // Looked through enough for one request: what was found, and where to go on from.
    return { entries: found, next: end.slice(1) };
  }

  onChange(listener: () => void): () => void {
    return this.listeners.add(listener);
  }

  async close(): Promise<void> {
    this.subscriber.disconnect();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

function withRevocation(record: ApiKeyRecord, revocation: string | undefined): ApiKeyRecord {
  const revoked = revocation === undefined ? undefined : (JSON.parse(revocation) as { at: number; by: string });
  return { ...record, revokedAt: revoked?.at ?? null, revokedBy: revoked?.by ?? null };
}
