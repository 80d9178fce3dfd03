/**
 * The fan page's check of a published draw (docs/fairness.md, "Checking your
 * own place on a phone"), on the engine's own code: the Fisher–Yates of
 * engine/src/fairness/fisher-yates.ts over the plain ChaCha20, the byte
 * layouts of draw-encoding.ts, and the protocol's SHA-256. Synchronous and
 * without Web Crypto, so it runs on any page, secure context or not.
 *
 * Two depths. `placeFromSummary` needs only the proof's summary and the
 * fan's own entry (a few hundred bytes, whatever the draw's size): it proves
 * the seed is the one committed to and that the key and shuffle put that
 * entry at that place; it trusts the published digest for the entry list.
 * `checkWholeProof` needs the whole file: it also recomputes the digest over
 * every entry and the order of everyone.
 */
import { ChaCha20Words } from '../../../engine/src/fairness/chacha20.js';
import { drawKeyMaterial, encodeEntries, ENTRY_BYTES, PSEUDONYM_BYTES, RECEIPT_BYTES } from '../../../engine/src/fairness/draw-encoding.js';
import { permutation, placeOf } from '../../../engine/src/fairness/fisher-yates.js';
import { sha256Words } from '../../src/protocol/sha256.js';

/** GET …/draws/{draw}/summary. */
export interface DrawSummary {
  version: number; draw: string; commitment: string; seed: string; entriesDigest: string; firstNumber: number; count: number;
  beacon: { name: string; round: number; value: string | null } | null;
}
/** GET …/draws/{draw}/entries/{pseudonym}. */
export interface DrawEntry { index: number; pseudonym: string; joinNumber: number }
/** GET …/draws/{draw}: the whole proof. */
export interface DrawProof extends Omit<DrawSummary, 'count'> {
  entries: Array<{ pseudonym: string; joinNumber: number }>;
  order: number[];
}

export type PlaceCheck = { ok: true; number: number } | { ok: false; reason: string };

const HEX_32_BYTES = /^[0-9a-f]{64}$/i;
const BEACON_HEX = /^(?:[0-9a-f]{2}){16,64}$/i;
const SUPPORTED_VERSION = 2;

export function hexBytes(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

const hexOf = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

function sha256(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(32);
  const view = new DataView(out.buffer);
  sha256Words(bytes).forEach((word, i) => view.setUint32(i * 4, word));
  return out;
}

function hmacSha256(key: Uint8Array, message: Uint8Array): Uint8Array {
  // RFC 2104 with a key shorter than SHA-256's 64-byte block (a receipt is 16).
  const pad = (byte: number) => Uint8Array.from({ length: 64 }, (_, i) => (key[i] ?? 0) ^ byte);
  const concat = (a: Uint8Array, b: Uint8Array) => {
    const out = new Uint8Array(a.length + b.length);
    out.set(a);
    out.set(b, a.length);
    return out;
  };
  return sha256(concat(pad(0x5c), sha256(concat(pad(0x36), message))));
}

/** The fan's pseudonym: the first 16 bytes of HMAC-SHA256(receipt, UTF-8 fan id), in hex. */
export function pseudonymOf(receiptHex: string, fanId: string): string {
  if (!new RegExp(`^[0-9a-f]{${RECEIPT_BYTES * 2}}$`, 'i').test(receiptHex)) throw new Error(`a receipt is ${RECEIPT_BYTES * 2} hexadecimal characters`);
  return hexOf(hmacSha256(hexBytes(receiptHex), new TextEncoder().encode(fanId)).subarray(0, PSEUDONYM_BYTES));
}

/** Why the seed, the commitment or the rest of a summary cannot be right; undefined when they can. */
function summaryProblem(summary: DrawSummary): string | undefined {
  if (summary.version !== SUPPORTED_VERSION) return `the draw is of version ${String(summary.version)}; this page checks version ${SUPPORTED_VERSION}`;
  if (!HEX_32_BYTES.test(summary.seed)) return 'the seed is not 32 bytes in hexadecimal';
  if (!HEX_32_BYTES.test(summary.commitment) || !HEX_32_BYTES.test(summary.entriesDigest)) return 'the commitment or the entries digest is not a SHA-256 hash';
  const beacon = summary.beacon?.value;
  if (beacon !== undefined && beacon !== null && !BEACON_HEX.test(beacon)) return 'the beacon value is not 16 to 64 bytes in hexadecimal';
  if (hexOf(sha256(hexBytes(summary.seed))) !== summary.commitment.toLowerCase()) return 'SHA-256 of the seed is not the commitment: the seed was not the one committed to';
  return undefined;
}

function keyOf(summary: Pick<DrawSummary, 'seed' | 'beacon'>, digest: Uint8Array): Uint8Array {
  const beacon = summary.beacon?.value;
  return sha256(drawKeyMaterial(hexBytes(summary.seed), digest, beacon === undefined || beacon === null ? new Uint8Array(0) : hexBytes(beacon)));
}

/** The number the draw gives the entry at `entry.index`, from the summary alone: O(count) keystream words, no entry list. */
export function placeFromSummary(summary: DrawSummary, entry: DrawEntry): PlaceCheck {
  const problem = summaryProblem(summary);
  if (problem !== undefined) return { ok: false, reason: problem };
  if (!Number.isSafeInteger(summary.count) || !Number.isInteger(entry.index) || entry.index < 0 || entry.index >= summary.count) {
    return { ok: false, reason: `your entry's index ${entry.index} is not among the draw's ${summary.count} entries` };
  }
  const k = placeOf(new ChaCha20Words(keyOf(summary, hexBytes(summary.entriesDigest))), summary.count, entry.index);
  return { ok: true, number: summary.firstNumber + k };
}

/** Everything of a whole proof: the seed, the digest over every entry, every place of the order; then the fan's number. */
export function checkWholeProof(proof: DrawProof, pseudonym: string): PlaceCheck {
  const count = proof.entries.length;
  const problem = summaryProblem({ ...proof, count });
  if (problem !== undefined) return { ok: false, reason: problem };
  const joinNumbers = proof.entries.map((entry) => entry.joinNumber);
  if (joinNumbers.some((joinNumber, i) => i > 0 && !(joinNumber > joinNumbers[i - 1]!))) return { ok: false, reason: 'the entries are not in rising join order' };
  const pseudonyms = new Uint8Array(count * PSEUDONYM_BYTES);
  proof.entries.forEach((entry, i) => pseudonyms.set(hexBytes(entry.pseudonym), i * PSEUDONYM_BYTES));
  const encoded = new Uint8Array(count * ENTRY_BYTES);
  try {
    encodeEntries({ joinNumbers, pseudonyms }, 0, count, encoded);
  } catch {
    return { ok: false, reason: 'an entry\'s join number is not a positive integer' };
  }
  const digest = sha256(encoded);
  if (hexOf(digest) !== proof.entriesDigest.toLowerCase()) {
    return { ok: false, reason: 'the entries do not hash to the published entries digest: an entry was changed, added, dropped or moved' };
  }
  const order = permutation(new ChaCha20Words(keyOf(proof, digest)), count);
  if (proof.order.length !== count || proof.order.some((joinNumber, k) => joinNumber !== joinNumbers[order[k]!])) {
    return { ok: false, reason: 'the published order is not the one the seed, the entries and the beacon give' };
  }
  const index = proof.entries.findIndex((entry) => entry.pseudonym.toLowerCase() === pseudonym);
  if (index < 0) return { ok: false, reason: 'your pseudonym is not among the draw\'s entries' };
  return { ok: true, number: proof.firstNumber + order.indexOf(index) };
}
