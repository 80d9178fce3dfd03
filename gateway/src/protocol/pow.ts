/**
 * The join proof of work, hashcash style. The server hands out a challenge and
 * a difficulty d; the client finds a nonce such that
 *
 *     SHA-256( utf8(challenge + ":" + fanId + ":" + nonce) )
 *
 * starts with d zero bits. Binding the fan id means one solution admits one
 * fan id only; verifying costs one hash. Browser-safe.
 */
import { sha256Words } from './sha256.js';

export const MAX_POW_DIFFICULTY = 28;

const utf8 = new TextEncoder();

export function powInput(challenge: string, fanId: string, nonce: string): Uint8Array {
  return utf8.encode(`${challenge}:${fanId}:${nonce}`);
}

/** Leading zero bits of a digest given as 32-bit words. */
export function leadingZeroBits(words: Uint32Array): number {
  let bits = 0;
  for (const word of words) {
    if (word === 0) {
      bits += 32;
      continue;
    }
    return bits + Math.clz32(word);
  }
  return bits;
}

export function powSatisfied(challenge: string, fanId: string, nonce: string, difficulty: number): boolean {
  return leadingZeroBits(sha256Words(powInput(challenge, fanId, nonce))) >= difficulty;
}

/**
 * Finds a nonce by counting up. Expect about 2^difficulty tries; `maxTries`
 * bounds the work (returns null when exhausted). Browsers should run this in a
 * Worker, or in slices with `startAt`, to keep the page responsive.
 */
export function solvePow(challenge: string, fanId: string, difficulty: number, options: { startAt?: number; maxTries?: number } = {}): string | null {
  const start = options.startAt ?? 0;
  const end = start + (options.maxTries ?? 2 ** (difficulty + 6));
  for (let i = start; i < end; i++) {
    const nonce = i.toString(36);
    if (powSatisfied(challenge, fanId, nonce, difficulty)) return nonce;
  }
  return null;
}
