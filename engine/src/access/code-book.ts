import { BreakwaterError } from '../errors.js';
import { ensureCapacity } from '../util/growable.js';

/** What a `codesAdded` entry carries: codes that share their uses, ticket cap and phase. */
export interface CodeBatch {
  codes: string[];
  uses: number;
  ticketCap: number;
  /** The phase the codes open; absent: every phase that asks for a code. */
  phaseId?: string;
  /**
   * The account each code is bound to from the start, in the codes' order
   * (a registration draw's invitations): only that account may redeem it.
   */
  accounts?: string[];
}

/** One code as the organizer sees it. */
export interface CodeView {
  code: string;
  phaseId: string | null;
  uses: number;
  ticketCap: number;
  /** The accounts it is bound to, first redemption first. */
  accounts: string[];
  /** Tickets held or bought by fans who joined with it. */
  ticketsUsed: number;
}

/** Why a code was refused (ACCESS_CODE_INVALID's `details.reason`). */
type CodeRefusal = 'unknown' | 'otherPhase' | 'boundToOtherAccounts' | 'usedUp';

const ANY_PHASE = -1;
/** Codes are compared without case, spaces or dashes: what a fan types from a printed card. */
const CODE_PATTERN = /^[A-Z0-9_]{4,64}$/;

/** The code as stored, or undefined if it cannot be one. */
export function normalizeCode(raw: string): string | undefined {
  const code = raw.replace(/[\s-]/g, '').toUpperCase();
  return CODE_PATTERN.test(code) ? code : undefined;
}

/**
 * The access codes of an event, as columns, with no object per code: a code
 * costs a Map entry, five typed-array cells and a slot for its first account
 * (about 50 bytes, measured over a million), plus its string, which the
 * journal's entry holds anyway (about 40 more). Accounts beyond a code's first
 * are rare (codes are mostly single-use) and live in a side table.
 */
export class CodeBook {
  private readonly indexOfCode = new Map<string, number>();
  private readonly codes: string[] = [];
  /** Phase ids, interned: `phaseOf` holds an index here or ANY_PHASE. */
  private readonly phaseIds: string[] = [];
  private phaseOf = new Int32Array(0);
  private usesOf = new Int32Array(0);
  private capOf = new Int32Array(0);
  private redeemedOf = new Int32Array(0);
  private ticketsOf = new Int32Array(0);
  private readonly firstAccount: Array<string | undefined> = [];
  private readonly laterAccounts = new Map<number, Set<string>>();
  /** The code each fan's current place was joined with. */
  private readonly codeOfFan = new Map<string, number>();
  /** The code each open or bought hold counts against. */
  private readonly codeOfHold = new Map<string, number>();

  get size(): number {
    return this.codes.length;
  }

  has(code: string): boolean {
    return this.indexOfCode.has(code);
  }

  // ── Decisions (change nothing) ──────────────────────────────────────────

  /**
   * The stored code a fan may redeem for a phase, or the refusal: unknown,
   * for another phase, every use bound to other accounts, or (for a new
   * account) every ticket it allows already taken. An account already bound
   * to the code may always use it again.
   */
  check(raw: string, fanId: string, phaseId: string): string {
    const code = normalizeCode(raw);
    const i = code === undefined ? undefined : this.indexOfCode.get(code);
    if (i === undefined) throw refused(phaseId, 'unknown', 'no such access code');
    const phase = this.phaseOf[i]!;
    if (phase !== ANY_PHASE && this.phaseIds[phase] !== phaseId) throw refused(phaseId, 'otherPhase', 'this access code is for another phase of the sale');
    if (this.isBound(i, fanId)) return code!;
    if (this.redeemedOf[i]! >= this.usesOf[i]!) throw refused(phaseId, 'boundToOtherAccounts', 'this access code was already used by another account');
    if (this.ticketsOf[i]! >= this.capOf[i]!) throw refused(phaseId, 'usedUp', 'every ticket this access code allows is taken');
    return code!;
  }

