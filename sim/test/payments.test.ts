import { describe, expect, it } from 'vitest';
import { FanPayments } from '../src/model/fan-payments.js';
import { PaymentProviders } from '../src/model/payment-provider.js';
import { Rng } from '../src/model/rng.js';
import { DEFAULT_SCENARIO } from '../src/scenario/defaults.js';
import { run, scenario } from './helpers.js';

/** payment-brownout at a tenth of its size: the provider halves to 7.5/s at t+90 s. */
const smallBrownout = (pacing: 'adaptive' | 'off') => scenario('payment-brownout', {
  fans: 30_000,
  inventory: { kind: 'ga', tiers: [{ id: 'floor', name: 'Floor', price: 9900, quantity: 1_800, weight: 2 }, { id: 'stands', name: 'Stands', price: 6900, quantity: 1_200, weight: 1 }] },
  event: { admission: { mode: 'auto', maxActiveShoppers: 1_200, paymentCapacityPerSec: 15 } },
  payments: { capacityPerSec: 15, capacityChanges: [{ atSec: 90, capacityPerSec: 7.5 }], pacing },
});

describe('payments in the simulator', () => {
  it('without pacing, an overloaded provider times out and charges late: late charges buy their holds (fans told as the journal says) or are refunded, none kept twice', () => {
    const { report } = run(smallBrownout('off'));
    // Among the failures it would list: fans told they bought other than the journal's tickets sold.
    expect(report.failures).toEqual([]);
    expect(report.payments.lateCharges).toBeGreaterThan(0);
    expect(report.payments.doubleCharges).toBe(0);
    expect(report.payments.queued).toBe(0);
  });

  it('with pacing, payments that cannot start wait in the payment queue, start in turn, and the checker finds every queue rule kept', () => {
    const { report } = run(smallBrownout('adaptive'));
    expect(report.failures).toEqual([]);
    expect(report.engineInvariants).toMatchObject({ checked: true, violations: 0 });
    expect(report.payments.queued).toBeGreaterThan(0);
    expect(report.payments.queueWaitSec.p90).toBeGreaterThan(0);
    expect(report.payments.doubleCharges).toBe(0);
  });

  it('two channels, the first dies: with pacing payments go to the other; without, all go to the dead one', () => {
    const small = (pacing: 'adaptive' | 'off') => scenario('two-channels', {
      fans: 30_000,
      inventory: { kind: 'ga', tiers: [{ id: 'floor', name: 'Floor', price: 9900, quantity: 1_800, weight: 2 }, { id: 'stands', name: 'Stands', price: 6900, quantity: 1_200, weight: 1 }] },
      event: { admission: { mode: 'auto', maxActiveShoppers: 1_200, paymentCapacityPerSec: 20 } },
      payments: { capacityPerSec: 10, moreChannels: [{ name: 'wallet', capacityPerSec: 10, capacityChanges: [] }], pacing },
    });
    const on = run(small('adaptive')).report;
    const off = run(small('off')).report;
    expect(on.failures).toEqual([]);
    expect(on.payments.channels.map((c) => c.name)).toEqual(['card', 'wallet']);
    expect(on.payments.channels[1]!.submitted).toBeGreaterThan(0);
    expect(on.payments.switchedWithinSec).not.toBeNull();
    expect(on.ticketsSold).toBeGreaterThan(off.ticketsSold);
    expect(off.payments.channels[1]!.submitted).toBe(0);
    expect(off.payments.switchedWithinSec).toBeNull();
  });
});

describe('FanPayments.switchedWithinSec', () => {
  it('is the earliest instant from which 95 % of the payments sent went elsewhere', () => {
    const spec = { ...DEFAULT_SCENARIO.payments, moreChannels: [{ name: 'wallet', capacityPerSec: 80, capacityChanges: [] }] };
    const payments = new FanPayments(new PaymentProviders(spec, new Rng(1)));
    payments.submit(0, 'card', 500); // before the failure: not counted
    for (let i = 0; i < 3; i++) payments.submit(1, 'card', 1_000 + i * 1_000); // 1 s, 2 s, 3 s after it
    for (let i = 0; i < 60; i++) payments.submit(2, 'wallet', 4_000 + i * 100);
    // From 3 s on: 1 of 61 to card (98 %); from 2 s: 2 of 62 (96.8 %); from 1 s: 3 of 63 (95.2 %).
    expect(payments.switchedWithinSec('card', 1_000)).toBe(0);
    payments.submit(3, 'card', 10_000);
    payments.submit(4, 'card', 10_100);
    // Two more to card at the end: from 1 s on 60 of 65 went elsewhere (92 %), from 3 s 60 of 63 (95.2 %).
    expect(payments.switchedWithinSec('card', 1_000)).toBe(2);
    payments.submit(5, 'card', 11_000);
    // Never 95 % since: from 3 s, 60 of 64.
    expect(payments.switchedWithinSec('card', 1_000)).toBe(3);
    expect(new FanPayments(new PaymentProviders(spec, new Rng(1))).switchedWithinSec('card', 0)).toBeNull();
  });
});
