/**
 * Verifiable shuffle of the pre-queue (and of the start window and any other
 * draw, each with its own seed and commitment: the same protocol below, with
 * "pre-queue" read as "the places pending in the draw").
 *
 * This header is the specification. Anyone holding the revealed seed and the
 * published list of pre-queue entries can recompute the order with it, in
 * any language, and compare it with the order Breakwater used.
 *
 * ── Breakwater pre-queue shuffle, version 1 ──────────────────────────────
 *
 * Protocol
 *   1. When the pre-queue opens, the engine draws a seed of 32 random bytes
 *      and publishes   commitment = SHA-256(seed)
 *      (the hash of the 32 raw bytes, not of their hex text).
 *   2. When the start window closes (the on-sale time + the window; at the
 *      on-sale time without one) it reveals the seed. The entries of the
 *      pre-queue and the window, e[0], e[1], …, e[n-1], in the order they
 *      joined, are put in the order
 *      e[P[0]], e[P[1]], …, e[P[n-1]], where P is the permutation below:
 *      P[k] is the join index of the entry placed k-th.
 *   Hex: seed and commitment are written as 64 hexadecimal characters.
 *   Breakwater writes lowercase; readers accept either case.
 *
 * Random words
 *   The ChaCha20 keystream of RFC 8439 (sections 2.3 and 2.4) with
 *     key           = the 32 seed bytes,
 *     nonce         = 12 zero bytes,
 *     initial block counter = 0,
 *   i.e. keystream blocks 0, 1, 2, … concatenated (equivalently: the
 *   ChaCha20 encryption of an all-zero plaintext). It is read as consecutive
 *   32-bit unsigned integers, each from 4 bytes in little-endian order:
 *     w[0] = bytes 0..3, w[1] = bytes 4..7, …
 *   Every word is consumed exactly once, in order, by the draws below.
 *   (The block counter is 32 bits, so the stream is 2^32 blocks = 2^36 words
 *   long; no shuffle of fewer than 2^32 entries comes anywhere near that,
 *   and an implementation must fail rather than wrap the counter.)
 *
 * Uniform draw in [0, m)   (1 ≤ m < 2^32)
 *     limit = 2^32 − (2^32 mod m)
 *     repeat  w = next word   until  w < limit      (rejection sampling)
 *     return  w mod m
 *   limit is the largest multiple of m not above 2^32, so the result is
 *   exactly uniform. Compute limit in 64-bit (or exact) arithmetic: 2^32
 *   itself does not fit in a uint32.
 *
 * Permutation (Durstenfeld's Fisher–Yates, from the last index down)
 *     P = [0, 1, …, n−1]
 *     for i = n−1 down to 1:
 *         j = draw(m = i + 1)          // uniform in [0, i]
 *         swap P[i] and P[j]           // also when j = i
 *   n = 0 and n = 1 consume no words and give the identity. n < 2^32.
 *
 * Test vectors (P for n = 10)
 *   seed       = 00 × 32
 *   commitment = 66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925
 *   P          = [6, 8, 2, 7, 9, 5, 1, 0, 3, 4]
 *
 *   seed       = 01 × 32
 *   commitment = 72cd6e8422c407fb6d098690f1130b7ded7ec2f7f5e1d30bd9d521f015363793
 *   P          = [7, 4, 8, 1, 9, 3, 6, 5, 0, 2]
 *
 *   seed       = 000102…1f (bytes 0 to 31)
 *   commitment = 630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd
 *   P          = [6, 1, 9, 7, 0, 2, 4, 5, 8, 3]
 *
 * ── End of specification ────────────────────────────────────────────────
 *
 * Node.js note: crypto.createCipheriv('chacha20', key, iv) is OpenSSL's
 * EVP_chacha20, whose 16-byte iv is the last four words of the RFC 8439
 * state: a 4-byte little-endian block counter followed by the 12-byte nonce.
 * For counter 0 and a zero nonce the iv is therefore 16 zero bytes. This
 * layout is checked against the RFC 8439 test vectors in
 * engine/test/shuffle.test.ts (section 2.4.2 uses counter 1 and a non-zero
 * nonce, so it pins both fields).
 *
 * Speed: the keystream is produced in chunks of at most 64 KiB (encrypting
 * zeros), never 4·n bytes at once; the permutation is a Uint32Array.
 */
