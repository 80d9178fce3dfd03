/**
 * The payment side's HTTP endpoints: provider webhooks (signature verified,
 * idempotent on the payment id because the engine's confirmPurchase is) and
 * the demo provider's checkout. Both answer only after the engine recorded
 * the outcome (in cluster mode: made it durable), so a 2xx never stands for
 * an approval a crash could lose; a 503 asks the provider or the fan to try
 * again, which the payment id makes safe.
 */
import { BreakwaterError, isBreakwaterError, type ErrorCode } from '../../../engine/src/index.js';
import type { CheckedPaymentOutcome, EngineLink } from '../../../engine/link/types.js';
import { json, jsonBody, type HttpRouter, type Reply, type RequestInfo, type RouteOptions } from '../http/router.js';
import type { DemoPaymentProvider } from './demo-provider.js';
import type { PaymentChannels } from './payment-channels.js';
import type { PaymentProvider } from './provider.js';

/** A provider's notification is a few hundred bytes; a checkout's decision a few dozen. */
export const WEBHOOK_BODY_BYTES = 64 * 1024;
export const CHECKOUT_BODY_BYTES = 1024;

/**
 * Engine answers that are final for this payment: the hold ended without it,
 * another payment bought or is paying it (or it never existed), or it charged
 * another amount or currency than the hold's price. The notification was
 * received, so the provider must not retry; the money must go back.
 */
const REFUND: ReadonlySet<ErrorCode> = new Set(['HOLD_EXPIRED', 'HOLD_NOT_ACTIVE', 'HOLD_NOT_FOUND', 'PAYMENT_MISMATCH', 'PAYMENT_AMOUNT_MISMATCH', 'EVENT_NOT_FOUND']);

/** Applies a verified outcome to the engine; a success only for the hold's price. */
function applyPaymentOutcome(link: EngineLink, outcome: CheckedPaymentOutcome): Promise<unknown> {
  const { eventId, holdId, paymentId, outcome: result, reason, amount, currency, failure, occurredAt, providerPaymentId } = outcome;
  const optional = {
    ...(failure === undefined ? {} : { failure }), ...(occurredAt === undefined ? {} : { occurredAt }), ...(providerPaymentId === undefined ? {} : { providerPaymentId }),
  };
  return link.execute({ op: 'paymentOutcome', outcome: { eventId, holdId, paymentId, outcome: result, reason, amount, currency, ...optional } });
}

/** `demo` undefined: this deployment has no demo checkout (a real provider is configured), and its URLs approve nothing. */
export function registerPaymentRoutes(router: HttpRouter, link: EngineLink, channels: PaymentChannels, demo: DemoPaymentProvider | undefined): void {
  const providerOf = (request: RequestInfo): PaymentProvider => {
    const provider = channels.provider(request.params[0]!);
    if (provider === undefined) throw new BreakwaterError('ROUTE_NOT_FOUND', 'no payment provider by that name', { details: { provider: request.params[0] } });
    return provider;
  };
  // A webhook for no provider, or without its signature header, is refused before its body is read: it could only fail.
  const signed: RouteOptions = {
    maxBodyBytes: WEBHOOK_BODY_BYTES,
    authorize: (request) => {
      if ((request.headers[providerOf(request).signatureHeader] ?? '') === '') {
        throw new BreakwaterError('WEBHOOK_SIGNATURE_INVALID', undefined, { details: { reason: 'missing' } });
      }
    },
  };

  router.post('/webhooks/payments/:provider', async (request): Promise<Reply> => {
    const provider = providerOf(request);
    const outcome = provider.parseWebhook(request.body, request.headers, Date.now());
    // Verified, but it settles no payment of ours: acknowledged, so the provider does not send it again.
    if (outcome === undefined) return json(200, { status: 'ignored' });
    // The demo provider signs with the deployment's webhook secret: its word counts only where the event offers it.
    if (provider === demo) channels.requireOffered(outcome.eventId, demo.name);
    return recordOutcome(link, provider, outcome, {});
  }, signed);

  const demoOf = (): DemoPaymentProvider => {
    if (demo === undefined) throw new BreakwaterError('PAYMENT_CHANNEL_NOT_OFFERED', 'this deployment has no demo checkout', { details: { eventId: null, channel: 'demo' } });
    return demo;
  };
  /** A session sealed by this deployment, for an event that (still) offers the demo channel. */
  const demoSessionOf = (request: RequestInfo) => {
    const session = demoOf().readSession(request.params[0]!);
    channels.requireOffered(session.eventId, 'demo');
    return session;
  };

  router.get('/pay/demo/:session', (request) => {
    const session = demoSessionOf(request);
    return json(200, { provider: 'demo', ...session, ...demoOf().defaults, decisions: ['approve', 'decline'] });
  });

  router.post('/pay/demo/:session', async (request): Promise<Reply> => {
    const session = demoSessionOf(request);
    const checkout = demoOf();
    const body = jsonBody(request) as { decision?: unknown };
    const decision = body.decision === undefined ? undefined : body.decision;
    if (decision !== undefined && decision !== 'approve' && decision !== 'decline') {
      throw new BreakwaterError('MALFORMED_COMMAND', 'decision must be "approve" or "decline"', { details: { field: 'decision', reason: 'approve or decline' } });
    }
    const outcome = await checkout.decide(session, decision);
    return recordOutcome(link, checkout, outcome, { paymentId: session.paymentId, decision: outcome.outcome === 'succeeded' ? 'approve' : 'decline' });
  }, { maxBodyBytes: CHECKOUT_BODY_BYTES });
}

/**
 * The engine records the outcome, then the answer says what became of the
 * hold. A success the hold refused is refunded by its provider before the
 * answer, and the refund journaled where the engine recorded it due.
 */
async function recordOutcome(
  link: EngineLink, provider: PaymentProvider, outcome: CheckedPaymentOutcome, extra: Record<string, unknown>,
): Promise<Reply> {
  try {
    const hold = await applyPaymentOutcome(link, outcome);
    return json(200, { status: outcome.outcome === 'succeeded' ? 'confirmed' : 'failed', ...extra, hold });
  } catch (err) {
    if (!isBreakwaterError(err) || !REFUND.has(err.code)) throw err; // e.g. ENGINE_UNAVAILABLE (503): retried later with the same payment id
    if (outcome.outcome === 'failed') return json(200, { status: 'refund', ...extra, refunded: false, error: err.toJSON() });
    // `refund` is 'due' where the engine recorded the refund, 'refunded' once that was done (a repeated notification); absent without a hold;
    // 'none' for money that bought the hold already (a wrong amount reported for it afterwards): nothing to give back.
    const refund = err.details?.refund;
    if (refund === 'none') throw err;
    if (refund !== 'refunded') {
      const { eventId, holdId, paymentId, amount, currency, providerPaymentId } = outcome;
      await provider.refund({ eventId, holdId, paymentId, amount, currency, ...(providerPaymentId === undefined ? {} : { providerPaymentId }) });
      if (refund === 'due') await link.execute({ op: 'command', command: { type: 'recordRefund', eventId, holdId, paymentId } });
    }
    return json(200, { status: 'refund', ...extra, refunded: true, error: err.toJSON() });
  }
}
