import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { powSatisfied, solvePow, ticketOutlook } from '../src/protocol/index.js';
import { FanClient } from './helpers/fan-client.js';
import { eventually, startTestGateway, type TestGateway } from './helpers/test-gateway.js';

let gw: TestGateway;
const clients: FanClient[] = [];

async function fan(): Promise<FanClient> {
  const client = await FanClient.connect(gw.wsUrl);
  clients.push(client);
  return client;
}

/** An event already on sale: created, then the clock moved past its on-sale time. */
async function onSaleEvent(overrides = {}): Promise<string> {
  const eventId = await gw.createEvent(overrides);
  await gw.advance(60_000);
  return eventId;
}

beforeAll(async () => {
  gw = await startTestGateway({ limits: { joinsPerIpPerSec: 1000, joinBurstPerIp: 1000 } });
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await gw.close();
});

describe('joining the queue', () => {
  it('answers a join with the place, a signed queue token, the phase and the commitment', async () => {
    const eventId = await gw.createEvent();
    const a = await fan();
    const joined = await a.join(eventId, 'fan-a');
    expect(joined).toMatchObject({ eventId, fanId: 'fan-a', number: 0, status: 'preQueue', phase: 'preQueue', restored: false, holds: [] });
    expect(joined.queueToken).toMatch(/^qt1\./);
    expect(joined.commitment).toMatch(/^[0-9a-f]{64}$/);
    expect(joined.seed).toBeNull();
  });

  it('tells each pre-queue fan its shuffled number at the on-sale time, and publishes the seed', async () => {
    const eventId = await gw.createEvent({ admission: { mode: 'concurrency', maxActiveShoppers: 1 } });
    const fans = await Promise.all([fan(), fan(), fan()]);
    await Promise.all(fans.map((c, i) => c.join(eventId, `pre-${i}`)));
    await gw.advance(60_000);
    const numbers = await Promise.all(fans.map(async (c) => (await c.next('numbered')).number));
    expect([...numbers].sort()).toEqual([1, 2, 3]);
    const started = await fans[0]!.next('saleStarted');
    expect(started.seed).toMatch(/^[0-9a-f]{64}$/);
  });

  it('a second join for a fan id that has a place needs its token', async () => {
    const eventId = await onSaleEvent();
    const a = await fan();
    await a.join(eventId, 'fan-dup');
    const thief = await fan();
    const reply = await thief.request({ t: 'join', eventId, fanId: 'fan-dup', token: null, powChallenge: null, powNonce: null, identity: null, accessCode: null });
    expect(reply).toMatchObject({ t: 'error', code: 'FAN_ID_IN_USE' });
  });

  it('refuses a token of another fan or another event, or a forged one', async () => {
    const eventId = await onSaleEvent();
    const other = await onSaleEvent();
    const a = await fan();
    const { queueToken } = await a.join(eventId, 'fan-tok');
    const b = await fan();
    const wrongFan = await b.request({ t: 'join', eventId, fanId: 'someone-else', token: queueToken, powChallenge: null, powNonce: null, identity: null, accessCode: null });
    expect(wrongFan).toMatchObject({ t: 'error', code: 'TOKEN_INVALID', details: { reason: 'fan' } });
    const wrongEvent = await b.request({ t: 'join', eventId: other, fanId: 'fan-tok', token: queueToken, powChallenge: null, powNonce: null, identity: null, accessCode: null });
    expect(wrongEvent).toMatchObject({ t: 'error', code: 'TOKEN_INVALID', details: { reason: 'event' } });
    const forged = await b.request({ t: 'join', eventId, fanId: 'fan-tok', token: `${queueToken.slice(0, -4)}AAAA`, powChallenge: null, powNonce: null, identity: null, accessCode: null });
    expect(forged).toMatchObject({ t: 'error', code: 'TOKEN_INVALID', details: { reason: 'signature' } });
  });
});

