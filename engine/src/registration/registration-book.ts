/**
 * Registration for a coded presale (docs/presales.md, "Registration"): the
 * verified accounts registered, each under the pseudonym of a receipt only
 * it holds, then the draw that ranks them and the invitations that follow
 * its order. State only: SaleEvent decides and records, `apply*` here is
 * called by its `apply`, so a replay rebuilds it exactly. Per registration
 * a Map entry and a few typed-array cells, no object.
 */
import { PSEUDONYM_BYTES, runDraw } from '../fairness/draw.js';
import type { DrawRun } from '../fairness/draw-run.js';
import { ensureCapacity } from '../util/growable.js';

/** The registration draw's name in `status().draws` and in its public proof. */
export const REGISTRATION_DRAW = 'registration';

/** `none` before registration opens, `open` from then until its draw runs, `drawn` after. */
export type RegistrationStage = 'none' | 'open' | 'drawn';

/** What an account sees of its registration (and what `register` answers). */
export interface RegistrationView {
  eventId: string;
  fanId: string;
  /**
   * `none`: not registered; `registered`: in the coming draw; `withdrawn`;
   * after the draw `invited` (with its code) or `waitlisted` (at
   * `waitlistPosition`, invited in that order if invitees do not use their codes).
   */
  state: 'none' | 'registered' | 'withdrawn' | 'invited' | 'waitlisted';
  /** The registration's number: registrations counted from 1, in order (its entry's join number in the proof). */
  registration: number | null;
  /** Its place in the draw, from 1, once drawn. */
  rank: number | null;
  waitlistPosition: number | null;
  /** The access code bound to the account, once invited. */
  code: string | null;
  /** The coded phase the invitation opens. */
  phaseId: string;
  /** When registration closes and the draw runs. */
  closesAt: number;
  /**
   * Given once, by the `register` that created the registration: with it the
   * fan finds its entry in the draw's public proof (docs/fairness.md).
   */
  receipt?: string;
}

/** The organizer's figures (`status().registration`). */
export interface RegistrationStatus {
  stage: RegistrationStage;
  opensAt: number;
  closesAt: number;
  phaseId: string;
  /** Registrations held now (withdrawn ones not counted). */
  registered: number;
  withdrawn: number;
  /** Once drawn: the tickets the invitations were sized on, and the invitations the draw made. */
  seats: number | null;
  invitations: number | null;
  /** Invited so far (the draw's and every "invite the next N"), and still on the waitlist. */
  invited: number;
  waitlisted: number;
  /** Invitees who took a place with their code. */
  joined: number;
}

/** The sealed draw of a registration, as the journal left it. */
interface SealedDraw {
  commitment: string;
  sealedSeed: string;
  beacon: string | undefined;
}

/**
 * Invitations = ⌈seats × 100 ÷ (buyerSharePercent × ticketsPerBuyer)⌉ in
 * whole numbers (the Eras presale: 40 % buying 3 tickets each, 1 invitation
 * per 1.2 tickets), never more than the registrations.
 */
export function invitationsFor(seats: number, buyerSharePercent: number, ticketsPerBuyer: number, registrations: number): number {
  const numerator = seats * 100;
  const denominator = buyerSharePercent * ticketsPerBuyer;
  const quotient = Math.floor(numerator / denominator);
  return Math.min(registrations, quotient * denominator < numerator ? quotient + 1 : quotient);
}

export class RegistrationBook {
  stage: RegistrationStage = 'none';
  sealed: SealedDraw | undefined;
  drawnAt: number | undefined;
  run: DrawRun | undefined;
  seats: number | undefined;
  invitations: number | undefined;
  /** Ranks below this (from 0) are invited. */
  invitedUpTo = 0;
  joined = 0;
  private withdrawnCount = 0;
  /** The current registration of each account (a re-registration after withdrawing replaces it). */
  private readonly indexOfFan = new Map<string, number>();
  private readonly fanOf: string[] = [];
  private pseudonyms = new Uint8Array(0);
  private withdrawnAt = new Uint8Array(0);
  /** Once drawn, per registration: its rank from 0, or -1 (withdrawn). */
  private rankOf = new Int32Array(0);
  /** Once drawn: the registration at each rank. */
  private atRank = new Int32Array(0);
  private readonly codeOf = new Map<number, string>();
  /** Invitees who took a place with their code (a few, next to the registrations). */
  private readonly joinedWithCode = new Set<number>();

  get count(): number {
    return this.fanOf.length;
  }

  get held(): number {
    return this.fanOf.length - this.withdrawnCount;
  }

  /** The account's current registration (withdrawn or not), or undefined. */
  indexOf(fanId: string): number | undefined {
    return this.indexOfFan.get(fanId);
  }

  isHeld(fanId: string): boolean {
    const i = this.indexOfFan.get(fanId);
    return i !== undefined && this.withdrawnAt[i] === 0;
  }

