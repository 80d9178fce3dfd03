import { describe, expect, it } from 'vitest';
import { PSEUDONYM_BYTES } from '../src/fairness/draw.js';
import { PendingPlaces } from '../src/pending-places.js';

const pseudonymOf = (n: number) => new Uint8Array(PSEUDONYM_BYTES).fill(n & 0xff).map((b, i) => (b + i * 7) & 0xff);

/** The checker's pending places of a draw against the Map of objects they replace. */
describe('PendingPlaces', () => {
  it('takes the places a Map would hold, in its order, through 200,000 random joins and leaves and its rehashes', () => {
    const places = new PendingPlaces();
    const map = new Map<string, { joinNumber: number; pseudonym: Uint8Array }>();
    let seed = 11;
    const random = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const everJoined = new Set<string>();
    for (let step = 1; step <= 200_000; step++) {
      const fanId = `f${random(100_000).toString(36)}`;
      if (random(3) < 2) {
        const pseudonym = pseudonymOf(step);
        places.set(fanId, step, pseudonym);
        map.set(fanId, { joinNumber: step, pseudonym });
        everJoined.add(fanId);
      } else {
        places.delete(fanId);
        map.delete(fanId);
      }
      expect(places.size).toBe(map.size);
    }
    // Enough fans to fill two-thirds of the first table (1,024 slots) many times over.
    expect(everJoined.size).toBeGreaterThan(40_000);
    const { fanIds, entries } = places.take();
    const expected = [...map];
    expect(fanIds).toEqual(expected.map(([fanId]) => fanId));
    expect(Array.from(entries.joinNumbers)).toEqual(expected.map(([, place]) => place.joinNumber));
    expect(Buffer.from(entries.pseudonyms).equals(Buffer.concat(expected.map(([, place]) => place.pseudonym)))).toBe(true);
  });

  it('keeps a pending place where it is when its fan joins again, and puts a left one last', () => {
    const places = new PendingPlaces();
    places.set('a', 1, pseudonymOf(1));
    places.set('b', 2, pseudonymOf(2));
    places.set('c', 3, pseudonymOf(3));
    places.set('a', 4, pseudonymOf(4));
    places.delete('b');
    places.set('b', 5, pseudonymOf(5));
    const { fanIds, entries } = places.take();
    expect(fanIds).toEqual(['a', 'c', 'b']);
    expect(Array.from(entries.joinNumbers)).toEqual([4, 3, 5]);
    expect([...entries.pseudonyms.subarray(0, PSEUDONYM_BYTES)]).toEqual([...pseudonymOf(4)]);
    expect(() => places.set('d', 6, pseudonymOf(6))).toThrow(/taken/);
  });
});
