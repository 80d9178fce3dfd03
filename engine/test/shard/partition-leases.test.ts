/**
 * Partition leases against a real nats-server (JetStream on file storage):
 * every partition finds an owner, never two at once, and ownership moves
 * when a shard joins, leaves, dies or the server restarts.
 */
import { jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startNatsServer, type LocalServer } from '../../../launch/local-servers.js';
import { freeLeasesOf, LEASE_BUCKET, PartitionLeases } from '../../shard/partition-leases.js';

const PARTITIONS = 16;

let server: LocalServer;
beforeAll(async () => {
  server = await startNatsServer();
});
afterAll(async () => {
  await server?.stop();
});

interface TestShard {
  id: string;
  nc: NatsConnection;
  leases: PartitionLeases;
  lostCount: number;
}

/** Who serves each partition according to the callbacks, and every moment two shards did. */
const servedBy = new Map<number, string>();
const violations: string[] = [];
/** Shards that play a killed process: whatever their leftover objects believe, they serve nothing. */
const dead = new Set<string>();
let shards: TestShard[] = [];
let sampler: NodeJS.Timeout | undefined;

async function startShard(id: string, weight?: (partition: number) => number, ttlMs?: number): Promise<TestShard> {
  const nc = await connect({ servers: server.url, name: id, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
  const shard: TestShard = { id, nc, lostCount: 0, leases: undefined as unknown as PartitionLeases };
  const stopServing = (partition: number): void => {
    if (servedBy.get(partition) === id) servedBy.delete(partition);
  };
  shard.leases = new PartitionLeases({
    nc, shardId: id, partitions: PARTITIONS, log: () => undefined, weight, ttlMs,
    acquired: async (partition) => {
      const other = servedBy.get(partition);
      if (other !== undefined && !dead.has(other)) violations.push(`${id} acquired partition ${partition} while ${other} served it`);
      servedBy.set(partition, id);
      return true;
    },
    lost: (partition) => {
      shard.lostCount++;
      stopServing(partition);
    },
    release: async (partition) => stopServing(partition),
  });
  await shard.leases.start();
  shards.push(shard);
  return shard;
}

/** Also samples owned() of every shard: no partition may appear twice. */
function startSampling(): void {
  sampler = setInterval(() => {
    const seen = new Map<number, string>();
    for (const shard of shards) {
      if (dead.has(shard.id)) continue;
      for (const partition of shard.leases.owned()) {
        const other = seen.get(partition);
        if (other !== undefined) violations.push(`partition ${partition} owned by ${other} and ${shard.id}`);
        seen.set(partition, shard.id);
      }
    }
  }, 20);
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<number> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) throw new Error(`not within ${timeoutMs} ms: ${what} (owned: ${describeOwnership()})`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return Date.now() - started;
}

function describeOwnership(): string {
  return shards.map((shard) => `${shard.id}=[${shard.leases.owned().join(',')}]`).join(' ');
}

const ownedBy = (shard: TestShard): number => shard.leases.owned().length;
const allOwnedOnce = (): boolean => {
  const owned = shards.flatMap((shard) => shard.leases.owned()).sort((a, b) => a - b);
  return owned.length === PARTITIONS && owned.every((partition, i) => partition === i);
};

afterEach(async () => {
  clearInterval(sampler);
  await Promise.all(shards.map((shard) => shard.leases.stop()));
  await Promise.all(shards.map((shard) => shard.nc.close()));
  shards = [];
  servedBy.clear();
  violations.length = 0;
  dead.clear();
  // Each test starts with an empty bucket.
  const nc = await connect({ servers: server.url });
  await (await jetstreamManager(nc)).streams.delete(`KV_${LEASE_BUCKET}`).catch(() => undefined);
  await nc.close();
});

describe('partition leases', () => {
  it('splits the partitions 8/8 between two shards, one owner per partition', async () => {
    startSampling();
    const [a, b] = await Promise.all([startShard('a'), startShard('b')]);
    const settled = await until(() => ownedBy(a!) === 8 && ownedBy(b!) === 8, 20_000, 'an 8/8 split');
    console.log(`two shards split 8/8 in ${settled} ms`);
    // It stays that way.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect([ownedBy(a!), ownedBy(b!)]).toEqual([8, 8]);
    expect(allOwnedOnce()).toBe(true);
    expect(violations).toEqual([]);
  });

  it('hands partitions over to shards that join, never to two at once', async () => {
    startSampling();
    const a = await startShard('a');
    await until(() => ownedBy(a) === PARTITIONS, 10_000, 'a alone owns everything');
    const [b, c] = await Promise.all([startShard('b'), startShard('c')]);
    // ⌈16 / 3⌉ = 6: nobody holds more, and nothing is left unowned.
    await until(() => allOwnedOnce() && [a, b!, c!].every((shard) => ownedBy(shard) <= 6), 30_000, 'a 6/5/5 split');
    expect(violations).toEqual([]);
  }, 45_000);

  it('hands the lightest partitions over to a shard that joins, keeping the busy ones where they are', async () => {
    startSampling();
    // A survivor holding everything, half of it busy sales: a restarted shard must not cost those a second move.
    const busy = [1, 4, 6, 7, 10, 11, 13, 15];
    const a = await startShard('a', (partition) => (busy.includes(partition) ? 1_000 + partition : 0));
    await until(() => ownedBy(a) === PARTITIONS, 10_000, 'a alone owns everything');
    const b = await startShard('b');
    await until(() => allOwnedOnce() && ownedBy(a) === 8 && ownedBy(b) === 8, 30_000, 'an 8/8 split');
    expect(a.leases.owned()).toEqual(busy);
    expect(violations).toEqual([]);
  }, 45_000);

  it('takes over the partitions of a shard whose connection dies, after its leases expire', async () => {
    startSampling();
    const [a, b] = await Promise.all([startShard('a'), startShard('b')]);
    await until(() => ownedBy(a!) === 8 && ownedBy(b!) === 8, 20_000, 'an 8/8 split');
    await b!.nc.close(); // no release, no delete: its leases must expire
    const takeover = await until(() => ownedBy(a!) === PARTITIONS, 10_000, 'a owns everything');
    console.log(`takeover after an abrupt close: ${takeover} ms`);
    // The default lease lasts 3 s: nothing can move sooner, and ttl + renew + slack is the bound.
    expect(takeover).toBeGreaterThanOrEqual(1_500);
    expect(takeover).toBeLessThan(7_000);
    expect(b!.lostCount).toBe(8); // b gave them up by itself once it could not renew
    expect(violations).toEqual([]);
  }, 45_000);

  it("takes a dead shard's partitions at once when its supervisor frees its leases, long before they expire", async () => {
    startSampling();
    // Unfreed, b's leases would last 12 s and b would be counted live as long: a could not own everything within 6 s.
    const ttlMs = 12_000;
    const [a, b] = await Promise.all([startShard('a', undefined, ttlMs), startShard('b', undefined, ttlMs)]);
    await until(() => ownedBy(a!) === 8 && ownedBy(b!) === 8, 20_000, 'an 8/8 split');
    const ofB = b!.leases.owned();
    dead.add('b');
    await b!.nc.close(); // kill -9: no release, no delete, no leaving heartbeat
    const nc = await connect({ servers: server.url });
    try {
      expect(await freeLeasesOf(nc, 'a-shard-that-never-was', PARTITIONS)).toEqual([]);
      expect(await freeLeasesOf(nc, 'b', PARTITIONS)).toEqual(ofB);
    } finally {
      await nc.close();
    }
    await until(() => ownedBy(a!) === PARTITIONS, 6_000, 'a owns everything');
    expect(violations).toEqual([]);
    await until(() => b!.lostCount === 8, 15_000, "b's leftover gives up"); // so that stopping it finds nothing to renew
  }, 45_000);

  it('hands everything over on a graceful stop, without waiting for the leases to expire', async () => {
    startSampling();
    const [a, b] = await Promise.all([startShard('a'), startShard('b')]);
    await until(() => ownedBy(a!) === 8 && ownedBy(b!) === 8, 20_000, 'an 8/8 split');
    const started = Date.now();
    await b!.leases.stop();
    expect(ownedBy(b!)).toBe(0);
    expect(b!.lostCount).toBe(0);
    const handOver = await until(() => ownedBy(a!) === PARTITIONS, 10_000, 'a owns everything');
    console.log(`hand-over after a graceful stop: ${Date.now() - started} ms`);
    expect(handOver).toBeLessThan(2_500); // sooner than the leases could expire or b be counted out
    expect(violations).toEqual([]);
  }, 45_000);

  it('owns every partition again after the NATS server restarts, never twice', async () => {
    startSampling();
    const [a, b] = await Promise.all([startShard('a'), startShard('b')]);
    await until(() => ownedBy(a!) === 8 && ownedBy(b!) === 8, 20_000, 'an 8/8 split');
    await server.stop();
    // Down longer than ttl − renew: both shards give everything up.
    await until(() => ownedBy(a!) + ownedBy(b!) === 0, 5_000, 'nobody serves while NATS is down');
    await server.start();
    const back = await until(() => allOwnedOnce() && ownedBy(a!) <= 8 && ownedBy(b!) <= 8, 30_000, 'all owned again, 8/8');
    console.log(`all partitions owned again ${back} ms after the NATS restart`);
    expect(a!.lostCount + b!.lostCount).toBe(PARTITIONS);
    expect(violations).toEqual([]);
  }, 60_000);

  it('gives a partition back at once when acquired() refuses it', async () => {
    const nc = await connect({ servers: server.url });
    const refusals: number[] = [];
    const leases = new PartitionLeases({
      nc, shardId: 'picky', partitions: 2, log: () => undefined,
      acquired: async (partition) => {
        if (partition === 0) return true;
        refusals.push(partition);
        return false;
      },
      lost: () => undefined,
      release: async () => undefined,
    });
    shards.push({ id: 'picky', nc, leases, lostCount: 0 });
    await leases.start();
    await until(() => refusals.length > 0 && leases.owned().length === 1, 10_000, 'partition 1 refused');
    expect(leases.owned()).toEqual([0]);
    // Deleted (a DEL marker), not left to expire (which would leave no entry after 3 s).
    const kv = await new Kvm(nc).open(LEASE_BUCKET);
    await until(async () => (await kv.get('p1'))?.operation === 'DEL', 2_000, 'the refused lease deleted');
  });
});