  /** The accounts at ranks [from, to), in draw order. */
  fansAtRanks(from: number, to: number): string[] {
    const fans: string[] = [];
    for (let k = from; k < Math.min(to, this.atRank.length); k++) fans.push(this.fanOf[this.atRank[k]!]!);
    return fans;
  }

  /** Ranks drawn: every registration held at the draw. */
  get ranked(): number {
    return this.atRank.length;
  }

  // ── Applying entries ────────────────────────────────────────────────────

  opened(commitment: string, sealedSeed: string): void {
    this.stage = 'open';
    this.sealed = { commitment, sealedSeed, beacon: undefined };
  }

  beaconSupplied(value: string): void {
    this.sealed!.beacon = value;
  }

  registered(fanId: string, pseudonymHex: string): void {
    const i = this.fanOf.length;
    this.fanOf.push(fanId);
    this.indexOfFan.set(fanId, i);
    this.pseudonyms = ensureCapacity(this.pseudonyms, (i + 1) * PSEUDONYM_BYTES);
    this.pseudonyms.set(Buffer.from(pseudonymHex, 'hex'), i * PSEUDONYM_BYTES);
    this.withdrawnAt = ensureCapacity(this.withdrawnAt, i + 1);
  }

  withdrawn(fanId: string): void {
    this.withdrawnAt[this.indexOfFan.get(fanId)!] = 1;
    this.withdrawnCount++;
  }

  /** The draw ranks every registration held, in registration order, by the seed, their entries and the beacon. */
  drawn(at: number, seed: string, beacon: string | undefined, seats: number, invitations: number): void {
    const held: number[] = [];
    for (let i = 0; i < this.fanOf.length; i++) if (this.withdrawnAt[i] === 0) held.push(i);
    const joinNumbers = Float64Array.from(held, (i) => i + 1);
    const pseudonyms = new Uint8Array(held.length * PSEUDONYM_BYTES);
    held.forEach((i, k) => pseudonyms.set(this.pseudonyms.subarray(i * PSEUDONYM_BYTES, (i + 1) * PSEUDONYM_BYTES), k * PSEUDONYM_BYTES));
    const { entriesDigest, order } = runDraw(seed, { joinNumbers, pseudonyms }, beacon);
    this.rankOf = new Int32Array(this.fanOf.length).fill(-1);
    this.atRank = new Int32Array(order.length);
    order.forEach((entry, k) => {
      const i = held[entry]!;
      this.atRank[k] = i;
      this.rankOf[i] = k;
    });
    this.stage = 'drawn';
    this.drawnAt = at;
    this.seats = seats;
    this.invitations = invitations;
    this.invitedUpTo = invitations;
    this.run = { seed, beacon, entriesDigest: entriesDigest.toString('hex'), firstNumber: 1, joinNumbers, pseudonyms, order };
  }

  invitedNext(count: number): void {
    this.invitedUpTo += count;
  }

  /** An invitation's code was added, bound to the account. */
  codeIssued(fanId: string, code: string): void {
    this.codeOf.set(this.indexOfFan.get(fanId)!, code);
  }

  /** A fan took a place with a code: an invitee with its own code counts as joined (once). */
  redeemed(fanId: string, code: string): void {
    const i = this.indexOfFan.get(fanId);
    if (i === undefined || this.codeOf.get(i) !== code || this.joinedWithCode.has(i)) return;
    this.joinedWithCode.add(i);
    this.joined++;
  }

  // ── Reading ─────────────────────────────────────────────────────────────

  view(eventId: string, fanId: string, phaseId: string, closesAt: number): RegistrationView {
    const view: RegistrationView = { eventId, fanId, state: 'none', registration: null, rank: null, waitlistPosition: null, code: null, phaseId, closesAt };
    const i = this.indexOfFan.get(fanId);
    if (i === undefined) return view;
    view.registration = i + 1;
    if (this.withdrawnAt[i] === 1) return { ...view, state: 'withdrawn' };
    if (this.stage !== 'drawn') return { ...view, state: 'registered' };
    const rank = this.rankOf[i]!;
    view.rank = rank + 1;
    if (rank < this.invitedUpTo) return { ...view, state: 'invited', code: this.codeOf.get(i) ?? null };
    return { ...view, state: 'waitlisted', waitlistPosition: rank - this.invitedUpTo + 1 };
  }

  status(opensAt: number, closesAt: number, phaseId: string): RegistrationStatus {
    const drawn = this.stage === 'drawn';
    return {
      stage: this.stage, opensAt, closesAt, phaseId,
      registered: this.held, withdrawn: this.withdrawnCount,
      seats: this.seats ?? null, invitations: this.invitations ?? null,
      invited: drawn ? this.invitedUpTo : 0,
      waitlisted: drawn ? this.atRank.length - this.invitedUpTo : 0,
      joined: this.joined,
    };
  }
}
