/**
 * Exactly one charge per hold, against a real gateway: a success the hold
 * cannot take is journaled as a refund due, refunded by the demo adapter and
 * journaled as refunded, once however often the provider says it; the
 * reconciliation explains every attempt, in JSON and in CSV.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkInvariants, type JournalEntry } from '../../engine/src/index.js';
import { signWebhook, SIGNATURE_HEADER } from '../../engine/host/notify/webhook-signature.js';
import type { PaymentStartedMessage } from '../src/protocol/index.js';
import { FanClient } from './helpers/fan-client.js';
import { API_KEY, startTestGateway, WEBHOOK_SECRET, type TestGateway } from './helpers/test-gateway.js';

let gw: TestGateway;
const clients: FanClient[] = [];

beforeAll(async () => {
  gw = await startTestGateway({ limits: { joinsPerIpPerSec: 1000, joinBurstPerIp: 1000 } });
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await gw.close();
});

/** A fan of the event holding one ticket. */
async function fanHolding(eventId: string, fanId: string): Promise<{ client: FanClient; holdId: string }> {
  const client = await FanClient.connect(gw.wsUrl);
  clients.push(client);
  await client.join(eventId, fanId);
  await gw.advance(250);
  await client.next('admitted');
  const held = await client.request({ t: 'hold', grantId: null, request: { kind: 'tickets', tierId: 'ga', quantity: 1 }, key: 'hold' });
  if (held.t !== 'held') throw new Error(JSON.stringify(held));
  return { client, holdId: held.hold.holdId };
}

async function pay(client: FanClient, holdId: string, key: string): Promise<PaymentStartedMessage> {
  const started = await client.request({ t: 'pay', holdId, key });
  if (started.t !== 'paymentStarted') throw new Error(JSON.stringify(started));
  return started;
}

/** The demo provider's signed notification of an outcome, as it would send it. */
async function notify(started: PaymentStartedMessage, type: 'payment.succeeded' | 'payment.failed'): Promise<{ status: number; body: any }> {
  const body = JSON.stringify({
    id: `evt_${Math.random()}`, type, created: Math.floor(Date.now() / 1000),
    data: { paymentId: started.paymentId, eventId: started.eventId, holdId: started.hold.holdId, amount: started.hold.amount, currency: started.hold.currency },
  });
  const response = await fetch(`${gw.httpUrl}/webhooks/payments/demo`, {
    method: 'POST', headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signWebhook(WEBHOOK_SECRET, Buffer.from(body), Date.now()) }, body,
  });
  return { status: response.status, body: await response.json() };
}

const journalOf = (eventId: string): readonly JournalEntry[] => gw.host.engine.journal.read(eventId);
const refundEntries = (eventId: string) => journalOf(eventId).filter((e) => e.type === 'refundDue' || e.type === 'refunded');

