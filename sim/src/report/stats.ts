export interface Percentiles {
  p50: number;
  p90: number;
  p99: number;
}

/** Nearest-rank percentiles of the values (sorted in place), rounded to `digits`. */
export function percentiles(values: Float64Array, digits = 1): Percentiles {
  values.sort();
  return { p50: nearestRank(values, 0.5, digits), p90: nearestRank(values, 0.9, digits), p99: nearestRank(values, 0.99, digits) };
}

/** The `q` quantile of sorted values by nearest rank (0 for none), rounded to `digits`. */
export function nearestRank(sorted: Float64Array, q: number, digits = 1): number {
  if (sorted.length === 0) return 0;
  const f = 10 ** digits;
  return Math.round(sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]! * f) / f;
}

/** Counts per bucket of width `width` from 0; the last bucket takes everything above. */
export function histogram(values: Float64Array, buckets: number): { width: number; counts: number[] } {
  let max = 0;
  for (const v of values) if (v > max) max = v;
  const width = niceStep(max / buckets);
  const counts = new Array<number>(buckets).fill(0);
  for (const v of values) counts[Math.min(buckets - 1, Math.floor(v / width))]!++;
  return { width, counts };
}

/** 1, 2 or 5 times a power of ten, at least `x`. */
export function niceStep(x: number): number {
  if (!(x > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 2, 5, 10]) if (m * p >= x) return m * p;
  return 10 * p;
}
