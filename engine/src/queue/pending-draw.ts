import { PSEUDONYM_BYTES } from '../fairness/draw.js';
import { ensureCapacity } from '../util/growable.js';

/**
 * The places pending in one draw, in join order, each with the pseudonym it
 * enters the draw under: slots as a list, pseudonyms as one byte column
 * (16 bytes a place, not an object a place).
 */
export class PendingDraw {
  slots: number[] = [];
  private pseudonyms = new Uint8Array(0);

  push(slot: number, pseudonym: Uint8Array): void {
    if (pseudonym.length !== PSEUDONYM_BYTES) throw new Error(`a pseudonym is ${PSEUDONYM_BYTES} bytes, got ${pseudonym.length}`);
    const at = this.slots.length * PSEUDONYM_BYTES;
    this.pseudonyms = ensureCapacity(this.pseudonyms, at + PSEUDONYM_BYTES);
    this.pseudonyms.set(pseudonym, at);
    this.slots.push(slot);
  }

  /** Keeps the places `keep` says, in order; returns them with their pseudonyms packed. */
  filter(keep: (slot: number) => boolean): { slots: number[]; pseudonyms: Uint8Array } {
    const slots: number[] = [];
    const pseudonyms = new Uint8Array(this.slots.length * PSEUDONYM_BYTES);
    for (let i = 0; i < this.slots.length; i++) {
      const slot = this.slots[i]!;
      if (!keep(slot)) continue;
      pseudonyms.set(this.pseudonyms.subarray(i * PSEUDONYM_BYTES, (i + 1) * PSEUDONYM_BYTES), slots.length * PSEUDONYM_BYTES);
      slots.push(slot);
    }
    this.slots = slots;
    this.pseudonyms = pseudonyms;
    return { slots, pseudonyms: pseudonyms.subarray(0, slots.length * PSEUDONYM_BYTES) };
  }
}
