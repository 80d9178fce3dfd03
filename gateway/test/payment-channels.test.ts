import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DemoPaymentProvider } from '../src/payments/demo-provider.js';
import type { CheckoutRequest, PaymentProvider, RefundRequest } from '../src/payments/provider.js';
import { Signer } from '../src/tokens.js';
import type { EventSettings } from '../../engine/host/event-settings.js';
import { FanClient } from './helpers/fan-client.js';
import { SIGNING_SECRET, startTestGateway, WEBHOOK_SECRET, type TestGateway } from './helpers/test-gateway.js';

/** A real provider's stand-in: it opens checkouts elsewhere and never approves on a fan's word. */
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
// What an attacker holding nothing but a fan's connection cannot make: used to show the gate stands even then.
const demo = new DemoPaymentProvider({ signer: new Signer(SIGNING_SECRET), webhookSecret: WEBHOOK_SECRET, decision: 'approve', delayMs: 0 });

beforeAll(async () => {
  // The demo checkout beside a real provider only because the operator says so: these tests switch between the two.
  gw = await startTestGateway({ checkoutProvider: card, payments: { allowDemo: true } });
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await gw.close();
});

async function fanHolding(settings: Partial<EventSettings>, fanId: string) {
  const eventId = await gw.createEvent({}, settings);
  await gw.advance(60_000);
  const client = await FanClient.connect(gw.wsUrl);
  clients.push(client);
  await client.join(eventId, fanId);
  await gw.advance(250);
  await client.next('admitted');
  const held = await client.request({ t: 'hold', grantId: null, request: { kind: 'tickets', tierId: 'ga', quantity: 1 }, key: 'hold' });
  if (held.t !== 'held') throw new Error(JSON.stringify(held));
  return { eventId, client, holdId: held.hold.holdId };
}

const decide = (url: string, decision = 'approve') => fetch(`${gw.httpUrl}${url}`, { method: 'POST', body: JSON.stringify({ decision }) });

