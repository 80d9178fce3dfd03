import type { EventConfig } from './config/types.js';
import { seatId } from './config/types.js';
import { PSEUDONYM_BYTES, runDraw } from './fairness/draw.js';
import { commitmentOf } from './fairness/shuffle.js';
import type { Allocation, JournalEntry } from './journal/entries.js';
import { PaymentRules, type PaymentInvariant } from './invariants-payments.js';
import { RegistrationRules, type RegistrationInvariant } from './invariants-registration.js';
import { PendingPlaces } from './pending-places.js';
import { PlaceNumbers } from './place-numbers.js';

export type Invariant =
  | 'seatSoldTwice'
  | 'seatHeldTwice'
  | 'tierOversold'
  | 'perFanLimit'
  | 'codeUses'
  | 'codeTicketCap'
  | 'holdEndedTwice'
  | 'cancelledUnsold'
  | 'holdUnresolved'
  | 'admissionOrder'
  | 'numberingOrder'
  | 'waitlistOrder'
  | 'calledTwice'
  | 'standbySize'
  | 'soldOutEarly'
  | RegistrationInvariant
  | PaymentInvariant
  | 'journalMalformed';

export interface InvariantViolation {
  invariant: Invariant;
  message: string;
}

export interface InvariantOptions {
  /** Every hold must have ended by now (e.g. after close and the last deadline). */
  requireAllHoldsEnded?: boolean;
}

/**
 * Checks a journal against the sale's invariants by replaying it
 * independently of the engine: an oracle that shares no state with the code
 * it checks. Returns every violation found, empty when all hold.
 */
