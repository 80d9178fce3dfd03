/**
 * The public proof of a draw (docs/fairness.md, "The proof") and its check:
 * anyone holding it recomputes the order from the seed, the entries and the
 * beacon, and a fan holding its receipt finds its own place.
 */
import { commitmentOf } from './shuffle.js';
import { BEACON_HEX, DRAW_VERSION, PSEUDONYM_BYTES, pseudonymOf, RECEIPT_BYTES, runDraw } from './draw.js';

export interface DrawProofEntry {
  /** 32 hex characters: the first 16 bytes of HMAC-SHA256(receipt, fan id). */
  pseudonym: string;
  /** The place's join number: the event's joins counted from 1, re-joins included. */
  joinNumber: number;
}

export interface DrawProofBeacon {
  name: string;
  round: number;
  /** The value mixed in; null when it was not supplied within `draw.beaconWaitMs` of the draw's instant. */
  value: string | null;
}

export interface DrawProof {
  version: typeof DRAW_VERSION;
  eventId: string;
  /** `preQueue`, or `phase:<id>` for a later sale phase. */
  draw: string;
  drawnAt: number;
  commitment: string;
  seed: string;
  /** null when the event named no beacon for this draw. */
  beacon: DrawProofBeacon | null;
  entriesDigest: string;
  /** The queue number of the entry placed first; the k-th (from 0) gets firstNumber + k. */
  firstNumber: number;
  /** In join order. */
  entries: DrawProofEntry[];
  /** The join numbers of the entries in drawn order. */
  order: number[];
  /** A registration draw's: the places from 1 to this were invited by the draw (their join numbers are registration numbers). */
  invitations?: number;
}

export type DrawVerification = { ok: true; count: number } | { ok: false; reason: string; firstMismatchAt?: number };

const HEX_32_BYTES = /^[0-9a-fA-F]{64}$/;
const PSEUDONYM_HEX = new RegExp(`^[0-9a-fA-F]{${PSEUDONYM_BYTES * 2}}$`);
const RECEIPT_HEX = new RegExp(`^[0-9a-fA-F]{${RECEIPT_BYTES * 2}}$`);

/** Checks every field and recomputes the order. Never throws: a malformed proof is reported as {ok:false}. */
export function verifyDrawProof(proof: unknown): DrawVerification {
  const problem = shapeProblem(proof);
  if (problem !== undefined) return { ok: false, reason: problem };
  const p = proof as DrawProof;
  const expectedCommitment = commitmentOf(p.seed);
  if (p.commitment.toLowerCase() !== expectedCommitment) {
    return { ok: false, reason: `commitment does not match the seed: SHA-256(seed) is ${expectedCommitment}, the proof says ${p.commitment.toLowerCase()}` };
  }
  const entries = columnsOf(p.entries);
  const { entriesDigest, order } = runDraw(p.seed, entries, p.beacon?.value ?? undefined);
  const digest = entriesDigest.toString('hex');
  if (p.entriesDigest.toLowerCase() !== digest) {
    return { ok: false, reason: `entriesDigest does not match the entries: their digest is ${digest}, the proof says ${p.entriesDigest.toLowerCase()} (an entry was changed, added, dropped or moved)` };
  }
  const common = Math.min(order.length, p.order.length);
  for (let k = 0; k < common; k++) {
    const expected = p.entries[order[k]!]!.joinNumber;
    if (p.order[k] !== expected) {
      return {
        ok: false,
        reason: `order differs from the draw at position ${k}: the seed, entries and beacon place join number ${expected} there, the proof says ${p.order[k]}`,
        firstMismatchAt: k,
      };
    }
  }
  if (p.order.length !== order.length) {
    return { ok: false, reason: `order has ${p.order.length} entries but the draw has ${order.length}`, firstMismatchAt: common };
  }
  return { ok: true, count: order.length };
}

