/**
 * The Stripe channel, through the official `stripe` package.
 *
 * - `createCheckout` opens a Checkout Session (hosted page) per payment
 *   attempt for the hold's amount and currency, with our payment id as
 *   Stripe's idempotency key: a retried `pay` (a lost reply, another gateway)
 *   gets the same session back, never a second one. The ids
 *   {eventId, holdId, fanId, paymentId} ride as metadata on the session and
 *   on its PaymentIntent, so every notification names the hold it pays.
 * - `parseWebhook` verifies the `stripe-signature` header over the raw body
 *   with `stripe.webhooks.constructEvent` (HMAC, timestamp within the
 *   tolerance) before it reads anything, and maps the events below to a
 *   payment outcome with the amount and currency Stripe charged (the engine
 *   confirms only the hold's price). Anything else verified is acknowledged
 *   and changes nothing.
 * - `refund` gives a success the hold could not take back in full, keyed by
 *   the payment id so that asking twice refunds once.
 */
import Stripe from 'stripe';
import { BreakwaterError } from '../../../engine/src/index.js';
import type { Checkout, CheckoutRequest, PaymentOutcome, PaymentProvider, RefundRequest } from './provider.js';

export const STRIPE_CHANNEL = 'stripe';
export const STRIPE_SIGNATURE_HEADER = 'stripe-signature';
const DEFAULT_TOLERANCE_S = 300;

/** The Stripe events a deployment should send to /webhooks/payments/stripe. */
export const STRIPE_WEBHOOK_EVENTS = [
  'checkout.session.completed',
  'checkout.session.async_payment_succeeded',
  'checkout.session.async_payment_failed',
  'checkout.session.expired',
  'payment_intent.succeeded',
  'payment_intent.payment_failed',
] as const;

export interface StripeProviderOptions {
  /** The account's secret (or restricted) key: sk_live_…, sk_test_…, rk_…. */
  secretKey: string;
  /** The webhook endpoint's signing secret (whsec_…). */
  webhookSecret: string;
  /** Where fans reach this deployment (https://tickets.example.com): Stripe sends the fan back to its event's page there. */
  publicUrl: string;
  /** Another API base than https://api.stripe.com: a local stand-in (tests, stripe-mock). */
  apiUrl?: string;
  /** The channel's name, which events name in `payments.channels`: "stripe". */
  name?: string;
  /** How old a signed webhook may be, seconds (Stripe's default: 300). */
  toleranceS?: number;
}

/** Our ids, as they ride in a session's and its PaymentIntent's metadata. */
type PaymentMetadata = Record<'eventId' | 'holdId' | 'fanId' | 'paymentId', string>;

export class StripePaymentProvider implements PaymentProvider {
  readonly name: string;
  readonly signatureHeader = STRIPE_SIGNATURE_HEADER;
  private readonly stripe: Stripe;

  constructor(private readonly options: StripeProviderOptions) {
    this.name = options.name ?? STRIPE_CHANNEL;
    const api = options.apiUrl === undefined ? undefined : new URL(options.apiUrl);
    this.stripe = new Stripe(options.secretKey, {
      // Retries carry the same idempotency key, so they are safe; a stuck call fails the `pay` rather than the gateway.
      maxNetworkRetries: 2,
      timeout: 20_000,
      telemetry: false,
      appInfo: { name: 'Breakwater' },
      ...(api === undefined ? {} : {
        host: api.hostname,
        port: api.port === '' ? (api.protocol === 'http:' ? 80 : 443) : Number(api.port),
        protocol: api.protocol === 'http:' ? 'http' : 'https',
      }),
    });
  }

