/**
 * The fan page's path to its place: the plain-TypeScript ChaCha20 gives the
 * same words as OpenSSL's, and following one entry through the Fisher–Yates
 * (placeOf) lands where the engine's whole permutation puts it.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ChaCha20Words } from '../src/fairness/chacha20.js';
import { permutation, placeOf } from '../src/fairness/fisher-yates.js';
import { shuffledIndices } from '../src/fairness/shuffle.js';

const keyFor = (label: string) => createHash('sha256').update(label).digest();

describe('ChaCha20Words', () => {
  it('gives RFC 8439 A.1 test vector #1 (zero key, zero nonce, counter 0)', () => {
    const words = new ChaCha20Words(new Uint8Array(32)).next();
    const bytes = Buffer.from(words.buffer, words.byteOffset, 64);
    expect(bytes.toString('hex')).toBe(
      '76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586',
    );
  });

  it('gives OpenSSL\'s keystream word for word, across chunks', () => {
    for (const label of ['a', 'b', 'c']) {
      const key = keyFor(label);
      const source = new ChaCha20Words(key);
      const ours = Buffer.concat([0, 1, 2].map(() => Buffer.from(source.next().slice().buffer)));
      const openssl = createCipheriv('chacha20', key, Buffer.alloc(16)).update(Buffer.alloc(ours.length));
      expect(ours.equals(openssl)).toBe(true);
    }
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(() => new ChaCha20Words(new Uint8Array(31))).toThrow(/32 bytes/);
  });
});

describe('placeOf', () => {
  it('finds every entry where the engine\'s permutation places it', () => {
    for (const [label, count] of [['x', 2], ['y', 3], ['z', 1000], ['w', 20_000]] as const) {
      const key = keyFor(label);
      const engine = shuffledIndices(key.toString('hex'), count);
      expect(permutation(new ChaCha20Words(key), count)).toEqual(engine);
      const sample = count <= 1000 ? Array.from({ length: count }, (_, i) => i) : [0, 1, 7777, count - 2, count - 1];
      for (const index of sample) expect(engine[placeOf(new ChaCha20Words(key), count, index)]).toBe(index);
    }
  });

  it('places the only entry of a one-entry draw first, and refuses an index outside the draw', () => {
    expect(placeOf(new ChaCha20Words(keyFor('one')), 1, 0)).toBe(0);
    expect(() => placeOf(new ChaCha20Words(keyFor('one')), 5, 5)).toThrow(RangeError);
    expect(() => placeOf(new ChaCha20Words(keyFor('one')), 5, -1)).toThrow(RangeError);
  });
});
