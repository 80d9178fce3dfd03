/**
 * Per-key join pacing for the door: a virtual schedule (the generic cell rate
 * algorithm, i.e. a token bucket kept as one instant) and a decayed count of
 * recent joins. Pacing state, never journaled: a restored event starts with
 * every budget full and every rate at zero.
 *
 * The table is bounded: keys whose budget is full and whose recent count has
 * decayed away are forgotten, and when it is full anyway the oldest keys go
 * first, so a spray of fresh addresses cannot grow memory.
 */
import { ensureCapacity, grownLength } from '../util/growable.js';
import { hashOf } from '../util/string-hash.js';

/** Time constant of the decayed join count: it reads as "joins in about the last minute". */
export const RATE_WINDOW_MS = 60_000;
const MINUTE = 60_000;
/** A decayed count below this is nothing worth remembering. */
const FORGOTTEN = 0.05;

/**
 * Keys in the order they were first remembered, each with its pace: a
 * virtual schedule (`tat`, the theoretical arrival time: the budget is full
 * when it is at or before now) and joins counted with exponential decay
 * (`recent`, as of `recentAt`). Kept as columns by slot, oldest key in slot
 * 0, and an open-addressing index of slots over a hash of the key: under
 * millions of fresh addresses a Map of objects turns every key into an
 * object and a rehash that outlive their join, and that garbage was most of
 * the stadium's heap.
 */
export class PaceTable {
  private keyOfSlot: string[] = [];
  private hashOfSlot = new Int32Array(0);
  private tat = new Float64Array(0);
  private recent = new Float64Array(0);
  private recentAt = new Float64Array(0);
  private count = 0;
  /** Slot + 1 at the key's hash (or the next free cell), 0 for a free cell; at most half full. */
  private index = new Int32Array(64);

  constructor(private readonly maxKeys: number) {}

  get size(): number {
    return this.count;
  }

  /**
   * Charges one join to `key`'s budget of `perMinute` joins a minute (burst:
   * one minute's worth) and returns the instant the budget admits it: `now`
   * when within budget, otherwise k budget intervals on for the k-th join over
   * it, at most `maxDelayMs` away. The debt a key can run up is bounded too, so
   * it recovers within about `maxDelayMs` + a minute after it calms down.
   */
  charge(key: string, now: number, perMinute: number, maxDelayMs: number): number {
    const slot = this.slotFor(key, now);
    this.recent[slot] = this.decayed(slot, now) + 1;
    this.recentAt[slot] = now;
    if (perMinute <= 0) return now;
    const interval = MINUTE / perMinute;
    const tolerance = MINUTE - interval;
    const tat = Math.max(this.tat[slot]!, now);
    this.tat[slot] = Math.min(tat + interval, now + maxDelayMs + tolerance + interval);
    return Math.min(Math.max(now, tat - tolerance), now + maxDelayMs);
  }

  /** `key`'s joins in about the last minute (decayed): its recent rate per minute. */
  recentRate(key: string, now: number): number {
    const slot = this.index[this.cellOf(key, hashOf(key))]! - 1;
    return slot < 0 ? 0 : this.decayed(slot, now);
  }

  private decayed(slot: number, now: number): number {
    return this.recent[slot]! * Math.exp(-Math.max(0, now - this.recentAt[slot]!) / RATE_WINDOW_MS);
  }

  /** The key's slot; a new key (a full budget, nothing recent) goes last, after forgetting if the table is full. */
  private slotFor(key: string, now: number): number {
    const hash = hashOf(key);
    let cell = this.cellOf(key, hash);
    if (this.index[cell] !== 0) return this.index[cell]! - 1;
    if (this.count >= this.maxKeys) {
      this.forget(now);
      cell = this.cellOf(key, hash);
    }
    const slot = this.count++;
    if (slot >= this.tat.length) this.grow(slot + 1);
    this.keyOfSlot[slot] = key;
    this.hashOfSlot[slot] = hash;
    this.tat[slot] = now;
    this.recent[slot] = 0;
    this.recentAt[slot] = now;
    this.index[cell] = slot + 1;
    if (this.count * 2 > this.index.length) this.reindex(this.index.length * 2);
    return slot;
  }

  /** The key's cell in the index, or the free cell where it would go. */
  private cellOf(key: string, hash: number): number {
    const index = this.index;
    const mask = index.length - 1;
    for (let cell = hash & mask; ; cell = (cell + 1) & mask) {
      const entry = index[cell]!;
      if (entry === 0 || (this.hashOfSlot[entry - 1] === hash && this.keyOfSlot[entry - 1] === key)) return cell;
    }
  }

  /** Forgets idle keys; if that frees less than a tenth of the table, the oldest keys too. The rest keep their order. */
  private forget(now: number): void {
    let kept = 0;
    for (let slot = 0; slot < this.count; slot++) {
      if (this.tat[slot]! <= now && this.decayed(slot, now) < FORGOTTEN) continue;
      this.move(slot, kept++);
    }
    const oldest = Math.max(0, kept - Math.floor(this.maxKeys * 0.9));
    for (let slot = oldest; slot < kept; slot++) this.move(slot, slot - oldest);
    this.count = kept - oldest;
    this.keyOfSlot.length = this.count;
    this.reindex(this.index.length);
  }

  private move(from: number, to: number): void {
    if (from === to) return;
    this.keyOfSlot[to] = this.keyOfSlot[from]!;
    this.hashOfSlot[to] = this.hashOfSlot[from]!;
    this.tat[to] = this.tat[from]!;
    this.recent[to] = this.recent[from]!;
    this.recentAt[to] = this.recentAt[from]!;
  }

  private grow(needed: number): void {
    const length = Math.min(grownLength(this.tat.length, needed), Math.max(needed, this.maxKeys));
    this.hashOfSlot = ensureCapacity(this.hashOfSlot, length);
    this.tat = ensureCapacity(this.tat, length);
    this.recent = ensureCapacity(this.recent, length);
    this.recentAt = ensureCapacity(this.recentAt, length);
  }

  private reindex(size: number): void {
    const index = size === this.index.length ? this.index.fill(0) : new Int32Array(size);
    const mask = size - 1;
    for (let slot = 0; slot < this.count; slot++) {
      let cell = this.hashOfSlot[slot]! & mask;
      while (index[cell] !== 0) cell = (cell + 1) & mask;
      index[cell] = slot + 1;
    }
    this.index = index;
  }
}

/** A count with exponential decay (time constant RATE_WINDOW_MS): how many in about the last minute. */
export class DecayingCount {
  private value = 0;
  private at = 0;

  add(now: number): void {
    this.value = now === this.at ? this.value + 1 : this.read(now) + 1;
    this.at = now;
  }

  read(now: number): number {
    return this.value * Math.exp(-Math.max(0, now - this.at) / RATE_WINDOW_MS);
  }
}