describe('queue updates', () => {
  it('publishes one queue message per event per tick, whatever the number of fans, and clients compute their position', async () => {
    const eventId = await onSaleEvent({ admission: { mode: 'rate', fansPerMinute: 60 } });
    const fans = await Promise.all(Array.from({ length: 6 }, () => fan()));
    const joined = [];
    for (const [i, c] of fans.entries()) joined.push(await c.join(eventId, `q-${i}`));
    const published: string[] = [];
    const unsubscribe = gw.host.subscribe((b) => {
      if (b.type === 'queue') published.push(...b.states.map((s) => s.eventId));
    });
    await gw.advance(1000);
    unsubscribe();
    expect(published.filter((id) => id === eventId)).toHaveLength(1);
    const updates = await Promise.all(fans.map((c) => c.next('queue')));
    await new Promise((resolve) => setTimeout(resolve, 50));
    for (const c of fans) expect(c.all('queue').filter((m) => m.eventId === eventId)).toHaveLength(1);
    for (const [i, update] of updates.entries()) {
      expect(update.eventId).toBe(eventId);
      expect(Math.max(0, joined[i]!.number - update.nowServing)).toBeLessThanOrEqual(joined[i]!.position);
    }
    expect(updates[0]!.rateHigh).toBeGreaterThan(0);
  });

  it('tells each fan whether tickets should remain when it reaches the front, from what is free, held and taken per fan', async () => {
    const eventId = await onSaleEvent({
      inventory: { tiers: [{ id: 'ga', name: 'GA', price: 1000, quantity: 20 }], sections: [] }, admission: { mode: 'rate', fansPerMinute: 60 },
    });
    const first = await fan();
    await first.join(eventId, 'outlook-0');
    await gw.advance(1000);
    await first.next('admitted');
    const held = await first.request({ t: 'hold', grantId: null, request: { kind: 'tickets', tierId: 'ga', quantity: 4 }, key: 'k' });
    expect(held.t).toBe('held');
    // 16 free, 4 held, 1 fan settled having taken 4: (4 + 4 × 20) / (1 + 20) = 4 a fan, so the free tickets serve 4 more
    // fans (`likely` up to position 3.2) and the held ones 1 more (`unlikely` beyond 5 ÷ 0.8).
    const line = await Promise.all(Array.from({ length: 7 }, () => fan()));
    const outlooks = [];
    for (const [i, c] of line.entries()) outlooks.push((await c.join(eventId, `outlook-${i + 1}`)).outlook);
    expect(outlooks).toEqual(['likely', 'likely', 'likely', 'close', 'close', 'close', 'unlikely']);
    await gw.advance(1000);
    const update = await line[6]!.next('queue');
    const { status } = gw.host.handle({ op: 'getEvent', eventId });
    expect(update).toMatchObject({ ticketsFree: 16, ticketsHeld: 4, openGrants: status.openGrants });
    expect(update.ticketsPerFan).toBe(Math.round(((4 + 4 * 20) / (status.admitted - status.openGrants + 20)) * 100) / 100);
    expect(ticketOutlook(8, update.nowServing, update)).toBe('unlikely');
  });
});

describe('staggered refreshes on a real gateway', () => {
  it('a refresh that moves nobody reaches every fan once, slice by slice', async () => {
    const crowded = await startTestGateway({ limits: { joinsPerIpPerSec: 1000, joinBurstPerIp: 1000, staggerRefreshFromFans: 1, refreshSpreadMs: 80 } });
    const fans: FanClient[] = [];
    try {
      const eventId = await crowded.createEvent();
      for (let i = 0; i < 10; i++) fans.push(await FanClient.connect(crowded.wsUrl));
      await crowded.advance(0);
      await Promise.all(fans.map((c, i) => c.join(eventId, `slice-${i}`)));
      // Pre-queue: the line grew, nobody moved; the refresh interval is 2 s.
      await crowded.advance(2_000);
      await eventually(() => {
        for (const c of fans) expect(c.all('queue').at(-1)).toMatchObject({ eventId, waiting: 10 });
      });
      await new Promise((resolve) => setTimeout(resolve, 150));
      for (const c of fans) expect(c.all('queue').filter((m) => m.waiting === 10)).toHaveLength(1);
    } finally {
      await Promise.all(fans.map((c) => c.close()));
      await crowded.close();
    }
  });
});

