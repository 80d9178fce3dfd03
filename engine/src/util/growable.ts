/** Typed-array columns that grow by half when full: per-fan state without an object per fan. */
type TypedArray = Int32Array | Uint8Array | Float64Array;

/**
 * The length a column of `current` cells grows to so that `needed` fit: by
 * half at a time, not doubling, because at millions of cells the slack and
 * the copy made while growing (old and new alive at once) are what peaks.
 */
export function grownLength(current: number, needed: number): number {
  let size = Math.max(current, 1024);
  while (size < needed) size = Math.ceil(size * 1.5);
  return size;
}

export function ensureCapacity<T extends TypedArray>(array: T, needed: number): T {
  if (needed <= array.length) return array;
  const grown = new (array.constructor as new (n: number) => T)(grownLength(array.length, needed));
  grown.set(array);
  return grown;
}
