import { PSEUDONYM_BYTES } from '../fairness/draw.js';
import { ensureCapacity } from '../util/growable.js';

/**
 * The places pending in one draw, in join order, each with the pseudonym it
 * enters the draw under: slots and pseudonyms as columns (4 + 16 bytes a
 * place, not an object or an array element a place), compacted in place.
 */
export class PendingDraw {
  private slots = new Int32Array(1024);
  private pseudonyms = new Uint8Array(1024 * PSEUDONYM_BYTES);
  private count = 0;

  push(slot: number, pseudonym: Uint8Array): void {
    if (pseudonym.length !== PSEUDONYM_BYTES) throw new Error(`a pseudonym is ${PSEUDONYM_BYTES} bytes, got ${pseudonym.length}`);
    this.slots = ensureCapacity(this.slots, this.count + 1);
    this.pseudonyms = ensureCapacity(this.pseudonyms, (this.count + 1) * PSEUDONYM_BYTES);
    this.pseudonyms.set(pseudonym, this.count * PSEUDONYM_BYTES);
    this.slots[this.count++] = slot;
  }

  /** Keeps the places `keep` says, in order; returns them with their pseudonyms packed (views of the columns). */
  filter(keep: (slot: number) => boolean): { slots: Int32Array; pseudonyms: Uint8Array } {
    let kept = 0;
    for (let i = 0; i < this.count; i++) {
      const slot = this.slots[i]!;
      if (!keep(slot)) continue;
      this.pseudonyms.copyWithin(kept * PSEUDONYM_BYTES, i * PSEUDONYM_BYTES, (i + 1) * PSEUDONYM_BYTES);
      this.slots[kept++] = slot;
    }
    this.count = kept;
    return { slots: this.slots.subarray(0, kept), pseudonyms: this.pseudonyms.subarray(0, kept * PSEUDONYM_BYTES) };
  }
}
