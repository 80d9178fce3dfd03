/**
 * The registration rules of checkInvariants (docs/presales.md,
 * "Registration"), replayed from the journal alone: registrations only
 * while registration is open, one held per account; the draw after the
 * close, with the sealed seed and the supplied beacon, over exactly the
 * registrations held, its invitations sized by the documented formula; and
 * every invitation code bound, one use, to the next account in draw order —
 * the draw's invitations first, then each "invite the next N".
 */
import type { EventConfig } from './config/types.js';
import { runDraw } from './fairness/draw.js';
import { commitmentOf } from './fairness/shuffle.js';
import type { JournalEntry } from './journal/entries.js';

export type RegistrationInvariant = 'registrationWindow' | 'registrationDraw' | 'invitationOrder';

type Fail = (invariant: RegistrationInvariant | 'journalMalformed', message: string) => void;

/** ⌈seats × 100 ÷ (share × tickets per buyer)⌉, in exact integers, capped by the registrations. */
function invitations(seats: number, sharePercent: number, ticketsPerBuyer: number, registrations: number): number {
  const denominator = BigInt(sharePercent * ticketsPerBuyer);
  return Math.min(registrations, Number((BigInt(seats) * 100n + denominator - 1n) / denominator));
}

export class RegistrationRules {
  private commitment: string | undefined;
  private beacon: string | undefined;
  private drawn = false;
  private readonly registrations: Array<{ fanId: string; pseudonym: string; held: boolean }> = [];
  private readonly current = new Map<string, number>();
  /** Accounts in draw order, once drawn. */
  private ranked: string[] = [];
  private invitedUpTo = 0;
  /** The accounts whose codes are due next, in order. */
  private dueCodes: string[] = [];

  constructor(private readonly fail: Fail) {}

  opened(entry: Extract<JournalEntry, { type: 'registrationOpened' }>, config: EventConfig): void {
    const r = config.registration;
    if (r === undefined) return this.fail('registrationWindow', 'registration opened on an event that has none');
    if (this.commitment !== undefined) this.fail('journalMalformed', 'registration opened twice');
    if (entry.at < r.opensAt) this.fail('registrationWindow', `registration opened at ${entry.at}, before its opensAt ${r.opensAt}`);
    this.commitment = entry.commitment;
  }

  beaconSupplied(value: string): void {
    if (this.commitment === undefined || this.drawn) this.fail('journalMalformed', 'the registration draw\'s beacon supplied while its draw was not sealed and pending');
    if (this.beacon !== undefined) this.fail('journalMalformed', 'the registration draw\'s beacon supplied twice');
    this.beacon = value;
  }

  registered(entry: Extract<JournalEntry, { type: 'registered' }>, config: EventConfig): void {
    this.requireOpen(entry.fanId, 'registered', entry.at, config);
    const i = this.current.get(entry.fanId);
    if (i !== undefined && this.registrations[i]!.held) this.fail('registrationWindow', `${entry.fanId} registered twice`);
    if (!/^[0-9a-f]{32}$/.test(entry.pseudonym)) this.fail('journalMalformed', `${entry.fanId} registered without a pseudonym`);
    this.current.set(entry.fanId, this.registrations.length);
    this.registrations.push({ fanId: entry.fanId, pseudonym: entry.pseudonym, held: true });
  }

  withdrawn(entry: Extract<JournalEntry, { type: 'registrationWithdrawn' }>, config: EventConfig): void {
    this.requireOpen(entry.fanId, 'withdrew', entry.at, config);
    const i = this.current.get(entry.fanId);
    if (i === undefined || !this.registrations[i]!.held) return this.fail('registrationWindow', `${entry.fanId} withdrew without a registration`);
    this.registrations[i]!.held = false;
  }

