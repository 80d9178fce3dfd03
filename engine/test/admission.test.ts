import { describe, expect, it } from 'vitest';
import { admissionBudget, inventoryBound, TokenBucket, type AdmissionInputs } from '../src/event/admission.js';
import { EXPIRY_LOOKAHEAD_MS } from '../src/event/sale-event.js';
import { Driver, GRANT_TTL, MINUTE, ON_SALE_AT, PRE_QUEUE_AT, SECOND, SEED, gaConfig } from './fixtures.js';

const open: AdmissionInputs = {
  rateTokens: Infinity,
  paymentTokens: Infinity,
  maxActiveShoppers: undefined,
  activeShoppers: 0,
  freeTickets: 100,
  ticketsExpiringSoon: 0,
  openGrants: 0,
  maxTicketsPerFan: 4,
};

describe('admissionBudget', () => {
  it('is the least of rate, payment pace, shopper slots and inventory, in whole fans', () => {
    expect(admissionBudget(open)).toBe(25); // 100 tickets / 4 per fan
    expect(admissionBudget({ ...open, rateTokens: 3.7 })).toBe(3);
    expect(admissionBudget({ ...open, paymentTokens: 2 })).toBe(2);
    expect(admissionBudget({ ...open, maxActiveShoppers: 10, activeShoppers: 7 })).toBe(3);
    expect(admissionBudget({ ...open, freeTickets: 2 })).toBe(1);
    expect(admissionBudget({ ...open, rateTokens: 5, paymentTokens: 4, maxActiveShoppers: 10, activeShoppers: 7, freeTickets: 8 })).toBe(2);
  });

  it('is never negative', () => {
    expect(admissionBudget({ ...open, maxActiveShoppers: 10, activeShoppers: 12 })).toBe(0);
    expect(admissionBudget({ ...open, rateTokens: -1.5 })).toBe(0);
    expect(admissionBudget({ ...open, freeTickets: 4, openGrants: 3 })).toBe(0);
  });
});

describe('inventoryBound', () => {
  const bound = (freeTickets: number, more: Partial<AdmissionInputs> = {}) => inventoryBound({ ...open, freeTickets, ...more });

  it('counts each admitted fan at the per-fan limit, rounding up so the last tickets are still offered', () => {
    expect(bound(8)).toBe(2);
    expect(bound(9)).toBe(3);
    expect(bound(2)).toBe(1);
    expect(bound(1)).toBe(1);
    expect(bound(0)).toBe(0);
  });

  it('counts holds about to expire as supply and open grants as already promised', () => {
    expect(bound(0, { ticketsExpiringSoon: 5 })).toBe(2);
    expect(bound(10, { openGrants: 2 })).toBe(1);
    expect(bound(8, { openGrants: 2 })).toBe(0);
    expect(bound(5, { openGrants: 2, maxTicketsPerFan: 2 })).toBe(1);
  });
});

describe('TokenBucket', () => {
  it('fills by elapsed time and keeps at most two seconds of budget', () => {
    const bucket = new TokenBucket();
    bucket.refill(2, 1000);
    expect(bucket.tokens).toBe(2);
    bucket.refill(2, 500);
    expect(bucket.tokens).toBe(3);
    bucket.refill(2, 1000);
    expect(bucket.tokens).toBe(4);
    bucket.take(3);
    expect(bucket.tokens).toBe(1);
  });

  it('keeps one tick worth when ticks are further apart than two seconds, and at least one token of room', () => {
    const bucket = new TokenBucket();
    bucket.refill(2, 10_000);
    expect(bucket.tokens).toBe(20);
    bucket.refill(2, 10_000);
    expect(bucket.tokens).toBe(20);
    const slow = new TokenBucket();
    slow.refill(0.25, 1000);
    slow.refill(0.25, 1000);
    slow.refill(0.25, 1000);
    slow.refill(0.25, 1000);
    slow.refill(0.25, 1000);
    expect(slow.tokens).toBe(1);
  });

  it('is unlimited without a rate, and starts from empty when a rate is set again', () => {
    const bucket = new TokenBucket();
    bucket.refill(Infinity, 1000);
    bucket.take(1_000_000);
    expect(bucket.tokens).toBe(Infinity);
    bucket.refill(2, 500);
    expect(bucket.tokens).toBe(1);
  });
});

