/**
 * Roles and event scopes on the organizer API (gateway/src/access/): the one
 * table of what each route needs matches the routes served, a key below a
 * route's role or outside its events is refused with FORBIDDEN before
 * anything is read or changed, keys are created (secret shown once) and
 * revoked through the API by admins only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORGANIZER_ROUTES, routeName } from '../src/access/route-roles.js';
import { ROLES, roleAllows, type Role } from '../src/access/roles.js';
import { API_KEY, startTestGateway, type TestGateway } from './helpers/test-gateway.js';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(async () => {
  await gw.close();
});

async function newKey(role: Role, events: string[] | null = null, name = `${role} key`): Promise<{ id: string; secret: string }> {
  const created = await gw.api('POST', '/api/keys', { name, role, events });
  expect(created.status).toBe(201);
  return { id: created.body.key.id, secret: created.body.secret };
}

/** Every organizer route: under /api/, not the public API. */
const organizerRoutes = () => gw.server.routes.filter((r) => r.pattern.startsWith('/api/') && !r.pattern.startsWith('/api/public/')).map((r) => routeName(r.method, r.pattern));

describe('the table of roles', () => {
  it('names every organizer route the gateway serves, and nothing else', () => {
    const served = organizerRoutes();
    expect(served.length).toBeGreaterThan(20);
    expect(Object.keys(ORGANIZER_ROUTES).sort()).toEqual([...new Set(served)].sort());
  });

  it('refuses every organizer route without a key', async () => {
    for (const route of Object.keys(ORGANIZER_ROUTES)) {
      const [method, pattern] = route.split(' ') as [string, string];
      const path = pattern.replace(':id', 'any-event').replace(':draw', 'preQueue').replace(':keyId', 'abc');
      const response = await fetch(`${gw.httpUrl}${path}`, { method });
      expect(response.status, route).toBe(401);
      expect(await response.json(), route).toMatchObject({ code: 'UNAUTHORIZED' });
    }
  });

  it('refuses each route to every role below its own with FORBIDDEN naming the role needed, and changes nothing', async () => {
    const eventId = await gw.createEvent();
    const keys = { viewer: await newKey('viewer'), operator: await newKey('operator') } as const;
    const journalBefore = (await gw.api('GET', `/api/events/${eventId}/journal`)).body.entries.length;
    const keysBefore = (await gw.api('GET', '/api/keys')).body.keys.length;
    let refusals = 0;
    for (const [route, rule] of Object.entries(ORGANIZER_ROUTES)) {
      const [method, pattern] = route.split(' ') as [string, string];
      const path = pattern.replace(':id', eventId).replace(':draw', 'preQueue').replace(':keyId', keys.viewer.id);
      for (const role of ['viewer', 'operator'] as const) {
        if (roleAllows(role, rule.role)) continue;
        const body = method === 'GET' || method === 'DELETE' ? undefined : {};
        const response = await gw.api(method, path, body, keys[role].secret);
        expect(response, `${route} as ${role}`).toMatchObject({
          status: 403, body: { code: 'FORBIDDEN', details: { reason: 'role', required: rule.role, role, route } },
        });
        expect(response.body.message).toContain(`needs the ${rule.role} role`);
        refusals++;
      }
    }
    // Both lower roles meet every admin route, the viewer every operator route.
    expect(refusals).toBeGreaterThan(20);
    expect((await gw.api('GET', `/api/events/${eventId}/journal`)).body.entries.length).toBe(journalBefore);
    expect((await gw.api('GET', '/api/keys')).body.keys.length).toBe(keysBefore);
    expect((await gw.api('GET', `/api/events/${eventId}`, undefined, keys.viewer.secret)).status).toBe(200);
  });
});

describe('roles on a live sale', () => {
  it('a viewer reads but cannot pause; an operator pauses and resumes but cannot close; an admin closes', async () => {
    const eventId = await gw.createEvent({ onSaleAt: gw.clock.now() });
    await gw.advance(1000);
    const viewer = await newKey('viewer');
    const operator = await newKey('operator');
    expect((await gw.api('GET', `/api/events/${eventId}/status`, undefined, viewer.secret)).body.phase).toBe('onSale');

    const refused = await gw.api('POST', `/api/events/${eventId}/pause`, undefined, viewer.secret);
    expect(refused).toMatchObject({ status: 403, body: { code: 'FORBIDDEN', details: { required: 'operator', role: 'viewer' } } });
    expect((await gw.api('GET', `/api/events/${eventId}`)).body.status.phase).toBe('onSale');

    expect((await gw.api('POST', `/api/events/${eventId}/pause`, undefined, operator.secret)).body.status.phase).toBe('paused');
    expect((await gw.api('PATCH', `/api/events/${eventId}`, { config: { admission: { mode: 'rate', fansPerMinute: 60 } } }, operator.secret)).status).toBe(200);
    expect((await gw.api('POST', `/api/events/${eventId}/resume`, undefined, operator.secret)).body.status.phase).toBe('onSale');
    expect(await gw.api('POST', `/api/events/${eventId}/close`, undefined, operator.secret)).toMatchObject({ status: 403, body: { details: { required: 'admin' } } });
    expect((await gw.api('POST', `/api/events/${eventId}/close`)).body.status.phase).toBe('closed');
  });
});

