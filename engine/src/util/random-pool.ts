/** Bytes fetched per call of the underlying source. */
const POOL_BYTES = 64 * 1024;
/** Requests above this go straight to the source: the pool is for the small, frequent ones. */
const LARGEST_POOLED = 1024;

/**
 * A random source that serves small requests (a place's 16-byte receipt,
 * a 32-byte seed) from a buffer it refills a few thousand requests at a time:
 * node:crypto's randomBytes costs ~2 µs a call, more than a join itself.
 * Every byte is handed out once; what it returns is a view of the pool.
 */
export function pooledRandomBytes(source: (n: number) => Uint8Array): (n: number) => Uint8Array {
  let pool: Uint8Array = new Uint8Array(0);
  let at = 0;
  return (n) => {
    if (n > LARGEST_POOLED) return source(n);
    if (at + n > pool.length) {
      pool = source(POOL_BYTES);
      at = 0;
    }
    return pool.subarray(at, (at += n));
  };
}
