/**
 * The Stripe channel with the real `stripe` package against a local stand-in
 * for api.stripe.com (helpers/stripe-stand-in.ts): what it asks Stripe, what
 * it makes of Stripe's webhooks (signed with the package's test helper), and
 * the same through a real gateway configured with Stripe the way a
 * deployment is (`payments.stripe`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isBreakwaterError } from '../../engine/src/index.js';
import type { PaymentOutcome } from '../src/payments/provider.js';
import { StripePaymentProvider } from '../src/payments/stripe-provider.js';
import { signWebhook } from '../../engine/host/notify/webhook-signature.js';
import type { PaymentStartedMessage } from '../src/protocol/index.js';
import { FanClient } from './helpers/fan-client.js';
import { STAND_IN_SECRET_KEY, STAND_IN_WEBHOOK_SECRET, StripeStandIn, type StandInSession } from './helpers/stripe-stand-in.js';
import { startTestGateway, WEBHOOK_SECRET, type TestGateway } from './helpers/test-gateway.js';

let standIn: StripeStandIn;
let provider: StripePaymentProvider;
const PUBLIC_URL = 'https://tickets.example.com';

beforeAll(async () => {
  standIn = await StripeStandIn.start();
  provider = new StripePaymentProvider({ secretKey: STAND_IN_SECRET_KEY, webhookSecret: STAND_IN_WEBHOOK_SECRET, publicUrl: PUBLIC_URL, apiUrl: standIn.url });
});

afterAll(async () => {
  await standIn.close();
});

const checkout = (paymentId: string) => ({ eventId: 'night', holdId: 'h7', fanId: 'fan-7', paymentId, amount: 13000, currency: 'EUR', description: '2 tickets for night' });

/** parseWebhook's answer, or the registry error it threw. */
function parse(hook: { body: string; headers: Record<string, string> }, now = Date.now()): PaymentOutcome | undefined | { code: string; details: unknown } {
  try {
    return provider.parseWebhook(Buffer.from(hook.body), hook.headers, now);
  } catch (err) {
    if (isBreakwaterError(err)) return { code: err.code, details: err.details };
    throw err;
  }
}

