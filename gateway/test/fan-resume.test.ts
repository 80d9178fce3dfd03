/**
 * Getting a place back (docs/protocol.md, "Reconnecting"): with the join key
 * when the `joined` that carried the queue token was lost with its socket,
 * and learning, on coming back, that the place's turn came and lapsed while
 * the fan was away.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JournalEntry } from '../../engine/src/index.js';
import { FanClient } from './helpers/fan-client.js';
import { HS256_SECRET, hs256Token } from './helpers/identity-tokens.js';
import { eventually, startTestGateway, type TestGateway } from './helpers/test-gateway.js';

let gw: TestGateway;
const clients: FanClient[] = [];
const KEY = 'k3y-of-this-browser-0123456789';
const OTHER_KEY = 'someone-elses-key-0123456789';

async function fan(): Promise<FanClient> {
  const client = await FanClient.connect(gw.wsUrl);
  clients.push(client);
  return client;
}

function joinRequest(client: FanClient, eventId: string, fanId: string, fields: { token?: string; joinKey?: string; identity?: string } = {}) {
  return client.request({
    t: 'join', eventId, fanId, token: fields.token ?? null, powChallenge: null, powNonce: null, identity: fields.identity ?? null, accessCode: null,
    joinKey: fields.joinKey ?? null,
  });
}

async function journal(eventId: string): Promise<JournalEntry[]> {
  return (await gw.api('GET', `/api/events/${eventId}/journal`)).body.entries as JournalEntry[];
}

beforeAll(async () => {
  gw = await startTestGateway({ limits: { joinsPerIpPerSec: 1000, joinBurstPerIp: 1000 } });
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await gw.close();
});

describe('a joined lost with its socket', () => {
  it('the same fan id and join key take the same place again, with a fresh token; any other key or none is refused', async () => {
    const eventId = await gw.createEvent();
    await gw.advance(60_000);
    const ahead = await fan();
    await ahead.join(eventId, 'ahead');
    // The socket dies before the answer arrives: the place is taken, its token never reaches the fan.
    const lost = await fan();
    lost.send({ t: 'join', rid: 1, eventId, fanId: 'lost-fan', token: null, powChallenge: null, powNonce: null, identity: null, accessCode: null, joinKey: KEY });
    lost.ws.terminate();
    const sale = gw.host.engine.event(eventId);
    await eventually(() => expect(sale.room.isPresent('lost-fan')).toBe(true));
    const number = sale.room.numberOf('lost-fan');
    expect(number).toBe(2);
    expect(lost.received.some((m) => m.t === 'joined')).toBe(false);

    for (const joinKey of [undefined, OTHER_KEY]) {
      const thief = await fan();
      expect(await joinRequest(thief, eventId, 'lost-fan', joinKey === undefined ? {} : { joinKey })).toMatchObject({ t: 'error', code: 'FAN_ID_IN_USE' });
    }

    const again = await fan();
    const joined = await again.join(eventId, 'lost-fan', { joinKey: KEY });
    expect(joined).toMatchObject({ fanId: 'lost-fan', number, restored: true, status: 'waiting' });
    expect(sale.room.numberOf('lost-fan')).toBe(number);
    expect((await journal(eventId)).filter((e) => e.type === 'joined' && e.fanId === 'lost-fan')).toHaveLength(1);

    // The fresh token resumes it like any other (a later tab without the key in hand).
    const tab = await fan();
    expect(await tab.join(eventId, 'lost-fan', { token: joined.queueToken })).toMatchObject({ number, restored: true });
    expect(await again.next('error')).toMatchObject({ code: 'SESSION_REPLACED' });
  });

  it('keeps only a digest of the key, bound to the event and fan id, in the journal', async () => {
    const eventId = await gw.createEvent();
    await gw.advance(60_000);
    await (await fan()).join(eventId, 'keyed', { joinKey: KEY });
    await (await fan()).join(eventId, 'keyed-too', { joinKey: KEY });
    const [keyed, keyedToo] = (await journal(eventId)).filter((e): e is Extract<JournalEntry, { type: 'joined' }> => e.type === 'joined');
    expect(keyed!.joinKeyDigest).toMatch(/^[0-9a-f]{32}$/);
    expect(keyedToo!.joinKeyDigest).toMatch(/^[0-9a-f]{32}$/);
    expect(keyedToo!.joinKeyDigest).not.toBe(keyed!.joinKeyDigest);
    expect(JSON.stringify(await journal(eventId))).not.toContain(KEY);
    // The same key under another fan id is no key to this place.
    expect(await joinRequest(await fan(), eventId, 'keyed-too', { joinKey: 'x'.repeat(22) })).toMatchObject({ t: 'error', code: 'FAN_ID_IN_USE' });
  });

  it('never gives back a verified account\'s place: only its identity or queue token does', async () => {
    const eventId = await gw.createEvent({}, { identity: { required: false, hs256Secret: HS256_SECRET } } as never);
    await gw.advance(60_000);
    const joined = await (await fan()).join(eventId, 'ignored', { identity: await hs256Token(eventId, { sub: 'dana' }), joinKey: KEY });
    expect(joined.fanId).toBe('acct:dana');
    expect((await journal(eventId)).find((e) => e.type === 'joined')).not.toHaveProperty('joinKeyDigest');
    expect(await joinRequest(await fan(), eventId, 'acct:dana', { joinKey: KEY })).toMatchObject({ t: 'error', code: 'IDENTITY_REQUIRED' });
  });
});

describe('a turn that came and lapsed while the fan was away', () => {
  it('is in the joined of the fan coming back, with the place\'s state', async () => {
    const eventId = await gw.createEvent({ presenceGraceMs: 600_000, grantTtlMs: 30_000, admission: { mode: 'concurrency', maxActiveShoppers: 1 } });
    await gw.advance(60_000);
    const first = await fan();
    await first.join(eventId, 'first');
    const away = await fan();
    const { queueToken } = await away.join(eventId, 'away', { joinKey: KEY });
    await gw.advance(1_000);
    await first.next('admitted');
    await away.close();
    await eventually(() => expect(gw.host.engine.event(eventId).room.isConnected('away')).toBe(false));
    // The first fan's turn lapses, the away fan is admitted, and its turn lapses too: nobody could tell it.
    await gw.advance(30_000);
    await gw.advance(30_000);
    const entries = await journal(eventId);
    const lapse = entries.find((e) => e.type === 'grantExpired' && e.fanId === 'away');
    expect(lapse).toBeDefined();

    const back = await fan();
    const joined = await back.join(eventId, 'away', { token: queueToken });
    expect(joined).toMatchObject({
      restored: true, status: 'admitted', grantId: null, lapsedGrantId: lapse!.type === 'grantExpired' ? lapse!.grantId : null, lapsedAt: expect.any(Number),
    });
    // With the key, after a lost joined, the same.
    const again = await fan();
    expect(await again.join(eventId, 'away', { joinKey: KEY })).toMatchObject({ restored: true, lapsedGrantId: joined.lapsedGrantId });
  });
});
