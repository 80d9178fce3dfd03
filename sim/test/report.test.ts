import { describe, expect, it } from 'vitest';
import { countInversions, fairness } from '../src/report/fairness.js';
import { percentiles } from '../src/report/stats.js';
import { run, scenario } from './helpers.js';

describe('the JSON report', () => {
  it('has every field', () => {
    const { report } = run(scenario('tiny-seats', { seed: 4 }));
    for (const field of [
      'fans', 'seats', 'ticketsSold', 'oversold', 'perFanLimitViolations', 'unresolvedHolds', 'soldOutAtSec',
      'fansToldSoldOutWithinSec', 'holdsExpired', 'readmittedFromExpiredHolds', 'wallSec', 'simEventsPerSec', 'peakHeapMB',
    ] as const) {
      expect(report, field).toHaveProperty(field);
      expect(typeof report[field], field).toBe('number');
    }
    expect(Object.keys(report.fairness)).toEqual(expect.arrayContaining(['outOfOrderAdmissions', 'kendallTau']));
    expect(Object.keys(report.waitSec).sort()).toEqual(['p50', 'p90', 'p99']);
    expect(Object.keys(report.noTicket).sort()).toEqual(['fanMinutesAfterMayClose', 'fanMinutesWaited', 'fans', 'toldAfterAllTakenSec']);
    expect(report.noTicket.fanMinutesAfterMayClose).toBeGreaterThan(0);
    expect(report.noTicket.fanMinutesAfterMayClose).toBeLessThanOrEqual(report.noTicket.fanMinutesWaited);
    expect(Object.keys(report.noTicket.toldAfterAllTakenSec).sort()).toEqual(['p50', 'p95']);
    expect(Object.keys(report.waitlist).sort()).toEqual(['called', 'ticketsSold']);
    expect(Object.keys(report.outlook).sort()).toEqual(['likely', 'unlikely']);
    expect(report.seats).toBe(360);
    expect(report.ticketsSold).toBeLessThanOrEqual(360);
    // Fans hear of the sell-out within two ticks: the flush at the next tick, then the broadcast.
    expect(report.fansToldSoldOutWithinSec).toBeLessThanOrEqual(0.5);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });
});

describe('fairness measures', () => {
  it('counts inversions like the quadratic definition', () => {
    let x = 12345;
    const rand = () => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (const n of [0, 1, 2, 3, 10, 257]) {
      const a = Float64Array.from({ length: n }, (_, i) => i);
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [a[i], a[j]] = [a[j]!, a[i]!];
      }
      let slow = 0;
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (a[i]! > a[j]!) slow++;
      expect(countInversions(a)).toBe(slow);
    }
  });

  it('is 1 for first come first served, -1 for the reverse, and counts queue jumps', () => {
    expect(fairness(Float64Array.from([0, 1, 2, 3]))).toMatchObject({ outOfOrderAdmissions: 0, kendallTau: 1 });
    expect(fairness(Float64Array.from([3, 2, 1, 0]))).toMatchObject({ outOfOrderAdmissions: 3, kendallTau: -1 });
    expect(fairness(Float64Array.from([0, 2, 1, 3]))).toMatchObject({ outOfOrderAdmissions: 1, inversions: 1 });
  });

  it('takes nearest-rank percentiles', () => {
    expect(percentiles(Float64Array.from({ length: 100 }, (_, i) => 100 - i))).toEqual({ p50: 50, p90: 90, p99: 99 });
  });
});