export function checkInvariants(journal: readonly JournalEntry[], options: InvariantOptions = {}): InvariantViolation[] {
  const violations: InvariantViolation[] = [];
  const fail = (invariant: Invariant, message: string) => violations.push({ invariant, message });
  const first = journal[0];
  if (first?.type !== 'created') return [{ invariant: 'journalMalformed', message: 'the journal does not start with "created"' }];
  let config: EventConfig = first.config;

  /** `paymentId`: the payment that bought it; `cancelled`: the organizer cancelled that purchase. */
  const holds = new Map<string, { fanId: string; allocation: Allocation; ended: boolean; paymentId: string | undefined; cancelled: boolean }>();
  const seatState = new Map<string, 'held' | 'sold'>();
  // Tickets of each tier taken (held or sold), checked against the capacity in force at each step.
  const takenByTier = new Map<string, number>();
  const capacityOf = (tierId: string) => config.inventory.tiers.find((t) => t.id === tierId)?.quantity ?? 0;
  const ticketsOfFan = new Map<string, number>();
  const order = new QueueOrder(fail);
  // Access codes: each code's uses and cap, the accounts bound to it, and the tickets its fans' holds take.
  const codes = new Map<string, { uses: number; ticketCap: number; accounts: Set<string>; tickets: number }>();
  const codeOfFan = new Map<string, string>();
  const codeOfHold = new Map<string, string>();
  const waitlist = new WaitlistRules(fail, order);
  // Fans whose grant (or call) is open, and holds not yet ended: what could still come back.
  const openGrants = new Set<string>();
  const registration = new RegistrationRules(fail);
  const payments = new PaymentRules(fail);
  /** Tickets neither held nor sold: GA beyond what its tiers have taken, seats not held or sold. */
  const freeTickets = () => config.inventory.tiers.reduce((n, t) => n + t.quantity - (takenByTier.get(t.id) ?? 0), 0) + countSeats(config) - seatState.size;

  const seatsOf = (a: Allocation) => a.seatIds ?? [];
  // Admitted or called: the places stop waiting, in queue order, each with an open grant.
  const turnsTaken = (fanIds: readonly string[]) => {
    waitlist.placesEnded(fanIds);
    order.admitted(fanIds);
    for (const fanId of fanIds) openGrants.add(fanId);
  };
  /** A hold's tickets leave its fan's count, its tier's and its access code's: it ended unbought, or its purchase was cancelled. */
  const returnTickets = (holdId: string, hold: { fanId: string; allocation: Allocation }) => {
    ticketsOfFan.set(hold.fanId, ticketsOfFan.get(hold.fanId)! - hold.allocation.quantity);
    const tierId = hold.allocation.tierId;
    if (tierId !== undefined) takenByTier.set(tierId, takenByTier.get(tierId)! - hold.allocation.quantity);
    const codeId = codeOfHold.get(holdId);
    if (codeId !== undefined) codes.get(codeId)!.tickets -= hold.allocation.quantity;
  };
  let soldTickets = 0;
  for (const entry of journal) {
    switch (entry.type) {
      case 'configUpdated':
        config = entry.config;
        for (const [tierId, taken] of takenByTier) {
          if (taken > capacityOf(tierId)) fail('tierOversold', `tier ${tierId}: capacity cut to ${capacityOf(tierId)} below ${taken} held or sold`);
        }
        break;
      case 'codesAdded':
        entry.codes.forEach((code, k) => {
          if (codes.has(code)) fail('journalMalformed', `access code ${code} added twice`);
          const bound = entry.accounts?.[k];
          codes.set(code, { uses: entry.uses, ticketCap: entry.ticketCap, accounts: new Set(bound === undefined ? [] : [bound]), tickets: 0 });
        });
        registration.codesAdded(entry, config);
        break;
      case 'registrationOpened':
        registration.opened(entry, config);
        break;
      case 'registered':
        registration.registered(entry, config);
        break;
      case 'registrationWithdrawn':
        registration.withdrawn(entry, config);
        break;
      case 'registrationDrawn':
        registration.drawnEntry(entry, config, freeTickets());
        break;
      case 'invitedNext':
        registration.invitedNext(entry.count);
        break;
      case 'codeRedeemed': {
        const code = codes.get(entry.code);
        if (code === undefined) {
          fail('journalMalformed', `${entry.fanId} redeemed unknown access code ${entry.code}`);
          break;
        }
        code.accounts.add(entry.fanId);
        codeOfFan.set(entry.fanId, entry.code);
        if (code.accounts.size > code.uses) fail('codeUses', `access code ${entry.code} bound to ${code.accounts.size} accounts, ${code.uses} uses`);
        break;
      }
      case 'joined':
        codeOfFan.delete(entry.fanId);
        order.joined(entry, config);
        break;
      case 'presence':
        waitlist.presence(entry);
        break;
      case 'recalled':
        waitlist.recalled(entry.fanIds, entry.answerBy);
        break;
      case 'left':
        if (entry.reason === 'presenceLost') waitlist.lost(entry.fanId, entry.at);
        waitlist.placesEnded([entry.fanId]);
        openGrants.delete(entry.fanId);
        order.left(entry.fanId);
        break;
      case 'standby':
        waitlist.standby(entry, config);
        break;
      case 'earlyWaitlist': {
        const free = freeTickets();
        // Tickets neither sold nor free are held: free + held is what is not sold.
        const tickets = config.inventory.tiers.reduce((n, t) => n + t.quantity, 0) + countSeats(config) - soldTickets;
        waitlist.early(entry, config, { tickets, openGrants: openGrants.size, freeToSell: free - openGrants.size * config.maxTicketsPerFan });
        break;
      }
      case 'waitlistEnded':
        waitlist.ended(entry.waitlistAfter, entry.waitlistUpTo);
        break;
      case 'called':
        waitlist.called(entry.fanIds);
        turnsTaken(entry.fanIds);
        break;
      case 'grantExpired':
        openGrants.delete(entry.fanId);
        break;
      case 'soldOut': {
        const capacity = config.inventory.tiers.reduce((n, t) => n + t.quantity, 0) + countSeats(config);
        const active = [...holds.values()].filter((h) => !h.ended).length;
        if (soldTickets < capacity || active > 0 || openGrants.size > 0) {
          fail('soldOutEarly', `sold out with ${capacity - soldTickets} tickets unsold, ${active} active holds, ${openGrants.size} open grants`);
        }
        break;
      }
      case 'preQueueOpened':
        order.seal(PRE_QUEUE, entry.commitment);
        break;
      case 'drawSealed':
        order.seal(entry.draw, entry.commitment);
        break;
      case 'beaconSupplied':
        if (entry.draw === REGISTRATION) registration.beaconSupplied(entry.value);
        else order.beaconSupplied(entry.draw, entry.value);
        break;
      case 'drawn':
        order.drawn(entry, config);
        break;
      case 'numbered':
        order.numbered(entry.at, entry.fanIds);
        break;
      case 'admitted':
        waitlist.admitted(entry.fanIds);
        turnsTaken(entry.fanIds);
        break;
      case 'held': {
        openGrants.delete(entry.fanId);
        if (holds.has(entry.holdId)) fail('journalMalformed', `hold id ${entry.holdId} used twice`);
        holds.set(entry.holdId, { fanId: entry.fanId, allocation: entry.allocation, ended: false, paymentId: undefined, cancelled: false });
        const tierId = entry.allocation.tierId;
        if (tierId !== undefined) {
          const taken = (takenByTier.get(tierId) ?? 0) + entry.allocation.quantity;
          takenByTier.set(tierId, taken);
          if (taken > capacityOf(tierId)) fail('tierOversold', `tier ${tierId}: ${taken} held or sold of ${capacityOf(tierId)}`);
        }
        for (const seat of seatsOf(entry.allocation)) {
          if (seatState.has(seat)) fail('seatHeldTwice', `seat ${seat} held by ${entry.holdId} while ${seatState.get(seat)}`);
          seatState.set(seat, 'held');
        }
        const tickets = (ticketsOfFan.get(entry.fanId) ?? 0) + entry.allocation.quantity;
        ticketsOfFan.set(entry.fanId, tickets);
        if (tickets > config.maxTicketsPerFan) fail('perFanLimit', `${entry.fanId} has ${tickets} tickets, limit ${config.maxTicketsPerFan}`);
        const codeId = codeOfFan.get(entry.fanId);
        const code = codeId === undefined ? undefined : codes.get(codeId);
        if (code !== undefined) {
          codeOfHold.set(entry.holdId, codeId!);
          code.tickets += entry.allocation.quantity;
          if (code.tickets > code.ticketCap) fail('codeTicketCap', `access code ${codeId}: ${code.tickets} tickets, cap ${code.ticketCap}`);
        }
        break;
      }
      case 'paymentQueued':
        payments.queued(entry);
        break;
      case 'paymentStarted':
        payments.started(entry, config);
        break;
      case 'channelBreaker':
        payments.breaker(entry);
        break;
      case 'refundDue':
        payments.refundDue(entry);
        break;
      case 'orderCancelled': {
        // A purchase cancelled goes back on sale whole: its seats may be held and sold again, its tickets leave the fan's count.
        const hold = holds.get(entry.holdId);
        if (hold === undefined || hold.paymentId === undefined || hold.cancelled) {
          fail('cancelledUnsold', `order ${entry.holdId} cancelled ${hold?.cancelled === true ? 'twice' : 'though never bought'}`);
          break;
        }
        if (entry.paymentId !== hold.paymentId) fail('journalMalformed', `order ${entry.holdId} cancelled with payment ${entry.paymentId}, bought with ${hold.paymentId}`);
        hold.cancelled = true;
        payments.orderCancelled(hold.paymentId);
        soldTickets -= hold.allocation.quantity;
        for (const seat of seatsOf(hold.allocation)) {
          if (seatState.get(seat) !== 'sold') fail('cancelledUnsold', `seat ${seat} of order ${entry.holdId} returned while ${seatState.get(seat) ?? 'free'}`);
          seatState.delete(seat);
        }
        returnTickets(entry.holdId, hold);
        break;
      }
      case 'refunded':
        payments.refunded(entry);
        break;
      case 'purchased':
      case 'expired':
      case 'released': {
        if (entry.type === 'purchased') payments.purchased(entry);
        payments.holdEnded(entry.holdId);
        const hold = holds.get(entry.holdId);
        if (hold === undefined || hold.ended) {
          fail('holdEndedTwice', `hold ${entry.holdId} ${entry.type} ${hold === undefined ? 'without being held' : 'after it ended'}`);
          break;
        }
        hold.ended = true;
        if (entry.type === 'purchased') {
          soldTickets += hold.allocation.quantity;
          hold.paymentId = entry.paymentId;
        }
        for (const seat of seatsOf(hold.allocation)) {
          if (entry.type !== 'purchased') seatState.delete(seat);
          else if (seatState.get(seat) === 'sold') fail('seatSoldTwice', `seat ${seat} sold twice (hold ${entry.holdId})`);
          else seatState.set(seat, 'sold');
        }
        if (entry.type !== 'purchased') returnTickets(entry.holdId, hold);
        break;
      }
    }
  }

  registration.finish();
  const seats = new Set(config.inventory.sections.flatMap((s) => s.rows.flatMap((r) => r.seats.map((seat) => seatId(s.id, r.id, seat.label)))));
  for (const seat of seatState.keys()) if (!seats.has(seat)) fail('journalMalformed', `seat ${seat} does not exist`);
  if (options.requireAllHoldsEnded === true) {
    for (const [holdId, hold] of holds) if (!hold.ended) fail('holdUnresolved', `hold ${holdId} never ended`);
  }
  return violations;
}

