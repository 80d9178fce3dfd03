/**
 * The dashboard feed without a key in the URL: a browser gets a ticket with
 * its key (POST /api/dashboard/ticket) and offers it as a WebSocket
 * subprotocol; a script sends `Authorization`. A socket whose key is revoked
 * is closed; a scoped or revoked key, a forged or expired ticket, open nothing.
 */
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryAccessStore } from '../src/access/memory-access-store.js';
import { DASHBOARD_PROTOCOL, OrganizerAccess } from '../src/access/organizer-access.js';
import { Signer } from '../src/tokens.js';
import { SIGNING_SECRET, eventually, startTestGateway, type TestGateway } from './helpers/test-gateway.js';

let gw: TestGateway;
let feed: string;
beforeAll(async () => {
  gw = await startTestGateway();
  feed = gw.wsUrl.replace('/ws', '/dashboard/ws');
});
afterAll(async () => {
  await gw.close();
});

const refusal = (ws: WebSocket) =>
  new Promise<{ status: number; body: any }>((resolve) => {
    ws.on('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
  });

async function key(role: string, events: string[] | null = null): Promise<{ id: string; secret: string }> {
  const created = await gw.api('POST', '/api/keys', { name: `${role} dashboard`, role, events });
  return { id: created.body.key.id, secret: created.body.secret };
}

describe('the dashboard feed', () => {
  it('opens with a ticket offered as a subprotocol, and closes when its key is revoked', async () => {
    const viewer = await key('viewer');
    const issued = await gw.api('POST', '/api/dashboard/ticket', undefined, viewer.secret);
    expect(issued).toMatchObject({ status: 201, body: { ticket: expect.stringMatching(/^dt1\./), expiresAt: expect.any(Number), protocols: [DASHBOARD_PROTOCOL, expect.stringMatching(/^breakwater\.ticket\.dt1\./)] } });
    expect(issued.body.expiresAt - Date.now()).toBeLessThanOrEqual(60_000);

    const ws = new WebSocket(feed, issued.body.protocols);
    const snapshots: unknown[] = [];
    ws.on('message', (data) => snapshots.push(JSON.parse(String(data))));
    await new Promise((resolve) => ws.once('open', resolve));
    expect(ws.protocol).toBe(DASHBOARD_PROTOCOL);
    gw.host.publishStats();
    await eventually(() => expect(snapshots.length).toBeGreaterThan(0));
    expect(snapshots[0]).toMatchObject({ type: 'snapshot' });

    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    expect((await gw.api('DELETE', `/api/keys/${viewer.id}`)).status).toBe(200);
    expect(await closed).toBe(4003);
    // Its ticket, still within its minute, opens nothing now.
    expect(await refusal(new WebSocket(feed, issued.body.protocols))).toMatchObject({ status: 401, body: { code: 'UNAUTHORIZED', details: { reason: 'revoked' } } });
  });

  it('refuses a forged ticket, a key limited to some events, and a viewer without a key', async () => {
    const viewer = await key('viewer');
    const { ticket } = (await gw.api('POST', '/api/dashboard/ticket', undefined, viewer.secret)).body;
    const forged = `${ticket.slice(0, -4)}AAAA`;
    expect(await refusal(new WebSocket(feed, [DASHBOARD_PROTOCOL, `breakwater.ticket.${forged}`]))).toMatchObject({ status: 401, body: { details: { reason: 'ticket' } } });

    const scoped = await key('admin', ['some-event']);
    expect(await gw.api('POST', '/api/dashboard/ticket', undefined, scoped.secret)).toMatchObject({ status: 403, body: { details: { reason: 'allEvents' } } });
    expect(await refusal(new WebSocket(feed, { headers: { authorization: `Bearer ${scoped.secret}` } }))).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
    expect((await refusal(new WebSocket(feed))).status).toBe(401);

    // A script's header works as well as a ticket.
    const ws = new WebSocket(feed, { headers: { authorization: `Bearer ${viewer.secret}` } });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    ws.close();
  });

  it('lets a ticket expire after its minute', () => {
    let now = 1_000_000;
    const signer = new Signer(SIGNING_SECRET);
    const access = new OrganizerAccess({ store: new MemoryAccessStore(), bootstrapKey: 'bootstrap-key-0123456789', signer, log: () => undefined, now: () => now });
    const { protocols } = access.issueTicket({ keyId: 'bootstrap', name: 'bootstrap key', role: 'admin', events: null });
    expect(access.dashboardCaller('', protocols.join(', ')).keyId).toBe('bootstrap');
    now += 60_001;
    expect(() => access.dashboardCaller('', protocols.join(', '))).toThrow(expect.objectContaining({ code: 'UNAUTHORIZED', details: { reason: 'ticketExpired' } }));
  });
});
