/**
 * An event's payment channels, the payments in flight on them and the
 * payment queue (docs/payments.md, "Health, breakers and pacing"). The
 * `apply*` methods are called as journal entries are applied and are the only
 * ones that change anything; the rest answer the SaleEvent's decisions —
 * which channel a payment starts on, which queued payments start, which
 * payments timed out, which breakers change — which it then journals.
 */
import type { PaymentsConfig } from '../config/types.js';
import type { OutcomeKind } from './health-window.js';
import { PaymentChannel, type BreakerState, type ChannelView } from './payment-channel.js';

/** The channel payments go to when neither the event nor the transport names one. */
export const DEFAULT_CHANNEL = 'default';


export interface QueuedPayment {
  holdId: string;
  paymentId: string;
  key: string;
  number: number;
  /** The channels it may start on (the fan's choice alone, or what the transport offered), first choice first. */
  channels: string[];
}

interface InFlight {
  channel: PaymentChannel;
  startedAt: number;
  holdId: string;
}

/** What may change about a channel's breaker now. */
export interface BreakerChange {
  channel: string;
  state: BreakerState;
  failurePercent: number;
}

export interface PaymentsStatus {
  pacing: PaymentsConfig['pacing'];
  /** Payments waiting to start, in order: the last number given, and every number up to `serving` has left the queue. */
  queue: { waiting: number; lastNumber: number; serving: number };
  /** The admission budget's payment term (payments a second), null while no channel's is known. */
  healthyPerSec: number | null;
  channels: ChannelView[];
}

export class PaymentDesk {
  private config: PaymentsConfig;
  private readonly channels = new Map<string, PaymentChannel>();
  private readonly inFlight = new Map<string, InFlight>();
  /** Payments as they started, for the timeout scan (settled ones are skipped when reached). */
  private readonly starts: Array<{ paymentId: string; at: number }> = [];
  private startsHead = 0;
  /** Waiting payments by hold, in queue order (a Map keeps insertion order). */
  readonly queue = new Map<string, QueuedPayment>();
  private lastNumber = 0;

  constructor(config: PaymentsConfig) {
    this.config = config;
    this.configure(config);
  }

  /** The number the last queued payment was given. */
  get lastQueueNumber(): number {
    return this.lastNumber;
  }

  get pacing(): boolean {
    return this.config.pacing === 'adaptive';
  }

  /** The configuration in force (created, configUpdated): declared channels appear, with their capacities. */
  configure(config: PaymentsConfig): void {
    this.config = config;
    for (const declared of config.channels) this.channel(declared.name).capacityPerSec = declared.capacityPerSec;
  }

  /** The channels a payment may use: the transport's list, or the event's, or the default one. */
  candidates(offered: readonly string[] | undefined): string[] {
    if (offered !== undefined && offered.length > 0) return [...offered];
    const named = this.config.channels.map((c) => c.name);
    return named.length > 0 ? named : [DEFAULT_CHANNEL];
  }

  /** The channel's breaker state, without creating it. */
  breakerOf(name: string): { state: BreakerState; since: number | undefined } {
    const channel = this.channels.get(name);
    return { state: channel?.breaker ?? 'closed', since: channel?.breakerSince };
  }

  /** When an open breaker lets probes through. */
  reopensAt(name: string): number | undefined {
    const channel = this.channels.get(name);
    return channel?.breaker === 'open' ? channel.breakerSince! + this.config.breaker.openMs : undefined;
  }

  /**
   * The channel a payment starts on now, or undefined when none can take it:
   * of those that can (breaker, limit, declared pace), the one answering best
   * lately (successes and declines over outcomes), the first offered on a tie.
   * Pacing off: the first offered, whatever its state.
   */
  choose(candidates: readonly string[], now: number): string | undefined {
    if (!this.pacing) return candidates[0];
    let best: string | undefined;
    let bestRate = -1;
    for (const name of candidates) {
      const channel = this.channel(name);
      if (!channel.canStart(now, this.config)) continue;
      const rate = channel.window.figures(now).successRate;
      if (rate > bestRate) {
        best = name;
        bestRate = rate;
      }
    }
    return best;
  }

  /** Whether any channel could take a payment now (pacing on). */
  anyCanStart(now: number): boolean {
    for (const channel of this.channels.values()) if (channel.canStart(now, this.config)) return true;
    return false;
  }

  /** Payments in flight whose timeout has passed. */
  dueTimeouts(now: number): Array<{ paymentId: string; holdId: string; channel: string }> {
    const due: Array<{ paymentId: string; holdId: string; channel: string }> = [];
    for (let i = this.startsHead; i < this.starts.length; i++) {
      const start = this.starts[i]!;
      if (start.at + this.config.timeoutMs > now) break;
      const flight = this.inFlight.get(start.paymentId);
      if (flight !== undefined && flight.startedAt === start.at) due.push({ paymentId: start.paymentId, holdId: flight.holdId, channel: flight.channel.name });
    }
    return due;
  }

