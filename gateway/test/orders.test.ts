/**
 * The organizer's orders against a real gateway: list and search (by fan,
 * seat, hold, payment id), CSV export, one order's history from the
 * journal, revenue per tier and category, and cancelling an order — its
 * tickets back on sale, the fan told, the refund made through the payment
 * provider (or left due for the organizer's own checkout), retried safely
 * when the provider refuses.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BreakwaterError, checkInvariants, type JournalEntry } from '../../engine/src/index.js';
import { OrderLedger, ordersCsv, type OrderView, type Pricing } from '../../engine/host/order-book.js';
import type { Checkout, PaymentOutcome, PaymentProvider, RefundRequest } from '../src/payments/provider.js';
import { signWebhook, SIGNATURE_HEADER } from '../../engine/host/notify/webhook-signature.js';
import type { PaymentStartedMessage } from '../src/protocol/index.js';
import { FanClient } from './helpers/fan-client.js';
import { API_KEY, eventually, startTestGateway, WEBHOOK_SECRET, type TestGateway } from './helpers/test-gateway.js';

let gw: TestGateway;
const clients: FanClient[] = [];

beforeAll(async () => {
  gw = await startTestGateway({ limits: { joinsPerIpPerSec: 1000, joinBurstPerIp: 1000 } });
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await gw.close();
});

/** GA tier "ga" (50.00) and one row of four seats: S-1-1, S-1-2 category A (80.00), S-1-3, S-1-4 category B (30.00). */
const SEATS = [{ id: 'S', name: 'Stalls', rows: [{ id: '1', seats: ['A', 'A', 'B', 'B'].map((category, i) => ({ label: String(i + 1), category, rank: i + 1 })) }] }];
const PRICES = { categoryPrices: { A: 8000, B: 3000 } };

async function saleOnNow(gateway = gw, settings: Record<string, unknown> = PRICES): Promise<string> {
  const eventId = await gateway.createEvent({ inventory: { tiers: [{ id: 'ga', name: 'Standing', price: 5000, quantity: 10 }], sections: SEATS } }, settings);
  await gateway.advance(60_000);
  return eventId;
}

/** A fan admitted and holding what it asks for. */
async function fanHolding(eventId: string, fanId: string, request: Record<string, unknown>, gateway = gw): Promise<{ client: FanClient; holdId: string }> {
  const client = await FanClient.connect(gateway.wsUrl);
  clients.push(client);
  await client.join(eventId, fanId);
  await gateway.advance(250);
  await client.next('admitted');
  const held = await client.request({ t: 'hold', grantId: null, request: request as never, key: `hold-${fanId}` });
  if (held.t !== 'held') throw new Error(JSON.stringify(held));
  return { client, holdId: held.hold.holdId };
}

/** The fan pays at the demo checkout and the provider's signed webhook confirms it. */
async function buy(eventId: string, fanId: string, request: Record<string, unknown>): Promise<{ client: FanClient; holdId: string; paymentId: string }> {
  const { client, holdId } = await fanHolding(eventId, fanId, request);
  const started = await client.request({ t: 'pay', holdId, key: `pay-${fanId}` }) as PaymentStartedMessage;
  const body = JSON.stringify({
    id: `evt_${fanId}`, type: 'payment.succeeded', created: Math.floor(Date.now() / 1000),
    data: { paymentId: started.paymentId, eventId, holdId, amount: started.hold.amount, currency: started.hold.currency },
  });
  const response = await fetch(`${gw.httpUrl}/webhooks/payments/demo`, {
    method: 'POST', headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signWebhook(WEBHOOK_SECRET, Buffer.from(body), Date.now()) }, body,
  });
  expect(response.status).toBe(200);
  await client.next('purchased');
  return { client, holdId, paymentId: started.paymentId };
}

const journalOf = (gateway: TestGateway, eventId: string): readonly JournalEntry[] => gateway.host.engine.journal.read(eventId);

