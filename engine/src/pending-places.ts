import { PSEUDONYM_BYTES, type DrawEntries } from './fairness/draw.js';
import { hashOf } from './place-numbers.js';
import { ensureCapacity } from './util/growable.js';

/**
 * The invariant checker's places pending in one draw, in join order, each with
 * its join number and pseudonym: columns (fan ids, join numbers, 16-byte
 * pseudonym cells, an alive flag) and an open-addressing index from a fan id
 * to its latest position. Millions of places wait in a pre-queue; a Map of
 * objects with hex strings cost ~150 bytes a place, and the draw copied it
 * all once more into pairs and one hex string. The oracle's own structure,
 * shared with no engine code.
 */
export class PendingPlaces {
  private readonly fanIds: string[] = [];
  private hashes = new Int32Array(1024);
  private joinNumbers = new Int32Array(1024);
  private pseudonyms = new Uint8Array(1024 * PSEUDONYM_BYTES);
  private alive = new Uint8Array(1024);
  /** Position + 1 of a fan's latest place at the slot its id hashes to (or the next free one), 0 for an empty slot. */
  private table = new Int32Array(1 << 10);
  private fans = 0;
  private taken = false;
  /** Places still pending. */
  size = 0;

  /**
   * The fan's place pends with this join number and pseudonym. A place of the
   * fan still pending keeps its position and takes the new values (as a Map's
   * `set` does); otherwise it goes last.
   */
  set(fanId: string, joinNumber: number, pseudonym: Uint8Array): void {
    if (this.taken) throw new Error('the draw has run: its places are taken');
    if (pseudonym.length !== PSEUDONYM_BYTES) throw new Error(`a pseudonym is ${PSEUDONYM_BYTES} bytes, got ${pseudonym.length}`);
    const hash = hashOf(fanId);
    let slot = this.slotOf(fanId, hash);
    let position = this.table[slot]! - 1;
    if (position < 0 && ++this.fans * 3 > this.table.length * 2) {
      this.rehash();
      slot = this.slotOf(fanId, hash);
    }
    if (position < 0 || this.alive[position] === 0) {
      position = this.fanIds.length;
      this.grow(position + 1);
      this.fanIds.push(fanId);
      this.hashes[position] = hash;
      this.alive[position] = 1;
      this.table[slot] = position + 1;
      this.size++;
    }
    this.joinNumbers[position] = joinNumber;
    this.pseudonyms.set(pseudonym, position * PSEUDONYM_BYTES);
  }

  /** The fan's place no longer pends (left or lost). */
  delete(fanId: string): void {
    const position = this.table[this.slotOf(fanId, hashOf(fanId))]! - 1;
    if (position < 0 || this.alive[position] === 0) return;
    this.alive[position] = 0;
    this.size--;
  }

  /**
   * The draw runs: the places still pending, in join order, as the fan ids and
   * the draw's entries (views of the columns, compacted in place, not copies).
   */
  take(): { fanIds: readonly string[]; entries: DrawEntries } {
    this.taken = true;
    let kept = 0;
    for (let position = 0; position < this.fanIds.length; position++) {
      if (this.alive[position] === 0) continue;
      this.fanIds[kept] = this.fanIds[position]!;
      this.joinNumbers[kept] = this.joinNumbers[position]!;
      this.pseudonyms.copyWithin(kept * PSEUDONYM_BYTES, position * PSEUDONYM_BYTES, (position + 1) * PSEUDONYM_BYTES);
      kept++;
    }
    this.fanIds.length = kept;
    return { fanIds: this.fanIds, entries: { joinNumbers: this.joinNumbers.subarray(0, kept), pseudonyms: this.pseudonyms.subarray(0, kept * PSEUDONYM_BYTES) } };
  }

  /** The fan's slot in the table: where its latest position is, or the empty slot it would take. */
  private slotOf(fanId: string, hash: number): number {
    const table = this.table;
    const mask = table.length - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const position = table[slot]! - 1;
      if (position < 0 || (this.hashes[position] === hash && this.fanIds[position] === fanId)) return slot;
    }
  }

  private grow(positions: number): void {
    this.hashes = ensureCapacity(this.hashes, positions);
    this.joinNumbers = ensureCapacity(this.joinNumbers, positions);
    this.alive = ensureCapacity(this.alive, positions);
    this.pseudonyms = ensureCapacity(this.pseudonyms, positions * PSEUDONYM_BYTES);
  }

  /** Doubles the table (kept at most two-thirds full) and puts every fan's latest position back. */
  private rehash(): void {
    const old = this.table;
    const table = new Int32Array(old.length * 2);
    const mask = table.length - 1;
    for (const cell of old) {
      if (cell === 0) continue;
      let slot = this.hashes[cell - 1]! & mask;
      while (table[slot] !== 0) slot = (slot + 1) & mask;
      table[slot] = cell;
    }
    this.table = table;
  }
}
