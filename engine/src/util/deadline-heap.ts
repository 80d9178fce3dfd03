/**
 * A binary min-heap of (deadline, id). Entries are never removed from the
 * middle: callers re-check the item when it pops (lazy deletion), which keeps
 * extensions and early endings O(log n) without an index.
 */
export class DeadlineHeap<T> {
  private deadlines: number[] = [];
  private items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  push(deadline: number, item: T): void {
    const d = this.deadlines;
    const it = this.items;
    let i = it.length;
    d.push(deadline);
    it.push(item);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (d[parent]! <= deadline) break;
      d[i] = d[parent]!;
      it[i] = it[parent]!;
      i = parent;
    }
    d[i] = deadline;
    it[i] = item;
  }

  peekDeadline(): number {
    return this.items.length === 0 ? Infinity : this.deadlines[0]!;
  }

  /** Removes and returns the earliest item whose deadline is at or before `now`. */
  popDue(now: number): T | undefined {
    if (this.items.length === 0 || this.deadlines[0]! > now) return undefined;
    const top = this.items[0]!;
    const lastDeadline = this.deadlines.pop()!;
    const lastItem = this.items.pop()!;
    const n = this.items.length;
    if (n > 0) {
      const d = this.deadlines;
      const it = this.items;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= n) break;
        const right = left + 1;
        const child = right < n && d[right]! < d[left]! ? right : left;
        if (d[child]! >= lastDeadline) break;
        d[i] = d[child]!;
        it[i] = it[child]!;
        i = child;
      }
      d[i] = lastDeadline;
      it[i] = lastItem;
    }
    return top;
  }
}
