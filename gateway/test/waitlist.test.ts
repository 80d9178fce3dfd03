/**
 * Standby and waitlist through a real gateway: the waitlisted fans are told
 * at once by one event message, may close the page, and a called fan who
 * comes back with its queue token finds its call in `joined` and buys.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FanClient } from './helpers/fan-client.js';
import { startTestGateway, type TestGateway } from './helpers/test-gateway.js';

let gw: TestGateway;
const clients: FanClient[] = [];

async function fan(): Promise<FanClient> {
  const client = await FanClient.connect(gw.wsUrl);
  clients.push(client);
  return client;
}

beforeAll(async () => {
  gw = await startTestGateway({ limits: { joinsPerIpPerSec: 1000, joinBurstPerIp: 1000 } });
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await gw.close();
});

describe('standby and waitlist', () => {
  it('tells the waitlisted fans at once; a called fan reconnects with its token, gets the call and buys; then sold out, final, for the rest', async () => {
    // 2 tickets, 2 a fan: the first fan is admitted for both; the next place stands by, the later ones are waitlisted.
    const eventId = await gw.createEvent({
      inventory: { tiers: [{ id: 'ga', name: 'GA', price: 1000, quantity: 2 }], sections: [] },
      maxTicketsPerFan: 2,
      waitlist: { standbyMarginPercent: 0, callAnswerMs: 10 * 60_000 },
    });
    await gw.advance(60_000); // on sale
    const [first, standby, w1, w2] = await Promise.all([fan(), fan(), fan(), fan()]);
    await first.join(eventId, 'wl-first');
    await standby.join(eventId, 'wl-standby');
    const w1Joined = await w1.join(eventId, 'wl-w1');
    const w2Joined = await w2.join(eventId, 'wl-w2');
    await gw.advance(250);

    await first.next('admitted');
    const told = await Promise.all([w1.next('waitlist'), w2.next('waitlist'), standby.next('waitlist')]);
    for (const message of told) expect(message).toMatchObject({ eventId, open: true, waitlistAfter: 2, waitlistUpTo: null });
    expect(w1Joined.number - told[0].waitlistAfter).toBe(1);
    expect(w2Joined.number - told[1].waitlistAfter).toBe(2);

    // w1 closes the page; longer than the presence grace (30 s) passes: the waitlisted place is kept.
    await w1.close();
    await gw.advance(31_000); // the first fan's grant (30 s) lapses: its tickets go to the standby fan
    await standby.next('admitted');
    await gw.advance(31_000); // the standby fan lets its grant lapse too: the standby ran dry, w1 is called

    const back = await fan();
    const resumed = await back.join(eventId, 'wl-w1', { token: w1Joined.queueToken });
    expect(resumed).toMatchObject({ restored: true, status: 'admitted', called: true, waitlisted: null });
    expect(resumed.grantId).not.toBeNull();
    expect(resumed.grantExpiresAt).toBeGreaterThan(gw.clock.now() + 9 * 60_000);
    // w2 is still waitlisted (number 1 now that w1 was called) and is told so on reconnecting (its old socket is replaced).
    const w2b = await fan();
    const w2Again = await w2b.join(eventId, 'wl-w2', { token: w2Joined.queueToken });
    expect(w2Again).toMatchObject({ restored: true, status: 'waiting', waitlisted: 1, waitlistAfter: 2, called: false });

    const held = await back.request({ t: 'hold', grantId: resumed.grantId, request: { kind: 'tickets', tierId: 'ga', quantity: 2 }, key: 'k' });
    if (held.t !== 'held') throw new Error(JSON.stringify(held));
    const started = await back.request({ t: 'pay', holdId: held.hold.holdId, key: 'pay' });
    if (started.t !== 'paymentStarted') throw new Error(JSON.stringify(started));
    await fetch(`${gw.httpUrl}${started.checkoutUrl}`, { method: 'POST', body: JSON.stringify({ decision: 'approve' }) });
    expect(await back.next('purchased')).toMatchObject({ holdId: held.hold.holdId });
    // Nothing can come back now: sold out, final, to every fan at once.
    await Promise.all([back.next('soldOut'), w2b.next('soldOut')]);
    const status = await gw.api('GET', `/api/events/${eventId}`);
    expect(status.body.status.waitlist).toMatchObject({ state: 'open', called: 1, lapsedCalls: 0, waitlisted: 1 });
  });
});
