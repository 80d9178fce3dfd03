import { ensureCapacity } from '../util/growable.js';
import { DeadlineHeap } from '../util/deadline-heap.js';
import { FenwickCounts } from '../util/fenwick-counts.js';
import type { DrawEntries } from '../fairness/draw.js';
import { FanIndex } from './fan-index.js';
import { PendingDraw } from './pending-draw.js';

/** `disconnectedAt` of a connected fan: every instant, 0 included, can be a real disconnection time. */
const CONNECTED = -1;
/** `readyAtOfSlot` of a place that does not wait for an instant. */
const NOT_PENDING = -1;
/** Freed places are recycled once there are at least this many, and at least as many as live ones. */
const COMPACT_MIN_DEAD = 1024;

/** Where a fan stands. Kept as one byte per fan; 0 marks a free slot. */
export const FanStatus = {
  WAITING: 1,
  ADMITTED: 2,
  LEFT: 3,
  LOST: 4,
} as const;
export type FanStatus = (typeof FanStatus)[keyof typeof FanStatus];
const FREE = 0;

/** The draw that numbers the pre-queue and the start window together when the window closes. */
export const PRE_QUEUE_DRAW = 'preQueue';

/**
 * How a new place gets its number:
 * - `undefined`: at once, behind every place numbered so far;
 * - `{ draw, pseudonym }`: when the named draw runs (`takeDraw`, then
 *   `numberDrawn`), shuffled with the other places pending in it, entered
 *   under its pseudonym;
 * - `{ readyAt }`: at that instant (`dueAt` / `numberInOrder`), first come first
 *   served by `readyAt` among places pending the same way, ties in join order.
 */
export type Numbering = { draw: string; pseudonym: Uint8Array; readyAt?: undefined } | { readyAt: number; draw?: undefined } | undefined;

export interface Place {
  /** 0 while unnumbered: pending in a draw, or until its `readyAt`. */
  number: number;
  status: FanStatus;
  /** The draw the unnumbered place waits for. */
  draw?: string;
  /** The instant the unnumbered place waits for. */
  readyAt?: number;
}

/**
 * The queue of one event as columns indexed by a slot, so a million waiting
 * fans cost a few typed-array cells each instead of an object each. A place
 * is a number; a fan's position is `number - nowServing`, which lets every
 * waiting fan be informed by one broadcast of `nowServing`.
 *
 * Numbers are handed out in one sequence. A place is numbered at once, by a
 * draw (a verifiable shuffle of every place pending in it, at the instant the
 * event runs it), or at an instant of its own (the slow lane). The event
 * decides which and when; the room only keeps the order.
 *
 * Places of fans who left or lost them are recycled: once dead slots are at
 * least `COMPACT_MIN_DEAD` and as many as the live ones, they are freed in one
 * pass (the fan is forgotten: its view is NOT_IN_QUEUE instead of left/lost),
 * so join-and-leave cycles cannot grow the room without bound.
 */
export class WaitingRoom {
  private readonly fanOfSlot: string[] = [];
  private readonly slotOf = new FanIndex(this.fanOfSlot);
  private numberOfSlot = new Int32Array(0);
  private statusOfSlot = new Uint8Array(0);
  private disconnectedAt = new Float64Array(0);
  /** Join sequence of the place in the slot: what "join order" means once slots are recycled. */
  private joinOrderOfSlot = new Float64Array(0);
  private readyAtOfSlot = new Float64Array(0);
  /**
   * How long a place is kept while its fan is away: 0, the presence grace;
   * Infinity, however long (see `setPresence`); an instant, until then (the
   * fan was recalled, see `recalled`).
   */
  private keptUntilOfSlot = new Float64Array(0);
  /** Numbers of the places kept while their fans are away now, not yet recalled: whom to tell to come back. */
  private readonly awayNotRecalled = new FenwickCounts();
  private slotOfNumber = new Int32Array(0);
  private readonly presenceDeadlines = new DeadlineHeap<number>();
  /** The numbers of the places still waiting, counted by prefix: the waitlist's and the outlook's counts without a walk. */
  private readonly waitingNumbers = new FenwickCounts();
  private readonly readyDeadlines = new DeadlineHeap<number>();
  /** Slots pending in each draw, in join order (dead ones are skipped when drawn, dropped when compacted). */
  private readonly pendingSlots = new Map<string, PendingDraw>();
  /** Live places pending in each draw: what status reads every tick, without walking the slots. */
  private readonly pendingCounts = new Map<string, number>();
  /** Per slot, 1 + the index in `drawNames` of the draw its place waits for; 0 for none. */
  private drawOfSlot = new Int32Array(0);
  private readonly drawNames: string[] = [];
  /** Free slots, lowest last: a new place takes the lowest. */
  private freeSlots: number[] = [];
  private deadSlots = 0;

