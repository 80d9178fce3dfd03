/**
 * NATS slow, not gone: nats-server frozen (SIGSTOP) for 1.5 s, then woken,
 * against real nats-server and redis-server and two real shard processes
 * owning one partition each. A stall that short is well inside the lease's
 * TTL: every lease is kept (no shard loses or takes a partition, no write is
 * fenced), and every request sent while the server was frozen is answered
 * once it wakes, each joined exactly once. The freeze starts just before
 * partition 0's next renewal: that renewal times out on the shard, yet the
 * server applies it on waking, behind the next one the shard sends.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Kvm } from '@nats-io/kv';
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkInvariants } from '../../../engine/src/index.js';
import { startNatsServer, startRedisServer, type LocalServer } from '../../../launch/local-servers.js';
import { NatsEngineLink } from '../../../engine/link/nats-engine-link.js';
import { LEASE_BUCKET } from '../../../engine/shard/partition-leases.js';
import { partitionOf } from '../../../engine/link/partitions.js';
import { eventConfig, eventually } from '../helpers/test-gateway.js';

const SHARD_ENTRY = fileURLToPath(new URL('../../../launch/shard-process.ts', import.meta.url));
const PARTITIONS = 2;
const FREEZE_MS = 1_500;
const quiet = (): void => undefined;

let nats: LocalServer;
let redis: LocalServer;
let link: NatsEngineLink;
const shards: ChildProcess[] = [];
let output = '';

function startShard(id: string): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', SHARD_ENTRY, '--nats', nats.url, '--redis', redis.url, '--partitions', String(PARTITIONS), '--id', id], {
    env: { ...process.env, BREAKWATER_SECRET: 'nats freeze test secret 0123456789' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  shards.push(child);
  return child;
}

/** Each partition's serving shard process, from the shards' log lines. */
function owners(): Array<number | undefined> {
  const owner: Array<number | undefined> = Array.from({ length: PARTITIONS }, () => undefined);
  for (const match of output.matchAll(/\[shard [^\]]*\/(\d+)\] (serving|stopped serving) partition (\d+)\b/g)) {
    const partition = Number(match[3]);
    if (match[2] === 'serving') owner[partition] = Number(match[1]);
    else if (owner[partition] === Number(match[1])) owner[partition] = undefined;
  }
  return owner;
}

/** An event id in each partition. */
const events = Array.from({ length: PARTITIONS }, (_, partition) => {
  let id = `frozen-nats-${partition}`;
  for (let i = 0; partitionOf(id, PARTITIONS) !== partition; i++) id = `frozen-nats-${partition}-${i}`;
  return id;
});

/** Resolves when partition 0's lease is next written (a renewal). */
async function nextRenewal(): Promise<void> {
  const nc = await connect({ servers: nats.url });
  try {
    const watch = await (await new Kvm(nc).open(LEASE_BUCKET)).watch({ key: 'p0', include: 'updates' });
    for await (const entry of watch) if (entry.operation === 'PUT') break;
  } finally {
    await nc.close();
  }
}

const join = (eventId: string, fanId: string) => link.execute({ op: 'openSession', eventId, fanId, resume: false });

beforeAll(async () => {
  [nats, redis] = await Promise.all([startNatsServer(), startRedisServer()]);
  startShard('s1');
  startShard('s2');
  // One partition each: both shards' leases meet the freeze.
  await eventually(() => {
    const [a, b] = owners();
    expect(a).toBeDefined();
    expect(b).toBeDefined();
    expect(a).not.toBe(b);
  }, 60_000);
  link = await NatsEngineLink.connect({ servers: nats.url, owner: 'nats-freeze-test', partitions: PARTITIONS, requestTimeoutMs: 10_000, log: quiet });
  for (const id of events) {
    await eventually(async () => {
      await link.execute({ op: 'createEvent', config: eventConfig(Date.now(), { id, onSaleAt: Date.now() }), publish: true, settings: {} });
    }, 30_000);
  }
}, 120_000);

afterAll(async () => {
  if (nats?.pid !== undefined) process.kill(nats.pid, 'SIGCONT');
  for (const child of shards) child.kill('SIGKILL');
  await link?.close();
  await Promise.all([nats?.stop(), redis?.stop()]);
}, 30_000);

describe('NATS frozen for 1.5 s', () => {
  it('keeps every partition lease, and answers the requests sent meanwhile once it wakes', async () => {
    for (const eventId of events) for (let i = 0; i < 3; i++) await join(eventId, `before-${i}`);
    const ownersBefore = owners();
    const logBefore = output.length;

    // Shards renew every second: frozen ~100 ms before partition 0's next renewal.
    await nextRenewal();
    await new Promise((resolve) => setTimeout(resolve, 900));
    process.kill(nats.pid!, 'SIGSTOP');
    const frozenAt = Date.now();
    const during: Array<Promise<string>> = [];
    // Requests keep coming while the server is frozen, some at its start, some near its end.
    for (let wave = 0; wave < 3; wave++) {
      for (const eventId of events) {
        for (let i = 0; i < 5; i++) during.push(join(eventId, `during-${wave}-${i}`).then(() => 'ok', (err: unknown) => `${(err as { code?: string }).code}: ${(err as Error).message}`));
      }
      await new Promise((resolve) => setTimeout(resolve, FREEZE_MS / 3));
    }
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, frozenAt + FREEZE_MS - Date.now())));
    process.kill(nats.pid!, 'SIGCONT');

    expect(await Promise.all(during)).toEqual(during.map(() => 'ok'));
    // Past the lease's TTL (4 s) since the freeze began: a lease it cost would be gone, and taken, by now.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, frozenAt + 5_000 - Date.now())));
    for (const eventId of events) await join(eventId, 'after');

    const since = output.slice(logBefore);
    expect(since).not.toMatch(/lost partition|stopped serving|fenced|serving partition/);
    expect(owners()).toEqual(ownersBefore);
    for (const eventId of events) {
      const journal = await link.execute({ op: 'journal', eventId });
      const joined = journal.flatMap((entry) => (entry.type === 'joined' ? [entry.fanId] : []));
      for (let wave = 0; wave < 3; wave++) for (let i = 0; i < 5; i++) expect(joined.filter((fanId) => fanId === `during-${wave}-${i}`)).toHaveLength(1);
      expect(joined.filter((fanId) => fanId === 'after')).toHaveLength(1);
      expect(checkInvariants(journal)).toEqual([]);
    }
  }, 60_000);
});