describe('the Stripe adapter', () => {
  it('opens a Checkout Session for the hold\'s amount and currency, keyed by the payment id, with our ids as metadata', async () => {
    const opened = await provider.createCheckout(checkout('pay_one'));
    const [request] = standIn.checkoutRequests().slice(-1);
    expect(request).toMatchObject({ method: 'POST', path: '/v1/checkout/sessions', headers: { 'idempotency-key': 'pay_one', authorization: `Bearer ${STAND_IN_SECRET_KEY}` } });
    expect(request!.params).toMatchObject({
      mode: 'payment',
      client_reference_id: 'pay_one',
      'line_items[0][quantity]': '1',
      'line_items[0][price_data][unit_amount]': '13000',
      'line_items[0][price_data][currency]': 'eur',
      'line_items[0][price_data][product_data][name]': '2 tickets for night',
      'metadata[eventId]': 'night', 'metadata[holdId]': 'h7', 'metadata[fanId]': 'fan-7', 'metadata[paymentId]': 'pay_one',
      'payment_intent_data[metadata][eventId]': 'night', 'payment_intent_data[metadata][holdId]': 'h7',
      'payment_intent_data[metadata][fanId]': 'fan-7', 'payment_intent_data[metadata][paymentId]': 'pay_one',
      'adaptive_pricing[enabled]': 'false',
      success_url: `${PUBLIC_URL}/?event=night`,
      cancel_url: `${PUBLIC_URL}/?event=night`,
    });
    const session = standIn.sessionFor('pay_one');
    expect(opened).toEqual({ provider: 'stripe', checkoutUrl: session.url });
    expect(session).toMatchObject({ amount_total: 13000, currency: 'eur' });
  });

  it('asked again for the same payment (a retried pay), gets the same session from Stripe: one checkout, never two', async () => {
    const first = await provider.createCheckout(checkout('pay_twice'));
    const again = await provider.createCheckout(checkout('pay_twice'));
    expect(again).toEqual(first);
    const requests = standIn.checkoutRequests().filter((r) => r.params.client_reference_id === 'pay_twice');
    expect(requests.map((r) => r.headers['idempotency-key'])).toEqual(['pay_twice', 'pay_twice']);
    expect([...standIn.sessions.values()].filter((s) => s.metadata.paymentId === 'pay_twice')).toHaveLength(1);
  });

  it('reads a paid session, an async success or failure, an expiry and a PaymentIntent\'s outcome, with the money Stripe names', async () => {
    await provider.createCheckout(checkout('pay_read'));
    const session = standIn.pay(structuredClone(standIn.sessionFor('pay_read')));
    const ours = { eventId: 'night', holdId: 'h7', paymentId: 'pay_read' };
    expect(parse(standIn.webhook('checkout.session.completed', session))).toMatchObject({
      ...ours, outcome: 'succeeded', amount: 13000, currency: 'EUR', providerPaymentId: session.payment_intent, notificationId: expect.stringMatching(/^evt_/),
    });
    expect(parse(standIn.webhook('checkout.session.async_payment_succeeded', session))).toMatchObject({ ...ours, outcome: 'succeeded', amount: 13000 });
    expect(parse(standIn.webhook('checkout.session.async_payment_failed', session))).toMatchObject({ ...ours, outcome: 'failed', reason: 'the payment did not go through' });
    expect(parse(standIn.webhook('checkout.session.expired', { ...session, payment_status: 'unpaid', status: 'expired' }))).toMatchObject({ ...ours, outcome: 'failed', reason: 'the checkout expired unpaid' });
    const intent = { id: 'pi_read', object: 'payment_intent', amount: 13000, amount_received: 13000, currency: 'eur', metadata: { ...ours, fanId: 'fan-7' }, last_payment_error: null };
    expect(parse(standIn.webhook('payment_intent.succeeded', intent))).toMatchObject({ ...ours, outcome: 'succeeded', amount: 13000, currency: 'EUR', providerPaymentId: 'pi_read' });
    const declined = { ...intent, amount_received: 0, last_payment_error: { message: 'Your card was declined.' } };
    expect(parse(standIn.webhook('payment_intent.payment_failed', declined))).toMatchObject({ ...ours, outcome: 'failed', reason: 'Your card was declined.', amount: 13000 });
  });

  it('tells a declined card from Stripe or the issuer failing, and dates each outcome by the event\'s `created`', async () => {
    const ours = { eventId: 'night', holdId: 'h7', paymentId: 'pay_kinds', fanId: 'fan-7' };
    const intent = { id: 'pi_kinds', object: 'payment_intent', amount: 13000, amount_received: 0, currency: 'eur', metadata: ours };
    const failed = (error: object | null) => parse(standIn.webhook('payment_intent.payment_failed', { ...intent, last_payment_error: error })) as PaymentOutcome;
    // Business declines: the channel worked (no `failure`, so the channel's health does not count them).
    for (const decline of [
      { type: 'card_error', code: 'card_declined', decline_code: 'insufficient_funds', message: 'Your card has insufficient funds.' },
      { type: 'card_error', code: 'card_declined', decline_code: 'fraudulent', message: 'Your card was declined.' },
      { type: 'card_error', code: 'expired_card', message: 'Your card has expired.' },
      { type: 'card_error', code: 'authentication_required', message: 'Your card was declined. This transaction requires authentication.' },
      null,
    ]) {
      const outcome = failed(decline);
      expect(outcome, JSON.stringify(decline)).toMatchObject({ outcome: 'failed' });
      expect(outcome.failure, JSON.stringify(decline)).toBeUndefined();
    }
    // The channel failing: Stripe's own errors, a processing fault, an issuer that could not be reached.
    expect(failed({ type: 'api_error', message: 'An unknown error occurred' })).toMatchObject({ outcome: 'failed', failure: 'error', reason: 'An unknown error occurred' });
    expect(failed({ type: 'invalid_request_error', code: 'payment_method_unactivated', message: 'not activated' })).toMatchObject({ failure: 'error' });
    expect(failed({ type: 'card_error', code: 'processing_error', message: 'An error occurred while processing your card.' })).toMatchObject({ failure: 'error' });
    expect(failed({ type: 'card_error', code: 'card_declined', decline_code: 'try_again_later', message: 'Your card was declined.' })).toMatchObject({ failure: 'error' });
    expect(failed({ type: 'card_error', code: 'card_declined', decline_code: 'issuer_not_available', message: 'Your card was declined.' })).toMatchObject({ failure: 'timeout' });
    // A session that failed or expired unpaid is the fan's or the bank's answer, not the channel failing.
    await provider.createCheckout(checkout('pay_kinds'));
    const session = standIn.sessionFor('pay_kinds');
    expect((parse(standIn.webhook('checkout.session.async_payment_failed', session)) as PaymentOutcome).failure).toBeUndefined();
    expect((parse(standIn.webhook('checkout.session.expired', { ...session, status: 'expired' })) as PaymentOutcome).failure).toBeUndefined();
    // occurredAt is the event's `created` (seconds), whatever the outcome.
    const hook = standIn.webhook('payment_intent.succeeded', { ...intent, amount_received: 13000 }, { ageS: 42 });
    const created = (JSON.parse(hook.body) as { created: number }).created;
    expect(parse(hook)).toMatchObject({ outcome: 'succeeded', occurredAt: created * 1000 });
    expect(failed({ type: 'api_error', message: 'x' }).occurredAt).toBeGreaterThan(created * 1000);
  });

  it('acknowledges what settles none of our payments: an unpaid completion, a charge made elsewhere, another event type', async () => {
    await provider.createCheckout(checkout('pay_other'));
    const unpaid = standIn.sessionFor('pay_other');
    expect(parse(standIn.webhook('checkout.session.completed', { ...unpaid, status: 'complete' }))).toBeUndefined();
    expect(parse(standIn.webhook('payment_intent.succeeded', { id: 'pi_shop', object: 'payment_intent', amount: 900, amount_received: 900, currency: 'eur', metadata: {} }))).toBeUndefined();
    expect(parse(standIn.webhook('customer.created', { id: 'cus_1', object: 'customer' }))).toBeUndefined();
    // Some of our ids but not all: not something we sent, and not to be guessed at.
    expect(parse(standIn.webhook('payment_intent.succeeded', { id: 'pi_x', object: 'payment_intent', amount: 1, amount_received: 1, currency: 'eur', metadata: { paymentId: 'pay_x' } }))).toMatchObject({ code: 'MALFORMED_COMMAND' });
  });

  it('refuses a forged, tampered, stale or missing signature before reading anything', async () => {
    await provider.createCheckout(checkout('pay_forged'));
    const session = standIn.pay(structuredClone(standIn.sessionFor('pay_forged')));
    const genuine = standIn.webhook('checkout.session.completed', session);
    expect(parse(genuine)).toMatchObject({ outcome: 'succeeded' });
    expect(parse(standIn.webhook('checkout.session.completed', session, { secret: 'whsec_someone_else_0123456789' }))).toEqual({ code: 'WEBHOOK_SIGNATURE_INVALID', details: { reason: 'mismatch' } });
    const tampered = { ...genuine, body: genuine.body.replace('"amount_total":13000', '"amount_total":1') };
    expect(tampered.body).not.toBe(genuine.body);
    expect(parse(tampered)).toEqual({ code: 'WEBHOOK_SIGNATURE_INVALID', details: { reason: 'mismatch' } });
    expect(parse(standIn.webhook('checkout.session.completed', session, { ageS: 301 }))).toEqual({ code: 'WEBHOOK_SIGNATURE_INVALID', details: { reason: 'timestamp' } });
    // A genuine webhook replayed six minutes after it was signed.
    expect(parse(genuine, Date.now() + 360_000)).toEqual({ code: 'WEBHOOK_SIGNATURE_INVALID', details: { reason: 'timestamp' } });
    expect(parse({ body: genuine.body, headers: {} })).toEqual({ code: 'WEBHOOK_SIGNATURE_INVALID', details: { reason: 'malformed' } });
  });

  it('refunds a PaymentIntent in full, keyed by the payment id: asked twice, Stripe refunds once', async () => {
    const request = { eventId: 'night', holdId: 'h7', paymentId: 'pay_back', amount: 13000, currency: 'EUR', providerPaymentId: 'pi_back' };
    await provider.refund(request);
    await provider.refund(request);
    const sent = standIn.refundRequests().filter((r) => r.params.payment_intent === 'pi_back');
    expect(sent).toHaveLength(2);
    for (const r of sent) {
      expect(r.headers['idempotency-key']).toBe('pay_back:refund');
      expect(r.params).toMatchObject({ payment_intent: 'pi_back', amount: '13000', 'metadata[paymentId]': 'pay_back', 'metadata[holdId]': 'h7', 'metadata[eventId]': 'night' });
    }
    expect(standIn.refunds.get('pi_back')).toMatchObject({ amount: 13000 });
    // Past Stripe's 24 h of idempotency, the same refund is "already refunded": done, not an error.
    await expect(provider.refund({ ...request, paymentId: 'pay_back_later' })).resolves.toBeUndefined();
    await expect(provider.refund({ ...request, providerPaymentId: undefined, paymentId: 'pay_unknown' })).rejects.toThrow(/no Stripe PaymentIntent/);
  });

  it('throws when Stripe refuses (a wrong key): the notification is then answered 5xx and sent again', async () => {
    const wrongKey = new StripePaymentProvider({ secretKey: 'sk_test_wrong_0123456789', webhookSecret: STAND_IN_WEBHOOK_SECRET, publicUrl: PUBLIC_URL, apiUrl: standIn.url });
    await expect(wrongKey.refund({ eventId: 'night', holdId: 'h7', paymentId: 'pay_k', amount: 1, currency: 'EUR', providerPaymentId: 'pi_k' })).rejects.toThrow(/Invalid API Key/);
    await expect(wrongKey.createCheckout(checkout('pay_k'))).rejects.toThrow(/Invalid API Key/);
  });
});

