export interface Percentiles {
  p50: number;
  p90: number;
  p99: number;
}

/** Nearest-rank percentiles of the values (sorted in place), rounded to `digits`. */
export function percentiles(values: Float64Array, digits = 1): Percentiles {
  values.sort();
  const f = 10 ** digits;
  const at = (q: number): number => {
    if (values.length === 0) return 0;
    const rank = Math.max(0, Math.ceil(q * values.length) - 1);
    return Math.round(values[rank]! * f) / f;
  };
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99) };
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
