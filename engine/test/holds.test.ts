import { describe, expect, it } from 'vitest';
import { checkInvariants } from '../src/invariants.js';
import {
  Driver, EXTENSION, MINUTE, ON_SALE_AT, PAYMENT_WINDOW, PENDING_MAX, SECOND, errorOf, gaConfig, seatingConfig,
} from './fixtures.js';

/** On sale, with `fans` fans joined after the start and admitted at ON_SALE_AT + 1 s. */
function admitted(d: Driver, fans = 1): Driver {
  d.startSale();
  d.joinMany(fans);
  d.advance(SECOND);
  return d;
}
const T1 = ON_SALE_AT + SECOND;

describe('three kinds of hold', () => {
  it('holds GA tickets of a tier for the payment window', () => {
    const d = admitted(new Driver());
    const mark = d.journal.length;
    const hold = d.hold('fan1', { kind: 'tickets', tierId: 'ga', quantity: 3 }, { key: 'k1' });
    expect(hold).toEqual({ holdId: 'h1', fanId: 'fan1', status: 'held', tierId: 'ga', quantity: 3, expiresAt: T1 + PAYMENT_WINDOW, extended: false });
    expect(d.entriesSince(mark)).toEqual([{
      type: 'held', at: T1, fanId: 'fan1', holdId: 'h1', grantId: 'g1', key: 'k1',
      fingerprint: 'hold:g1:tickets:ga:3',
      allocation: { tierId: 'ga', quantity: 3 }, expiresAt: T1 + PAYMENT_WINDOW,
    }]);
    expect(d.status()).toMatchObject({ tickets: { free: 97, held: 3, sold: 0 }, holds: { active: 1, paymentPending: 0, expired: 0, released: 0 }, openGrants: 0 });
    expect(d.fanView('fan1').holds).toEqual([hold]);
  });

  it('holds named seats', () => {
    const d = admitted(new Driver(seatingConfig()), 2);
    const hold = d.hold('fan1', { kind: 'seats', seatIds: ['S-2-1', 'S-2-2'] });
    expect(hold).toMatchObject({ holdId: 'h1', seatIds: ['S-2-1', 'S-2-2'], quantity: 2, status: 'held' });
    expect(hold.tierId).toBeUndefined();
    expect(['S-2-1', 'S-2-2', 'S-2-3'].map((s) => d.sale.inventory.seats.status(s))).toEqual(['held', 'held', 'free']);

    const err = d.rejects(() => d.hold('fan2', { kind: 'seats', seatIds: ['S-2-3', 'S-2-2'] }), 'SEAT_TAKEN');
    expect(err.details).toEqual({ seatId: 'S-2-2' });
  });

  it('holds the best available seats of a category: side by side, without stranding a lone seat', () => {
    const d = admitted(new Driver(seatingConfig()), 3);
    expect(d.hold('fan1', { kind: 'best', category: 'A', quantity: 2 }).seatIds).toEqual(['S-1-3', 'S-1-4']);
    expect(d.hold('fan2', { kind: 'best', category: 'A', quantity: 2 }).seatIds).toEqual(['S-1-1', 'S-1-2']);
    expect(d.hold('fan3', { kind: 'best', category: 'B', quantity: 3 }).seatIds).toEqual(['S-3-1', 'S-3-2', 'S-3-3']);
    expect(d.status().tickets).toEqual({ free: 9, held: 7, sold: 0 });
  });
});

describe('extension', () => {
  it('extends a hold once by holdExtensionMs; a second extension is EXTENSION_NOT_ALLOWED', () => {
    const d = admitted(new Driver());
    const hold = d.holdTickets('fan1', 2);
    d.advance(MINUTE);
    const extended = d.extend('fan1', hold.holdId, 'x1');
    expect(extended).toEqual({ ...hold, expiresAt: T1 + PAYMENT_WINDOW + EXTENSION, extended: true });
    expect(d.journal.at(-1)).toEqual({ type: 'extended', at: T1 + MINUTE, holdId: 'h1', key: 'x1', expiresAt: T1 + PAYMENT_WINDOW + EXTENSION });

    const err = d.rejects(() => d.extend('fan1', hold.holdId), 'EXTENSION_NOT_ALLOWED');
    expect(err.message).toBe('this hold was already extended');

    d.at(T1 + PAYMENT_WINDOW + EXTENSION - 1);
    expect(d.fanView('fan1').holds[0]!.status).toBe('held');
    d.at(T1 + PAYMENT_WINDOW + EXTENSION);
    expect(d.fanView('fan1').holds[0]!.status).toBe('expired');
  });

  it('an event with holdExtensionMs 0 allows no extension', () => {
    const d = admitted(new Driver(gaConfig({ holdExtensionMs: 0 })));
    const hold = d.holdTickets('fan1', 2);
    d.rejects(() => d.extend('fan1', hold.holdId), 'EXTENSION_NOT_ALLOWED');
  });
});

