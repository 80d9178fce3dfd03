/**
 * Registration draws on a real gateway (docs/presales.md, "Registration"):
 * the organizer opens registration and sees its figures, verified accounts
 * register with their identity tokens, the organizer closes it and the draw
 * invites; the organizer webhook tells fan.invited (with codes) and
 * fan.notInvited (with waitlist positions); the public proof verifies and
 * every fan finds its rank from its receipt; the organizer invites the next.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { placeIn, verifyDrawProof, type DrawProof } from '../../engine/src/index.js';
import { HS256_SECRET, hs256Token } from './helpers/identity-tokens.js';
import { OrganizerReceiver } from './helpers/organizer-receiver.js';
import { eventConfig, eventually, startTestGateway, type TestGateway } from './helpers/test-gateway.js';

const SECRET = 'organizer-webhook-secret-0123';
const MINUTE = 60_000;

let gw: TestGateway;
let organizer: OrganizerReceiver;

beforeAll(async () => {
  organizer = await new OrganizerReceiver(SECRET).start();
  gw = await startTestGateway();
});

afterAll(async () => {
  await gw.close();
  await organizer.close();
});

/** 12 tickets; a coded presale at +30 min, the public sale at +40 min; accounts verified with HS256; the organizer's webhook set. */
async function createEvent(): Promise<string> {
  const now = gw.clock.now();
  const { preQueueOpensAt: _p, onSaleAt: _o, ...config } = eventConfig(now, { inventory: { tiers: [{ id: 'ga', name: 'GA', price: 5000, quantity: 12 }], sections: [] } });
  const phases = [
    { id: 'presale', name: 'Verified fan presale', preQueueOpensAt: now + 30 * MINUTE, onSaleAt: now + 31 * MINUTE, access: { kind: 'code' } },
    { id: 'public', name: 'Public sale', preQueueOpensAt: now + 40 * MINUTE, onSaleAt: now + 41 * MINUTE, access: { kind: 'open' } },
  ];
  const settings = { identity: { required: true, hs256Secret: HS256_SECRET }, notifyWebhook: { url: organizer.url, secret: SECRET } };
  const created = await gw.api('POST', '/api/events', { config: { ...config, phases }, publish: true, settings });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return config.id;
}

const registration = (now: number) => ({ opensAt: now, closesAt: now + 20 * MINUTE, phaseId: 'presale', buyerSharePercent: 40, ticketsPerBuyer: 3 });

async function fanPost(path: string, body: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${gw.httpUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: await response.json() };
}

