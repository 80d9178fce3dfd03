/**
 * An approved payment survives any process, against real nats-server and
 * redis-server: two parts of one cluster as `npm start` runs them on two
 * machines — A a gateway only, B a gateway and an engine shard. A fan on B
 * pays; its checkout's approval goes to gateway A, which is killed (-9)
 * while the provider is still processing. The approval was never
 * acknowledged, so nothing was lost: deciding again on B confirms it, once.
 * And an acknowledged approval is in Redis the moment the checkout answers.
 */
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisPartitionStore } from '../../../engine/stores/redis/redis-event-store.js';
import { freePort, startNatsServer, startRedisServer, type LocalServer } from '../../../launch/local-servers.js';
import { partitionOf } from '../../../engine/link/partitions.js';
import { connectRedis } from '../../../engine/stores/redis/redis-connection.js';
import { FanClient } from '../helpers/fan-client.js';
import { spawnProduct, type SpawnedProduct } from '../helpers/spawned-product.js';
import { eventually } from '../helpers/test-gateway.js';

const API_KEY = 'payment-durability-api-key-0123';
const PARTITIONS = 2;
const EVENT = 'durable-payments';
/** Long enough to kill the gateway while the provider "processes" the card. */
const CHECKOUT_DELAY_MS = 4_000;

let nats: LocalServer;
let redisServer: LocalServer;
let redis: Redis;
let gatewayOnly: SpawnedProduct;
let withShard: SpawnedProduct;
let portA: number;
let portB: number;
const clients: FanClient[] = [];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function product(port: number, shards: number): Promise<SpawnedProduct> {
  return spawnProduct('launch/main.ts', [
    '--nats', nats.url, '--redis', redisServer.url, '--shards', String(shards), '--workers', '1', '--partitions', String(PARTITIONS),
    '--exempt-ip', '127.0.0.1', '--demo-payment-delay', String(CHECKOUT_DELAY_MS),
  ], { port, apiKey: API_KEY, startTimeoutMs: 60_000 });
}

/** The journal as Redis holds it now (not as any process remembers it). */
async function durablePurchases(): Promise<string[]> {
  const store = new RedisPartitionStore(redis, { partition: partitionOf(EVENT, PARTITIONS), epoch: 1 }); // reading needs no fence
  return (await store.read(EVENT)).flatMap((entry) => (entry.type === 'purchased' ? [entry.holdId] : []));
}

async function payingFan(fanId: string): Promise<{ client: FanClient; holdId: string; checkoutUrl: string }> {
  const client = await FanClient.connect(`ws://127.0.0.1:${portB}/ws`);
  clients.push(client);
  const joined = await client.request({ t: 'join', eventId: EVENT, fanId, token: null, powChallenge: null, powNonce: null, identity: null, accessCode: null }, 10_000);
  expect(joined.t, JSON.stringify(joined)).toBe('joined');
  await client.next('admitted', 15_000);
  const held = await client.request({ t: 'hold', grantId: null, request: { kind: 'tickets', tierId: 'ga', quantity: 2 }, key: `${fanId}-h` }, 10_000);
  if (held.t !== 'held') throw new Error(JSON.stringify(held));
  const started = await client.request({ t: 'pay', holdId: held.hold.holdId, key: `${fanId}-p` }, 10_000);
  if (started.t !== 'paymentStarted' || started.checkoutUrl === null) throw new Error(JSON.stringify(started));
  return { client, holdId: held.hold.holdId, checkoutUrl: started.checkoutUrl };
}

const approve = (port: number, checkoutUrl: string) =>
  fetch(`http://127.0.0.1:${port}${checkoutUrl}`, { method: 'POST', body: JSON.stringify({ decision: 'approve' }) });

beforeAll(async () => {
  [nats, redisServer] = await Promise.all([startNatsServer(), startRedisServer()]);
  redis = await connectRedis(redisServer.url, () => undefined);
  [portA, portB] = await Promise.all([freePort(), freePort()]);
  [withShard, gatewayOnly] = await Promise.all([product(portB, 1), product(portA, 0)]);
  const now = Date.now();
  await eventually(async () => {
    const created = await withShard.api('POST', '/api/events', {
      publish: true, settings: { payments: { channels: ['demo'] } },
      config: {
        id: EVENT, name: 'Durable payments', preQueueOpensAt: now, onSaleAt: now, closesAt: now + 3600_000,
        inventory: { tiers: [{ id: 'ga', name: 'GA', price: 2500, quantity: 20 }] },
        maxTicketsPerFan: 2, paymentWindowMs: 60_000, paymentPendingMaxMs: 120_000, grantTtlMs: 60_000,
        admission: { mode: 'rate', fansPerMinute: 6000 }, door: { startWindowMs: 0 },
      },
    });
    expect([201, 409]).toContain(created.status);
  }, 30_000);
}, 120_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  await Promise.all([gatewayOnly?.stop(), withShard?.stop()]);
  redis?.disconnect();
  await Promise.all([nats?.stop(), redisServer?.stop()]);
}, 60_000);

describe('payment approvals in cluster mode', () => {
  it('an approval acknowledged by the checkout is already durable in Redis', async () => {
    const { client, holdId, checkoutUrl } = await payingFan('acknowledged');
    const response = await approve(portB, checkoutUrl);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'confirmed', hold: { holdId, status: 'purchased' } });
    expect(await durablePurchases()).toContain(holdId);
    expect(await client.next('purchased', 10_000)).toMatchObject({ holdId });
  }, 60_000);

  it('a gateway killed while the checkout processes loses nothing: deciding again elsewhere confirms it once', async () => {
    const { client, holdId, checkoutUrl } = await payingFan('survivor');
    const healthA = await (await fetch(`http://127.0.0.1:${portA}/healthz`)).json() as { pid: number };
    const pending = approve(portA, checkoutUrl).then((r) => r.status, (err: unknown) => `failed: ${String(err)}`);
    await sleep(CHECKOUT_DELAY_MS / 4);
    process.kill(healthA.pid, 'SIGKILL');
    // The fan was never told "approved": the request died with the process.
    expect(await pending).toMatch(/^failed/);
    expect(await durablePurchases()).not.toContain(holdId);
    expect(client.received.some((m) => m.t === 'purchased')).toBe(false);
    // The fan's page decides again, on a gateway that is up.
    const again = await approve(portB, checkoutUrl);
    expect(await again.json()).toMatchObject({ status: 'confirmed', hold: { holdId, status: 'purchased' } });
    expect(await client.next('purchased', 10_000)).toMatchObject({ holdId });
    expect((await durablePurchases()).filter((id) => id === holdId)).toHaveLength(1);
  }, 60_000);
});
