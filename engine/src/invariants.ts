import type { EventConfig } from './config/types.js';
import { seatId } from './config/types.js';
import { commitmentOf, shuffle } from './fairness/shuffle.js';
import type { Allocation, JournalEntry } from './journal/entries.js';

export type Invariant =
  | 'seatSoldTwice'
  | 'seatHeldTwice'
  | 'tierOversold'
  | 'perFanLimit'
  | 'codeUses'
  | 'codeTicketCap'
  | 'holdEndedTwice'
  | 'holdUnresolved'
  | 'admissionOrder'
  | 'numberingOrder'
  | 'waitlistOrder'
  | 'calledTwice'
  | 'standbySize'
  | 'soldOutEarly'
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

  const holds = new Map<string, { fanId: string; allocation: Allocation; ended: boolean }>();
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

  const seatsOf = (a: Allocation) => a.seatIds ?? [];
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
        for (const code of entry.codes) {
          if (codes.has(code)) fail('journalMalformed', `access code ${code} added twice`);
          codes.set(code, { uses: entry.uses, ticketCap: entry.ticketCap, accounts: new Set(), tickets: 0 });
        }
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
      case 'left':
        if (entry.reason === 'presenceLost') waitlist.lost(entry.fanId);
        openGrants.delete(entry.fanId);
        order.left(entry.fanId);
        break;
      case 'standby':
        waitlist.standby(entry, config);
        break;
      case 'waitlistEnded':
        waitlist.ended(entry.waitlistAfter, entry.waitlistUpTo);
        break;
      case 'called':
        waitlist.called(entry.fanIds);
        order.admitted(entry.fanIds);
        for (const fanId of entry.fanIds) openGrants.add(fanId);
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
      case 'saleStarted':
        order.started = true;
        order.draw(PRE_QUEUE, entry.seed, entry.shuffled);
        break;
      case 'drawSealed':
        if (commitmentOf(entry.seed) !== entry.commitment) fail('numberingOrder', `draw ${entry.draw}: the commitment is not SHA-256 of its seed`);
        if (order.sealed.has(entry.draw)) fail('journalMalformed', `draw ${entry.draw} sealed twice`);
        order.sealed.set(entry.draw, { seed: entry.seed, drawn: false });
        break;
      case 'drawn':
        order.drawn(entry, config);
        break;
      case 'numbered':
        order.numbered(entry.at, entry.fanIds);
        break;
      case 'admitted':
        waitlist.admitted(entry.fanIds);
        order.admitted(entry.fanIds);
        for (const fanId of entry.fanIds) openGrants.add(fanId);
        break;
      case 'held': {
        openGrants.delete(entry.fanId);
        if (holds.has(entry.holdId)) fail('journalMalformed', `hold id ${entry.holdId} used twice`);
        holds.set(entry.holdId, { fanId: entry.fanId, allocation: entry.allocation, ended: false });
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
      case 'purchased':
      case 'expired':
      case 'released': {
        const hold = holds.get(entry.holdId);
        if (hold === undefined || hold.ended) {
          fail('holdEndedTwice', `hold ${entry.holdId} ${entry.type} ${hold === undefined ? 'without being held' : 'after it ended'}`);
          break;
        }
        hold.ended = true;
        if (entry.type === 'purchased') soldTickets += hold.allocation.quantity;
        for (const seat of seatsOf(hold.allocation)) {
          if (entry.type !== 'purchased') seatState.delete(seat);
          else if (seatState.get(seat) === 'sold') fail('seatSoldTwice', `seat ${seat} sold twice (hold ${entry.holdId})`);
          else seatState.set(seat, 'sold');
        }
        if (entry.type !== 'purchased') {
          ticketsOfFan.set(hold.fanId, ticketsOfFan.get(hold.fanId)! - hold.allocation.quantity);
          const tierId = hold.allocation.tierId;
          if (tierId !== undefined) takenByTier.set(tierId, takenByTier.get(tierId)! - hold.allocation.quantity);
          const codeId = codeOfHold.get(entry.holdId);
          if (codeId !== undefined) codes.get(codeId)!.tickets -= hold.allocation.quantity;
        }
        break;
      }
    }
  }

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
 * follows the documented formula.
 */
class WaitlistRules {
  private after = Infinity;
  private upTo = Infinity;
  private readonly calledPlaces = new Set<string>();

  constructor(
    private readonly fail: (invariant: Invariant, message: string) => void,
    private readonly order: QueueOrder,
  ) {}

  private isWaitlisted(fanId: string): boolean {
    const number = this.order.numberOf(fanId);
    return number !== undefined && number > this.after && number <= this.upTo;
  }

