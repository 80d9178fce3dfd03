/**
 * Registration before a verified-fan presale, in simulated time
 * (docs/presales.md, "Registration"): every account — each real fan's, and
 * each account the bot farm holds — registers at a random instant of the
 * registration window, days ahead; the draw runs at its close. From then on
 * only invitees come to the presale (with the code bound to their account),
 * and the organizer may invite as many from the waitlist as invitees who have
 * not come. The figures say how the draw treated bots against fans.
 */
import type { Engine, JournalEntry, SaleEvent, SimulatedClock } from '../../../engine/src/index.js';
import type { Doorway } from '../model/doorway.js';
import type { EventQueue } from '../model/event-queue.js';
import { Step } from '../model/fan-model.js';
import { fanIdOf, fanOf, type FanTable } from '../model/fan-table.js';
import type { Rng } from '../model/rng.js';
import { EPOCH_MS, registrationTimes } from '../scenario/event-config.js';
import type { Scenario } from '../scenario/types.js';
import type { Code } from './driver.js';

/** Per arrival: what its account's invitation means for it. */
const NOT_INVITED = 0;
/** Invited: comes at its arrival. */
const COMES = 1;
/** Invited, and never uses its code. */
const STAYS_AWAY = 2;
/** Invited from the waitlist: arrives when the organizer's e-mail reaches it (the agenda), not at its old arrival. */
const COMES_LATE = 3;

export interface RegistrationReport {
  /** Accounts registered: real fans' and the farm's. */
  registered: number;
  fanAccounts: number;
  botAccounts: number;
  /** Tickets the draw sized the invitations on, and the invitations it made (⌈seats ÷ (share × tickets per buyer)⌉). */
  seats: number;
  invitations: number;
  invitedFans: number;
  invitedBots: number;
  /** Invited later from the waitlist ("invite the next N"). */
  invitedNext: number;
  /** Invitees who took a place with their code, and who bought. */
  inviteesJoined: number;
  inviteesBought: number;
  /** Of those who bought, invited from the waitlist. */
  lateInviteesBought: number;
  ticketsSoldInPresale: number;
  /**
   * The farm's share of the draw's invitations over its share of the
   * registrations (1: a fair draw; the draw cannot tell a bot's account from a
   * fan's), and the invitations a fair draw gives it: mean and standard
   * deviation (hypergeometric).
   */
  botInvitationRatio: number | null;
  botInvitationsExpected: number;
  botInvitationsSd: number;
}

export class RegistrationStage {
  private readonly invitation: Uint8Array;
  private readonly holdOwner = new Map<string, string>();
  private readonly buyers = new Set<string>();
  private readonly lateInvitees = new Set<string>();
  private fanAccounts = 0;
  private botAccounts = 0;
  private invitedNext = 0;

  constructor(
    private readonly s: Scenario,
    private readonly fans: FanTable,
    private readonly doorway: Doorway,
    private readonly rng: Rng,
  ) {
    this.invitation = new Uint8Array(fans.size);
  }

  /** Every account registers, in time order, through `register`; then the draw runs at the close and each arrival learns its fate. */
  registerAll(clock: SimulatedClock, engine: Engine, sale: SaleEvent, register: (fanId: string) => Code): void {
    const times = registrationTimes(this.s)!;
    const accounts: number[] = [];
    for (let fan = 0; fan < this.fans.size; fan++) {
      if (this.doorway.identityOf(fan) !== fan) continue;
      accounts.push(fan);
      if (this.fans.bot[fan] === 1) this.botAccounts++;
      else this.fanAccounts++;
    }
    const at = accounts.map(() => Math.floor(this.rng.uniform(times.opensMs, times.closesMs)));
    const order = accounts.map((_, i) => i).sort((a, b) => at[a]! - at[b]! || a - b);
    for (const i of order) {
      clock.set(EPOCH_MS + at[i]!);
      register(fanIdOf(accounts[i]!));
    }
    clock.set(EPOCH_MS + times.closesMs);
    engine.tick();
    const { showUpFraction } = this.s.registration;
    for (let fan = 0; fan < this.fans.size; fan++) {
      if (sale.registrationOf(fanIdOf(this.doorway.identityOf(fan))).state !== 'invited') continue;
      this.invitation[fan] = this.fans.bot[fan] === 1 || this.rng.chance(showUpFraction) ? COMES : STAYS_AWAY;
    }
  }

