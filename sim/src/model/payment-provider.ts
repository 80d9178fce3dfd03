import type { Rng } from './rng.js';
import type { PaymentSpec } from '../scenario/types.js';
import { percentiles, type Percentiles } from '../report/stats.js';
import { GrowableF64 } from '../util/growable.js';

export const PayOutcome = { OK: 0, DECLINED: 1, PROVIDER_ERROR: 2, TIMEOUT: 3 } as const;
export type PayOutcome = (typeof PayOutcome)[keyof typeof PayOutcome];
export const PAY_REASONS = ['ok', 'declined', 'providerError', 'timeout'] as const;

export interface PaymentAnswer {
  /** When the checkout hears back (ms of simulated time). */
  at: number;
  outcome: PayOutcome;
}

/**
 * A payment provider with a capacity in payments per second, as a FIFO
 * queue in front of a server working at that rate (Lindley's recursion: a
 * payment waits for the ones ahead, then takes 1/capacity of a second). Below
 * capacity the wait is near zero and latency is the provider's own; as
 * utilisation nears 1 the queue and the latency grow, and past it they grow
 * without bound — so the checkout gives up after `timeoutMs` (and the
 * payment is dropped, never charged). Provider errors rise with the
 * utilisation (measured as the arrival rate over the last few seconds),
 * on top of the cards that are simply declined.
 */
export class PaymentProvider {
  private capacity: number;
  private busyUntil = 0;
  private rate = 0;
  private lastArrival = 0;
  private static readonly RATE_WINDOW_MS = 5_000;
  readonly stats = { submitted: 0, ok: 0, declined: 0, providerError: 0, timeout: 0, peakUtilisation: 0, peakQueueMs: 0 };
  private readonly latencies = new GrowableF64();

  constructor(
    private readonly spec: PaymentSpec,
    private readonly rng: Rng,
  ) {
    this.capacity = spec.capacityPerSec;
  }

  get capacityPerSec(): number {
    return this.capacity;
  }

  setCapacity(perSec: number): void {
    this.capacity = perSec;
  }

  /** Utilisation now: the recent arrival rate over the capacity. */
  utilisation(now: number): number {
    return (this.rate * Math.exp(-(now - this.lastArrival) / PaymentProvider.RATE_WINDOW_MS)) / this.capacity;
  }

  /** Queueing delay a payment submitted now would see. */
  queueMs(now: number): number {
    return Math.max(0, this.busyUntil - now);
  }

  submit(now: number): PaymentAnswer {
    const { spec, rng, stats } = this;
    stats.submitted++;
    // Exponentially decayed arrival count: ≈ arrivals per second over the window.
    const tau = PaymentProvider.RATE_WINDOW_MS;
    this.rate = this.rate * Math.exp(-(now - this.lastArrival) / tau) + 1000 / tau;
    this.lastArrival = now;
    const rho = this.rate / this.capacity;
    if (rho > stats.peakUtilisation) stats.peakUtilisation = rho;
    const service = 1000 / this.capacity;
    const wait = Math.max(0, this.busyUntil - now);
    if (wait > stats.peakQueueMs) stats.peakQueueMs = wait;
    if (wait + service > spec.timeoutMs) {
      stats.timeout++;
      this.recordLatency(spec.timeoutMs);
      return { at: now + spec.timeoutMs, outcome: PayOutcome.TIMEOUT };
    }
    this.busyUntil = Math.max(this.busyUntil, now) + service;
    const latency = wait + service + rng.logNormal(spec.latency.medianMs, spec.latency.sigma);
    this.recordLatency(latency);
    const overload = Math.min(1, Math.max(0, (rho - 0.7) / 0.3));
    const u = rng.next();
    let outcome: PayOutcome = PayOutcome.OK;
    if (u < spec.overloadFailureRate * overload * overload) outcome = PayOutcome.PROVIDER_ERROR;
    else if (rng.next() < spec.baseFailureRate) outcome = PayOutcome.DECLINED;
    if (outcome === PayOutcome.OK) stats.ok++;
    else if (outcome === PayOutcome.DECLINED) stats.declined++;
    else stats.providerError++;
    return { at: now + Math.round(latency), outcome };
  }

  /** Latency percentiles (ms) of every answer so far. */
  latencyPercentiles(): Percentiles {
    return percentiles(this.latencies.toArray(), 0);
  }

  private recordLatency(ms: number): void {
    this.latencies.push(ms);
  }
}