  /** `freeTickets`: tickets neither held nor sold when the draw ran (what it sizes on unless the organizer gave `seats`). */
  drawnEntry(entry: Extract<JournalEntry, { type: 'registrationDrawn' }>, config: EventConfig, freeTickets: number): void {
    const r = config.registration;
    if (r === undefined || this.commitment === undefined || this.drawn) return this.fail('registrationDraw', 'the registration draw ran without being sealed, or twice');
    this.drawn = true;
    if (entry.at < r.closesAt) this.fail('registrationDraw', `the registration draw ran at ${entry.at}, before registration closed at ${r.closesAt}`);
    if (commitmentOf(entry.seed) !== this.commitment) this.fail('registrationDraw', 'the registration draw: the commitment is not SHA-256 of the seed it revealed');
    if (entry.beacon !== this.beacon) this.fail('registrationDraw', `the registration draw ran with beacon ${String(entry.beacon)}, the one supplied was ${String(this.beacon)}`);
    if (r.beacon !== undefined && this.beacon === undefined && entry.at < r.closesAt + config.draw.beaconWaitMs) {
      this.fail('registrationDraw', 'the registration draw ran without its named beacon before the wait for it was over');
    }
    const held = this.registrations.map((registration, i) => ({ ...registration, number: i + 1 })).filter((registration) => registration.held);
    if (entry.count !== held.length) this.fail('registrationDraw', `the registration draw says ${entry.count} registrations, ${held.length} were held`);
    const seats = r.seats ?? freeTickets;
    if (entry.seats !== seats) this.fail('registrationDraw', `the registration draw sized on ${entry.seats} tickets, the rule says ${seats}`);
    const expected = invitations(seats, r.buyerSharePercent, r.ticketsPerBuyer, held.length);
    if (entry.invitations !== expected) this.fail('registrationDraw', `the registration draw made ${entry.invitations} invitations, ⌈seats × 100 ÷ (share × tickets per buyer)⌉ is ${expected}`);
    const columns = { joinNumbers: held.map((h) => h.number), pseudonyms: Buffer.from(held.map((h) => h.pseudonym).join(''), 'hex') };
    this.ranked = Array.from(runDraw(entry.seed, columns, entry.beacon).order, (index) => held[index]!.fanId);
    this.invite(Math.min(entry.invitations, this.ranked.length));
  }

  invitedNext(count: number): void {
    if (!this.drawn) return this.fail('invitationOrder', 'invited the next before the registration draw ran');
    const left = this.ranked.length - this.invitedUpTo;
    if (count < 1 || count > left) this.fail('invitationOrder', `invited the next ${count} with ${left} left on the waitlist`);
    this.invite(Math.max(0, Math.min(count, left)));
  }

  /** Codes bound to accounts are invitations: each to the next account due, in draw order, one use, for the registration's phase and cap. */
  codesAdded(entry: Extract<JournalEntry, { type: 'codesAdded' }>, config: EventConfig): void {
    if (entry.accounts === undefined) return;
    const r = config.registration;
    if (entry.accounts.length !== entry.codes.length) this.fail('journalMalformed', `${entry.codes.length} codes bound to ${entry.accounts.length} accounts`);
    if (r === undefined) return this.fail('invitationOrder', 'codes bound to accounts on an event without registration');
    if (entry.uses !== 1 || entry.phaseId !== r.phaseId || entry.ticketCap !== (r.ticketCap ?? config.maxTicketsPerFan)) {
      this.fail('invitationOrder', `invitation codes with ${entry.uses} uses, cap ${entry.ticketCap}, phase ${String(entry.phaseId)}: the registration's are 1 use, its cap, phase ${r.phaseId}`);
    }
    for (const fanId of entry.accounts) {
      const due = this.dueCodes.shift();
      if (due !== fanId) this.fail('invitationOrder', `an invitation code bound to ${fanId}; the next account in draw order is ${String(due)}`);
    }
  }

  /** Every invitation got its code. */
  finish(): void {
    if (this.dueCodes.length > 0) this.fail('invitationOrder', `${this.dueCodes.length} invitations never got their codes (the first: ${this.dueCodes[0]})`);
  }

  private invite(count: number): void {
    this.dueCodes.push(...this.ranked.slice(this.invitedUpTo, this.invitedUpTo + count));
    this.invitedUpTo += count;
  }

  private requireOpen(fanId: string, what: string, at: number, config: EventConfig): void {
    const r = config.registration;
    if (r === undefined || this.commitment === undefined || this.drawn || at >= r.closesAt) this.fail('registrationWindow', `${fanId} ${what} while registration was not open`);
  }
}
