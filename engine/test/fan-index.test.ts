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

  it('agrees with a Map through inserts and deletes, slots recycled, tables grown', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 300 })), { maxLength: 3000 }), (ops) => {
        const fanOfSlot: string[] = [];
        const index = new FanIndex(fanOfSlot);
        const model = new Map<string, number>();
        const free: number[] = [];
        for (const [insert, n] of ops) {
          // Ids that mostly collide in the low bits, so probe runs are long and deletes must shift them.
          const id = `f${n}`;
          if (insert && !model.has(id)) {
            const slot = free.pop() ?? fanOfSlot.length;
            fanOfSlot[slot] = id;
            index.set(id, slot);
            model.set(id, slot);
          } else if (!insert && model.has(id)) {
            index.delete(id);
            free.push(model.get(id)!);
            fanOfSlot[model.get(id)!] = '';
            model.delete(id);
          }
        }
        for (let n = 0; n <= 300; n++) expect(index.get(`f${n}`)).toBe(model.get(`f${n}`) ?? -1);
      }),
      { numRuns: 200 },
    );
  });

  it('still finds every fan after thousands of deletes in a crowded table (backward-shift deletion)', () => {
    const fanOfSlot: string[] = [];
    const index = new FanIndex(fanOfSlot);
    const live = new Map<string, number>();
    for (let i = 0; i < 30_000; i++) {
      fanOfSlot.push(`fan-${i}`);
      index.set(`fan-${i}`, i);
      live.set(`fan-${i}`, i);
    }
    for (let i = 0; i < 30_000; i += 3) {
      index.delete(`fan-${i}`);
      live.delete(`fan-${i}`);
    }
    for (let i = 0; i < 30_000; i++) expect(index.get(`fan-${i}`)).toBe(live.get(`fan-${i}`) ?? -1);
  });
});
