/**
 * Far back in line (#17, the away horizon), in a real chromium: a fan whose
 * place is beyond what every ticket left could serve is told it may close
 * the page, how it would be told to come back and how long it would have; a
 * fan nearer the front is not. A fan who closes the page out there keeps its
 * place past the presence grace and finds it again when it reopens the page;
 * the banner goes once the tickets left reach the place.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FanClient } from './helpers/fan-client.js';
import { launchChromium, startPageGateway, type PageGateway } from './helpers/browser-harness.js';
import { eventually } from './helpers/test-gateway.js';

const WAIT = { timeout: 10_000 };
const GRACE_MS = 2_000;

describe('fan page far back in line (browser)', () => {
  let gw: PageGateway;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const clients: FanClient[] = [];

  beforeAll(async () => {
    [gw, browser] = await Promise.all([startPageGateway(), launchChromium()]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all(contexts.map((context) => context.close()));
    await browser?.close();
    await gw?.close();
  });

  async function newContext(): Promise<BrowserContext> {
    const context = await browser.newContext();
    contexts.push(context);
    return context;
  }

  async function openPage(context: BrowserContext, eventId: string): Promise<Page> {
    const page = await context.newPage();
    page.on('pageerror', (err) => console.error('page error:', err));
    await page.goto(`${gw.httpUrl}/?event=${eventId}`);
    await page.locator('#queue').waitFor({ state: 'visible', ...WAIT });
    return page;
  }

  async function clientFans(eventId: string, from: number, to: number): Promise<FanClient[]> {
    const joined: FanClient[] = [];
    for (let n = from; n <= to; n++) {
      const client = await FanClient.connect(gw.wsUrl);
      clients.push(client);
      await client.join(eventId, `${eventId}-fan${n}`);
      joined.push(client);
    }
    return joined;
  }

  const fanIdOf = (page: Page) => page.evaluate("localStorage.getItem('breakwater.fanId')") as Promise<string>;

  it('shows the far fan that it may close the page, not the near one; closed out there, the place outlasts the grace and the banner goes once tickets reach it', async () => {
    // 40 tickets, 2 a fan, five shoppers at a time: once five are admitted the tickets left reach number 24.
    const eventId = await gw.createEvent({
      name: 'Far night',
      inventory: { tiers: [{ id: 'ga', name: 'GA', price: 1000, quantity: 40 }], sections: [] },
      maxTicketsPerFan: 2,
      admission: { mode: 'auto', maxActiveShoppers: 5 },
      presenceGraceMs: GRACE_MS,
      waitlist: { callAnswerMs: 10 * 60_000 },
    });
    await gw.advance(60_000);
    const ahead = await clientFans(eventId, 1, 10);
    const near = await openPage(await newContext(), eventId); // number 11
    const behind = await clientFans(eventId, 12, 30);
    const farContext = await newContext();
    let far = await openPage(farContext, eventId); // number 31
    await gw.advance(250);

    await expect.poll(() => far.locator('#away').textContent(), WAIT).toBe(
      'Tickets are unlikely to reach your place: every ticket left could serve the fans up to number 24, and yours is 31. '
      + 'You may close this page — your place is kept — but nothing can tell you with it closed if tickets may reach you after all: '
      + 'turn on notifications, or look back here. If they may, you then have 10 min to come back, or the place goes to the next fan.',
    );
    // The way to be told with the page closed is offered right there.
    expect(await far.locator('#alerts-enable').isVisible()).toBe(true);
    expect(await far.locator('#alerts-text').textContent()).toContain('this device tells you if tickets may reach your place');
    await expect.poll(() => near.locator('#number').textContent(), WAIT).toBe('11');
    expect(await near.locator('#away').isHidden()).toBe(true);

    // The far fan closes the page, and so does fan 20, inside the horizon: only fan 20 is lost to the grace.
    const farFanId = await fanIdOf(far);
    await far.close();
    await behind[20 - 12]!.close();
    const room = () => gw.host.engine.event(eventId).room;
    await eventually(() => expect([room().isConnected(farFanId), room().isConnected(`${eventId}-fan20`)]).toEqual([false, false]));
    await gw.advance(GRACE_MS + 1_000);
    await gw.advance(250);
    expect(gw.host.engine.event(eventId).fanView(`${eventId}-fan20`).status).toBe('lost');
    expect(gw.host.engine.event(eventId).fanView(farFanId)).toMatchObject({ status: 'waiting', number: 31 });

    // Back on the page: the same place, still out of reach.
    far = await openPage(farContext, eventId);
    await expect.poll(() => far.locator('#number').textContent(), WAIT).toBe('31');
    await far.locator('#away').waitFor({ state: 'visible', ...WAIT });

    // Fans ahead give their places up: the tickets left now reach the far place, and the banner goes.
    for (const client of [...ahead.slice(5), ...behind.slice(0, 20 - 12)]) expect((await client.request({ t: 'leave' })).t).toBe('left');
    await gw.advance(2_500); // a change that moves nobody's position is published within 2 s
    await far.locator('#away').waitFor({ state: 'hidden', ...WAIT });
    expect(await far.locator('#number').textContent()).toBe('31');
  });

  it('beyond the early waitlist\'s line, while tickets are still free, the page says the tickets left cannot reach the place and gives its number on the waitlist', async () => {
    // 6 tickets, 2 a fan, one shopper at a time, no margin: with fan 1's grant open the tickets reach at most 5 more places at one each.
    const eventId = await gw.createEvent({
      name: 'Early night',
      inventory: { tiers: [{ id: 'ga', name: 'GA', price: 1000, quantity: 6 }], sections: [] },
      maxTicketsPerFan: 2,
      admission: { mode: 'auto', maxActiveShoppers: 1 },
      waitlist: { standbyMarginPercent: 0 },
    });
    await gw.advance(60_000);
    await clientFans(eventId, 1, 7);
    const page = await openPage(await newContext(), eventId); // number 8
    await gw.advance(250);
    await page.locator('#queue-state[data-waitlisted="2"]').waitFor(WAIT);
    expect(await page.locator('#queue-state').textContent()).toBe(
      'The tickets left cannot reach your place, even if every fan ahead of you buys only one. You are number 2 on the waitlist: '
      + 'you will be called if tickets remain when the line reaches you. You may close this page — your place is kept.',
    );
    expect(gw.host.engine.event(eventId).status().waitlist).toMatchObject({ state: 'early', waitlistAfter: 6 });
  });
});
