/**
 * The refund rules of checkInvariants (docs/payments.md, "Refunds"),
 * replayed from the journal alone: a refund is due only for a payment that
 * never bought a hold, before or after, or for the payment of an order the
 * organizer cancelled (reason `orderCancelled`, and only then); at most one
 * refund instruction per payment id; a refund reported done only once, and
 * only where one was due. (A hold bought twice is `holdEndedTwice`.)
 */
import type { JournalEntry } from './journal/entries.js';

export type PaymentInvariant = 'refundOfPurchase' | 'refundDueTwice' | 'refundUnfounded';

type Fail = (invariant: PaymentInvariant, message: string) => void;

export class PaymentRules {
  private readonly purchases = new Set<string>();
  /** Payments whose order the organizer cancelled. */
  private readonly cancelled = new Set<string>();
  /** Payment id → whether its refund was reported done. */
  private readonly refunds = new Map<string, boolean>();

  constructor(private readonly fail: Fail) {}

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
