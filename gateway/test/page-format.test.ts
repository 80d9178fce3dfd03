import { describe, expect, it } from 'vitest';
import { clock, duration, etaText, money } from '../pages/lib/format.js';

describe('the pages\' formatting', () => {
  it('writes countdowns rounded up, with hours and days only when needed', () => {
    expect(clock(0)).toBe('00:00');
    expect(clock(-5_000)).toBe('00:00');
    expect(clock(1)).toBe('00:01');
    expect(clock(59_001)).toBe('01:00');
    expect(clock(3_600_000)).toBe('1:00:00');
    expect(clock((2 * 3600 + 3 * 60 + 4) * 1000)).toBe('2:03:04');
    expect(clock((86_400 + 3600 + 120) * 1000)).toBe('1 d 1 h 2 min');
  });

  it('says an ETA range in the unit that fits, once when both ends round alike', () => {
    expect(etaText(0, 0)).toBe('any moment now');
    expect(etaText(10, 45)).toBe('10 s – 45 s');
    expect(etaText(30, 150)).toBe('30 s – 3 min');
    expect(etaText(125, 145)).toBe('about 2 min');
    expect(etaText(1800, 7200)).toBe('30 min – 2.0 h');
    expect(duration(5400)).toBe('1.5 h');
  });

  it('writes minor units as the currency, and still shows the figure for an unknown code', () => {
    expect(money(12_345, 'EUR')).toMatch(/123[.,]45/);
    expect(money(12_345, 'EUR')).toMatch(/€|EUR/);
    expect(money(500, 'not a code')).toBe('5.00 not a code');
  });
});
