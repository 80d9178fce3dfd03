/**
 * What a draw drew, kept for its public proof: the entries in join order and
 * P (docs/fairness.md, "Permutation"). The pre-queue's, each later phase's and
 * the registration draw keep the same record and publish the same proof.
 */
import type { BeaconName } from '../config/types.js';
import { DRAW_VERSION } from './draw.js';
import type { DrawProof } from './draw-proof.js';

export interface DrawRun {
  seed: string;
  beacon: string | undefined;
  entriesDigest: string;
  firstNumber: number;
  joinNumbers: Float64Array;
  pseudonyms: Uint8Array;
  order: Uint32Array;
}

/** Which draw a run belongs to, as its proof names it. */
export interface DrawIdentity {
  eventId: string;
  draw: string;
  drawnAt: number;
  commitment: string;
  /** The beacon the configuration named for the draw, if any. */
  beacon: BeaconName | undefined;
}

/** The public proof of a run (docs/fairness.md, "The proof"). */
export function proofOfRun(identity: DrawIdentity, run: DrawRun): DrawProof {
  const entries = new Array<DrawProof['entries'][number]>(run.joinNumbers.length);
  const hex = Buffer.from(run.pseudonyms.buffer, run.pseudonyms.byteOffset, run.pseudonyms.byteLength).toString('hex');
  for (let i = 0; i < entries.length; i++) entries[i] = { pseudonym: hex.slice(i * 32, i * 32 + 32), joinNumber: run.joinNumbers[i]! };
  const order = new Array<number>(run.order.length);
  for (let k = 0; k < order.length; k++) order[k] = run.joinNumbers[run.order[k]!]!;
  const named = identity.beacon;
  return {
    version: DRAW_VERSION, eventId: identity.eventId, draw: identity.draw, drawnAt: identity.drawnAt, commitment: identity.commitment, seed: run.seed,
    beacon: named === undefined ? null : { name: named.name, round: named.round, value: run.beacon ?? null },
    entriesDigest: run.entriesDigest, firstNumber: run.firstNumber, entries, order,
  };
}