describe('payment channels', () => {
  it('an event that names no channel pays with the deployment provider, never the demo checkout', async () => {
    const { eventId, client, holdId } = await fanHolding({ payments: { channels: [] } }, 'carded');
    const started = await client.request({ t: 'pay', holdId, key: 'pay' });
    expect(started).toMatchObject({ t: 'paymentStarted', provider: 'card', checkoutUrl: expect.stringMatching(/^https:\/\/card\.example\//) });
    expect(card.requests.at(-1)).toMatchObject({ eventId, holdId, amount: 5000, currency: 'EUR' });
    if (started.t !== 'paymentStarted') return;

    // Even a demo session sealed for this payment and a demo webhook signed for it approve nothing.
    const checkoutUrl = (await demo.createCheckout({ eventId, holdId, fanId: 'carded', paymentId: started.paymentId, amount: 5000, currency: 'EUR', description: '' })).checkoutUrl!;
    const before = gw.host.engine.journal.read(eventId).length;
    for (const response of [await fetch(`${gw.httpUrl}${checkoutUrl}`), await decide(checkoutUrl)]) {
      expect(response.status).toBe(403);
      expect(await response.json()).toMatchObject({ code: 'PAYMENT_CHANNEL_NOT_OFFERED', details: { eventId, channel: 'demo' } });
    }
    const { body, signature } = demo.webhookFor({ paymentId: started.paymentId, eventId, holdId, amount: 5000, currency: 'EUR' }, 'approve');
    const hook = await fetch(`${gw.httpUrl}/webhooks/payments/demo`, { method: 'POST', headers: { 'breakwater-signature': signature }, body });
    expect(hook.status).toBe(403);
    expect(await hook.json()).toMatchObject({ code: 'PAYMENT_CHANNEL_NOT_OFFERED' });
    expect(gw.host.engine.journal.read(eventId)).toHaveLength(before);
    expect(gw.host.engine.event(eventId).status().tickets.sold).toBe(0);
  });

  it('the demo checkout stops approving the moment the organizer takes the demo channel off', async () => {
    const { eventId, client, holdId } = await fanHolding({ payments: { channels: ['demo'] } }, 'switched');
    const started = await client.request({ t: 'pay', holdId, key: 'pay' });
    if (started.t !== 'paymentStarted') throw new Error(JSON.stringify(started));
    expect(started.provider).toBe('demo');
    expect((await gw.api('PATCH', `/api/events/${eventId}`, { settings: { payments: { channels: ['card'] } } })).status).toBe(200);
    const before = gw.host.engine.journal.read(eventId).length;
    const refused = await decide(started.checkoutUrl!);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ code: 'PAYMENT_CHANNEL_NOT_OFFERED', details: { channel: 'demo' } });
    expect(gw.host.engine.journal.read(eventId)).toHaveLength(before);
    expect(gw.host.engine.event(eventId).status().tickets.sold).toBe(0);
  });

  it('without a deployment provider, an event that names no channel refuses pay and the hold is untouched', async () => {
    const bare = await startTestGateway();
    try {
      const eventId = await bare.createEvent({}, { payments: { channels: [] } });
      await bare.advance(60_000);
      const client = await FanClient.connect(bare.wsUrl);
      clients.push(client);
      await client.join(eventId, 'no-channel');
      await bare.advance(250);
      await client.next('admitted');
      const held = await client.request({ t: 'hold', grantId: null, request: { kind: 'tickets', tierId: 'ga', quantity: 1 }, key: 'hold' });
      if (held.t !== 'held') throw new Error(JSON.stringify(held));
      const before = bare.host.engine.journal.read(eventId).length;
      expect(await client.request({ t: 'pay', holdId: held.hold.holdId, key: 'pay' })).toMatchObject({
        t: 'error', code: 'PAYMENT_CHANNEL_NOT_OFFERED', details: { eventId, channel: null },
      });
      expect(bare.host.engine.journal.read(eventId)).toHaveLength(before);
    } finally {
      await bare.close();
    }
  });

  it('checks the channels an organizer names', async () => {
    const refused = await gw.api('POST', '/api/events', { config: { id: 'x' }, settings: { payments: { channels: ['Demo', 'demo', 'demo'] } } });
    expect(refused.status).toBe(400);
    const fields = (refused.body.details.issues as Array<{ field: string }>).map((issue) => issue.field);
    expect(fields).toEqual(expect.arrayContaining(['settings.payments.channels.0', 'settings.payments.channels.2']));
  });
});

describe('a deployment with a real provider (and no --allow-demo-payments)', () => {
  let real: TestGateway;
  beforeAll(async () => {
    real = await startTestGateway({ checkoutProvider: card });
  });
  afterAll(async () => {
    await real.close();
  });

  async function holding(channels: string[], fanId: string) {
    const eventId = await real.createEvent({}, { payments: { channels } });
    await real.advance(60_000);
    const client = await FanClient.connect(real.wsUrl);
    clients.push(client);
    await client.join(eventId, fanId);
    await real.advance(250);
    await client.next('admitted');
    const held = await client.request({ t: 'hold', grantId: null, request: { kind: 'tickets', tierId: 'ga', quantity: 1 }, key: 'hold' });
    if (held.t !== 'held') throw new Error(JSON.stringify(held));
    return { eventId, client, holdId: held.hold.holdId };
  }

  it('has no demo channel: an event naming only demo refuses pay, and one naming demo first pays with the real provider', async () => {
    const demoOnly = await holding(['demo'], 'demo-only');
    const before = real.host.engine.journal.read(demoOnly.eventId).length;
    expect(await demoOnly.client.request({ t: 'pay', holdId: demoOnly.holdId, key: 'pay' })).toMatchObject({
      t: 'error', code: 'PAYMENT_CHANNEL_NOT_OFFERED', details: { eventId: demoOnly.eventId, channel: null },
    });
    expect(real.host.engine.journal.read(demoOnly.eventId)).toHaveLength(before);

    const both = await holding(['demo', 'card'], 'demo-first');
    expect(await both.client.request({ t: 'pay', holdId: both.holdId, key: 'pay' })).toMatchObject({ t: 'paymentStarted', provider: 'card' });
  });

  it('approves nothing through the demo checkout or a demo webhook, even for an event that names demo and a session sealed by this deployment', async () => {
    const { eventId, holdId } = await holding(['demo'], 'forger');
    // The gateway's own secrets make these: a fan cannot, and still nothing may come of them.
    const session = { eventId, holdId, fanId: 'forger', paymentId: 'pay_forged', amount: 5000, currency: 'EUR', description: '' };
    const checkoutUrl = (await demo.createCheckout(session)).checkoutUrl!;
    const before = real.host.engine.journal.read(eventId).length;
    for (const response of [await fetch(`${real.httpUrl}${checkoutUrl}`), await fetch(`${real.httpUrl}${checkoutUrl}`, { method: 'POST', body: JSON.stringify({ decision: 'approve' }) })]) {
      expect(response.status).toBe(403);
      expect(await response.json()).toMatchObject({ code: 'PAYMENT_CHANNEL_NOT_OFFERED', details: { eventId: null, channel: 'demo' } });
    }
    const { body, signature } = demo.webhookFor(session, 'approve');
    const hook = await fetch(`${real.httpUrl}/webhooks/payments/demo`, { method: 'POST', headers: { 'breakwater-signature': signature }, body });
    expect(hook.status).toBe(404);
    expect(await hook.json()).toMatchObject({ code: 'ROUTE_NOT_FOUND', details: { provider: 'demo' } });
    expect(real.host.engine.journal.read(eventId)).toHaveLength(before);
    expect(real.host.engine.event(eventId).status().tickets.sold).toBe(0);
  });
});
