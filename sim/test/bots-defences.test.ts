import { describe, expect, it } from 'vitest';
import { run, scenario } from './helpers.js';

/** The bots scenario cut down to test size: 6,000 identities (600 bots at the start), 300 tickets, 300 fans behind one address. */
const small = (defences: 'on' | 'off') =>
  scenario('bots', {
    seed: 5,
    fans: 6_000,
    inventory: { kind: 'ga', tiers: [{ id: 'ga', name: 'General admission', price: 5900, quantity: 300, weight: 1 }] },
    event: { admission: { mode: 'auto', maxActiveShoppers: 100, paymentCapacityPerSec: 10 } },
    crowd: { natFans: 300 },
    // Bots never leave; fans shown "unlikely" do, which raises the bots' share of admissions by the fans' choice,
    // not the queue's order: this test measures the order, so every fan stays.
    behaviour: { unlikelyLeaveFraction: 0 },
    defences,
  });

describe('the defences against a bot farm, at test size', () => {
  it('with the defences off, bots that join at the start beat everyone after them; on, the draw of the pre-queue and the start window puts them level', () => {
    const off = run(small('off')).report;
    const on = run(small('on')).report;
    expect(off.ok, off.failures.join('\n')).toBe(true);
    expect(on.ok, on.failures.join('\n')).toBe(true);
    expect(off.bots.fairnessRatio).toBeGreaterThan(2);
    // On, the cohort's admitted places are a uniform draw from its accounts: the bots' count among
    // them is binomial (~130 places, ~18% bots, so its ratio alone swings ±0.2 with the seed), and
    // stays within 3 standard deviations of its mean; off, it is far above.
    const within = (report: typeof on) => {
      const { botAccounts, fanAccounts, botPlacesAdmitted, fanPlacesAdmitted } = report.bots.cohort;
      const places = botPlacesAdmitted + fanPlacesAdmitted;
      const share = botAccounts / (botAccounts + fanAccounts);
      return (botPlacesAdmitted - places * share) / Math.sqrt(places * share * (1 - share));
    };
    expect(Math.abs(within(on))).toBeLessThan(3);
    expect(within(off)).toBeGreaterThan(3);
    expect(on.bots.ticketShare!).toBeLessThan(off.bots.ticketShare!);
    // Anonymous event, one fan id per arrival: one place per identity either way.
    expect(on.bots.placesPerAccount).toBe(1);
    expect(on.bots.identityShare).toBeCloseTo(0.1, 2);
    // Every fan behind the shared address got a place, some of them later than fans on their own.
    expect(on.nat.placed).toBe(300);
    expect(on.nat.delayedJoins).toBeGreaterThan(0);
    expect(off.nat.delayedJoins).toBe(0);
    expect(on.door.slowLaneJoins).toBeGreaterThan(0);
    expect(off.door.slowLaneJoins).toBe(0);
  });

  it('a verified farm gets one place per account however often each account tries', () => {
    const s = scenario('bots', {
      seed: 5,
      fans: 4_000,
      identity: 'verified',
      inventory: { kind: 'ga', tiers: [{ id: 'ga', name: 'General admission', price: 5900, quantity: 200, weight: 1 }] },
      bots: { fraction: 0.2, accounts: 40, addresses: 200, subnets: 20 },
      crowd: { natFans: 0 },
    });
    const { report } = run(s);
    expect(report.ok, report.failures.join('\n')).toBe(true);
    expect(report.bots.arrivals).toBe(800);
    expect(report.bots.accounts).toBe(40);
    expect(report.bots.placesPerAccount).toBe(1);
    expect(report.behaviour.repeatJoins).toBeGreaterThan(0);
  });
});
