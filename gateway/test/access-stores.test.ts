/**
 * The three access stores keep the same promises (the memory one, the data
 * directory's files, Redis): keys with their revocations, the change count,
 * change notices, the audit log paged newest first. The file store survives
 * a restart and a torn last line; two processes on one Redis hear each
 * other's changes. Each keeps its log within the retention, by count and age.
 */
import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessStore } from '../src/access/access-store.js';
import { newApiKey } from '../src/access/api-keys.js';
import { DAY_MS, type AuditRecord, type AuditRetention } from '../src/access/audit.js';
import { FileAccessStore } from '../src/access/file-access-store.js';
import { MemoryAccessStore } from '../src/access/memory-access-store.js';
import { RedisAccessStore } from '../src/access/redis-access-store.js';
import { startRedisServer, type LocalServer } from '../../launch/local-servers.js';
import { eventually } from './helpers/test-gateway.js';

let redis: LocalServer;
let dir: string;
let prefixes = 0;
beforeAll(async () => {
  redis = await startRedisServer();
  dir = await mkdtemp(join(tmpdir(), 'bw-access-'));
}, 30_000);
afterAll(async () => {
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

const quiet = () => undefined;

function record(at: number, eventId: string | null, keyId = 'k1'): AuditRecord {
  return { at, keyId, keyName: 'Key', role: 'operator', ip: '127.0.0.1', method: 'POST', route: 'POST /api/events/:id/pause', path: '/x', eventId, summary: '', status: 200, code: null };
}

const stores: Array<[string, () => Promise<AccessStore>]> = [
  ['memory', async () => new MemoryAccessStore()],
  ['file', async () => FileAccessStore.open(await mkdtemp(join(dir, 'store-')))],
  ['redis', async () => RedisAccessStore.connect(redis.url, quiet, `t${++prefixes}`)],
];

describe.each(stores)('the %s access store', (_name, open) => {
  it('keeps keys and their first revocation, counts changes and tells of them', async () => {
    const store = await open();
    try {
      let told = 0;
      store.onChange(() => told++);
      const before = await store.version();
      const { record: key } = newApiKey({ name: 'Ana', role: 'operator', events: ['e1'] }, 'bootstrap', 1000);
      await store.addKey(key);
      expect(await store.keys()).toEqual([key]);
      const revoked = await store.revokeKey(key.id, 'admin1', 2000);
      expect(revoked).toEqual({ ...key, revokedAt: 2000, revokedBy: 'admin1' });
      expect(await store.revokeKey(key.id, 'admin2', 3000)).toEqual(revoked);
      expect(await store.revokeKey('000000000000', 'admin1', 2000)).toBeUndefined();
      expect(await store.keys()).toEqual([revoked]);
      expect(await store.version()).toBeGreaterThanOrEqual(before + 2);
      await eventually(() => expect(told).toBeGreaterThanOrEqual(2));
    } finally {
      await store.close();
    }
  });

  it('pages the audit log newest first, filtered', async () => {
    const store = await open();
    // Times of the last half minute: Redis ranges its stream by its own clock, within a minute of the gateways'.
    const base = Date.now() - 30_000;
    const at = (i: number) => base + i * 1000;
    try {
      for (let i = 0; i < 25; i++) await store.appendAudit(record(at(i), i % 2 === 0 ? 'even' : 'odd', i < 20 ? 'k1' : 'k2'));
      const first = await store.audit({ limit: 10 });
      expect(first.entries.map((e) => e.at)).toEqual(Array.from({ length: 10 }, (_, i) => at(24 - i)));
      const second = await store.audit({ limit: 10, before: first.next! });
      expect(second.entries[0]!.at).toBe(at(14));
      const third = await store.audit({ limit: 10, before: second.next! });
      expect(third.entries.length).toBe(5);
      expect(new Set([...first.entries, ...second.entries, ...third.entries].map((e) => e.id)).size).toBe(25);

      expect((await store.audit({ limit: 50, eventId: 'odd' })).entries.length).toBe(12);
      expect((await store.audit({ limit: 50, keyId: 'k2' })).entries.map((e) => e.at)).toEqual([at(24), at(23), at(22), at(21), at(20)]);
      expect((await store.audit({ limit: 50, from: at(10), to: at(12) })).entries.map((e) => e.at)).toEqual([at(12), at(11), at(10)]);
      expect((await store.audit({ limit: 50, events: ['even'] })).entries.length).toBe(13);
    } finally {
      await store.close();
    }
  });
});

const retained: Array<[string, (retention: AuditRetention, now: () => number) => Promise<AccessStore>]> = [
  ['memory', async (retention, now) => new MemoryAccessStore(retention, now)],
  ['file', async (retention, now) => FileAccessStore.open(await mkdtemp(join(dir, 'kept-')), retention, now)],
  ['redis', async (retention, now) => RedisAccessStore.connect(redis.url, quiet, `kept${++prefixes}`, { retention, now })],
];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(retained)('the %s access store\'s audit retention', (_name, open) => {
  it('keeps the newest maxEntries entries', async () => {
    const store = await open({ maxAgeMs: DAY_MS, maxEntries: 3 }, Date.now);
    try {
      for (let i = 0; i < 5; i++) await store.appendAudit(record(Date.now(), `e${i}`));
      expect(await store.audit({ limit: 10 })).toMatchObject({ entries: [{ eventId: 'e4' }, { eventId: 'e3' }, { eventId: 'e2' }], next: null });
    } finally {
      await store.close();
    }
  });

  it('drops entries older than maxAgeMs when the next is added', async () => {
    const maxAgeMs = 60_000;
    let ahead = 0;
    const store = await open({ maxAgeMs, maxEntries: 100 }, () => Date.now() + ahead);
    try {
      await store.appendAudit(record(Date.now(), 'old'));
      await store.appendAudit(record(Date.now(), 'old'));
      await sleep(300);
      // The clock moves on: now − maxAgeMs is 150 ms ago, after the old entries (Redis goes by its stream ids, the others by `at`).
      ahead = maxAgeMs - 150;
      expect((await store.audit({ limit: 10 })).entries.length).toBe(2);
      await store.appendAudit(record(Date.now() + ahead, 'new'));
      expect((await store.audit({ limit: 10 })).entries.map((e) => e.eventId)).toEqual(['new']);
    } finally {
      await store.close();
    }
  });
});

describe('the file access store', () => {
  it('keeps keys and the audit log across a restart, and drops a torn last line', async () => {
    const dataDir = await mkdtemp(join(dir, 'restart-'));
    // Entries of the last minute: the default retention keeps 90 days.
    const t = Date.now() - 60_000;
    const first = await FileAccessStore.open(dataDir);
    const { record: key } = newApiKey({ name: 'Kept', role: 'admin', events: null }, 'bootstrap', 5);
    await first.addKey(key);
    await first.revokeKey(key.id, 'bootstrap', 6);
    await first.appendAudit(record(t + 1, 'a'));
    await Promise.all([first.appendAudit(record(t + 2, 'b')), first.appendAudit(record(t + 3, 'c'))]);
    const version = await first.version();
    await first.close();
    // A crash in the middle of an append: half a line, never answered.
    await appendFile(join(dataDir, 'access', 'audit.log'), '{"at":4,"keyId":"k');

    const second = await FileAccessStore.open(dataDir);
    expect(await second.keys()).toEqual([{ ...key, revokedAt: 6, revokedBy: 'bootstrap' }]);
    expect(await second.version()).toBe(version);
    expect((await second.audit({ limit: 10 })).entries.map((e) => e.at)).toEqual([t + 3, t + 2, t + 1]);
    await second.appendAudit(record(t + 5, 'd'));
    await second.close();
    const log = await readFile(join(dataDir, 'access', 'audit.log'), 'utf8');
    expect(log.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line).at - t)).toEqual([1, 2, 3, 5]);
    // Only hashes on disk.
    expect(await readFile(join(dataDir, 'access', 'keys.json'), 'utf8')).not.toContain('bwk_');
  });

  it('rewrites its log without the trimmed entries, keeping their numbers', async () => {
    const dataDir = await mkdtemp(join(dir, 'trimmed-'));
    const lines = async () => (await readFile(join(dataDir, 'access', 'audit.log'), 'utf8')).split('\n').filter((line) => line !== '');
    const first = await FileAccessStore.open(dataDir, { maxAgeMs: DAY_MS, maxEntries: 10 });
    for (let i = 1; i <= 25; i++) await first.appendAudit(record(Date.now(), `e${i}`));
    // Rewritten to the 10 kept when the 21st came (trimmed lines outnumbered kept ones), then 4 appended.
    expect(await lines()).toHaveLength(14);
    await first.close();

    const second = await FileAccessStore.open(dataDir, { maxAgeMs: DAY_MS, maxEntries: 3 });
    expect((await lines()).map((line) => JSON.parse(line).eventId)).toEqual(['e23', 'e24', 'e25']);
    const page = await second.audit({ limit: 2 });
    expect(page.entries.map((e) => e.id)).toEqual(['25', '24']);
    expect((await second.audit({ limit: 2, before: page.next! })).entries.map((e) => e.id)).toEqual(['23']);
    await second.appendAudit(record(Date.now(), 'e26'));
    expect((await second.audit({ limit: 1 })).entries[0]).toMatchObject({ id: '26', eventId: 'e26' });
    await second.close();
  });

  it('refuses to start on a damaged log rather than lose entries', async () => {
    const dataDir = await mkdtemp(join(dir, 'damaged-'));
    const store = await FileAccessStore.open(dataDir);
    await store.appendAudit(record(Date.now(), 'a'));
    await store.close();
    await appendFile(join(dataDir, 'access', 'audit.log'), 'garbage\n');
    await expect(FileAccessStore.open(dataDir)).rejects.toThrow(/damaged at line 2/);
  });
});

