/**
 * The decisions of registration (docs/presales.md, "Registration"): opening
 * it (sealing its draw), registering and withdrawing, the draw at the close
 * and its invitations, and inviting the next from the waitlist. Each checks,
 * chooses (receipts, seeds, codes from the event's random source) and
 * records journal entries through the event; RegistrationBook applies them.
 */
import type { CodeBook } from '../access/code-book.js';
import { freshCodes, MAX_CODES_PER_REQUEST } from '../access/code-input.js';
import type { EventConfig, RegistrationConfig } from '../config/types.js';
import { BreakwaterError } from '../errors.js';
import type { SeedVault } from '../event/sale-event.js';
import { pseudonymOf, RECEIPT_BYTES } from '../fairness/draw.js';
import { commitmentOf, newSeed } from '../fairness/shuffle.js';
import type { JournalEntry } from '../journal/entries.js';
import type { Phase } from '../lifecycle/sale-machine.js';
import { invitationsFor, type RegistrationBook, type RegistrationView } from './registration-book.js';

/** The most one "invite the next N" may invite. */
export const MAX_INVITE_NEXT = 1_000_000;

/** What the desk reads of the event, and how it records. */
export interface RegistrationContext {
  readonly eventId: string;
  readonly config: EventConfig;
  readonly phase: Phase;
  readonly book: RegistrationBook;
  readonly codes: CodeBook;
  /** Tickets free now: the invitations are sized on them unless the organizer gave `seats`. */
  readonly freeTickets: number;
  readonly seeds: SeedVault;
  randomBytes(n: number): Uint8Array;
  record(entry: JournalEntry): void;
}

/** The next instant time moves registration on: its opening, then its close (and draw); Infinity once drawn or without one. */
export function registrationDueAt(config: EventConfig, book: RegistrationBook): number {
  const r = config.registration;
  if (r === undefined || book.stage === 'drawn') return Infinity;
  return book.stage === 'none' ? r.opensAt : r.closesAt;
}

/**
 * What time does to registration, once the event is published: it opens at
 * `opensAt` (its draw sealed before anyone can register), and at `closesAt`
 * the draw runs — waiting up to `draw.beaconWaitMs` for a named beacon's
 * value, then without it — and the invitations get their codes.
 */
export function advanceRegistration(ctx: RegistrationContext, now: number): void {
  const r = ctx.config.registration;
  if (r === undefined || ctx.phase === 'draft' || ctx.phase === 'closed') return;
  const { book } = ctx;
  if (book.stage === 'none' && now >= r.opensAt) {
    const seed = newSeed((n) => ctx.randomBytes(n));
    ctx.record({ type: 'registrationOpened', at: now, commitment: commitmentOf(seed), sealedSeed: ctx.seeds.seal(seed) });
  }
  if (book.stage !== 'open' || now < r.closesAt) return;
  const beacon = book.sealed!.beacon;
  if (r.beacon !== undefined && beacon === undefined && now < r.closesAt + ctx.config.draw.beaconWaitMs) return;
  const seed = ctx.seeds.open(book.sealed!.sealedSeed);
  if (commitmentOf(seed) !== book.sealed!.commitment) throw new Error('the registration draw: the sealed seed does not open to its commitment (another deployment secret?)');
  const seats = r.seats ?? ctx.freeTickets;
  const invitations = invitationsFor(seats, r.buyerSharePercent, r.ticketsPerBuyer, book.held);
  const entry: JournalEntry = { type: 'registrationDrawn', at: now, seed, count: book.held, seats, invitations };
  if (beacon !== undefined) entry.beacon = beacon;
  ctx.record(entry);
  issueCodes(ctx, r, now, 0, invitations);
}

