/**
 * The payment rules of checkInvariants, replayed from the journal alone.
 *
 * Refunds (docs/payments.md, "Refunds"): a refund is due only for a payment
 * that never bought a hold, before or after, or for the payment of an order
 * the organizer cancelled (reason `orderCancelled`, and only then); at most
 * one refund instruction per payment id; a refund reported done only once, and only where one was
 * due. (A hold bought twice is `holdEndedTwice`.)
 *
 * Channels and the payment queue (docs/payments.md, "Health, breakers and
 * pacing"), while pacing is on: no payment starts on a channel whose breaker
 * is open, and a half-open one takes no more than `breaker.probes`
 * (`paymentOnOpenChannel`); no payment starts afresh while payments wait in
 * the queue, and queued payments that may use the same channels start in
 * their queue order (`paymentQueueOrder`).
 */
import type { EventConfig } from './config/types.js';
import type { JournalEntry } from './journal/entries.js';

export type PaymentInvariant = 'refundOfPurchase' | 'refundDueTwice' | 'refundUnfounded' | 'paymentOnOpenChannel' | 'paymentQueueOrder';

type Fail = (invariant: PaymentInvariant, message: string) => void;

export class PaymentRules {
  private readonly purchases = new Set<string>();
  /** Payments whose order the organizer cancelled. */
  private readonly cancelled = new Set<string>();
  /** Payment id → whether its refund was reported done. */
  private readonly refunds = new Map<string, boolean>();

  /** Breaker state by channel, and the probes started since it went half-open. */
  private readonly breakers = new Map<string, { state: 'open' | 'halfOpen' | 'closed'; probes: number }>();
  /** Queued payments still waiting, by hold, in queue order. */
  private readonly queue = new Map<string, { number: number; channels: string }>();

  constructor(private readonly fail: Fail) {}

  queued(entry: Extract<JournalEntry, { type: 'paymentQueued' }>): void {
    this.queue.set(entry.holdId, { number: entry.number, channels: entry.channels.join(',') });
  }

  started(entry: Extract<JournalEntry, { type: 'paymentStarted' }>, config: EventConfig): void {
    const pacing = (config.payments?.pacing ?? 'adaptive') === 'adaptive';
    const waiting = this.queue.get(entry.holdId);
    this.queue.delete(entry.holdId);
    if (!pacing) return;
    if (waiting === undefined && entry.queued !== true && this.queue.size > 0) {
      this.fail('paymentQueueOrder', `payment ${entry.paymentId} started while ${this.queue.size} payment(s) waited in the queue`);
    }
    if (waiting !== undefined) {
      for (const [holdId, ahead] of this.queue) {
        if (ahead.number >= waiting.number) break;
        if (ahead.channels === waiting.channels) {
          this.fail('paymentQueueOrder', `queued payment ${waiting.number} (hold ${entry.holdId}) started before ${ahead.number} (hold ${holdId}), which waited for the same channels`);
          break;
        }
      }
    }
    const channel = entry.channel ?? 'default';
    const breaker = this.breakers.get(channel);
    if (breaker?.state === 'open') this.fail('paymentOnOpenChannel', `payment ${entry.paymentId} started on channel ${channel} while its breaker was open`);
    if (breaker?.state === 'halfOpen' && ++breaker.probes > (config.payments?.breaker.probes ?? Infinity)) {
      this.fail('paymentOnOpenChannel', `payment ${entry.paymentId} is probe ${breaker.probes} on half-open channel ${channel} (at most ${config.payments!.breaker.probes})`);
    }
  }

  breaker(entry: Extract<JournalEntry, { type: 'channelBreaker' }>): void {
    this.breakers.set(entry.channel, { state: entry.state, probes: 0 });
  }

  /** The hold ended (bought, expired, released): its queued payment, if any, left the queue. */
  holdEnded(holdId: string): void {
    this.queue.delete(holdId);
  }

  purchased(entry: Extract<JournalEntry, { type: 'purchased' }>): void {
    this.purchases.add(entry.paymentId);
    if (this.refunds.has(entry.paymentId)) this.fail('refundOfPurchase', `payment ${entry.paymentId} bought hold ${entry.holdId} after its refund was due`);
  }

  orderCancelled(paymentId: string): void {
    this.cancelled.add(paymentId);
  }

  refundDue(entry: Extract<JournalEntry, { type: 'refundDue' }>): void {
    const ofCancelledOrder = this.cancelled.has(entry.paymentId);
    if (entry.reason === 'orderCancelled' && !ofCancelledOrder) this.fail('refundOfPurchase', `payment ${entry.paymentId} is due a refund for a cancelled order, but no order it bought was cancelled`);
    else if (entry.reason !== 'orderCancelled' && this.purchases.has(entry.paymentId)) this.fail('refundOfPurchase', `payment ${entry.paymentId} is due a refund but bought a hold`);
    if (this.refunds.has(entry.paymentId)) this.fail('refundDueTwice', `payment ${entry.paymentId} is due a refund twice`);
    this.refunds.set(entry.paymentId, false);
  }

  refunded(entry: Extract<JournalEntry, { type: 'refunded' }>): void {
    const done = this.refunds.get(entry.paymentId);
    if (done !== false) this.fail('refundUnfounded', `payment ${entry.paymentId} refunded ${done === undefined ? 'without a refund due' : 'twice'}`);
    this.refunds.set(entry.paymentId, true);
  }
}
