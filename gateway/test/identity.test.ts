/**
 * Verified fan identities against a real gateway (engine in process): the
 * organizer's settings, every kind of bad identity token refused with its own
 * code and changing nothing, one place per account, and the groups and
 * access code carried into the engine's join.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Command } from '../../engine/src/index.js';
import { accountFanId } from '../src/protocol/index.js';
import { FanClient } from './helpers/fan-client.js';
import { confusedToken, HS256_SECRET, hs256Token, keyToken, signingKey, unsignedToken, type SigningKey } from './helpers/identity-tokens.js';
import { startTestGateway, type TestGateway } from './helpers/test-gateway.js';

let gw: TestGateway;
const clients: FanClient[] = [];
let edKey: SigningKey;
let rotatedKey: SigningKey;
let strangerKey: SigningKey;

async function fan(): Promise<FanClient> {
  const client = await FanClient.connect(gw.wsUrl);
  clients.push(client);
  return client;
}

function joinRequest(client: FanClient, eventId: string, fields: { fanId?: string; identity?: string | null; token?: string | null; accessCode?: string | null }) {
  return client.request({
    t: 'join', eventId, fanId: fields.fanId ?? 'whoever', token: fields.token ?? null, powChallenge: null, powNonce: null,
    identity: fields.identity ?? null, accessCode: fields.accessCode ?? null,
  });
}

/** What a refused join must leave as it was: the event's journal. */
const journalLength = (eventId: string) => gw.host.engine.journal.read(eventId).length;

beforeAll(async () => {
  gw = await startTestGateway({ limits: { joinsPerIpPerSec: 1000, joinBurstPerIp: 1000 } });
  [edKey, rotatedKey, strangerKey] = await Promise.all([signingKey('EdDSA', 'k1'), signingKey('EdDSA', 'k2'), signingKey('EdDSA', 'k1')]);
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await gw.close();
});

describe('identity settings (organizer API)', () => {
  it('keeps the secret out of every answer, and tells fans only whether to sign in and where', async () => {
    const eventId = await gw.createEvent({}, { identity: { required: true, hs256Secret: HS256_SECRET, loginUrl: 'https://tickets.example.com/login' } } as never);
    const { body } = await gw.api('GET', `/api/events/${eventId}`);
    expect(body.settings.identity).toEqual({ required: true, hs256Secret: 'set', loginUrl: 'https://tickets.example.com/login' });
    const list = await gw.api('GET', '/api/events');
    expect(JSON.stringify(list.body)).not.toContain(HS256_SECRET);
    const info = (await (await fetch(`${gw.httpUrl}/api/public/events/${eventId}`)).json()) as { identity: unknown };
    expect(info.identity).toEqual({ required: true, loginUrl: 'https://tickets.example.com/login' });
    expect(JSON.stringify(info)).not.toContain(HS256_SECRET);
  });

  it('refuses settings that cannot verify anything, private keys, short secrets and non-web login links, changing nothing', async () => {
    const eventId = await gw.createEvent();
    const { d: _d, ...publicPart } = { ...edKey.publicJwk, d: 'x' };
    const cases: Array<[unknown, string]> = [
      [{ required: true }, 'settings.identity'],
      [{ hs256Secret: 'short' }, 'settings.identity.hs256Secret'],
      [{ publicKeys: [{ ...publicPart, d: 'AAAA' }] }, 'settings.identity.publicKeys.keys[0]'],
      [{ publicKeys: [{ kty: 'oct', k: 'AAAA' }] }, 'settings.identity.publicKeys.keys[0]'],
      [{ publicKeys: [{ kty: 'OKP', crv: 'Ed25519', x: 'not-a-point' }] }, 'settings.identity.publicKeys.keys[0]'],
      [{ publicKeys: '/nonexistent/keys.json' }, 'settings.identity.publicKeys'],
      [{ hs256Secret: HS256_SECRET, loginUrl: 'javascript:alert(1)' }, 'settings.identity.loginUrl'],
      [{ hs256Secret: HS256_SECRET, maxAgeSec: 0 }, 'settings.identity.maxAgeSec'],
      [{ hs256Secret: HS256_SECRET, colour: 'blue' }, 'settings.identity.colour'],
    ];
    for (const [identity, field] of cases) {
      const response = await gw.api('PATCH', `/api/events/${eventId}`, { settings: { identity } });
      expect(response.status, field).toBe(400);
      expect(response.body.code).toBe('INVALID_CONFIG');
      expect(response.body.details.issues.map((i: { field: string }) => i.field), field).toContain(field);
    }
    const { body } = await gw.api('GET', `/api/events/${eventId}`);
    expect(body.settings.identity).toBeNull();
  });

  it('reads public keys from a file once, when they are set', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'breakwater-keys-'));
    const path = join(dir, 'jwks.json');
    writeFileSync(path, JSON.stringify({ keys: [edKey.publicJwk] }));
    const eventId = await gw.createEvent({}, { identity: { required: true, publicKeys: path } } as never);
    writeFileSync(path, 'overwritten: never read again');
    const joined = await (await fan()).join(eventId, 'ignored', { identity: await keyToken(edKey, 'EdDSA', eventId) });
    expect(joined.fanId).toBe('acct:alice');
    const { body } = await gw.api('GET', `/api/events/${eventId}`);
    expect(body.settings.identity.publicKeys).toEqual({ keys: [{ kty: 'OKP', crv: 'Ed25519', x: edKey.publicJwk.x, kid: 'k1' }] });
  });
});