function countSeats(config: EventConfig): number {
  return config.inventory.sections.reduce((n, s) => n + s.rows.reduce((m, r) => m + r.seats.length, 0), 0);
}

/**
 * Standby and waitlist, from the rules: places numbered in (after, upTo] are
 * waitlisted; they are called (never plainly admitted), only once nothing
 * ahead of them waits (the admission order checks that), at most once per
 * place, and never lose their place to the presence grace. The standby size
 * follows the documented formula. A place kept while its fan is away (a
 * `presence` entry with `keptAway`) is never lost to the presence grace
 * either, is recalled only while its fan is away, and is called, not
 * admitted, if the fan is away at its turn.
 */
class WaitlistRules {
  private after = Infinity;
  private upTo = Infinity;
  private readonly calledPlaces = new Set<string>();
  /**
   * By place number (a kept place is numbered; typed arrays, as millions of
   * fans may close the page): how long the place is kept while its fan is
   * away (0: not kept; Infinity; a recall's answer time), and 1 while away.
   */
  private keptUntil = new Float64Array(1024);
  private away = new Uint8Array(1024);

  constructor(
    private readonly fail: (invariant: Invariant, message: string) => void,
    private readonly order: QueueOrder,
  ) {}

  private isWaitlisted(fanId: string): boolean {
    const number = this.order.numberOf(fanId);
    return number !== undefined && number > this.after && number <= this.upTo;
  }

