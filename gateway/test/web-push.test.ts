/**
 * Web Push (#17 point 2): fans subscribe over the WebSocket; being
 * waitlisted, called and told of the final sell-out reaches a local HTTP
 * server standing in for the browsers' push service, encrypted for each
 * subscription (decrypted here with the browser's keys, RFC 8291) and signed
 * with the deployment's VAPID key (RFC 8292). A 404 or 410 drops the
 * subscription; bad subscriptions are refused and change nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkedKeys, generateVapidKeys, isAllowedEndpoint, webPushFromEnv, type WebPushConfig } from '../../engine/host/notify/web-push-config.js';
import { FanClient } from './helpers/fan-client.js';
import { closePage, farBackSale, fansAheadLeave } from './helpers/far-back-sale.js';
import { browserKeys, decryptPush, PushServiceStandIn, verifyVapid, type BrowserKeys } from './helpers/push-service.js';
import { eventually, startTestGateway, type TestGateway } from './helpers/test-gateway.js';

const SUBJECT = 'mailto:ops@tickets.example';

let gw: TestGateway;
let pushService: PushServiceStandIn;
let webPush: WebPushConfig;
const clients: FanClient[] = [];

beforeAll(async () => {
  pushService = await PushServiceStandIn.start();
  webPush = { keys: generateVapidKeys(), subject: SUBJECT, extraOrigins: [pushService.origin] };
  gw = await startTestGateway({ limits: { joinsPerIpPerSec: 1000, joinBurstPerIp: 1000 }, webPush });
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await gw.close();
  await pushService.close();
});

async function fan(): Promise<FanClient> {
  const client = await FanClient.connect(gw.wsUrl);
  clients.push(client);
  return client;
}

/** A browser's subscription to the stand-in push service at `path`. */
function subscription(path: string, keys: BrowserKeys = browserKeys()): { endpoint: string; p256dh: string; auth: string; keys: BrowserKeys } {
  return { endpoint: `${pushService.origin}${path}`, p256dh: keys.p256dh, auth: keys.auth, keys };
}

async function subscribe(client: FanClient, sub: { endpoint: string; p256dh: string; auth: string }): Promise<void> {
  const reply = await client.request({ t: 'pushSubscribe', endpoint: sub.endpoint, p256dh: sub.p256dh, auth: sub.auth });
  if (reply.t !== 'pushSubscribed') throw new Error(JSON.stringify(reply));
}

/** Two tickets, two a fan: the first fan takes both, the second stands by, later fans are waitlisted. */
async function smallSale(): Promise<string> {
  const eventId = await gw.createEvent({
    name: 'Push night',
    inventory: { tiers: [{ id: 'ga', name: 'GA', price: 1000, quantity: 2 }], sections: [] },
    maxTicketsPerFan: 2,
    waitlist: { standbyMarginPercent: 0, callAnswerMs: 5 * 60_000 },
  });
  await gw.advance(60_000);
  return eventId;
}