describe('the Redis access store', () => {
  it('tells every process of a change made by another', async () => {
    const prefix = `shared${++prefixes}`;
    const [a, b] = await Promise.all([RedisAccessStore.connect(redis.url, quiet, prefix), RedisAccessStore.connect(redis.url, quiet, prefix)]);
    try {
      let heard = 0;
      b.onChange(() => heard++);
      const { record: key } = newApiKey({ name: 'Shared', role: 'viewer', events: null }, 'bootstrap', 1);
      await a.addKey(key);
      await eventually(() => expect(heard).toBe(1));
      expect((await b.keys()).map((k) => k.id)).toEqual([key.id]);
      await a.revokeKey(key.id, 'bootstrap', 2);
      await eventually(() => expect(heard).toBe(2));
      expect((await b.keys())[0]!.revokedAt).toBe(2);
      expect(await b.version()).toBe(await a.version());
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('finds a page of rare entries across many reads of the stream', async () => {
    const store = await RedisAccessStore.connect(redis.url, quiet, `rare${++prefixes}`);
    try {
      const now = Date.now();
      await Promise.all(Array.from({ length: 1_200 }, (_, i) => store.appendAudit(record(now, i % 500 === 7 ? 'rare' : 'common'))));
      const first = await store.audit({ limit: 2, eventId: 'rare' });
      expect(first.entries.length).toBe(2);
      const rest = await store.audit({ limit: 2, eventId: 'rare', before: first.next! });
      expect(rest).toMatchObject({ entries: [expect.objectContaining({ eventId: 'rare' })], next: null });
    } finally {
      await store.close();
    }
  });
});