describe('a success the hold cannot take is refunded', () => {
  it('a late success for an expired hold: refundDue, refunded by the demo adapter, once however often it arrives', async () => {
    const eventId = await gw.createEvent({ paymentPendingMaxMs: 10_000 });
    await gw.advance(60_000);
    const { client, holdId } = await fanHolding(eventId, 'too-late');
    const started = await pay(client, holdId, 'pay');
    await gw.advance(11_000);
    // The second delivery finds the refund done: the same answer, nothing recorded or refunded again.
    for (const refund of ['due', 'refunded']) {
      expect(await notify(started, 'payment.succeeded')).toMatchObject({ status: 200, body: { status: 'refund', refunded: true, error: { code: 'HOLD_EXPIRED', details: { refund } } } });
    }
    expect(refundEntries(eventId)).toMatchObject([
      { type: 'refundDue', holdId, paymentId: started.paymentId, reason: 'holdEnded' },
      { type: 'refunded', holdId, paymentId: started.paymentId },
    ]);
    expect(gw.host.engine.event(eventId).status().tickets.sold).toBe(0);
    const { body } = await gw.api('GET', `/api/events/${eventId}/payments`);
    expect(body.attempts).toEqual([{
      paymentId: started.paymentId, holdId, status: 'refunded', reason: 'holdEnded', amount: 5000, currency: 'EUR',
      startedAt: expect.any(Number), settledAt: expect.any(Number),
    }]);
    expect(checkInvariants(journalOf(eventId))).toEqual([]);
  });

  it('a second success for a hold bought with another payment: refundDue alreadyPaid, refunded; the purchase stands', async () => {
    const eventId = await gw.createEvent();
    await gw.advance(60_000);
    const { client, holdId } = await fanHolding(eventId, 'paid-twice');
    const first = await pay(client, holdId, 'first');
    expect(await notify(first, 'payment.failed')).toMatchObject({ status: 200, body: { status: 'failed' } });
    const second = await pay(client, holdId, 'second');
    expect(second.paymentId).not.toBe(first.paymentId);
    const approved = await fetch(`${gw.httpUrl}${second.checkoutUrl}`, { method: 'POST', body: JSON.stringify({ decision: 'approve' }) });
    expect(await approved.json()).toMatchObject({ status: 'confirmed', hold: { status: 'purchased' } });
    // The provider reported the first payment failed, then captured it after all.
    expect(await notify(first, 'payment.succeeded')).toMatchObject({ status: 200, body: { status: 'refund', refunded: true, error: { code: 'PAYMENT_MISMATCH' } } });
    expect(refundEntries(eventId)).toMatchObject([
      { type: 'refundDue', holdId, paymentId: first.paymentId, reason: 'alreadyPaid' },
      { type: 'refunded', holdId, paymentId: first.paymentId },
    ]);
    expect(gw.host.engine.event(eventId).holds.get(holdId)).toMatchObject({ status: 'purchased', paymentId: second.paymentId });
    const { body } = await gw.api('GET', `/api/events/${eventId}/payments`);
    expect(body.attempts.map((a: { paymentId: string; status: string; reason: string }) => [a.paymentId, a.status, a.reason])).toEqual([
      [first.paymentId, 'refunded', 'alreadyPaid'],
      [second.paymentId, 'purchased', ''],
    ]);
    expect(checkInvariants(journalOf(eventId))).toEqual([]);
  });
});

describe("the organizer's own checkout backend", () => {
  it('confirms a late success, is told to refund it, reports the refund done, and reconciliation says refunded', async () => {
    const eventId = await gw.createEvent();
    await gw.advance(60_000);
    const { client, holdId } = await fanHolding(eventId, 'own-checkout');
    const started = await pay(client, holdId, 'pay');
    await gw.advance(120_000); // past paymentPendingMaxMs: the hold expires before the backend's charge lands
    const confirm = await gw.api('POST', `/api/events/${eventId}/payments/confirm`, { holdId, paymentId: started.paymentId });
    expect(confirm).toMatchObject({ status: 410, body: { code: 'HOLD_EXPIRED', details: { refund: 'due' } } });
    const before = await gw.api('GET', `/api/events/${eventId}/payments`);
    expect(before.body.attempts).toMatchObject([{ paymentId: started.paymentId, status: 'refundDue', reason: 'holdEnded' }]);

    const reported = await gw.api('POST', `/api/events/${eventId}/payments/refunded`, { holdId, paymentId: started.paymentId });
    expect(reported).toEqual({ status: 200, body: { holdId, paymentId: started.paymentId, refund: 'refunded', reason: 'holdEnded' } });
    // Reported again (a retry of the backend): the same answer, nothing more journaled.
    const journaled = journalOf(eventId).length;
    expect(await gw.api('POST', `/api/events/${eventId}/payments/refunded`, { holdId, paymentId: started.paymentId })).toMatchObject({ status: 200, body: { refund: 'refunded' } });
    expect(journalOf(eventId)).toHaveLength(journaled);
    expect(refundEntries(eventId)).toMatchObject([
      { type: 'refundDue', holdId, paymentId: started.paymentId, reason: 'holdEnded' },
      { type: 'refunded', holdId, paymentId: started.paymentId },
    ]);
    const after = await gw.api('GET', `/api/events/${eventId}/payments`);
    expect(after.body.attempts).toMatchObject([{ paymentId: started.paymentId, status: 'refunded', reason: 'holdEnded' }]);
    expect(after.body.totals).toMatchObject({ refundDue: 0, refunded: 1 });
    expect(checkInvariants(journalOf(eventId))).toEqual([]);
  });

  it('cannot report a refund no success made due: REFUND_NOT_DUE, and it needs the organizer key', async () => {
    const eventId = await gw.createEvent();
    await gw.advance(60_000);
    const { client, holdId } = await fanHolding(eventId, 'not-due');
    const started = await pay(client, holdId, 'pay');
    const before = journalOf(eventId).length;
    expect(await gw.api('POST', `/api/events/${eventId}/payments/refunded`, { holdId, paymentId: started.paymentId })).toMatchObject({
      status: 409, body: { code: 'REFUND_NOT_DUE', details: { holdId, paymentId: started.paymentId } },
    });
    expect(await gw.api('POST', `/api/events/${eventId}/payments/refunded`, { holdId, paymentId: started.paymentId }, 'wrong-key')).toMatchObject({ status: 401 });
    expect(await gw.api('POST', `/api/events/${eventId}/payments/refunded`, { holdId })).toMatchObject({ status: 400, body: { code: 'MALFORMED_COMMAND', details: { field: 'paymentId' } } });
    expect(journalOf(eventId)).toHaveLength(before);
  });
});