describe('Web Push', () => {
  it('pushes waitlisted, called and sold out, encrypted for each subscription and signed with the deployment key', async () => {
    const eventId = await smallSale();
    const [first, standby, w1, w2] = await Promise.all([fan(), fan(), fan(), fan()]);
    await first.join(eventId, 'push-first');
    await standby.join(eventId, 'push-standby');
    await w1.join(eventId, 'push-w1');
    await w2.join(eventId, 'push-w2');
    const w1Push = subscription('/push/w1');
    const w2Push = subscription('/push/w2');
    await subscribe(w1, w1Push);
    await subscribe(w2, w2Push);
    const opened = (path: string, keys: BrowserKeys) => pushService.to(path).map((push) => JSON.parse(decryptPush(push.body, keys)));

    await gw.advance(250); // all taken: w1 and w2 are waitlisted
    await eventually(() => expect(pushService.received).toHaveLength(2));
    const url = `/?event=${eventId}`;
    expect(opened('/push/w1', w1Push.keys)).toEqual([{
      type: 'waitlisted', eventId, url, title: 'Push night: all tickets are taken',
      body: 'You are number 1 on the waitlist. You may close the page: you will be told here if tickets come back for you.',
    }]);
    expect(opened('/push/w2', w2Push.keys)[0]).toMatchObject({ type: 'waitlisted', body: expect.stringContaining('number 2 on the waitlist') });

    await w1.close(); // the page is closed: only the push can tell w1
    await gw.advance(31_000); // the first fan's grant lapses: the standby fan is admitted
    await gw.advance(31_000); // its grant lapses too: w1 is called
    await eventually(() => expect(pushService.to('/push/w1')).toHaveLength(2));
    expect(opened('/push/w1', w1Push.keys)[1]).toEqual({
      type: 'called', eventId, url, title: 'Push night: it is your turn', body: 'Tickets came back for you. Answer within 5 minutes, or they go to the next fan.',
    });

    const call = pushService.to('/push/w1')[1]!;
    expect(call.headers).toMatchObject({ 'content-encoding': 'aes128gcm', urgency: 'high', ttl: '300', 'content-type': 'application/octet-stream' });
    const claims = await verifyVapid(call.headers.authorization, webPush.keys.publicKey, pushService.origin);
    expect(claims.sub).toBe(SUBJECT);
    expect(claims.exp! * 1000).toBeGreaterThan(Date.now());
    // Signed with another key, the same token does not verify.
    await expect(verifyVapid(call.headers.authorization?.replace(/k=.*$/, `k=${generateVapidKeys().publicKey}`), generateVapidKeys().publicKey, pushService.origin)).rejects.toThrow();

    // w1 comes back and buys both tickets: nothing can return, sold out, final; w2 was still waiting.
    const back = await fan();
    const resumed = await back.join(eventId, 'push-w1', { token: (await w1.all('joined'))[0]!.queueToken });
    const held = await back.request({ t: 'hold', grantId: resumed.grantId, request: { kind: 'tickets', tierId: 'ga', quantity: 2 }, key: 'k' });
    if (held.t !== 'held') throw new Error(JSON.stringify(held));
    const started = await back.request({ t: 'pay', holdId: held.hold.holdId, key: 'pay' });
    if (started.t !== 'paymentStarted') throw new Error(JSON.stringify(started));
    await fetch(`${gw.httpUrl}${started.checkoutUrl}`, { method: 'POST', body: JSON.stringify({ decision: 'approve' }) });
    await w2.next('soldOut');
    await eventually(() => expect(pushService.to('/push/w2')).toHaveLength(2));
    expect(opened('/push/w2', w2Push.keys)[1]).toEqual({ type: 'soldOut', eventId, url, title: 'Push night: sold out', body: 'Every ticket is sold and none can come back.' });
    expect(pushService.to('/push/w1')).toHaveLength(2); // admitted, not waiting: not told of the sell-out
  });

  it('pushes a recall to a fan who closed the page far back, with the time to come back by', async () => {
    const sale = await farBackSale(gw, fan, 'far-push-');
    const away = sale.awayAfter + 2;
    const awayPush = subscription('/push/far');
    await subscribe(sale.fans[away - 1]!, awayPush);
    await closePage(gw, sale, away);
    await fansAheadLeave(gw, sale);
    const answerBy = gw.clock.now() + 10 * 60_000;
    await eventually(() => expect(pushService.to('/push/far')).toHaveLength(1));
    const push = pushService.to('/push/far')[0]!;
    expect(JSON.parse(decryptPush(push.body, awayPush.keys))).toEqual({
      type: 'recalled', eventId: sale.eventId, url: `/?event=${sale.eventId}`, title: 'Far night: your turn may come',
      body: `Your turn may come: come back by ${new Date(answerBy).toISOString().slice(11, 16)} UTC (within 10 minutes) to keep your place.`,
    });
    expect(push.headers).toMatchObject({ urgency: 'high', ttl: '600' });
  });

  it('drops a subscription its push service says is gone (410), and retries one that answers 503', async () => {
    const eventId = await smallSale();
    const [first, standby, gone, flaky] = await Promise.all([fan(), fan(), fan(), fan()]);
    await first.join(eventId, 'gone-first');
    await standby.join(eventId, 'gone-standby');
    await gone.join(eventId, 'gone-w1');
    await flaky.join(eventId, 'gone-w2');
    pushService.answers.set('/push/gone', [410]);
    pushService.answers.set('/push/flaky', [503, 201]);
    const flakyPush = subscription('/push/flaky');
    await subscribe(gone, subscription('/push/gone'));
    await subscribe(flaky, flakyPush);
    expect(gw.host.pushSubscriptionCount(eventId)).toBe(2);

    await gw.advance(250); // both waitlisted
    await eventually(() => expect(gw.host.pushSubscriptionCount(eventId)).toBe(1));
    expect(pushService.to('/push/gone')).toHaveLength(1); // never retried
    await eventually(() => expect(pushService.to('/push/flaky')).toHaveLength(2), 5000);
    expect(decryptPush(pushService.to('/push/flaky')[1]!.body, flakyPush.keys)).toContain('"type":"waitlisted"');

    await gw.advance(31_000);
    await gw.advance(31_000); // gone-w1 is called: nothing is sent to the dropped subscription
    await gone.next('called');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(pushService.to('/push/gone')).toHaveLength(1);
  });

  it('refuses bad subscriptions with a documented code and keeps none of them', async () => {
    const eventId = await smallSale();
    const client = await fan();
    const good = subscription('/push/good');
    const refusal = async (fields: Partial<{ endpoint: string; p256dh: string; auth: string }>) =>
      client.request({ t: 'pushSubscribe', endpoint: good.endpoint, p256dh: good.p256dh, auth: good.auth, ...fields });

    expect(await refusal({})).toMatchObject({ t: 'error', code: 'NOT_JOINED' });
    await client.join(eventId, 'bad-subscriber');
    for (const [fields, reason] of [
      [{ endpoint: 'http://10.0.0.1/push' }, 'endpoint'], // plain http to an origin nobody allowed
      [{ endpoint: 'https://internal.example/push' }, 'endpoint'], // https, but not a push service
      [{ endpoint: 'not a url' }, 'endpoint'],
      [{ p256dh: browserKeys().auth }, 'p256dh'], // 16 bytes, not a key
      [{ p256dh: Buffer.alloc(65, 4).toString('base64url') }, 'p256dh'], // 65 bytes, not a point on the curve
      [{ auth: 'too-short' }, 'auth'],
      [{ auth: '!!!!!!!!!!!!!!!!!!!!!!' }, 'auth'],
    ] as const) {
      expect(await refusal(fields), JSON.stringify(fields)).toMatchObject({ t: 'error', code: 'PUSH_SUBSCRIPTION_INVALID', details: { reason } });
    }
    expect(await refusal({ endpoint: `${pushService.origin}/${'x'.repeat(1100)}` })).toMatchObject({ t: 'error', code: 'MALFORMED_COMMAND', details: { field: 'endpoint' } });
    expect(gw.host.pushSubscriptionCount(eventId)).toBe(0);

    // A fan keeps a few devices; a new one beyond them replaces the oldest.
    for (let i = 0; i < 4; i++) await subscribe(client, subscription(`/push/device-${i}`));
    expect(gw.host.pushSubscriptionCount(eventId)).toBe(3);
  });

  it('answers off on a deployment without Web Push, and offers no key to the page', async () => {
    const plain = await startTestGateway();
    try {
      const eventId = await plain.createEvent();
      const client = await FanClient.connect(plain.wsUrl);
      await client.join(eventId, 'no-push');
      const good = subscription('/push/none');
      expect(await client.request({ t: 'pushSubscribe', endpoint: good.endpoint, p256dh: good.p256dh, auth: good.auth })).toMatchObject({
        t: 'error', code: 'PUSH_SUBSCRIPTION_INVALID', details: { reason: 'off' },
      });
      await client.close();
      expect(((await (await fetch(`${plain.httpUrl}/api/public/events/${eventId}`)).json()) as { pushKey: unknown }).pushKey).toBeNull();
    } finally {
      await plain.close();
    }
    const eventId = await gw.createEvent();
    expect(((await (await fetch(`${gw.httpUrl}/api/public/events/${eventId}`)).json()) as { pushKey: unknown }).pushKey).toBe(webPush.keys.publicKey);
  });
});

