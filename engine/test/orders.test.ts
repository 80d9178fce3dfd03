/**
 * Cancelling an order (`cancelOrder`): the organizer takes a purchase back,
 * its tickets go back on sale at once and reach the next fans the way any
 * returned ticket does (the standby first, then waitlist calls), the fan's
 * per-fan count and an access code's cap are freed, and with `refund` the
 * payment is due its refund. Every step is journaled and replays exactly,
 * and the journal oracle agrees.
 */
import { describe, expect, it } from 'vitest';
import { checkInvariants } from '../src/invariants.js';
import { Driver, MINUTE, SECOND, gaConfig, seatingConfig } from './fixtures.js';

type Cancellation = { hold: { holdId: string; status: string }; refund: 'none' | 'due' | 'refunded' };

function cancel(d: Driver, holdId: string, refund = false, reason = 'show moved'): Cancellation {
  return d.exec({ type: 'cancelOrder', holdId, refund, reason }) as Cancellation;
}

describe('cancelling an order', () => {
  it('puts its tickets back on sale, frees the fan\'s limit, and is journaled; the same payment confirming again changes nothing', () => {
    const d = new Driver(gaConfig({ quantity: 10, maxTicketsPerFan: 4 }));
    d.startSale();
    d.join('fan1');
    d.advance(SECOND);
    const bought = d.buy('fan1', 4);
    expect(d.status().tickets).toEqual({ free: 6, held: 0, sold: 4 });
    const mark = d.journal.length;

    const result = cancel(d, bought.holdId);
    expect(result).toMatchObject({ hold: { holdId: bought.holdId, status: 'cancelled' }, refund: 'none' });
    expect(d.entriesSince(mark)).toEqual([{ type: 'orderCancelled', at: d.clock.now(), holdId: bought.holdId, paymentId: `pay-${bought.holdId}`, reason: 'show moved' }]);
    expect(d.status().tickets).toEqual({ free: 10, held: 0, sold: 0 });
    expect(d.status().holds.cancelled).toBe(1);
    expect(d.fanView('fan1').holds.map((h) => h.status)).toEqual(['cancelled']);

    // The provider repeating the success of the payment that bought it: the same answer, nothing recorded, no refund owed.
    const again = d.journal.length;
    expect(d.confirm(bought.holdId)).toMatchObject({ status: 'cancelled' });
    expect(d.journal.length).toBe(again);
    // Cancelling again answers the same and records nothing.
    expect(cancel(d, bought.holdId)).toEqual(result);
    expect(d.journal.length).toBe(again);

    // The fan's four tickets no longer count against the limit of 4: another grant lets it buy 4 again.
    d.leave('fan1');
    d.join('fan1');
    d.advance(SECOND);
    d.buy('fan1', 4);
    expect(d.status().tickets.sold).toBe(4);
    expect(checkInvariants(d.journal)).toEqual([]);
    // A restored engine is in the same state.
    expect(d.restored().status()).toEqual(d.status());
  });

  it('returns named seats, which can be held and sold again', () => {
    const d = new Driver(seatingConfig());
    d.startSale();
    d.joinMany(2);
    d.advance(SECOND);
    const first = d.hold('fan1', { kind: 'seats', seatIds: ['S-1-3', 'S-1-4'] });
    d.startPayment('fan1', first.holdId);
    d.confirm(first.holdId);
    expect(d.sale.inventory.seats.status('S-1-3')).toBe('sold');
    cancel(d, first.holdId);
    expect(d.sale.inventory.seats.status('S-1-3')).toBe('free');
    const second = d.hold('fan2', { kind: 'seats', seatIds: ['S-1-3'] });
    d.startPayment('fan2', second.holdId);
    d.confirm(second.holdId);
    expect(d.sale.inventory.seats.status('S-1-3')).toBe('sold');
    expect(checkInvariants(d.journal, {})).toEqual([]);
  });

  it('with a refund: refundDue (orderCancelled) once, then refunded when the payment side reports it', () => {
    const d = new Driver(gaConfig({ quantity: 10 }));
    d.startSale();
    d.join('fan1');
    d.advance(SECOND);
    const { holdId } = d.buy('fan1', 2);
    const paymentId = `pay-${holdId}`;
    // First without a refund, then the organizer decides to refund after all.
    expect(cancel(d, holdId).refund).toBe('none');
    const mark = d.journal.length;
    expect(cancel(d, holdId, true).refund).toBe('due');
    expect(d.entriesSince(mark)).toEqual([{ type: 'refundDue', at: d.clock.now(), holdId, paymentId, reason: 'orderCancelled' }]);
    expect(cancel(d, holdId, true).refund).toBe('due');
    expect(d.journal.length).toBe(mark + 1);
    d.exec({ type: 'recordRefund', holdId, paymentId });
    expect(d.journal.at(-1)).toMatchObject({ type: 'refunded', holdId, paymentId });
    expect(cancel(d, holdId, true).refund).toBe('refunded');
    expect(checkInvariants(d.journal)).toEqual([]);
    expect(d.restored().status()).toEqual(d.status());
  });

  it('refuses what is not a purchase (ORDER_NOT_CANCELLABLE) or does not exist (HOLD_NOT_FOUND), changing nothing', () => {
    const d = new Driver(gaConfig({ quantity: 10 }));
    d.startSale();
    d.joinMany(2);
    d.advance(SECOND);
    const held = d.holdTickets('fan1', 1);
    const err = d.rejects(() => cancel(d, held.holdId, true), 'ORDER_NOT_CANCELLABLE');
    expect(err.details).toEqual({ holdId: held.holdId, status: 'held' });
    const released = d.holdTickets('fan2', 1);
    d.release('fan2', released.holdId);
    expect(d.rejects(() => cancel(d, released.holdId), 'ORDER_NOT_CANCELLABLE').details.status).toBe('released');
    d.rejects(() => cancel(d, 'h99'), 'HOLD_NOT_FOUND');
    d.rejects(() => d.exec({ type: 'cancelOrder', holdId: held.holdId, refund: 'yes', reason: '' }), 'MALFORMED_COMMAND');
    d.rejects(() => d.exec({ type: 'cancelOrder', holdId: held.holdId, refund: true, reason: 'x'.repeat(501) }), 'MALFORMED_COMMAND');
  });

  it('reopens a sold-out sale; the returned tickets go to the standby first, then to the waitlist by a call', () => {
    // 8 tickets, 2 a fan, no standby margin: fan1…fan4 buy them all, fan5 stands by for fan4's last hold, fan6… are waitlisted.
    const d = new Driver(gaConfig({ quantity: 8, maxTicketsPerFan: 2, waitlist: { standbyMarginPercent: 0, callAnswerMs: 5 * MINUTE } }));
    d.startSale();
    d.joinMany(8);
    d.advance(SECOND);
    const orders = ['fan1', 'fan2', 'fan3'].map((fanId) => d.buy(fanId, 2));
    d.advance(SECOND);
    orders.push(d.buy('fan4', 2));
    expect(d.phase).toBe('soldOut');
    expect(d.status().waitlist).toMatchObject({ state: 'open', standby: 1, waitlisted: 3 });

    let mark = d.journal.length;
    cancel(d, orders[1]!.holdId, true);
    expect(d.typesSince(mark)).toEqual(['orderCancelled', 'refundDue', 'reopened']);
    expect(d.phase).toBe('onSale');
    d.advance(SECOND);
    expect(d.entriesSince(mark).find((e) => e.type === 'admitted')).toMatchObject({ fanIds: ['fan5'] });
    d.buy('fan5', 2);
    expect(d.phase).toBe('soldOut');

    // Nobody stands by now: the next returned order is offered to the first waitlisted fan, with time to come back to a closed page.
    mark = d.journal.length;
    cancel(d, orders[2]!.holdId);
    d.advance(SECOND);
    expect(d.entriesSince(mark).find((e) => e.type === 'called')).toMatchObject({ fanIds: ['fan6'], grantExpiresAt: d.clock.now() + 5 * MINUTE });
    d.buy('fan6', 2);
    expect(d.phase).toBe('soldOut');
    expect(checkInvariants(d.journal)).toEqual([]);
  });

  it('frees the ticket cap of the access code the fan joined with', () => {
    const d = new Driver(gaConfig({ quantity: 10, maxTicketsPerFan: 4, phases: [{ id: 'club', name: 'Club', preQueueOpensAt: gaConfig().preQueueOpensAt, onSaleAt: gaConfig().onSaleAt, access: { kind: 'code' } }] }));
    d.exec({ type: 'uploadCodes', csv: 'CLUB1,1,2\n' });
    d.startSale();
    d.exec({ type: 'join', fanId: 'fan1', accessCode: 'CLUB1' });
    d.advance(SECOND);
    const { holdId } = d.buy('fan1', 2);
    expect(d.sale.codes.list(0, 1)[0]).toMatchObject({ ticketsUsed: 2 });
    cancel(d, holdId);
    expect(d.sale.codes.list(0, 1)[0]).toMatchObject({ ticketsUsed: 0 });
    expect(checkInvariants(d.journal)).toEqual([]);
  });
});
