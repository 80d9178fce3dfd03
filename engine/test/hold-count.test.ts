/**
 * The status's held count across the payment queue: a hold queued for a
 * payment leaves `held` once, and a queued payment that starts does not leave
 * it again (it did: the count drifted and `holds.paymentPending` grew past
 * the holds waiting on a payment).
 */
import { describe, expect, it } from 'vitest';
import type { HoldView } from '../src/event/views.js';
import { Driver, SECOND, gaConfig } from './fixtures.js';

describe('the held count when a queued payment starts', () => {
  it('counts in holds.paymentPending exactly the holds whose payment is in flight or queued', () => {
    const d = new Driver(gaConfig({ quantity: 1_000, payments: { channels: [{ name: 'card' }] } }));
    d.startSale();
    const fans = d.joinMany(21);
    for (let i = 0; i < 10 && fans.some((f) => d.fanView(f).grant === undefined); i++) d.advance(SECOND);
    const holds: HoldView[] = fans.map((f) => d.holdTickets(f, 1));
    const pay = (h: HoldView) => d.exec({ type: 'startPayment', fanId: h.fanId, holdId: h.holdId, paymentId: `p-${h.holdId}`, key: `k-${h.holdId}` }) as HoldView;
    holds.slice(0, 20).forEach(pay);
    expect(pay(holds[20]!).status).toBe('paymentQueued');
    expect(d.status().holds).toMatchObject({ active: 21, paymentPending: 21, paymentQueued: 1 });
    d.confirm(holds[0]!.holdId, `p-${holds[0]!.holdId}`);
    d.advance(SECOND); // the queued payment starts
    expect(d.fanView(holds[20]!.fanId).holds.find((h) => h.holdId === holds[20]!.holdId)?.status).toBe('paymentPending');
    expect(d.status().holds).toMatchObject({ active: 20, paymentPending: 20, paymentQueued: 0 });
  });
});
