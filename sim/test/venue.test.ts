import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateVenue } from '../src/scenario/venue.js';
import { run, scenario } from './helpers.js';

describe('venues', () => {
  it('generates sections × rows × seats with categories cut by rank', () => {
    const venue = generateVenue({ sections: 3, rowsPerSection: 4, seatsPerRow: 10, categories: [{ name: 'A', share: 0.25, weight: 2 }, { name: 'B', share: 0.75, weight: 1 }] });
    expect(venue.seats).toBe(120);
    const seats = venue.sections.flatMap((s) => s.rows.flatMap((r) => r.seats));
    const a = seats.filter((s) => s.category === 'A');
    expect(a.length).toBeGreaterThan(20);
    expect(a.length).toBeLessThan(40);
    expect(Math.max(...a.map((s) => s.rank))).toBeLessThanOrEqual(Math.min(...seats.filter((s) => s.category === 'B').map((s) => s.rank)));
  });

  it('runs a sale on a venue read from a JSON file (--venue)', () => {
    const venue = generateVenue({ sections: 2, rowsPerSection: 5, seatsPerRow: 12, categories: [{ name: 'front', share: 0.4, weight: 2 }, { name: 'back', share: 0.6, weight: 1 }] });
    const path = join(mkdtempSync(join(tmpdir(), 'sim-venue-')), 'venue.json');
    writeFileSync(path, JSON.stringify({ sections: venue.sections, weights: { front: 3, back: 1 } }));
    const { report } = run(scenario('tiny-seats', { seed: 2, fans: 1500, inventory: { kind: 'venueFile', path } }));
    expect(report.ok, report.failures.join('\n')).toBe(true);
    expect(report.seats).toBe(120);
    expect(report.inventory.seatsSold).toBe(report.ticketsSold);
    expect(report.ticketsSold).toBeGreaterThan(100);
  });
});
