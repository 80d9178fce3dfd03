import { describe, expect, it } from 'vitest';
import { PlaceNumbers } from '../src/place-numbers.js';

/** The checker's number book against the Maps it replaces: each fan's latest number, and the waiting places in number order. */
describe('PlaceNumbers', () => {
  it('answers like a Map of numbers and a Map of waiting fans through 200,000 random steps and its rehashes', () => {
    const book = new PlaceNumbers();
    const numbers = new Map<string, number>();
    const waiting = new Map<string, true>();
    const everNumbered = new Set<string>();
    let seed = 7;
    const random = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    for (let step = 0; step < 200_000; step++) {
      const fanId = `f${random(120_000).toString(36)}`;
      const op = random(10);
      if (op < 5 && !waiting.has(fanId)) {
        numbers.set(fanId, book.add(fanId));
        everNumbered.add(fanId);
        waiting.set(fanId, true);
      } else if (op < 7) {
        book.gone(fanId);
        numbers.delete(fanId);
        waiting.delete(fanId);
      } else if (op < 9) {
        expect(book.nextInLine()).toBe(waiting.keys().next().value);
        const next = book.nextInLine();
        if (next !== undefined) {
          book.served(next);
          waiting.delete(next);
        }
      } else {
        book.served(fanId);
        waiting.delete(fanId);
      }
      expect(book.numberOf(fanId)).toBe(numbers.get(fanId));
      expect(book.waits(fanId)).toBe(waiting.has(fanId));
    }
    // Enough fans to fill two-thirds of the first table (65,536 slots) and rehash it.
    expect(everNumbered.size).toBeGreaterThan(65_536 * (2 / 3));
    for (const [fanId, number] of numbers) expect(book.numberOf(fanId)).toBe(number);
  });

  it('forgets a waiting place when its fan is numbered again', () => {
    const book = new PlaceNumbers();
    book.add('a');
    book.add('b');
    expect(book.add('a')).toBe(3);
    expect(book.nextInLine()).toBe('b');
    book.served('b');
    expect(book.nextInLine()).toBe('a');
    expect(book.numberOf('a')).toBe(3);
  });
});