describe('payment', () => {
  it('a payment in flight pauses the expiry up to paymentPendingMaxMs, then the hold expires', () => {
    const d = admitted(new Driver());
    const hold = d.holdTickets('fan1', 2);
    d.advance(MINUTE);
    const pending = d.startPayment('fan1', hold.holdId, 'p1');
    const pendingUntil = T1 + MINUTE + PENDING_MAX;
    expect(pending).toEqual({ ...hold, status: 'paymentPending', paymentId: 'p1', pendingUntil, channel: 'default' });
    expect(d.status().holds).toEqual({ active: 1, paymentPending: 1, paymentQueued: 0, expired: 0, released: 0, cancelled: 0 });

    d.at(hold.expiresAt); // the window alone would have ended here
    d.at(pendingUntil - 1);
    expect(d.fanView('fan1').holds[0]!.status).toBe('paymentPending');
    const mark = d.journal.length;
    d.at(pendingUntil);
    expect(d.entriesSince(mark)).toEqual([{ type: 'expired', at: pendingUntil, holdId: 'h1' }]);
    expect(d.status()).toMatchObject({ tickets: { free: 100, held: 0, sold: 0 }, holds: { active: 0, paymentPending: 0, expired: 1, released: 0 } });
    const late = d.refusesWithRefund(() => d.confirm(hold.holdId, 'p1'), 'HOLD_EXPIRED', 'holdEnded');
    expect(late.status).toBe(410);
  });

  it('a failed payment resumes the hold with the window it had left', () => {
    const d = admitted(new Driver());
    const hold = d.holdTickets('fan1', 2);
    d.advance(MINUTE); // 4 of the 5 minutes left
    d.startPayment('fan1', hold.holdId, 'p1');
    d.at(T1 + 8 * MINUTE); // past the original expiry, within the payment bound
    const resumed = d.failPayment(hold.holdId, 'p1', 'insufficient funds');
    expect(resumed).toEqual({ ...hold, status: 'held', paymentId: 'p1', expiresAt: T1 + 12 * MINUTE });
    expect(d.journal.at(-1)).toEqual({
      type: 'paymentFailed', at: T1 + 8 * MINUTE, holdId: 'h1', paymentId: 'p1', reason: 'insufficient funds', expiresAt: T1 + 12 * MINUTE,
    });

    // The payment side retrying its failure changes nothing.
    const length = d.journal.length;
    expect(d.failPayment(hold.holdId, 'p1')).toEqual(resumed);
    expect(d.journal).toHaveLength(length);

    d.at(T1 + 12 * MINUTE - 1);
    expect(d.fanView('fan1').holds[0]!.status).toBe('held');
    d.at(T1 + 12 * MINUTE);
    expect(d.fanView('fan1').holds[0]!.status).toBe('expired');
  });

  it('a confirmation after the hold expired is HOLD_EXPIRED and due a refund, even before the tick that records the expiry; once', () => {
    const d = admitted(new Driver());
    const hold = d.holdTickets('fan1', 2);
    d.clock.set(hold.expiresAt);
    d.refusesWithRefund(() => d.confirm(hold.holdId), 'HOLD_EXPIRED', 'holdEnded');
    d.rejects(() => d.startPayment('fan1', hold.holdId), 'HOLD_EXPIRED');
    d.advance(0);
    expect(d.journal.at(-1)).toEqual({ type: 'expired', at: hold.expiresAt, holdId: 'h1' });
    d.rejects(() => d.confirm(hold.holdId), 'HOLD_EXPIRED');
  });

  it('confirming twice with the same payment id returns the same purchase; another id is PAYMENT_MISMATCH, due a refund once', () => {
    const d = admitted(new Driver(), 2);
    const hold = d.holdTickets('fan1', 2);
    d.startPayment('fan1', hold.holdId, 'p1');
    d.refusesWithRefund(() => d.confirm(hold.holdId, 'p2'), 'PAYMENT_MISMATCH', 'otherAttempt');

    const bought = d.confirm(hold.holdId, 'p1');
    expect(bought).toEqual({ ...hold, status: 'purchased', paymentId: 'p1' });
    expect(d.journal.at(-1)).toEqual({ type: 'purchased', at: T1, holdId: 'h1', paymentId: 'p1' });
    expect(d.status().tickets).toEqual({ free: 98, held: 0, sold: 2 });

    const length = d.journal.length;
    expect(d.confirm(hold.holdId, 'p1')).toEqual(bought);
    expect(d.journal).toHaveLength(length);
    d.rejects(() => d.confirm(hold.holdId, 'p2'), 'PAYMENT_MISMATCH');
    const err = d.refusesWithRefund(() => d.confirm(hold.holdId, 'p3'), 'PAYMENT_MISMATCH', 'alreadyPaid');
    expect(err.details).toEqual({ holdId: 'h1', refund: 'due' });
    d.rejects(() => d.confirm(hold.holdId, 'p3'), 'PAYMENT_MISMATCH');
    // Money due back buys no other hold either.
    const other = d.holdTickets('fan2', 1);
    expect(d.rejects(() => d.confirm(other.holdId, 'p3'), 'PAYMENT_MISMATCH').details).toEqual({ holdId: other.holdId, refund: 'due' });
  });

  it('money due back never buys the hold, even after the attempt in its way failed', () => {
    const d = admitted(new Driver());
    const hold = d.holdTickets('fan1', 2);
    d.startPayment('fan1', hold.holdId, 'p1');
    d.refusesWithRefund(() => d.confirm(hold.holdId, 'p2'), 'PAYMENT_MISMATCH', 'otherAttempt');
    d.failPayment(hold.holdId, 'p1');
    // The hold could take a payment again, but not p2's: its money is on its way back.
    expect(d.rejects(() => d.confirm(hold.holdId, 'p2'), 'PAYMENT_MISMATCH').details).toEqual({ holdId: hold.holdId, refund: 'due' });
    expect(d.fanView('fan1').holds[0]!.status).toBe('held');
    expect(checkInvariants(d.journal)).toEqual([]);
  });

  it('a success for the wrong amount is refused by the payment side: the attempt fails, its money is due back once, and it buys nothing', () => {
    const d = admitted(new Driver(), 2);
    const hold = d.holdTickets('fan1', 2);
    d.advance(2 * SECOND);
    d.startPayment('fan1', hold.holdId, 'p1');
    const mark = d.journal.length;
    const at = d.clock.now();
    expect(d.exec({ type: 'refusePayment', holdId: hold.holdId, paymentId: 'p1', providerAt: at - 500 })).toEqual({ refund: 'due' });
    expect(d.entriesSince(mark)).toEqual([
      { type: 'paymentFailed', at, holdId: hold.holdId, paymentId: 'p1', reason: 'the amount or currency charged is not the hold\'s price', expiresAt: at + PAYMENT_WINDOW - 2 * SECOND, failure: 'error', providerAt: at - 500 },
      { type: 'refundDue', at, holdId: hold.holdId, paymentId: 'p1', reason: 'amountMismatch' },
    ]);
    expect(d.fanView('fan1').holds[0]).toMatchObject({ status: 'held', expiresAt: at + PAYMENT_WINDOW - 2 * SECOND });
    // Told again: the same answer, nothing recorded; the right amount for it afterwards buys nothing either.
    const again = d.journal.length;
    expect(d.exec({ type: 'refusePayment', holdId: hold.holdId, paymentId: 'p1' })).toEqual({ refund: 'due' });
    expect(d.rejects(() => d.confirm(hold.holdId, 'p1'), 'PAYMENT_MISMATCH').details).toEqual({ holdId: hold.holdId, refund: 'due' });
    expect(d.journal).toHaveLength(again);
    // The fan pays again, properly; the refund is reported done.
    d.startPayment('fan1', hold.holdId, 'p2');
    expect(d.confirm(hold.holdId, 'p2')).toMatchObject({ status: 'purchased', paymentId: 'p2' });
    d.exec({ type: 'recordRefund', holdId: hold.holdId, paymentId: 'p1' });
    expect(d.exec({ type: 'refusePayment', holdId: hold.holdId, paymentId: 'p1' })).toEqual({ refund: 'refunded' });
    // Money that bought the hold is not given back; a hold that ended owes only the refund.
    const bought = d.journal.length;
    expect(d.exec({ type: 'refusePayment', holdId: hold.holdId, paymentId: 'p2' })).toEqual({ refund: 'none' });
    expect(d.journal).toHaveLength(bought);
    const other = d.holdTickets('fan2', 1);
    d.advance(PAYMENT_WINDOW);
    expect(d.exec({ type: 'refusePayment', holdId: other.holdId, paymentId: 'p9' })).toEqual({ refund: 'due' });
    expect(d.journal.at(-1)).toMatchObject({ type: 'refundDue', holdId: other.holdId, paymentId: 'p9', reason: 'amountMismatch' });
    expect(checkInvariants(d.journal)).toEqual([]);
    expect(d.restored().status()).toEqual(d.status());
  });

  it('a purchase is final: it never expires', () => {
    const d = admitted(new Driver());
    d.buy('fan1', 2);
    d.advance(PAYMENT_WINDOW + PENDING_MAX);
    expect(d.fanView('fan1').holds[0]!.status).toBe('purchased');
    expect(d.status().tickets).toEqual({ free: 98, held: 0, sold: 2 });
  });
});