  standby(entry: Extract<JournalEntry, { type: 'standby' }>, config: EventConfig): void {
    const expected = Math.ceil((entry.returnable * (100 + config.waitlist.standbyMarginPercent)) / 100 / config.maxTicketsPerFan);
    if (entry.standby !== expected) this.fail('standbySize', `standby of ${entry.standby} for ${entry.returnable} returnable tickets; the formula says ${expected}`);
    if (this.upTo === Infinity && entry.waitlistAfter > this.after) this.fail('waitlistOrder', `the standby grew from ${this.after} to ${entry.waitlistAfter}`);
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
      if (!this.isWaitlisted(fanId)) this.fail('waitlistOrder', `${fanId} called though not waitlisted`);
      const place = `${fanId}#${this.order.numberOf(fanId)}`;
      if (this.calledPlaces.has(place)) this.fail('calledTwice', `${fanId} called twice for one place`);
      this.calledPlaces.add(place);
    }
  }

  admitted(fanIds: readonly string[]): void {
    for (const fanId of fanIds) if (this.isWaitlisted(fanId)) this.fail('waitlistOrder', `${fanId} admitted like a standby place though waitlisted`);
  }

  lost(fanId: string): void {
    if (this.isWaitlisted(fanId)) this.fail('waitlistOrder', `${fanId} lost a waitlisted place to the presence grace`);
  }
}

const PRE_QUEUE = 'preQueue';
const START_WINDOW = 'startWindow';

/**
 * A later sale phase's draw a place arriving at `arrival` belongs to: the
 * latest phase opened by then, if not the first; its pre-queue
 * (`phase:<id>`) before its start, its start window (`phase:<id>:window`) after.
 */
function laterPhaseDraw(config: EventConfig, arrival: number): string | undefined {
  const opened = config.phases.filter((phase) => phase.preQueueOpensAt <= arrival);
  const phase = opened.at(-1);
  if (opened.length < 2 || phase === undefined) return undefined;
  if (arrival < phase.onSaleAt) return `phase:${phase.id}`;
  return arrival < phase.onSaleAt + config.door.startWindowMs ? `phase:${phase.id}:window` : undefined;
}

/** When a sealed draw may run: the start window's, or a later phase's pre-queue or window. */
function drawDueAt(config: EventConfig, draw: string): number {
  if (draw === START_WINDOW) return config.onSaleAt + config.door.startWindowMs;
  const phase = config.phases.find((p) => draw === `phase:${p.id}` || draw === `phase:${p.id}:window`);
  if (phase === undefined) return Infinity;
  return draw.endsWith(':window') ? phase.onSaleAt + config.door.startWindowMs : phase.onSaleAt;
}

/**
 * The order places must be admitted in, rebuilt from the rules rather than
 * from the engine: a place arriving (effectively, at readyAt ?? at) before
 * the on-sale time waits for the pre-queue draw, one arriving in the start
 * window for the window's draw, any other is numbered at its arrival, first
 * come first served, ties in join order.
 */
class QueueOrder {
  /** Numbered fans still waiting, in number order: the first key is next. */
  private readonly expected = new Map<string, true>();
  /** Per draw, its pending fans in join order. */
  private readonly pending = new Map<string, Map<string, true>>();
  /** Slow-lane fans waiting for their readyAt, with their join sequence. */
  private readonly ready = new Map<string, { readyAt: number; seq: number }>();
  readonly sealed = new Map<string, { seed: string; drawn: boolean }>();
  started = false;
  private seq = 0;
  /** Each fan's number, handed out in the order places are numbered (as the engine's one sequence does). */
  private readonly numbers = new Map<string, number>();
  private lastNumber = 0;

  numberOf(fanId: string): number | undefined {
    return this.numbers.get(fanId);
  }

  private number(fanId: string): void {
    this.numbers.set(fanId, ++this.lastNumber);
    this.expected.set(fanId, true);
  }

  constructor(private readonly fail: (invariant: Invariant, message: string) => void) {}