/** Registers a verified account; registering again while registered answers the same registration (without the receipt). */
export function register(ctx: RegistrationContext, fanId: string, now: number): RegistrationView {
  requireOpen(ctx, now);
  if (!ctx.book.isHeld(fanId)) {
    const bytes = ctx.randomBytes(RECEIPT_BYTES);
    // Only the pseudonym is journaled: the receipt goes to the fan alone.
    ctx.record({ type: 'registered', at: now, fanId, pseudonym: pseudonymOf(bytes, fanId).toString('hex') });
    return { ...viewOf(ctx, fanId), receipt: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex') };
  }
  return viewOf(ctx, fanId);
}

/** Withdraws before the close: the account is no entry of the draw (it may register again, as a new registration). */
export function withdraw(ctx: RegistrationContext, fanId: string, now: number): RegistrationView {
  requireOpen(ctx, now);
  const i = ctx.book.indexOf(fanId);
  if (i === undefined) throw new BreakwaterError('NOT_REGISTERED', undefined, { details: { fanId } });
  if (ctx.book.isHeld(fanId)) ctx.record({ type: 'registrationWithdrawn', at: now, fanId });
  return viewOf(ctx, fanId);
}

/** The organizer invites the next `count` on the waitlist (fewer when fewer are left), in draw order. */
export function inviteNext(ctx: RegistrationContext, count: number, now: number): { invited: number; invitedUpTo: number; waitlisted: number } {
  const r = ctx.config.registration;
  if (!Number.isInteger(count) || count < 1 || count > MAX_INVITE_NEXT) {
    throw new BreakwaterError('MALFORMED_COMMAND', `count must be an integer from 1 to ${MAX_INVITE_NEXT}`, { details: { field: 'count', reason: 'out of range' } });
  }
  const { book } = ctx;
  if (r === undefined || book.stage !== 'drawn') {
    throw new BreakwaterError('REGISTRATION_NOT_DRAWN', undefined, { details: { closesAt: r?.closesAt ?? null } });
  }
  if (ctx.phase === 'closed') throw new BreakwaterError('WRONG_PHASE', 'cannot invite while the event is closed', { details: { phase: ctx.phase, allowed: [] } });
  const left = book.ranked - book.invitedUpTo;
  if (left === 0) throw new BreakwaterError('REGISTRATION_WAITLIST_EMPTY', undefined, { details: { invited: book.invitedUpTo } });
  const invited = Math.min(count, left);
  const from = book.invitedUpTo;
  ctx.record({ type: 'invitedNext', at: now, count: invited });
  issueCodes(ctx, r, now, from, from + invited);
  return { invited, invitedUpTo: book.invitedUpTo, waitlisted: book.ranked - book.invitedUpTo };
}

export function viewOf(ctx: RegistrationContext, fanId: string): RegistrationView {
  const r = ctx.config.registration;
  if (r === undefined) throw notOpen(ctx.config);
  return ctx.book.view(ctx.eventId, fanId, r.phaseId, r.closesAt);
}

/** One code per invited rank in [from, to), bound to its account, one use, in batches of what one request may add. */
function issueCodes(ctx: RegistrationContext, r: RegistrationConfig, now: number, from: number, to: number): void {
  const ticketCap = r.ticketCap ?? ctx.config.maxTicketsPerFan;
  for (let start = from; start < to; start += MAX_CODES_PER_REQUEST) {
    const accounts = ctx.book.fansAtRanks(start, Math.min(to, start + MAX_CODES_PER_REQUEST));
    const codes = freshCodes(accounts.length, ctx.codes, (n) => ctx.randomBytes(n));
    ctx.record({ type: 'codesAdded', at: now, codes, uses: 1, ticketCap, phaseId: r.phaseId, accounts });
  }
}

function requireOpen(ctx: RegistrationContext, now: number): void {
  const r = ctx.config.registration;
  if (r === undefined || ctx.book.stage !== 'open' || now >= r.closesAt) throw notOpen(ctx.config);
}

function notOpen(config: EventConfig): BreakwaterError {
  const r = config.registration;
  return new BreakwaterError('REGISTRATION_NOT_OPEN', undefined, { details: { opensAt: r?.opensAt ?? null, closesAt: r?.closesAt ?? null } });
}
