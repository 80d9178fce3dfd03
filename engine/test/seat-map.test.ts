import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { SectionConfig } from '../src/config/types.js';
import { isBreakwaterError, type ErrorCode } from '../src/errors.js';
import { SeatMap } from '../src/inventory/seat-map.js';

/** A row is [row id, rank of each seat, categories as one letter per seat (default all 'A')]; labels are 1, 2, 3... */
type RowSpec = [id: string, ranks: number[], cats?: string];

function section(id: string, ...rows: RowSpec[]): SectionConfig {
  return {
    id,
    name: id,
    rows: rows.map(([rowId, ranks, cats]) => ({
      id: rowId,
      seats: ranks.map((rank, i) => ({ label: String(i + 1), category: cats?.[i] ?? 'A', rank })),
    })),
  };
}

function codeOf(fn: () => unknown): { code: ErrorCode; details: Record<string, unknown> } | undefined {
  try {
    fn();
  } catch (err) {
    if (isBreakwaterError(err)) return { code: err.code, details: err.details };
    throw err;
  }
  return undefined;
}

describe('SeatMap basics', () => {
  const map = () => new SeatMap([section('S', ['1', [1, 1, 1], 'AAB']), section('T', ['1', [2, 2]])]);

  it('indexes seats by id with category and status', () => {
    const m = map();
    expect(m.total).toBe(5);
    expect(m.free).toBe(5);
    expect(m.categories()).toEqual(['A', 'B']);
    expect(m.hasCategory('B')).toBe(true);
    expect(m.hasCategory('C')).toBe(false);
    expect(m.freeIn('A')).toBe(4);
    expect(m.freeIn('C')).toBe(0);
    expect(m.status('S-1-3')).toBe('free');
    expect(m.categoryOf('S-1-3')).toBe('B');
    expect(m.status('S-1-9')).toBeUndefined();
    expect(m.categoryOf('S-1-9')).toBeUndefined();
  });

  it('hold, sell and release move seats and counters', () => {
    const m = map();
    m.hold(['S-1-1', 'S-1-3']);
    expect([m.free, m.freeIn('A'), m.freeIn('B')]).toEqual([3, 3, 0]);
    expect(m.status('S-1-1')).toBe('held');
    m.sell(['S-1-1']);
    expect(m.status('S-1-1')).toBe('sold');
    expect(m.free).toBe(3);
    m.release(['S-1-3']);
    expect([m.free, m.freeIn('A'), m.freeIn('B')]).toEqual([4, 3, 1]);
    expect(m.status('S-1-3')).toBe('free');
  });

  it('hold, sell and release throw a plain Error on a wrong state and change nothing', () => {
    const m = map();
    m.hold(['S-1-1']);
    expect(() => m.hold(['S-1-2', 'S-1-1'])).toThrow(/held, expected free/);
    expect(m.status('S-1-2')).toBe('free');
    expect(() => m.sell(['S-1-2'])).toThrow(Error);
    expect(() => m.release(['T-1-1'])).toThrow(Error);
    expect(() => m.hold(['T-1-1', 'T-1-1'])).toThrow(/twice/);
    expect(() => m.hold(['nope'])).toThrow(Error);
    expect(() => m.sell(['S-1-2'])).toThrow(expect.not.objectContaining({ name: 'BreakwaterError' }));
    expect([m.free, m.freeIn('A')]).toEqual([4, 3]);
  });

  it('assertFree reports the first bad seat with a code and never mutates', () => {
    const m = map();
    m.hold(['S-1-2']);
    expect(codeOf(() => m.assertFree(['S-1-1', 'X-1-1', 'S-1-2']))).toEqual({ code: 'SEAT_NOT_FOUND', details: { seatId: 'X-1-1' } });
    expect(codeOf(() => m.assertFree(['S-1-1', 'S-1-2', 'X-1-1']))).toEqual({ code: 'SEAT_TAKEN', details: { seatId: 'S-1-2' } });
    expect(codeOf(() => m.assertFree(['S-1-1', 'T-1-1', 'S-1-1']))?.code).toBe('MALFORMED_COMMAND');
    expect(codeOf(() => m.assertFree(['S-1-1', 'T-1-1']))).toBeUndefined();
    expect(m.free).toBe(4);
    m.sell(['S-1-2']);
    expect(codeOf(() => m.assertFree(['S-1-2']))?.code).toBe('SEAT_TAKEN');
  });
});

