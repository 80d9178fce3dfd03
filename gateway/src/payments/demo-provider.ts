/**
 * The built-in demo payment provider, so the whole flow works end to end with
 * no account anywhere. It behaves like an external provider:
 *
 * 1. `createCheckout` returns a checkout URL (`/pay/demo/<session>`); the
 *    session is sealed with the gateway secret, so it needs no storage and
 *    any worker can serve it, and a fan cannot forge one for another hold.
 * 2. The fan's page GETs the session (what is being paid) and POSTs a
 *    decision (approve / decline) to it.
 * 3. After the configured delay the provider sends its webhook, signed with
 *    the webhook secret, over HTTP to the gateway's webhook endpoint — the
 *    same path a real provider's notification takes.
 */
import { randomBytes } from 'node:crypto';
import { BreakwaterError } from '../../../engine/src/index.js';
import { parseJsonBody } from '../http/json-body.js';
import type { Signer } from '../tokens.js';
import type { Checkout, CheckoutRequest, PaymentOutcome, PaymentProvider } from './provider.js';
import { SIGNATURE_HEADER, signWebhook, verifyWebhookSignature } from './webhook-signature.js';

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
  data: { paymentId: string; eventId: string; holdId: string; amount: number; currency: string; reason?: string };
}

export interface DemoProviderOptions {
  signer: Signer;
  webhookSecret: string;
  /** Where this provider delivers its webhooks (the gateway's own endpoint). */
  webhookUrl: () => string;
  decision: 'approve' | 'decline';
  delayMs: number;
  log?: (message: string) => void;
}

const SESSION_TTL_MS = 30 * 60_000;
const DELIVERY_ATTEMPTS = 4;

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

  /** The fan decided at the checkout: the webhook follows after the delay. Returns when it will be sent. */
  complete(session: DemoCheckoutSession, decision: 'approve' | 'decline' = this.options.decision): { decision: 'approve' | 'decline'; delayMs: number } {
    const delayMs = this.options.delayMs;
    setTimeout(() => void this.deliver(session, decision), delayMs).unref();
    return { decision, delayMs };
  }

  /** The signed webhook for an outcome (exported for tests and for `sim/`). */
  webhookFor(session: Pick<DemoCheckoutSession, 'paymentId' | 'eventId' | 'holdId' | 'amount' | 'currency'>, decision: 'approve' | 'decline', now = Date.now()): { body: string; signature: string } {
    const body: PaymentWebhookBody = {
      id: `evt_${randomBytes(12).toString('hex')}`,
      type: decision === 'approve' ? 'payment.succeeded' : 'payment.failed',
      created: Math.floor(now / 1000),
      data: {
        paymentId: session.paymentId, eventId: session.eventId, holdId: session.holdId, amount: session.amount, currency: session.currency,
        ...(decision === 'decline' ? { reason: 'card declined (demo)' } : {}),
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
    if ((body.type !== 'payment.succeeded' && body.type !== 'payment.failed') || ids.some((id) => typeof id !== 'string' || id.length === 0)) {
      throw new BreakwaterError('MALFORMED_COMMAND', 'the webhook body is not a payment notification', { details: { field: 'body', reason: 'type and data ids required' } });
    }
    return {
      notificationId: String(body.id),
      eventId: data.eventId,
      holdId: data.holdId,
      paymentId: data.paymentId,
      outcome: body.type === 'payment.succeeded' ? 'succeeded' : 'failed',
      reason: typeof data.reason === 'string' ? data.reason.slice(0, 500) : 'payment failed',
    };
  }

  /** Sends the webhook like a provider would: retried with backoff until it is acknowledged. */
  private async deliver(session: DemoCheckoutSession, decision: 'approve' | 'decline'): Promise<void> {
    for (let attempt = 1; attempt <= DELIVERY_ATTEMPTS; attempt++) {
      const { body, signature } = this.webhookFor(session, decision);
      try {
        const response = await fetch(this.options.webhookUrl(), {
          method: 'POST',
          headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signature },
          body,
          signal: AbortSignal.timeout(5000),
        });
        if (response.status < 500) return;
      } catch (err) {
        if (attempt === DELIVERY_ATTEMPTS) this.options.log?.(`demo provider: webhook for ${session.paymentId} not delivered: ${String(err)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** attempt).unref());
    }
  }
}
