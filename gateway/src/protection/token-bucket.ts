/**
 * Token buckets for rate limits: one inline (a connection's message budget
 * lives in its own state) and one keyed by client address, bounded in memory
 * (HTTP requests; the door's budgets are in door-budgets.ts).
 */
import { BoundedMap } from './bounded-map.js';

export interface BucketState {
  tokens: number;
  refilledAt: number;
}

export interface Rate {
  perSecond: number;
  burst: number;
}

/** Takes one token if there is one; refills by elapsed time first. */
export function take(bucket: BucketState, rate: Rate, now: number): boolean {
  const elapsed = Math.max(0, now - bucket.refilledAt);
  bucket.tokens = Math.min(rate.burst, bucket.tokens + (elapsed * rate.perSecond) / 1000);
  bucket.refilledAt = now;
  if (bucket.tokens < 1) return false;
  bucket.tokens -= 1;
  return true;
}

/** Milliseconds until the next token. */
export function retryAfterMs(bucket: BucketState, rate: Rate): number {
  return Math.max(0, Math.ceil(((1 - bucket.tokens) * 1000) / rate.perSecond));
}

/**
 * Buckets per key (a client address). Idle buckets are forgotten once full
 * again, and at most `maxKeys` are kept (see BoundedMap), so a spray of
 * addresses cannot grow memory or slow down the limiter.
 */
export class KeyedRateLimiter {
  private readonly buckets: BoundedMap<BucketState>;

  constructor(readonly rate: Rate, maxKeys = 100_000) {
    this.buckets = new BoundedMap(maxKeys);
  }

  /** True when the key may act now; false when it is over its rate. */
  take(key: string, now: number): boolean {
    let bucket = this.buckets.touch(key);
    if (bucket === undefined) {
      bucket = { tokens: this.rate.burst, refilledAt: now };
      this.buckets.set(key, bucket);
    }
    return take(bucket, this.rate, now);
  }

  retryAfterMs(key: string): number {
    const bucket = this.buckets.peek(key);
    return bucket === undefined ? 0 : retryAfterMs(bucket, this.rate);
  }

  /** Drops buckets that have refilled completely: they carry no information. */
  sweep(now: number): void {
    this.buckets.sweep((bucket) => bucket.tokens + ((now - bucket.refilledAt) * this.rate.perSecond) / 1000 >= this.rate.burst);
  }
}
