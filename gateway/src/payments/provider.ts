/**
 * The payment side, behind a small interface. A fan's connection can only
 * START a payment; a purchase is confirmed only by the payment side: a
 * provider's webhook whose signature verifies, or the organizer's own
 * checkout backend calling the organizer API with its API key.
 */

export interface CheckoutRequest {
  eventId: string;
  holdId: string;
  fanId: string;
  /** Ours, deterministic per (fan, hold, idempotency key): the provider's idempotency key too. */
  paymentId: string;
  amount: number;
  currency: string;
  description: string;
}

export interface Checkout {
  provider: string;
  /** Where the fan pays: a provider page or, for the demo provider, our checkout endpoint. */
  checkoutUrl: string | null;
}

/** What a verified webhook says happened. */
export interface PaymentOutcome {
  /** The provider's id of this notification (logged; idempotency rests on the payment id). */
  notificationId: string;
  eventId: string;
  holdId: string;
  paymentId: string;
  outcome: 'succeeded' | 'failed';
  reason: string;
  /** What the provider charged, minor units and ISO 4217 code: a success confirms only the hold's price. */
  amount: number;
  currency: string;
  /** The provider's own id of the charge (a Stripe PaymentIntent), when its notification names one: what a refund gives back. */
  providerPaymentId?: string;
  /** When the provider says the outcome happened (epoch ms; e.g. its event's creation time): how late its notification came is measured from it. */
  occurredAt?: number;
  /**
   * How a failure failed: `error` or `timeout` when the provider (or the
   * network to it) failed, which counts against the channel's health;
   * absent, the card was declined (insufficient funds, refused), which does not.
   */
  failure?: 'error' | 'timeout';
}

/** A charge to give back: a success the hold could not take. */
export interface RefundRequest {
  eventId: string;
  holdId: string;
  /** The provider's idempotency key for the refund too: asking twice refunds once. */
  paymentId: string;
  amount: number;
  currency: string;
  /** The provider's id of the charge, from the notification that reported it. */
  providerPaymentId?: string;
}

export interface PaymentProvider {
  readonly name: string;
  /** The header its webhooks carry their signature in (lowercase): one without it is refused before its body is read. */
  readonly signatureHeader: string;
  createCheckout(request: CheckoutRequest): Promise<Checkout>;
  /**
   * Verifies a webhook's signature over the raw body and reads it; throws
   * WEBHOOK_SIGNATURE_INVALID (or MALFORMED_COMMAND for a signed but
   * unreadable body). Must not trust anything before the signature checks.
   * Undefined: a verified notification that settles no payment of ours (an
   * event type we do not act on, a charge another system made): it is
   * acknowledged and changes nothing.
   */
  parseWebhook(rawBody: Uint8Array, headers: Readonly<Record<string, string>>, now: number): PaymentOutcome | undefined;
  /**
   * Gives a charge back in full; resolves once the provider accepted the
   * refund, throws when it did not (the notification is then answered 5xx,
   * so the provider sends it again and the refund is asked again).
   */
  refund(request: RefundRequest): Promise<void>;
}
