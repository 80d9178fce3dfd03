import { describe, expect, it } from 'vitest';
import { awayText, clock, dateTime, duration, etaText, money, numberedAtText, outlookText, timeOfDay } from '../pages/lib/format.js';
import { categoryColour, seatIndex, seatNames } from '../pages/lib/seats.js';

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

  it('says the ticket outlook with the figures behind it, or without them before the first queue frame', () => {
    const supply = { ticketsFree: 1_200, ticketsHeld: 300, openGrants: 10, ticketsPerFan: 2.345 };
    expect(outlookText('close', supply)).toMatch(/^1.200 tickets left \(and 300 in payment windows\); fans take about 2.3 each\. It will be close/);
    expect(outlookText('likely', { ...supply, ticketsHeld: 0 })).toMatch(/^1.200 tickets left; fans take about 2.3 each\. They should still be there/);
    expect(outlookText('unlikely', null)).toMatch(/^They will most likely run out before your turn\./);
  });

  it('writes times with their time zone', () => {
    const at = Date.UTC(2026, 11, 7, 19, 0, 30); // 20:00:30 in Paris (winter)
    expect(timeOfDay(at, { locale: 'en-GB', timeZone: 'Europe/Paris' })).toBe('20:00:30 CET');
    expect(timeOfDay(at, { locale: 'en-GB', timeZone: 'UTC' })).toBe('19:00:30 UTC');
    expect(dateTime(at, { locale: 'en-GB', timeZone: 'Europe/Paris' })).toBe('7 Dec 2026, 20:00 CET');
  });

  it('says when an unnumbered place gets its number: drawn at the start, or later (start window, slow lane)', () => {
    const paris = { locale: 'en-GB', timeZone: 'Europe/Paris' };
    const onSaleAt = Date.UTC(2026, 11, 7, 19, 0, 0);
    expect(numberedAtText(0, onSaleAt, onSaleAt, paris)).toBe('Your place is drawn at 20:00:00 CET.');
    expect(numberedAtText(0, onSaleAt + 30_000, onSaleAt, paris)).toBe('Your place gets its number at 20:00:30 CET.');
    expect(numberedAtText(0, null, onSaleAt, paris)).toBe('');
    expect(numberedAtText(7, onSaleAt, onSaleAt, paris)).toBe('');
  });

  it('names seats by section, row and label from the venue, grouped, never as raw ids', () => {
    const index = seatIndex({
      sections: [
        { id: 'L', name: 'Stalls left', rows: [{ id: '1', seats: [{ id: 'L-1-3', label: '3', category: 'A' }, { id: 'L-1-4', label: '4', category: 'A' }] }] },
        { id: 'R', name: 'Balcony', rows: [{ id: 'AA', seats: [{ id: 'R-AA-12', label: '12', category: 'B' }] }] },
      ],
    });
    expect(seatNames(['L-1-3', 'L-1-4'], index)).toBe('Stalls left, row 1, seats 3, 4');
    expect(seatNames(['R-AA-12', 'L-1-4'], index)).toBe('Balcony, row AA, seat 12; Stalls left, row 1, seat 4');
    expect(seatNames(['X-9-9'], index)).toBe('seat X-9-9');
  });

  it('colours each category of the event the same in the map and the legend, and tells categories apart', () => {
    expect(categoryColour(['VIP', 'Tribune'], 'Tribune')).toBe(categoryColour(['VIP', 'Tribune'], 'Tribune'));
    expect(categoryColour(['VIP', 'Tribune'], 'VIP')).not.toBe(categoryColour(['VIP', 'Tribune'], 'Tribune'));
  });

  it('tells a fan beyond the away horizon how it would hear that tickets may reach it, and how long it would have', () => {
    const told = (device: boolean, organizer: boolean) => awayText(5_000, 1_200, 10 * 60_000, { device, organizer });
    expect(told(true, false)).toBe(
      'Tickets are unlikely to reach your place: every ticket left could serve the fans up to number 1,200, and yours is 5,000. '
      + 'You may close this page — your place is kept however long you are away. '
      + 'If tickets may reach it after all, this device notifies you; you then have 10 min to come back, or the place goes to the next fan.',
    );
    expect(told(true, true)).toContain('this device notifies you and the organizer may e-mail or text you;');
    expect(told(false, true)).toContain('the organizer may e-mail or text you (turn on notifications to be told on this device too);');
    // Nothing would tell it: the page does not pretend otherwise.
    expect(told(false, false)).toContain('nothing can tell you with it closed if tickets may reach you after all');
  });
});
