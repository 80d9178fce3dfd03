import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FanIndex } from '../src/queue/fan-index.js';

describe('FanIndex', () => {
  it('agrees with a Map through inserts, re-points and growth', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 6 }), { maxLength: 400 }), (ids) => {
        const fanOfSlot: string[] = [];
        const index = new FanIndex(fanOfSlot);
        const model = new Map<string, number>();
        for (const id of ids) {
          // Every id gets a new slot, as a fan rejoining after leaving does.
          fanOfSlot.push(id);
          index.set(id, fanOfSlot.length - 1);
          model.set(id, fanOfSlot.length - 1);
        }
        for (const id of ids) expect(index.get(id)).toBe(model.get(id));
        expect(index.get('\u{1F3AB} never joined')).toBe(-1);
      }),
    );
  });

  it('finds every one of 200,000 fans after several resizes', () => {
    const fanOfSlot: string[] = [];
    const index = new FanIndex(fanOfSlot);
    for (let i = 0; i < 200_000; i++) {
      fanOfSlot.push(`fan-${i}`);
      index.set(`fan-${i}`, i);
    }
    for (let i = 0; i < 200_000; i += 997) expect(index.get(`fan-${i}`)).toBe(i);
    expect(index.get('fan-200000')).toBe(-1);
  });
});