describe('orders', () => {
  it('lists, searches and exports the orders, shows one with its history, and sums the revenue per tier and category', async () => {
    const eventId = await saleOnNow();
    const standing = await buy(eventId, 'fan-standing', { kind: 'tickets', tierId: 'ga', quantity: 3 });
    const seated = await buy(eventId, 'fan-seated', { kind: 'seats', seatIds: ['S-1-2', 'S-1-3'] });
    // The organizer's own checkout confirms a third order (no payment started by the fan).
    const { holdId: boxHold } = await fanHolding(eventId, 'fan-box', { kind: 'seats', seatIds: ['S-1-1'] });
    expect((await gw.api('POST', `/api/events/${eventId}/payments/confirm`, { holdId: boxHold, paymentId: 'box-office-1' })).status).toBe(200);

    const list = await gw.api('GET', `/api/events/${eventId}/orders`);
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ total: 3, offset: 0 });
    expect(list.body.orders.map((o: OrderView) => o.holdId)).toEqual([boxHold, seated.holdId, standing.holdId]);
    expect(list.body.orders[1]).toEqual({
      holdId: seated.holdId, fanId: 'fan-seated', paymentId: seated.paymentId, status: 'purchased', tierId: null,
      seatIds: ['S-1-2', 'S-1-3'], categories: ['A', 'B'], quantity: 2, amount: 11000, currency: 'EUR',
      purchasedAt: expect.any(Number), cancelledAt: null, cancelReason: null, refund: 'none', paidThrough: 'fan', channel: 'demo', providerPaymentId: null,
    });
    expect(list.body.orders[0]).toMatchObject({ paymentId: 'box-office-1', paidThrough: 'organizer', channel: null, amount: 8000 });

    const search = async (q: string, status = 'all') => (await gw.api('GET', `/api/events/${eventId}/orders?q=${encodeURIComponent(q)}&status=${status}`)).body.orders.map((o: OrderView) => o.holdId);
    expect(await search('fan-standing')).toEqual([standing.holdId]);
    expect(await search('S-1-3')).toEqual([seated.holdId]);
    expect(await search(seated.holdId)).toEqual([seated.holdId]);
    expect(await search('box-office-1')).toEqual([boxHold]);
    expect(await search('fan-')).toEqual([]); // exact matches only
    expect(await search('', 'cancelled')).toEqual([]);
    expect((await gw.api('GET', `/api/events/${eventId}/orders?limit=1&offset=1`)).body).toMatchObject({ total: 3, offset: 1, orders: [{ holdId: seated.holdId }] });
    expect((await gw.api('GET', `/api/events/${eventId}/orders?status=maybe`)).body).toMatchObject({ code: 'MALFORMED_COMMAND', details: { field: 'status' } });

    const csv = await fetch(`${gw.httpUrl}/api/events/${eventId}/orders?format=csv`, { headers: { authorization: `Bearer ${API_KEY}` } });
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.headers.get('x-orders-total')).toBe('3');
    const lines = (await csv.text()).trim().split('\n');
    expect(lines[0]).toBe('holdId,fanId,paymentId,status,tierId,seatIds,categories,quantity,amount,currency,purchasedAt,cancelledAt,cancelReason,refund,paidThrough');
    expect(lines[2]).toMatch(new RegExp(`^${seated.holdId},fan-seated,${seated.paymentId},purchased,,S-1-2 S-1-3,A B,2,11000,EUR,\\d{4}-\\d\\d-\\d\\dT[^,]+Z,,,none,fan$`));
    const second = await gw.api('GET', `/api/events/${eventId}/orders?format=csv&offset=2`);
    expect(second.body.trim().split('\n')).toEqual([expect.stringMatching(new RegExp(`^${standing.holdId},fan-standing,`))]);

    const detail = await gw.api('GET', `/api/events/${eventId}/orders/${seated.holdId}`);
    expect(detail.body.order.holdId).toBe(seated.holdId);
    expect(detail.body.history.map((e: JournalEntry) => e.type)).toEqual(['joined', 'admitted', 'held', 'paymentStarted', 'purchased']);
    expect((await gw.api('GET', `/api/events/${eventId}/orders/h999`))).toMatchObject({ status: 404, body: { code: 'HOLD_NOT_FOUND' } });

    expect((await gw.api('GET', `/api/events/${eventId}/revenue`)).body).toEqual({
      eventId, currency: 'EUR',
      tiers: [{ tierId: 'ga', name: 'Standing', tickets: 3, amount: 15000 }],
      categories: [{ category: 'A', tickets: 2, amount: 16000 }, { category: 'B', tickets: 1, amount: 3000 }],
      totals: { orders: 3, tickets: 6, amount: 34000, cancelledOrders: 0, cancelledTickets: 0, refunded: 0, refundDue: 0 },
    });
  });

  it('cancels an order with its refund: the demo provider refunds it, the seats go back on sale, the fan is told, the revenue follows', async () => {
    const eventId = await saleOnNow();
    const seated = await buy(eventId, 'fan-refunded', { kind: 'seats', seatIds: ['S-1-1', 'S-1-2'] });
    const cancelled = await gw.api('POST', `/api/events/${eventId}/orders/${seated.holdId}/cancel`, { refund: true, reason: 'Duplicate order' });
    expect(cancelled).toMatchObject({ status: 200, body: { order: { holdId: seated.holdId, status: 'cancelled', refund: 'refunded', cancelReason: 'Duplicate order', cancelledAt: expect.any(Number) } } });
    expect(journalOf(gw, eventId).slice(-3)).toMatchObject([
      { type: 'orderCancelled', holdId: seated.holdId, paymentId: seated.paymentId, reason: 'Duplicate order' },
      { type: 'refundDue', holdId: seated.holdId, paymentId: seated.paymentId, reason: 'orderCancelled' },
      { type: 'refunded', holdId: seated.holdId, paymentId: seated.paymentId },
    ]);
    expect(await seated.client.next('orderCancelled')).toEqual({ t: 'orderCancelled', eventId, holdId: seated.holdId, reason: 'Duplicate order' });
    const { body: info } = await gw.api('GET', `/api/public/events/${eventId}`);
    expect(info.sections[0].rows[0].seats.slice(0, 2).map((seat: { status: string }) => seat.status)).toEqual(['free', 'free']);
    // The payments reconciliation says the same.
    expect((await gw.api('GET', `/api/events/${eventId}/payments`)).body.attempts).toMatchObject([{ paymentId: seated.paymentId, status: 'refunded', reason: 'orderCancelled' }]);
    expect((await gw.api('GET', `/api/events/${eventId}/revenue`)).body.totals).toEqual({ orders: 0, tickets: 0, amount: 0, cancelledOrders: 1, cancelledTickets: 2, refunded: 16000, refundDue: 0 });
    // Sent again: the same answer, nothing more recorded.
    const length = journalOf(gw, eventId).length;
    expect((await gw.api('POST', `/api/events/${eventId}/orders/${seated.holdId}/cancel`, { refund: true })).body.order).toMatchObject({ status: 'cancelled', refund: 'refunded' });
    expect(journalOf(gw, eventId)).toHaveLength(length);
    expect(checkInvariants(journalOf(gw, eventId))).toEqual([]);

    // The engine process keeps the orders entry by entry once asked: from any point on, that is reading the whole journal.
    const journal = journalOf(gw, eventId);
    const pricing: Pricing = (allocation) => ({ amount: allocation.quantity, currency: 'EUR', categories: [] });
    const whole = OrderLedger.of(journal).orders(pricing);
    expect(whole).toMatchObject([{ holdId: seated.holdId, status: 'cancelled', refund: 'refunded' }]);
    for (let cut = 0; cut <= journal.length; cut++) {
      const ledger = OrderLedger.of(journal.slice(0, cut));
      for (const entry of journal.slice(cut)) ledger.apply(entry);
      expect(ledger.orders(pricing), `built at entry ${cut}`).toEqual(whole);
    }
  });

  it('leaves the refund of an order the organizer\'s checkout confirmed due, and refuses what is not an order', async () => {
    const eventId = await saleOnNow();
    const { holdId } = await fanHolding(eventId, 'fan-box', { kind: 'tickets', tierId: 'ga', quantity: 1 });
    await gw.api('POST', `/api/events/${eventId}/payments/confirm`, { holdId, paymentId: 'box-2' });
    expect((await gw.api('POST', `/api/events/${eventId}/orders/${holdId}/cancel`, { refund: true })).body.order).toMatchObject({ status: 'cancelled', refund: 'due', paidThrough: 'organizer' });
    expect((await gw.api('GET', `/api/events/${eventId}/revenue`)).body.totals).toMatchObject({ refundDue: 5000, refunded: 0 });

    const { holdId: held } = await fanHolding(eventId, 'fan-holding', { kind: 'tickets', tierId: 'ga', quantity: 1 });
    expect(await gw.api('POST', `/api/events/${eventId}/orders/${held}/cancel`, { refund: true })).toMatchObject({ status: 409, body: { code: 'ORDER_NOT_CANCELLABLE', details: { status: 'held' } } });
    expect(await gw.api('POST', `/api/events/${eventId}/orders/h999/cancel`, { refund: false })).toMatchObject({ status: 404, body: { code: 'HOLD_NOT_FOUND' } });
    expect(await gw.api('POST', `/api/events/${eventId}/orders/${held}/cancel`, { refund: 'yes' })).toMatchObject({ status: 400, body: { details: { field: 'refund' } } });
    expect((await gw.api('GET', `/api/events/${eventId}/orders`, undefined, 'wrong-key')).status).toBe(401);
  });
});