  async createCheckout(request: CheckoutRequest): Promise<Checkout> {
    const metadata: PaymentMetadata = { eventId: request.eventId, holdId: request.holdId, fanId: request.fanId, paymentId: request.paymentId };
    const back = new URL('/', this.options.publicUrl);
    back.searchParams.set('event', request.eventId);
    const session = await this.stripe.checkout.sessions.create({
      mode: 'payment',
      client_reference_id: request.paymentId,
      line_items: [{ quantity: 1, price_data: { currency: request.currency.toLowerCase(), unit_amount: request.amount, product_data: { name: request.description } } }],
      metadata,
      payment_intent_data: { metadata, description: request.description },
      // The fan pays the hold's price in the hold's currency: a converted charge would not confirm it.
      adaptive_pricing: { enabled: false },
      success_url: back.href,
      cancel_url: back.href,
    }, { idempotencyKey: request.paymentId });
    if (session.url === null) throw new Error(`Stripe returned checkout session ${session.id} without a URL`);
    return { provider: this.name, checkoutUrl: session.url };
  }

  parseWebhook(rawBody: Uint8Array, headers: Readonly<Record<string, string>>, now: number): PaymentOutcome | undefined {
    let event: Stripe.Event;
    try {
      event = Stripe.webhooks.constructEvent(rawBody, headers[STRIPE_SIGNATURE_HEADER] ?? '', this.options.webhookSecret, this.options.toleranceS ?? DEFAULT_TOLERANCE_S, undefined, now);
    } catch (err) {
      if (err instanceof Stripe.errors.StripeSignatureVerificationError) {
        throw new BreakwaterError('WEBHOOK_SIGNATURE_INVALID', undefined, { details: { reason: signatureFailure(err.message) }, cause: err });
      }
      // Signed, but not JSON: nothing Stripe would send.
      throw new BreakwaterError('MALFORMED_COMMAND', 'the webhook body is not a Stripe event', { details: { field: 'body', reason: 'JSON event' }, cause: err });
    }
    return outcomeOf(event);
  }

  async refund(request: RefundRequest): Promise<void> {
    if (request.providerPaymentId === undefined) throw new Error(`no Stripe PaymentIntent to refund for ${request.paymentId}`);
    try {
      await this.stripe.refunds.create({
        payment_intent: request.providerPaymentId,
        amount: request.amount,
        metadata: { eventId: request.eventId, holdId: request.holdId, paymentId: request.paymentId },
      }, { idempotencyKey: `${request.paymentId}:refund` });
    } catch (err) {
      // Refunded already (the idempotency key is kept 24 h; a notification redelivered later lands here).
      if (err instanceof Stripe.errors.StripeError && err.code === 'charge_already_refunded') return;
      throw err;
    }
  }
}

function signatureFailure(message: string): string {
  if (/tolerance/i.test(message)) return 'timestamp';
  if (/no stripe-signature|unable to extract/i.test(message)) return 'malformed';
  return 'mismatch';
}

/** What a verified Stripe event says of one of our payments; undefined for anything else. */
function outcomeOf(event: Stripe.Event): PaymentOutcome | undefined {
  switch (event.type) {
    case 'checkout.session.completed':
      // A delayed method (a bank debit) completes the session unpaid: its outcome comes as async_payment_*.
      return event.data.object.payment_status === 'paid' ? fromSession(event, event.data.object, 'succeeded', '') : undefined;
    case 'checkout.session.async_payment_succeeded':
      return fromSession(event, event.data.object, 'succeeded', '');
    case 'checkout.session.async_payment_failed':
      // A delayed method (a bank debit) refused by the bank: a decline.
      return fromSession(event, event.data.object, 'failed', 'the payment did not go through');
    case 'checkout.session.expired':
      // The fan never paid: not the channel's failure.
      return fromSession(event, event.data.object, 'failed', 'the checkout expired unpaid');
    case 'payment_intent.succeeded':
      return fromPaymentIntent(event, event.data.object, 'succeeded', '');
    case 'payment_intent.payment_failed': {
      const error = event.data.object.last_payment_error;
      return fromPaymentIntent(event, event.data.object, 'failed', error?.message ?? 'the payment failed', failureOf(error));
    }
    default:
      return undefined;
  }
}

/** Stripe's codes for the card network or issuer not answering in time, and for a processing fault on the way: the channel failed, not the card. */
const TIMEOUT_CODES: ReadonlySet<string> = new Set(['issuer_not_available']);
const ERROR_CODES: ReadonlySet<string> = new Set(['processing_error', 'try_again_later', 'reenter_transaction', 'rate_limit', 'lock_timeout']);