  /** Highest number handed out. */
  lastNumber = 0;
  /** Highest number admitted or passed over: fans up to here are no longer waiting. */
  nowServing = 0;
  /** Fans waiting for admission (unnumbered places included). */
  waiting = 0;
  /** Places ever taken (re-joins included). */
  joinedCount = 0;

  /** Slots in use (live or not yet recycled): what the room's memory grows with. */
  get slotsInUse(): number {
    return this.fanOfSlot.length - this.freeSlots.length;
  }

  /** Slots allocated so far, free ones included. */
  get slotCapacity(): number {
    return this.fanOfSlot.length;
  }

  place(fanId: string): Place | undefined {
    const slot = this.slotOf.get(fanId);
    if (slot < 0) return undefined;
    const place: Place = { number: this.numberOfSlot[slot]!, status: this.statusOfSlot[slot] as FanStatus };
    if (place.number === 0 && place.status === FanStatus.WAITING) {
      const draw = this.drawOfSlot[slot]!;
      if (draw !== 0) place.draw = this.drawNames[draw - 1]!;
      else if (this.readyAtOfSlot[slot] !== NOT_PENDING) place.readyAt = this.readyAtOfSlot[slot]!;
    }
    return place;
  }

  /** The fan's current slot, or -1: with numberAt / statusAt, a place read without allocating one. */
  slotOfFan(fanId: string): number {
    return this.slotOf.get(fanId);
  }

  numberAt(slot: number): number {
    return this.numberOfSlot[slot]!;
  }

  statusAt(slot: number): FanStatus {
    return this.statusOfSlot[slot] as FanStatus;
  }

  /** The slot holds a place or an admission. */
  isPresentAt(slot: number): boolean {
    const status = this.statusOfSlot[slot];
    return status === FanStatus.WAITING || status === FanStatus.ADMITTED;
  }

  /** True while the fan holds a place or an admission: joining again returns the same place. */
  isPresent(fanId: string): boolean {
    const slot = this.slotOf.get(fanId);
    return slot >= 0 && this.isPresentAt(slot);
  }

  /** Adds a fan's place; returns its slot. See `Numbering` for when it is numbered. */
  join(fanId: string, numbering?: Numbering): number {
    const slot = this.takeSlot();
    this.fanOfSlot[slot] = fanId;
    this.slotOf.set(fanId, slot);
    this.statusOfSlot[slot] = FanStatus.WAITING;
    this.numberOfSlot[slot] = 0;
    this.disconnectedAt[slot] = CONNECTED;
    this.joinOrderOfSlot[slot] = ++this.joinedCount;
    this.readyAtOfSlot[slot] = NOT_PENDING;
    this.drawOfSlot[slot] = 0;
    this.keptUntilOfSlot[slot] = 0;
    this.waiting++;
    if (numbering?.draw !== undefined) {
      let pending = this.pendingSlots.get(numbering.draw);
      if (pending === undefined) this.pendingSlots.set(numbering.draw, (pending = new PendingDraw()));
      pending.push(slot, numbering.pseudonym);
      this.drawOfSlot[slot] = this.drawNumber(numbering.draw);
      this.pendingCounts.set(numbering.draw, (this.pendingCounts.get(numbering.draw) ?? 0) + 1);
    } else if (numbering?.readyAt !== undefined) {
      this.readyAtOfSlot[slot] = numbering.readyAt;
      this.readyDeadlines.push(numbering.readyAt, slot);
    } else {
      this.assignNumber(slot);
    }
    return slot;
  }

  /** Fans still waiting in the draw, in join order: the entries it would draw now. */
  pendingIn(draw: string): string[] {
    return Array.from(this.livePending(draw).slots, (slot) => this.fanOfSlot[slot]!);
  }

  /** How many places wait for the draw now. */
  pendingCount(draw: string): number {
    return this.pendingCounts.get(draw) ?? 0;
  }