/** A provider whose refunds fail until told otherwise; its webhooks are trusted (a test double, not a real signature). */
class FlakyRefunds implements PaymentProvider {
  readonly signatureHeader = 'x-flaky';
  refundsAsked: RefundRequest[] = [];

  constructor(readonly name = 'flaky', public failing = true) {}

  async createCheckout(): Promise<Checkout> {
    return { provider: this.name, checkoutUrl: null };
  }

  parseWebhook(rawBody: Uint8Array): PaymentOutcome {
    const data = JSON.parse(Buffer.from(rawBody).toString('utf8'));
    return { notificationId: 'n', outcome: 'succeeded', reason: '', ...data };
  }

  async refund(request: RefundRequest): Promise<void> {
    this.refundsAsked.push(request);
    if (this.failing) throw new BreakwaterError('PAYMENT_PROVIDER_ERROR', 'the provider is down');
  }
}

describe('a refund the provider refuses', () => {
  it('is REFUND_FAILED: the order stays cancelled and its refund due; the same cancel asks again and refunds once', async () => {
    const flaky = new FlakyRefunds();
    const other = await startTestGateway({ checkoutProvider: flaky, limits: { joinsPerIpPerSec: 1000, joinBurstPerIp: 1000 } });
    try {
      const eventId = await saleOnNow(other, { payments: { channels: [] } });
      const { client, holdId } = await fanHolding(eventId, 'fan-flaky', { kind: 'tickets', tierId: 'ga', quantity: 2 }, other);
      const started = await client.request({ t: 'pay', holdId, key: 'pay' }) as PaymentStartedMessage;
      expect(started.provider).toBe('flaky');
      const webhook = await fetch(`${other.httpUrl}/webhooks/payments/flaky`, {
        method: 'POST', headers: { 'x-flaky': 'trusted' },
        body: JSON.stringify({ eventId, holdId, paymentId: started.paymentId, amount: 10000, currency: 'EUR' }),
      });
      expect(webhook.status).toBe(200);

      const failed = await other.api('POST', `/api/events/${eventId}/orders/${holdId}/cancel`, { refund: true, reason: 'show cancelled' });
      expect(failed).toMatchObject({ status: 502, body: { code: 'REFUND_FAILED', details: { provider: 'flaky', holdId, paymentId: started.paymentId } } });
      expect((await other.api('GET', `/api/events/${eventId}/orders/${holdId}`)).body.order).toMatchObject({ status: 'cancelled', refund: 'due' });
      expect(other.host.engine.event(eventId).status().tickets).toMatchObject({ sold: 0 });

      flaky.failing = false;
      const retried = await other.api('POST', `/api/events/${eventId}/orders/${holdId}/cancel`, { refund: true });
      expect(retried).toMatchObject({ status: 200, body: { order: { refund: 'refunded' } } });
      expect(flaky.refundsAsked).toEqual([
        { eventId, holdId, paymentId: started.paymentId, amount: 10000, currency: 'EUR' },
        { eventId, holdId, paymentId: started.paymentId, amount: 10000, currency: 'EUR' },
      ]);
      expect(journalOf(other, eventId).filter((e) => e.type === 'refunded')).toHaveLength(1);
      expect(checkInvariants(journalOf(other, eventId))).toEqual([]);
      await client.close();
    } finally {
      await other.close();
    }
  });
});