describe('a gateway configured with Stripe', () => {
  let gw: TestGateway;
  const clients: FanClient[] = [];

  beforeAll(async () => {
    gw = await startTestGateway({
      limits: { joinsPerIpPerSec: 1000, joinBurstPerIp: 1000 },
      payments: { allowDemo: false, stripe: { secretKey: STAND_IN_SECRET_KEY, webhookSecret: STAND_IN_WEBHOOK_SECRET, publicUrl: PUBLIC_URL, apiUrl: standIn.url } },
    });
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await gw.close();
  });

  /** A fan whose payment started, in an event that names no channel (so: the deployment's Stripe). */
  async function fanPaying(fanId: string): Promise<{ client: FanClient; eventId: string; started: PaymentStartedMessage }> {
    const eventId = await gw.createEvent({}, { payments: { channels: [] } });
    await gw.advance(60_000);
    const client = await FanClient.connect(gw.wsUrl);
    clients.push(client);
    await client.join(eventId, fanId);
    await gw.advance(250);
    await client.next('admitted');
    const held = await client.request({ t: 'hold', grantId: null, request: { kind: 'tickets', tierId: 'ga', quantity: 1 }, key: 'hold' });
    if (held.t !== 'held') throw new Error(JSON.stringify(held));
    const started = await client.request({ t: 'pay', holdId: held.hold.holdId, key: 'pay' });
    if (started.t !== 'paymentStarted') throw new Error(JSON.stringify(started));
    return { client, eventId, started };
  }

  const post = async (hook: { body: string; headers: Record<string, string> }) => {
    const response = await fetch(`${gw.httpUrl}/webhooks/payments/stripe`, { method: 'POST', headers: hook.headers, body: hook.body });
    return { status: response.status, body: await response.json() };
  };

  it('sends the fan to Stripe\'s checkout for the hold, and a paid session\'s webhook buys the hold, once', async () => {
    const { client, eventId, started } = await fanPaying('stripe-buyer');
    const session = standIn.sessionFor(started.paymentId);
    expect(started).toMatchObject({ provider: 'stripe', checkoutUrl: session.url, hold: { status: 'paymentPending', amount: 5000, currency: 'EUR' } });
    expect(standIn.checkoutRequests().at(-1)).toMatchObject({
      headers: { 'idempotency-key': started.paymentId },
      params: { 'line_items[0][price_data][unit_amount]': '5000', 'line_items[0][price_data][currency]': 'eur', 'metadata[eventId]': eventId, 'metadata[holdId]': started.hold.holdId, 'metadata[fanId]': 'stripe-buyer', 'metadata[paymentId]': started.paymentId },
    });
    const hook = standIn.webhook('checkout.session.completed', standIn.pay(session));
    expect(await post(hook)).toMatchObject({ status: 200, body: { status: 'confirmed', hold: { status: 'purchased' } } });
    expect(await client.next('purchased')).toMatchObject({ holdId: started.hold.holdId, paymentId: started.paymentId });
    // Stripe redelivers, and sends payment_intent.succeeded for the same payment too: still one purchase.
    expect(await post(hook)).toMatchObject({ status: 200, body: { status: 'confirmed' } });
    const intent = { id: session.payment_intent, object: 'payment_intent', amount: 5000, amount_received: 5000, currency: 'eur', metadata: session.metadata };
    expect(await post(standIn.webhook('payment_intent.succeeded', intent))).toMatchObject({ status: 200, body: { status: 'confirmed' } });
    expect(gw.host.engine.journal.read(eventId).filter((e) => e.type === 'purchased')).toHaveLength(1);
    expect(gw.host.engine.event(eventId).status().tickets.sold).toBe(1);
  });

  it('refuses a correctly signed success for the wrong amount or currency, refunds what Stripe charged once, and reconciles it as refunded', async () => {
    const { eventId, started } = await fanPaying('stripe-underpayer');
    const session = standIn.pay(structuredClone(standIn.sessionFor(started.paymentId)));
    for (const [i, money] of [{ amount_total: 1, currency: 'xxx' }, { amount_total: 1, currency: 'eur' }, { amount_total: 5000, currency: 'usd' }].entries()) {
      const refused = await post(standIn.webhook('checkout.session.completed', { ...session, ...money }));
      expect(refused).toMatchObject({
        status: 200,
        body: {
          status: 'refund', refunded: true,
          error: { code: 'PAYMENT_AMOUNT_MISMATCH', details: { holdId: started.hold.holdId, expected: { amount: 5000, currency: 'EUR' }, received: { amount: money.amount_total, currency: money.currency.toUpperCase() }, refund: i === 0 ? 'due' : 'refunded' } },
        },
      });
    }
    // Stripe is asked once, for what it charged, keyed by the payment id.
    expect(standIn.refundRequests().filter((r) => r.params.payment_intent === session.payment_intent)).toMatchObject([
      { headers: { 'idempotency-key': `${started.paymentId}:refund` }, params: { amount: '1', 'metadata[paymentId]': started.paymentId } },
    ]);
    expect(gw.host.engine.event(eventId).status().tickets.sold).toBe(0);
    expect(gw.host.engine.event(eventId).holds.get(started.hold.holdId)!.status).toBe('held');
    const reconciled = await gw.api('GET', `/api/events/${eventId}/payments`);
    expect(reconciled.body.attempts).toMatchObject([{ paymentId: started.paymentId, status: 'refunded', reason: 'amountMismatch' }]);
  });

  it('refuses a forged or stale signature, and a webhook without one before reading it; nothing changes', async () => {
    const { eventId, started } = await fanPaying('stripe-forger');
    const session = standIn.pay(structuredClone(standIn.sessionFor(started.paymentId)));
    const before = gw.host.engine.journal.read(eventId).length;
    expect(await post(standIn.webhook('checkout.session.completed', session, { secret: 'whsec_forger_0123456789abcdef' }))).toMatchObject({ status: 401, body: { code: 'WEBHOOK_SIGNATURE_INVALID', details: { reason: 'mismatch' } } });
    expect(await post(standIn.webhook('checkout.session.completed', session, { ageS: 600 }))).toMatchObject({ status: 401, body: { code: 'WEBHOOK_SIGNATURE_INVALID', details: { reason: 'timestamp' } } });
    const unsigned = standIn.webhook('checkout.session.completed', session);
    expect(await post({ body: unsigned.body, headers: { 'content-type': 'application/json' } })).toMatchObject({ status: 401, body: { code: 'WEBHOOK_SIGNATURE_INVALID', details: { reason: 'missing' } } });
    // The deployment's own webhook format, signed with its own secret, is not Stripe's word.
    const ours = signWebhook(WEBHOOK_SECRET, Buffer.from(unsigned.body), Date.now());
    expect(await post({ body: unsigned.body, headers: { 'content-type': 'application/json', 'breakwater-signature': ours } })).toMatchObject({ status: 401, body: { details: { reason: 'missing' } } });
    expect(gw.host.engine.journal.read(eventId)).toHaveLength(before);
    expect(gw.host.engine.event(eventId).status().tickets.sold).toBe(0);
  });

  it('a success after the hold ended is refunded through Stripe once, and reconciled as refunded', async () => {
    const { eventId, started } = await fanPaying('stripe-late');
    await gw.advance(120_000); // past paymentPendingMaxMs: the hold expires
    const session = standIn.pay(structuredClone(standIn.sessionFor(started.paymentId)));
    const hook = standIn.webhook('checkout.session.completed', session);
    expect(await post(hook)).toMatchObject({ status: 200, body: { status: 'refund', refunded: true, error: { code: 'HOLD_EXPIRED' } } });
    expect(standIn.refunds.get(session.payment_intent!)).toMatchObject({ amount: 5000 });
    expect(standIn.refundRequests().filter((r) => r.params.payment_intent === session.payment_intent)).toMatchObject([
      { headers: { 'idempotency-key': `${started.paymentId}:refund` }, params: { amount: '5000', 'metadata[paymentId]': started.paymentId } },
    ]);
    // Redelivered: the journal says refunded, so Stripe is not asked again.
    expect(await post(hook)).toMatchObject({ status: 200, body: { status: 'refund', refunded: true } });
    expect(standIn.refundRequests().filter((r) => r.params.payment_intent === session.payment_intent)).toHaveLength(1);
    const reconciled = await gw.api('GET', `/api/events/${eventId}/payments`);
    expect(reconciled.body.attempts).toMatchObject([{ paymentId: started.paymentId, status: 'refunded', reason: 'holdEnded' }]);
  });

  it('journals Stripe failing as the channel\'s failure and a declined card as a decline, each with Stripe\'s instant', async () => {
    const failedOf = (eventId: string) => gw.host.engine.journal.read(eventId).filter((e) => e.type === 'paymentFailed');
    const declined = await fanPaying('stripe-declined');
    const session = standIn.sessionFor(declined.started.paymentId);
    const intent = { id: `pi_${session.id}`, object: 'payment_intent', amount: 5000, amount_received: 0, currency: 'eur', metadata: session.metadata };
    const decline = standIn.webhook('payment_intent.payment_failed', { ...intent, last_payment_error: { type: 'card_error', code: 'card_declined', decline_code: 'insufficient_funds', message: 'Your card has insufficient funds.' } }, { ageS: 3 });
    expect(await post(decline)).toMatchObject({ status: 200, body: { status: 'failed', hold: { status: 'held' } } });
    const [declineEntry] = failedOf(declined.eventId);
    expect(declineEntry).toMatchObject({ reason: 'Your card has insufficient funds.', providerAt: (JSON.parse(decline.body) as { created: number }).created * 1000 });
    expect(declineEntry).not.toHaveProperty('failure');

    const broken = await fanPaying('stripe-broken');
    const brokenSession = standIn.sessionFor(broken.started.paymentId);
    const error = standIn.webhook('payment_intent.payment_failed', { ...intent, metadata: brokenSession.metadata, last_payment_error: { type: 'api_error', message: 'An unknown error occurred' } });
    expect(await post(error)).toMatchObject({ status: 200, body: { status: 'failed' } });
    expect(failedOf(broken.eventId)).toMatchObject([{ failure: 'error' }]);
    expect(gw.host.engine.event(broken.eventId).payments.status(Date.now()).channels).toMatchObject([{ name: 'stripe', window: { errors: 1, declined: 0 } }]);
  });

  it('counts a checkout Stripe could not open as the channel\'s error, and gives the fan the hold back', async () => {
    const eventId = await gw.createEvent({}, { payments: { channels: [] } });
    await gw.advance(60_000);
    const client = await FanClient.connect(gw.wsUrl);
    clients.push(client);
    await client.join(eventId, 'stripe-outage');
    await gw.advance(250);
    await client.next('admitted');
    const held = await client.request({ t: 'hold', grantId: null, request: { kind: 'tickets', tierId: 'ga', quantity: 1 }, key: 'hold' });
    if (held.t !== 'held') throw new Error(JSON.stringify(held));
    standIn.failNextCheckout();
    expect(await client.request({ t: 'pay', holdId: held.hold.holdId, key: 'pay' })).toMatchObject({ t: 'error', code: 'PAYMENT_PROVIDER_ERROR', details: { provider: 'stripe' } });
    expect(gw.host.engine.journal.read(eventId).filter((e) => e.type === 'paymentFailed')).toMatchObject([{ reason: 'checkout could not start', failure: 'error' }]);
    expect(gw.host.engine.event(eventId).holds.get(held.hold.holdId)!.status).toBe('held');
  });

  it('refunds a cancelled order through Stripe, for the PaymentIntent that paid it (journaled with the purchase)', async () => {
    const { eventId, started } = await fanPaying('stripe-cancelled');
    const holdId = started.hold.holdId;
    const session = standIn.pay(structuredClone(standIn.sessionFor(started.paymentId)));
    expect(await post(standIn.webhook('checkout.session.completed', session))).toMatchObject({ status: 200, body: { status: 'confirmed' } });
    expect(gw.host.engine.journal.read(eventId).filter((e) => e.type === 'purchased')).toMatchObject([{ paymentId: started.paymentId, providerPaymentId: session.payment_intent }]);
    const cancelled = await gw.api('POST', `/api/events/${eventId}/orders/${holdId}/cancel`, { refund: true, reason: 'show moved' });
    expect(cancelled).toMatchObject({ status: 200, body: { order: { status: 'cancelled', refund: 'refunded', channel: 'stripe', providerPaymentId: session.payment_intent } } });
    expect(standIn.refundRequests().filter((r) => r.params.payment_intent === session.payment_intent)).toMatchObject([
      { headers: { 'idempotency-key': `${started.paymentId}:refund` }, params: { amount: '5000', 'metadata[paymentId]': started.paymentId } },
    ]);
  });

  it('acknowledges a verified event that settles nothing of ours', async () => {
    expect(await post(standIn.webhook('customer.created', { id: 'cus_1', object: 'customer' }))).toEqual({ status: 200, body: { status: 'ignored' } });
  });

  it('has no demo checkout: a configured Stripe turns it off', async () => {
    const eventId = await gw.createEvent({}, { payments: { channels: ['demo'] } });
    const refused = await fetch(`${gw.httpUrl}/pay/demo/cs1.anything`, { method: 'POST', body: JSON.stringify({ decision: 'approve' }) });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ code: 'PAYMENT_CHANNEL_NOT_OFFERED', details: { channel: 'demo' } });
    expect((await fetch(`${gw.httpUrl}/webhooks/payments/demo`, { method: 'POST', headers: { 'breakwater-signature': 't=1,v1=00' }, body: '{}' })).status).toBe(404);
    expect(gw.host.engine.event(eventId).status().tickets.sold).toBe(0);
  });
});
