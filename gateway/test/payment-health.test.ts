import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JournalEntry } from '../../engine/src/index.js';
import { DemoPaymentProvider } from '../src/payments/demo-provider.js';
import type { CheckoutRequest, PaymentProvider, RefundRequest } from '../src/payments/provider.js';
import { SIGNATURE_HEADER } from '../../engine/host/notify/webhook-signature.js';
import type { EventSettings } from '../../engine/host/event-settings.js';
import { Signer } from '../src/tokens.js';
import { FanClient } from './helpers/fan-client.js';
import { SIGNING_SECRET, startTestGateway, WEBHOOK_SECRET, type TestGateway } from './helpers/test-gateway.js';

/** A second channel's provider: it opens checkouts elsewhere and records them. */
class CardProvider implements PaymentProvider {
  readonly name = 'card';
  readonly signatureHeader = 'card-signature';
  readonly requests: CheckoutRequest[] = [];
  async createCheckout(request: CheckoutRequest) {
    this.requests.push(request);
    return { provider: this.name, checkoutUrl: `https://card.example/checkout/${request.paymentId}` };
  }
  parseWebhook(): never {
    throw new Error('not used here');
  }
  refund(request: RefundRequest): never {
    throw new Error(`not used here: ${request.paymentId}`);
  }
}

let gw: TestGateway;
const card = new CardProvider();
const clients: FanClient[] = [];
// The demo provider's webhooks, signed as the deployment's: how the tests make the demo channel fail.
const demo = new DemoPaymentProvider({ signer: new Signer(SIGNING_SECRET), webhookSecret: WEBHOOK_SECRET, decision: 'approve', delayMs: 0 });
const BREAKER = { failurePercent: 50, minOutcomes: 4, openMs: 10_000, probes: 1 };

beforeAll(async () => {
  gw = await startTestGateway({ checkoutProvider: card, payments: { allowDemo: true } });
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await gw.close();
});

/** An event on sale with `n` fans each holding one ticket. */
async function fansHolding(n: number, settings: Partial<EventSettings>, payments: Record<string, unknown> = {}) {
  const eventId = await gw.createEvent({ payments: { breaker: BREAKER, ...payments } }, settings);
  await gw.advance(60_000);
  const fans = await Promise.all(Array.from({ length: n }, async (_, i) => {
    const client = await FanClient.connect(gw.wsUrl);
    clients.push(client);
    await client.join(eventId, `fan-${i}`);
    return client;
  }));
  // Admission follows the channels' health: a second at a time until every fan is in.
  for (let i = 0; i < 10 && fans.some((client) => !client.received.some((m) => m.t === 'admitted')); i++) await gw.advance(1_000);
  return Promise.all(fans.map(async (client) => {
    await client.next('admitted');
    const held = await client.request({ t: 'hold', grantId: null, request: { kind: 'tickets', tierId: 'ga', quantity: 1 }, key: 'hold' });
    if (held.t !== 'held') throw new Error(JSON.stringify(held));
    return { eventId, client, holdId: held.hold.holdId };
  }));
}

/** The provider says the payment failed on its side (a 5xx, not a card declined). */
async function providerError(eventId: string, holdId: string, paymentId: string): Promise<void> {
  const { body, signature } = demo.webhookFor({ paymentId, eventId, holdId, amount: 5000, currency: 'EUR' }, 'decline', Date.now(), 'error');
  const response = await fetch(`${gw.httpUrl}/webhooks/payments/demo`, { method: 'POST', headers: { [SIGNATURE_HEADER]: signature }, body });
  expect(response.status).toBe(200);
}

/** The provider says the payment went through. */
async function providerSuccess(eventId: string, holdId: string, paymentId: string): Promise<void> {
  const { body, signature } = demo.webhookFor({ paymentId, eventId, holdId, amount: 5000, currency: 'EUR' }, 'approve', Date.now());
  const response = await fetch(`${gw.httpUrl}/webhooks/payments/demo`, { method: 'POST', headers: { [SIGNATURE_HEADER]: signature }, body });
  expect(await response.json()).toMatchObject({ status: 'confirmed' });
}

const journalOf = (eventId: string): readonly JournalEntry[] => gw.host.engine.journal.read(eventId);