describe('a refund of an event with several channels', () => {
  it('goes back through the channel that took the payment, not the event\'s first', async () => {
    const [card, wallet] = [new FlakyRefunds('card', false), new FlakyRefunds('wallet', false)];
    const other = await startTestGateway({ providers: [card, wallet], limits: { joinsPerIpPerSec: 1000, joinBurstPerIp: 1000 } });
    try {
      const eventId = await saleOnNow(other, { payments: { channels: ['card', 'wallet'] } });
      const { client, holdId } = await fanHolding(eventId, 'fan-wallet', { kind: 'tickets', tierId: 'ga', quantity: 1 }, other);
      const started = await client.request({ t: 'pay', holdId, key: 'pay', channel: 'wallet' }) as PaymentStartedMessage;
      expect(started).toMatchObject({ t: 'paymentStarted', provider: 'wallet' });
      const webhook = await fetch(`${other.httpUrl}/webhooks/payments/wallet`, {
        method: 'POST', headers: { 'x-flaky': 'trusted' },
        body: JSON.stringify({ eventId, holdId, paymentId: started.paymentId, amount: 5000, currency: 'EUR' }),
      });
      expect(webhook.status).toBe(200);
      expect((await other.api('GET', `/api/events/${eventId}/orders/${holdId}`)).body.order).toMatchObject({ channel: 'wallet', paidThrough: 'fan' });

      const cancelled = await other.api('POST', `/api/events/${eventId}/orders/${holdId}/cancel`, { refund: true, reason: 'show moved' });
      expect(cancelled).toMatchObject({ status: 200, body: { order: { status: 'cancelled', refund: 'refunded', channel: 'wallet' } } });
      expect(wallet.refundsAsked).toEqual([{ eventId, holdId, paymentId: started.paymentId, amount: 5000, currency: 'EUR' }]);
      expect(card.refundsAsked).toEqual([]);
      await client.close();
    } finally {
      await other.close();
    }
  });
});

