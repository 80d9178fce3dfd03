import { ensureCapacity } from '../util/growable.js';
import { hashOf } from '../util/string-hash.js';

const EMPTY = 0;

/**
 * Fan id → slot, as an open-addressing hash table in typed arrays. A join
 * must look the fan up and insert it: with a million fans a `Map` spends most
 * of a join on that (two probes of a large pointer table, rehashes that copy
 * every entry). Here the table is one Int32Array of slot + 1 with linear
 * probing, a 32-bit hash per slot rejects almost every wrong candidate
 * without touching its string, and a resize rehashes from the stored hashes.
 */
export class FanIndex {
  private table = new Int32Array(1 << 16);
  private mask = (1 << 16) - 1;
  private hashOfSlot = new Int32Array(0);
  private size = 0;
  /** A join looks a fan up, then inserts it: the second call reuses the hash. */
  private lastKey: string | undefined;
  private lastHash = 0;

  constructor(private readonly fanOfSlot: readonly string[]) {}

  /** The slot of a fan, or -1. */
  get(fanId: string): number {
    const hash = this.hash(fanId);
    const table = this.table;
    for (let i = hash & this.mask; ; i = (i + 1) & this.mask) {
      const entry = table[i]!;
      if (entry === EMPTY) return -1;
      const slot = entry - 1;
      if (this.hashOfSlot[slot] === hash && this.fanOfSlot[slot] === fanId) return slot;
    }
  }

  /** Points the fan at `slot` (a new slot, or a fan's new place after leaving). */
  set(fanId: string, slot: number): void {
    const hash = this.hash(fanId);
    this.hashOfSlot = ensureCapacity(this.hashOfSlot, slot + 1);
    this.hashOfSlot[slot] = hash;
    const table = this.table;
    for (let i = hash & this.mask; ; i = (i + 1) & this.mask) {
      const entry = table[i]!;
      if (entry === EMPTY) {
        table[i] = slot + 1;
        if (++this.size * 2 > table.length) this.grow();
        return;
      }
      const old = entry - 1;
      if (this.hashOfSlot[old] === hash && this.fanOfSlot[old] === fanId) {
        table[i] = slot + 1;
        return;
      }
    }
  }

  /** Forgets the fan (its slot is being freed). Backward-shift deletion keeps every probe chain unbroken. */
  delete(fanId: string): void {
    const hash = this.hash(fanId);
    const table = this.table;
    const mask = this.mask;
    let i = hash & mask;
    for (; ; i = (i + 1) & mask) {
      const entry = table[i]!;
      if (entry === EMPTY) return;
      const slot = entry - 1;
      if (this.hashOfSlot[slot] === hash && this.fanOfSlot[slot] === fanId) break;
    }
    table[i] = EMPTY;
    this.size--;
    // Move up every later entry of the run whose home is not between the hole and itself.
    for (let j = (i + 1) & mask; table[j] !== EMPTY; j = (j + 1) & mask) {
      const home = this.hashOfSlot[table[j]! - 1]! & mask;
      const reachable = i <= j ? home > i && home <= j : home > i || home <= j;
      if (reachable) continue;
      table[i] = table[j]!;
      table[j] = EMPTY;
      i = j;
    }
  }

  private hash(fanId: string): number {
    if (fanId !== this.lastKey) {
      this.lastKey = fanId;
      this.lastHash = hashOf(fanId);
    }
    return this.lastHash;
  }

  private grow(): void {
    const old = this.table;
    this.table = new Int32Array(old.length * 2);
    this.mask = this.table.length - 1;
    for (const entry of old) {
      if (entry === EMPTY) continue;
      let i = this.hashOfSlot[entry - 1]! & this.mask;
      while (this.table[i] !== EMPTY) i = (i + 1) & this.mask;
      this.table[i] = entry;
    }
  }
}
