/**
 * The refund rules of checkInvariants (docs/payments.md, "Refunds"),
 * replayed from the journal alone: a refund is due only for a payment that
 * never bought a hold, before or after; at most one refund instruction per
 * payment id; a refund reported done only once, and only where one was due.
 * (A hold bought twice is `holdEndedTwice`.)
 */
import type { JournalEntry } from './journal/entries.js';

export type PaymentInvariant = 'refundOfPurchase' | 'refundDueTwice' | 'refundUnfounded';

type Fail = (invariant: PaymentInvariant, message: string) => void;

export class PaymentRules {
  private readonly purchases = new Set<string>();
  /** Payment id → whether its refund was reported done. */
  private readonly refunds = new Map<string, boolean>();

  constructor(private readonly fail: Fail) {}

  purchased(entry: Extract<JournalEntry, { type: 'purchased' }>): void {
    this.purchases.add(entry.paymentId);
    if (this.refunds.has(entry.paymentId)) this.fail('refundOfPurchase', `payment ${entry.paymentId} bought hold ${entry.holdId} after its refund was due`);
  }

  refundDue(entry: Extract<JournalEntry, { type: 'refundDue' }>): void {
    if (this.purchases.has(entry.paymentId)) this.fail('refundOfPurchase', `payment ${entry.paymentId} is due a refund but bought a hold`);
    if (this.refunds.has(entry.paymentId)) this.fail('refundDueTwice', `payment ${entry.paymentId} is due a refund twice`);
    this.refunds.set(entry.paymentId, false);
  }

  refunded(entry: Extract<JournalEntry, { type: 'refunded' }>): void {
    const done = this.refunds.get(entry.paymentId);
    if (done !== false) this.fail('refundUnfounded', `payment ${entry.paymentId} refunded ${done === undefined ? 'without a refund due' : 'twice'}`);
    this.refunds.set(entry.paymentId, true);
  }
}