  joined(entry: Extract<JournalEntry, { type: 'joined' }>, config: EventConfig): void {
    const { fanId, at, readyAt } = entry;
    if (readyAt !== undefined && readyAt <= at) this.fail('journalMalformed', `${fanId} joined with a readyAt not after its arrival`);
    const arrival = readyAt ?? at;
    const window = this.sealed.get(START_WINDOW);
    const windowEnds = config.onSaleAt + config.door.startWindowMs;
    let draw: string | undefined;
    const phaseDraw = laterPhaseDraw(config, arrival);
    const phaseSealed = phaseDraw === undefined ? undefined : this.sealed.get(phaseDraw);
    if (phaseSealed !== undefined && !phaseSealed.drawn) draw = phaseDraw;
    else if (!this.started && arrival < config.onSaleAt) draw = PRE_QUEUE;
    else if (window !== undefined && !window.drawn && arrival < windowEnds) draw = START_WINDOW;
    if (entry.draw !== draw) this.fail('numberingOrder', `${fanId} joined for draw ${String(entry.draw)}, the rules say ${String(draw)}`);
    const seq = ++this.seq;
    if (entry.draw !== undefined) {
      let fans = this.pending.get(entry.draw);
      if (fans === undefined) this.pending.set(entry.draw, (fans = new Map()));
      fans.set(fanId, true);
    } else if (readyAt !== undefined) {
      this.ready.set(fanId, { readyAt, seq });
    } else {
      if (window !== undefined && !window.drawn && arrival >= windowEnds) {
        this.fail('numberingOrder', `${fanId} numbered on arrival after the start window closed, before its draw ran`);
      }
      for (const [name, sealed] of this.sealed) {
        if (name !== START_WINDOW && !sealed.drawn && drawDueAt(config, name) <= at) this.fail('numberingOrder', `${fanId} numbered on arrival before the due draw ${name} ran`);
      }
      const overdue = this.due(at);
      if (overdue.length > 0) this.fail('numberingOrder', `${fanId} numbered on arrival while ${overdue[0]}'s readyAt had come`);
      this.number(fanId);
    }
  }

  left(fanId: string): void {
    this.expected.delete(fanId);
    this.numbers.delete(fanId);
    this.ready.delete(fanId);
    for (const fans of this.pending.values()) fans.delete(fanId);
  }

  /** The draw numbers its pending fans in shuffled join order. */
  draw(draw: string, seed: string, count: number): void {
    const entries = [...(this.pending.get(draw)?.keys() ?? [])];
    this.pending.delete(draw);
    if (count !== entries.length) this.fail('numberingOrder', `draw ${draw} says ${count} places, ${entries.length} were pending`);
    for (const fanId of shuffle(entries, seed)) this.number(fanId);
  }

  drawn(entry: Extract<JournalEntry, { type: 'drawn' }>, config: EventConfig): void {
    const sealed = this.sealed.get(entry.draw);
    if (sealed === undefined || sealed.drawn) {
      this.fail('numberingOrder', `draw ${entry.draw} ran ${sealed === undefined ? 'without being sealed' : 'twice'}`);
      return;
    }
    if (sealed.seed !== entry.seed) this.fail('numberingOrder', `draw ${entry.draw} ran with another seed than it sealed`);
    if (entry.draw === START_WINDOW && entry.at < config.onSaleAt + config.door.startWindowMs) {
      this.fail('numberingOrder', 'the start-window draw ran before the window closed');
    } else if (entry.at < drawDueAt(config, entry.draw)) {
      this.fail('numberingOrder', `draw ${entry.draw} ran before its instant`);
    }
    sealed.drawn = true;
    this.draw(entry.draw, entry.seed, entry.count);
  }

  /** Slow-lane places whose readyAt came: exactly those, by readyAt then join order. */
  numbered(at: number, fanIds: readonly string[]): void {
    const window = this.sealed.get(START_WINDOW);
    if (!this.started) this.fail('numberingOrder', `${fanIds.join(', ')} numbered before the pre-queue draw ran`);
    if (window !== undefined && !window.drawn) this.fail('numberingOrder', `${fanIds.join(', ')} numbered before the start-window draw ran`);
    const due = this.due(at);
    if (due.join('\u0000') !== fanIds.join('\u0000')) this.fail('numberingOrder', `numbered ${fanIds.join(', ')} at ${at}; due were ${due.join(', ')}`);
    for (const fanId of fanIds) {
      this.ready.delete(fanId);
      this.number(fanId);
    }
  }

  admitted(fanIds: readonly string[]): void {
    for (const fanId of fanIds) {
      const next = this.expected.keys().next();
      if (next.done === true || next.value !== fanId) {
        this.fail('admissionOrder', `${fanId} admitted while ${next.done === true ? 'nobody' : next.value} was next in line`);
      }
      this.expected.delete(fanId);
    }
  }

  private due(at: number): string[] {
    return [...this.ready]
      .filter(([, r]) => r.readyAt <= at)
      .sort(([, a], [, b]) => a.readyAt - b.readyAt || a.seq - b.seq)
      .map(([fanId]) => fanId);
  }
}
