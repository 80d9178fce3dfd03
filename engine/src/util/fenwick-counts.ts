import { grownLength } from './growable.js';

/**
 * Which positions of a growing line are marked, counted by prefix in
 * O(log n) (a Fenwick tree over one byte of mark per position): "how many
 * places wait between two numbers" without walking them, for a status read
 * every tick and every join while hundreds of thousands wait.
 */
export class FenwickCounts {
  private tree = new Int32Array(1024);
  private marks = new Uint8Array(1024);

  mark(position: number): void {
    this.grow(position);
    if (this.marks[position] === 1) return;
    this.marks[position] = 1;
    for (let i = position; i < this.tree.length; i += i & -i) this.tree[i]!++;
  }

  unmark(position: number): void {
    if (position >= this.marks.length || this.marks[position] !== 1) return;
    this.marks[position] = 0;
    for (let i = position; i < this.tree.length; i += i & -i) this.tree[i]!--;
  }

  /** Marked positions in 1..position. */
  prefix(position: number): number {
    let sum = 0;
    for (let i = Math.min(position, this.tree.length - 1); i > 0; i -= i & -i) sum += this.tree[i]!;
    return sum;
  }

  /** Marked positions in (after, upTo]. */
  between(after: number, upTo: number): number {
    return upTo <= after ? 0 : this.prefix(upTo) - this.prefix(after);
  }

  /** The smallest position whose prefix count reaches `count`, or undefined when fewer are marked. */
  positionOfCount(count: number): number | undefined {
    if (count <= 0) return 0;
    let position = 0;
    let remaining = count;
    for (let step = highestPowerOfTwoBelow(this.tree.length); step > 0; step >>= 1) {
      const next = position + step;
      if (next < this.tree.length && this.tree[next]! < remaining) {
        position = next;
        remaining -= this.tree[next]!;
      }
    }
    return position + 1 < this.tree.length && remaining <= (this.marks[position + 1] ?? 0) ? position + 1 : undefined;
  }

  /** Grows until `position` fits and rebuilds the tree from the marks in O(n). */
  private grow(position: number): void {
    if (position < this.tree.length) return;
    const size = grownLength(this.tree.length, position + 1);
    const marks = new Uint8Array(size);
    marks.set(this.marks);
    const tree = new Int32Array(size);
    for (let i = 1; i < size; i++) {
      tree[i]! += marks[i]!;
      const parent = i + (i & -i);
      if (parent < size) tree[parent]! += tree[i]!;
    }
    this.marks = marks;
    this.tree = tree;
  }
}

function highestPowerOfTwoBelow(n: number): number {
  let power = 1;
  while (power * 2 < n) power *= 2;
  return power;
}
