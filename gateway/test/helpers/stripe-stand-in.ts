/**
 * A local stand-in for api.stripe.com, for tests without the network: it
 * answers the two calls the Stripe channel makes (create a Checkout Session,
 * create a Refund) the way Stripe does where it matters here — idempotency
 * keys replay the first answer and refuse other parameters, a PaymentIntent
 * is refunded once — and records every request as sent. It also makes the
 * webhooks Stripe would send, signed with the package's own test helper.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  /** The form-encoded body, keys as sent (`metadata[eventId]`, `line_items[0][price_data][currency]`). */
  params: Record<string, string>;
}

export interface StandInSession {
  id: string;
  object: 'checkout.session';
  url: string;
  amount_total: number;
  currency: string;
  metadata: Record<string, string>;
  payment_intent: string | null;
  payment_status: 'paid' | 'unpaid';
  status: 'open' | 'complete' | 'expired';
}

export const STAND_IN_SECRET_KEY = 'sk_test_stand_in_0123456789';
export const STAND_IN_WEBHOOK_SECRET = 'whsec_stand_in_0123456789abcdef';

export class StripeStandIn {
  readonly requests: RecordedRequest[] = [];
  /** Sessions created, by id: one per idempotency key. */
  readonly sessions = new Map<string, StandInSession>();
  /** Refunds made, by PaymentIntent. */
  readonly refunds = new Map<string, { id: string; amount: number }>();
  private readonly replies = new Map<string, { params: string; status: number; body: unknown }>();
  private holdNext: { arrived: () => void; released: Promise<void> } | undefined;
  private failNext = false;

  private constructor(private readonly server: Server, readonly url: string) {}

  static async start(): Promise<StripeStandIn> {
    let standIn: StripeStandIn | undefined;
    const server = createServer((request, response) => void standIn!.serve(request, response));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    standIn = new StripeStandIn(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return standIn;
  }

  /**
   * The next checkout request is received (and its session made, as Stripe
   * would) but its answer waits until `release` is called: a reply lost with
   * the gateway that asked. `arrived` resolves when the request came in.
   */
  holdNextCheckout(): { arrived: Promise<void>; release: () => void } {
    let arrived!: () => void;
    let release!: () => void;
    const arrivedPromise = new Promise<void>((resolve) => (arrived = resolve));
    this.holdNext = { arrived, released: new Promise<void>((resolve) => (release = resolve)) };
    return { arrived: arrivedPromise, release };
  }

  /** The next checkout request fails as a Stripe outage does (500 api_error), and the package is told not to retry it. */
  failNextCheckout(): void {
    this.failNext = true;
  }

  checkoutRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.path === '/v1/checkout/sessions');
  }

  refundRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.path === '/v1/refunds');
  }

  /** The session opened for one of our payment ids. */
  sessionFor(paymentId: string): StandInSession {
    const session = [...this.sessions.values()].find((s) => s.metadata.paymentId === paymentId);
    if (session === undefined) throw new Error(`no checkout session for ${paymentId}`);
    return session;
  }

  /** The fan pays on Stripe's page: the session completes, paid, with a PaymentIntent. */
  pay(session: StandInSession): StandInSession {
    session.payment_intent ??= `pi_${session.id.slice(3)}`;
    session.payment_status = 'paid';
    session.status = 'complete';
    return session;
  }

  /** A Stripe event as its webhook carries it, and its `stripe-signature` header (made `ageS` seconds ago). */
  webhook(type: string, object: object, options: { secret?: string; ageS?: number } = {}): { body: string; headers: Record<string, string> } {
    const created = Math.floor(Date.now() / 1000) - (options.ageS ?? 0);
    const body = JSON.stringify({ id: `evt_${Math.random().toString(36).slice(2)}`, object: 'event', api_version: '2026-11-18.endive', created, type, data: { object } });
    const signature = Stripe.webhooks.generateTestHeaderString({ payload: body, secret: options.secret ?? STAND_IN_WEBHOOK_SECRET, timestamp: created });
    return { body, headers: { 'content-type': 'application/json', 'stripe-signature': signature } };
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private async serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString();
    const recorded: RecordedRequest = { method: request.method ?? '', path: request.url ?? '', headers: request.headers, params: Object.fromEntries(new URLSearchParams(raw)) };
    this.requests.push(recorded);
    if (request.headers.authorization !== `Bearer ${STAND_IN_SECRET_KEY}`) return send(response, 401, apiError('invalid_request_error', 'Invalid API Key provided'));
    if (recorded.path === '/v1/checkout/sessions' && this.failNext) {
      this.failNext = false;
      return send(response, 500, apiError('api_error', 'An unknown error occurred'), { 'stripe-should-retry': 'false' });
    }
    const key = request.headers['idempotency-key'];
    const replay = typeof key === 'string' ? this.replies.get(`${recorded.path}\u0000${key}`) : undefined;
    let answer: { status: number; body: unknown };
    if (replay !== undefined) {
      answer = replay.params === raw ? replay : { status: 400, body: apiError('idempotency_error', 'Keys for idempotent requests can only be used with the same parameters they were first used with.') };
    } else {
      answer = this.answer(recorded);
      if (typeof key === 'string' && answer.status < 500) this.replies.set(`${recorded.path}\u0000${key}`, { params: raw, ...answer });
    }
    if (recorded.path === '/v1/checkout/sessions' && this.holdNext !== undefined) {
      const held = this.holdNext;
      this.holdNext = undefined;
      held.arrived();
      await held.released;
    }
    send(response, answer.status, answer.body);
  }

  private answer(request: RecordedRequest): { status: number; body: unknown } {
    const p = request.params;
    if (request.method === 'POST' && request.path === '/v1/checkout/sessions') {
      const id = `cs_test_${this.sessions.size + 1}`;
      const metadata = Object.fromEntries(Object.entries(p).filter(([k]) => k.startsWith('metadata[')).map(([k, v]) => [k.slice('metadata['.length, -1), v]));
      const session: StandInSession = {
        id, object: 'checkout.session', url: `https://checkout.stripe.test/c/pay/${id}`,
        amount_total: Number(p['line_items[0][price_data][unit_amount]']) * Number(p['line_items[0][quantity]']),
        currency: p['line_items[0][price_data][currency]'] ?? '', metadata, payment_intent: null, payment_status: 'unpaid', status: 'open',
      };
      this.sessions.set(id, session);
      return { status: 200, body: session };
    }
    if (request.method === 'POST' && request.path === '/v1/refunds') {
      const intent = p.payment_intent ?? '';
      if (this.refunds.has(intent)) return { status: 400, body: apiError('invalid_request_error', `Charge for ${intent} has already been refunded.`, 'charge_already_refunded') };
      const refund = { id: `re_${this.refunds.size + 1}`, amount: Number(p.amount) };
      this.refunds.set(intent, refund);
      return { status: 200, body: { ...refund, object: 'refund', payment_intent: intent, status: 'succeeded' } };
    }
    return { status: 404, body: apiError('invalid_request_error', `Unrecognized request URL (${request.method}: ${request.path})`) };
  }
}

function apiError(type: string, message: string, code?: string): unknown {
  return { error: { type, message, ...(code === undefined ? {} : { code }) } };
}

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_${Math.random().toString(36).slice(2)}`, ...headers });
  response.end(JSON.stringify(body));
}
