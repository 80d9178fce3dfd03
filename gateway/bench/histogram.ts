/**
 * A small HdrHistogram-like latency histogram for the gateway bench:
 * log-linear buckets (128 distinct sub-buckets per power of two, ≤ 0.8%
 * relative error) over microseconds, mergeable across processes as plain arrays.
 */
const SUB_BITS = 8;
const SUB = 1 << SUB_BITS;
const MAX_POW = 30; // up to ~2^38 µs: plenty

export interface HistogramData {
  counts: number[];
  count: number;
  min: number;
  max: number;
}

export class LatencyHistogram {
  counts = new Float64Array((MAX_POW + 1) * SUB);
  count = 0;
  min = Infinity;
  max = 0;

  private static indexOf(us: number): number {
    const v = Math.max(0, Math.floor(us));
    if (v < SUB) return v;
    const pow = 31 - Math.clz32(v) - SUB_BITS + 1; // v >> pow is in [SUB/2, SUB)
    return Math.min(pow * SUB + (v >>> pow), (MAX_POW + 1) * SUB - 1);
  }

  private static valueOf(index: number): number {
    const pow = Math.floor(index / SUB);
    const sub = index % SUB;
    if (pow === 0) return sub;
    // upper edge of the bucket
    return ((sub + 1) << pow) - 1;
  }

  /** Records one latency in milliseconds. */
  recordMs(ms: number): void {
    const us = ms * 1000;
    this.counts[LatencyHistogram.indexOf(us)]!++;
    this.count++;
    if (ms < this.min) this.min = ms;
    if (ms > this.max) this.max = ms;
  }

  add(other: HistogramData): void {
    for (let i = 0; i < other.counts.length; i++) this.counts[i]! += other.counts[i]!;
    this.count += other.count;
    this.min = Math.min(this.min, other.min);
    this.max = Math.max(this.max, other.max);
  }

  /** Percentile (0–100) in milliseconds. */
  percentileMs(p: number): number {
    if (this.count === 0) return NaN;
    const rank = Math.max(1, Math.ceil((p / 100) * this.count));
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(this.max, LatencyHistogram.valueOf(i) / 1000);
    }
    return this.max;
  }

  toData(): HistogramData {
    // Sparse-friendly: trailing zeros trimmed.
    let end = this.counts.length;
    while (end > 0 && this.counts[end - 1] === 0) end--;
    return { counts: Array.from(this.counts.subarray(0, end)), count: this.count, min: this.min, max: this.max };
  }

  summary(): { count: number; p50: number; p90: number; p99: number; p999: number; max: number } {
    const r = (x: number) => Math.round(x * 100) / 100;
    return { count: this.count, p50: r(this.percentileMs(50)), p90: r(this.percentileMs(90)), p99: r(this.percentileMs(99)), p999: r(this.percentileMs(99.9)), max: r(this.max) };
  }
}