  /** A fan who joined with a code may take only what is left of the code's ticket cap. */
  requireTicketRoom(fanId: string, requested: number): void {
    const i = this.codeOfFan.get(fanId);
    if (i === undefined) return;
    const current = this.ticketsOf[i]!;
    const limit = this.capOf[i]!;
    if (current + requested > limit) {
      throw new BreakwaterError('LIMIT_EXCEEDED', `the access code allows ${limit} tickets in all`, {
        details: { scope: 'accessCode', limit, current, requested },
      });
    }
  }

  // ── Applying entries ────────────────────────────────────────────────────

  add(batch: CodeBatch): void {
    const phase = batch.phaseId === undefined ? ANY_PHASE : this.internPhase(batch.phaseId);
    const first = this.codes.length;
    const total = first + batch.codes.length;
    this.phaseOf = ensureCapacity(this.phaseOf, total);
    this.usesOf = ensureCapacity(this.usesOf, total);
    this.capOf = ensureCapacity(this.capOf, total);
    this.redeemedOf = ensureCapacity(this.redeemedOf, total);
    this.ticketsOf = ensureCapacity(this.ticketsOf, total);
    for (let k = 0; k < batch.codes.length; k++) {
      const i = first + k;
      const code = batch.codes[k]!;
      this.codes.push(code);
      this.indexOfCode.set(code, i);
      const account = batch.accounts?.[k];
      this.firstAccount.push(account);
      // Bound from the start: the binding takes its use, so no other account can take it.
      this.redeemedOf[i] = account === undefined ? 0 : 1;
      this.phaseOf[i] = phase;
      this.usesOf[i] = batch.uses;
      this.capOf[i] = batch.ticketCap;
    }
  }

  /** The fan's new place was joined with this code: binds the account to it unless it already is. */
  redeem(code: string, fanId: string): void {
    const i = this.indexOfCode.get(code)!;
    if (!this.isBound(i, fanId)) {
      if (this.firstAccount[i] === undefined) this.firstAccount[i] = fanId;
      else {
        let later = this.laterAccounts.get(i);
        if (later === undefined) this.laterAccounts.set(i, (later = new Set()));
        later.add(fanId);
      }
      this.redeemedOf[i] = this.redeemedOf[i]! + 1;
    }
    this.codeOfFan.set(fanId, i);
  }

  /** The fan took a new place: with no code, unless a `codeRedeemed` entry follows. */
  joined(fanId: string): void {
    this.codeOfFan.delete(fanId);
  }

  held(holdId: string, fanId: string, quantity: number): void {
    const i = this.codeOfFan.get(fanId);
    if (i === undefined) return;
    this.codeOfHold.set(holdId, i);
    this.ticketsOf[i] = this.ticketsOf[i]! + quantity;
  }

  /** A hold expired or was released: its tickets no longer count against its code. */
  freed(holdId: string, quantity: number): void {
    const i = this.codeOfHold.get(holdId);
    if (i === undefined) return;
    this.codeOfHold.delete(holdId);
    this.ticketsOf[i] = this.ticketsOf[i]! - quantity;
  }

  // ── Reading ─────────────────────────────────────────────────────────────

  /** Codes in the order they were added, from `offset`. */
  list(offset: number, limit: number): CodeView[] {
    const views: CodeView[] = [];
    for (let i = offset; i < Math.min(this.codes.length, offset + limit); i++) {
      const phase = this.phaseOf[i]!;
      const first = this.firstAccount[i];
      views.push({
        code: this.codes[i]!,
        phaseId: phase === ANY_PHASE ? null : this.phaseIds[phase]!,
        uses: this.usesOf[i]!,
        ticketCap: this.capOf[i]!,
        accounts: first === undefined ? [] : [first, ...(this.laterAccounts.get(i) ?? [])],
        ticketsUsed: this.ticketsOf[i]!,
      });
    }
    return views;
  }

  private isBound(i: number, fanId: string): boolean {
    return this.firstAccount[i] === fanId || this.laterAccounts.get(i)?.has(fanId) === true;
  }

  private internPhase(phaseId: string): number {
    const known = this.phaseIds.indexOf(phaseId);
    return known >= 0 ? known : this.phaseIds.push(phaseId) - 1;
  }
}

function refused(phaseId: string, reason: CodeRefusal, message: string): BreakwaterError {
  return new BreakwaterError('ACCESS_CODE_INVALID', message, { details: { phaseId, reason } });
}
