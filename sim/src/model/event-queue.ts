import { ensureCapacity, grownLength } from '../../../engine/src/util/growable.js';

/**
 * The simulator's agenda: (time, fan, step) entries in a 4-ary min-heap kept
 * in two typed arrays (time; fan and step packed in one int), so millions of
 * pending entries (every impatient fan's give-up time) cost 12 bytes each
 * and no object. Entries at the same instant come out in an order fixed by
 * the sequence of pushes and pops, so a run is the same on every machine.
 */
export class EventQueue {
  private time = new Float64Array(1 << 16);
  /** fan · 16 + step: fans below 2^27, steps below 16. */
  private item = new Int32Array(1 << 16);
  private n = 0;

  get size(): number {
    return this.n;
  }

  /** Earliest pending time, or Infinity. */
  peekTime(): number {
    return this.n === 0 ? Infinity : this.time[0]!;
  }

  topFan(): number {
    return this.item[0]! >>> 4;
  }

  topStep(): number {
    return this.item[0]! & 15;
  }

  push(at: number, fan: number, step: number): void {
    if (this.n === this.time.length) this.grow();
    const { time, item } = this;
    const packed = (fan << 4) | step;
    let i = this.n++;
    while (i > 0) {
      const p = (i - 1) >> 2;
      if (time[p]! <= at) break;
      time[i] = time[p]!;
      item[i] = item[p]!;
      i = p;
    }
    time[i] = at;
    item[i] = packed;
  }

  /** Removes the earliest entry (read it first with topFan / topStep). */
  pop(): void {
    const { time, item } = this;
    const n = --this.n;
    if (n === 0) return;
    const t = time[n]!;
    const v = item[n]!;
    let i = 0;
    for (;;) {
      const first = 4 * i + 1;
      if (first >= n) break;
      let c = first;
      let tc = time[first]!;
      const last = Math.min(first + 4, n);
      for (let k = first + 1; k < last; k++) {
        const tk = time[k]!;
        if (tk < tc) {
          tc = tk;
          c = k;
        }
      }
      if (tc >= t) break;
      time[i] = tc;
      item[i] = item[c]!;
      i = c;
    }
    time[i] = t;
    item[i] = v;
  }

  private grow(): void {
    const length = grownLength(this.time.length, this.n + 1);
    this.time = ensureCapacity(this.time, length);
    this.item = ensureCapacity(this.item, length);
  }
}
