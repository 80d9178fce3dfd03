/** The per-address HTTP rate limiter: a spray of addresses neither grows it nor lets a busy address off. */
import { describe, expect, it } from 'vitest';
import { KeyedRateLimiter } from '../src/protection/token-bucket.js';

describe('keyed rate limiter', () => {
  it('refuses a busy address through a spray of others, holding at most its key count', () => {
    const limiter = new KeyedRateLimiter({ perSecond: 1, burst: 5 }, 1_000);
    let busyAllowed = 0;
    for (let i = 0; i < 10_000; i++) {
      expect(limiter.take(`spray-${i}`, 1_000)).toBe(true);
      if (i % 100 === 0 && limiter.take('busy', 1_000)) busyAllowed++;
    }
    expect(busyAllowed).toBe(5);
    expect(limiter.retryAfterMs('busy')).toBe(1_000);
    // The spray's first keys are long gone: a fresh bucket.
    expect(limiter.retryAfterMs('spray-0')).toBe(0);
  });

  it('forgets buckets that have refilled', () => {
    const limiter = new KeyedRateLimiter({ perSecond: 1, burst: 2 });
    limiter.take('a', 0);
    limiter.take('a', 0);
    limiter.take('a', 0);
    expect(limiter.retryAfterMs('a')).toBe(1_000);
    limiter.sweep(2_000);
    expect(limiter.retryAfterMs('a')).toBe(0);
  });
});
