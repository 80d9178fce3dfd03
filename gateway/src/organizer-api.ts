/**
 * The organizer API: HTTP JSON under /api/events, `Authorization: Bearer <key>`
 * of a role that allows the route (access/route-roles.ts). Errors are the
 * registry's {code, message, details} with the code's HTTP status.
 * docs/openapi.yaml describes every endpoint.
 */
import { BreakwaterError } from '../../engine/src/index.js';
import { covers } from './access/roles.js';
import type { OrganizerAccess } from './access/organizer-access.js';
import type { EventCatalog } from './event-catalog.js';
import { applySettingsPatch, reconciliationCsv } from '../../engine/host/index.js';
import type { EngineLink } from '../../engine/link/types.js';
import { json, jsonBody, type HttpRouter, type RequestInfo, type RouteOptions } from './http/router.js';
import { registerCodeRoutes } from './organizer-codes.js';
import { registerRegistrationRoutes } from './organizer-registration.js';

type Body = Record<string, unknown>;

function objectBody(request: RequestInfo): Body {
  const body = jsonBody(request);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new BreakwaterError('MALFORMED_COMMAND', 'the body must be a JSON object', { details: { field: 'body', reason: 'must be an object' } });
  }
  return body as Body;
}

function requireString(body: Body, field: string, max = 500): string {
  const value = body[field];
  if (typeof value !== 'string' || value.length === 0 || value.length > max) {
    throw new BreakwaterError('MALFORMED_COMMAND', `${field} must be a non-empty string`, { details: { field, reason: 'must be a non-empty string' } });
  }
  return value;
}

const LIFECYCLE_ACTIONS = ['publish', 'pause', 'resume', 'close'] as const;

/**
 * `maxBodyBytes`: the largest body an organizer may send (an event with its
 * seat map, an upload of access codes). The key and its role are checked
 * before any of it is read, so only an organizer can make the gateway hold that much.
 */
