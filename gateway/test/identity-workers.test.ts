/**
 * Verified identities on the real thing: `launch/main.ts --workers 2`
 * (one engine process, two gateway workers on one port), fans on real
 * WebSockets, tokens signed with `jose` as an organizer's login would. The
 * identity settings reach both workers; one account has one place whichever
 * worker its connections land on; its ticket limit spans both.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../launch/local-servers.js';
import { workerFans } from './helpers/worker-fans.js';
import { confusedToken, HS256_SECRET, hs256Token, keyToken, signingKey, unsignedToken, type SigningKey } from './helpers/identity-tokens.js';
import { spawnProduct, type SpawnedProduct } from './helpers/spawned-product.js';

const API_KEY = 'identity-workers-api-key-0123456789';
let product: SpawnedProduct;
let port: number;
let edKey: SigningKey;

const { fan, fanOnAnotherWorker, closeAll } = workerFans(() => `ws://127.0.0.1:${port}/ws`);

async function createEvent(id: string, identity: unknown, extra: Record<string, unknown> = {}): Promise<string> {
  const now = Date.now();
  const created = await product.api('POST', '/api/events', {
    publish: true,
    settings: { identity },
    config: {
      id, name: id, preQueueOpensAt: now, onSaleAt: now, closesAt: now + 3600_000, maxTicketsPerFan: 4,
      door: { startWindowMs: 0 }, // admitted on arrival: these tests are about accounts, not the start-window draw
      inventory: { tiers: [{ id: 'ga', name: 'GA', price: 2500, quantity: 50 }] }, admission: { mode: 'rate', fansPerMinute: 600 }, ...extra,
    },
  });
  expect(created.status).toBe(201);
  return id;
}

/** What a refused join must leave as it was: the event's journal, as the organizer reads it. */
async function journalLength(eventId: string): Promise<number> {
  return (await product.api('GET', `/api/events/${eventId}/journal`)).body.entries.length;
}

beforeAll(async () => {
  port = await freePort();
  [product, edKey] = await Promise.all([spawnProduct('launch/main.ts', ['--workers', '2'], { port, apiKey: API_KEY }), signingKey('EdDSA', 'k1')]);
}, 40_000);

afterAll(async () => {
  await closeAll();
  await product.stop();
});

describe('verified identities over two gateway workers', () => {
  it('refuses every kind of bad identity token on either worker with its own code, changing nothing', async () => {
    const hs = await createEvent('verified-hs', { required: true, hs256Secret: HS256_SECRET });
    const ed = await createEvent('verified-ed', { required: true, publicKeys: [edKey.publicJwk] });
    const stranger = await signingKey('EdDSA', 'k1');
    const cases: Array<[string, string, Promise<string> | string | null, string]> = [
      ['no token', hs, null, 'IDENTITY_REQUIRED'],
      ['expired', hs, hs256Token(hs, { expiresIn: -60 }), 'IDENTITY_EXPIRED'],
      ['for another event', hs, hs256Token(ed), 'IDENTITY_AUDIENCE'],
      ['unsigned (alg none)', hs, unsignedToken(hs), 'IDENTITY_UNSIGNED'],
      ['bad signature', hs, hs256Token(hs).then((t) => `${t.slice(0, -6)}AAAAAA`), 'IDENTITY_SIGNATURE'],
      ['wrong key', ed, keyToken(stranger, 'EdDSA', ed), 'IDENTITY_SIGNATURE'],
      ['algorithm confusion (HS256 with the public key)', ed, confusedToken(edKey.publicJwk, ed), 'IDENTITY_SIGNATURE'],
      ['malformed', hs, 'eyJ.not-json.sig', 'IDENTITY_INVALID'],
      ['missing sub', hs, hs256Token(hs, { sub: null }), 'IDENTITY_INVALID'],
      ['missing exp', hs, hs256Token(hs, { expiresIn: null }), 'IDENTITY_INVALID'],
    ];
    const workers = [await fan()];
    workers.push(await fanOnAnotherWorker(workers[0]!.serverId!));
    const before = { [hs]: await journalLength(hs), [ed]: await journalLength(ed) };
    for (const [i, [name, eventId, token, code]] of cases.entries()) {
      const client = workers[i % 2]!;
      const reply = await client.request({ t: 'join', eventId, fanId: 'acct:alice', token: null, powChallenge: null, powNonce: null, identity: (await token) ?? null, accessCode: null });
      expect(reply, `${name} on ${client.serverId}`).toMatchObject({ t: 'error', code });
    }
    expect({ [hs]: await journalLength(hs), [ed]: await journalLength(ed) }).toEqual(before);
    expect((await product.api('GET', `/api/events/${hs}/status`)).body.joined).toBe(0);
  });

  it('gives one account one place across both workers: the second connection takes it over and the first is told', async () => {
    const eventId = await createEvent('one-place', { required: true, publicKeys: { keys: [edKey.publicJwk] } });
    const laptop = await fan();
    const first = await laptop.join(eventId, 'laptop', { identity: await keyToken(edKey, 'EdDSA', eventId, { sub: 'gina' }) });
    const phone = await fanOnAnotherWorker(laptop.serverId!);
    const second = await phone.join(eventId, 'phone', { identity: await keyToken(edKey, 'EdDSA', eventId, { sub: 'gina' }) });
    expect(first.fanId).toBe('acct:gina');
    expect(second).toMatchObject({ fanId: 'acct:gina', number: first.number, restored: true });
    expect(await laptop.next('error', 5000)).toMatchObject({ code: 'SESSION_REPLACED' });
    expect((await laptop.closed).code).toBe(4001);
    const status = (await product.api('GET', `/api/events/${eventId}/status`)).body;
    expect(status.joined).toBe(1);
    expect(laptop.all('error').map((e) => e.code)).not.toContain('FAN_ID_IN_USE');
  });

  it('counts the ticket limit per account across devices on both workers', async () => {
    const eventId = await createEvent('per-account', { required: true, hs256Secret: HS256_SECRET });
    const laptop = await fan();
    await laptop.join(eventId, 'x', { identity: await hs256Token(eventId, { sub: 'hugo' }) });
    await laptop.next('admitted', 5000);
    expect(await laptop.request({ t: 'hold', grantId: null, request: { kind: 'tickets', tierId: 'ga', quantity: 3 }, key: 'h1' })).toMatchObject({ t: 'held' });
    expect(await laptop.request({ t: 'leave' })).toMatchObject({ t: 'left' });
    const phone = await fanOnAnotherWorker(laptop.serverId!);
    await phone.join(eventId, 'y', { identity: await hs256Token(eventId, { sub: 'hugo' }) });
    await phone.next('admitted', 5000);
    expect(await phone.request({ t: 'hold', grantId: null, request: { kind: 'tickets', tierId: 'ga', quantity: 2 }, key: 'h2' }))
      .toMatchObject({ t: 'error', code: 'LIMIT_EXCEEDED', details: { limit: 4, current: 3 } });
    expect(await phone.request({ t: 'hold', grantId: null, request: { kind: 'tickets', tierId: 'ga', quantity: 1 }, key: 'h3' })).toMatchObject({ t: 'held' });
    expect(product.output).not.toContain(HS256_SECRET);
  });
});
