/** An append-only column of numbers that doubles when full. */
export class GrowableF64 {
  private data: Float64Array;
  length = 0;

  constructor(initial = 1024) {
    this.data = new Float64Array(initial);
  }

  push(value: number): void {
    if (this.length === this.data.length) {
      const grown = new Float64Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = value;
  }

  get(i: number): number {
    return this.data[i]!;
  }

  /** A copy of the values pushed so far. */
  toArray(): Float64Array {
    return this.data.slice(0, this.length);
  }
}
