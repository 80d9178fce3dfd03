import { describe, expect, it } from 'vitest';
import { withoutTimings } from '../src/report/build.js';
import { run, scenario } from './helpers.js';

describe('the same seed gives the same report', () => {
  it.each(['tiny', 'tiny-seats'])('%s', (name) => {
    const a = run(scenario(name, { seed: 7 })).report;
    const b = run(scenario(name, { seed: 7 })).report;
    expect(a.ok, a.failures.join('\n')).toBe(true);
    expect(withoutTimings(b)).toEqual(withoutTimings(a));
    // And the story actually happened: tickets sold, fans admitted, holds expired and resold.
    expect(a.ticketsSold).toBeGreaterThan(0);
    expect(a.behaviour.admitted).toBeGreaterThan(10);
    expect(a.holdsExpired).toBeGreaterThan(0);
  });

  it('another seed tells another story', () => {
    const a = run(scenario('tiny', { seed: 1 })).report;
    const b = run(scenario('tiny', { seed: 2 })).report;
    expect(withoutTimings(b)).not.toEqual(withoutTimings(a));
  });
});
