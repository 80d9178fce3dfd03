import { createCipheriv, createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isBreakwaterError } from '../src/errors.js';
import { commitmentOf, newSeed, shuffledIndices } from '../src/fairness/shuffle.js';

const ZERO_SEED = '00'.repeat(32);
const ONES_SEED = '01'.repeat(32);
const COUNTING_SEED = Buffer.from(Array.from({ length: 32 }, (_, k) => k)).toString('hex');

/**
 * An independent, deliberately naive implementation of the spec: one big
 * keystream buffer, BigInt arithmetic and the spec's limit formula verbatim.
 */
function referenceShuffle(seedHex: string, n: number): { perm: number[]; rejections: number } {
  const perm = Array.from({ length: n }, (_, k) => k);
  if (n < 2) return { perm, rejections: 0 };
  const keystream = createCipheriv('chacha20', Buffer.from(seedHex, 'hex'), Buffer.alloc(16)).update(Buffer.alloc(n * 4 + 4096));
  let offset = 0;
  let rejections = 0;
  const two32 = 1n << 32n;
  for (let i = n - 1; i >= 1; i--) {
    const m = BigInt(i + 1);
    const limit = two32 - (two32 % m);
    let w = BigInt(keystream.readUInt32LE(offset));
    offset += 4;
    while (w >= limit) {
      rejections++;
      w = BigInt(keystream.readUInt32LE(offset));
      offset += 4;
    }
    const j = Number(w % m);
    [perm[i], perm[j]] = [perm[j]!, perm[i]!];
  }
  return { perm, rejections };
}

function seedFor(label: string): string {
  return createHash('sha256').update(label).digest('hex');
}

function expectMalformed(fn: () => unknown): void {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  expect(isBreakwaterError(thrown, 'MALFORMED_COMMAND'), `expected MALFORMED_COMMAND, got ${String(thrown)}`).toBe(true);
}

describe('Node chacha20 matches RFC 8439 (iv = 4-byte LE counter || 12-byte nonce)', () => {
  it('reproduces the section 2.4.2 encryption (counter 1, nonce 000000000000004a00000000)', () => {
    const key = Buffer.from(Array.from({ length: 32 }, (_, k) => k));
    const iv = Buffer.concat([Buffer.from([1, 0, 0, 0]), Buffer.from('000000000000004a00000000', 'hex')]);
    const plaintext = Buffer.from(
      "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
    );
    const ciphertext = createCipheriv('chacha20', key, iv).update(plaintext);
    expect(ciphertext.subarray(0, 32).toString('hex')).toBe('6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0b');
  });

  it('reproduces the appendix A.1 keystream blocks 0 and 1 for the zero key and nonce', () => {
    const keystream = createCipheriv('chacha20', Buffer.alloc(32), Buffer.alloc(16)).update(Buffer.alloc(128));
    expect(keystream.subarray(0, 64).toString('hex')).toBe(
      '76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586',
    );
    expect(keystream.subarray(64, 128).toString('hex')).toBe(
      '9f07e7be5551387a98ba977c732d080dcb0f29a048e3656912c6533e32ee7aed29b721769ce64e43d57133b074d839d531ed1f28510afb45ace10a1f4b794d6f',
    );
  });
});

describe('known answers (docs/fairness.md\'s permutation vectors, keyed directly)', () => {
  const vectors = [
    { seed: ZERO_SEED, commitment: '66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925', perm: [6, 8, 2, 7, 9, 5, 1, 0, 3, 4] },
    { seed: ONES_SEED, commitment: '72cd6e8422c407fb6d098690f1130b7ded7ec2f7f5e1d30bd9d521f015363793', perm: [7, 4, 8, 1, 9, 3, 6, 5, 0, 2] },
    { seed: COUNTING_SEED, commitment: '630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd', perm: [6, 1, 9, 7, 0, 2, 4, 5, 8, 3] },
  ];

  it.each(vectors)('seed $seed', ({ seed, commitment, perm }) => {
    expect(commitmentOf(seed)).toBe(commitment);
    expect(referenceShuffle(seed, 10).perm).toEqual(perm);
    expect(Array.from(shuffledIndices(seed, 10))).toEqual(perm);
  });

  it('reads keystream words little-endian: the zero seed\'s first word is 0xade0b876 (bytes 76 b8 e0 ad)', () => {
    // n = 2 makes one draw with m = 2: 0xade0b876 is even, so j = 0 and P[1] swaps with P[0].
    expect(Array.from(shuffledIndices(ZERO_SEED, 2))).toEqual([1, 0]);
    // n = 3 draws 0xade0b876 mod 3 = 0 (swap P[2], P[0]: [2, 1, 0]) then 0x903df1a0 mod 2 = 0 (swap P[1], P[0]).
    expect([0xade0b876 % 3, 0x903df1a0 % 2]).toEqual([0, 0]);
    expect(Array.from(shuffledIndices(ZERO_SEED, 3))).toEqual([1, 2, 0]);
  });

  it('matches the reference across keystream chunk boundaries (n = 40,000 spans three 64 KiB chunks)', () => {
    const seed = seedFor('chunks');
    expect(Array.from(shuffledIndices(seed, 40_000))).toEqual(referenceShuffle(seed, 40_000).perm);
  });

  it('matches the reference when rejection sampling rejects words', () => {
    const seed = seedFor('rejections');
    const n = 300_000;
    const reference = referenceShuffle(seed, n);
    expect(reference.rejections).toBeGreaterThan(0);
    expect(Array.from(shuffledIndices(seed, n))).toEqual(reference.perm);
  });

  it('matches the reference for every small n', () => {
    for (let n = 0; n <= 40; n++) {
      for (const seed of [ZERO_SEED, ONES_SEED, COUNTING_SEED]) {
        expect(Array.from(shuffledIndices(seed, n))).toEqual(referenceShuffle(seed, n).perm);
      }
    }
  });
});

