/**
 * The HTTP side's limits, one by one, against a real gateway: nothing is read
 * before it is allowed, ambiguous framing is never routed, bodies are bounded
 * in size, depth and time, and one address cannot hold every request slot.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH } from '../src/http/json-body.js';
import { WEBHOOK_BODY_BYTES } from '../src/payments/payment-routes.js';
import { head, rawRequest } from './fuzz/raw-http.js';
import { metricValue, metricValuesBy } from './helpers/metric-values.js';
import { API_KEY, eventually, startTestGateway, type TestGateway } from './helpers/test-gateway.js';

const BODY_TIMEOUT_MS = 400;
const MAX_OPEN = 4;
const MAX_BUFFERED = 300 * 1024;
let gw: TestGateway;
let port: number;
const organizer = { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' };

beforeAll(async () => {
  gw = await startTestGateway({
    limits: { httpBodyTimeoutMs: BODY_TIMEOUT_MS, maxOpenHttpRequestsPerIp: MAX_OPEN, maxHttpBodyBytes: 256 * 1024, maxBufferedHttpBodyBytes: MAX_BUFFERED }, trustProxy: 1,
  });
  port = gw.server.port;
});

afterAll(async () => {
  await gw.close();
});

const faults = () => metricValuesBy(gw.server.metrics.registry, 'breakwater_gateway_http_faults_total', 'fault');

describe('nothing is read before it is allowed', () => {
  it('answers an upload without the API key at once, before its body, and closes the connection', async () => {
    const body = new Uint8Array(200 * 1024);
    const response = await rawRequest(port, { head: head('POST', '/api/events', { 'content-length': String(body.length) }), body, stallAfter: 1024, holdMs: 2000 });
    expect(response.statuses).toEqual([401]);
    expect(response.text).toContain('"code":"UNAUTHORIZED"');
    expect(response.closedByServer).toBe(true);
  });

  it('refuses a webhook without its signature header before its body, and one for no provider', async () => {
    const body = new Uint8Array(32 * 1024);
    const unsigned = await rawRequest(port, { head: head('POST', '/webhooks/payments/demo', { 'content-length': String(body.length) }), body, stallAfter: 10, holdMs: 2000 });
    expect(unsigned.statuses).toEqual([401]);
    expect(unsigned.text).toContain('"reason":"missing"');
    const nobody = await rawRequest(port, { head: head('POST', '/webhooks/payments/nobody', { 'content-length': '10', 'breakwater-signature': 't=1,v1=00' }), body, stallAfter: 0, holdMs: 2000 });
    expect(nobody.statuses).toEqual([404]);
  });

  it('limits bodies per route: a webhook to 64 KiB, a route without a body to none', async () => {
    const tooBig = await fetch(`${gw.httpUrl}/webhooks/payments/demo`, { method: 'POST', headers: { 'breakwater-signature': 't=1,v1=00' }, body: new Uint8Array(WEBHOOK_BODY_BYTES + 1) });
    expect(tooBig.status).toBe(413);
    expect(await tooBig.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', details: { limit: WEBHOOK_BODY_BYTES } });
    const stray = await rawRequest(port, { head: head('POST', '/no/such/route', { 'content-length': '5' }), body: new TextEncoder().encode('hello') });
    expect(stray.statuses).toEqual([404]);
    expect(stray.closedByServer).toBe(true);
    expect((await faults()).tooLarge).toBeGreaterThanOrEqual(1);
  });
});

describe('bodies', () => {
  it('refuses JSON nested deeper than the limit, and keys that reach a prototype, naming the field', async () => {
    const deep = (levels: number) => `{"config":${'['.repeat(levels - 1)}${']'.repeat(levels - 1)}}`;
    const refused = await gw.api('POST', '/api/events', deep(MAX_JSON_DEPTH + 1));
    expect(refused).toMatchObject({ status: 400, body: { code: 'MALFORMED_COMMAND', details: { field: 'body', reason: `is nested deeper than ${MAX_JSON_DEPTH} levels` } } });
    // Within the limit it reaches the engine's own checks.
    expect(await gw.api('POST', '/api/events', deep(MAX_JSON_DEPTH))).toMatchObject({ status: 400, body: { code: 'INVALID_CONFIG' } });
    // Brackets inside strings are text, not nesting.
    expect(await gw.api('POST', '/api/events', `{"config":{"name":"${'['.repeat(1000)}"}}`)).toMatchObject({ body: { code: 'INVALID_CONFIG' } });
    for (const key of ['__proto__', 'constructor', 'prototype']) {
      expect(await gw.api('PATCH', '/api/events/x', `{"settings":{"${key}":{"polluted":true}}}`)).toMatchObject({
        status: 400, body: { code: 'MALFORMED_COMMAND', details: { field: key, reason: 'is a forbidden key' } },
      });
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('answers a body that stalls with REQUEST_TIMEOUT after the deadline and closes the connection', async () => {
    const body = new Uint8Array(1000);
    const response = await rawRequest(port, {
      head: head('POST', '/api/events', { ...organizer, 'content-length': String(body.length) }), body, stallAfter: 100, holdMs: BODY_TIMEOUT_MS * 10,
    });
    expect(response.statuses).toEqual([408]);
    expect(response.text).toContain(`"code":"REQUEST_TIMEOUT","message":"The request body did not arrive within \`details.limitMs\`; the connection closes.","details":{"limitMs":${BODY_TIMEOUT_MS}}`);
    expect(response.closedByServer).toBe(true);
    expect((await faults()).slowBody).toBeGreaterThanOrEqual(1);
  });

  it('counts an upload its client abandons, and logs nothing for it', async () => {
    const before = (await faults()).aborted ?? 0;
    const body = new Uint8Array(10_000);
    await rawRequest(port, { head: head('POST', '/api/events', { ...organizer, 'content-length': String(body.length) }), body, stallAfter: 100, holdMs: 50 });
    await eventually(async () => expect((await faults()).aborted).toBe(before + 1));
    expect(await metricValue(gw.server.metrics.registry, 'breakwater_gateway_log_lines_suppressed_total')).toBe(0);
  });

  it('holds at most so many body bytes at once in a process, even for organizers: beyond, OVERLOADED until some are done', async () => {
    const body = new Uint8Array(200 * 1024);
    const upload = (address: string, holdMs: number) => rawRequest(port, {
      head: head('POST', '/api/events', { ...organizer, 'x-forwarded-for': address, 'content-length': String(body.length) }), body, stallAfter: 100, holdMs,
    });
    const first = upload('10.0.0.1', 800);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const second = await upload('10.0.0.2', 2000);
    expect(second.statuses).toEqual([503]);
    expect(second.text).toContain(`"code":"OVERLOADED"`);
    expect(second.text).toContain(`"details":{"limit":"bufferedBodies","maxBytes":${MAX_BUFFERED}}`);
    await first;
    await eventually(async () => expect((await gw.api('POST', '/api/events', { config: {} })).status).toBe(400));
  });

  it('reads a chunked body', async () => {
    const json = '{"config":{}}';
    const chunked = `${json.length.toString(16)}\r\n${json}\r\n0\r\n\r\n`;
    const response = await rawRequest(port, { head: head('POST', '/api/events', { ...organizer, 'transfer-encoding': 'chunked', connection: 'close' }), body: new TextEncoder().encode(chunked) });
    expect(response.statuses).toEqual([400]);
    expect(response.text).toContain('"code":"INVALID_CONFIG"');
  });
});

describe('strict framing', () => {
  it('never routes what a second Content-Length hides, and refuses the request with 400 when it can still answer', async () => {
    const smuggled = head('GET', '/api/events', { authorization: `Bearer ${API_KEY}` });
    // uWS takes the first length (0), so the smuggled request already follows: the connection closes, nothing is answered.
    const hidden = await rawRequest(port, { head: head('POST', '/pay/demo/x', { 'content-length': ['0', String(smuggled.length)] }), body: new TextEncoder().encode(smuggled) });
    expect(hidden.statuses.filter((s) => s === 200)).toEqual([]);
    expect(hidden.closedByServer).toBe(true);
    const refused = await rawRequest(port, { head: head('POST', '/pay/demo/x', { 'content-length': [String(smuggled.length), '0'] }), body: new TextEncoder().encode(smuggled) });
    expect(refused.statuses).toEqual([400]);
    expect(refused.text).toContain('"details":{"reason":"duplicateContentLength"}');
    expect(refused.closedByServer).toBe(true);
    const onGet = await rawRequest(port, { head: head('GET', '/healthz', { 'content-length': ['1', '2'] }), body: new TextEncoder().encode('xx') });
    expect(onGet).toMatchObject({ statuses: [400], closedByServer: true });
    expect((await faults()).ambiguousFraming).toBeGreaterThanOrEqual(3);
  });

  it('never answers Content-Length with Transfer-Encoding as a request', async () => {
    const response = await rawRequest(port, { head: head('POST', '/pay/demo/x', { 'content-length': '5', 'transfer-encoding': 'chunked' }), body: new TextEncoder().encode('0\r\n\r\n') });
    // uWS closes such a connection itself, before any route: no answer, and no second request.
    expect(response.statuses.filter((s) => s !== 400)).toEqual([]);
    expect(response.closedByServer).toBe(true);
  });
});

describe('requests open at once per address', () => {
  it('refuses one more than the limit from one address (an IPv6 client: its /64), and frees the slots when they end', async () => {
    const from = (address: string) => ({ ...organizer, 'x-forwarded-for': address });
    const body = new Uint8Array(1000);
    const stalled = Array.from({ length: MAX_OPEN }, (_, i) => rawRequest(port, {
      head: head('POST', '/api/events', { ...from(`2001:db8:0:1::${i + 1}`), 'content-length': String(body.length) }), body, stallAfter: 10, holdMs: 600,
    }));
    let another: Response | undefined;
    await eventually(async () => expect((another = await fetch(`${gw.httpUrl}/api/events`, { headers: from('2001:db8:0:1:ffff::9') })).status).toBe(429));
    expect(await another!.json()).toMatchObject({ code: 'RATE_LIMITED', details: { limit: 'httpConcurrentPerIp', max: MAX_OPEN } });
    expect((await faults()).tooManyOpen).toBeGreaterThanOrEqual(1);
    // Another /64 is another client.
    expect((await fetch(`${gw.httpUrl}/api/events`, { headers: from('2001:db8:0:2::1') })).status).toBe(200);
    await Promise.all(stalled);
    await eventually(async () => expect((await fetch(`${gw.httpUrl}/api/events`, { headers: from('2001:db8:0:1::1') })).status).toBe(200));
  });
});

describe('IPv6', () => {
  it('serves on an IPv6 address', async () => {
    const v6 = await startTestGateway({ host: '::1' });
    try {
      expect(v6.httpUrl).toMatch(/^http:\/\/\[::1\]:\d+$/);
      expect(await (await fetch(`${v6.httpUrl}/healthz`)).json()).toMatchObject({ status: 'ok' });
    } finally {
      await v6.close();
    }
  });
});
