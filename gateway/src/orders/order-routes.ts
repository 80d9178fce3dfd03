/**
 * The organizer API's orders (docs/openapi.yaml, "Orders"): list and search,
 * CSV export, one order with its history, cancel (and refund), and revenue
 * per tier and category. The engine decides and journals the cancellation;
 * a refund goes through the payment provider's refund exactly as a refused
 * success's does (payments/payment-routes.ts): asked with the payment id as
 * its idempotency key, then reported done (`recordRefund`), so a cancel
 * sent again after a failed refund asks again and never refunds twice.
 *
 * Roles (for the API keys' role table): reading is `viewer`; cancelling is
 * `operator`.
 */
import { BreakwaterError, type OrderCancellation } from '../../../engine/src/index.js';
import type { EngineLink } from '../../../engine/link/types.js';
import { json, jsonBody, type HttpRouter, type Reply, type RequestInfo, type RouteOptions } from '../http/router.js';
import type { PaymentChannels } from '../payments/payment-channels.js';
import { ordersCsv, type OrderQuery, type OrderView } from '../../../engine/host/index.js';

/** Orders per page of the JSON list. */
const MAX_LIST_PAGE = 500;
/** Orders per page of the CSV export: a page stays well under NATS's 1 MB message limit in cluster mode. */
export const MAX_EXPORT_PAGE = 2_000;
const MAX_QUERY_LENGTH = 200;
const MAX_REASON_LENGTH = 500;
const STATUSES: ReadonlyArray<OrderQuery['status']> = ['all', 'purchased', 'cancelled'];

function malformed(field: string, reason: string): BreakwaterError {
  return new BreakwaterError('MALFORMED_COMMAND', `${field} ${reason}`, { details: { field, reason } });
}

function whole(request: RequestInfo, name: string, fallback: number, max: number): number {
  const raw = request.query.get(name);
  if (raw === null) return fallback;
  if (!/^[0-9]{1,9}$/.test(raw) || Number(raw) > max) throw malformed(name, `must be a whole number up to ${max}`);
  return Number(raw);
}

function queryOf(request: RequestInfo): OrderQuery {
  const q = request.query.get('q') ?? '';
  if (q.length > MAX_QUERY_LENGTH) throw malformed('q', `must be at most ${MAX_QUERY_LENGTH} characters`);
  const status = (request.query.get('status') ?? 'all') as OrderQuery['status'];
  if (!STATUSES.includes(status)) throw malformed('status', 'must be all, purchased or cancelled');
  return { q, status };
}

export function registerOrderRoutes(router: HttpRouter, link: EngineLink, channels: PaymentChannels, organizer: RouteOptions): void {
  // viewer: `?q=` a fan id, hold id, payment id or seat id (exact); `?status=`; `?format=csv` pages of MAX_EXPORT_PAGE rows.
  router.get('/api/events/:id/orders', async (request): Promise<Reply> => {
    const eventId = request.params[0]!;
    const format = request.query.get('format') ?? 'json';
    if (format !== 'json' && format !== 'csv') throw malformed('format', 'must be json or csv');
    const csv = format === 'csv';
    const offset = whole(request, 'offset', 0, 1_000_000_000);
    const limit = whole(request, 'limit', csv ? MAX_EXPORT_PAGE : 50, csv ? MAX_EXPORT_PAGE : MAX_LIST_PAGE);
    const page = await link.execute({ op: 'orders', eventId, offset, limit, ...queryOf(request) });
    if (!csv) return json(200, page);
    return {
      status: 200,
      // Later pages without the header, so pages concatenate into one file.
      text: ordersCsv(page.orders, offset === 0),
      contentType: 'text/csv; charset=utf-8',
      headers: { 'x-orders-total': String(page.total), 'content-disposition': `attachment; filename="${eventId}-orders.csv"` },
    };
  }, organizer);

  // viewer
  router.get('/api/events/:id/orders/:holdId', async (request) => {
    return json(200, await link.execute({ op: 'order', eventId: request.params[0]!, holdId: request.params[1]! }));
  }, organizer);

  // operator: `{ refund: boolean, reason?: string }`.
  router.post('/api/events/:id/orders/:holdId/cancel', async (request) => {
    const eventId = request.params[0]!;
    const holdId = request.params[1]!;
    const body = jsonBody(request);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw malformed('body', 'must be a JSON object { refund, reason }');
    const { refund, reason = '' } = body as Record<string, unknown>;
    if (typeof refund !== 'boolean') throw malformed('refund', 'must be true or false');
    if (typeof reason !== 'string' || reason.length > MAX_REASON_LENGTH) throw malformed('reason', `must be a string of at most ${MAX_REASON_LENGTH} characters`);
    const cancelled = await link.execute({ op: 'command', command: { type: 'cancelOrder', eventId, holdId, refund, reason } }) as OrderCancellation;
    const { order } = await link.execute({ op: 'order', eventId, holdId });
    if (cancelled.refund === 'due' && order.paidThrough === 'fan') await refundThroughProvider(link, channels, order, eventId);
    return json(200, { order: (await link.execute({ op: 'order', eventId, holdId })).order });
  }, { ...organizer, maxBodyBytes: 4 * 1024 });

  // viewer
  router.get('/api/events/:id/revenue', async (request) => json(200, await link.execute({ op: 'revenue', eventId: request.params[0]! })), organizer);
}

/**
 * The channel that took the payment gives the money back; then the engine
 * records it done. An order the organizer's own checkout confirmed
 * (`paidThrough: organizer`) is refunded by that checkout: it stays
 * `refund: due` here.
 */
async function refundThroughProvider(link: EngineLink, channels: PaymentChannels, order: OrderView, eventId: string): Promise<void> {
  const { holdId, paymentId, amount, currency, providerPaymentId } = order;
  let provider;
  try {
    // A payment started before channels were journaled names none: the event's first usable one took it, as it did then.
    provider = order.channel === null ? channels.provider(channels.usable(eventId)[0]!)! : channels.provider(order.channel);
  } catch (err) {
    throw new BreakwaterError('REFUND_FAILED', 'the order is cancelled, but the event offers no payment channel to refund it through: it stays due', { details: { provider: null, holdId, paymentId }, cause: err });
  }
  if (provider === undefined) {
    throw new BreakwaterError('REFUND_FAILED', 'the order is cancelled, but this deployment no longer has the payment channel that took it: it stays due', { details: { provider: order.channel, holdId, paymentId } });
  }
  try {
    await provider.refund({ eventId, holdId, paymentId, amount, currency, ...(providerPaymentId === null ? {} : { providerPaymentId }) });
  } catch (err) {
    throw new BreakwaterError('REFUND_FAILED', undefined, { details: { provider: provider.name, holdId, paymentId }, cause: err });
  }
  await link.execute({ op: 'command', command: { type: 'recordRefund', eventId, holdId, paymentId } });
}
