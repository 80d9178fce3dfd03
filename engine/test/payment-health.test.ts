import { describe, expect, it } from 'vitest';
import { GradientLimiter, INITIAL_LIMIT, MIN_LIMIT } from '../src/payments/gradient-limiter.js';
import { HealthWindow, type OutcomeKind } from '../src/payments/health-window.js';

const T = 1_000_000_000_000;

describe('HealthWindow', () => {
  it('counts each kind, and only errors and timeouts as the channel failing', () => {
    const w = new HealthWindow(10_000);
    const kinds: OutcomeKind[] = ['succeeded', 'succeeded', 'declined', 'declined', 'declined', 'error', 'timeout', 'succeeded'];
    kinds.forEach((kind, i) => w.record(T + i * 100, kind, 400));
    const f = w.figures(T + 1_000);
    expect(f).toMatchObject({ outcomes: 8, succeeded: 3, declined: 3, errors: 1, timeouts: 1, failureRate: 2 / 8, successRate: 6 / 8 });
    expect(f.throughputPerSec).toBe(0.8);
  });

  it('reports the mean latency of the answers and the bound of the bucket their 90th percentile falls in; timeouts have none', () => {
    const w = new HealthWindow(10_000);
    for (let i = 0; i < 9; i++) w.record(T, 'succeeded', 100);
    w.record(T, 'declined', 5_000);
    w.record(T, 'timeout', 60_000);
    const { latencyMs } = w.figures(T);
    expect(latencyMs!.mean).toBe(Math.round((9 * 100 + 5_000) / 10));
    // 100 ms falls in the bucket up to 113 ms (50 × 1.5²); the 90th of 10 answers is the 9th.
    expect(latencyMs!.p90).toBe(113);
    expect(new HealthWindow(10_000).figures(T).latencyMs).toBeNull();
  });

  it("averages notifications' lag behind the provider's own instant, where the provider gave one", () => {
    const w = new HealthWindow(10_000);
    w.record(T, 'succeeded', 100, 400);
    w.record(T, 'declined', 100, 1_000);
    w.record(T, 'succeeded', 100);
    expect(w.figures(T).webhookLagMs).toBe(700);
    expect(new HealthWindow(10_000).figures(T).webhookLagMs).toBeNull();
  });

  it('slides: outcomes older than the window drop out when read later, and a bucket is reused for a newer second', () => {
    const w = new HealthWindow(5_000);
    w.record(T, 'error', 10);
    w.record(T + 2_000, 'succeeded', 10);
    expect(w.figures(T + 4_999).outcomes).toBe(2);
    expect(w.figures(T + 5_000).outcomes).toBe(1);
    w.record(T + 5_000, 'succeeded', 10); // the same bucket as T, five seconds on
    expect(w.figures(T + 5_000)).toMatchObject({ outcomes: 2, errors: 0 });
    expect(w.figures(T + 20_000).outcomes).toBe(0);
  });

  it('ignores an outcome older than what its bucket already counts, and forgets everything on clear', () => {
    const w = new HealthWindow(5_000);
    w.record(T + 5_000, 'succeeded', 10);
    w.record(T, 'error', 10); // same bucket, older second: too late for the window
    expect(w.figures(T + 5_000)).toMatchObject({ outcomes: 1, errors: 0 });
    w.clear();
    expect(w.figures(T + 5_000).outcomes).toBe(0);
  });
});

/** One window of `n` outcomes over a second, with `inFlight` payments at its busiest. */
function window(limiter: GradientLimiter, at: number, options: { n?: number; rttMs?: number; failures?: number; inFlight?: number } = {}): number {
  const { n = 20, rttMs = 1_000, failures = 0, inFlight = limiter.allowed } = options;
  limiter.started(at, inFlight);
  for (let i = 0; i < n; i++) limiter.sample(at + Math.round((1_000 * (i + 1)) / n), i < failures ? 'error' : 'succeeded', rttMs, inFlight);
  return at + 1_000;
}

describe('GradientLimiter', () => {
  it('doubles the limit each used, clean window while in slow start, and holds it while the limit is not used', () => {
    const limiter = new GradientLimiter();
    expect(limiter.allowed).toBe(INITIAL_LIMIT);
    let at = window(limiter, T);
    expect(limiter.allowed).toBe(40);
    at = window(limiter, at);
    expect(limiter.allowed).toBe(80);
    window(limiter, at, { inFlight: 39 }); // fewer than half the limit in flight: nothing learnt about the ceiling
    expect(limiter.allowed).toBe(80);
  });

  it('backs off by 0.9 on a window with more than 1 % failures, then grows by 4 a window (slow start is over)', () => {
    const limiter = new GradientLimiter(100);
    let at = window(limiter, T, { n: 50, failures: 1 }); // 2 % failures
    expect(limiter.allowed).toBe(90);
    at = window(limiter, at, { n: 200, failures: 2 }); // 1 %: within the tolerance
    expect(limiter.allowed).toBe(94);
    window(limiter, at);
    expect(limiter.allowed).toBe(98);
  });

  it('backs off from what was in flight when that is below the limit', () => {
    const limiter = new GradientLimiter(400);
    window(limiter, T, { n: 50, failures: 5, inFlight: 100 });
    expect(limiter.allowed).toBe(90);
  });

  it('learns its baseline over ten windows, then shrinks by the latency gradient when answers come slower than 1.5 × it, not before', () => {
    const limiter = new GradientLimiter(100);
    // Warm-up: the first windows of a fresh channel see its fastest answers first; they only set the baseline.
    let at = window(limiter, T, { rttMs: 400 });
    for (let i = 1; i < 10; i++) at = window(limiter, at, { rttMs: 1_000, inFlight: 1 });
    expect(limiter.allowed).toBe(200);
    const baseline = (400 + 9 * 1_000) / 10; // 940 ms
    at = window(limiter, at, { rttMs: 1_400 }); // within tolerance: grows (slow start)
    expect(limiter.allowed).toBe(400);
    at = window(limiter, at, { rttMs: 2_000 });
    const longRtt = baseline + (1_400 - baseline) / 60 + (2_000 - (baseline + (1_400 - baseline) / 60)) / 60;
    expect(limiter.allowed).toBe(Math.floor(400 * ((1.5 * longRtt) / 2_000))); // ≈ 0.73: 289
    const after = limiter.allowed;
    window(limiter, at, { rttMs: 20_000 }); // never below half in one window
    expect(limiter.allowed).toBe(Math.floor(after / 2));
  });

  it('needs a second and ten outcomes to close a window', () => {
    const limiter = new GradientLimiter();
    limiter.started(T, 20);
    for (let i = 0; i < 9; i++) limiter.sample(T + 2_000, 'succeeded', 100, 20);
    expect(limiter.allowed).toBe(20);
    limiter.sample(T + 500, 'succeeded', 100, 20); // ten, but less than a second after the window opened
    expect(limiter.allowed).toBe(20);
    limiter.sample(T + 2_000, 'succeeded', 100, 20);
    expect(limiter.allowed).toBe(40);
  });

  it('restarts small, in slow start, after a breaker opened', () => {
    const limiter = new GradientLimiter(300);
    window(limiter, T, { failures: 5 });
    limiter.restart();
    expect(limiter.allowed).toBe(MIN_LIMIT);
    window(limiter, T + 60_000, { inFlight: 2 });
    expect(limiter.allowed).toBe(2 * MIN_LIMIT);
  });
});