describe('release', () => {
  it('gives the seats back at once', () => {
    const d = admitted(new Driver(seatingConfig()));
    const hold = d.hold('fan1', { kind: 'seats', seatIds: ['S-1-1', 'S-1-2'] });
    d.advance(SECOND);
    const released = d.release('fan1', hold.holdId, 'r1');
    expect(released).toEqual({ ...hold, status: 'released' });
    expect(d.journal.at(-1)).toEqual({ type: 'released', at: T1 + SECOND, holdId: 'h1', key: 'r1' });
    expect(['S-1-1', 'S-1-2'].map((s) => d.sale.inventory.seats.status(s))).toEqual(['free', 'free']);
    expect(d.status()).toMatchObject({ tickets: { free: 16, held: 0, sold: 0 }, holds: { active: 0, released: 1 } });

    const err = d.rejects(() => d.release('fan1', hold.holdId), 'HOLD_NOT_ACTIVE');
    expect(err.details).toEqual({ holdId: 'h1', outcome: 'released' });
  });
});

describe('per-fan limit', () => {
  it('counts open holds and purchases together', () => {
    const d = admitted(new Driver());
    d.buy('fan1', 3);
    // A second admission: leave, join again at the back, be admitted again.
    d.leave('fan1');
    d.join('fan1');
    d.advance(SECOND);
    expect(d.grantOf('fan1')).toBe('g2');

    const err = d.rejects(() => d.holdTickets('fan1', 2), 'LIMIT_EXCEEDED');
    expect(err.details).toEqual({ limit: 4, current: 3, requested: 2 });
    expect(d.holdTickets('fan1', 1).quantity).toBe(1);
  });

  it('a request above the limit on its own is LIMIT_EXCEEDED; tickets given back count no more', () => {
    const d = admitted(new Driver(), 2);
    const err = d.rejects(() => d.holdTickets('fan1', 5), 'LIMIT_EXCEEDED');
    expect(err.details).toEqual({ limit: 4, current: 0, requested: 5 });

    const hold = d.holdTickets('fan2', 4);
    d.release('fan2', hold.holdId);
    d.leave('fan2');
    d.join('fan2');
    d.advance(SECOND);
    expect(d.holdTickets('fan2', 4).quantity).toBe(4);
  });
});