describe('GET /api/events/{id}/payments', () => {
  it('reconciles every attempt — purchased, declined, failed, refunded, pending — and the CSV has one row per attempt', async () => {
    const eventId = await gw.createEvent({ paymentPendingMaxMs: 10_000 });
    await gw.advance(60_000);
    const buyer = await fanHolding(eventId, 'buyer');
    const declined = await fanHolding(eventId, 'decliner');
    const lapsed = await fanHolding(eventId, 'lapser');
    const late = await fanHolding(eventId, 'late-payer');
    const bought = await pay(buyer.client, buyer.holdId, 'pay');
    const refused = await pay(declined.client, declined.holdId, 'pay');
    const timedOut = await pay(lapsed.client, lapsed.holdId, 'pay');
    const lateOne = await pay(late.client, late.holdId, 'pay');
    await notify(bought, 'payment.succeeded');
    await notify(refused, 'payment.failed');
    await gw.advance(11_000);
    await notify(lateOne, 'payment.succeeded');
    const waiting = await fanHolding(eventId, 'still-paying');
    const pending = await pay(waiting.client, waiting.holdId, 'pay');

    const { status, body } = await gw.api('GET', `/api/events/${eventId}/payments`);
    expect(status).toBe(200);
    const statusOf = Object.fromEntries(body.attempts.map((a: { paymentId: string; status: string }) => [a.paymentId, a.status]));
    expect(statusOf).toEqual({
      [bought.paymentId]: 'purchased', [refused.paymentId]: 'declined', [timedOut.paymentId]: 'failed',
      [lateOne.paymentId]: 'refunded', [pending.paymentId]: 'pending',
    });
    expect(body.totals).toEqual({ attempts: 5, purchased: 1, declined: 1, failed: 1, refundDue: 0, refunded: 1, pending: 1 });
    // Every payment id the journal names is explained.
    const named = new Set(journalOf(eventId).flatMap((e) => ('paymentId' in e ? [e.paymentId] : [])));
    expect(new Set(Object.keys(statusOf))).toEqual(named);

    const csv = await fetch(`${gw.httpUrl}/api/events/${eventId}/payments?format=csv`, { headers: { authorization: `Bearer ${API_KEY}` } });
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const [header, ...rows] = (await csv.text()).trimEnd().split('\n');
    expect(header).toBe('paymentId,holdId,status,reason,amount,currency,startedAt,settledAt');
    expect(rows).toHaveLength(5);
    expect(rows.map((row) => row.split(',').slice(0, 3))).toEqual(body.attempts.map((a: { paymentId: string; holdId: string; status: string }) => [a.paymentId, a.holdId, a.status]));
    expect(rows.find((row) => row.startsWith(`${refused.paymentId},`))).toMatch(/,declined,payment failed,5000,EUR,\d{4}-/);
  });

  it('needs the organizer key and a known format', async () => {
    const eventId = await gw.createEvent();
    expect(await gw.api('GET', `/api/events/${eventId}/payments`, undefined, 'wrong-key')).toMatchObject({ status: 401, body: { code: 'UNAUTHORIZED' } });
    expect(await gw.api('GET', `/api/events/${eventId}/payments?format=xml`)).toMatchObject({ status: 400, body: { code: 'MALFORMED_COMMAND', details: { field: 'format' } } });
    expect(await gw.api('GET', '/api/events/no-such-event/payments')).toMatchObject({ status: 404, body: { code: 'EVENT_NOT_FOUND' } });
  });
});