describe('payment channel health over a real gateway', () => {
  it('opens the breaker of a failing channel: it takes no new payment, a fan insisting on it is refused, the others are steered away; /metrics shows it', async () => {
    const fans = await fansHolding(6, { payments: { channels: ['demo', 'card'] } });
    const { eventId } = fans[0]!;
    // Fans who choose the demo channel, and its provider failing them (left to choose, the next would be steered to card already).
    for (const { client, holdId } of fans.slice(0, 4)) {
      const started = await client.request({ t: 'pay', holdId, key: 'pay', channel: 'demo' });
      if (started.t !== 'paymentStarted') throw new Error(JSON.stringify(started));
      expect(started.provider).toBe('demo');
      await providerError(eventId, holdId, started.paymentId);
    }
    await gw.advance(250);
    expect(journalOf(eventId).filter((e) => e.type === 'channelBreaker')).toMatchObject([{ channel: 'demo', state: 'open', failurePercent: 100 }]);

    const insisting = fans[4]!;
    const before = journalOf(eventId).length;
    expect(await insisting.client.request({ t: 'pay', holdId: insisting.holdId, key: 'pay', channel: 'demo' })).toMatchObject({
      t: 'error', code: 'PAYMENT_CHANNEL_UNAVAILABLE', details: { channel: 'demo', breaker: 'open', channels: ['card'] },
    });
    expect(journalOf(eventId)).toHaveLength(before);
    for (const { client, holdId } of fans.slice(4)) {
      expect(await client.request({ t: 'pay', holdId, key: 'pay' })).toMatchObject({ t: 'paymentStarted', provider: 'card' });
    }
    const opened = journalOf(eventId).findIndex((e) => e.type === 'channelBreaker');
    expect(journalOf(eventId).slice(opened).filter((e) => e.type === 'paymentStarted').map((e) => (e as { channel: string }).channel)).toEqual(['card', 'card']);

    gw.host.publishStats();
    await new Promise((resolve) => setImmediate(resolve));
    const text = await (await fetch(`${gw.httpUrl}/metrics`)).text();
    const sample = (name: string, labels: string) => Number(text.match(new RegExp(`^${name}\\{event="${eventId}",${labels}\\} (\\S+)$`, 'm'))?.[1]);
    expect(sample('breakwater_payment_channel_breaker', 'channel="demo",state="open"')).toBe(1);
    expect(sample('breakwater_payment_channel_breaker', 'channel="card",state="closed"')).toBe(1);
    expect(sample('breakwater_payment_channel_failure_ratio', 'channel="demo"')).toBe(1);
    expect(sample('breakwater_payment_channel_in_flight', 'channel="card"')).toBe(2);
    expect(sample('breakwater_payment_channel_limit', 'channel="card"')).toBeGreaterThanOrEqual(2);
    expect(sample('breakwater_payment_channel_outcomes_total', 'channel="demo",outcome="error"')).toBe(4);
    expect(sample('breakwater_payment_channel_started_total', 'channel="card"')).toBe(2);
    // The demo webhook says when it happened (its `created`): the lag behind it is measured (the engine's clock here is simulated).
    expect(sample('breakwater_payment_channel_webhook_lag_seconds', 'channel="demo"')).toBeGreaterThanOrEqual(0);
    expect(text).toMatch(new RegExp(`^breakwater_event_payment_queue_waiting\\{event="${eventId}"\\} 0$`, 'm'));

    // openMs later the breaker lets one probe through (half-open); its answering closes it.
    await gw.advance(BREAKER.openMs);
    expect(journalOf(eventId).filter((e) => e.type === 'channelBreaker').map((e) => (e as { state: string }).state)).toEqual(['open', 'halfOpen']);
  });

  it('closes the breaker again once its half-open probes succeed, and steers fans back to the channel', async () => {
    const fans = await fansHolding(9, { payments: { channels: ['demo', 'card'] } }, { breaker: { ...BREAKER, probes: 2 } });
    const { eventId } = fans[0]!;
    const breakerStates = () => journalOf(eventId).flatMap((e) => (e.type === 'channelBreaker' ? [`${e.channel} ${e.state}`] : []));
    const pay = async ({ client, holdId }: (typeof fans)[number], channel?: string) => {
      const started = await client.request({ t: 'pay', holdId, key: 'pay', ...(channel === undefined ? {} : { channel }) });
      if (started.t !== 'paymentStarted') throw new Error(JSON.stringify(started));
      return started;
    };
    for (const fan of fans.slice(0, 4)) await providerError(eventId, fan.holdId, (await pay(fan, 'demo')).paymentId);
    await gw.advance(250);
    expect(breakerStates()).toEqual(['demo open']);
    // While it is open, a fan left to choose goes to card.
    expect((await pay(fans[4]!)).provider).toBe('card');

    // openMs later it is half-open: the probes start on it, and their answering closes it.
    await gw.advance(BREAKER.openMs);
    expect(breakerStates()).toEqual(['demo open', 'demo halfOpen']);
    const probes = [fans[5]!, fans[6]!];
    const started = [await pay(probes[0]!, 'demo'), await pay(probes[1]!, 'demo')];
    expect(started.map((s) => s.provider)).toEqual(['demo', 'demo']);
    await providerSuccess(eventId, probes[0]!.holdId, started[0]!.paymentId);
    await gw.advance(250);
    // One probe answered of two: still half-open.
    expect(breakerStates()).toEqual(['demo open', 'demo halfOpen']);
    await providerSuccess(eventId, probes[1]!.holdId, started[1]!.paymentId);
    await gw.advance(250);
    expect(breakerStates()).toEqual(['demo open', 'demo halfOpen', 'demo closed']);

    // Fans left to choose are steered back to it (its account starts afresh; it is offered first).
    for (const fan of fans.slice(7)) expect((await pay(fan)).provider).toBe('demo');
    expect(gw.host.engine.event(eventId).payments.status(gw.host.clock.now()).channels).toMatchObject([
      { name: 'demo', breaker: 'closed', inFlight: 2 },
      { name: 'card', breaker: 'closed', inFlight: 1 },
    ]);
    gw.host.publishStats();
    await new Promise((resolve) => setImmediate(resolve));
    const text = await (await fetch(`${gw.httpUrl}/metrics`)).text();
    expect(text).toMatch(new RegExp(`^breakwater_payment_channel_breaker\\{event="${eventId}",channel="demo",state="closed"\\} 1$`, 'm'));
    expect(gw.host.engine.event(eventId).status().tickets.sold).toBe(2);
  });

  it('queues a payment no channel can take yet, tells the fan its place, then starts it in turn: the same pay gets the checkout', async () => {
    // One payment a second declared, and a second's burst: the third waits.
    const fans = await fansHolding(3, { payments: { channels: [{ name: 'card', capacityPerSec: 1 }] } });
    const { eventId } = fans[0]!;
    for (const { client, holdId } of fans.slice(0, 2)) expect(await client.request({ t: 'pay', holdId, key: 'pay' })).toMatchObject({ t: 'paymentStarted', provider: 'card' });
    const waiting = fans[2]!;
    const queued = await waiting.client.request({ t: 'pay', holdId: waiting.holdId, key: 'pay' });
    expect(queued).toMatchObject({ t: 'paymentQueued', number: 1, position: 0, hold: { status: 'paymentQueued' } });
    if (queued.t !== 'paymentQueued') return;
    expect(card.requests.some((r) => r.paymentId === queued.paymentId)).toBe(false);

    await gw.advance(1_000);
    expect(await waiting.client.next('paymentReady')).toMatchObject({ holdId: waiting.holdId, paymentId: queued.paymentId, channel: 'card' });
    expect(await waiting.client.request({ t: 'pay', holdId: waiting.holdId, key: 'pay' })).toMatchObject({
      t: 'paymentStarted', paymentId: queued.paymentId, provider: 'card', hold: { status: 'paymentPending' },
    });
    expect(card.requests.at(-1)).toMatchObject({ eventId, holdId: waiting.holdId, paymentId: queued.paymentId });
  });

  it('keeps settings.payments.channels and config.payments.channels one: declared capacities either way', async () => {
    const eventId = await gw.createEvent({}, { payments: { channels: ['demo', { name: 'card', capacityPerSec: 40 }] } });
    let details = await gw.api('GET', `/api/events/${eventId}`);
    expect(details.body.config.payments.channels).toEqual([{ name: 'demo' }, { name: 'card', capacityPerSec: 40 }]);
    expect(details.body.settings.payments.channels).toEqual(['demo', { name: 'card', capacityPerSec: 40 }]);
    expect((await gw.api('PATCH', `/api/events/${eventId}`, { config: { payments: { channels: [{ name: 'card', capacityPerSec: 25 }] } } })).status).toBe(200);
    details = await gw.api('GET', `/api/events/${eventId}`);
    expect(details.body.settings.payments.channels).toEqual([{ name: 'card', capacityPerSec: 25 }]);
    const refused = await gw.api('PATCH', `/api/events/${eventId}`, { settings: { payments: { channels: [{ name: 'card', capacityPerSec: 0 }] } } });
    expect(refused.status).toBe(400);
    expect(refused.body.details.issues).toEqual([expect.objectContaining({ field: 'settings.payments.channels.0.capacityPerSec' })]);
  });
});