describe('grants', () => {
  it('are one-time: a second hold with the same grant is GRANT_INVALID', () => {
    const d = admitted(new Driver());
    d.hold('fan1', { kind: 'tickets', tierId: 'ga', quantity: 1 }, { grantId: 'g1' });
    const err = d.rejects(() => d.hold('fan1', { kind: 'tickets', tierId: 'ga', quantity: 1 }, { grantId: 'g1' }), 'GRANT_INVALID');
    expect(err.details).toEqual({ grantId: 'g1', status: 'used' });
    expect(err.message).toBe('this admission grant was already used');
  });

  it('are bound to their fan: another fan presenting it gets GRANT_INVALID', () => {
    const d = admitted(new Driver(), 2);
    const err = d.rejects(() => d.hold('fan2', { kind: 'tickets', tierId: 'ga', quantity: 1 }, { grantId: 'g1' }), 'GRANT_INVALID');
    expect(err.details).toEqual({ grantId: 'g1' });
    // ... and the grant still works for its owner.
    expect(d.hold('fan1', { kind: 'tickets', tierId: 'ga', quantity: 1 }, { grantId: 'g1' }).status).toBe('held');
  });

  it('a failed hold leaves the grant open', () => {
    const d = admitted(new Driver(gaConfig({ quantity: 2 })));
    d.rejects(() => d.holdTickets('fan1', 3), 'NOT_ENOUGH_INVENTORY');
    expect(d.holdTickets('fan1', 2).quantity).toBe(2);
  });
});

