/**
 * The draw's Fisher–Yates (docs/fairness.md, "Permutation"), with no I/O and
 * no Node.js: the engine runs it over OpenSSL's ChaCha20 (shuffle.ts), the
 * fan page over the plain one (chacha20.ts). The uniform draws live here only;
 * `permutation` places every entry, `placeOf` follows a single one.
 */

/** Consecutive keystream words (little-endian uint32), a chunk at a time; each word is used once. */
export interface WordSource {
  next(): Uint32Array;
}

const TWO_POW_32 = 4294967296;

/** The swap index of each step, i = n−1 down to 1: uniform in [0, i] by rejection sampling. */
class SwapIndices {
  private words: Uint32Array;
  private pos = 0;

  constructor(private readonly source: WordSource) {
    this.words = source.next();
  }

  at(i: number): number {
    const m = i + 1;
    // The spec's test `w >= limit` with limit = 2^32 − (2^32 mod m), written
    // with one modulo: w − (w mod m) = m·⌊w/m⌋ is at least limit = m·⌊2^32/m⌋
    // exactly when it exceeds 2^32 − m. Same draws, same words consumed.
    let w: number;
    let j: number;
    do {
      if (this.pos === this.words.length) {
        this.words = this.source.next();
        this.pos = 0;
      }
      w = this.words[this.pos++]!;
      j = w % m;
    } while (w - j > TWO_POW_32 - m);
    return j;
  }
}

/** P of `count` entries: P[k] is the index (in join order) of the entry placed k-th. */
export function permutation(source: WordSource, count: number): Uint32Array {
  const perm = new Uint32Array(count);
  for (let k = 0; k < count; k++) perm[k] = k;
  if (count < 2) return perm;
  const swaps = new SwapIndices(source);
  for (let i = count - 1; i > 0; i--) {
    const j = swaps.at(i);
    const t = perm[i]!;
    perm[i] = perm[j]!;
    perm[j] = t;
  }
  return perm;
}

/**
 * The k with P[k] = index, without P: the same swaps, following one entry.
 * O(count) keystream words and no memory, so a phone can find its place in a
 * draw of millions without the entry list.
 */
export function placeOf(source: WordSource, count: number, index: number): number {
  if (!Number.isInteger(index) || index < 0 || index >= count) throw new RangeError(`index ${index} is not an entry of ${count}`);
  if (count < 2) return index;
  const swaps = new SwapIndices(source);
  let at = index;
  for (let i = count - 1; i > 0; i--) {
    const j = swaps.at(i);
    if (at === i) at = j;
    else if (at === j) at = i;
  }
  return at;
}
