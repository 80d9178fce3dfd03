/**
 * One payment channel's live state: its health window, its circuit breaker,
 * its in-flight limit and the pace its declared capacity sets. Everything
 * here changes only as journal entries are applied (with their own times),
 * so a restored event has the same channels; the decisions that read it
 * (steering, starting, opening or closing the breaker) are the desk's.
 */
import type { PaymentsConfig } from '../config/types.js';
import { GradientLimiter, INITIAL_LIMIT } from './gradient-limiter.js';
import { HealthWindow, type OutcomeKind, type WindowFigures } from './health-window.js';

/** Closed: payments flow. Open: none start. Half-open: a few probes may. */
export type BreakerState = 'closed' | 'open' | 'halfOpen';

/** Payment starts a declared capacity lets through at once (one second's worth), beyond its steady pace. */
const PACE_BURST_MS = 1_000;

export interface ChannelView {
  name: string;
  breaker: BreakerState;
  /** When the breaker took its state (null: closed from the start). */
  breakerSince: number | null;
  /** The declared capacity (payments a second), null when none is declared. */
  capacityPerSec: number | null;
  /** Payments it may have in flight now (the limiter's), and has. */
  limit: number;
  inFlight: number;
  /** Payments a second it takes while healthy: limit ÷ baseline latency, within the declared capacity; 0 while open; null before it is known. */
  healthyPerSec: number | null;
  window: WindowFigures;
  totals: { started: number; succeeded: number; declined: number; errors: number; timeouts: number };
}

export class PaymentChannel {
  readonly window: HealthWindow;
  readonly limiter: GradientLimiter;
  breaker: BreakerState = 'closed';
  breakerSince: number | undefined;
  /** Probes started since the breaker went half-open, and their outcomes so far. */
  probesStarted = 0;
  probesPassed = 0;
  probeFailed = false;
  private readonly probes = new Set<string>();
  inFlight = 0;
  /** The declared capacity's pace: the theoretical instant of the next start (GCRA). */
  private paceAt = -Infinity;
  readonly totals = { started: 0, succeeded: 0, declined: 0, errors: 0, timeouts: 0 };

  constructor(
    readonly name: string,
    public capacityPerSec: number | undefined,
    windowMs: number,
  ) {
    this.window = new HealthWindow(windowMs);
    this.limiter = new GradientLimiter(Math.max(INITIAL_LIMIT, capacityPerSec ?? 0));
  }

  /** Whether a payment may start on it now (pacing on): breaker, limit and declared pace. */
  canStart(now: number, config: PaymentsConfig): boolean {
    if (this.breaker === 'open') return false;
    if (this.breaker === 'halfOpen') return this.probesStarted < config.breaker.probes && this.paceAllows(now);
    return this.inFlight < this.limiter.allowed && this.paceAllows(now);
  }

  started(at: number, paymentId: string): void {
    this.inFlight++;
    this.totals.started++;
    if (this.breaker === 'halfOpen') {
      this.probesStarted++;
      this.probes.add(paymentId);
    }
    if (this.capacityPerSec !== undefined) this.paceAt = Math.max(this.paceAt, at) + 1000 / this.capacityPerSec;
    this.limiter.started(at, this.inFlight);
  }

  /** The payment's outcome (the first only: a late answer after a timeout is not counted again). */
  settled(at: number, paymentId: string, kind: OutcomeKind, rttMs: number | undefined, lagMs?: number): void {
    this.limiter.sample(at, kind, rttMs, this.inFlight);
    this.inFlight--;
    this.totals[TOTALS[kind]]++;
    this.window.record(at, kind, rttMs, lagMs);
    if (this.probes.delete(paymentId)) {
      if (kind === 'error' || kind === 'timeout') this.probeFailed = true;
      else this.probesPassed++;
    }
  }

  breakerChanged(at: number, state: BreakerState): void {
    this.breaker = state;
    this.breakerSince = at;
    this.probesStarted = 0;
    this.probesPassed = 0;
    this.probeFailed = false;
    this.probes.clear();
    // Probing starts from a small limit and ramps up again; a closed breaker judges afresh.
    if (state === 'halfOpen') this.limiter.restart();
    if (state === 'closed') this.window.clear();
  }

  /** Payments a second it takes while healthy (see ChannelView.healthyPerSec). */
  healthyPerSec(): number | undefined {
    if (this.breaker === 'open') return 0;
    const rtt = this.limiter.baselineRttMs;
    const measured = rtt === undefined ? undefined : (this.limiter.allowed * 1000) / rtt;
    if (measured === undefined) return this.capacityPerSec;
    return this.capacityPerSec === undefined ? measured : Math.min(measured, this.capacityPerSec);
  }

  view(now: number): ChannelView {
    const healthy = this.healthyPerSec();
    return {
      name: this.name, breaker: this.breaker, breakerSince: this.breakerSince ?? null, capacityPerSec: this.capacityPerSec ?? null,
      limit: this.limiter.allowed, inFlight: this.inFlight, healthyPerSec: healthy === undefined ? null : Math.round(healthy * 10) / 10,
      window: this.window.figures(now), totals: { ...this.totals },
    };
  }

  private paceAllows(now: number): boolean {
    return this.capacityPerSec === undefined || this.paceAt - now <= PACE_BURST_MS;
  }
}

const TOTALS: Record<OutcomeKind, keyof PaymentChannel['totals']> = { succeeded: 'succeeded', declined: 'declined', error: 'errors', timeout: 'timeouts' };