describe('Web Push settings', () => {
  it('sends only to the browsers\' push services over https, and to origins the operator lists', () => {
    const allowed = (url: string, extra: string[] = []) => isAllowedEndpoint(new URL(url), extra);
    expect(allowed('https://fcm.googleapis.com/fcm/send/abc')).toBe(true);
    expect(allowed('https://updates.push.services.mozilla.com/wpush/v2/abc')).toBe(true);
    expect(allowed('https://wns2-par02p.notify.windows.com/w/?token=abc')).toBe(true);
    expect(allowed('https://web.push.apple.com/abc')).toBe(true);
    expect(allowed('http://fcm.googleapis.com/fcm/send/abc')).toBe(false);
    expect(allowed('https://fcm.googleapis.com:8443/fcm/send/abc')).toBe(false);
    expect(allowed('https://evil-push.apple.com.example/abc')).toBe(false);
    expect(allowed('http://127.0.0.1:9000/p')).toBe(false);
    expect(allowed('http://127.0.0.1:9000/p', ['http://127.0.0.1:9000'])).toBe(true);
  });

  it('reads the key pair, subject and extra origins from the environment: both keys or neither, and a matching pair', () => {
    const keys = generateVapidKeys();
    expect(webPushFromEnv({})).toEqual({ keys: undefined, subject: 'mailto:push@breakwater.invalid', extraOrigins: [] });
    expect(webPushFromEnv({
      BREAKWATER_VAPID_PUBLIC_KEY: keys.publicKey, BREAKWATER_VAPID_PRIVATE_KEY: keys.privateKey, BREAKWATER_VAPID_SUBJECT: SUBJECT,
      BREAKWATER_PUSH_ORIGINS: 'https://push.example.com/ignored/path, http://127.0.0.1:9000',
    })).toEqual({ keys, subject: SUBJECT, extraOrigins: ['https://push.example.com', 'http://127.0.0.1:9000'] });
    expect(() => webPushFromEnv({ BREAKWATER_VAPID_PUBLIC_KEY: keys.publicKey })).toThrow(/set both or neither/);
    expect(() => checkedKeys({ publicKey: generateVapidKeys().publicKey, privateKey: keys.privateKey })).toThrow(/not the public key/);
    expect(() => checkedKeys({ publicKey: keys.publicKey, privateKey: Buffer.alloc(32).toString('base64url') })).toThrow(/not a P-256 private key/);
    expect(() => webPushFromEnv({ BREAKWATER_VAPID_SUBJECT: 'ops@tickets.example' })).toThrow(/mailto: or https:/);
    expect(() => webPushFromEnv({ BREAKWATER_PUSH_ORIGINS: 'ftp://x' })).toThrow(/not http/);
  });
});