export function registerOrganizerApi(router: HttpRouter, link: EngineLink, catalog: EventCatalog, access: OrganizerAccess, maxBodyBytes: number): RouteOptions {
  const organizer: RouteOptions = access.routeOptions(maxBodyBytes);
  const eventDetails = (eventId: string) => link.execute({ op: 'getEvent', eventId });

  // A key limited to some events lists only those.
  router.get('/api/events', async (request) => {
    const caller = access.callerOf(request);
    const events = await link.execute({ op: 'listEvents' });
    return json(200, { events: events.filter((event) => covers(caller, event.config.id)) });
  }, organizer);

  router.post('/api/events', async (request) => {
    const body = objectBody(request);
    if (body.config === undefined) throw new BreakwaterError('MALFORMED_COMMAND', 'config is required', { details: { field: 'config', reason: 'is required' } });
    if (body.publish !== undefined && typeof body.publish !== 'boolean') {
      throw new BreakwaterError('MALFORMED_COMMAND', 'publish must be true or false', { details: { field: 'publish', reason: 'must be a boolean' } });
    }
    const details = await link.execute({ op: 'createEvent', config: body.config, publish: body.publish === true, settings: body.settings ?? {} });
    return json(201, details);
  }, organizer);

  router.get('/api/events/:id', async (request) => json(200, await eventDetails(request.params[0]!)), organizer);

  router.get('/api/events/:id/status', async (request) => {
    const { status, queue } = await eventDetails(request.params[0]!);
    return json(200, { ...status, rateLow: queue.rateLow, rateHigh: queue.rateHigh, ticketsPerFan: queue.ticketsPerFan });
  }, organizer);

  // The event's journal, for verifying a run (e.g. `npm run sim -- --live` runs the engine's invariant checks over it).
  router.get('/api/events/:id/journal', async (request) => json(200, { entries: await link.execute({ op: 'journal', eventId: request.params[0]! }) }), organizer);

  // The value of the beacon the event named for a draw, once its source published it (docs/fairness.md).
  router.post('/api/events/:id/draws/:draw/beacon', async (request) => {
    const eventId = request.params[0]!;
    const draw = request.params[1]!;
    const value = requireString(objectBody(request), 'value', 128);
    await link.execute({ op: 'command', command: { type: 'supplyBeacon', eventId, draw, value } });
    return json(200, (await eventDetails(eventId)).status.draws.find((d) => d.draw === draw));
  }, organizer);

  // Retunes a live sale: `config` is a patch of the engine configuration (e.g. admission rate), `settings` of the gateway settings.
  router.patch('/api/events/:id', async (request) => {
    const eventId = request.params[0]!;
    const body = objectBody(request);
    for (const key of Object.keys(body)) {
      if (key !== 'config' && key !== 'settings') throw new BreakwaterError('MALFORMED_COMMAND', `${key} is not a known field`, { details: { field: key, reason: 'is not a known field' } });
    }
    // Settings are checked before the configuration changes, so a bad request changes nothing.
    if (body.settings !== undefined) applySettingsPatch(catalog.settingsOf(eventId), body.settings);
    if (body.config !== undefined) await link.execute({ op: 'command', command: { type: 'updateEvent', eventId, patch: body.config } });
    if (body.settings !== undefined) await link.execute({ op: 'updateSettings', eventId, patch: body.settings });
    return json(200, await eventDetails(eventId));
  }, organizer);

  for (const action of LIFECYCLE_ACTIONS) {
    router.post(`/api/events/:id/${action}`, async (request) => {
      const eventId = request.params[0]!;
      await link.execute({ op: 'command', command: { type: action, eventId } });
      return json(200, await eventDetails(eventId));
    }, organizer);
  }

  registerCodeRoutes(router, link, organizer);
  registerRegistrationRoutes(router, link, organizer);

  // The organizer's own checkout backend confirms or fails payments here (instead of a provider webhook).
  router.post('/api/events/:id/payments/confirm', async (request) => {
    const body = objectBody(request);
    // The organizer's backend charged what it charged: unlike a provider's word, it is trusted with the API key.
    const hold = await link.execute({ op: 'command', command: {
      type: 'confirmPurchase', eventId: request.params[0]!, holdId: requireString(body, 'holdId', 128), paymentId: requireString(body, 'paymentId', 128),
    } });
    return json(200, { hold });
  }, organizer);

  // The organizer's checkout backend gave back a success the hold refused (`refundDue`): journaled, so reconciliation shows it `refunded`.
  router.post('/api/events/:id/payments/refunded', async (request) => {
    const body = objectBody(request);
    const holdId = requireString(body, 'holdId', 128);
    const paymentId = requireString(body, 'paymentId', 128);
    const refund = await link.execute({ op: 'command', command: { type: 'recordRefund', eventId: request.params[0]!, holdId, paymentId } }) as { state: string; reason: string };
    return json(200, { holdId, paymentId, refund: refund.state, reason: refund.reason });
  }, organizer);

  // Every payment attempt reconciled to what became of it; `?format=csv` for one row per attempt.
  router.get('/api/events/:id/payments', async (request) => {
    const format = request.query.get('format') ?? 'json';
    if (format !== 'json' && format !== 'csv') throw new BreakwaterError('MALFORMED_COMMAND', 'format must be json or csv', { details: { field: 'format', reason: 'json or csv' } });
    const reconciliation = await link.execute({ op: 'payments', eventId: request.params[0]! });
    if (format === 'json') return json(200, reconciliation);
    return {
      status: 200,
      text: reconciliationCsv(reconciliation),
      contentType: 'text/csv; charset=utf-8',
      headers: { 'content-disposition': `attachment; filename="${reconciliation.eventId}-payments.csv"` },
    };
  }, organizer);

  router.post('/api/events/:id/payments/fail', async (request) => {
    const body = objectBody(request);
    const reason = body.reason === undefined ? 'payment failed' : requireString(body, 'reason');
    const hold = await link.execute({ op: 'command', command: {
      type: 'failPayment', eventId: request.params[0]!, holdId: requireString(body, 'holdId', 128), paymentId: requireString(body, 'paymentId', 128), reason,
    } });
    return json(200, { hold });
  }, organizer);
  // The organizer's authorization, for the route groups registered beside this one (orders, the event page).
  return organizer;
}