  /** Breakers whose state is due to change now (pacing on only: off, nothing is steered). */
  breakerChanges(now: number): BreakerChange[] {
    const changes: BreakerChange[] = [];
    if (!this.pacing) return changes;
    const rules = this.config.breaker;
    for (const channel of this.channels.values()) {
      const figures = channel.window.figures(now);
      const failurePercent = Math.round(figures.failureRate * 1000) / 10;
      const change = (state: BreakerState) => changes.push({ channel: channel.name, state, failurePercent });
      if (channel.breaker === 'closed') {
        if (figures.outcomes >= rules.minOutcomes && figures.failureRate * 100 >= rules.failurePercent) change('open');
      } else if (channel.breaker === 'open') {
        if (now >= channel.breakerSince! + rules.openMs) change('halfOpen');
      } else if (channel.probeFailed) change('open');
      else if (channel.probesPassed >= rules.probes) change('closed');
    }
    return changes;
  }

  /** The payment term of the admission budget: the channels' healthy throughput, held back while the queue is long. */
  admissionPerSec(): number {
    if (!this.pacing) return Infinity;
    const healthy = this.healthyPerSec();
    if (healthy === undefined) return Infinity;
    // Half the pause a queued hold's clock gets: a fan admitted now, queued behind them, still starts with its clock paused.
    const horizonSec = this.config.queuePauseMaxMs / 2 / 1000;
    return this.queue.size > healthy * horizonSec ? 0 : healthy;
  }

  status(now: number): PaymentsStatus {
    const healthy = this.healthyPerSec();
    return {
      pacing: this.config.pacing,
      queue: { waiting: this.queue.size, lastNumber: this.lastNumber, serving: this.serving() },
      healthyPerSec: healthy === undefined ? null : Math.round(healthy * 10) / 10,
      channels: [...this.channels.values()].map((channel) => channel.view(now)),
    };
  }

  /** Every queue number up to this has left the queue (started, or its hold ended). */
  serving(): number {
    const head = this.queue.values().next();
    return head.done === true ? this.lastNumber : head.value.number - 1;
  }

  // ── Applying entries ────────────────────────────────────────────────────

  applyQueued(queued: QueuedPayment): void {
    this.queue.set(queued.holdId, queued);
    this.lastNumber = queued.number;
  }

  applyStarted(at: number, holdId: string, paymentId: string, channelName: string): void {
    this.queue.delete(holdId);
    const channel = this.channel(channelName);
    channel.started(at, paymentId);
    this.inFlight.set(paymentId, { channel, startedAt: at, holdId });
    this.starts.push({ paymentId, at });
  }

  /** A payment's outcome (`providerAt`: when the provider says it happened); only a payment still in flight counts (once). */
  applyOutcome(at: number, paymentId: string, kind: OutcomeKind, providerAt?: number): void {
    const flight = this.inFlight.get(paymentId);
    if (flight === undefined) return;
    this.inFlight.delete(paymentId);
    const lagMs = providerAt === undefined ? undefined : Math.max(0, at - providerAt);
    flight.channel.settled(at, paymentId, kind, kind === 'timeout' ? undefined : at - flight.startedAt, lagMs);
    this.compactStarts();
  }

  /** A hold ended: out of the queue; a payment of it still in flight never answered (a timeout). */
  applyHoldEnded(at: number, holdId: string, paymentId: string | undefined): void {
    this.queue.delete(holdId);
    if (paymentId !== undefined && this.inFlight.has(paymentId)) this.applyOutcome(at, paymentId, 'timeout');
  }

  applyBreaker(at: number, channel: string, state: BreakerState): void {
    this.channel(channel).breakerChanged(at, state);
  }

  private healthyPerSec(): number | undefined {
    let total = 0;
    let known = false;
    for (const channel of this.channels.values()) {
      const healthy = channel.healthyPerSec();
      if (healthy === undefined) continue;
      known = true;
      total += healthy;
    }
    return known ? total : undefined;
  }

  private channel(name: string): PaymentChannel {
    let channel = this.channels.get(name);
    if (channel === undefined) {
      const declared = this.config.channels.find((c) => c.name === name);
      channel = new PaymentChannel(name, declared?.capacityPerSec, this.config.healthWindowMs);
      this.channels.set(name, channel);
    }
    return channel;
  }

  private compactStarts(): void {
    while (this.startsHead < this.starts.length && !this.inFlight.has(this.starts[this.startsHead]!.paymentId)) this.startsHead++;
    if (this.startsHead > 1024 && this.startsHead * 2 > this.starts.length) {
      this.starts.splice(0, this.startsHead);
      this.startsHead = 0;
    }
  }
}