describe('idempotency keys', () => {
  /** Runs `command` twice with the same key: the retry returns the first result and records nothing. */
  function retried<T>(d: Driver, command: () => T): T {
    const first = command();
    const length = d.journal.length;
    const status = d.status();
    expect(command()).toEqual(first);
    expect(d.journal).toHaveLength(length);
    expect(d.status()).toEqual(status);
    return first;
  }

  it('a retried hold, extension, payment start or release returns the first result and records nothing new', () => {
    const d = admitted(new Driver(), 2);
    const request = { kind: 'tickets', tierId: 'ga', quantity: 2 } as const;
    const hold = retried(d, () => d.hold('fan1', request, { grantId: 'g1', key: 'hold-1' }));
    expect(hold.holdId).toBe('h1');
    expect(retried(d, () => d.extend('fan1', 'h1', 'extend-1')).extended).toBe(true);
    expect(retried(d, () => d.startPayment('fan1', 'h1', 'p1', 'pay-1')).status).toBe('paymentPending');

    const other = d.hold('fan2', request, { key: 'hold-2' });
    expect(retried(d, () => d.release('fan2', other.holdId, 'release-2')).status).toBe('released');

    // Still the first result later on, whatever happened to the hold since.
    d.confirm('h1', 'p1');
    expect(d.hold('fan1', request, { grantId: 'g1', key: 'hold-1' })).toEqual(hold);
  });

  it('the same key with other content is IDEMPOTENCY_KEY_REUSED', () => {
    const d = admitted(new Driver(), 2);
    d.hold('fan1', { kind: 'tickets', tierId: 'ga', quantity: 2 }, { grantId: 'g1', key: 'k1' });
    const err = d.rejects(() => d.hold('fan1', { kind: 'tickets', tierId: 'ga', quantity: 3 }, { grantId: 'g1', key: 'k1' }), 'IDEMPOTENCY_KEY_REUSED');
    expect(err.details).toEqual({ key: 'k1' });
    expect(err.status).toBe(422);
    d.rejects(() => d.extend('fan1', 'h1', 'k1'), 'IDEMPOTENCY_KEY_REUSED');
    d.rejects(() => d.startPayment('fan1', 'h1', 'p1', 'k1'), 'IDEMPOTENCY_KEY_REUSED');
    d.rejects(() => d.release('fan1', 'h1', 'k1'), 'IDEMPOTENCY_KEY_REUSED');

    d.startPayment('fan1', 'h1', 'p1', 'k2');
    d.rejects(() => d.startPayment('fan1', 'h1', 'p2', 'k2'), 'IDEMPOTENCY_KEY_REUSED');
  });

  it('keys belong to one fan: another fan may use the same key', () => {
    const d = admitted(new Driver(), 2);
    d.hold('fan1', { kind: 'tickets', tierId: 'ga', quantity: 2 }, { key: 'same' });
    expect(d.hold('fan2', { kind: 'tickets', tierId: 'ga', quantity: 1 }, { key: 'same' })).toMatchObject({ holdId: 'h2', fanId: 'fan2' });
  });

  it("another fan's grant id never reaches that fan's keys: the fan's own keys decide, then the grant is refused", () => {
    const d = admitted(new Driver(), 2);
    d.hold('fan1', { kind: 'tickets', tierId: 'ga', quantity: 1 }, { grantId: 'g1', key: 'k' });
    d.hold('fan2', { kind: 'tickets', tierId: 'ga', quantity: 1 }, { grantId: 'g2', key: 'k' });
    // fan1's retry under fan2's grant is other content for fan1's key; fan2 presenting fan1's grant is not a retry of fan1's hold.
    d.rejects(() => d.hold('fan1', { kind: 'tickets', tierId: 'ga', quantity: 1 }, { grantId: 'g2', key: 'k' }), 'IDEMPOTENCY_KEY_REUSED');
    d.rejects(() => d.hold('fan2', { kind: 'tickets', tierId: 'ga', quantity: 1 }, { grantId: 'g1', key: 'new' }), 'GRANT_INVALID');
    expect(d.hold('fan2', { kind: 'tickets', tierId: 'ga', quantity: 1 }, { grantId: 'g2', key: 'k' })).toMatchObject({ holdId: 'h2', fanId: 'fan2' });
  });

  it('a command that failed did not use up its key', () => {
    const d = admitted(new Driver(gaConfig({ quantity: 2 })));
    expect(errorOf(() => d.hold('fan1', { kind: 'tickets', tierId: 'ga', quantity: 3 }, { key: 'k' })).code).toBe('NOT_ENOUGH_INVENTORY');
    expect(d.hold('fan1', { kind: 'tickets', tierId: 'ga', quantity: 2 }, { key: 'k' }).status).toBe('held');
  });
});
