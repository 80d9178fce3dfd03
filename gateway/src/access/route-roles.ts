/**
 * The one table of what each organizer route needs: the least role, which
 * events the key must cover, and whether the audit log records it. Every
 * organizer route the gateway serves is in it (gateway/test/access-roles.test.ts
 * checks both ways); a route missing from it needs an admin key for every
 * event, so a new route is closed until it is given its rule here.
 *
 * `events`: `event`, the route names one event (its first path parameter) and
 * the key must cover it; `every`, the key must cover every event (keys, the
 * audit of the deployment, creating events); `own`, any key, answered with
 * what its events cover (the event list, the audit log, "who am I").
 * `audit`: every request that may change something is recorded, and the reads
 * that export data in bulk (the journal, codes); a refusal for role or scope
 * (FORBIDDEN) is recorded whatever the route.
 */
import type { Role } from './roles.js';

export type EventScope = 'event' | 'every' | 'own';

export interface RouteRule {
  role: Role;
  events: EventScope;
  audit: boolean;
}

const read = (events: EventScope = 'event', audit = false): RouteRule => ({ role: 'viewer', events, audit });
const operate = (events: EventScope = 'event'): RouteRule => ({ role: 'operator', events, audit: true });
const administer = (events: EventScope = 'event'): RouteRule => ({ role: 'admin', events, audit: true });

/** `METHOD /pattern` → its rule; the patterns are the router's (`:id` is the event id). */
export const ORGANIZER_ROUTES: Readonly<Record<string, RouteRule>> = {
  'GET /api/events': read('own'),
  'POST /api/events': administer('every'),
  'GET /api/events/:id': read(),
  'PATCH /api/events/:id': operate(),
  'GET /api/events/:id/status': read(),
  'GET /api/events/:id/journal': read('event', true),
  'POST /api/events/:id/draws/:draw/beacon': operate(),
  'POST /api/events/:id/publish': administer(),
  'POST /api/events/:id/pause': operate(),
  'POST /api/events/:id/resume': operate(),
  'POST /api/events/:id/close': administer(),
  'POST /api/events/:id/codes/generate': operate(),
  'POST /api/events/:id/codes': operate(),
  'GET /api/events/:id/codes': read(),
  'GET /api/events/:id/codes/export': read('event', true),
  'GET /api/events/:id/registration': read(),
  'PUT /api/events/:id/registration': operate(),
  'POST /api/events/:id/registration/close': operate(),
  'POST /api/events/:id/registration/invite-next': operate(),
  'POST /api/events/:id/payments/confirm': operate(),
  'POST /api/events/:id/payments/fail': operate(),
  'POST /api/events/:id/payments/refunded': operate(),
  'GET /api/events/:id/payments': read(),
  // An order list or its CSV is a bulk read of fans' data: audited.
  'GET /api/events/:id/orders': read('event', true),
  'GET /api/events/:id/orders/:holdId': read(),
  'GET /api/events/:id/revenue': read(),
  // Money goes back: as final as publish and close.
  'POST /api/events/:id/orders/:holdId/cancel': administer(),
  'POST /api/events/:id/announcement': operate(),
  'PUT /api/events/:id/logo': operate(),
  'GET /api/keys': { role: 'admin', events: 'every', audit: false },
  'POST /api/keys': administer('every'),
  'DELETE /api/keys/:keyId': administer('every'),
  'GET /api/keys/current': read('own'),
  'GET /api/audit': { role: 'admin', events: 'own', audit: false },
  // Changes nothing: the dashboard's ticket (dashboard-ticket.ts), asked again at every reconnect.
  'POST /api/dashboard/ticket': read('every'),
};

/** Closed by default: a route without a rule needs an admin key for every event, and is audited. */
const UNLISTED: RouteRule = { role: 'admin', events: 'every', audit: true };

/** The router's method names (`del`, `get`) and the request's (`delete`, `get`) as the table writes them. */
export function routeName(method: string, pattern: string): string {
  const upper = method.toUpperCase();
  return `${upper === 'DEL' ? 'DELETE' : upper} ${pattern}`;
}

export function ruleOf(method: string, pattern: string): RouteRule {
  return ORGANIZER_ROUTES[routeName(method, pattern)] ?? UNLISTED;
}
