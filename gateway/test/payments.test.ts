import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signWebhook, SIGNATURE_HEADER } from '../../engine/host/notify/webhook-signature.js';
import { encodeValue, type PaymentStartedMessage } from '../src/protocol/index.js';
import { FanClient } from './helpers/fan-client.js';
import { startTestGateway, WEBHOOK_SECRET, type TestGateway } from './helpers/test-gateway.js';

let gw: TestGateway;
const clients: FanClient[] = [];

beforeAll(async () => {
  gw = await startTestGateway({ limits: { joinsPerIpPerSec: 1000, joinBurstPerIp: 1000 } });
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await gw.close();
});

/** A fan with a hold whose payment has started: the state a webhook acts on. */
async function fanPaying(fanId: string, eventOverrides = {}): Promise<{ client: FanClient; eventId: string; started: PaymentStartedMessage }> {
  const eventId = await gw.createEvent(eventOverrides);
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

function webhookBody(started: PaymentStartedMessage, type = 'payment.succeeded'): string {
  return JSON.stringify({
    id: `evt_${Math.random()}`, type, created: Math.floor(Date.now() / 1000),
    data: { paymentId: started.paymentId, eventId: started.eventId, holdId: started.hold.holdId, amount: started.hold.amount, currency: started.hold.currency },
  });
}

async function postWebhook(body: string, signature: string | undefined): Promise<{ status: number; body: any }> {
  const response = await fetch(`${gw.httpUrl}/webhooks/payments/demo`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(signature === undefined ? {} : { [SIGNATURE_HEADER]: signature }) },
    body,
  });
  return { status: response.status, body: await response.json() };
}

describe('starting a payment', () => {
  it('puts the hold in payment-pending and hands out a checkout; a retried pay starts the same payment', async () => {
    const { client, started } = await fanPaying('starter');
    expect(started).toMatchObject({ provider: 'demo', hold: { status: 'paymentPending', amount: 5000, currency: 'EUR' } });
    expect(started.paymentId).toMatch(/^pay_/);
    expect(started.checkoutUrl).toMatch(/^\/pay\/demo\/cs1\./);
    const again = await client.request({ t: 'pay', holdId: started.hold.holdId, key: 'pay' });
    expect(again).toMatchObject({ t: 'paymentStarted', paymentId: started.paymentId });
  });

  it('a pay under another key while a payment is in flight joins that attempt: one attempt per hold', async () => {
    const { client, eventId, started } = await fanPaying('double-tapper');
    const other = await client.request({ t: 'pay', holdId: started.hold.holdId, key: 'pay-again' });
    expect(other).toMatchObject({ t: 'paymentStarted', paymentId: started.paymentId, hold: { status: 'paymentPending', paymentId: started.paymentId } });
    const starts = gw.host.engine.journal.read(eventId).filter((entry) => entry.type === 'paymentStarted');
    expect(starts).toMatchObject([{ paymentId: started.paymentId }]);
    // Once that attempt failed, a new key starts a new attempt.
    const declined = await fetch(`${gw.httpUrl}${started.checkoutUrl}`, { method: 'POST', body: JSON.stringify({ decision: 'decline' }) });
    expect(await declined.json()).toMatchObject({ status: 'failed' });
    const fresh = await client.request({ t: 'pay', holdId: started.hold.holdId, key: 'pay-after-decline' });
    expect(fresh).toMatchObject({ t: 'paymentStarted', hold: { status: 'paymentPending' } });
    expect((fresh as PaymentStartedMessage).paymentId).not.toBe(started.paymentId);
  });
});