describe('the orders CSV', () => {
  it('quotes a cell a spreadsheet would run as a formula, and a field with a separator', () => {
    const order: OrderView = {
      holdId: 'h1', fanId: '=HYPERLINK("http://x")', paymentId: '+1', status: 'cancelled', tierId: null, seatIds: ['S-1-1'], categories: ['A'],
      quantity: 1, amount: 100, currency: 'EUR', purchasedAt: Date.UTC(2030, 0, 1), cancelledAt: Date.UTC(2030, 0, 2), cancelReason: '@once, twice',
      refund: 'refunded', paidThrough: 'fan', channel: 'demo', providerPaymentId: null,
    };
    expect(ordersCsv([order]).split('\n')[1]).toBe(
      'h1,"\'=HYPERLINK(""http://x"")",\'+1,cancelled,,S-1-1,A,1,100,EUR,2030-01-01T00:00:00.000Z,2030-01-02T00:00:00.000Z,"\'@once, twice",refunded,fan',
    );
    expect(ordersCsv([order], false).split('\n')).toHaveLength(2);
  });
});

describe('messages to the queue, pausing before the sale, and what is locked', () => {
  it('an announcement reaches every fan at once, is in the public info, and a fan joining later gets the current one', async () => {
    const eventId = await gw.createEvent();
    const early = await FanClient.connect(gw.wsUrl);
    clients.push(early);
    expect((await early.join(eventId, 'early')).announcement).toBeNull();
    const posted = await gw.api('POST', `/api/events/${eventId}/announcement`, { text: 'Doors open at 19:30' });
    expect(posted).toMatchObject({ status: 200, body: { announcement: { text: 'Doors open at 19:30', at: expect.any(Number) } } });
    expect(await early.next('announcement')).toMatchObject({ eventId, text: 'Doors open at 19:30' });
    await eventually(async () => expect((await gw.api('GET', `/api/public/events/${eventId}`)).body.announcement).toMatchObject({ text: 'Doors open at 19:30' }));
    const late = await FanClient.connect(gw.wsUrl);
    clients.push(late);
    expect((await late.join(eventId, 'late')).announcement).toBe('Doors open at 19:30');
    await gw.api('POST', `/api/events/${eventId}/announcement`, { text: '' });
    expect(await early.next('announcement')).toMatchObject({ text: '' });
    expect(await gw.api('POST', `/api/events/${eventId}/announcement`, { text: 'x'.repeat(501) })).toMatchObject({ status: 400, body: { code: 'MALFORMED_COMMAND', details: { field: 'text' } } });
  });

  it('a pause before the on-sale is shown to fans and starts the sale paused; the event lists its locks', async () => {
    const eventId = await gw.createEvent();
    const paused = await gw.api('POST', `/api/events/${eventId}/pause`);
    expect(paused.body.status).toMatchObject({ phase: 'preQueue', pausedBeforeSale: true });
    await eventually(async () => expect((await gw.api('GET', `/api/public/events/${eventId}`)).body.pausedBeforeSale).toBe(true));
    expect(paused.body.locks).toContainEqual({ field: 'preQueueOpensAt', reason: 'cannot change once the pre-queue has opened' });
    expect(paused.body.locks.map((lock: { field: string }) => lock.field)).not.toContain('onSaleAt');
    await gw.advance(60_000);
    const { body } = await gw.api('GET', `/api/events/${eventId}`);
    expect(body.status.phase).toBe('paused');
    expect(body.locks.map((lock: { field: string }) => lock.field)).toContain('onSaleAt');
  });
});
