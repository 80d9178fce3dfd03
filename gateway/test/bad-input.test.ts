import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLOSE_CODES, encodeValue, PROTOCOL_VERSION } from '../src/protocol/index.js';
import { FanClient } from './helpers/fan-client.js';
import { metricValue } from './helpers/metric-values.js';
import { startTestGateway, type TestGateway } from './helpers/test-gateway.js';

let gw: TestGateway;
let eventId: string;
const clients: FanClient[] = [];

async function fan(options?: { hello?: boolean }): Promise<FanClient> {
  const client = await FanClient.connect(gw.wsUrl, options);
  clients.push(client);
  return client;
}

beforeAll(async () => {
  gw = await startTestGateway({
    limits: { maxPayloadBytes: 4096, messagesPerSec: 20, messageBurst: 20, floodCloseAfter: 50, maxConnectionsPerIp: 40, joinsPerIpPerSec: 1, joinBurstPerIp: 15 },
  });
  eventId = await gw.createEvent();
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await gw.close();
});

describe('frames that are not protocol messages', () => {
  it('answers bytes that are not msgpack with BAD_FRAME and keeps the connection', async () => {
    const a = await fan();
    a.sendRaw(new Uint8Array([0xc1, 0xff, 0x00]));
    expect(await a.next('error')).toMatchObject({ code: 'BAD_FRAME', details: { reason: 'msgpack' } });
    a.sendRaw(new Uint8Array([0x92, 0x01])); // an array cut short
    expect(await a.next('error')).toMatchObject({ code: 'BAD_FRAME' });
    expect(await a.request({ t: 'ping', clientTime: 1 })).toMatchObject({ t: 'pong', clientTime: 1 });
  });

  it('refuses text frames and values that are not messages', async () => {
    const a = await fan();
    a.sendRaw('{"t":"join"}');
    expect(await a.next('error')).toMatchObject({ code: 'BAD_FRAME', details: { reason: 'text' } });
    a.sendRaw(encodeValue([1, 2, 3]));
    expect(await a.next('error')).toMatchObject({ code: 'BAD_FRAME', details: { reason: 'shape' } });
    a.sendRaw(encodeValue({ t: 42 }));
    expect(await a.next('error')).toMatchObject({ code: 'BAD_FRAME' });
  });

  it('names unknown message types and lists the known ones', async () => {
    const a = await fan();
    a.sendRaw(encodeValue({ t: 'becomeAdmin', rid: 5 }));
    const error = await a.reply(5);
    expect(error).toMatchObject({ t: 'error', code: 'UNKNOWN_MESSAGE_TYPE', details: { type: 'becomeAdmin' } });
    expect((error as Extract<typeof error, { t: 'error' }>).details.allowed).toContain('join');
  });

  it('names the field of the wrong type (MALFORMED_COMMAND from the registry)', async () => {
    const a = await fan();
    a.sendRaw(encodeValue({ t: 'join', rid: 6, eventId: 12, fanId: 'x' }));
    expect(await a.reply(6)).toMatchObject({ code: 'MALFORMED_COMMAND', details: { field: 'eventId' } });
    a.sendRaw(encodeValue({ t: 'hold', rid: 7, request: { kind: 'tickets', tierId: 'ga', quantity: 'lots' }, key: 'k' }));
    expect(await a.reply(7)).toMatchObject({ code: 'MALFORMED_COMMAND', details: { field: 'request.quantity' } });
    a.sendRaw(encodeValue({ t: 'join', rid: 8, eventId, fanId: 'y'.repeat(500) }));
    expect(await a.reply(8)).toMatchObject({ code: 'MALFORMED_COMMAND', details: { field: 'fanId' } });
    a.sendRaw(encodeValue({ t: 'ping', rid: 9, clientTime: 'now' }));
    expect(await a.reply(9)).toMatchObject({ code: 'MALFORMED_COMMAND', details: { field: 'clientTime' } });
  });

  it('closes the connection on an oversized frame (PAYLOAD_TOO_LARGE, 1009) without harm to anyone else', async () => {
    const a = await fan();
    const b = await fan();
    const joined = await b.join(eventId, 'bystander');
    a.sendRaw(new Uint8Array(5000));
    expect(await a.next('error')).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', details: { limit: 4096, size: 5000 } });
    expect((await a.closed).code).toBe(CLOSE_CODES.TOO_BIG);
    // Far past the limit, the server cuts the connection before reading the frame.
    const c = await fan();
    c.sendRaw(new Uint8Array(64 * 1024));
    expect([CLOSE_CODES.TOO_BIG, 1006]).toContain((await c.closed).code);
    expect(await b.request({ t: 'ping', clientTime: null })).toMatchObject({ t: 'pong' });
    expect(gw.host.engine.event(eventId).room.place('bystander')?.number).toBe(joined.number);
  });
});

describe('protocol version', () => {
  it('requires hello first', async () => {
    const a = await fan({ hello: false });
    a.sendRaw(encodeValue({ t: 'ping', rid: 1, clientTime: null }));
    expect(await a.reply(1)).toMatchObject({ code: 'HELLO_REQUIRED' });
  });

  it('answers another version with PROTOCOL_VERSION and closes with 4000', async () => {
    const a = await fan({ hello: false });
    a.send({ t: 'hello', v: PROTOCOL_VERSION + 1, client: 'from the future' });
    expect(await a.next('error')).toMatchObject({ code: 'PROTOCOL_VERSION', details: { supported: [PROTOCOL_VERSION] } });
    expect((await a.closed).code).toBe(CLOSE_CODES.PROTOCOL_VERSION);
  });
});

describe('floods and limits', () => {
  it('answers a flood with RATE_LIMITED once, then closes it with 4029', async () => {
    const a = await fan();
    for (let i = 0; i < 200; i++) a.send({ t: 'ping', rid: i, clientTime: null });
    const limited = await a.next((m): m is Extract<typeof m, { t: 'error' }> => m.t === 'error' && m.code === 'RATE_LIMITED');
    expect(limited.details).toMatchObject({ limit: 'messages' });
    expect((await a.closed).code).toBe(CLOSE_CODES.RATE_LIMITED);
    expect(a.all('error').filter((m) => m.code === 'RATE_LIMITED')).toHaveLength(1);
    expect(a.all('pong').length).toBeLessThanOrEqual(21);
  });

  it('limits joins per address', async () => {
    const results = [];
    for (let i = 0; i < 20; i++) {
      const c = await fan();
      results.push(await c.request({ t: 'join', eventId, fanId: `burst-${i}`, token: null, powChallenge: null, powNonce: null, identity: null, accessCode: null }));
    }
    const limited = results.filter((r) => r.t === 'error' && r.code === 'RATE_LIMITED');
    expect(limited.length).toBeGreaterThan(0);
    expect(limited[0]).toMatchObject({ details: { limit: 'joinsPerIp' } });
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });

  it('refuses connections beyond the per-address limit with HTTP 429', async () => {
    const open = await Promise.all(Array.from({ length: 40 }, () => fan({ hello: false })));
    const refused = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(gw.wsUrl);
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => reject(new Error('connection accepted beyond the limit')));
    });
    expect(refused).toBe(429);
    await Promise.all(open.map((c) => c.close()));
    expect(await metricValue(gw.server.metrics.registry, 'breakwater_gateway_rejected_total', { reason: 'tooManyConnections' })).toBeGreaterThan(0);
  });

  it('keeps serving everyone else', async () => {
    const a = await fan();
    expect(await a.request({ t: 'ping', clientTime: 2 })).toMatchObject({ t: 'pong', clientTime: 2 });
  });
});