describe('shuffledIndices', () => {
  it('is deterministic for (seed, count)', () => {
    const seed = seedFor('determinism');
    expect(shuffledIndices(seed, 5000)).toEqual(shuffledIndices(seed, 5000));
  });

  it('accepts the seed in either case', () => {
    const seed = seedFor('case');
    expect(shuffledIndices(seed.toUpperCase(), 100)).toEqual(shuffledIndices(seed, 100));
    expect(commitmentOf(seed.toUpperCase())).toBe(commitmentOf(seed));
  });

  it('returns a permutation of 0..count-1', () => {
    for (const n of [0, 1, 2, 3, 10, 1000, 65_537]) {
      const perm = shuffledIndices(seedFor(`perm-${n}`), n);
      expect(perm.length).toBe(n);
      const seen = new Uint8Array(n);
      let problems = 0;
      for (const k of perm) {
        if (k >= n || seen[k] !== 0) problems++;
        seen[k] = 1;
      }
      expect(problems).toBe(0);
    }
  });

  it('gives the identity for 0 and 1 entries', () => {
    expect(Array.from(shuffledIndices(ZERO_SEED, 0))).toEqual([]);
    expect(Array.from(shuffledIndices(ZERO_SEED, 1))).toEqual([0]);
  });

  it('differs between seeds', () => {
    const orders = new Set<string>();
    for (let k = 0; k < 50; k++) orders.add(shuffledIndices(seedFor(`differ-${k}`), 100).join(','));
    expect(orders.size).toBe(50);
    expect(shuffledIndices(ZERO_SEED, 100)).not.toEqual(shuffledIndices(ONES_SEED, 100));
  });

  it('is roughly uniform: position of entry 0 and the whole permutation for n = 5', () => {
    const n = 5;
    const samples = 24_000;
    const positionOfZero = new Array<number>(n).fill(0);
    const permutations = new Map<string, number>();
    for (let s = 0; s < samples; s++) {
      const perm = shuffledIndices(seedFor(`uniformity-${s}`), n);
      positionOfZero[perm.indexOf(0)]!++;
      const key = perm.join('');
      permutations.set(key, (permutations.get(key) ?? 0) + 1);
    }
    const chiSquare = (counts: number[], expected: number) => counts.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);

    // 4 degrees of freedom: mean 4; P(χ² > 25) ≈ 5e-5.
    expect(chiSquare(positionOfZero, samples / n)).toBeLessThan(25);
    // All 120 permutations appear; 119 degrees of freedom: mean 119, sd ≈ 15.4.
    expect(permutations.size).toBe(120);
    expect(chiSquare([...permutations.values()], samples / 120)).toBeLessThan(200);
  });

  it('rejects a malformed key or count with MALFORMED_COMMAND', () => {
    expectMalformed(() => shuffledIndices('00', 3));
    expectMalformed(() => shuffledIndices('0'.repeat(63), 3));
    expectMalformed(() => shuffledIndices('0'.repeat(66), 3));
    expectMalformed(() => shuffledIndices(`${'0'.repeat(63)}g`, 3));
    expectMalformed(() => shuffledIndices(` ${'0'.repeat(63)}`, 3));
    expectMalformed(() => shuffledIndices(42 as unknown as string, 3));
    expectMalformed(() => shuffledIndices(ZERO_SEED, -1));
    expectMalformed(() => shuffledIndices(ZERO_SEED, 1.5));
    expectMalformed(() => shuffledIndices(ZERO_SEED, Number.NaN));
    expectMalformed(() => commitmentOf('xyz'));
  });
});

describe('newSeed and commitmentOf', () => {
  it('newSeed returns 64 lowercase hex characters from the 32 bytes it asked for', () => {
    const asked: number[] = [];
    const seed = newSeed((n) => {
      asked.push(n);
      return Uint8Array.from({ length: n }, (_, k) => 0xf0 + (k % 16));
    });
    expect(asked).toEqual([32]);
    expect(seed).toMatch(/^[0-9a-f]{64}$/);
    expect(seed.slice(0, 4)).toBe('f0f1');
  });

  it('newSeed refuses a random source that returns the wrong length', () => {
    expect(() => newSeed((n) => new Uint8Array(n - 1))).toThrow();
  });

  it('commitmentOf is SHA-256 of the seed bytes as 64 lowercase hex characters', () => {
    const seed = seedFor('commitment');
    const commitment = commitmentOf(seed);
    expect(commitment).toMatch(/^[0-9a-f]{64}$/);
    expect(commitment).toBe(createHash('sha256').update(Buffer.from(seed, 'hex')).digest('hex'));
    expect(commitment).not.toBe(createHash('sha256').update(seed).digest('hex'));
  });
});

