const NONE = 0;
const WAITING = 1;
/** Admitted or called: the number stays the fan's, but the place no longer waits. */
const SERVED = 2;
const GONE = 3;

/**
 * The invariant checker's record of the numbers it hands out, by number: the
 * fan of each, whether its place still waits, and each fan's latest number
 * (an open-addressing table of numbers over a hash of the fan id). Millions
 * of places cost ~20 bytes a number besides the fan id, where a Map per
 * question costs ~30-60 bytes a fan each. The oracle's own structure, shared
 * with no engine code.
 */
export class PlaceNumbers {
  /** Highest number handed out. */
  private lastNumber = 0;
  private fanOfNumber: string[] = [''];
  private hashOfNumber = new Int32Array(1024);
  private stateOfNumber = new Uint8Array(1024);
  /** Every number below this one has stopped waiting: where the next in line is looked for. */
  private head = 1;
  /** A fan's latest number at the slot its id hashes to (or the next free one), 0 for an empty slot. */
  private table = new Int32Array(1 << 16);
  private fans = 0;

  /** The next number goes to this fan, whose place waits from now on (an older place of the fan that still waits is gone). */
  add(fanId: string): number {
    this.gone(fanId);
    const number = ++this.lastNumber;
    if (number >= this.stateOfNumber.length) this.grow(number);
    const hash = hashOf(fanId);
    this.fanOfNumber.push(fanId);
    this.hashOfNumber[number] = hash;
    this.stateOfNumber[number] = WAITING;
    const slot = this.slotOf(fanId, hash);
    const firstNumber = this.table[slot] === NONE;
    this.table[slot] = number;
    if (firstNumber && ++this.fans * 3 > this.table.length * 2) this.rehash();
    return number;
  }

  /** The fan's number while it has a place with one (waiting, admitted or called), else undefined. */
  numberOf(fanId: string): number | undefined {
    const number = this.table[this.slotOf(fanId, hashOf(fanId))]!;
    return number === NONE || this.stateOfNumber[number] === GONE ? undefined : number;
  }

  /** The fan has a numbered place that still waits. */
  waits(fanId: string): boolean {
    const number = this.numberOf(fanId);
    return number !== undefined && this.stateOfNumber[number] === WAITING;
  }

  /** The fan of the lowest number still waiting, or undefined when none waits. */
  nextInLine(): string | undefined {
    while (this.head <= this.lastNumber && this.stateOfNumber[this.head] !== WAITING) this.head++;
    return this.head <= this.lastNumber ? this.fanOfNumber[this.head] : undefined;
  }

  /** The fan's place stops waiting, its number kept (admitted or called). */
  served(fanId: string): void {
    const number = this.numberOf(fanId);
    if (number !== undefined && this.stateOfNumber[number] === WAITING) this.stateOfNumber[number] = SERVED;
  }

  /** The fan's place is gone (left or lost): the fan has no number until it is numbered again. */
  gone(fanId: string): void {
    const number = this.numberOf(fanId);
    if (number !== undefined) this.stateOfNumber[number] = GONE;
  }

  /** The fan's slot in the table: where its latest number is, or the empty slot it would take. */
  private slotOf(fanId: string, hash: number): number {
    const table = this.table;
    const mask = table.length - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const number = table[slot]!;
      if (number === NONE || (this.hashOfNumber[number] === hash && this.fanOfNumber[number] === fanId)) return slot;
    }
  }

  private grow(number: number): void {
    const size = Math.max(number + 1, Math.floor(this.stateOfNumber.length * 1.5));
    const hashes = new Int32Array(size);
    hashes.set(this.hashOfNumber);
    const states = new Uint8Array(size);
    states.set(this.stateOfNumber);
    this.hashOfNumber = hashes;
    this.stateOfNumber = states;
  }

  /** Doubles the table (kept at most two-thirds full) and puts every fan's latest number back. */
  private rehash(): void {
    const old = this.table;
    const table = new Int32Array(old.length * 2);
    const mask = table.length - 1;
    for (const number of old) {
      if (number === NONE) continue;
      let slot = this.hashOfNumber[number]! & mask;
      while (table[slot] !== NONE) slot = (slot + 1) & mask;
      table[slot] = number;
    }
    this.table = table;
  }
}

/** FNV-1a over UTF-16 code units, then a final mix so linear probing sees well-spread low bits. */
export function hashOf(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  return h ^ (h >>> 13);
}
