/**
 * The organizer API's keys, audit log and dashboard tickets (docs/openapi.yaml):
 *   GET    /api/keys               every key (never a secret or a hash), and the bootstrap key's description
 *   POST   /api/keys               a new key { name, role, events? }: its text is in this answer and nowhere else, ever
 *   DELETE /api/keys/{keyId}       revokes it, on every gateway within a second
 *   GET    /api/keys/current       who the request's key is
 *   GET    /api/audit              the audit log, newest first, filtered and paged
 *   POST   /api/dashboard/ticket   a ticket to open /dashboard/ws with (a minute)
 * route-roles.ts says who may call each.
 */
import { BreakwaterError } from '../../../engine/src/index.js';
import { json, jsonBody, type HttpRouter } from '../http/router.js';
import { BOOTSTRAP_CALLER, BOOTSTRAP_KEY_ID, parseNewKey, viewOf } from './api-keys.js';
import { parseAuditQuery } from './audit.js';
import type { OrganizerAccess } from './organizer-access.js';

export function registerAccessRoutes(router: HttpRouter, access: OrganizerAccess, maxBodyBytes: number): void {
  const options = access.routeOptions(maxBodyBytes);

  router.get('/api/keys', async () => {
    const keys = (await access.keyList()).sort((a, b) => b.createdAt - a.createdAt).map(viewOf);
    return json(200, { bootstrap: { id: BOOTSTRAP_KEY_ID, name: BOOTSTRAP_CALLER.name, role: BOOTSTRAP_CALLER.role, events: null }, keys });
  }, options);

  router.post('/api/keys', async (request) => {
    const wanted = parseNewKey(jsonBody(request));
    const { record, key } = await access.createKey(access.callerOf(request), wanted);
    access.note(request, `created key ${record.id}`);
    return json(201, { key: viewOf(record), secret: key });
  }, options);

  router.route('del', '/api/keys/:keyId', async (request) => {
    const keyId = request.params[0]!;
    if (keyId === BOOTSTRAP_KEY_ID) {
      throw new BreakwaterError('KEY_NOT_REVOCABLE', 'the bootstrap key is configuration: set another BREAKWATER_API_KEY (or remove it from secrets.json) and restart', {
        details: { keyId },
      });
    }
    const record = await access.revokeKey(access.callerOf(request), keyId);
    if (record === undefined) throw new BreakwaterError('KEY_NOT_FOUND', undefined, { details: { keyId } });
    return json(200, { key: viewOf(record) });
  }, options);

  router.get('/api/keys/current', (request) => json(200, access.callerOf(request)), options);

  router.get('/api/audit', async (request) => {
    const query = parseAuditQuery(request.query);
    const { events } = access.callerOf(request);
    return json(200, await access.audit(events === null ? query : { ...query, events }));
  }, options);

  router.post('/api/dashboard/ticket', (request) => json(201, access.issueTicket(access.callerOf(request))), options);
}