  /** The fan's place number, 0 for none; the columns grown to hold it. */
  private placeOf(fanId: string): number {
    const number = this.order.numberOf(fanId) ?? 0;
    if (number >= this.away.length) {
      const size = Math.max(number + 1, Math.floor(this.away.length * 1.5));
      const keptUntil = new Float64Array(size);
      keptUntil.set(this.keptUntil);
      const away = new Uint8Array(size);
      away.set(this.away);
      this.keptUntil = keptUntil;
      this.away = away;
    }
    return number;
  }

  private isKeptAndAway(fanId: string): boolean {
    const number = this.placeOf(fanId);
    return number > 0 && this.keptUntil[number] !== 0 && this.away[number] === 1;
  }

  presence(entry: Extract<JournalEntry, { type: 'presence' }>): void {
    const number = this.placeOf(entry.fanId);
    if (entry.keptAway === true) {
      if (entry.connected) this.fail('journalMalformed', `${entry.fanId} kept away while connecting`);
      if (number === 0) this.fail('journalMalformed', `${entry.fanId} kept away without a number`);
      this.keptUntil[number] = Infinity;
    }
    // An unnumbered place cannot be kept: nothing to track.
    if (number === 0) return;
    this.away[number] = entry.connected ? 0 : 1;
    // Back after a recall: an ordinary place again.
    if (entry.connected && this.keptUntil[number] !== Infinity) this.keptUntil[number] = 0;
  }

