/**
 * Payments across gateway processes, on the product as an operator starts it:
 * `launch/main.ts --workers 2` configured with Stripe through its
 * environment variables, Stripe played by a local stand-in. Every worker
 * builds the same channels from those options; a fan whose `pay` reply is
 * lost with its gateway pays again through the other one and gets the same
 * attempt, and Stripe is asked for one checkout only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../launch/local-servers.js';
import type { PaymentStartedMessage } from '../src/protocol/index.js';
import { spawnProduct, type SpawnedProduct } from './helpers/spawned-product.js';
import { STAND_IN_SECRET_KEY, STAND_IN_WEBHOOK_SECRET, StripeStandIn } from './helpers/stripe-stand-in.js';
import { eventually } from './helpers/test-gateway.js';
import { workerFans } from './helpers/worker-fans.js';

const API_KEY = 'payment-workers-api-key-0123456789';
let product: SpawnedProduct;
let standIn: StripeStandIn;
let port: number;

const { fan, fanOnAnotherWorker, closeAll } = workerFans(() => `ws://127.0.0.1:${port}/ws`);
const api = (method: string, path: string, body?: unknown) => product.api(method, path, body);

beforeAll(async () => {
  standIn = await StripeStandIn.start();
  port = await freePort();
  product = await spawnProduct('launch/main.ts', ['--workers', '2'], {
    port, apiKey: API_KEY, startTimeoutMs: 60_000,
    env: {
      BREAKWATER_STRIPE_SECRET_KEY: STAND_IN_SECRET_KEY, BREAKWATER_STRIPE_WEBHOOK_SECRET: STAND_IN_WEBHOOK_SECRET,
      BREAKWATER_PUBLIC_URL: 'https://tickets.example.com', BREAKWATER_STRIPE_API_URL: standIn.url,
    },
  });
}, 70_000);

afterAll(async () => {
  await closeAll();
  await product.stop();
  await standIn.close();
});

async function createEvent(id: string, channels: string[]): Promise<void> {
  const now = Date.now();
  const created = await api('POST', '/api/events', {
    publish: true,
    config: {
      id, name: id, preQueueOpensAt: now, onSaleAt: now, closesAt: now + 3600_000,
      inventory: { tiers: [{ id: 'ga', name: 'GA', price: 4200, quantity: 10 }] }, admission: { mode: 'rate', fansPerMinute: 600 },
      door: { startWindowMs: 0 },
    },
    settings: { currency: 'EUR', payments: { channels } },
  });
  expect(created.status).toBe(201);
}

async function pidOf(worker: string): Promise<number | undefined> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const match = new RegExp(`breakwater_gateway_process_info\\{worker="${worker}",pid="(\\d+)"\\}`).exec(text);
  return match === null ? undefined : Number(match[1]);
}

describe('two gateway workers configured with Stripe', () => {
  it('says so at start: Stripe on, the demo checkout off', () => {
    expect(product.output).toContain('Payments        stripe (webhooks to /webhooks/payments/stripe); demo checkout off');
  });

  it('a pay whose reply died with gateway A, paid again through gateway B with the same key and with another, is one attempt and one checkout', async () => {
    await createEvent('retry-night', []);
    const first = await fan();
    const joined = await first.join('retry-night', 'retrier');
    await first.next('admitted', 5000);
    const held = await first.request({ t: 'hold', grantId: null, request: { kind: 'tickets', tierId: 'ga', quantity: 2 }, key: 'hold' });
    if (held.t !== 'held') throw new Error(JSON.stringify(held));
    const holdId = held.hold.holdId;

    // Gateway A starts the payment and asks Stripe; Stripe makes the session, and A dies before anyone hears back.
    let pidA: number | undefined;
    await eventually(async () => expect((pidA = await pidOf(first.serverId!))).toBeDefined(), 5000);
    const stalled = standIn.holdNextCheckout();
    first.send({ t: 'pay', rid: first.nextRid(), holdId, key: 'pay-1' });
    await stalled.arrived;
    process.kill(pidA!, 'SIGKILL');
    await first.closed;
    stalled.release();
    const [lostRequest] = standIn.checkoutRequests();
    const paymentId = lostRequest!.headers['idempotency-key'] as string;
    expect(paymentId).toMatch(/^pay_/);

    // The fan comes back through gateway B with its resume token.
    const second = await fanOnAnotherWorker(first.serverId);
    expect(await second.join('retry-night', 'retrier', { token: joined.queueToken })).toMatchObject({ restored: true });
    const sameKey = await second.request({ t: 'pay', holdId, key: 'pay-1' }) as PaymentStartedMessage;
    const otherKey = await second.request({ t: 'pay', holdId, key: 'pay-2' }) as PaymentStartedMessage;
    const session = standIn.sessionFor(paymentId);
    for (const started of [sameKey, otherKey]) {
      expect(started).toMatchObject({ t: 'paymentStarted', paymentId, provider: 'stripe', checkoutUrl: session.url, hold: { holdId, status: 'paymentPending', amount: 8400 } });
    }
    // Three asks, one key, one session at Stripe.
    expect(standIn.checkoutRequests().map((r) => r.headers['idempotency-key'])).toEqual([paymentId, paymentId, paymentId]);
    expect(standIn.sessions.size).toBe(1);

    // The fan pays on Stripe's page; Stripe's webhook lands on whichever worker, and buys the hold once.
    const hook = standIn.webhook('checkout.session.completed', standIn.pay(session));
    const confirmed = await fetch(`http://127.0.0.1:${port}/webhooks/payments/stripe`, { method: 'POST', headers: hook.headers, body: hook.body });
    expect(await confirmed.json()).toMatchObject({ status: 'confirmed', hold: { holdId, status: 'purchased' } });
    expect(await second.next('purchased', 5000)).toMatchObject({ holdId, paymentId });
    const { body } = await api('GET', '/api/events/retry-night/payments');
    expect(body.totals).toMatchObject({ attempts: 1, purchased: 1, refundDue: 0, refunded: 0, pending: 0 });
    expect(body.attempts).toMatchObject([{ paymentId, holdId, status: 'purchased', amount: 8400, currency: 'EUR' }]);
  }, 30_000);

  it('no worker has a demo checkout: an event naming demo cannot take a payment, and the demo URLs approve nothing', async () => {
    await createEvent('demo-named', ['demo']);
    const client = await fan();
    await client.join('demo-named', 'demo-fan');
    await client.next('admitted', 5000);
    const held = await client.request({ t: 'hold', grantId: null, request: { kind: 'tickets', tierId: 'ga', quantity: 1 }, key: 'hold' });
    if (held.t !== 'held') throw new Error(JSON.stringify(held));
    expect(await client.request({ t: 'pay', holdId: held.hold.holdId, key: 'pay' })).toMatchObject({ t: 'error', code: 'PAYMENT_CHANNEL_NOT_OFFERED' });
    // Asked several times, so that both workers answer.
    for (let i = 0; i < 6; i++) {
      const checkout = await fetch(`http://127.0.0.1:${port}/pay/demo/cs1.anything`, { method: 'POST', body: JSON.stringify({ decision: 'approve' }) });
      expect(checkout.status).toBe(403);
      expect((await fetch(`http://127.0.0.1:${port}/webhooks/payments/demo`, { method: 'POST', headers: { 'breakwater-signature': 't=1,v1=00' }, body: '{}' })).status).toBe(404);
    }
    const { body } = await api('GET', '/api/events/demo-named/payments');
    expect(body.totals.attempts).toBe(0);
  });
});