/** Fans admitted by each `admitted` entry recorded from index `from` on. */
function batches(d: Driver, from = 0): string[][] {
  return d.entriesSince(from).flatMap((e) => (e.type === 'admitted' ? [e.fanIds] : []));
}

describe('admission on sale', () => {
  it('rate mode admits fansPerMinute / 60 fans a second, in queue order', () => {
    const d = new Driver(gaConfig({ admission: { mode: 'rate', fansPerMinute: 120 } }));
    d.at(PRE_QUEUE_AT);
    const fans = d.joinMany(9);
    d.startSale();
    d.advance(SECOND).advance(SECOND);
    expect(batches(d).map((b) => b.length)).toEqual([2, 2, 2]);
    d.advance(3 * SECOND); // a late tick gets that tick's worth
    expect(batches(d).map((b) => b.length)).toEqual([2, 2, 2, 3]);
    expect(batches(d).flat()).toEqual(d.drawOrder(fans));
  });

  it('concurrency mode admits into free shopper slots; a fan leaves a slot when the hold ends', () => {
    const d = new Driver(gaConfig({ admission: { mode: 'concurrency', maxActiveShoppers: 3 } }));
    d.startSale();
    d.joinMany(6);
    d.advance(SECOND);
    expect(batches(d)).toEqual([['fan1', 'fan2', 'fan3']]);

    const hold = d.holdTickets('fan1', 2); // still shopping while the hold is open
    d.advance(SECOND);
    expect(d.status()).toMatchObject({ activeShoppers: 3, admitted: 3 });

    d.startPayment('fan1', hold.holdId);
    d.confirm(hold.holdId);
    d.leave('fan2');
    d.advance(SECOND);
    expect(batches(d)).toEqual([['fan1', 'fan2', 'fan3'], ['fan4', 'fan5']]);
  });

  it('never admits more fans than the inventory can serve at the per-fan limit: 2 tickets left, limit 4, one fan', () => {
    const d = new Driver(gaConfig({ quantity: 2 }));
    d.startSale();
    d.joinMany(5);
    d.advance(SECOND).advance(SECOND);
    expect(batches(d)).toEqual([['fan1']]);

    const ten = new Driver(gaConfig({ quantity: 10 }));
    ten.startSale();
    ten.joinMany(5);
    ten.advance(SECOND);
    expect(batches(ten)).toEqual([['fan1', 'fan2', 'fan3']]);
  });

  it('paces admission to the payment capacity', () => {
    const d = new Driver(gaConfig({ admission: { mode: 'auto', paymentCapacityPerSec: 1 } }));
    d.at(PRE_QUEUE_AT);
    d.joinMany(4);
    d.startSale();
    d.advance(SECOND).advance(SECOND);
    expect(batches(d).map((b) => b.length)).toEqual([1, 1, 1]);
  });

  it('counts tickets in holds about to expire (within EXPIRY_LOOKAHEAD_MS) as supply', () => {
    const d = new Driver(gaConfig({ quantity: 4 }));
    d.startSale();
    d.joinMany(2);
    d.advance(SECOND);
    const hold = d.holdTickets('fan1', 4);

    d.at(hold.expiresAt - EXPIRY_LOOKAHEAD_MS - 1);
    expect(batches(d)).toEqual([['fan1']]);
    d.at(hold.expiresAt - EXPIRY_LOOKAHEAD_MS);
    expect(batches(d)).toEqual([['fan1'], ['fan2']]);
    expect(d.status().tickets).toEqual({ free: 0, held: 4, sold: 0 });
  });

  it('a payment in flight is not counted as supply', () => {
    const d = new Driver(gaConfig({ quantity: 8 }));
    d.startSale();
    d.joinMany(4);
    d.advance(SECOND);
    const a = d.holdTickets('fan1', 4);
    d.holdTickets('fan2', 4);
    d.startPayment('fan1', a.holdId);
    d.at(a.expiresAt - EXPIRY_LOOKAHEAD_MS + SECOND);
    // fan2's hold expires at the same time and is counted; fan1's payment is not.
    expect(batches(d)).toEqual([['fan1', 'fan2'], ['fan3']]);
  });

  it('tells sold out at once when nothing is free and no held hold remains', () => {
    const d = new Driver(gaConfig({ quantity: 6, maxTicketsPerFan: 3 }));
    d.startSale();
    d.joinMany(4);
    d.advance(SECOND); // 6 tickets at 3 a fan: two fans
    d.buy('fan1', 3);
    const hold = d.holdTickets('fan2', 3);
    expect(d.phase).toBe('onSale');

    d.advance(SECOND);
    const mark = d.journal.length;
    d.confirm(hold.holdId);
    expect(d.phase).toBe('soldOut');
    expect(d.entriesSince(mark)).toEqual([
      { type: 'purchased', at: ON_SALE_AT + 2 * SECOND, holdId: hold.holdId, paymentId: `pay-${hold.holdId}` },
      { type: 'soldOut', at: ON_SALE_AT + 2 * SECOND },
    ]);
    expect(d.status()).toMatchObject({ soldOutAt: ON_SALE_AT + 2 * SECOND, waiting: 2, tickets: { free: 0, held: 0, sold: 6 } });
    expect(d.join('fan3')).toMatchObject({ phase: 'soldOut', status: 'waiting' });
  });

  it('gives a released or expired hold exactly to the next fans', () => {
    const d = new Driver(gaConfig({ quantity: 8 }));
    d.startSale();
    d.joinMany(5);
    d.advance(SECOND);
    const a = d.holdTickets('fan1', 4);
    const b = d.holdTickets('fan2', 4);
    d.advance(SECOND);
    expect(batches(d)).toEqual([['fan1', 'fan2']]);

    d.release('fan1', a.holdId);
    d.advance(SECOND);
    expect(batches(d)).toEqual([['fan1', 'fan2'], ['fan3']]);
    d.advance(MINUTE);
    d.holdTickets('fan3', 4); // expires a minute after fan2's: outside the look-ahead then

    const mark = d.journal.length;
    d.at(b.expiresAt);
    expect(d.typesSince(mark)).toEqual(['expired', 'admitted']);
    expect(batches(d, mark)).toEqual([['fan4']]);
    expect(d.fanView('fan5')).toMatchObject({ status: 'waiting', position: 1 });
  });

  it('grants expire after grantTtlMs (GRANT_EXPIRED) and free the slot for the next fan', () => {
    const d = new Driver(gaConfig({ admission: { mode: 'concurrency', maxActiveShoppers: 1 } }));
    d.startSale();
    d.joinMany(2);
    d.advance(SECOND);
    const admittedAt = ON_SALE_AT + SECOND;
    expect(d.fanView('fan1').grant).toEqual({ grantId: 'g1', expiresAt: admittedAt + GRANT_TTL });

    d.at(admittedAt + GRANT_TTL - 1);
    expect(batches(d)).toEqual([['fan1']]);
    const mark = d.journal.length;
    d.at(admittedAt + GRANT_TTL);
    expect(d.entriesSince(mark)).toEqual([
      { type: 'grantExpired', at: admittedAt + GRANT_TTL, fanId: 'fan1', grantId: 'g1' },
      { type: 'admitted', at: admittedAt + GRANT_TTL, fanIds: ['fan2'], firstGrant: 2, grantExpiresAt: admittedAt + 2 * GRANT_TTL },
    ]);

    const err = d.rejects(() => d.hold('fan1', { kind: 'tickets', tierId: 'ga', quantity: 1 }, { grantId: 'g1' }), 'GRANT_EXPIRED');
    expect(err.details).toEqual({ grantId: 'g1', expiredAt: admittedAt + GRANT_TTL });
    expect(d.fanView('fan1')).toMatchObject({ status: 'admitted', grant: undefined });
  });

  it('a grant is expired from its deadline on, even before the tick that records it', () => {
    const d = new Driver();
    d.startSale();
    d.join('fan1');
    d.advance(SECOND);
    const grantId = d.grantOf('fan1');
    d.clock.advance(GRANT_TTL);
    d.rejects(() => d.hold('fan1', { kind: 'tickets', tierId: 'ga', quantity: 1 }, { grantId }), 'GRANT_EXPIRED');
    d.advance(MINUTE);
    expect(d.journal.at(-1)).toMatchObject({ type: 'grantExpired', fanId: 'fan1', grantId });
  });
});
