/**
 * The byte layouts of a draw (docs/fairness.md, "Entry encoding and digest",
 * "The key"), with no Node.js: the engine hashes them with node:crypto
 * (draw.ts), the fan page with its own SHA-256, over the same bytes.
 */

export const DRAW_VERSION = 2;
/** The receipt a fan gets when its place joins a draw. */
export const RECEIPT_BYTES = 16;
/** A pseudonym: the first 16 bytes of HMAC-SHA256(receipt, fan id). */
export const PSEUDONYM_BYTES = 16;
/** One entry in the digest: its join number (8 bytes, big-endian) and its pseudonym. */
export const ENTRY_BYTES = 8 + PSEUDONYM_BYTES;
/** The 18 ASCII bytes the key's hash starts with. */
const KEY_LABEL = new TextEncoder().encode('breakwater-draw-v2');

/** A draw's entries in join order, as columns: entry i is (joinNumbers[i], pseudonyms[16i .. 16i+16)). */
export interface DrawEntries {
  joinNumbers: ArrayLike<number>;
  pseudonyms: Uint8Array;
}

/** Writes entries [start, end) one after another into `into` (ENTRY_BYTES each, from offset 0). */
export function encodeEntries(entries: DrawEntries, start: number, end: number, into: Uint8Array): void {
  const view = new DataView(into.buffer, into.byteOffset, into.byteLength);
  for (let i = start; i < end; i++) {
    const at = (i - start) * ENTRY_BYTES;
    const joinNumber = entries.joinNumbers[i]!;
    if (!Number.isSafeInteger(joinNumber) || joinNumber < 1) throw new Error(`join number ${joinNumber} is not a positive integer`);
    view.setUint32(at, Math.floor(joinNumber / 2 ** 32));
    view.setUint32(at + 4, joinNumber >>> 0);
    into.set(entries.pseudonyms.subarray(i * PSEUDONYM_BYTES, (i + 1) * PSEUDONYM_BYTES), at + 8);
  }
}

/** What the key hashes: "breakwater-draw-v2" ‖ seed ‖ entriesDigest ‖ beacon value (empty when none). */
export function drawKeyMaterial(seed: Uint8Array, entriesDigest: Uint8Array, beacon: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(KEY_LABEL.length + seed.length + entriesDigest.length + beacon.length);
  bytes.set(KEY_LABEL);
  bytes.set(seed, KEY_LABEL.length);
  bytes.set(entriesDigest, KEY_LABEL.length + seed.length);
  bytes.set(beacon, KEY_LABEL.length + seed.length + entriesDigest.length);
  return bytes;
}