/**
 * How a PaymentIntent's failure failed (PaymentOutcome.failure): a card
 * error is a business decline (the card, its issuer or Stripe's fraud
 * checks said no) unless its code says the issuer could not be reached
 * (a timeout) or the processing failed on the way (an error); any other
 * error type (api_error, invalid_request_error, …) is Stripe or our
 * integration failing (an error). No error named: a decline.
 */
export function failureOf(error: Pick<Stripe.PaymentIntent.LastPaymentError, 'type' | 'code' | 'decline_code'> | null | undefined): PaymentOutcome['failure'] {
  if (error === null || error === undefined) return undefined;
  const codes = [error.code, error.decline_code].filter((c): c is string => typeof c === 'string');
  if (codes.some((c) => TIMEOUT_CODES.has(c))) return 'timeout';
  if (codes.some((c) => ERROR_CODES.has(c))) return 'error';
  return error.type === 'card_error' ? undefined : 'error';
}

function fromSession(event: Stripe.Event, session: Stripe.Checkout.Session, outcome: PaymentOutcome['outcome'], reason: string): PaymentOutcome | undefined {
  const intent = typeof session.payment_intent === 'string' ? session.payment_intent : session.payment_intent?.id;
  return outcomeFor(event, session.metadata, session.amount_total, session.currency, outcome, reason, intent);
}

function fromPaymentIntent(
  event: Stripe.Event, intent: Stripe.PaymentIntent, outcome: PaymentOutcome['outcome'], reason: string, failure?: PaymentOutcome['failure'],
): PaymentOutcome | undefined {
  // What was taken, for a success; what was asked, for a failure.
  const amount = outcome === 'succeeded' ? intent.amount_received : intent.amount;
  return outcomeFor(event, intent.metadata, amount, intent.currency, outcome, reason, intent.id, failure);
}

function outcomeFor(
  event: Stripe.Event, metadata: Stripe.Metadata | null, amount: number | null, currency: string | null,
  outcome: PaymentOutcome['outcome'], reason: string, providerPaymentId: string | undefined, failure?: PaymentOutcome['failure'],
): PaymentOutcome | undefined {
  const ids = readMetadata(metadata);
  // A charge some other system of the same Stripe account made: not ours to settle.
  if (ids === undefined) return undefined;
  if (amount === null || !Number.isSafeInteger(amount) || currency === null) {
    throw new BreakwaterError('MALFORMED_COMMAND', 'the Stripe event names no amount or currency', { details: { field: 'data.object', reason: 'amount and currency required' } });
  }
  return {
    notificationId: event.id,
    eventId: ids.eventId, holdId: ids.holdId, paymentId: ids.paymentId,
    outcome, reason: reason.slice(0, 500),
    amount, currency: currency.toUpperCase(),
    ...(providerPaymentId === undefined ? {} : { providerPaymentId }),
    ...(failure === undefined ? {} : { failure }),
    // Stripe's `created` (seconds): how late its notification came is measured from it.
    ...(Number.isSafeInteger(event.created) ? { occurredAt: event.created * 1000 } : {}),
  };
}

/** Our ids from the metadata: undefined when it carries none of them, MALFORMED_COMMAND when only some. */
function readMetadata(metadata: Stripe.Metadata | null): Omit<PaymentMetadata, 'fanId'> | undefined {
  const eventId = metadata?.eventId, holdId = metadata?.holdId, paymentId = metadata?.paymentId;
  if (eventId === undefined && holdId === undefined && paymentId === undefined) return undefined;
  if (!eventId || !holdId || !paymentId) {
    throw new BreakwaterError('MALFORMED_COMMAND', 'the Stripe event names only some of eventId, holdId and paymentId', { details: { field: 'data.object.metadata', reason: 'eventId, holdId and paymentId required' } });
  }
  return { eventId, holdId, paymentId };
}
