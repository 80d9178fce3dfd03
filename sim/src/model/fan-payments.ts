import { GrowableF64 } from '../util/growable.js';
import { percentiles, type Percentiles } from '../report/stats.js';
import type { PaymentAnswer, PaymentProviders } from './payment-provider.js';

/** Something of a fan's payment that comes due at a later instant. */
export type PaymentDue =
  /** The fan's queued payment started: its page heard and opens the checkout at this channel. */
  | { kind: 'submit'; at: number; channel: string }
  /** A payment the checkout gave up on was charged after all: its success notification arrives. */
  | { kind: 'lateCharge'; at: number; hold: number; attempt: number };

/**
 * The payment side of the fans, as the report needs it: every payment sent
 * to a channel's provider (when and where), the time fans waited in the
 * payment queue, late charges in the making, and each hold's charges the
 * sale kept — two kept for one hold is a double charge.
 */
export class FanPayments {
  private readonly due = new Map<number, PaymentDue[]>();
  private readonly queuedAt = new Map<number, number>();
  private readonly keptByHold = new Map<number, number>();
  private readonly startAt = new GrowableF64();
  private readonly startChannel = new GrowableF64();
  private readonly channelIndex: Map<string, number>;
  readonly queueWaitMs = new GrowableF64();
  queued = 0;
  doubleCharges = 0;
  /** Late charges not arrived yet: the run is not over while there are some. */
  pendingLateCharges = 0;

  constructor(readonly providers: PaymentProviders) {
    this.channelIndex = new Map(providers.list.map((p, i) => [p.name, i]));
  }

  /** The fan's payment goes to `channel`'s provider now. */
  submit(fan: number, channel: string, now: number): PaymentAnswer {
    const queuedAt = this.queuedAt.get(fan);
    if (queuedAt !== undefined) {
      this.queueWaitMs.push(now - queuedAt);
      this.queuedAt.delete(fan);
    }
    this.startAt.push(now);
    this.startChannel.push(this.channelIndex.get(channel) ?? 0);
    const answer = this.providers.get(channel).submit(now);
    if (answer.lateChargeAt !== undefined) this.pendingLateCharges++;
    return answer;
  }

  /** The fan's payment waits in the payment queue from now. */
  enqueue(fan: number, now: number): void {
    this.queued++;
    this.queuedAt.set(fan, now);
  }

  /** The fan's payment left the queue without starting (its hold ended). */
  dequeued(fan: number): void {
    this.queuedAt.delete(fan);
  }

  schedule(fan: number, due: PaymentDue): void {
    const list = this.due.get(fan);
    if (list === undefined) this.due.set(fan, [due]);
    else {
      list.push(due);
      list.sort((a, b) => a.at - b.at);
    }
  }

  /** The fan's earliest due payment event (the agenda fires them in time order). */
  take(fan: number): PaymentDue | undefined {
    const list = this.due.get(fan);
    const due = list?.shift();
    if (list?.length === 0) this.due.delete(fan);
    if (due?.kind === 'lateCharge') this.pendingLateCharges--;
    return due;
  }

  /** The sale kept a charge for this hold (it bought it). */
  kept(hold: number): void {
    const n = (this.keptByHold.get(hold) ?? 0) + 1;
    this.keptByHold.set(hold, n);
    if (n > 1) this.doubleCharges++;
  }

  queueWaitSec(): Percentiles {
    const values = this.queueWaitMs.toArray().map((ms) => ms / 1000);
    return percentiles(values, 1);
  }

  /**
   * How long after `failedAt` (ms) payments went to the other channels: the
   * earliest instant from which on at least 95 % of the payments sent went
   * anywhere but `failed`, in seconds after `failedAt` (null: never, or no
   * payment after it).
   */
  switchedWithinSec(failed: string, failedAt: number): number | null {
    const failedIndex = this.channelIndex.get(failed);
    const times = this.startAt.toArray();
    const channels = this.startChannel.toArray();
    let total = 0;
    let elsewhere = 0;
    let from: number | null = null;
    // From the last payment backwards: the suffix shares, the earliest one that reaches 95 % wins.
    for (let i = times.length - 1; i >= 0 && times[i]! >= failedAt; i--) {
      total++;
      if (channels[i] !== failedIndex) elsewhere++;
      if (elsewhere >= 0.95 * total) from = times[i]!;
    }
    return from === null ? null : Math.round((from - failedAt) / 100) / 10;
  }
}