  /** The places stop waiting (admitted, called, left or lost): a later place of the same fan starts afresh. */
  placesEnded(fanIds: readonly string[]): void {
    for (const fanId of fanIds) {
      const number = this.placeOf(fanId);
      this.keptUntil[number] = 0;
      this.away[number] = 0;
    }
  }

  recalled(fanIds: readonly string[], answerBy: number): void {
    for (const fanId of fanIds) {
      const number = this.placeOf(fanId);
      if (number === 0 || this.keptUntil[number] !== Infinity || this.away[number] !== 1) this.fail('waitlistOrder', `${fanId} recalled though not away from a kept place`);
      else this.keptUntil[number] = answerBy;
    }
  }

  standby(entry: Extract<JournalEntry, { type: 'standby' }>, config: EventConfig): void {
    const expected = Math.ceil((entry.returnable * (100 + config.waitlist.standbyMarginPercent)) / 100 / config.maxTicketsPerFan);
    if (entry.standby !== expected) this.fail('standbySize', `standby of ${entry.standby} for ${entry.returnable} returnable tickets; the formula says ${expected}`);
    if (this.upTo === Infinity && entry.waitlistAfter > this.after) this.fail('waitlistOrder', `the standby grew from ${this.after} to ${entry.waitlistAfter}`);
    this.after = Math.min(this.after, entry.waitlistAfter);
    this.upTo = Infinity;
  }

  /**
   * The early waitlist: only while tickets are free to sell and the organizer
   * left it on, its `places` by the formula from the tickets and open grants
   * counted here (not the entry's own), its boundary never later while open.
   */
  early(entry: Extract<JournalEntry, { type: 'earlyWaitlist' }>, config: EventConfig, counted: { tickets: number; openGrants: number; freeToSell: number }): void {
    if (!config.waitlist.enabled || !config.waitlist.early) this.fail('waitlistOrder', 'an early waitlist while it is turned off');
    if (counted.freeToSell <= 0) this.fail('standbySize', 'an early waitlist while nothing is free to sell (a standby is due)');
    if (entry.tickets !== counted.tickets || entry.openGrants !== counted.openGrants) {
      this.fail('standbySize', `early waitlist for ${entry.tickets} tickets and ${entry.openGrants} open grants; there are ${counted.tickets} and ${counted.openGrants}`);
    }
    const expected = Math.ceil((Math.max(0, counted.tickets - counted.openGrants) * (100 + config.waitlist.standbyMarginPercent)) / 100);
    if (entry.places !== expected) this.fail('standbySize', `early waitlist after ${entry.places} places; the formula says ${expected}`);
    if (this.upTo === Infinity && entry.waitlistAfter > this.after) this.fail('waitlistOrder', `the early waitlist's boundary moved later, from ${this.after} to ${entry.waitlistAfter}`);
    this.after = Math.min(this.after, entry.waitlistAfter);
    this.upTo = Infinity;
  }

  ended(after: number, upTo: number): void {
    if (this.after === Infinity || this.upTo !== Infinity) this.fail('journalMalformed', 'a waitlist ended that was not open');
    if (after !== this.after) this.fail('journalMalformed', `the waitlist ended after ${after}, it began after ${this.after}`);
    this.upTo = upTo;
  }

