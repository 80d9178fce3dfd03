/**
 * The organizer page's seat maps without JSON (gateway/pages/lib/seat-map-build.ts):
 * a CSV upload read whole or not at all, a generated venue with categories
 * by distance to the stage, and ranks the engine's best available sorts by.
 */
import { describe, expect, it } from 'vitest';
import { validateEventConfig } from '../../engine/src/index.js';
import { Inventory } from '../../engine/src/inventory/inventory.js';
import { categoryCounts, defaultStage, generateSeatMap, parseSeatCsv, rankOf, seatCount, seatsOf } from '../pages/lib/seat-map-build.js';

describe('a seat map from CSV', () => {
  it('reads section,row,seat,category,x,y lines in order, skips a header, and ranks seats by distance to the stage', () => {
    const csv = 'section,row,seat,category,x,y\nStalls,A,1,A,0,0\nStalls,A,2,A,1,0\nStalls,B,1,B,0,1\n"Circle",A,1,B,4,3\n';
    const { sections, issues } = parseSeatCsv(csv, { x: 0, y: -2 });
    expect(issues).toEqual([]);
    expect(sections.map((s) => [s.id, s.rows.map((r) => [r.id, r.seats.map((seat) => seat.label)])])).toEqual([
      ['Stalls', [['A', ['1', '2']], ['B', ['1']]]],
      ['Circle', [['A', ['1']]]],
    ]);
    expect(sections[0]!.rows[0]!.seats[1]).toEqual({ label: '2', category: 'A', rank: rankOf({ x: 1, y: 0 }, { x: 0, y: -2 }), x: 1, y: 0 });
    expect(sections[0]!.rows[0]!.seats[0]!.rank).toBe(2);
    expect(sections[1]!.rows[0]!.seats[0]!.rank).toBe(6.4);
  });

  it('puts the default stage above the middle of the seats', () => {
    const { sections } = parseSeatCsv('S,A,1,A,0,5\nS,A,2,A,10,5\n');
    expect(defaultStage(sections)).toEqual({ x: 5, y: 3 });
    expect(sections[0]!.rows[0]!.seats.map((s) => s.rank)).toEqual([5.39, 5.39]);
  });

  it('reads nothing when a line is wrong, and says which lines and why', () => {
    const { sections, issues } = parseSeatCsv('S,A,1,A,0,0\nS,A,1,A,1,0\nS,A,2,A,zero,0\nS,A,3,A,2\nS,A b,4,A,3,0\n');
    expect(sections).toEqual([]);
    expect(issues).toEqual([
      'Line 2: seat S-A-1 is listed twice',
      'Line 3: x and y must be numbers',
      'Line 4: needs 6 fields (section,row,seat,category,x,y), has 5',
      'Line 5: row "A b" must be 1 to 64 letters, digits, "_", "." or "-"',
    ]);
    expect(parseSeatCsv('\n\n').issues).toEqual(['The file has no seats.']);
  });

  it('reports the first 20 wrong lines and counts the rest', () => {
    const csv = Array.from({ length: 30 }, (_, i) => `S,A,${i},A,x,0`).join('\n');
    const { issues } = parseSeatCsv(csv);
    expect(issues).toHaveLength(21);
    expect(issues.at(-1)).toBe('… and 10 more lines');
  });
});

describe('a generated seat map', () => {
  const venue = generateSeatMap({ sections: 3, rowsPerSection: 4, seatsPerRow: 10, categories: ['A', 'B', 'C'] });

  it('has sections × rows × seats, rows lettered from the stage and seats numbered along them', () => {
    expect(seatCount(venue)).toBe(120);
    expect(venue.map((s) => s.id)).toEqual(['S1', 'S2', 'S3']);
    expect(venue[0]!.rows.map((r) => r.id)).toEqual(['A', 'B', 'C', 'D']);
    expect(venue[0]!.rows[0]!.seats.map((s) => s.label)).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);
    expect(generateSeatMap({ sections: 1, rowsPerSection: 28, seatsPerRow: 1, categories: ['A'] })[0]!.rows.slice(25).map((r) => r.id)).toEqual(['Z', 'AA', 'AB']);
  });

  it('splits the categories by distance to the stage, nearest first, in equal shares', () => {
    expect(categoryCounts(venue)).toEqual([{ category: 'A', seats: 40 }, { category: 'B', seats: 40 }, { category: 'C', seats: 40 }]);
    const seats = [...seatsOf(venue)];
    const farthest = (category: string) => Math.max(...seats.filter((s) => s.category === category).map((s) => s.rank));
    const nearest = (category: string) => Math.min(...seats.filter((s) => s.category === category).map((s) => s.rank));
    expect(farthest('A')).toBeLessThanOrEqual(nearest('B'));
    expect(farthest('B')).toBeLessThanOrEqual(nearest('C'));
    // The middle of the front row of the middle section is the best seat of all.
    expect(venue[1]!.rows[0]!.seats[4]!.category).toBe('A');
    expect(venue[0]!.rows[3]!.seats[0]!.category).toBe('C');
  });

  it('is a venue the engine takes, whose best available pair in A is the middle of the front row', () => {
    const config = validateEventConfig({
      id: 'generated', name: 'Generated', preQueueOpensAt: 0, onSaleAt: 1, closesAt: 2, inventory: { tiers: [], sections: venue },
    });
    expect(config.inventory.sections[1]!.rows[0]!.seats[4]).toMatchObject({ category: 'A', x: expect.any(Number), y: 0 });
    expect(new Inventory(config.inventory).allocate({ kind: 'best', category: 'A', quantity: 2 }).seatIds).toEqual(['S2-A-5', 'S2-A-6']);
  });
});
