/** Typed-array columns that double when full: per-fan state without an object per fan. */
type TypedArray = Int32Array | Uint8Array | Float64Array;

export function ensureCapacity<T extends TypedArray>(array: T, needed: number): T {
  if (needed <= array.length) return array;
  let size = Math.max(array.length, 1024);
  while (size < needed) size *= 2;
  const grown = new (array.constructor as new (n: number) => T)(size);
  grown.set(array);
  return grown;
}
