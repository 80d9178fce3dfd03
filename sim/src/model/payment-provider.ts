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
  /**
   * A payment the checkout gave up on (TIMEOUT) that the provider still
   * charged, later: when its success notification arrives.
   */
  lateChargeAt?: number;
}

/**
 * A payment provider with a capacity in payments per second, as a FIFO
 * queue in front of a server working at that rate (Lindley's recursion: a
 * payment waits for the ones ahead, then takes 1/capacity of a second), plus
 * its own network and processing latency. Below capacity the wait is near
 * zero; as utilisation nears 1 the queue and the latency grow, and past it
 * they grow without bound. Provider errors rise with the utilisation
 * (measured as the arrival rate over the last few seconds), on top of the
 * cards that are simply declined.
 *
 * A checkout gives up on a payment unanswered after `timeoutMs` and reports
 * it failed — but the provider does not know: the payment keeps its place
 * in the queue (load the provider still has to work through) and, if it
 * goes through, the card is charged and the success arrives late. A capacity
 * of 0 is a provider that is down: it takes payments and never answers.
 */
export class PaymentProvider {
  private capacity: number;
  private busyUntil = 0;
  private rate = 0;
  private lastArrival = 0;
  private static readonly RATE_WINDOW_MS = 5_000;
  readonly stats = { submitted: 0, ok: 0, declined: 0, providerError: 0, timeout: 0, lateCharges: 0, peakUtilisation: 0, peakQueueMs: 0 };
  private readonly latencies = new GrowableF64();

  constructor(
    readonly name: string,
    private readonly spec: PaymentSpec,
    capacityPerSec: number,
    private readonly rng: Rng,
  ) {
    this.capacity = capacityPerSec;
  }

  get capacityPerSec(): number {
    return this.capacity;
  }

  setCapacity(perSec: number, now: number): void {
    // Back from down: the queue it had is gone with it.
    if (this.capacity === 0 && perSec > 0) this.busyUntil = now;
    this.capacity = perSec;
  }

  /** Utilisation now: the recent arrival rate over the capacity (0 while down: nothing is served). */
  utilisation(now: number): number {
    if (this.capacity === 0) return 0;
    return (this.rate * Math.exp(-(now - this.lastArrival) / PaymentProvider.RATE_WINDOW_MS)) / this.capacity;
  }

  /** Queueing delay a payment submitted now would see. */
  queueMs(now: number): number {
    return this.capacity === 0 ? 0 : Math.max(0, this.busyUntil - now);
  }

  submit(now: number): PaymentAnswer {
    const { spec, rng, stats } = this;
    stats.submitted++;
    // Exponentially decayed arrival count: ≈ arrivals per second over the window.
    const tau = PaymentProvider.RATE_WINDOW_MS;
    this.rate = this.rate * Math.exp(-(now - this.lastArrival) / tau) + 1000 / tau;
    this.lastArrival = now;
    if (this.capacity === 0) return this.timedOut(now);
    const rho = this.rate / this.capacity;
    if (rho > stats.peakUtilisation) stats.peakUtilisation = rho;
    const service = 1000 / this.capacity;
    const wait = Math.max(0, this.busyUntil - now);
    if (wait > stats.peakQueueMs) stats.peakQueueMs = wait;
    this.busyUntil = Math.max(this.busyUntil, now) + service;
    const latency = wait + service + rng.logNormal(spec.latency.medianMs, spec.latency.sigma);
    const overload = Math.min(1, Math.max(0, (rho - 0.7) / 0.3));
    let outcome: PayOutcome = PayOutcome.OK;
    if (rng.next() < spec.overloadFailureRate * overload * overload) outcome = PayOutcome.PROVIDER_ERROR;
    else if (rng.next() < spec.baseFailureRate) outcome = PayOutcome.DECLINED;
    if (latency > spec.timeoutMs) {
      const answer = this.timedOut(now);
      if (outcome === PayOutcome.OK) {
        stats.lateCharges++;
        answer.lateChargeAt = now + Math.round(latency);
      }
      return answer;
    }
    this.recordLatency(latency);
    if (outcome === PayOutcome.OK) stats.ok++;
    else if (outcome === PayOutcome.DECLINED) stats.declined++;
    else stats.providerError++;
    return { at: now + Math.round(latency), outcome };
  }

  /** Latency percentiles (ms) of every answer so far. */
  latencyPercentiles(): Percentiles {
    return percentiles(this.latencies.toArray(), 0);
  }

  /** Every answer's latency so far (ms). */
  latencyValues(): Float64Array {
    return this.latencies.toArray();
  }

  private timedOut(now: number): PaymentAnswer {
    this.stats.timeout++;
    this.recordLatency(this.spec.timeoutMs);
    return { at: now + this.spec.timeoutMs, outcome: PayOutcome.TIMEOUT };
  }

  private recordLatency(ms: number): void {
    this.latencies.push(ms);
  }
}

/** Every channel's provider, by the channel's name; the first is the scenario's main one. */
export class PaymentProviders {
  readonly list: PaymentProvider[];
  private readonly byName: Map<string, PaymentProvider>;

  constructor(spec: PaymentSpec, rng: Rng) {
    const channels = [{ name: spec.channel, capacityPerSec: spec.capacityPerSec }, ...spec.moreChannels];
    // The first channel keeps the generator a one-channel scenario always had, so its runs do not change.
    this.list = channels.map((c, i) => new PaymentProvider(c.name, spec, c.capacityPerSec, i === 0 ? rng : rng.fork(`channel:${c.name}`)));
    this.byName = new Map(this.list.map((p) => [p.name, p]));
  }

  get(name: string): PaymentProvider {
    const provider = this.byName.get(name);
    if (provider === undefined) throw new Error(`the scenario has no payment channel "${name}"`);
    return provider;
  }

  /** The capacity changes of every channel, in seconds after the start. */
  changes(spec: PaymentSpec): Array<{ atSec: number; provider: PaymentProvider; capacityPerSec: number }> {
    return [
      ...spec.capacityChanges.map((c) => ({ ...c, provider: this.list[0]! })),
      ...spec.moreChannels.flatMap((channel) => channel.capacityChanges.map((c) => ({ ...c, provider: this.get(channel.name) }))),
    ];
  }

  /** The busiest channel's utilisation now, and the longest queue. */
  utilisation(now: number): number {
    return Math.max(...this.list.map((p) => p.utilisation(now)));
  }

  queueMs(now: number): number {
    return Math.max(...this.list.map((p) => p.queueMs(now)));
  }
}
