import { createHash } from 'node:crypto';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FanClient } from './helpers/fan-client.js';
import { API_KEY, eventConfig, eventually, startTestGateway, type TestGateway } from './helpers/test-gateway.js';

let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway({ limits: { maxHttpBodyBytes: 64 * 1024 } });
});

afterAll(async () => {
  await gw.close();
});

describe('authentication', () => {
  it('refuses a missing or wrong API key with UNAUTHORIZED', async () => {
    const wrong = await gw.api('GET', '/api/events', undefined, 'nope');
    expect(wrong).toMatchObject({ status: 401, body: { code: 'UNAUTHORIZED', message: expect.any(String), details: {} } });
    const missing = await fetch(`${gw.httpUrl}/api/events`);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer');
  });
});

describe('events', () => {
  it('creates, lists, reads and retunes an event live', async () => {
    const config = eventConfig(gw.clock.now());
    const created = await gw.api('POST', '/api/events', { config, publish: true, settings: { currency: 'USD' } });
    expect(created).toMatchObject({ status: 201, body: { config: { id: config.id }, status: { phase: 'preQueue' }, settings: { currency: 'USD', powDifficulty: 0 } } });
    const list = await gw.api('GET', '/api/events');
    expect(list.body.events.map((e: { config: { id: string } }) => e.config.id)).toContain(config.id);

    const retuned = await gw.api('PATCH', `/api/events/${config.id}`, {
      config: { admission: { mode: 'rate', fansPerMinute: 120 } },
      settings: { powDifficulty: 12, categoryPrices: { A: 100 } },
    });
    expect(retuned).toMatchObject({ status: 200, body: { config: { admission: { fansPerMinute: 120 } }, settings: { powDifficulty: 12, categoryPrices: { A: 100 } } } });
    // settings.powDifficulty is an alias of the door's floor: one source of truth, the ceiling lifted to match.
    const read = await gw.api('GET', `/api/events/${config.id}`);
    expect(read.body).toMatchObject({ config: { door: { powFloor: 12, powCeiling: 12 } }, settings: { powDifficulty: 12 } });
    const lowered = await gw.api('PATCH', `/api/events/${config.id}`, { config: { door: { powFloor: 3 } } });
    expect(lowered.body).toMatchObject({ config: { door: { powFloor: 3, powCeiling: 12, startWindowMs: 0 } }, settings: { powDifficulty: 3 } });
    const status = await gw.api('GET', `/api/events/${config.id}/status`);
    expect(status).toMatchObject({ status: 200, body: { eventId: config.id, phase: 'preQueue', waiting: 0, rateLow: 0, rateHigh: 0 } });
    // Nobody admitted yet: the estimate is the per-fan limit.
    expect(status.body.ticketsPerFan).toBe(config.maxTicketsPerFan);
  });

  it('reads an event\'s journal, with the API key only; an unknown event is EVENT_NOT_FOUND', async () => {
    const eventId = await gw.createEvent();
    expect((await gw.api('GET', `/api/events/${eventId}/journal`, undefined, 'nope')).status).toBe(401);
    expect((await fetch(`${gw.httpUrl}/api/events/${eventId}/journal`)).status).toBe(401);
    const journal = await gw.api('GET', `/api/events/${eventId}/journal`);
    expect(journal.status).toBe(200);
    expect(journal.body.entries[0]).toMatchObject({ type: 'created', at: expect.any(Number), config: { id: eventId } });
    expect(journal.body.entries.length).toBeGreaterThan(1);
    expect(await gw.api('GET', '/api/events/no-such-event/journal')).toMatchObject({ status: 404, body: { code: 'EVENT_NOT_FOUND' } });
  });

  it('keeps the draw\'s seed sealed in the journal until the draw reveals it, then publishes the draw\'s proof', async () => {
    const eventId = await gw.createEvent();
    const journal = async () => (await gw.api('GET', `/api/events/${eventId}/journal`)).body.entries as Array<Record<string, unknown>>;
    const proof = () => fetch(`${gw.httpUrl}/api/public/events/${eventId}/draw`);
    const opened = (await journal()).find((e) => e.type === 'preQueueOpened')!;
    expect(opened).toMatchObject({ sealedSeed: expect.stringMatching(/^v1\./) });
    expect(opened).not.toHaveProperty('seed');
    const early = await proof();
    expect(early.status).toBe(409);
    expect(await early.json()).toMatchObject({ code: 'DRAW_NOT_RUN', details: { commitment: opened.commitment } });
    await gw.advance(60_000);
    const { body: status } = await gw.api('GET', `/api/events/${eventId}`);
    expect((await journal()).find((e) => e.type === 'drawn')).toMatchObject({ seed: status.status.seed });
    expect(createHash('sha256').update(Buffer.from(status.status.seed, 'hex')).digest('hex')).toBe(opened.commitment);
    const published = await proof();
    expect(published.status).toBe(200);
    expect(await published.json()).toMatchObject({ version: 2, eventId, draw: 'preQueue', commitment: opened.commitment, seed: status.status.seed });
    expect((await fetch(`${gw.httpUrl}/api/public/events/${eventId}/draws/phase:none`)).status).toBe(404);
  });

  it('pauses, resumes and closes; a wrong phase is the engine\'s WRONG_PHASE', async () => {
    const eventId = await gw.createEvent();
    await gw.advance(60_000);
    expect(await gw.api('POST', `/api/events/${eventId}/pause`)).toMatchObject({ status: 200, body: { status: { phase: 'paused' } } });
    expect(await gw.api('POST', `/api/events/${eventId}/pause`)).toMatchObject({ status: 409, body: { code: 'WRONG_PHASE' } });
    expect(await gw.api('POST', `/api/events/${eventId}/resume`)).toMatchObject({ status: 200, body: { status: { phase: 'onSale' } } });
    expect(await gw.api('POST', `/api/events/${eventId}/close`)).toMatchObject({ status: 200, body: { status: { phase: 'closed' } } });
  });

  it('tells fans of the event when it is paused and resumed', async () => {
    const eventId = await gw.createEvent();
    await gw.advance(60_000);
    const fan = await FanClient.connect(gw.wsUrl);
    await fan.join(eventId, 'watcher');
    await gw.api('POST', `/api/events/${eventId}/pause`);
    expect(await fan.next('paused')).toMatchObject({ eventId });
    await gw.api('POST', `/api/events/${eventId}/resume`);
    expect(await fan.next('resumed')).toMatchObject({ eventId });
    await fan.close();
  });

  it('answers bad requests with registry errors and their HTTP status', async () => {
    expect(await gw.api('POST', '/api/events', '{not json')).toMatchObject({ status: 400, body: { code: 'MALFORMED_COMMAND' } });
    expect(await gw.api('POST', '/api/events', { config: { id: 'x' } })).toMatchObject({ status: 400, body: { code: 'INVALID_CONFIG' } });
    expect(await gw.api('PATCH', '/api/events/nope', { config: {} })).toMatchObject({ status: 404, body: { code: 'EVENT_NOT_FOUND' } });
    const eventId = await gw.createEvent();
    const badSettings = await gw.api('PATCH', `/api/events/${eventId}`, { config: { name: 'renamed' }, settings: { powDifficulty: 99 } });
    expect(badSettings).toMatchObject({ status: 400, body: { code: 'INVALID_CONFIG', details: { issues: [{ field: 'settings.powDifficulty' }] } } });
    expect((await gw.api('GET', `/api/events/${eventId}`)).body.config.name).toBe('Test night');
    expect(await gw.api('POST', '/api/events', 'x'.repeat(70 * 1024))).toMatchObject({ status: 413, body: { code: 'PAYLOAD_TOO_LARGE' } });
    expect(await gw.api('DELETE', '/api/events')).toMatchObject({ status: 404, body: { code: 'ROUTE_NOT_FOUND' } });
  });
});