import { createCipheriv, createHash, type Cipher } from 'node:crypto';
import { endianness } from 'node:os';
import { BreakwaterError } from '../errors.js';

const TWO_POW_32 = 4294967296;
/** Largest supported count: every draw bound m = i + 1 must stay below 2^32. */
const MAX_COUNT = TWO_POW_32 - 1;
/** 2^32 blocks of 16 words: the whole ChaCha20 keystream for one key and nonce. */
const MAX_KEYSTREAM_WORDS = 2 ** 36;
const CHUNK_BYTES = 64 * 1024;
const ZEROS = Buffer.alloc(CHUNK_BYTES);
/** Counter 0 (4 bytes, little-endian) followed by the all-zero 12-byte nonce. */
const CHACHA20_IV = Buffer.alloc(16);
const LITTLE_ENDIAN_HOST = endianness() === 'LE';
const SEED_HEX = /^[0-9a-fA-F]{64}$/;

export interface ShuffleProof {
  commitment: string;
  seed: string;
  entries: readonly string[];
  order: readonly string[];
}

export type ShuffleVerification = { ok: true } | { ok: false; reason: string; firstMismatchAt?: number };

/** A fresh seed: 32 bytes from `randomBytes` (e.g. node:crypto's randomBytes) as 64 lowercase hex characters. */
export function newSeed(randomBytes: (n: number) => Uint8Array): string {
  const bytes = randomBytes(32);
  if (!(bytes instanceof Uint8Array) || bytes.length !== 32) {
    throw new Error(`randomBytes(32) returned ${bytes instanceof Uint8Array ? `${bytes.length} bytes` : 'something that is not a Uint8Array'}`);
  }
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** The published commitment: SHA-256 of the 32 seed bytes, as 64 lowercase hex characters. */
export function commitmentOf(seedHex: string): string {
  return createHash('sha256').update(seedBytes(seedHex)).digest('hex');
}

/**
 * Returns a permutation: result[i] = index into `count` entries of the entry
 * placed i-th. Deterministic for (seedHex, count).
 */
export function shuffledIndices(seedHex: string, count: number): Uint32Array {
  const key = seedBytes(seedHex);
  if (!Number.isSafeInteger(count) || count < 0 || count > MAX_COUNT) {
    throw new BreakwaterError('MALFORMED_COMMAND', `The shuffle count must be an integer from 0 to ${MAX_COUNT}.`, {
      details: { field: 'count', value: count },
    });
  }
  const perm = new Uint32Array(count);
  for (let k = 0; k < count; k++) perm[k] = k;
  if (count < 2) return perm;

  const stream = new KeystreamWords(key, count - 1);
  let words = stream.next();
  let pos = 0;
  for (let i = count - 1; i > 0; i--) {
    const m = i + 1;
    // The spec's test `w >= limit` with limit = 2^32 − (2^32 mod m), written
    // with one modulo: w − (w mod m) = m·⌊w/m⌋ is at least limit = m·⌊2^32/m⌋
    // exactly when it exceeds 2^32 − m. Same draws, same words consumed.
    let w: number;
    let j: number;
    do {
      if (pos === words.length) {
        words = stream.next();
        pos = 0;
      }
      w = words[pos++]!;
      j = w % m;
    } while (w - j > TWO_POW_32 - m);
    const t = perm[i]!;
    perm[i] = perm[j]!;
    perm[j] = t;
  }
  return perm;
}

/** The entries in shuffled order (a new array; `entries` is not changed). */
export function shuffle<T>(entries: readonly T[], seedHex: string): T[] {
  const indices = shuffledIndices(seedHex, entries.length);
  const out = new Array<T>(indices.length);
  for (let k = 0; k < indices.length; k++) out[k] = entries[indices[k]!]!;
  return out;
}

/**
 * Checks commitment matches seed and that `order` is exactly
 * shuffle(entries, seed). Returns {ok:true} or {ok:false, reason, firstMismatchAt?}.
 * Never throws: a malformed proof is reported as {ok:false}.
 */
export function verifyShuffle(proof: ShuffleProof): ShuffleVerification {
  const shapeProblem = checkShape(proof);
  if (shapeProblem !== undefined) return { ok: false, reason: shapeProblem };
  const { commitment, seed, entries, order } = proof;
  if (!SEED_HEX.test(seed)) return { ok: false, reason: 'seed is not 64 hexadecimal characters (32 bytes)' };
  if (!SEED_HEX.test(commitment)) return { ok: false, reason: 'commitment is not 64 hexadecimal characters (a SHA-256 hash)' };
  const expectedCommitment = commitmentOf(seed);
  if (commitment.toLowerCase() !== expectedCommitment) {
    return {
      ok: false,
      reason: `commitment does not match the seed: SHA-256(seed) is ${expectedCommitment}, the proof says ${commitment.toLowerCase()}`,
    };
  }

  const expected = shuffle(entries, seed);
  const common = Math.min(expected.length, order.length);
  let firstMismatch = -1;
  for (let k = 0; k < common; k++) {
    if (order[k] !== expected[k]) {
      firstMismatch = k;
      break;
    }
  }
  if (order.length !== expected.length) {
    return {
      ok: false,
      reason: `order has ${order.length} entries but the pre-queue has ${entries.length}`,
      firstMismatchAt: firstMismatch === -1 ? common : firstMismatch,
    };
  }
  if (firstMismatch !== -1) {
    return {
      ok: false,
      reason: `order differs from the shuffle at position ${firstMismatch}: expected ${JSON.stringify(expected[firstMismatch])}, found ${JSON.stringify(order[firstMismatch])}`,
      firstMismatchAt: firstMismatch,
    };
  }
  return { ok: true };
}

function seedBytes(seedHex: string): Buffer {
  if (typeof seedHex !== 'string' || !SEED_HEX.test(seedHex)) {
    throw new BreakwaterError('MALFORMED_COMMAND', 'The shuffle seed must be 64 hexadecimal characters (32 bytes).', {
      details: { field: 'seed' },
    });
  }
  return Buffer.from(seedHex, 'hex');
}

function checkShape(proof: unknown): string | undefined {
  if (typeof proof !== 'object' || proof === null || Array.isArray(proof)) return 'proof is not an object';
  const p = proof as Record<string, unknown>;
  for (const field of ['commitment', 'seed'] as const) {
    if (typeof p[field] !== 'string') return `proof.${field} is not a string`;
  }
  for (const field of ['entries', 'order'] as const) {
    const list = p[field];
    if (!Array.isArray(list)) return `proof.${field} is not an array`;
    for (let k = 0; k < list.length; k++) {
      if (typeof list[k] !== 'string') return `proof.${field}[${k}] is not a string`;
    }
  }
  return undefined;
}

/** The ChaCha20 keystream for (key, zero nonce, counter 0) as little-endian uint32 words, a chunk at a time. */
class KeystreamWords {
  private readonly cipher: Cipher;
  private produced = 0;
  private nextChunkBytes: number;

  /** `expectedWords` sizes the first chunk, so a small shuffle does not compute 64 KiB of keystream. */
  constructor(key: Buffer, expectedWords: number) {
    this.cipher = createCipheriv('chacha20', key, CHACHA20_IV);
    // Room for a few rejections, rounded up to whole 64-byte blocks.
    const wanted = Math.ceil((expectedWords * 4 + 64) / 64) * 64;
    this.nextChunkBytes = Math.min(CHUNK_BYTES, wanted);
  }

  next(): Uint32Array {
    const bytes = this.nextChunkBytes;
    this.nextChunkBytes = CHUNK_BYTES;
    if (this.produced + bytes / 4 > MAX_KEYSTREAM_WORDS) throw new Error('ChaCha20 keystream exhausted (2^32 blocks)');
    this.produced += bytes / 4;
    const chunk = this.cipher.update(ZEROS.subarray(0, bytes));
    if (chunk.length !== bytes) throw new Error(`chacha20 returned ${chunk.length} bytes for ${bytes}`);
    if (!LITTLE_ENDIAN_HOST) chunk.swap32(); // words are little-endian whatever the host
    if (chunk.byteOffset % 4 === 0) return new Uint32Array(chunk.buffer, chunk.byteOffset, bytes / 4);
    const words = new Uint32Array(bytes / 4); // unaligned output: copy into an aligned buffer
    new Uint8Array(words.buffer).set(chunk);
    return words;
  }
}