/**
 * A fan's place in a verified proof, found from its receipt and fan id:
 * undefined when no entry carries its pseudonym.
 */
export function placeIn(proof: DrawProof, receiptHex: string, fanId: string): { joinNumber: number; number: number } | undefined {
  if (!RECEIPT_HEX.test(receiptHex)) throw new Error(`a receipt is ${RECEIPT_BYTES * 2} hexadecimal characters`);
  const pseudonym = pseudonymOf(Buffer.from(receiptHex, 'hex'), fanId).toString('hex');
  const entry = proof.entries.find((e) => e.pseudonym.toLowerCase() === pseudonym);
  if (entry === undefined) return undefined;
  const k = proof.order.indexOf(entry.joinNumber);
  return k < 0 ? undefined : { joinNumber: entry.joinNumber, number: proof.firstNumber + k };
}

function columnsOf(entries: readonly DrawProofEntry[]): { joinNumbers: number[]; pseudonyms: Uint8Array } {
  const pseudonyms = new Uint8Array(entries.length * PSEUDONYM_BYTES);
  entries.forEach((entry, i) => pseudonyms.set(Buffer.from(entry.pseudonym, 'hex'), i * PSEUDONYM_BYTES));
  return { joinNumbers: entries.map((entry) => entry.joinNumber), pseudonyms };
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isPositiveInteger = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 1;

function shapeProblem(proof: unknown): string | undefined {
  if (!isObject(proof)) return 'proof is not a JSON object';
  if (proof.version !== DRAW_VERSION) return `proof.version is ${JSON.stringify(proof.version)}: this verifier reads version ${DRAW_VERSION} (docs/fairness.md)`;
  if (typeof proof.seed !== 'string' || !HEX_32_BYTES.test(proof.seed)) return 'seed is not 64 hexadecimal characters (32 bytes)';
  if (typeof proof.commitment !== 'string' || !HEX_32_BYTES.test(proof.commitment)) return 'commitment is not 64 hexadecimal characters (a SHA-256 hash)';
  if (typeof proof.entriesDigest !== 'string' || !HEX_32_BYTES.test(proof.entriesDigest)) return 'entriesDigest is not 64 hexadecimal characters (a SHA-256 hash)';
  if (!isPositiveInteger(proof.firstNumber)) return 'firstNumber is not a positive integer';
  const beacon = proof.beacon;
  if (beacon !== null) {
    if (!isObject(beacon)) return 'beacon is neither null nor an object';
    if (typeof beacon.name !== 'string' || beacon.name.length === 0) return 'beacon.name is not a non-empty string';
    if (!isPositiveInteger(beacon.round)) return 'beacon.round is not a positive integer';
    if (beacon.value !== null && (typeof beacon.value !== 'string' || !BEACON_HEX.test(beacon.value))) return 'beacon.value is neither null nor 16 to 64 bytes in hexadecimal';
  }
  if (!Array.isArray(proof.entries)) return 'entries is not an array';
  let previous = 0;
  for (let i = 0; i < proof.entries.length; i++) {
    const entry: unknown = proof.entries[i];
    if (!isObject(entry)) return `entries[${i}] is not an object`;
    if (typeof entry.pseudonym !== 'string' || !PSEUDONYM_HEX.test(entry.pseudonym)) return `entries[${i}].pseudonym is not ${PSEUDONYM_BYTES * 2} hexadecimal characters`;
    if (!isPositiveInteger(entry.joinNumber)) return `entries[${i}].joinNumber is not a positive integer`;
    if (entry.joinNumber <= previous) return `entries[${i}].joinNumber (${entry.joinNumber}) is not above the one before (${previous}): entries are listed in join order, each once`;
    previous = entry.joinNumber;
  }
  if (!Array.isArray(proof.order)) return 'order is not an array';
  for (let k = 0; k < proof.order.length; k++) {
    if (!isPositiveInteger(proof.order[k])) return `order[${k}] is not a join number`;
  }
  return undefined;
}
