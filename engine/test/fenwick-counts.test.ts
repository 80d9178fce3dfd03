import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FenwickCounts } from '../src/util/fenwick-counts.js';

describe('FenwickCounts', () => {
  it('counts marked positions between two positions, across growth, as a plain walk does', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 5000 })), { maxLength: 400 }), (ops) => {
        const counts = new FenwickCounts();
        const marked = new Set<number>();
        for (const [mark, position] of ops) {
          if (mark) {
            counts.mark(position);
            marked.add(position);
          } else {
            counts.unmark(position);
            marked.delete(position);
          }
        }
        const walk = (after: number, upTo: number) => [...marked].filter((p) => p > after && p <= upTo).length;
        for (const [after, upTo] of [[0, 5000], [0, 1], [17, 4096], [1023, 1025], [2000, 100], [0, 10_000]] as const) {
          expect(counts.between(after, upTo)).toBe(walk(after, upTo));
        }
        const sorted = [...marked].sort((a, b) => a - b);
        for (let k = 1; k <= sorted.length; k += Math.max(1, Math.floor(sorted.length / 7))) expect(counts.positionOfCount(k)).toBe(sorted[k - 1]);
        expect(counts.positionOfCount(sorted.length + 1)).toBeUndefined();
      }),
      { numRuns: 200 },
    );
  });
});