describe('confirming a purchase', () => {
  it('the demo checkout approves only once the engine recorded the purchase, and the fan is told', async () => {
    const { client, eventId, started } = await fanPaying('demo-buyer');
    const session = await (await fetch(`${gw.httpUrl}${started.checkoutUrl}`)).json();
    expect(session).toMatchObject({ provider: 'demo', paymentId: started.paymentId, amount: 5000, currency: 'EUR' });
    const response = await fetch(`${gw.httpUrl}${started.checkoutUrl}`, { method: 'POST', body: JSON.stringify({ decision: 'approve' }) });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'confirmed', paymentId: started.paymentId, decision: 'approve', hold: { status: 'purchased' } });
    // Nothing is left in the gateway's hands: the journal holds the purchase the moment the checkout says so.
    const purchased = gw.host.engine.journal.read(eventId).filter((entry) => entry.type === 'purchased');
    expect(purchased).toMatchObject([{ holdId: started.hold.holdId, paymentId: started.paymentId }]);
    expect(await client.next('purchased')).toMatchObject({ holdId: started.hold.holdId, paymentId: started.paymentId });
    // Deciding again (a page that did not hear the answer) is the same purchase.
    const again = await fetch(`${gw.httpUrl}${started.checkoutUrl}`, { method: 'POST', body: JSON.stringify({ decision: 'approve' }) });
    expect(await again.json()).toMatchObject({ status: 'confirmed', hold: { status: 'purchased' } });
    expect(gw.host.engine.event(eventId).status().tickets.sold).toBe(1);
  });

  it('a declined demo payment gives the hold back with its window', async () => {
    const { client, started } = await fanPaying('demo-decliner');
    const response = await fetch(`${gw.httpUrl}${started.checkoutUrl}`, { method: 'POST', body: JSON.stringify({ decision: 'decline' }) });
    expect(await response.json()).toMatchObject({ status: 'failed', decision: 'decline', hold: { status: 'held' } });
    const failed = await client.next('paymentFailed');
    expect(failed).toMatchObject({ holdId: started.hold.holdId, paymentId: started.paymentId, reason: 'card declined (demo)' });
  });

  it('a webhook with a valid signature confirms; the same webhook again is idempotent', async () => {
    const { client, eventId, started } = await fanPaying('webhook-buyer');
    const body = webhookBody(started);
    const signature = signWebhook(WEBHOOK_SECRET, Buffer.from(body), Date.now());
    const first = await postWebhook(body, signature);
    expect(first).toMatchObject({ status: 200, body: { status: 'confirmed', hold: { status: 'purchased' } } });
    const second = await postWebhook(body, signature);
    expect(second).toMatchObject({ status: 200, body: { status: 'confirmed', hold: { status: 'purchased' } } });
    await client.next('purchased');
    expect(gw.host.engine.event(eventId).status().tickets.sold).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(client.all('purchased')).toHaveLength(1);
  });

  it('refuses a correctly signed success whose amount or currency is not the hold\'s price: the attempt fails and its money is refunded once, journaled', async () => {
    const { client, eventId, started } = await fanPaying('underpayer');
    const before = gw.host.engine.journal.read(eventId).length;
    const wrong = [{ amount: 1, currency: 'XXX' }, { amount: 1, currency: 'EUR' }, { amount: 5000, currency: 'USD' }];
    for (const [i, money] of wrong.entries()) {
      const body = JSON.stringify({ ...JSON.parse(webhookBody(started)), data: { ...JSON.parse(webhookBody(started)).data, ...money } });
      const refused = await postWebhook(body, signWebhook(WEBHOOK_SECRET, Buffer.from(body), Date.now()));
      // Refunded the first time; told again, the journal says it was.
      expect(refused).toMatchObject({
        status: 200,
        body: { status: 'refund', refunded: true, error: { code: 'PAYMENT_AMOUNT_MISMATCH', details: { holdId: started.hold.holdId, expected: { amount: 5000, currency: 'EUR' }, received: money, refund: i === 0 ? 'due' : 'refunded' } } },
      });
    }
    expect(gw.host.engine.journal.read(eventId).slice(before)).toMatchObject([
      { type: 'paymentFailed', paymentId: started.paymentId, failure: 'error' },
      { type: 'refundDue', paymentId: started.paymentId, reason: 'amountMismatch' },
      { type: 'refunded', paymentId: started.paymentId },
    ]);
    expect(gw.host.engine.event(eventId).status().tickets.sold).toBe(0);
    // Money on its way back buys nothing, even the right amount for it.
    const body = webhookBody(started);
    expect(await postWebhook(body, signWebhook(WEBHOOK_SECRET, Buffer.from(body), Date.now()))).toMatchObject({ status: 200, body: { status: 'refund', error: { code: 'PAYMENT_MISMATCH' } } });
    // The fan has the hold back and pays again.
    const again = await client.request({ t: 'pay', holdId: started.hold.holdId, key: 'pay-again' });
    if (again.t !== 'paymentStarted') throw new Error(JSON.stringify(again));
    const paid = webhookBody(again);
    expect(await postWebhook(paid, signWebhook(WEBHOOK_SECRET, Buffer.from(paid), Date.now()))).toMatchObject({ status: 200, body: { status: 'confirmed' } });
    const reconciled = await gw.api('GET', `/api/events/${eventId}/payments`);
    expect(reconciled.body.attempts.map((a: { paymentId: string; status: string; reason: string }) => [a.paymentId, a.status, a.reason])).toEqual([
      [started.paymentId, 'refunded', 'amountMismatch'],
      [again.paymentId, 'purchased', ''],
    ]);
  });

  it('rejects a webhook with a bad, missing or stale signature, and changes nothing', async () => {
    const { eventId, started } = await fanPaying('forger');
    const body = webhookBody(started);
    const wrongSecret = signWebhook('not-the-secret', Buffer.from(body), Date.now());
    expect(await postWebhook(body, wrongSecret)).toMatchObject({ status: 401, body: { code: 'WEBHOOK_SIGNATURE_INVALID', details: { reason: 'mismatch' } } });
    expect(await postWebhook(body, undefined)).toMatchObject({ status: 401, body: { details: { reason: 'missing' } } });
    const stale = signWebhook(WEBHOOK_SECRET, Buffer.from(body), Date.now() - 3600_000);
    expect(await postWebhook(body, stale)).toMatchObject({ status: 401, body: { details: { reason: 'timestamp' } } });
    // Signed over other content: the body was tampered with.
    const signedOther = signWebhook(WEBHOOK_SECRET, Buffer.from(`${body} `), Date.now());
    expect(await postWebhook(body, signedOther)).toMatchObject({ status: 401 });
    expect(gw.host.engine.event(eventId).status().tickets.sold).toBe(0);
  });

  it('a payment arriving after the hold expired is answered "refund"', async () => {
    const { eventId, started } = await fanPaying('too-late', { paymentPendingMaxMs: 10_000 });
    await gw.advance(11_000);
    const body = webhookBody(started);
    const late = await postWebhook(body, signWebhook(WEBHOOK_SECRET, Buffer.from(body), Date.now()));
    expect(late).toMatchObject({ status: 200, body: { status: 'refund', error: { code: 'HOLD_EXPIRED' } } });
    expect(gw.host.engine.event(eventId).status().tickets.sold).toBe(0);
  });

  it('the organizer checkout backend confirms with its API key, and only with it', async () => {
    const { client, eventId, started } = await fanPaying('backend-buyer');
    const payload = { holdId: started.hold.holdId, paymentId: started.paymentId };
    expect(await gw.api('POST', `/api/events/${eventId}/payments/confirm`, payload, 'wrong-key')).toMatchObject({ status: 401, body: { code: 'UNAUTHORIZED' } });
    const wrongPayment = await gw.api('POST', `/api/events/${eventId}/payments/confirm`, { ...payload, paymentId: 'pay_other' });
    expect(wrongPayment).toMatchObject({ status: 409, body: { code: 'PAYMENT_MISMATCH' } });
    expect(await gw.api('POST', `/api/events/${eventId}/payments/confirm`, payload)).toMatchObject({ status: 200, body: { hold: { status: 'purchased' } } });
    await client.next('purchased');
  });
});

describe('a fan can never confirm a purchase', () => {
  it('has no message for it, cannot forge a checkout session, and the hold stays payment-pending', async () => {
    const { client, eventId, started } = await fanPaying('cheater');
    for (const t of ['confirmPurchase', 'purchased', 'confirm']) {
      client.sendRaw(encodeValue({ t, rid: 77, eventId, holdId: started.hold.holdId, paymentId: started.paymentId }));
      expect(await client.reply(77)).toMatchObject({ t: 'error', code: 'UNKNOWN_MESSAGE_TYPE', details: { type: t } });
    }
    const url = started.checkoutUrl!;
    const forged = `${url.slice(0, -10)}${url.at(-10) === 'x' ? 'y' : 'x'}${url.slice(-9)}`;
    const response = await fetch(`${gw.httpUrl}${forged}`, { method: 'POST', body: '{"decision":"approve"}' });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ code: 'PAYMENT_SESSION_INVALID' });
    expect(gw.host.engine.event(eventId).holds.get(started.hold.holdId)!.status).toBe('paymentPending');
  });
});