describe('verified joins', () => {
  let hsEvent: string;
  let edEvent: string;

  beforeAll(async () => {
    hsEvent = await gw.createEvent({}, { identity: { required: true, hs256Secret: HS256_SECRET, loginUrl: 'https://tickets.example.com/login', issuer: 'https://tickets.example.com', maxAgeSec: 3600 } } as never);
    edEvent = await gw.createEvent({}, { identity: { required: true, publicKeys: { keys: [edKey.publicJwk, rotatedKey.publicJwk] } } } as never);
  });

  it('refuses every kind of bad identity token with its own code, and changes nothing', async () => {
    const iss = 'https://tickets.example.com';
    const now = Math.floor(Date.now() / 1000);
    const cases: Array<[string, string, Promise<string> | string, Record<string, unknown>]> = [
      ['expired', hsEvent, hs256Token(hsEvent, { iss, expiresIn: -60 }), { code: 'IDENTITY_EXPIRED', details: { claim: 'exp' } }],
      ['older than maxAgeSec', hsEvent, hs256Token(hsEvent, { iss, iat: now - 7200 }), { code: 'IDENTITY_EXPIRED', details: { claim: 'iat' } }],
      ['for another event', hsEvent, hs256Token(edEvent, { iss }), { code: 'IDENTITY_AUDIENCE' }],
      ['unsigned (alg none)', hsEvent, unsignedToken(hsEvent, { iss }), { code: 'IDENTITY_UNSIGNED' }],
      ['signature stripped', hsEvent, hs256Token(hsEvent, { iss }).then((t) => `${t.slice(0, t.lastIndexOf('.'))}.`), { code: 'IDENTITY_UNSIGNED' }],
      ['bad signature', hsEvent, hs256Token(hsEvent, { iss }).then((t) => `${t.slice(0, -6)}AAAAAA`), { code: 'IDENTITY_SIGNATURE', details: { reason: 'signature' } }],
      ['wrong secret', hsEvent, hs256Token(hsEvent, { iss }, 'another-organizers-secret-0123456789abcd'), { code: 'IDENTITY_SIGNATURE', details: { reason: 'signature' } }],
      ['another issuer', hsEvent, hs256Token(hsEvent, { iss: 'https://evil.example' }), { code: 'IDENTITY_INVALID', details: { claim: 'iss' } }],
      ['not yet valid', hsEvent, hs256Token(hsEvent, { iss, nbf: now + 600 }), { code: 'IDENTITY_INVALID', details: { claim: 'nbf' } }],
      ['malformed', hsEvent, 'not.a.jwt', { code: 'IDENTITY_INVALID', details: { reason: 'malformed' } }],
      ['two parts', hsEvent, 'eyJhbGciOiJIUzI1NiJ9.e30', { code: 'IDENTITY_INVALID', details: { reason: 'malformed' } }],
      ['no sub', hsEvent, hs256Token(hsEvent, { iss, sub: null }), { code: 'IDENTITY_INVALID', details: { claim: 'sub', reason: 'missing' } }],
      ['no exp', hsEvent, hs256Token(hsEvent, { iss, expiresIn: null }), { code: 'IDENTITY_INVALID', details: { claim: 'exp', reason: 'missing' } }],
      ['sub too long', hsEvent, hs256Token(hsEvent, { iss, sub: 'x'.repeat(256) }), { code: 'IDENTITY_INVALID', details: { claim: 'sub' } }],
      ['groups not a list', hsEvent, hs256Token(hsEvent, { iss, groups: 'vip' }), { code: 'IDENTITY_INVALID', details: { claim: 'groups' } }],
      ['HS256 against an EdDSA-only event (algorithm confusion)', edEvent, confusedToken(edKey.publicJwk, edEvent), { code: 'IDENTITY_SIGNATURE', details: { reason: 'algorithm' } }],
      ['signed by a stranger with a known kid', edEvent, keyToken(strangerKey, 'EdDSA', edEvent), { code: 'IDENTITY_SIGNATURE', details: { reason: 'signature' } }],
      ['signed by a stranger without kid', edEvent, keyToken(strangerKey, 'EdDSA', edEvent, { kid: null }), { code: 'IDENTITY_SIGNATURE', details: { reason: 'signature' } }],
      ['an unknown kid', edEvent, keyToken(edKey, 'EdDSA', edEvent, { kid: 'k9' }), { code: 'IDENTITY_SIGNATURE', details: { reason: 'unknownKey' } }],
      ['EdDSA against an HS256-only event', hsEvent, keyToken(edKey, 'EdDSA', hsEvent, { iss }), { code: 'IDENTITY_SIGNATURE', details: { reason: 'algorithm' } }],
    ];
    const client = await fan();
    for (const [name, eventId, token, expected] of cases) {
      const before = journalLength(eventId);
      const reply = await joinRequest(client, eventId, { identity: await token });
      expect(reply, name).toMatchObject({ t: 'error', ...expected });
      expect(journalLength(eventId), name).toBe(before);
    }
    // Still unbound: the same connection joins once it has a good token.
    expect(await client.join(hsEvent, 'x', { identity: await hs256Token(hsEvent, { iss, sub: 'carol' }) })).toMatchObject({ fanId: 'acct:carol' });
  });

  it('without a token, a verified event says where to sign in; an account fan id cannot be typed in anywhere', async () => {
    const client = await fan();
    const before = journalLength(hsEvent);
    expect(await joinRequest(client, hsEvent, {})).toMatchObject({ t: 'error', code: 'IDENTITY_REQUIRED', details: { loginUrl: 'https://tickets.example.com/login' } });
    const optional = await gw.createEvent({}, { identity: { required: false, hs256Secret: HS256_SECRET } } as never);
    expect(await joinRequest(client, optional, { fanId: 'acct:alice' })).toMatchObject({ t: 'error', code: 'IDENTITY_REQUIRED' });
    expect(journalLength(hsEvent)).toBe(before);
    // An anonymous event keeps the account form free too, for the day it starts verifying.
    const anonymous = await gw.createEvent();
    expect(await joinRequest(client, anonymous, { fanId: 'acct#squatter' })).toMatchObject({ t: 'error', code: 'MALFORMED_COMMAND', details: { field: 'fanId', reason: 'reserved' } });
    // An event where identity is optional still takes anonymous fans.
    expect(await client.join(optional, 'anonymous-fan')).toMatchObject({ fanId: 'anonymous-fan' });
  });

  it('gives an account one place: a second device takes it over (the first is told), and a reconnect with the queue token needs no identity', async () => {
    const token = await keyToken(rotatedKey, 'EdDSA', edEvent, { sub: 'dana' });
    const laptop = await fan();
    const first = await laptop.join(edEvent, 'laptop-fan-id', { identity: token });
    expect(first).toMatchObject({ fanId: 'acct:dana', restored: false });
    const phone = await fan();
    const second = await phone.join(edEvent, 'phone-fan-id', { identity: await keyToken(edKey, 'EdDSA', edEvent, { sub: 'dana' }) });
    expect(second).toMatchObject({ fanId: 'acct:dana', number: first.number, restored: true });
    expect(await laptop.next('error')).toMatchObject({ code: 'SESSION_REPLACED' });
    expect((await laptop.closed).code).toBe(4001);
    expect(gw.host.engine.event(edEvent).status().joined).toBe(1);
    await phone.close();
    const again = await fan();
    expect(await again.join(edEvent, 'acct:dana', { token: second.queueToken })).toMatchObject({ fanId: 'acct:dana', restored: true, number: first.number });
  });

  it('maps a long sub to a hash, the same on every join', async () => {
    const sub = `user-${'z'.repeat(200)}`;
    const joined = await (await fan()).join(hsEvent, 'x', { identity: await hs256Token(hsEvent, { iss: 'https://tickets.example.com', sub }) });
    expect(joined.fanId).toBe(accountFanId(sub));
    expect(joined.fanId).toMatch(/^acct#[0-9a-f]{64}$/);
  });

  it('counts the per-fan ticket limit per account, across devices and places', async () => {
    const eventId = await gw.createEvent({ maxTicketsPerFan: 4, onSaleAt: gw.clock.now() }, { identity: { required: true, hs256Secret: HS256_SECRET } } as never);
    await gw.advance(1000);
    const laptop = await fan();
    await laptop.join(eventId, 'x', { identity: await hs256Token(eventId, { sub: 'erin' }) });
    await gw.advance(1000);
    await laptop.next('admitted');
    expect(await laptop.request({ t: 'hold', grantId: null, request: { kind: 'tickets', tierId: 'ga', quantity: 3 }, key: 'h1' })).toMatchObject({ t: 'held' });
    expect(await laptop.request({ t: 'leave' })).toMatchObject({ t: 'left' });
    // Another device, another place at the back, the same account.
    const phone = await fan();
    await phone.join(eventId, 'another-fan-id', { identity: await hs256Token(eventId, { sub: 'erin' }) });
    await gw.advance(1000);
    await phone.next('admitted');
    const refused = await phone.request({ t: 'hold', grantId: null, request: { kind: 'tickets', tierId: 'ga', quantity: 2 }, key: 'h2' });
    expect(refused).toMatchObject({ t: 'error', code: 'LIMIT_EXCEEDED', details: { limit: 4, current: 3 } });
  });

  it('passes the verified groups and the access code into the engine join, and never groups a client names', async () => {
    const joins: Command[] = [];
    const execute = gw.host.engine.execute.bind(gw.host.engine);
    gw.host.engine.execute = ((command: Command) => {
      if (command.type === 'join') joins.push(command);
      return execute(command);
    }) as typeof gw.host.engine.execute;
    try {
      await (await fan()).join(hsEvent, 'x', { identity: await hs256Token(hsEvent, { iss: 'https://tickets.example.com', sub: 'fay', groups: ['fan-club'] }), accessCode: 'CODE-123' });
      const optional = await gw.createEvent();
      await (await fan()).join(optional, 'anon', { accessCode: 'CODE-456' });
    } finally {
      gw.host.engine.execute = execute;
    }
    expect(joins).toEqual([
      { type: 'join', eventId: hsEvent, fanId: 'acct:fay', groups: ['fan-club'], accessCode: 'CODE-123' },
      { type: 'join', eventId: expect.any(String), fanId: 'anon', accessCode: 'CODE-456' },
    ]);
  });
});