describe('admission, holds and expiry', () => {
  it('admits the fan on its own socket, holds with the grant, extends, and tells it when the hold expires', async () => {
    const eventId = await onSaleEvent();
    const a = await fan();
    await a.join(eventId, 'fan-hold');
    await gw.advance(250);
    const admitted = await a.next('admitted');
    expect(admitted.grantId).toMatch(/^g\d+$/);
    const held = await a.request({ t: 'hold', grantId: null, request: { kind: 'tickets', tierId: 'ga', quantity: 2 }, key: 'k1' });
    expect(held).toMatchObject({ t: 'held', eventId, hold: { status: 'held', tierId: 'ga', quantity: 2, amount: 10_000, currency: 'EUR', extended: false } });
    if (held.t !== 'held') throw new Error('unreachable');
    const extended = await a.request({ t: 'extend', holdId: held.hold.holdId, key: 'k2' });
    expect(extended).toMatchObject({ t: 'held', hold: { extended: true, expiresAt: held.hold.expiresAt + 30_000 } });
    await gw.advance(60_000 + 30_000);
    expect(await a.next('holdExpired')).toMatchObject({ eventId, holdId: held.hold.holdId });
  });

  it('a copied grant id is useless on another fan\'s connection', async () => {
    const eventId = await onSaleEvent();
    const a = await fan();
    const b = await fan();
    await a.join(eventId, 'grant-owner');
    await b.join(eventId, 'grant-thief');
    await gw.advance(250);
    const { grantId } = await a.next('admitted');
    await b.next('admitted');
    const stolen = await b.request({ t: 'hold', grantId, request: { kind: 'tickets', tierId: 'ga', quantity: 1 }, key: 'steal' });
    expect(stolen).toMatchObject({ t: 'error', code: 'GRANT_INVALID' });
  });

  it('holding before joining is refused', async () => {
    const a = await fan();
    expect(await a.request({ t: 'hold', grantId: 'g1', request: { kind: 'tickets', tierId: 'ga', quantity: 1 }, key: 'x' })).toMatchObject({ code: 'NOT_JOINED' });
  });

  it('broadcasts sold out to every fan of the event, and passes engine error codes through unchanged', async () => {
    const eventId = await onSaleEvent({ inventory: { tiers: [{ id: 'ga', name: 'GA', price: 1000, quantity: 2 }], sections: [] }, maxTicketsPerFan: 2 });
    const buyer = await fan();
    const waiter = await fan();
    await buyer.join(eventId, 'so-buyer');
    await gw.advance(250);
    await buyer.next('admitted');
    await waiter.join(eventId, 'so-waiter');
    const held = await buyer.request({ t: 'hold', grantId: null, request: { kind: 'tickets', tierId: 'ga', quantity: 2 }, key: 'k' });
    if (held.t !== 'held') throw new Error(JSON.stringify(held));
    const started = await buyer.request({ t: 'pay', holdId: held.hold.holdId, key: 'pay' });
    if (started.t !== 'paymentStarted') throw new Error(JSON.stringify(started));
    // A payment in flight can still fail: sold out only once it is bought and nothing can come back.
    await fetch(`${gw.httpUrl}${started.checkoutUrl}`, { method: 'POST', body: JSON.stringify({ decision: 'approve' }) });
    await Promise.all([buyer.next('soldOut'), waiter.next('soldOut')]);
    const late = await fan();
    await late.join(eventId, 'so-late');
    expect(await late.request({ t: 'hold', grantId: 'g999', request: { kind: 'tickets', tierId: 'ga', quantity: 1 }, key: 'k' })).toMatchObject({ code: 'SOLD_OUT' });
  });
});

