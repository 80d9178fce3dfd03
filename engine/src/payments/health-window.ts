/**
 * A payment channel's outcomes over a sliding window, in one-second buckets:
 * successes, business declines (the card said no: the channel worked),
 * errors and timeouts (the channel failed), and the latency of every answer.
 * Fed from journal entries with their own times, so a replay fills it the
 * same way; read at any later instant, buckets older than the window are
 * left out.
 */

/** What became of a payment on its channel. */
export type OutcomeKind = 'succeeded' | 'declined' | 'error' | 'timeout';

/** Latency buckets: upper bounds growing by half, from 50 ms to about 40 minutes. */
const LATENCY_BOUNDS_MS: readonly number[] = Array.from({ length: 34 }, (_, i) => Math.round(50 * 1.5 ** i));

interface Bucket {
  /** The second (epoch ms / 1000, floored) it counts; buckets are reused as the window slides. */
  second: number;
  succeeded: number;
  declined: number;
  errors: number;
  timeouts: number;
  latencySumMs: number;
  latencies: number;
  /** Notifications' lag behind the provider's own instant, where the provider said it. */
  lagSumMs: number;
  lags: number;
  /** Answers per latency bucket (LATENCY_BOUNDS_MS), for the percentile. */
  histogram: Uint32Array;
}

export interface WindowFigures {
  outcomes: number;
  succeeded: number;
  declined: number;
  errors: number;
  timeouts: number;
  /** Channel failures (errors and timeouts) over outcomes; 0 with none. */
  failureRate: number;
  /** Answers (successes and declines) over outcomes: the channel working; 1 with none. */
  successRate: number;
  /** Outcomes a second over the window. */
  throughputPerSec: number;
  /** Of the answers (timeouts have none); null with none. */
  latencyMs: { mean: number; p90: number } | null;
  /** How long after the provider's own instant its notifications arrived, on average; null when no provider said. */
  webhookLagMs: number | null;
}

export class HealthWindow {
  private readonly buckets: Bucket[];

  constructor(private readonly windowMs: number) {
    this.buckets = Array.from({ length: Math.max(1, Math.ceil(windowMs / 1000)) }, () => emptyBucket());
  }

  record(at: number, kind: OutcomeKind, latencyMs: number | undefined, lagMs?: number): void {
    const bucket = this.bucketAt(at);
    if (lagMs !== undefined) {
      bucket.lagSumMs += lagMs;
      bucket.lags++;
    }
    if (kind === 'succeeded') bucket.succeeded++;
    else if (kind === 'declined') bucket.declined++;
    else if (kind === 'error') bucket.errors++;
    else bucket.timeouts++;
    if (latencyMs !== undefined && kind !== 'timeout') {
      bucket.latencySumMs += latencyMs;
      bucket.latencies++;
      bucket.histogram[latencyIndex(latencyMs)]!++;
    }
  }

  /** Forgets everything (a breaker closing starts a fresh account). */
  clear(): void {
    for (const bucket of this.buckets) bucket.second = -1;
  }

  figures(now: number): WindowFigures {
    const first = Math.floor(now / 1000) - this.buckets.length + 1;
    let succeeded = 0;
    let declined = 0;
    let errors = 0;
    let timeouts = 0;
    let latencySum = 0;
    let latencies = 0;
    let lagSum = 0;
    let lags = 0;
    const histogram = new Uint32Array(LATENCY_BOUNDS_MS.length);
    for (const bucket of this.buckets) {
      if (bucket.second < first) continue;
      succeeded += bucket.succeeded;
      declined += bucket.declined;
      errors += bucket.errors;
      timeouts += bucket.timeouts;
      latencySum += bucket.latencySumMs;
      latencies += bucket.latencies;
      lagSum += bucket.lagSumMs;
      lags += bucket.lags;
      for (let i = 0; i < histogram.length; i++) histogram[i]! += bucket.histogram[i]!;
    }
    const outcomes = succeeded + declined + errors + timeouts;
    return {
      outcomes, succeeded, declined, errors, timeouts,
      failureRate: outcomes === 0 ? 0 : (errors + timeouts) / outcomes,
      successRate: outcomes === 0 ? 1 : (succeeded + declined) / outcomes,
      throughputPerSec: outcomes / this.buckets.length,
      latencyMs: latencies === 0 ? null : { mean: Math.round(latencySum / latencies), p90: percentile(histogram, latencies, 0.9) },
      webhookLagMs: lags === 0 ? null : Math.round(lagSum / lags),
    };
  }

  private bucketAt(at: number): Bucket {
    const second = Math.floor(at / 1000);
    const bucket = this.buckets[second % this.buckets.length]!;
    if (bucket.second !== second) {
      // Only a newer second takes a bucket over: an outcome older than the window is simply late.
      if (bucket.second > second) return scratch;
      bucket.second = second;
      bucket.succeeded = bucket.declined = bucket.errors = bucket.timeouts = 0;
      bucket.latencySumMs = bucket.latencies = bucket.lagSumMs = bucket.lags = 0;
      bucket.histogram.fill(0);
    }
    return bucket;
  }
}

/** Where outcomes too old for the window go (counted nowhere). */
const scratch = emptyBucket();

function emptyBucket(): Bucket {
  return { second: -1, succeeded: 0, declined: 0, errors: 0, timeouts: 0, latencySumMs: 0, latencies: 0, lagSumMs: 0, lags: 0, histogram: new Uint32Array(LATENCY_BOUNDS_MS.length) };
}

function latencyIndex(ms: number): number {
  for (let i = 0; i < LATENCY_BOUNDS_MS.length; i++) if (ms <= LATENCY_BOUNDS_MS[i]!) return i;
  return LATENCY_BOUNDS_MS.length - 1;
}

/** The upper bound of the bucket the q-th answer falls in. */
function percentile(histogram: Uint32Array, count: number, q: number): number {
  const rank = Math.ceil(q * count);
  let seen = 0;
  for (let i = 0; i < histogram.length; i++) {
    seen += histogram[i]!;
    if (seen >= rank) return LATENCY_BOUNDS_MS[i]!;
  }
  return LATENCY_BOUNDS_MS[LATENCY_BOUNDS_MS.length - 1]!;
}
