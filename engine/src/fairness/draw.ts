/**
 * A draw of a list of entries: the construction of docs/fairness.md ("The
 * order"), which is the specification. Each entry is a place (or, later, a
 * registration): a join number and a 16-byte pseudonym. The order is keyed by
 * the sealed seed, by a digest of the whole entry list and by the public
 * beacon value when one was named, so changing, adding, dropping or
 * re-timing any entry reshuffles everything, and nobody who lacks any one of
 * the three can know it in advance.
 */
import { createHash, createHmac } from 'node:crypto';
import { BreakwaterError } from '../errors.js';
import { drawKeyMaterial, encodeEntries, ENTRY_BYTES, PSEUDONYM_BYTES, RECEIPT_BYTES, type DrawEntries } from './draw-encoding.js';
import { shuffledIndices } from './shuffle.js';

export { DRAW_VERSION, ENTRY_BYTES, PSEUDONYM_BYTES, RECEIPT_BYTES, type DrawEntries } from './draw-encoding.js';

const SEED_HEX = /^[0-9a-fA-F]{64}$/;
/** A beacon value: 16 to 64 bytes in hex (a drand round's randomness is 32). */
export const BEACON_HEX = /^(?:[0-9a-fA-F]{2}){16,64}$/;

/** The pseudonym a fan recognises itself by in a published draw: nobody without the receipt can link it to the fan. */
export function pseudonymOf(receipt: Uint8Array, fanId: string): Buffer {
  if (receipt.length !== RECEIPT_BYTES) throw new Error(`a receipt is ${RECEIPT_BYTES} bytes, got ${receipt.length}`);
  return createHmac('sha256', receipt).update(fanId, 'utf8').digest().subarray(0, PSEUDONYM_BYTES);
}

/** SHA-256 of the entries encoded one after another, in list order. */
export function entriesDigest(entries: DrawEntries): Buffer {
  const count = entries.joinNumbers.length;
  if (entries.pseudonyms.length !== count * PSEUDONYM_BYTES) throw new Error(`${count} entries need ${count * PSEUDONYM_BYTES} pseudonym bytes, got ${entries.pseudonyms.length}`);
  const hash = createHash('sha256');
  // Encoded a chunk at a time (a 5M-entry draw is 120 MB of entries), without an allocation per entry.
  const perChunk = 4096;
  const chunk = new Uint8Array(perChunk * ENTRY_BYTES);
  for (let start = 0; start < count; start += perChunk) {
    const end = Math.min(count, start + perChunk);
    encodeEntries(entries, start, end, chunk);
    hash.update(chunk.subarray(0, (end - start) * ENTRY_BYTES));
  }
  return hash.digest();
}

/** The permutation's key: SHA-256("breakwater-draw-v2" ‖ seed ‖ entriesDigest ‖ beacon), the beacon empty when none. */
export function drawKey(seedHex: string, digest: Uint8Array, beaconHex?: string): Buffer {
  if (!SEED_HEX.test(seedHex)) throw malformed('seed', 'must be 64 hexadecimal characters (32 bytes)');
  if (beaconHex !== undefined && !BEACON_HEX.test(beaconHex)) throw malformed('beacon', 'must be 16 to 64 bytes in hexadecimal');
  const beacon = beaconHex === undefined ? Buffer.alloc(0) : Buffer.from(beaconHex, 'hex');
  return createHash('sha256').update(drawKeyMaterial(Buffer.from(seedHex, 'hex'), digest, beacon)).digest();
}

/** A draw run: the digest of its entries and P, where P[k] is the index (in join order) of the entry placed k-th. */
export interface DrawOutcome {
  entriesDigest: Buffer;
  order: Uint32Array;
}

export function runDraw(seedHex: string, entries: DrawEntries, beaconHex?: string): DrawOutcome {
  const digest = entriesDigest(entries);
  return { entriesDigest: digest, order: shuffledIndices(drawKey(seedHex, digest, beaconHex).toString('hex'), entries.joinNumbers.length) };
}

function malformed(field: string, reason: string): BreakwaterError {
  return new BreakwaterError('MALFORMED_COMMAND', `The draw's ${field} ${reason}.`, { details: { field } });
}
