/** A fixed-bucket latency histogram whose snapshots can be summed across processes. */

/** Seconds: 0.5 ms … 5 s. */
export const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] as const;

export interface HistogramSnapshot {
  /** Upper bounds, seconds (the +Inf bucket is `count`). */
  bounds: readonly number[];
  /** Non-cumulative count per bound. */
  counts: number[];
  sum: number;
  count: number;
}

export class Histogram {
  private readonly counts: number[];
  private sum = 0;
  private count = 0;

  constructor(private readonly bounds: readonly number[] = LATENCY_BUCKETS) {
    this.counts = bounds.map(() => 0);
  }

  observe(seconds: number): void {
    this.sum += seconds;
    this.count++;
    const i = this.bounds.findIndex((bound) => seconds <= bound);
    if (i >= 0) this.counts[i]!++;
  }

  snapshot(): HistogramSnapshot {
    return { bounds: this.bounds, counts: [...this.counts], sum: this.sum, count: this.count };
  }
}

/** Sums snapshots with the same bounds (one per process) into one. */
export function mergeSnapshots(snapshots: readonly HistogramSnapshot[]): HistogramSnapshot {
  const bounds = snapshots[0]?.bounds ?? LATENCY_BUCKETS;
  const merged: HistogramSnapshot = { bounds, counts: bounds.map(() => 0), sum: 0, count: 0 };
  for (const snapshot of snapshots) {
    snapshot.counts.forEach((count, i) => (merged.counts[i]! += count));
    merged.sum += snapshot.sum;
    merged.count += snapshot.count;
  }
  return merged;
}

/** The q-quantile (0..1) in seconds, interpolated within its bucket; null without observations. */
export function quantile(snapshot: HistogramSnapshot, q: number): number | null {
  if (snapshot.count === 0) return null;
  const rank = q * snapshot.count;
  let cumulative = 0;
  for (let i = 0; i < snapshot.bounds.length; i++) {
    const count = snapshot.counts[i]!;
    if (cumulative + count >= rank && count > 0) {
      const lower = i === 0 ? 0 : snapshot.bounds[i - 1]!;
      return lower + ((snapshot.bounds[i]! - lower) * (rank - cumulative)) / count;
    }
    cumulative += count;
  }
  return snapshot.bounds[snapshot.bounds.length - 1]!;
}