  /**
   * Closes the draw: its places still waiting, in join order, and its entries
   * (their join numbers and pseudonyms). `numberDrawn` then numbers them.
   */
  takeDraw(draw: string): { slots: Int32Array; entries: DrawEntries } {
    const live = this.livePending(draw);
    const slots = live.slots;
    // A copy of the exact size: the draw's run keeps it for the proof, the column (with room to grow) goes.
    const pseudonyms = live.pseudonyms.slice();
    this.pendingSlots.delete(draw);
    this.pendingCounts.delete(draw);
    const joinNumbers = new Float64Array(slots.length);
    for (let i = 0; i < slots.length; i++) {
      this.drawOfSlot[slots[i]!] = 0;
      joinNumbers[i] = this.joinOrderOfSlot[slots[i]!]!;
    }
    return { slots, entries: { joinNumbers, pseudonyms } };
  }

  /** Numbers a taken draw's places: `order[k]` is the index in `slots` of the place numbered k-th. */
  numberDrawn(slots: ArrayLike<number>, order: Uint32Array): void {
    for (let k = 0; k < order.length; k++) this.assignNumber(slots[order[k]!]!);
  }

  /**
   * Waiting places whose `readyAt` has come, in the order they get their
   * numbers: by `readyAt`, ties in join order. Read before the event records
   * them; `numberInOrder` then numbers them.
   */
  dueAt(now: number): string[] {
    const due: number[] = [];
    let slot: number | undefined;
    while ((slot = this.readyDeadlines.popDue(now)) !== undefined) {
      // Lazy deletion: the place may have been numbered, left, or the slot recycled since.
      if (this.statusOfSlot[slot] === FanStatus.WAITING && this.numberOfSlot[slot] === 0 && this.readyAtOfSlot[slot] !== NOT_PENDING && this.readyAtOfSlot[slot]! <= now) {
        due.push(slot);
      }
    }
    const unique = [...new Set(due)];
    unique.sort((a, b) => this.readyAtOfSlot[a]! - this.readyAtOfSlot[b]! || this.joinOrderOfSlot[a]! - this.joinOrderOfSlot[b]!);
    return unique.map((s) => this.fanOfSlot[s]!);
  }

  /** The earliest `readyAt` still pending (Infinity when none): when the event must next look. */
  get nextReadyAt(): number {
    return this.readyDeadlines.peekDeadline();
  }

  /** Numbers these fans' pending places, in this order. */
  numberInOrder(fanIds: readonly string[]): void {
    for (const fanId of fanIds) {
      const slot = this.requireSlot(fanId);
      if (this.numberOfSlot[slot] !== 0) throw new Error(`fan ${fanId} is already numbered`);
      this.readyAtOfSlot[slot] = NOT_PENDING;
      this.assignNumber(slot);
    }
  }

  private livePending(draw: string): { slots: Int32Array; pseudonyms: Uint8Array } {
    const index = this.drawNumber(draw);
    const pending = this.pendingSlots.get(draw);
    if (pending === undefined) return { slots: new Int32Array(0), pseudonyms: new Uint8Array(0) };
    return pending.filter((slot) => this.statusOfSlot[slot] === FanStatus.WAITING && this.drawOfSlot[slot] === index);
  }

  private drawNumber(draw: string): number {
    let index = this.drawNames.indexOf(draw);
    if (index < 0) index = this.drawNames.push(draw) - 1;
    return index + 1;
  }

  private assignNumber(slot: number): void {
    const number = ++this.lastNumber;
    this.slotOfNumber = ensureCapacity(this.slotOfNumber, number + 1);
    this.slotOfNumber[number] = slot;
    this.numberOfSlot[slot] = number;
    this.waitingNumbers.mark(number);
  }

  /** The next `k` waiting fans after now-serving, in number order, without changing anything. */
  nextWaiting(k: number): string[] {
    const fans: string[] = [];
    for (let n = this.nowServing + 1; n <= this.lastNumber && fans.length < k; n++) {
      const slot = this.slotOfNumber[n]!;
      // A recycled slot may hold a newer place under another number.
      if (this.numberOfSlot[slot] === n && this.statusOfSlot[slot] === FanStatus.WAITING) fans.push(this.fanOfSlot[slot]!);
    }
    return fans;
  }

  /**
   * The number of the n-th waiting place after now-serving (now-serving for
   * n = 0; the last number handed out when fewer than n places wait).
   */
  numberOfNthWaiting(n: number): number {
    if (n <= 0) return this.nowServing;
    const number = this.waitingNumbers.positionOfCount(this.waitingNumbers.prefix(this.nowServing) + n);
    return number === undefined ? this.lastNumber : number;
  }

