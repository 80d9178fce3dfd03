/**
 * The ChaCha20 keystream of RFC 8439 in plain TypeScript, for where
 * node:crypto is not (the fan page recomputes its place in the browser; Web
 * Crypto has no ChaCha20). Key, zero nonce, block counter from 0, as the
 * draw's permutation reads it (docs/fairness.md, "Random words"). The engine
 * keeps OpenSSL's (src/fairness/shuffle.ts), several times faster; the tests
 * hold the two to the same words (engine/test/chacha20.test.ts).
 */
import type { WordSource } from './fisher-yates.js';

/** "expand 32-byte k", little-endian. */
const SIGMA = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574];
const BLOCKS_PER_CHUNK = 1024;
/** The block counter is 32 bits: past it, the keystream would repeat. */
const MAX_BLOCKS = 2 ** 32;

/** The keystream as little-endian 32-bit words, 16 KiB at a time. */
export class ChaCha20Words implements WordSource {
  private readonly input = new Uint32Array(16);
  private readonly chunk = new Uint32Array(BLOCKS_PER_CHUNK * 16);
  private blocks = 0;

  constructor(key: Uint8Array) {
    if (key.length !== 32) throw new Error(`a ChaCha20 key is 32 bytes, got ${key.length}`);
    const view = new DataView(key.buffer, key.byteOffset, key.byteLength);
    this.input.set(SIGMA);
    for (let i = 0; i < 8; i++) this.input[4 + i] = view.getUint32(i * 4, true);
    // Words 12..15: the block counter, then the all-zero nonce.
  }

  next(): Uint32Array {
    if (this.blocks + BLOCKS_PER_CHUNK > MAX_BLOCKS) throw new Error('ChaCha20 keystream exhausted (2^32 blocks)');
    for (let b = 0; b < BLOCKS_PER_CHUNK; b++) {
      this.input[12] = this.blocks++;
      block(this.input, this.chunk, b * 16);
    }
    return this.chunk;
  }
}

/** One 64-byte block: 20 rounds over `input`, plus `input`, into out[at .. at+16). */
function block(input: Uint32Array, out: Uint32Array, at: number): void {
  let x0 = input[0]!, x1 = input[1]!, x2 = input[2]!, x3 = input[3]!, x4 = input[4]!, x5 = input[5]!, x6 = input[6]!, x7 = input[7]!;
  let x8 = input[8]!, x9 = input[9]!, x10 = input[10]!, x11 = input[11]!, x12 = input[12]!, x13 = input[13]!, x14 = input[14]!, x15 = input[15]!;
  for (let round = 0; round < 20; round += 2) {
    // Column rounds.
    x0 = (x0 + x4) | 0; x12 ^= x0; x12 = (x12 << 16) | (x12 >>> 16);
    x8 = (x8 + x12) | 0; x4 ^= x8; x4 = (x4 << 12) | (x4 >>> 20);
    x0 = (x0 + x4) | 0; x12 ^= x0; x12 = (x12 << 8) | (x12 >>> 24);
    x8 = (x8 + x12) | 0; x4 ^= x8; x4 = (x4 << 7) | (x4 >>> 25);
    x1 = (x1 + x5) | 0; x13 ^= x1; x13 = (x13 << 16) | (x13 >>> 16);
    x9 = (x9 + x13) | 0; x5 ^= x9; x5 = (x5 << 12) | (x5 >>> 20);
    x1 = (x1 + x5) | 0; x13 ^= x1; x13 = (x13 << 8) | (x13 >>> 24);
    x9 = (x9 + x13) | 0; x5 ^= x9; x5 = (x5 << 7) | (x5 >>> 25);
    x2 = (x2 + x6) | 0; x14 ^= x2; x14 = (x14 << 16) | (x14 >>> 16);
    x10 = (x10 + x14) | 0; x6 ^= x10; x6 = (x6 << 12) | (x6 >>> 20);
    x2 = (x2 + x6) | 0; x14 ^= x2; x14 = (x14 << 8) | (x14 >>> 24);
    x10 = (x10 + x14) | 0; x6 ^= x10; x6 = (x6 << 7) | (x6 >>> 25);
    x3 = (x3 + x7) | 0; x15 ^= x3; x15 = (x15 << 16) | (x15 >>> 16);
    x11 = (x11 + x15) | 0; x7 ^= x11; x7 = (x7 << 12) | (x7 >>> 20);
    x3 = (x3 + x7) | 0; x15 ^= x3; x15 = (x15 << 8) | (x15 >>> 24);
    x11 = (x11 + x15) | 0; x7 ^= x11; x7 = (x7 << 7) | (x7 >>> 25);
    // Diagonal rounds.
    x0 = (x0 + x5) | 0; x15 ^= x0; x15 = (x15 << 16) | (x15 >>> 16);
    x10 = (x10 + x15) | 0; x5 ^= x10; x5 = (x5 << 12) | (x5 >>> 20);
    x0 = (x0 + x5) | 0; x15 ^= x0; x15 = (x15 << 8) | (x15 >>> 24);
    x10 = (x10 + x15) | 0; x5 ^= x10; x5 = (x5 << 7) | (x5 >>> 25);
    x1 = (x1 + x6) | 0; x12 ^= x1; x12 = (x12 << 16) | (x12 >>> 16);
    x11 = (x11 + x12) | 0; x6 ^= x11; x6 = (x6 << 12) | (x6 >>> 20);
    x1 = (x1 + x6) | 0; x12 ^= x1; x12 = (x12 << 8) | (x12 >>> 24);
    x11 = (x11 + x12) | 0; x6 ^= x11; x6 = (x6 << 7) | (x6 >>> 25);
    x2 = (x2 + x7) | 0; x13 ^= x2; x13 = (x13 << 16) | (x13 >>> 16);
    x8 = (x8 + x13) | 0; x7 ^= x8; x7 = (x7 << 12) | (x7 >>> 20);
    x2 = (x2 + x7) | 0; x13 ^= x2; x13 = (x13 << 8) | (x13 >>> 24);
    x8 = (x8 + x13) | 0; x7 ^= x8; x7 = (x7 << 7) | (x7 >>> 25);
    x3 = (x3 + x4) | 0; x14 ^= x3; x14 = (x14 << 16) | (x14 >>> 16);
    x9 = (x9 + x14) | 0; x4 ^= x9; x4 = (x4 << 12) | (x4 >>> 20);
    x3 = (x3 + x4) | 0; x14 ^= x3; x14 = (x14 << 8) | (x14 >>> 24);
    x9 = (x9 + x14) | 0; x4 ^= x9; x4 = (x4 << 7) | (x4 >>> 25);
  }
  out[at] = x0 + input[0]!; out[at + 1] = x1 + input[1]!; out[at + 2] = x2 + input[2]!; out[at + 3] = x3 + input[3]!;
  out[at + 4] = x4 + input[4]!; out[at + 5] = x5 + input[5]!; out[at + 6] = x6 + input[6]!; out[at + 7] = x7 + input[7]!;
  out[at + 8] = x8 + input[8]!; out[at + 9] = x9 + input[9]!; out[at + 10] = x10 + input[10]!; out[at + 11] = x11 + input[11]!;
  out[at + 12] = x12 + input[12]!; out[at + 13] = x13 + input[13]!; out[at + 14] = x14 + input[14]!; out[at + 15] = x15 + input[15]!;
}
