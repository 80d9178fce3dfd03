/**
 * The audit log of the organizer API: an entry for every kind of action — who
 * (key id and name), what (route, path, event, a summary with no secret),
 * when, from which address, and the outcome, failures and refusals included —
 * and GET /api/audit filtered by event, key and time, paged newest first.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventConfig, startTestGateway, type TestGateway } from './helpers/test-gateway.js';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(async () => {
  await gw.close();
});

interface Entry { id: string; at: number; keyId: string; keyName: string; role: string; ip: string; method: string; route: string; path: string; eventId: string | null; summary: string; status: number; code: string | null }

async function audit(query = ''): Promise<{ entries: Entry[]; next: string | null }> {
  const response = await gw.api('GET', `/api/audit${query}`);
  expect(response.status).toBe(200);
  return response.body;
}

describe('the audit log', () => {
  it('records each kind of organizer action, failed ones and refusals too, and no read, secret or stranger', async () => {
    const started = Date.now();
    const operator = (await gw.api('POST', '/api/keys', { name: 'Ops Ana', role: 'operator' })).body;
    const viewer = (await gw.api('POST', '/api/keys', { name: 'Viewer Vic', role: 'viewer' })).body;
    const config = eventConfig(gw.clock.now(), { onSaleAt: gw.clock.now() });
    const eventId = config.id;
    const call = async (method: string, path: string, body?: unknown, key?: string) => gw.api(method, path, body, key);

    expect((await call('POST', '/api/events', { config, publish: true })).status).toBe(201);
    expect((await call('POST', '/api/events', { config: { ...config, id: 'bad-night', closesAt: 0 } })).body.code).toBe('INVALID_CONFIG');
    await gw.advance(1000);
    expect((await call('POST', `/api/events/${eventId}/pause`, undefined, operator.secret)).status).toBe(200);
    expect((await call('POST', `/api/events/${eventId}/pause`, undefined, operator.secret)).body.code).toBe('WRONG_PHASE');
    expect((await call('POST', `/api/events/${eventId}/resume`, {}, viewer.secret)).body.code).toBe('FORBIDDEN');
    expect((await call('PATCH', `/api/events/${eventId}`, {
      config: { admission: { mode: 'rate', fansPerMinute: 90 } }, settings: { notifyWebhook: { url: 'https://example.org/hook', secret: 'do-not-log-this-secret-0123' } },
    }, operator.secret)).status).toBe(200);
    const csv = await fetch(`${gw.httpUrl}/api/events/${eventId}/codes`, {
      method: 'POST', headers: { authorization: `Bearer ${operator.secret}`, 'content-type': 'text/csv' }, body: 'CODE-1,1,4\nCODE-2,1,4\n',
    });
    expect(csv.status).toBe(201);
    expect((await call('GET', `/api/events/${eventId}/journal`, undefined, viewer.secret)).status).toBe(200);
    expect((await call('DELETE', `/api/keys/${viewer.key.id}`)).status).toBe(200);
    // Not recorded: reads, requests without a valid key (the revoked one included).
    expect((await call('GET', `/api/events/${eventId}/status`, undefined, operator.secret)).status).toBe(200);
    expect((await call('POST', `/api/events/${eventId}/close`, undefined, 'not-a-key-at-all-0123')).status).toBe(401);
    expect((await call('POST', `/api/events/${eventId}/close`, undefined, viewer.secret)).status).toBe(401);

    const { entries } = await audit(`?from=${started}&limit=200`);
    const routes = entries.map((e) => `${e.route} ${e.status}${e.code === null ? '' : ` ${e.code}`}`).reverse();
    expect(routes).toEqual([
      'POST /api/keys 201',
      'POST /api/keys 201',
      'POST /api/events 201',
      'POST /api/events 400 INVALID_CONFIG',
      'POST /api/events/:id/pause 200',
      'POST /api/events/:id/pause 409 WRONG_PHASE',
      'POST /api/events/:id/resume 403 FORBIDDEN',
      'PATCH /api/events/:id 200',
      'POST /api/events/:id/codes 201',
      'GET /api/events/:id/journal 200',
      'DELETE /api/keys/:keyId 200',
    ]);
    const [revoke, journal, codes, patch, forbidden, , pause, , created, , operatorKey] = entries;
    expect(operatorKey).toMatchObject({ keyId: 'bootstrap', keyName: 'bootstrap key', role: 'admin', ip: '127.0.0.1', eventId: null, path: '/api/keys' });
    expect(operatorKey!.summary).toContain(`created key ${operator.key.id}`);
    expect(operatorKey!.summary).toContain('"role":"operator"');
    expect(created).toMatchObject({ eventId, method: 'POST' });
    expect(pause).toMatchObject({ keyId: operator.key.id, keyName: 'Ops Ana', role: 'operator', eventId, path: `/api/events/${eventId}/pause` });
    expect(pause!.at).toBeGreaterThanOrEqual(started);
    expect(forbidden).toMatchObject({ keyId: viewer.key.id, keyName: 'Viewer Vic', role: 'viewer', status: 403, summary: '2 bytes not read' });
    expect(patch!.summary).toContain('"fansPerMinute":90');
    expect(patch!.summary).toContain('"secret":"…"');
    expect(JSON.stringify(entries)).not.toContain('do-not-log-this-secret');
    expect(JSON.stringify(entries)).not.toContain(operator.secret);
    expect(codes!.summary).toBe('22 bytes of text/csv (2 lines)');
    expect(journal).toMatchObject({ method: 'GET', keyId: viewer.key.id });
    expect(revoke).toMatchObject({ path: `/api/keys/${viewer.key.id}`, eventId: null });
  });

  it('filters by event, key and time, and pages newest first', async () => {
    const key = (await gw.api('POST', '/api/keys', { name: 'Pager', role: 'operator' })).body;
    const first = await gw.createEvent({ onSaleAt: gw.clock.now() });
    const second = await gw.createEvent({ onSaleAt: gw.clock.now() });
    await gw.advance(1000);
    for (let i = 0; i < 3; i++) {
      for (const eventId of [first, second]) {
        await gw.api('POST', `/api/events/${eventId}/pause`, undefined, key.secret);
        await gw.api('POST', `/api/events/${eventId}/resume`, undefined, key.secret);
      }
    }
    const ofFirst = await audit(`?eventId=${first}&keyId=${key.key.id}`);
    expect(ofFirst.entries.map((e) => e.route)).toEqual(Array.from({ length: 3 }, () => ['POST /api/events/:id/resume', 'POST /api/events/:id/pause']).flat());
    expect(ofFirst.entries.every((e) => e.eventId === first)).toBe(true);
    expect(ofFirst.next).toBeNull();

    const pages: Entry[][] = [];
    let cursor: string | null = '';
    while (cursor !== null) {
      const page = await audit(`?keyId=${key.key.id}&limit=5${cursor === '' ? '' : `&before=${cursor}`}`);
      pages.push(page.entries);
      cursor = page.next;
    }
    expect(pages.map((p) => p.length)).toEqual([5, 5, 2]);
    const all = pages.flat();
    expect(new Set(all.map((e) => e.id)).size).toBe(12);
    for (let i = 1; i < all.length; i++) expect(all[i]!.at).toBeLessThanOrEqual(all[i - 1]!.at);

    const middle = all[6]!.at;
    const later = await audit(`?keyId=${key.key.id}&from=${middle}`);
    expect(later.entries.length).toBeGreaterThanOrEqual(7);
    expect(later.entries.every((e) => e.at >= middle)).toBe(true);
    const none = await audit(`?keyId=${key.key.id}&to=${all[11]!.at - 1}`);
    expect(none.entries).toEqual([]);

    expect(await gw.api('GET', '/api/audit?limit=0')).toMatchObject({ status: 400, body: { details: { field: 'limit' } } });
    expect(await gw.api('GET', '/api/audit?before=x')).toMatchObject({ status: 400, body: { details: { field: 'before' } } });
  });

  it('shows an admin limited to some events only their entries; other roles none', async () => {
    const eventId = await gw.createEvent({ onSaleAt: gw.clock.now() });
    await gw.advance(1000);
    const admin = (await gw.api('POST', '/api/keys', { name: 'Venue admin', role: 'admin', events: [eventId] })).body;
    await gw.api('POST', `/api/events/${eventId}/pause`, undefined, admin.secret);
    const seen = await gw.api('GET', '/api/audit?limit=200', undefined, admin.secret);
    expect(seen.status).toBe(200);
    expect(seen.body.entries.length).toBeGreaterThan(0);
    expect(seen.body.entries.every((e: Entry) => e.eventId === eventId)).toBe(true);
    const operator = (await gw.api('POST', '/api/keys', { name: 'Op', role: 'operator' })).body;
    expect(await gw.api('GET', '/api/audit', undefined, operator.secret)).toMatchObject({ status: 403, body: { details: { required: 'admin' } } });
  });
});