  called(fanIds: readonly string[]): void {
    for (const fanId of fanIds) {
      if (!this.isWaitlisted(fanId) && !this.isKeptAndAway(fanId)) this.fail('waitlistOrder', `${fanId} called though neither waitlisted nor kept while away`);
      const place = `${fanId}#${this.order.numberOf(fanId)}`;
      if (this.calledPlaces.has(place)) this.fail('calledTwice', `${fanId} called twice for one place`);
      this.calledPlaces.add(place);
    }
  }

  admitted(fanIds: readonly string[]): void {
    for (const fanId of fanIds) {
      if (this.isWaitlisted(fanId)) this.fail('waitlistOrder', `${fanId} admitted like a standby place though waitlisted`);
      else if (this.isKeptAndAway(fanId)) this.fail('waitlistOrder', `${fanId} admitted while away though its place was kept to be called`);
    }
  }

  lost(fanId: string, at: number): void {
    if (this.isWaitlisted(fanId)) this.fail('waitlistOrder', `${fanId} lost a waitlisted place to the presence grace`);
    else if (at <= this.keptUntil[this.placeOf(fanId)]!) this.fail('waitlistOrder', `${fanId} lost a place kept while away to the presence grace`);
  }
}

const PRE_QUEUE = 'preQueue';
const REGISTRATION = 'registration';
const SEED = /^[0-9a-f]{64}$/i;
const PSEUDONYM = new RegExp(`^[0-9a-f]{${PSEUDONYM_BYTES * 2}}$`);
/** What a join without a well-formed pseudonym (already a violation) enters the draw under. */
const NO_PSEUDONYM = new Uint8Array(PSEUDONYM_BYTES);

/**
 * A later sale phase's draw a place arriving at `arrival` belongs to: the
 * latest phase opened by then, if not the first, from its pre-queue's
 * opening to its start window's end (`phase:<id>`).
 */
function laterPhaseDraw(config: EventConfig, arrival: number): string | undefined {
  const opened = config.phases.filter((phase) => phase.preQueueOpensAt <= arrival);
  const phase = opened.at(-1);
  if (opened.length < 2 || phase === undefined) return undefined;
  return arrival < phase.onSaleAt + config.door.startWindowMs ? `phase:${phase.id}` : undefined;
}

/** When a sealed draw may run: its phase's start window's end (the first phase's for the pre-queue draw). */
function drawDueAt(config: EventConfig, draw: string): number {
  if (draw === PRE_QUEUE) return config.onSaleAt + config.door.startWindowMs;
  const phase = config.phases.find((p) => draw === `phase:${p.id}`);
  return phase === undefined ? Infinity : phase.onSaleAt + config.door.startWindowMs;
}

/**
 * The order places must be admitted in, rebuilt from the rules rather than
 * from the engine: a place arriving (effectively, at readyAt ?? at) before
 * its phase's start window closes waits for that phase's one draw (the
 * pre-queue and the window together), any other is numbered at its arrival,
 * first come first served, ties in join order.
 */
class QueueOrder {
  /** Per draw, its pending fans in join order, with their join numbers and pseudonyms. */
  private readonly pending = new Map<string, PendingPlaces>();
  private readonly beacons = new Map<string, string>();
  /** Slow-lane fans waiting for their readyAt, with their join sequence. */
  private readonly ready = new Map<string, { readyAt: number; seq: number }>();
  /** The same places by (readyAt, seq); left or re-joined ones are skipped when they surface. */
  private readonly readyOrder = new ReadyHeap();
  private readonly sealed = new Map<string, { commitment: string; drawn: boolean }>();
  private seq = 0;
  /** Each fan's number, handed out in the order places are numbered (as the engine's one sequence does), and which still wait. */
  private readonly numbers = new PlaceNumbers();

  numberOf(fanId: string): number | undefined {
    return this.numbers.numberOf(fanId);
  }

  private number(fanId: string): void {
    if (this.numbers.waits(fanId)) this.fail('journalMalformed', `${fanId} numbered again while its place waits`);
    this.numbers.add(fanId);
  }

  constructor(private readonly fail: (invariant: Invariant, message: string) => void) {}