describe('public endpoints', () => {
  it('lists published events and one event\'s public figures, without a key', async () => {
    const eventId = await gw.createEvent({ inventory: { tiers: [{ id: 'ga', name: 'GA', price: 100, quantity: 10 }], sections: [{ id: 'S', name: 'Stalls', rows: [{ id: '1', seats: [{ label: '1', category: 'A', rank: 1 }] }] }] } }, { categoryPrices: { A: 4200 } });
    const list = (await (await fetch(`${gw.httpUrl}/api/public/events`)).json()) as { events: Array<{ eventId: string }> };
    expect(list.events.map((e) => e.eventId)).toContain(eventId);
    const info = await (await fetch(`${gw.httpUrl}/api/public/events/${eventId}`)).json();
    expect(info).toMatchObject({
      eventId, callAnswerMs: 10 * 60_000, organizerNotifies: false, tiers: [{ id: 'ga', free: 10, price: 100 }], categories: [{ category: 'A', price: 4200, free: 1 }],
      sections: [{ id: 'S', rows: [{ id: '1', seats: [{ id: 'S-1-1', status: 'free' }] }] }],
    });
    const draft = await gw.api('POST', '/api/events', { config: eventConfig(gw.clock.now()) });
    const hidden = await fetch(`${gw.httpUrl}/api/public/events/${draft.body.config.id}`);
    expect(hidden.status).toBe(404);
  });
});

