/**
 * One payment attempt per hold across the gateways of a cluster, against
 * real nats-server and redis-server and a local stand-in for Stripe: two
 * parts of one cluster as `npm start` runs them on two machines, both
 * configured with Stripe by their environment — A a gateway only, B a
 * gateway and an engine shard. A fan pays through A; A's gateway process
 * dies (-9) while Stripe makes the session, so the reply is lost. The fan comes back through B and pays again with the same key and
 * with another: the same attempt, one session at Stripe, one purchase.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startNatsServer, startRedisServer, type LocalServer } from '../../../launch/local-servers.js';
import type { PaymentStartedMessage } from '../../src/protocol/index.js';
import { FanClient } from '../helpers/fan-client.js';
import { spawnProduct, type SpawnedProduct } from '../helpers/spawned-product.js';
import { STAND_IN_SECRET_KEY, STAND_IN_WEBHOOK_SECRET, StripeStandIn } from '../helpers/stripe-stand-in.js';
import { eventually } from '../helpers/test-gateway.js';

const API_KEY = 'payment-retry-cluster-api-key-0123';
const EVENT = 'retry-cluster';

let nats: LocalServer;
let redisServer: LocalServer;
let standIn: StripeStandIn;
let gatewayOnly: SpawnedProduct;
let withShard: SpawnedProduct;
let portA: number;
let portB: number;
const clients: FanClient[] = [];

function product(port: number, shards: number): Promise<SpawnedProduct> {
  return spawnProduct('launch/main.ts', [
    '--nats', nats.url, '--redis', redisServer.url, '--shards', String(shards), '--workers', '1', '--partitions', '2', '--exempt-ip', '127.0.0.1',
  ], {
    port, apiKey: API_KEY, startTimeoutMs: 60_000,
    env: {
      BREAKWATER_STRIPE_SECRET_KEY: STAND_IN_SECRET_KEY, BREAKWATER_STRIPE_WEBHOOK_SECRET: STAND_IN_WEBHOOK_SECRET,
      BREAKWATER_PUBLIC_URL: 'https://tickets.example.com', BREAKWATER_STRIPE_API_URL: standIn.url,
    },
  });
}

async function connect(port: number): Promise<FanClient> {
  const client = await FanClient.connect(`ws://127.0.0.1:${port}/ws`);
  clients.push(client);
  return client;
}

beforeAll(async () => {
  [nats, redisServer, standIn] = await Promise.all([startNatsServer(), startRedisServer(), StripeStandIn.start()]);
  [portA, portB] = await Promise.all([freePort(), freePort()]);
  [withShard, gatewayOnly] = await Promise.all([product(portB, 1), product(portA, 0)]);
  const now = Date.now();
  await eventually(async () => {
    const created = await withShard.api('POST', '/api/events', {
      publish: true, settings: { currency: 'EUR' },
      config: {
        id: EVENT, name: 'Retry cluster', preQueueOpensAt: now, onSaleAt: now, closesAt: now + 3600_000,
        inventory: { tiers: [{ id: 'ga', name: 'GA', price: 3100, quantity: 20 }] },
        paymentWindowMs: 120_000, paymentPendingMaxMs: 120_000, grantTtlMs: 60_000, presenceGraceMs: 120_000,
        admission: { mode: 'rate', fansPerMinute: 6000 }, door: { startWindowMs: 0 },
      },
    });
    expect([201, 409]).toContain(created.status);
  }, 30_000);
}, 120_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  await Promise.all([gatewayOnly?.stop(), withShard?.stop()]);
  await Promise.all([nats?.stop(), redisServer?.stop(), standIn?.close()]);
}, 60_000);

describe('a retried pay on another cluster gateway', () => {
  it('both gateways have the Stripe channel and no demo checkout', () => {
    for (const part of [gatewayOnly, withShard]) expect(part.output).toContain('Payments        stripe (webhooks to /webhooks/payments/stripe); demo checkout off');
  });

  it('returns the attempt in flight, with the same key and with another: one session at Stripe, one purchase', async () => {
    const first = await connect(portA);
    const joined = await first.join(EVENT, 'wanderer');
    await first.next('admitted', 15_000);
    const held = await first.request({ t: 'hold', grantId: null, request: { kind: 'tickets', tierId: 'ga', quantity: 1 }, key: 'hold' }, 10_000);
    if (held.t !== 'held') throw new Error(JSON.stringify(held));
    const holdId = held.hold.holdId;

    // Gateway A starts the payment (journaled by the shard) and asks Stripe; A dies before the fan hears back.
    const { pid: pidA } = await (await fetch(`http://127.0.0.1:${portA}/healthz`)).json() as { pid: number };
    const stalled = standIn.holdNextCheckout();
    first.send({ t: 'pay', rid: first.nextRid(), holdId, key: 'pay-1' });
    await stalled.arrived;
    process.kill(pidA, 'SIGKILL');
    await first.closed;
    stalled.release();
    expect(first.received.some((m) => m.t === 'paymentStarted')).toBe(false);
    const paymentId = standIn.checkoutRequests()[0]!.headers['idempotency-key'] as string;

    const second = await connect(portB);
    expect(await second.join(EVENT, 'wanderer', { token: joined.queueToken })).toMatchObject({ restored: true });
    const sameKey = await second.request({ t: 'pay', holdId, key: 'pay-1' }, 10_000) as PaymentStartedMessage;
    const otherKey = await second.request({ t: 'pay', holdId, key: 'pay-2' }, 10_000) as PaymentStartedMessage;
    const session = standIn.sessionFor(paymentId);
    for (const started of [sameKey, otherKey]) {
      expect(started).toMatchObject({ t: 'paymentStarted', paymentId, provider: 'stripe', checkoutUrl: session.url, hold: { holdId, status: 'paymentPending', amount: 3100 } });
    }
    expect(standIn.checkoutRequests().map((r) => r.headers['idempotency-key'])).toEqual([paymentId, paymentId, paymentId]);
    expect(standIn.sessions.size).toBe(1);

    const hook = standIn.webhook('checkout.session.completed', standIn.pay(session));
    const confirmed = await fetch(`http://127.0.0.1:${portB}/webhooks/payments/stripe`, { method: 'POST', headers: hook.headers, body: hook.body });
    expect(await confirmed.json()).toMatchObject({ status: 'confirmed', hold: { holdId, status: 'purchased' } });
    expect(await second.next('purchased', 10_000)).toMatchObject({ holdId, paymentId });
    const { body } = await withShard.api('GET', `/api/events/${EVENT}/payments`);
    expect(body.totals).toMatchObject({ attempts: 1, purchased: 1, refundDue: 0, refunded: 0, pending: 0 });
  }, 60_000);
});