  /** Waiting places numbered in (after, upTo]: O(log n), read with every status. */
  waitingBetween(after: number, upTo: number): number {
    return this.waitingNumbers.between(Math.max(after, this.nowServing), Math.min(upTo, this.lastNumber));
  }

  /** Fans of the waiting places numbered in (after, upTo], in number order. */
  waitingFansBetween(after: number, upTo: number): string[] {
    const fans: string[] = [];
    const last = Math.min(upTo, this.lastNumber);
    for (let number = Math.max(after, this.nowServing) + 1; number <= last; number++) {
      if (this.isWaitingNumber(number)) fans.push(this.fanOfSlot[this.slotOfNumber[number]!]!);
    }
    return fans;
  }

  /** Whether any place numbered above `after` still waits (stops at the first). */
  anyWaitingAfter(after: number): boolean {
    return this.waitingBetween(after, this.lastNumber) > 0;
  }

  /** The number of the fan's place, 0 when unnumbered or unknown. */
  numberOf(fanId: string): number {
    const slot = this.slotOf.get(fanId);
    return slot < 0 ? 0 : this.numberOfSlot[slot]!;
  }

  private isWaitingNumber(number: number): boolean {
    const slot = this.slotOfNumber[number]!;
    // A recycled slot may hold a newer place under another number.
    return this.numberOfSlot[slot] === number && this.statusOfSlot[slot] === FanStatus.WAITING;
  }

  admit(fanId: string): void {
    const slot = this.requireSlot(fanId);
    if (this.statusOfSlot[slot] !== FanStatus.WAITING || this.numberOfSlot[slot] === 0) throw new Error(`fan ${fanId} is not waiting with a number`);
    this.statusOfSlot[slot] = FanStatus.ADMITTED;
    this.waiting--;
    const number = this.numberOfSlot[slot]!;
    this.waitingNumbers.unmark(number);
    this.awayNotRecalled.unmark(number);
    if (number > this.nowServing) this.nowServing = number;
  }

  /** The fan gives the place up (or loses it): the next fan inherits the admission. */
  remove(fanId: string, why: 'left' | 'lost'): void {
    const slot = this.requireSlot(fanId);
    if (this.statusOfSlot[slot] === FanStatus.WAITING) {
      this.waiting--;
      this.waitingNumbers.unmark(this.numberOfSlot[slot]!);
      this.awayNotRecalled.unmark(this.numberOfSlot[slot]!);
      const draw = this.drawOfSlot[slot]!;
      if (draw !== 0) this.pendingCounts.set(this.drawNames[draw - 1]!, this.pendingCounts.get(this.drawNames[draw - 1]!)! - 1);
    }
    this.statusOfSlot[slot] = why === 'left' ? FanStatus.LEFT : FanStatus.LOST;
    this.drawOfSlot[slot] = 0;
    this.deadSlots++;
    if (this.deadSlots >= COMPACT_MIN_DEAD && this.deadSlots >= this.slotsInUse - this.deadSlots) this.compact();
  }

  /**
   * A fan's connection comes or goes. A fan who goes has the grace period to
   * come back, unless the place is `keptAway` (or was already): then it is
   * kept however long the fan is away.
   */
  setPresence(fanId: string, connected: boolean, now: number, graceMs: number, keptAway = false): void {
    const slot = this.requireSlot(fanId);
    if (keptAway) this.keptUntilOfSlot[slot] = Infinity;
    const number = this.numberOfSlot[slot]!;
    if (connected) {
      this.disconnectedAt[slot] = CONNECTED;
      this.awayNotRecalled.unmark(number);
      // Back after a recall: an ordinary place again.
      if (this.keptUntilOfSlot[slot] !== Infinity) this.keptUntilOfSlot[slot] = 0;
    } else if (this.disconnectedAt[slot] === CONNECTED) {
      this.disconnectedAt[slot] = now;
      if (this.keptUntilOfSlot[slot] !== Infinity) this.presenceDeadlines.push(now + graceMs + 1, slot);
      else if (number > 0 && this.statusOfSlot[slot] === FanStatus.WAITING) this.awayNotRecalled.mark(number);
    }
  }

  /** Fans away from places kept for them, numbered up to `upTo`, not yet recalled: in number order. */
  awayToRecallUpTo(upTo: number): string[] {
    const fans: string[] = [];
    const last = this.awayNotRecalled.prefix(Math.min(upTo, this.lastNumber));
    for (let count = this.awayNotRecalled.prefix(this.nowServing) + 1; count <= last; count++) {
      fans.push(this.fanOfSlot[this.slotOfNumber[this.awayNotRecalled.positionOfCount(count)!]!]!);
    }
    return fans;
  }