describe('operators', () => {
  it('serves /healthz, /readyz and Prometheus /metrics: breakwater_ names, and prom-client\'s process_ and nodejs_ runtime metrics', async () => {
    expect((await fetch(`${gw.httpUrl}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${gw.httpUrl}/readyz`)).json()).toMatchObject({ status: 'ready' });
    gw.host.publishStats();
    await new Promise((resolve) => setImmediate(resolve));
    const response = await fetch(`${gw.httpUrl}/metrics`);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    const names = [...text.matchAll(/^([a-z_]+)(?:\{|\s)/gm)].map((m) => m[1]!);
    expect(names.length).toBeGreaterThan(10);
    for (const name of names) expect(name).toMatch(/^(breakwater_|process_|nodejs_)/);
    for (const family of [
      'breakwater_event_waiting_fans', 'breakwater_event_joins_total', 'breakwater_event_admissions_total', 'breakwater_event_active_shoppers',
      'breakwater_event_holds_active', 'breakwater_event_holds_expired_total', 'breakwater_event_holds_released_total', 'breakwater_event_tickets_sold_total',
      'breakwater_event_sold_out', 'breakwater_event_waitlisted', 'breakwater_event_calls_total', 'breakwater_gateway_connections', 'breakwater_gateway_messages_in_total', 'breakwater_gateway_messages_out_total',
      'breakwater_gateway_backpressure_drops_total', 'breakwater_gateway_join_seconds_bucket', 'breakwater_gateway_update_seconds_bucket',
    ]) {
      expect(text, family).toContain(`${family}{`);
    }
    // One HELP/TYPE per family.
    const types = [...text.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]);
    expect(new Set(types).size).toBe(types.length);
  });

  it('pushes a dashboard snapshot every stats tick to key holders only (never a key in the URL)', async () => {
    const feed = gw.wsUrl.replace('/ws', '/dashboard/ws');
    const refusal = (ws: WebSocket) => new Promise<number>((resolve) => ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    expect(await refusal(new WebSocket(feed, { headers: { authorization: 'Bearer wrong' } }))).toBe(401);
    // The old way, a key in the query string, opens nothing.
    expect(await refusal(new WebSocket(`${feed}?key=${API_KEY}`))).toBe(401);
    const ws = new WebSocket(feed, { headers: { authorization: `Bearer ${API_KEY}` } });
    const snapshots: unknown[] = [];
    ws.on('message', (data) => snapshots.push(JSON.parse(String(data))));
    await new Promise((resolve) => ws.once('open', resolve));
    gw.host.publishStats();
    await eventually(() => expect(snapshots.length).toBeGreaterThan(0));
    expect(snapshots.at(-1)).toMatchObject({ type: 'snapshot', events: expect.any(Array), workers: [{ worker: 'test', connections: expect.any(Number) }] });
    ws.close();
  });
});