  /** A draw's commitment is published; the seed it reveals when it runs is checked against it. */
  seal(draw: string, commitment: string): void {
    if (this.sealed.has(draw)) this.fail('journalMalformed', `draw ${draw} sealed twice`);
    this.sealed.set(draw, { commitment, drawn: false });
  }

  beaconSupplied(draw: string, value: string): void {
    if (this.beacons.has(draw)) this.fail('journalMalformed', `draw ${draw}'s beacon supplied twice`);
    if (!this.sealed.has(draw)) this.fail('journalMalformed', `draw ${draw}'s beacon supplied before it was sealed`);
    if (this.sealed.get(draw)?.drawn === true) this.fail('journalMalformed', `draw ${draw}'s beacon supplied after it ran`);
    this.beacons.set(draw, value);
  }

  joined(entry: Extract<JournalEntry, { type: 'joined' }>, config: EventConfig): void {
    const { fanId, at, readyAt } = entry;
    if (readyAt !== undefined && readyAt <= at) this.fail('journalMalformed', `${fanId} joined with a readyAt not after its arrival`);
    const arrival = readyAt ?? at;
    let draw: string | undefined;
    const phaseDraw = laterPhaseDraw(config, arrival);
    const phaseSealed = phaseDraw === undefined ? undefined : this.sealed.get(phaseDraw);
    const first = this.sealed.get(PRE_QUEUE);
    if (phaseSealed !== undefined && !phaseSealed.drawn) draw = phaseDraw;
    else if (first !== undefined && !first.drawn && arrival < drawDueAt(config, PRE_QUEUE)) draw = PRE_QUEUE;
    if (entry.draw !== draw) this.fail('numberingOrder', `${fanId} joined for draw ${String(entry.draw)}, the rules say ${String(draw)}`);
    const seq = ++this.seq;
    if (entry.draw !== undefined) {
      let fans = this.pending.get(entry.draw);
      if (fans === undefined) this.pending.set(entry.draw, (fans = new PendingPlaces()));
      const wellFormed = entry.pseudonym !== undefined && PSEUDONYM.test(entry.pseudonym);
      if (!wellFormed) this.fail('journalMalformed', `${fanId} joined draw ${entry.draw} without a pseudonym`);
      fans.set(fanId, seq, wellFormed ? Buffer.from(entry.pseudonym!, 'hex') : NO_PSEUDONYM);
    } else if (readyAt !== undefined) {
      this.ready.set(fanId, { readyAt, seq });
      this.readyOrder.push(readyAt, seq, fanId);
    } else {
      for (const [name, sealed] of this.sealed) {
        if (!sealed.drawn && drawDueAt(config, name) <= at) this.fail('numberingOrder', `${fanId} numbered on arrival before the due draw ${name} ran`);
      }
      const overdue = this.firstDue(at);
      if (overdue !== undefined) this.fail('numberingOrder', `${fanId} numbered on arrival while ${overdue}'s readyAt had come`);
      this.number(fanId);
    }
  }

  left(fanId: string): void {
    this.numbers.gone(fanId);
    this.ready.delete(fanId);
    for (const fans of this.pending.values()) fans.delete(fanId);
  }

