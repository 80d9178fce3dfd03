/**
 * The organizer webhook (#17 point 2): fan.waitlisted, fan.recalled, fan.called and
 * fan.soldOut reach a local HTTP endpoint standing in for the organizer's
 * systems, each signed like the payment webhooks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applySettingsPatch, DEFAULT_EVENT_SETTINGS, settingsForOrganizer } from '../../engine/host/event-settings.js';
import { FanClient } from './helpers/fan-client.js';
import { closePage, FAR_BACK_ANSWER_MS, farBackSale, fansAheadLeave } from './helpers/far-back-sale.js';
import { OrganizerReceiver } from './helpers/organizer-receiver.js';
import { eventually, startTestGateway, type TestGateway } from './helpers/test-gateway.js';

const SECRET = 'organizer-webhook-secret-0123';

let gw: TestGateway;
let organizer: OrganizerReceiver;
const clients: FanClient[] = [];

beforeAll(async () => {
  organizer = await new OrganizerReceiver(SECRET).start();
  gw = await startTestGateway({ limits: { joinsPerIpPerSec: 1000, joinBurstPerIp: 1000 } });
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await gw.close();
  await organizer.close();
});

async function fan(): Promise<FanClient> {
  const client = await FanClient.connect(gw.wsUrl);
  clients.push(client);
  return client;
}

const hooksOf = (type: string) => organizer.received.filter((r) => r.type === type);

describe('the organizer webhook', () => {
  it('tells the organizer, signed, who is waitlisted, who is called, and who was still waiting at the final sell-out', async () => {
    const eventId = await gw.createEvent({
      inventory: { tiers: [{ id: 'ga', name: 'GA', price: 1000, quantity: 2 }], sections: [] },
      maxTicketsPerFan: 2,
      waitlist: { standbyMarginPercent: 0 },
    }, { notifyWebhook: { url: organizer.url, secret: SECRET } });
    await gw.advance(60_000);
    const [first, standby, w1, w2] = await Promise.all([fan(), fan(), fan(), fan()]);
    await first.join(eventId, 'hook-first');
    await standby.join(eventId, 'hook-standby');
    await w1.join(eventId, 'hook-w1');
    await w2.join(eventId, 'hook-w2');
    await gw.advance(250);

    await eventually(() => expect(hooksOf('fan.waitlisted')).toHaveLength(1));
    expect(hooksOf('fan.waitlisted')[0]).toMatchObject({
      verified: true, body: { type: 'fan.waitlisted', eventId, fans: [{ fanId: 'hook-w1', waitlisted: 1 }, { fanId: 'hook-w2', waitlisted: 2 }] },
    });

    await gw.advance(31_000); // the first fan's grant lapses: the standby fan is admitted
    await gw.advance(31_000); // its grant lapses too: hook-w1 is called
    const called = await w1.next('called');
    await eventually(() => expect(hooksOf('fan.called')).toHaveLength(1));
    expect(hooksOf('fan.called')[0]).toMatchObject({
      verified: true, body: { type: 'fan.called', eventId, fans: [{ fanId: 'hook-w1', grantId: called.grantId, expiresAt: called.expiresAt }] },
    });

    const held = await w1.request({ t: 'hold', grantId: called.grantId, request: { kind: 'tickets', tierId: 'ga', quantity: 2 }, key: 'k' });
    if (held.t !== 'held') throw new Error(JSON.stringify(held));
    const started = await w1.request({ t: 'pay', holdId: held.hold.holdId, key: 'pay' });
    if (started.t !== 'paymentStarted') throw new Error(JSON.stringify(started));
    await fetch(`${gw.httpUrl}${started.checkoutUrl}`, { method: 'POST', body: JSON.stringify({ decision: 'approve' }) });
    await w2.next('soldOut');
    await eventually(() => expect(hooksOf('fan.soldOut')).toHaveLength(1));
    expect(hooksOf('fan.soldOut')[0]).toMatchObject({ verified: true, body: { type: 'fan.soldOut', eventId, fans: [{ fanId: 'hook-w2' }] } });
  });

  it('tells the organizer, signed, who closed the page far back and is recalled when the line reaches it, and by when', async () => {
    const sale = await farBackSale(gw, fan, 'far-', { notifyWebhook: { url: organizer.url, secret: SECRET } });
    // The fan page may say the organizer will tell its fans.
    expect(await (await fetch(`${gw.httpUrl}/api/public/events/${sale.eventId}`)).json()).toMatchObject({ organizerNotifies: true, callAnswerMs: FAR_BACK_ANSWER_MS });
    const away = sale.awayAfter + 2;
    await closePage(gw, sale, away);
    await gw.advance(250);
    expect(hooksOf('fan.recalled')).toEqual([]); // nothing tells of a place that stays out of reach
    await fansAheadLeave(gw, sale);
    const recalledAt = gw.clock.now();
    await eventually(() => expect(hooksOf('fan.recalled')).toHaveLength(1));
    expect(hooksOf('fan.recalled')[0]).toEqual({
      type: 'fan.recalled', verified: true,
      body: { type: 'fan.recalled', eventId: sale.eventId, at: recalledAt, fans: [{ fanId: sale.fanIds[away - 1], answerBy: recalledAt + FAR_BACK_ANSWER_MS }] },
    });
  });

  it('is an http(s) URL with a secret of at least 16 characters, shown to the organizer without the secret', () => {
    const set = applySettingsPatch(DEFAULT_EVENT_SETTINGS, { notifyWebhook: { url: 'https://tickets.example.com/hooks', secret: SECRET } });
    expect(settingsForOrganizer(set).notifyWebhook).toEqual({ url: 'https://tickets.example.com/hooks', secret: 'set' });
    expect(applySettingsPatch(set, { notifyWebhook: null }).notifyWebhook).toBeNull();
    expect(() => applySettingsPatch(DEFAULT_EVENT_SETTINGS, { notifyWebhook: { url: 'ftp://x', secret: 'short' } })).toThrow(
      /settings.notifyWebhook.url must be an http\(s\) URL; settings.notifyWebhook.secret must be a string of at least 16/,
    );
  });
});