  /** Whether an arrival comes to the presale at its time: its account was invited by the draw, and it uses its code. */
  comes(fan: number): boolean {
    return this.invitation[fan] === COMES;
  }

  /**
   * The organizer invites as many from the waitlist as invitees who have not
   * taken a place; each real one who will use its code arrives when the
   * e-mail reaches it (the agenda).
   */
  inviteNext(sale: SaleEvent, agenda: EventQueue, now: number, invite: (count: number) => Code): void {
    const status = sale.status().registration!;
    const count = Math.min(status.invited - status.joined, status.waitlisted);
    if (count <= 0 || invite(count) !== undefined) return;
    this.invitedNext += count;
    const { showUpFraction, lateArrival } = this.s.registration;
    for (const fanId of sale.registration.fansAtRanks(status.invited, status.invited + count)) {
      this.lateInvitees.add(fanId);
      const fan = fanOf(fanId);
      if (this.fans.bot[fan] === 0 && !this.rng.chance(showUpFraction)) continue;
      this.invitation[fan] = COMES_LATE;
      agenda.push(now + Math.round(1000 * this.rng.logNormal(lateArrival.medianSec, lateArrival.sigma)), fan, Step.ARRIVE);
    }
  }

  /** Who bought, from the journal's holds and purchases. */
  observe(entries: readonly JournalEntry[]): void {
    for (const e of entries) {
      if (e.type === 'held') this.holdOwner.set(e.holdId, e.fanId);
      else if (e.type === 'purchased') this.buyers.add(this.holdOwner.get(e.holdId)!);
    }
  }

  report(sale: SaleEvent, ticketsSold: number): RegistrationReport {
    const status = sale.status().registration!;
    const invitations = status.invitations ?? 0;
    let invitedBots = 0;
    for (const fanId of sale.registration.fansAtRanks(0, invitations)) if (this.fans.bot[fanOf(fanId)] === 1) invitedBots++;
    const registered = status.registered;
    const p = registered === 0 ? 0 : this.botAccounts / registered;
    const fanShare = this.fanAccounts === 0 ? 0 : (invitations - invitedBots) / this.fanAccounts;
    const round = (x: number) => Math.round(x * 1000) / 1000;
    return {
      registered, fanAccounts: this.fanAccounts, botAccounts: this.botAccounts,
      seats: status.seats ?? 0, invitations, invitedFans: invitations - invitedBots, invitedBots, invitedNext: this.invitedNext,
      inviteesJoined: status.joined, inviteesBought: this.buyers.size,
      lateInviteesBought: [...this.buyers].filter((fanId) => this.lateInvitees.has(fanId)).length,
      ticketsSoldInPresale: ticketsSold,
      botInvitationRatio: this.botAccounts === 0 || fanShare === 0 ? null : round(invitedBots / this.botAccounts / fanShare),
      botInvitationsExpected: round(invitations * p),
      botInvitationsSd: round(registered <= 1 ? 0 : Math.sqrt((invitations * p * (1 - p) * (registered - invitations)) / (registered - 1))),
    };
  }
}

/** The draw treated the farm's accounts like anyone's: its invitations within 3 standard deviations of a fair draw's. */
export function registrationFailures(report: RegistrationReport): string[] {
  const off = Math.abs(report.invitedBots - report.botInvitationsExpected);
  if (report.botAccounts === 0 || off <= 3 * report.botInvitationsSd + 1e-9) return [];
  return [`the registration draw invited ${report.invitedBots} of the farm's ${report.botAccounts} accounts; a fair draw invites ${report.botInvitationsExpected} ± ${report.botInvitationsSd}`];
}
