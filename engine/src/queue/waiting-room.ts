import { ensureCapacity } from '../util/growable.js';
import { DeadlineHeap } from '../util/deadline-heap.js';
import { FanIndex } from './fan-index.js';
import { shuffledIndices } from '../fairness/shuffle.js';

/** `disconnectedAt` of a connected fan: every instant, 0 included, can be a real disconnection time. */
const CONNECTED = -1;

/** Where a fan stands. Kept as one byte per fan. */
export const FanStatus = {
  WAITING: 1,
  ADMITTED: 2,
  LEFT: 3,
  LOST: 4,
} as const;
export type FanStatus = (typeof FanStatus)[keyof typeof FanStatus];

export interface Place {
  /** 0 while in the pre-queue: numbers are drawn by the shuffle at the on-sale time. */
  number: number;
  status: FanStatus;
}

/**
 * The queue of one event as columns indexed by a per-join slot, so a million
 * waiting fans cost a few typed-array cells each instead of an object each.
 * A place is a number; a fan's position is `number - nowServing`, which lets
 * every waiting fan be informed by one broadcast of `nowServing`.
 */
export class WaitingRoom {
  private readonly fanOfSlot: string[] = [];
  private readonly slotOf = new FanIndex(this.fanOfSlot);
  private numberOfSlot = new Int32Array(0);
  private statusOfSlot = new Uint8Array(0);
  private disconnectedAt = new Float64Array(0);
  private slotOfNumber = new Int32Array(0);
  private readonly presenceDeadlines = new DeadlineHeap<number>();

  /** Highest number handed out. */
  lastNumber = 0;
  /** Highest number admitted or passed over: fans up to here are no longer waiting. */
  nowServing = 0;
  /** Fans waiting for admission (pre-queue included). */
  waiting = 0;
  /** Slots that joined before the start, in join order. */
  private preQueueSlots = 0;

  get joinedCount(): number {
    return this.fanOfSlot.length;
  }

  place(fanId: string): Place | undefined {
    const slot = this.slotOf.get(fanId);
    if (slot < 0) return undefined;
    return { number: this.numberOfSlot[slot]!, status: this.statusOfSlot[slot] as FanStatus };
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

  /** Adds a fan at the back: numbered now after the start, by the shuffle before it. */
  join(fanId: string, numbered: boolean): void {
    const slot = this.fanOfSlot.length;
    this.grow(slot + 1);
    this.fanOfSlot.push(fanId);
    this.slotOf.set(fanId, slot);
    this.statusOfSlot[slot] = FanStatus.WAITING;
    this.waiting++;
    if (numbered) this.assignNumber(slot);
    else this.preQueueSlots = slot + 1;
  }

  /** Pre-queue fans still waiting, in join order: the public input of the shuffle. */
  preQueueEntries(): string[] {
    const entries: string[] = [];
    for (let slot = 0; slot < this.preQueueSlots; slot++) {
      if (this.statusOfSlot[slot] === FanStatus.WAITING) entries.push(this.fanOfSlot[slot]!);
    }
    return entries;
  }

  /** Numbers the pre-queue in the order the seed dictates. */
  numberPreQueue(seedHex: string): void {
    const slots: number[] = [];
    for (let slot = 0; slot < this.preQueueSlots; slot++) {
      if (this.statusOfSlot[slot] === FanStatus.WAITING) slots.push(slot);
    }
    const order = shuffledIndices(seedHex, slots.length);
    for (let i = 0; i < order.length; i++) this.assignNumber(slots[order[i]!]!);
  }

  private assignNumber(slot: number): void {
    const number = ++this.lastNumber;
    this.slotOfNumber = ensureCapacity(this.slotOfNumber, number + 1);
    this.slotOfNumber[number] = slot;
    this.numberOfSlot[slot] = number;
  }

  /** The next `k` waiting fans after now-serving, in number order, without changing anything. */
  nextWaiting(k: number): string[] {
    const fans: string[] = [];
    for (let n = this.nowServing + 1; n <= this.lastNumber && fans.length < k; n++) {
      const slot = this.slotOfNumber[n]!;
      if (this.statusOfSlot[slot] === FanStatus.WAITING) fans.push(this.fanOfSlot[slot]!);
    }
    return fans;
  }

  admit(fanId: string): void {
    const slot = this.requireSlot(fanId);
    if (this.statusOfSlot[slot] !== FanStatus.WAITING) throw new Error(`fan ${fanId} is not waiting`);
    this.statusOfSlot[slot] = FanStatus.ADMITTED;
    this.waiting--;
    const number = this.numberOfSlot[slot]!;
    if (number > this.nowServing) this.nowServing = number;
  }

  /** The fan gives the place up (or loses it): the next fan inherits the admission. */
  remove(fanId: string, why: 'left' | 'lost'): void {
    const slot = this.requireSlot(fanId);
    if (this.statusOfSlot[slot] === FanStatus.WAITING) this.waiting--;
    this.statusOfSlot[slot] = why === 'left' ? FanStatus.LEFT : FanStatus.LOST;
  }

  setPresence(fanId: string, connected: boolean, now: number, graceMs: number): void {
    const slot = this.requireSlot(fanId);
    if (connected) {
      this.disconnectedAt[slot] = CONNECTED;
    } else if (this.disconnectedAt[slot] === CONNECTED) {
      this.disconnectedAt[slot] = now;
      this.presenceDeadlines.push(now + graceMs + 1, slot);
    }
  }

  isConnected(fanId: string): boolean {
    const slot = this.slotOf.get(fanId);
    return slot >= 0 && this.disconnectedAt[slot] === CONNECTED;
  }

  /** Waiting fans whose connection has been gone longer than the grace period. */
  absentBeyondGrace(now: number, graceMs: number): string[] {
    const lost = new Set<number>();
    let slot: number | undefined;
    while ((slot = this.presenceDeadlines.popDue(now)) !== undefined) {
      const since = this.disconnectedAt[slot]!;
      if (since === CONNECTED || this.statusOfSlot[slot] !== FanStatus.WAITING) continue;
      // Lost only when gone *longer* than the grace period, which may have been retuned since the fan dropped.
      if (now - since <= graceMs) this.presenceDeadlines.push(since + graceMs + 1, slot);
      else lost.add(slot);
    }
    // In join order: the heap's order depends on its history, which a restored room does not share.
    return [...lost].sort((a, b) => a - b).map((s) => this.fanOfSlot[s]!);
  }

  private requireSlot(fanId: string): number {
    const slot = this.slotOf.get(fanId);
    if (slot < 0) throw new Error(`unknown fan ${fanId}`);
    return slot;
  }

  private grow(slots: number): void {
    this.numberOfSlot = ensureCapacity(this.numberOfSlot, slots);
    this.statusOfSlot = ensureCapacity(this.statusOfSlot, slots);
    const before = this.disconnectedAt.length;
    this.disconnectedAt = ensureCapacity(this.disconnectedAt, slots);
    this.disconnectedAt.fill(CONNECTED, before);
  }
}