  /** The draw numbers its pending fans in the order its seed, their entries and its beacon dictate (docs/fairness.md). */
  drawn(entry: Extract<JournalEntry, { type: 'drawn' }>, config: EventConfig): void {
    const sealed = this.sealed.get(entry.draw);
    if (sealed === undefined || sealed.drawn) {
      this.fail('numberingOrder', `draw ${entry.draw} ran ${sealed === undefined ? 'without being sealed' : 'twice'}`);
      return;
    }
    if (!SEED.test(entry.seed)) {
      this.fail('journalMalformed', `draw ${entry.draw} revealed a malformed seed`);
      return;
    }
    if (commitmentOf(entry.seed) !== sealed.commitment) this.fail('numberingOrder', `draw ${entry.draw}: the commitment is not SHA-256 of the seed it revealed`);
    if (entry.beacon !== this.beacons.get(entry.draw)) this.fail('numberingOrder', `draw ${entry.draw} ran with beacon ${String(entry.beacon)}, the one supplied was ${String(this.beacons.get(entry.draw))}`);
    if (entry.at < drawDueAt(config, entry.draw)) this.fail('numberingOrder', `draw ${entry.draw} ran before its instant (its start window's end)`);
    sealed.drawn = true;
    const { fanIds, entries } = (this.pending.get(entry.draw) ?? new PendingPlaces()).take();
    this.pending.delete(entry.draw);
    if (entry.count !== fanIds.length) this.fail('numberingOrder', `draw ${entry.draw} says ${entry.count} places, ${fanIds.length} were pending`);
    for (const index of runDraw(entry.seed, entries, entry.beacon).order) this.number(fanIds[index]!);
  }

  /** Slow-lane places whose readyAt came: exactly those, by readyAt then join order. */
  numbered(at: number, fanIds: readonly string[]): void {
    if (this.sealed.get(PRE_QUEUE)?.drawn !== true) this.fail('numberingOrder', `${fanIds.join(', ')} numbered before the pre-queue draw ran`);
    const due: string[] = [];
    for (let fanId = this.firstDue(at); fanId !== undefined; fanId = this.firstDue(at)) {
      due.push(fanId);
      this.ready.delete(fanId);
      this.readyOrder.pop();
    }
    if (due.join('\u0000') !== fanIds.join('\u0000')) this.fail('numberingOrder', `numbered ${fanIds.join(', ')} at ${at}; due were ${due.join(', ')}`);
    for (const fanId of fanIds) {
      this.ready.delete(fanId);
      this.number(fanId);
    }
  }

  admitted(fanIds: readonly string[]): void {
    for (const fanId of fanIds) {
      const next = this.numbers.nextInLine();
      if (next !== fanId) this.fail('admissionOrder', `${fanId} admitted while ${next ?? 'nobody'} was next in line`);
      this.numbers.served(fanId);
    }
  }

  /** The first slow-lane place due by `at` (left at the heap's top), dropping places that left or joined again. */
  private firstDue(at: number): string | undefined {
    for (let top = this.readyOrder.peek(); top !== undefined; top = this.readyOrder.peek()) {
      if (this.ready.get(top.fanId)?.seq !== top.seq) {
        this.readyOrder.pop();
        continue;
      }
      return top.readyAt <= at ? top.fanId : undefined;
    }
    return undefined;
  }
}

interface ReadyPlace {
  readyAt: number;
  seq: number;
  fanId: string;
}

/** A binary min-heap of slow-lane places by readyAt, then join sequence: the oracle's own, shared with no engine code. */
class ReadyHeap {
  private readonly items: ReadyPlace[] = [];

  push(readyAt: number, seq: number, fanId: string): void {
    const items = this.items;
    items.push({ readyAt, seq, fanId });
    for (let i = items.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!before(items[i]!, items[parent]!)) break;
      [items[i], items[parent]] = [items[parent]!, items[i]!];
      i = parent;
    }
  }

  peek(): ReadyPlace | undefined {
    return this.items[0];
  }

  pop(): void {
    const items = this.items;
    const last = items.pop();
    if (last === undefined || items.length === 0) return;
    items[0] = last;
    for (let i = 0; ; ) {
      const left = 2 * i + 1;
      const right = left + 1;
      let least = i;
      if (left < items.length && before(items[left]!, items[least]!)) least = left;
      if (right < items.length && before(items[right]!, items[least]!)) least = right;
      if (least === i) break;
      [items[i], items[least]] = [items[least]!, items[i]!];
      i = least;
    }
  }
}

function before(a: ReadyPlace, b: ReadyPlace): boolean {
  return a.readyAt < b.readyAt || (a.readyAt === b.readyAt && a.seq < b.seq);
}
