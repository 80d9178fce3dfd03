export interface Fairness {
  /** Post-start arrivals admitted. */
  admitted: number;
  /** Admissions of a fan who arrived before someone already admitted: each one a queue jump. */
  outOfOrderAdmissions: number;
  /** Pairs admitted in the opposite order to their arrival. */
  inversions: number;
  /** Kendall's tau between arrival order and admission order: 1 is strictly first come, first served. */
  kendallTau: number;
}

/** `arrivalRanks[i]` is the arrival rank of the i-th fan admitted (distinct ranks). */
export function fairness(arrivalRanks: Float64Array): Fairness {
  const n = arrivalRanks.length;
  let outOfOrder = 0;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const r = arrivalRanks[i]!;
    if (r < max) outOfOrder++;
    else max = r;
  }
  const inversions = countInversions(arrivalRanks);
  const pairs = (n * (n - 1)) / 2;
  return { admitted: n, outOfOrderAdmissions: outOfOrder, inversions, kendallTau: pairs === 0 ? 1 : 1 - (2 * inversions) / pairs };
}

/** Pairs i < j with a[i] > a[j], by bottom-up merge sort: O(n log n), `a` is left unchanged. */
export function countInversions(a: Float64Array): number {
  const n = a.length;
  let src = Float64Array.from(a);
  let dst = new Float64Array(n);
  let inversions = 0;
  for (let width = 1; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) {
        if (src[i]! <= src[j]!) dst[k++] = src[i++]!;
        else {
          inversions += mid - i;
          dst[k++] = src[j++]!;
        }
      }
      while (i < mid) dst[k++] = src[i++]!;
      while (j < hi) dst[k++] = src[j++]!;
    }
    [src, dst] = [dst, src];
  }
  return inversions;
}