describe('SeatMap.findBest', () => {
  it('step 1: the side-by-side block with the lowest rank sum, nearest the stage', () => {
    const m = new SeatMap([section('S', ['1', [3, 2, 1, 1, 2, 3]], ['2', [4, 3, 2, 2, 3, 4]])]);
    expect(m.findBest('A', 2)).toEqual(['S-1-3', 'S-1-4']);
    expect(m.findBest('A', 6)).toEqual(['S-1-1', 'S-1-2', 'S-1-3', 'S-1-4', 'S-1-5', 'S-1-6']);
    // Row 1 is now 1-2 free, 3 held, 4-6 free: any pair in 4-6 strands a seat, so row 2's centre wins.
    m.hold(['S-1-3']);
    expect(m.findBest('A', 2)).toEqual(['S-2-3', 'S-2-4']);
  });

  it('step 1: never strands a lone seat when a block elsewhere avoids it', () => {
    // Row 1: 2-4 or 3-5 (sum 4) would leave seat 1 or 6 alone; 1-3 and 4-6 (sum 6) do not.
    const m = new SeatMap([section('S', ['1', [3, 2, 1, 1, 2, 3]], ['2', [9, 9, 9]])]);
    expect(m.findBest('A', 3)).toEqual(['S-1-1', 'S-1-2', 'S-1-3']);

    // Five free in the better row, four wanted: either block strands one seat, so take the worse row.
    const five = new SeatMap([section('S', ['1', [1, 1, 1, 1, 1]], ['2', [2, 2, 2, 2]])]);
    expect(five.findBest('A', 4)).toEqual(['S-2-1', 'S-2-2', 'S-2-3', 'S-2-4']);

    // A taken seat bounds a run: seat 1 sold, 2-6 free; 3-5 is best by rank but strands seat 2.
    const run = new SeatMap([section('S', ['1', [0, 5, 1, 1, 1, 5]])]);
    run.hold(['S-1-1']);
    run.sell(['S-1-1']);
    expect(run.findBest('A', 3)).toEqual(['S-1-2', 'S-1-3', 'S-1-4']);

    // Another category bounds a run too: A A A B, two wanted, leaves one A boxed in by B or the row end.
    const mixed = new SeatMap([section('S', ['1', [1, 1, 1, 1], 'AAAB'], ['2', [5, 5]])]);
    expect(mixed.findBest('A', 2)).toEqual(['S-2-1', 'S-2-2']);
  });

  it('step 2: allows a lone seat when every block would leave one', () => {
    const m = new SeatMap([section('S', ['1', [1, 1, 1, 1, 1]], ['2', [2, 2, 2, 2]])]);
    m.hold(['S-2-1']);
    expect(m.findBest('A', 4)).toEqual(['S-1-1', 'S-1-2', 'S-1-3', 'S-1-4']);
    const centre = new SeatMap([section('S', ['1', [3, 1, 1, 1, 2]])]);
    expect(centre.findBest('A', 4)).toEqual(['S-1-2', 'S-1-3', 'S-1-4', 'S-1-5']);
  });

  it('step 3: best seats within one section when nothing is side by side', () => {
    // Middle seats sold everywhere. S has the single best seat (1) but T's two best sum lower (4 < 6).
    const m = new SeatMap([section('S', ['1', [1, 0, 5]]), section('T', ['1', [2, 0, 2]]), section('U', ['1', [3, 0, 3]])]);
    m.hold(['S-1-2', 'T-1-2', 'U-1-2']);
    m.sell(['S-1-2', 'T-1-2', 'U-1-2']);
    expect(m.findBest('A', 2)).toEqual(['T-1-1', 'T-1-3']);
    // Ties go to the section that comes first, even when a later one fills up first.
    const tie = new SeatMap([section('S', ['1', [1, 0, 3]]), section('T', ['1', [2, 0, 2]])]);
    tie.hold(['S-1-2', 'T-1-2']);
    expect(tie.findBest('A', 2)).toEqual(['S-1-1', 'S-1-3']);
  });

  it('step 4: lowest-ranked seats across sections when no section has enough', () => {
    const m = new SeatMap([section('S', ['1', [1]]), section('T', ['1', [3]]), section('U', ['1', [2]], ['2', [0], 'B'])]);
    expect(m.findBest('A', 2)).toEqual(['S-1-1', 'U-1-1']);
    expect(m.findBest('A', 3)).toEqual(['S-1-1', 'T-1-1', 'U-1-1']);
  });

  it('returns null when too few are free and rejects a bad quantity', () => {
    const m = new SeatMap([section('S', ['1', [1, 1, 1], 'AAB'])]);
    expect(m.findBest('A', 3)).toBeNull();
    expect(m.findBest('B', 1)).toEqual(['S-1-3']);
    expect(m.findBest('Z', 1)).toBeNull();
    m.hold(['S-1-1']);
    expect(m.findBest('A', 2)).toBeNull();
    m.release(['S-1-1']);
    expect(m.findBest('A', 2)).toEqual(['S-1-1', 'S-1-2']);
    for (const q of [0, -1, 1.5, Number.NaN]) expect(codeOf(() => m.findBest('A', q))?.code).toBe('MALFORMED_COMMAND');
  });

  // Brute force over the same four steps, to check the pruned search picks the same seats.
  function reference(m: SeatMap, sections: SectionConfig[], category: string, n: number): string[] | null {
    type Seat = { id: string; rank: number; no: number; sec: number };
    const bySum = (a: Seat[], b: Seat[]) => sum(a) - sum(b) || a[0]!.no - b[0]!.no;
    const sum = (seats: Seat[]) => seats.reduce((t, s) => t + s.rank, 0);
    const ok = (id: string) => m.status(id) === 'free' && m.categoryOf(id) === category;
    const clean: Seat[][] = [];
    const loose: Seat[][] = [];
    const all: Seat[] = [];
    let no = 0;
    sections.forEach((sec, si) => {
      for (const row of sec.rows) {
        const seats = row.seats.map((s) => ({ id: `${sec.id}-${row.id}-${s.label}`, rank: s.rank, no: no++, sec: si }));
        const free = seats.map((s) => ok(s.id));
        all.push(...seats.filter((_, i) => free[i]));
        for (let a = 0; a + n <= seats.length; a++) {
          if (!free.slice(a, a + n).every(Boolean)) continue;
          const lone = (i: number, beyond: number) => free[i] === true && free[beyond] !== true;
          (lone(a - 1, a - 2) || lone(a + n, a + n + 1) ? loose : clean).push(seats.slice(a, a + n));
        }
      }
    });
    const byRank = [...all].sort((a, b) => a.rank - b.rank || a.no - b.no);
    const perSection = [...new Set(all.map((s) => s.sec))]
      .map((sec) => byRank.filter((s) => s.sec === sec).slice(0, n))
      .filter((seats) => seats.length === n);
    const pick = clean.sort(bySum)[0] ?? loose.sort(bySum)[0] ?? perSection.sort((a, b) => sum(a) - sum(b) || a[0]!.sec - b[0]!.sec)[0];
    const seats = pick ?? (byRank.length >= n ? byRank.slice(0, n) : null);
    return seats && seats.sort((a, b) => a.no - b.no).map((s) => s.id);
  }

  it('property: distinct free seats of the category, right count, no mutation, same as brute force', () => {
    const seatArb = fc.record({ rank: fc.integer({ min: 0, max: 6 }), category: fc.constantFrom('A', 'B'), state: fc.constantFrom('free', 'free', 'held', 'sold') });
    const venueArb = fc.array(fc.array(fc.array(seatArb, { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 3 });
    const requestsArb = fc.array(fc.tuple(fc.constantFrom('A', 'B'), fc.integer({ min: 1, max: 6 }), fc.boolean()), { maxLength: 8 });
    fc.assert(
      fc.property(venueArb, requestsArb, (venue, requests) => {
        const sections: SectionConfig[] = venue.map((rows, si) => ({
          id: `S${si}`,
          name: `S${si}`,
          rows: rows.map((seats, ri) => ({ id: `R${ri}`, seats: seats.map((s, i) => ({ label: String(i + 1), category: s.category, rank: s.rank })) })),
        }));
        const m = new SeatMap(sections);
        const ids = sections.flatMap((sec, si) => sec.rows.flatMap((row, ri) => row.seats.map((s) => ({ id: `${sec.id}-${row.id}-${s.label}`, state: venue[si]![ri]![Number(s.label) - 1]!.state }))));
        const taken = ids.filter((s) => s.state !== 'free').map((s) => s.id);
        m.hold(taken);
        m.sell(ids.filter((s) => s.state === 'sold').map((s) => s.id));
        m.release([]);
        for (const [category, n, take] of requests) {
          const before = ids.map((s) => m.status(s.id));
          const freeBefore = m.freeIn(category);
          const best = m.findBest(category, n);
          expect(ids.map((s) => m.status(s.id))).toEqual(before);
          expect(m.freeIn(category)).toBe(freeBefore);
          expect(best).toEqual(reference(m, sections, category, n));
          if (best === null) {
            expect(freeBefore).toBeLessThan(n);
            continue;
          }
          expect(best).toHaveLength(n);
          expect(new Set(best).size).toBe(n);
          for (const id of best) expect([m.status(id), m.categoryOf(id)]).toEqual(['free', category]);
          expect(() => m.assertFree(best)).not.toThrow();
          // Take the seats (or return some held ones) so later requests see a changing venue.
          if (take) m.hold(best);
          else {
            const held = ids.filter((s) => m.status(s.id) === 'held').slice(0, n).map((s) => s.id);
            m.release(held);
          }
          expect(m.free).toBe(ids.filter((s) => m.status(s.id) === 'free').length);
        }
      }),
      { numRuns: 300 },
    );
  });
});
