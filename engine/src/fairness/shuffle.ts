/**
 * The permutation of a draw and the seed's commitment: docs/fairness.md
 * ("Permutation", "Seed and commitment") is the specification. A Durstenfeld
 * Fisher–Yates from the last index down, each swap's index a uniform draw by
 * rejection sampling from the ChaCha20 keystream (RFC 8439, zero nonce,
 * counter 0) keyed by the draw key (src/fairness/draw.ts), read as
 * little-endian 32-bit words.
 *
 * Node.js note: crypto.createCipheriv('chacha20', key, iv) is OpenSSL's
 * EVP_chacha20, whose 16-byte iv is the last four words of the RFC 8439
 * state: a 4-byte little-endian block counter followed by the 12-byte nonce.
 * For counter 0 and a zero nonce the iv is therefore 16 zero bytes. This
 * layout is checked against the RFC 8439 test vectors in
 * engine/test/shuffle.test.ts (section 2.4.2 uses counter 1 and a non-zero
 * nonce, so it pins both fields).
 *
 * The Fisher–Yates itself is src/fairness/fisher-yates.ts, shared with the
 * fan page, which feeds it the plain-TypeScript ChaCha20 (chacha20.ts).
 *
 * Speed: the keystream is produced in chunks of at most 64 KiB (encrypting
 * zeros), never 4·n bytes at once; the permutation is a Uint32Array.
 */
import { createCipheriv, createHash, type Cipher } from 'node:crypto';
import { endianness } from 'node:os';
import { BreakwaterError } from '../errors.js';
import { permutation, type WordSource } from './fisher-yates.js';

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
const HEX_32_BYTES = /^[0-9a-fA-F]{64}$/;

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
  return createHash('sha256').update(hexBytes(seedHex, 'seed')).digest('hex');
}

/**
 * Returns a permutation: result[i] = index into `count` entries of the entry
 * placed i-th. Deterministic for (keyHex, count): a draw's key is its seed,
 * entries and beacon hashed together (src/fairness/draw.ts).
 */
export function shuffledIndices(keyHex: string, count: number): Uint32Array {
  const key = hexBytes(keyHex, 'key');
  if (!Number.isSafeInteger(count) || count < 0 || count > MAX_COUNT) {
    throw new BreakwaterError('MALFORMED_COMMAND', `The shuffle count must be an integer from 0 to ${MAX_COUNT}.`, {
      details: { field: 'count', value: count },
    });
  }
  return permutation(new KeystreamWords(key, count - 1), count);
}

function hexBytes(hex: string, field: 'seed' | 'key'): Buffer {
  if (typeof hex !== 'string' || !HEX_32_BYTES.test(hex)) {
    throw new BreakwaterError('MALFORMED_COMMAND', `The shuffle ${field} must be 64 hexadecimal characters (32 bytes).`, {
      details: { field },
    });
  }
  return Buffer.from(hex, 'hex');
}

/** The ChaCha20 keystream for (key, zero nonce, counter 0) as little-endian uint32 words, a chunk at a time. */
class KeystreamWords implements WordSource {
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