describe('keys limited to some events', () => {
  it('act on their events only, list only them, and cannot reach the routes about every event', async () => {
    const [mine, other] = [await gw.createEvent({ onSaleAt: gw.clock.now() }), await gw.createEvent({ onSaleAt: gw.clock.now() })];
    await gw.advance(1000);
    const operator = await newKey('operator', [mine]);
    const admin = await newKey('admin', [mine]);

    expect((await gw.api('POST', `/api/events/${mine}/pause`, undefined, operator.secret)).status).toBe(200);
    const outside = await gw.api('POST', `/api/events/${other}/pause`, undefined, operator.secret);
    expect(outside).toMatchObject({ status: 403, body: { code: 'FORBIDDEN', details: { reason: 'event', eventId: other, events: [mine] } } });
    expect((await gw.api('GET', `/api/events/${other}`)).body.status.phase).toBe('onSale');
    expect((await gw.api('GET', `/api/events/${other}`, undefined, operator.secret)).status).toBe(403);

    const listed = (await gw.api('GET', '/api/events', undefined, operator.secret)).body.events.map((e: { config: { id: string } }) => e.config.id);
    expect(listed).toEqual([mine]);
    expect((await gw.api('GET', '/api/events')).body.events.length).toBeGreaterThan(1);

    // An admin of one event makes no keys and no events: a key for every event could come out of it.
    for (const [method, path, body] of [['POST', '/api/keys', { name: 'x', role: 'admin' }], ['GET', '/api/keys'], ['POST', '/api/events', { config: {} }]] as const) {
      expect(await gw.api(method, path, body, admin.secret), `${method} ${path}`).toMatchObject({ status: 403, body: { details: { reason: 'allEvents' } } });
    }
    expect((await gw.api('POST', `/api/events/${mine}/close`, undefined, admin.secret)).status).toBe(200);
    expect(await gw.api('GET', '/api/keys/current', undefined, operator.secret)).toMatchObject({
      status: 200, body: { keyId: operator.id, name: 'operator key', role: 'operator', events: [mine] },
    });
  });
});

describe('keys through the API', () => {
  it('shows a new key once, stores no secret, and stops a revoked key at once', async () => {
    const created = await gw.api('POST', '/api/keys', { name: 'Door staff', role: 'operator', events: null });
    expect(created).toMatchObject({
      status: 201,
      body: { key: { id: expect.stringMatching(/^[0-9a-f]{12}$/), name: 'Door staff', role: 'operator', events: null, createdBy: 'bootstrap', revokedAt: null }, secret: expect.stringMatching(/^bwk_[0-9a-f]{12}_/) },
    });
    const { id } = created.body.key;
    const secret: string = created.body.secret;
    expect(created.body.key).not.toHaveProperty('hash');
    const listed = await gw.api('GET', '/api/keys');
    expect(listed.body.bootstrap).toEqual({ id: 'bootstrap', name: 'bootstrap key', role: 'admin', events: null });
    const entry = listed.body.keys.find((k: { id: string }) => k.id === id);
    expect(entry).toMatchObject({ id, name: 'Door staff', role: 'operator' });
    expect(JSON.stringify(listed.body)).not.toContain(secret.slice(18));
    expect(JSON.stringify(listed.body)).not.toMatch(/hash/);

    expect((await gw.api('GET', '/api/events', undefined, secret)).status).toBe(200);
    // The same id with another secret is no key.
    const forged = `${secret.slice(0, 18)}${'A'.repeat(secret.length - 18)}`;
    expect((await gw.api('GET', '/api/events', undefined, forged)).status).toBe(401);

    const revoked = await gw.api('DELETE', `/api/keys/${id}`);
    expect(revoked).toMatchObject({ status: 200, body: { key: { id, revokedAt: expect.any(Number), revokedBy: 'bootstrap' } } });
    expect(await gw.api('GET', '/api/events', undefined, secret)).toMatchObject({ status: 401, body: { code: 'UNAUTHORIZED', details: { reason: 'revoked' } } });
    // Revoking again keeps the first revocation.
    expect((await gw.api('DELETE', `/api/keys/${id}`)).body.key.revokedAt).toBe(revoked.body.key.revokedAt);
  });

  it('refuses bad requests, unknown keys and the bootstrap key by name', async () => {
    expect(await gw.api('POST', '/api/keys', { name: 'x', role: 'owner' })).toMatchObject({ status: 400, body: { code: 'MALFORMED_COMMAND', details: { field: 'role' } } });
    expect(await gw.api('POST', '/api/keys', { role: 'viewer' })).toMatchObject({ status: 400, body: { details: { field: 'name' } } });
    expect(await gw.api('POST', '/api/keys', { name: 'x', role: 'viewer', events: [] })).toMatchObject({ status: 400, body: { details: { field: 'events' } } });
    expect(await gw.api('POST', '/api/keys', { name: 'x', role: 'viewer', events: ['a b'] })).toMatchObject({ status: 400, body: { details: { field: 'events' } } });
    expect(await gw.api('POST', '/api/keys', { name: 'x', role: 'viewer', scope: 'all' })).toMatchObject({ status: 400, body: { details: { field: 'scope' } } });
    expect(await gw.api('DELETE', '/api/keys/000000000000')).toMatchObject({ status: 404, body: { code: 'KEY_NOT_FOUND', details: { keyId: '000000000000' } } });
    expect(await gw.api('DELETE', '/api/keys/bootstrap')).toMatchObject({ status: 409, body: { code: 'KEY_NOT_REVOCABLE' } });
    expect((await gw.api('GET', '/api/events', undefined, API_KEY)).status).toBe(200);
  });

  it('lets every role ask who it is', async () => {
    for (const role of ROLES) {
      const key = await newKey(role);
      expect((await gw.api('GET', '/api/keys/current', undefined, key.secret)).body).toEqual({ keyId: key.id, name: `${role} key`, role, events: null });
    }
    expect((await gw.api('GET', '/api/keys/current')).body).toEqual({ keyId: 'bootstrap', name: 'bootstrap key', role: 'admin', events: null });
  });
});
