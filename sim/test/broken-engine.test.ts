import { describe, expect, it } from 'vitest';
import type { SaleEvent } from '../../engine/src/index.js';
import { run, scenario } from './helpers.js';

/** Engine internals the tests break on purpose (private in TypeScript, reachable at runtime). */
type Tiers = { hold(tierId: string, quantity: number): void; free: number; tiers: Map<string, { free: number }> };

describe('a deliberately broken engine is caught', () => {
  it('overselling: the GA tiers forget to take held tickets off the free count', () => {
    const { report } = run(scenario('tiny', { seed: 3 }), (sale: SaleEvent) => {
      const tiers = sale.inventory.tiers as unknown as Tiers;
      const hold = tiers.hold.bind(tiers);
      tiers.hold = (tierId, quantity) => {
        hold(tierId, quantity);
        tiers.free += quantity;
        tiers.tiers.get(tierId)!.free += quantity;
      };
    });
    expect(report.ok).toBe(false);
    expect(report.oversold).toBeGreaterThan(0);
    expect(report.ticketsSold).toBeGreaterThan(report.seats);
    expect(report.failures.join('\n')).toMatch(/oversold/);
    expect(report.engineInvariants.byInvariant.tierOversold).toBeGreaterThan(0);
  });

  it('queue jumping: the waiting room hands out each batch of admissions back to front', () => {
    const { report } = run(scenario('tiny', { seed: 3 }), (sale) => {
      const room = sale.room;
      const next = room.nextWaiting.bind(room);
      room.nextWaiting = (k: number) => next(k).reverse();
    });
    expect(report.ok).toBe(false);
    expect(report.fairness.outOfOrderAdmissions).toBeGreaterThan(0);
    expect(report.fairness.kendallTau).toBeLessThan(1);
    expect(report.failures.join('\n')).toMatch(/out-of-order/);
    expect(report.engineInvariants.byInvariant.admissionOrder).toBeGreaterThan(0);
  });

  it('per-fan limit: the engine checks holds against a limit other than the published one', () => {
    const s = scenario('tiny', { seed: 3, bots: { fraction: 0.3, askFor: 6 } });
    // With the waitlist on, the broken limit first skews the standby (caught as standbySize) and every turn becomes a call; off, the holds show it.
    s.event.waitlist = { ...s.event.waitlist, enabled: false };
    const { report } = run(s, (sale) => {
      sale.config = { ...sale.config, maxTicketsPerFan: 10 };
    });
    expect(report.ok).toBe(false);
    expect(report.perFanLimitViolations).toBeGreaterThan(0);
    expect(report.engineInvariants.byInvariant.perFanLimit).toBeGreaterThan(0);
  });

  it('unresolved holds: the hold book never finds a hold due', () => {
    const { report } = run(scenario('tiny', { seed: 3 }), (sale) => {
      sale.holds.due = () => [];
    });
    expect(report.ok).toBe(false);
    expect(report.unresolvedHolds).toBeGreaterThan(0);
    expect(report.failures.join('\n')).toMatch(/unresolved holds/);
  });

  it('with bots asking past the limit on a sound engine, the limit holds', () => {
    const { report } = run(scenario('tiny', { seed: 3, bots: { fraction: 0.3, askFor: 6 } }));
    expect(report.ok, report.failures.join('\n')).toBe(true);
    expect(report.errors.LIMIT_EXCEEDED).toBeGreaterThan(0);
  });
});