  /** These fans were told to come back by `answerBy`: their places are kept until then, no longer. */
  recalled(fanIds: readonly string[], answerBy: number): void {
    for (const fanId of fanIds) {
      const slot = this.requireSlot(fanId);
      this.awayNotRecalled.unmark(this.numberOfSlot[slot]!);
      this.keptUntilOfSlot[slot] = answerBy;
      this.presenceDeadlines.push(answerBy + 1, slot);
    }
  }

  isConnected(fanId: string): boolean {
    const slot = this.slotOf.get(fanId);
    return slot >= 0 && this.disconnectedAt[slot] === CONNECTED;
  }

  /** The place is kept while its fan is away, and the fan is away now: its turn is a call, not an admission. */
  isKeptAndAway(fanId: string): boolean {
    const slot = this.slotOf.get(fanId);
    return slot >= 0 && this.keptUntilOfSlot[slot] !== 0 && this.disconnectedAt[slot] !== CONNECTED;
  }

  /**
   * Waiting fans whose connection has been gone longer than the grace period.
   * Places `exempt` says keep (waitlisted ones: a place never leaves the
   * waitlist) are dropped from the deadlines until the fan comes and goes again.
   */
  absentBeyondGrace(now: number, graceMs: number, exempt: (number: number) => boolean = () => false): string[] {
    const lost = new Set<number>();
    let slot: number | undefined;
    while ((slot = this.presenceDeadlines.popDue(now)) !== undefined) {
      const since = this.disconnectedAt[slot]!;
      const keptUntil = this.keptUntilOfSlot[slot]!;
      if (since === CONNECTED || this.statusOfSlot[slot] !== FanStatus.WAITING || keptUntil === Infinity) continue;
      // Lost only when gone *longer* than the grace period (which may have been retuned since the fan dropped) and past a recall's answer time.
      const deadline = Math.max(since + graceMs, keptUntil);
      if (now <= deadline) this.presenceDeadlines.push(deadline + 1, slot);
      else if (!exempt(this.numberOfSlot[slot]!)) lost.add(slot);
    }
    // In join order: the heap's order depends on its history, which a restored room does not share.
    return [...lost].sort((a, b) => this.joinOrderOfSlot[a]! - this.joinOrderOfSlot[b]!).map((s) => this.fanOfSlot[s]!);
  }

  private requireSlot(fanId: string): number {
    const slot = this.slotOf.get(fanId);
    if (slot < 0) throw new Error(`unknown fan ${fanId}`);
    return slot;
  }

  private takeSlot(): number {
    const free = this.freeSlots.pop();
    if (free !== undefined) return free;
    const slot = this.fanOfSlot.length;
    this.fanOfSlot.push('');
    const slots = slot + 1;
    this.numberOfSlot = ensureCapacity(this.numberOfSlot, slots);
    this.statusOfSlot = ensureCapacity(this.statusOfSlot, slots);
    this.disconnectedAt = ensureCapacity(this.disconnectedAt, slots);
    this.joinOrderOfSlot = ensureCapacity(this.joinOrderOfSlot, slots);
    this.readyAtOfSlot = ensureCapacity(this.readyAtOfSlot, slots);
    this.drawOfSlot = ensureCapacity(this.drawOfSlot, slots);
    this.keptUntilOfSlot = ensureCapacity(this.keptUntilOfSlot, slots);
    return slot;
  }

  /**
   * Frees every slot of a fan who left or lost the place. Deterministic (driven
   * by the entries applied), so a restored room recycles exactly the same slots.
   */
  private compact(): void {
    for (let slot = this.fanOfSlot.length - 1; slot >= 0; slot--) {
      const status = this.statusOfSlot[slot];
      if (status !== FanStatus.LEFT && status !== FanStatus.LOST) continue;
      const fanId = this.fanOfSlot[slot]!;
      // A fan who joined again already points at a newer slot.
      if (this.slotOf.get(fanId) === slot) this.slotOf.delete(fanId);
      this.fanOfSlot[slot] = '';
      this.statusOfSlot[slot] = FREE;
      this.readyAtOfSlot[slot] = NOT_PENDING;
      this.freeSlots.push(slot);
    }
    // Lowest slot last, so it is taken first.
    this.freeSlots.sort((a, b) => b - a);
    for (const draw of this.pendingSlots.keys()) this.livePending(draw);
    this.deadSlots = 0;
  }
}
