/**
 * The built-in demo payment provider, so the whole flow works end to end with
 * no account anywhere. It behaves like an external provider:
 *
 * 1. `createCheckout` returns a checkout URL (`/pay/demo/<session>`); the
 *    session is sealed with the gateway secret, so it needs no storage and
 *    any worker can serve it, and a fan cannot forge one for another hold.
 * 2. The fan's page GETs the session (what is being paid) and POSTs a
 *    decision (approve / decline) to it.
 * 3. The checkout answers after the configured delay (the provider's
 *    processing), and only once the engine has recorded the outcome
 *    (payment-routes.ts): an approval the fan was shown lives in the journal,
 *    never in one gateway's memory, so a gateway killed meanwhile loses
 *    nothing the fan was told; the fan's page simply decides again.
 *
 * 4. `refund` gives back a success the hold could not take: no money moved,
 *    so it is done once the provider's processing time has passed.
 *
 * `webhookFor` signs the webhook a real provider would send for an outcome,
 * for tests and for `sim/`, which exercise the webhook endpoint with it.
 */
import { randomBytes } from 'node:crypto';
import { BreakwaterError } from '../../../engine/src/index.js';
import { parseJsonBody } from '../http/json-body.js';
import type { CheckedPaymentOutcome } from '../../../engine/link/types.js';
import type { Signer } from '../tokens.js';
import type { Checkout, CheckoutRequest, PaymentOutcome, PaymentProvider } from './provider.js';
import { SIGNATURE_HEADER, signWebhook, verifyWebhookSignature } from '../../../engine/host/index.js';

export interface DemoCheckoutSession {
  paymentId: string;
  eventId: string;
  holdId: string;
  amount: number;
  currency: string;
  description: string;
  expiresAt: number;
}

/** The webhook body every Breakwater payment notification uses. */
export interface PaymentWebhookBody {
  id: string;
  type: 'payment.succeeded' | 'payment.failed';
  created: number;
  /** `failure`: on `payment.failed`, the provider failing (`error`, `timeout`) rather than the card declined. */
  data: { paymentId: string; eventId: string; holdId: string; amount: number; currency: string; reason?: string; failure?: 'error' | 'timeout' };
}

export interface DemoProviderOptions {
  signer: Signer;
  webhookSecret: string;
  decision: 'approve' | 'decline';
  /** How long the checkout takes to answer a decision: the provider's processing time. */
  delayMs: number;
}

const SESSION_TTL_MS = 30 * 60_000;
const DECLINED = 'card declined (demo)';

export class DemoPaymentProvider implements PaymentProvider {
  readonly name = 'demo';
  readonly signatureHeader = SIGNATURE_HEADER;

  constructor(private readonly options: DemoProviderOptions) {}

  get defaults(): { decision: 'approve' | 'decline'; delayMs: number } {
    return { decision: this.options.decision, delayMs: this.options.delayMs };
  }

  async createCheckout(request: CheckoutRequest): Promise<Checkout> {
    const session = this.options.signer.seal('checkout-session', 'cs1', {
      p: request.paymentId, e: request.eventId, h: request.holdId, a: request.amount, c: request.currency, d: request.description,
      x: Date.now() + SESSION_TTL_MS,
    });
    return { provider: this.name, checkoutUrl: `/pay/demo/${session}` };
  }

  /** The session behind a checkout URL; PAYMENT_SESSION_INVALID when forged or expired. */
  readSession(session: string, now = Date.now()): DemoCheckoutSession {
    const claims = this.options.signer.open('checkout-session', 'cs1', session);
    if (claims === undefined || typeof claims.p !== 'string' || typeof claims.x !== 'number' || claims.x <= now) {
      throw new BreakwaterError('PAYMENT_SESSION_INVALID');
    }
    return {
      paymentId: claims.p, eventId: String(claims.e), holdId: String(claims.h), amount: Number(claims.a), currency: String(claims.c),
      description: String(claims.d), expiresAt: claims.x,
    };
  }

  /** What the fan's decision at the checkout comes to, once the provider's processing time has passed. */
  async decide(session: DemoCheckoutSession, decision: 'approve' | 'decline' = this.options.decision): Promise<CheckedPaymentOutcome> {
    await this.processing();
    const { eventId, holdId, paymentId, amount, currency } = session;
    return decision === 'approve'
      ? { eventId, holdId, paymentId, amount, currency, outcome: 'succeeded', reason: '' }
      : { eventId, holdId, paymentId, amount, currency, outcome: 'failed', reason: DECLINED };
  }

  /** Nothing was charged, so the demo's refund is only its processing time. */
  async refund(): Promise<void> {
    await this.processing();
  }

  private async processing(): Promise<void> {
    if (this.options.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.options.delayMs));
  }

  /** The signed webhook for an outcome (exported for tests and for `sim/`); `failure`: a declined payment the provider failed rather than the card. */
  webhookFor(session: Pick<DemoCheckoutSession, 'paymentId' | 'eventId' | 'holdId' | 'amount' | 'currency'>, decision: 'approve' | 'decline', now = Date.now(), failure?: 'error' | 'timeout'): { body: string; signature: string } {
    const body: PaymentWebhookBody = {
      id: `evt_${randomBytes(12).toString('hex')}`,
      type: decision === 'approve' ? 'payment.succeeded' : 'payment.failed',
      created: Math.floor(now / 1000),
      data: {
        paymentId: session.paymentId, eventId: session.eventId, holdId: session.holdId, amount: session.amount, currency: session.currency,
        ...(decision === 'decline' ? { reason: failure === undefined ? DECLINED : `provider ${failure}` } : {}),
        ...(decision === 'decline' && failure !== undefined ? { failure } : {}),
      },
    };
    const text = JSON.stringify(body);
    return { body: text, signature: signWebhook(this.options.webhookSecret, Buffer.from(text), now) };
  }

  parseWebhook(rawBody: Uint8Array, headers: Readonly<Record<string, string>>, now: number): PaymentOutcome {
    verifyWebhookSignature(this.options.webhookSecret, headers[SIGNATURE_HEADER], rawBody, now);
    const body = parseJsonBody(rawBody) as PaymentWebhookBody;
    const data = body?.data;
    const ids = [data?.eventId, data?.holdId, data?.paymentId];
    if ((body.type !== 'payment.succeeded' && body.type !== 'payment.failed') || ids.some((id) => typeof id !== 'string' || id.length === 0)
      || !Number.isSafeInteger(data.amount) || typeof data.currency !== 'string') {
      throw new BreakwaterError('MALFORMED_COMMAND', 'the webhook body is not a payment notification', { details: { field: 'body', reason: 'type, data ids, amount and currency required' } });
    }
    return {
      notificationId: String(body.id),
      eventId: data.eventId,
      holdId: data.holdId,
      paymentId: data.paymentId,
      amount: data.amount,
      currency: data.currency,
      outcome: body.type === 'payment.succeeded' ? 'succeeded' : 'failed',
      reason: typeof data.reason === 'string' ? data.reason.slice(0, 500) : 'payment failed',
      ...(body.type === 'payment.failed' && (data.failure === 'error' || data.failure === 'timeout') ? { failure: data.failure } : {}),
      ...(Number.isSafeInteger(body.created) && body.created > 0 ? { occurredAt: body.created * 1000 } : {}),
    };
  }
}