describe('leaving and reconnecting', () => {
  it('leave gives the place up; the connection may join again at the back', async () => {
    const eventId = await onSaleEvent({ admission: { mode: 'concurrency', maxActiveShoppers: 1 } });
    const a = await fan();
    const first = await a.join(eventId, 'leaver');
    expect(await a.request({ t: 'leave' })).toMatchObject({ t: 'left', eventId });
    const again = await a.join(eventId, 'leaver');
    expect(again.number).toBeGreaterThan(first.number);
  });

  it('reconnecting with the queue token keeps the place; the old connection is closed as replaced', async () => {
    const eventId = await onSaleEvent({ admission: { mode: 'concurrency', maxActiveShoppers: 1 } });
    const a = await fan();
    const first = await a.join(eventId, 'mover');
    const b = await fan();
    const resumed = await b.join(eventId, 'mover', { token: first.queueToken });
    expect(resumed).toMatchObject({ number: first.number, restored: true });
    expect(await a.next('error')).toMatchObject({ code: 'SESSION_REPLACED' });
    expect((await a.closed).code).toBe(4001);
    // The replaced connection closing does not count as the fan leaving.
    expect(gw.host.engine.event(eventId).room.isConnected('mover')).toBe(true);
  });

  it('a disconnected fan who returns within the grace period keeps the place; one who does not loses it', async () => {
    const eventId = await onSaleEvent({ admission: { mode: 'concurrency', maxActiveShoppers: 1 }, presenceGraceMs: 5_000 });
    const blocker = await fan();
    await blocker.join(eventId, 'blocker');
    const a = await fan();
    const joined = await a.join(eventId, 'returner');
    await a.close();
    await eventually(() => expect(gw.host.engine.event(eventId).room.isConnected('returner')).toBe(false));
    await gw.advance(3_000);
    const back = await fan();
    expect(await back.join(eventId, 'returner', { token: joined.queueToken })).toMatchObject({ number: joined.number, restored: true });

    const gone = await fan();
    const goneJoined = await gone.join(eventId, 'goner');
    await gone.close();
    await eventually(() => expect(gw.host.engine.event(eventId).room.isConnected('goner')).toBe(false));
    await gw.advance(6_000);
    const late = await fan();
    const rejoined = await late.join(eventId, 'goner', { token: goneJoined.queueToken });
    expect(rejoined.restored).toBe(false);
    expect(rejoined.number).toBeGreaterThan(goneJoined.number);
  });
});

describe('proof of work', () => {
  it('asks for a proof of work when the organizer switched it on, and accepts a solved one', async () => {
    const eventId = await gw.createEvent({}, { powDifficulty: 10 });
    const asker = await fan();
    const refused = await asker.request({ t: 'join', eventId, fanId: 'worker', token: null, powChallenge: null, powNonce: null, identity: null, accessCode: null });
    expect(refused).toMatchObject({ t: 'error', code: 'POW_REQUIRED', details: { difficulty: 10 } });
    if (refused.t !== 'error') throw new Error('unreachable');
    const challenge = refused.details.challenge as string;
    const nonce = solvePow(challenge, 'worker', 10)!;
    let wrongNonce = 0;
    while (powSatisfied(challenge, 'worker', String(wrongNonce), 10)) wrongNonce++;
    const wrong = await asker.request({ t: 'join', eventId, fanId: 'worker', token: null, powChallenge: challenge, powNonce: String(wrongNonce), identity: null, accessCode: null });
    expect(wrong).toMatchObject({ t: 'error', code: 'POW_INVALID', details: { reason: 'nonce', difficulty: 10 } });
    // The solution is bound to the fan id: it does not admit another one.
    if (!powSatisfied(challenge, 'freeloader', nonce, 10)) {
      const other = await asker.request({ t: 'join', eventId, fanId: 'freeloader', token: null, powChallenge: challenge, powNonce: nonce, identity: null, accessCode: null });
      expect(other).toMatchObject({ t: 'error', code: 'POW_INVALID' });
    }
    const joined = await asker.join(eventId, 'worker', { powChallenge: challenge, powNonce: nonce });
    expect(joined.fanId).toBe('worker');
  });
});