async function fanGet(path: string, token?: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${gw.httpUrl}${path}`, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: await response.json() };
}

const hooksOf = (type: string, eventId: string) => organizer.received.filter((r) => r.type === type && r.body.eventId === eventId);

describe('registration on the organizer API and the public API', () => {
  it('opens, takes verified registrations, draws at the close, tells the organizer, and publishes a proof every fan checks', async () => {
    const eventId = await createEvent();
    const opened = await gw.api('PUT', `/api/events/${eventId}/registration`, registration(gw.clock.now()));
    expect(opened.status, JSON.stringify(opened.body)).toBe(200);
    expect(opened.body).toMatchObject({
      config: registration(gw.clock.now()),
      status: { stage: 'open', registered: 0, invited: 0 },
      draw: { draw: 'registration', pending: 0 },
      proof: `/api/public/events/${eventId}/draws/registration`,
    });
    const info = (await fanGet(`/api/public/events/${eventId}`)).body;
    const { opensAt, closesAt } = registration(gw.clock.now());
    expect(info.registration).toEqual({ opensAt, closesAt, phaseId: 'presale', stage: 'open', commitment: opened.body.draw.commitment });
    expect(opened.body.draw).not.toHaveProperty('seed');

    const base = `/api/public/events/${eventId}/registration`;
    const token = (sub: string) => hs256Token(eventId, { sub });
    expect(await fanPost(base, {})).toMatchObject({ status: 401, body: { code: 'IDENTITY_REQUIRED' } });
    expect(await fanPost(base, { identity: await hs256Token(eventId, { sub: 'x' }, 'another-secret-0123456789abcdef-xyz') })).toMatchObject({ status: 401, body: { code: 'IDENTITY_SIGNATURE' } });
    expect(await fanPost(base, { identity: await hs256Token('elsewhere', { sub: 'x' }) })).toMatchObject({ status: 403, body: { code: 'IDENTITY_AUDIENCE' } });

    const first = await fanPost(base, { identity: await token('ana') });
    expect(first).toMatchObject({ status: 201, body: { fanId: 'acct:ana', state: 'registered', registration: 1, phaseId: 'presale' } });
    expect(first.body.receipt).toMatch(/^[0-9a-f]{32}$/);
    const again = await fanPost(base, { identity: await token('ana') });
    expect(again).toMatchObject({ status: 200, body: { registration: 1 } });
    expect(again.body).not.toHaveProperty('receipt');
    expect(await fanGet(base, await token('ana'))).toMatchObject({ status: 200, body: { state: 'registered', registration: 1 } });
    expect(await fanGet(base)).toMatchObject({ status: 401, body: { code: 'IDENTITY_REQUIRED' } });
    expect(await fanPost(`${base}/withdraw`, { identity: await token('ana') })).toMatchObject({ status: 200, body: { state: 'withdrawn' } });
    expect(await fanPost(`${base}/withdraw`, { identity: await token('zed') })).toMatchObject({ status: 404, body: { code: 'NOT_REGISTERED' } });

    const receipts = new Map<string, string>();
    for (let i = 1; i <= 15; i++) {
      const sub = `fan${i}`;
      receipts.set(`acct:${sub}`, (await fanPost(base, { identity: await token(sub) })).body.receipt);
    }
    expect((await gw.api('GET', `/api/events/${eventId}/registration`)).body.status).toMatchObject({ stage: 'open', registered: 15, withdrawn: 1 });
    expect(await fanGet(`/api/public/events/${eventId}/draws/registration`)).toMatchObject({ status: 409, body: { code: 'DRAW_NOT_RUN' } });
    expect(await gw.api('POST', `/api/events/${eventId}/registration/invite-next`, { count: 1 })).toMatchObject({ status: 409, body: { code: 'REGISTRATION_NOT_DRAWN' } });

    await gw.advance(MINUTE);
    const closed = await gw.api('POST', `/api/events/${eventId}/registration/close`);
    expect(closed).toMatchObject({ status: 200, body: { status: { stage: 'drawn', registered: 15, seats: 12, invitations: 10, invited: 10, waitlisted: 5 } } });
    expect(await fanPost(base, { identity: await token('late') })).toMatchObject({ status: 409, body: { code: 'REGISTRATION_NOT_OPEN' } });

    // The organizer hears who is invited (with the code to e-mail) and who waits, signed.
    await eventually(() => expect(hooksOf('fan.notInvited', eventId)).toHaveLength(1));
    await eventually(() => expect(hooksOf('fan.invited', eventId)).toHaveLength(1));
    const [invitedHook] = hooksOf('fan.invited', eventId);
    const [waitingHook] = hooksOf('fan.notInvited', eventId);
    expect(invitedHook!.verified && waitingHook!.verified).toBe(true);
    expect(invitedHook!.body).toMatchObject({ type: 'fan.invited', phaseId: 'presale' });
    expect(invitedHook!.body.fans.map((f: { rank: number }) => f.rank)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(waitingHook!.body.fans.map((f: { rank: number; waitlistPosition: number }) => [f.rank, f.waitlistPosition])).toEqual([[11, 1], [12, 2], [13, 3], [14, 4], [15, 5]]);
    for (const { fanId, code, rank } of invitedHook!.body.fans as Array<{ fanId: string; code: string; rank: number }>) {
      const view = (await fanGet(base, await token(fanId.slice('acct:'.length)))).body;
      expect(view).toMatchObject({ state: 'invited', code, rank });
    }

    // The proof, as published, verifies; each fan's receipt finds its rank.
    const proof = (await fanGet(`/api/public/events/${eventId}/draws/registration`)).body as DrawProof;
    expect(proof).toMatchObject({ draw: 'registration', firstNumber: 1, invitations: 10 });
    expect(verifyDrawProof(proof)).toEqual({ ok: true, count: 15 });
    const rankOf = new Map<string, number>([...invitedHook!.body.fans, ...waitingHook!.body.fans].map((f: { fanId: string; rank: number }) => [f.fanId, f.rank]));
    for (const [fanId, receipt] of receipts) expect(placeIn(proof, receipt, fanId)?.number).toBe(rankOf.get(fanId));

    // Invitees who do not use their codes: the organizer invites the next two.
    expect(await gw.api('POST', `/api/events/${eventId}/registration/invite-next`, { count: 0 })).toMatchObject({ status: 400, body: { code: 'MALFORMED_COMMAND' } });
    expect(await gw.api('POST', `/api/events/${eventId}/registration/invite-next`, { count: 2 })).toMatchObject({ status: 200, body: { invited: 2, invitedUpTo: 12, waitlisted: 3 } });
    await eventually(() => expect(hooksOf('fan.invited', eventId)).toHaveLength(2));
    expect(hooksOf('fan.invited', eventId)[1]!.body.fans.map((f: { fanId: string; rank: number }) => [f.fanId, f.rank])).toEqual(waitingHook!.body.fans.slice(0, 2).map((f: { fanId: string; rank: number }) => [f.fanId, f.rank]));
    const codes = (await gw.api('GET', `/api/events/${eventId}/codes`)).body;
    expect(codes.total).toBe(12);
    expect(codes.codes.every((c: { uses: number; accounts: string[]; phaseId: string }) => c.uses === 1 && c.accounts.length === 1 && c.phaseId === 'presale')).toBe(true);
  });

  it('refuses a registration that does not fit the event, and one changed after its draw', async () => {
    const eventId = await createEvent();
    const now = gw.clock.now();
    expect(await gw.api('PUT', `/api/events/${eventId}/registration`, { ...registration(now), phaseId: 'public' })).toMatchObject({
      status: 400, body: { code: 'INVALID_CONFIG', details: { issues: [{ field: 'registration.phaseId' }] } },
    });
    expect(await gw.api('PUT', `/api/events/${eventId}/registration`, [])).toMatchObject({ status: 400, body: { code: 'MALFORMED_COMMAND' } });
    expect((await gw.api('GET', `/api/events/${eventId}/registration`)).body).toMatchObject({ config: null, status: null, draw: null });
    await gw.api('PUT', `/api/events/${eventId}/registration`, registration(now));
    await gw.advance(MINUTE);
    expect((await gw.api('POST', `/api/events/${eventId}/registration/close`)).body.status.stage).toBe('drawn');
    expect(await gw.api('PUT', `/api/events/${eventId}/registration`, { ...registration(now), ticketsPerBuyer: 2 })).toMatchObject({
      status: 400, body: { code: 'INVALID_CONFIG', details: { issues: [{ field: 'registration', reason: 'cannot change once its draw has run' }] } },
    });
    expect(await gw.api('POST', `/api/events/${eventId}/registration/invite-next`, { count: 1 })).toMatchObject({ status: 409, body: { code: 'REGISTRATION_WAITLIST_EMPTY' } });
  });

  it('an event that verifies no identities takes no registrations', async () => {
    const eventId = await gw.createEvent();
    expect(await fanPost(`/api/public/events/${eventId}/registration`, { identity: 'a.b.c' })).toMatchObject({ status: 401, body: { code: 'IDENTITY_REQUIRED' } });
  });
});
