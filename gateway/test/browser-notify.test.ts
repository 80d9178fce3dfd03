/**
 * Being called while looking elsewhere (#17 point 2), in a real chromium:
 * the fan page asks for notification permission only from its button, and
 * when the fan is called (or admitted while the tab is hidden) it shows a
 * notification, changes the tab's title and vibrates. The service worker at
 * /sw.js shows a pushed notification (delivered through the DevTools
 * protocol: headless chromium has no push service to subscribe to).
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateVapidKeys } from '../../engine/host/notify/web-push-config.js';
import { FanClient } from './helpers/fan-client.js';
import { launchChromium, startPageGateway, type PageGateway } from './helpers/browser-harness.js';

const WAIT = { timeout: 10_000 };

/** Records what the page does with notifications, vibration and visibility (the test sets `window.testHidden`). */
const RECORDER = `
  window.recorded = { notifications: [], vibrations: [], permissionAsked: 0 };
  const Real = window.Notification;
  class Recording extends Real {
    constructor(title, options) {
      super(title, options);
      window.recorded.notifications.push({ title, body: options?.body, tag: options?.tag });
    }
    static get permission() { return Real.permission; }
    static requestPermission() { window.recorded.permissionAsked++; return Real.requestPermission(); }
  }
  window.Notification = Recording;
  navigator.vibrate = (pattern) => { window.recorded.vibrations.push(pattern); return true; };
  Object.defineProperty(document, 'hidden', { configurable: true, get: () => window.testHidden === true });
`;

interface Recorded { notifications: Array<{ title: string; body: string; tag: string }>; vibrations: unknown[]; permissionAsked: number }

describe('fan page alerts (browser)', () => {
  let gw: PageGateway;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const clients: FanClient[] = [];

  beforeAll(async () => {
    const webPush = { keys: generateVapidKeys(), subject: 'mailto:ops@tickets.example', extraOrigins: [] };
    [gw, browser] = await Promise.all([startPageGateway({ webPush }), launchChromium()]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all(contexts.map((context) => context.close()));
    await browser?.close();
    await gw?.close();
  });

  async function newPage(allowNotifications: boolean): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext();
    contexts.push(context);
    if (allowNotifications) await context.grantPermissions(['notifications'], { origin: gw.httpUrl });
    await context.addInitScript(RECORDER);
    const page = await context.newPage();
    page.on('pageerror', (err) => console.error('page error:', err));
    return { context, page };
  }

  const recorded = (page: Page) => page.evaluate('window.recorded') as Promise<Recorded>;

  /** Two tickets taken by a fan in this test; the next fan stands by, so the page's fan (third) is waitlisted. */
  async function saleWithAllTaken(): Promise<string> {
    const eventId = await gw.createEvent({
      name: 'Alert night',
      inventory: { tiers: [{ id: 'ga', name: 'GA', price: 1000, quantity: 2 }], sections: [] },
      maxTicketsPerFan: 2,
      waitlist: { standbyMarginPercent: 0 },
    });
    await gw.advance(60_000);
    for (const fanId of [`${eventId}-first`, `${eventId}-standby`]) {
      const client = await FanClient.connect(gw.wsUrl);
      clients.push(client);
      await client.join(eventId, fanId);
    }
    return eventId;
  }

  it('asks for permission only when the fan presses the button, never on load', async () => {
    const eventId = await saleWithAllTaken();
    const { page } = await newPage(false);
    await page.goto(`${gw.httpUrl}/?event=${eventId}`);
    await page.locator('#queue').waitFor({ state: 'visible', ...WAIT });
    await gw.advance(250);
    await page.locator('#queue-state[data-waitlisted="1"]').waitFor(WAIT);
    expect((await recorded(page)).permissionAsked).toBe(0);
    await expect.poll(() => page.locator('#alerts-text').textContent()).toContain('Turn on notifications and this device tells you if tickets come back');
    await page.locator('#alerts-enable').click();
    await expect.poll(async () => (await recorded(page)).permissionAsked).toBe(1);
  });

  it('when called: a notification, the tab title and a vibration', async () => {
    const eventId = await saleWithAllTaken();
    const { page } = await newPage(true);
    await page.goto(`${gw.httpUrl}/?event=${eventId}`);
    await page.locator('#queue').waitFor({ state: 'visible', ...WAIT });
    await gw.advance(250);
    await page.locator('#queue-state[data-waitlisted="1"]').waitFor(WAIT);
    // Allowed already: no button, and no push in headless chromium, so the page says it alerts while open.
    expect(await page.locator('#alerts-enable').isHidden()).toBe(true);
    await expect.poll(() => page.locator('#alerts-text').textContent(), WAIT).toContain('Notifications are on while this page is open');
    expect((await recorded(page)).notifications).toEqual([]);

    await gw.advance(31_000); // the first fan's grant lapses: the standby fan is admitted
    await gw.advance(31_000); // its grant lapses too: the page's fan is called
    await page.locator('#shop').waitFor({ state: 'visible', ...WAIT });
    const { notifications, vibrations } = await recorded(page);
    expect(notifications).toEqual([{ title: 'It is your turn', body: expect.stringMatching(/^Tickets came back for you: choose them by /), tag: `breakwater-${eventId}` }]);
    expect(vibrations).toHaveLength(1);
    expect(await page.title()).toBe('🔔 It is your turn — Alert night — Breakwater waiting room');

    await page.locator('#pane-ga button[type=submit]').click();
    await page.locator('#hold').waitFor({ state: 'visible', ...WAIT });
    expect(await page.title()).toBe('Alert night — Breakwater waiting room'); // acted on: the title is the page's own again
  });

  it('when admitted: a notification only if the tab is hidden', async () => {
    const eventId = await gw.createEvent({ name: 'Hidden tab night' });
    await gw.advance(60_000);
    const [visible, hidden] = await Promise.all([newPage(true), newPage(true)]);
    await hidden.page.addInitScript('window.testHidden = true');
    for (const { page } of [visible, hidden]) {
      await page.goto(`${gw.httpUrl}/?event=${eventId}`);
      await page.locator('#queue').waitFor({ state: 'visible', ...WAIT });
    }
    await gw.advance(1000);
    for (const { page } of [visible, hidden]) await page.locator('#shop').waitFor({ state: 'visible', ...WAIT });
    expect((await recorded(visible.page)).notifications).toEqual([]);
    expect((await recorded(hidden.page)).notifications).toEqual([{ title: 'It is your turn', body: expect.stringMatching(/^Choose your tickets by /), tag: `breakwater-${eventId}` }]);
    expect(await hidden.page.title()).toMatch(/^🔔 It is your turn/);
  });

  it('registers the service worker at /sw.js for scope /, which shows a pushed notification', async () => {
    const eventId = await gw.createEvent();
    const { context, page } = await newPage(true);
    const cdp = await context.newCDPSession(page);
    const registrations: Array<{ registrationId: string; scopeURL: string; isDeleted: boolean }> = [];
    cdp.on('ServiceWorker.workerRegistrationUpdated', (event) => registrations.push(...event.registrations));
    await cdp.send('ServiceWorker.enable');
    await page.goto(`${gw.httpUrl}/?event=${eventId}`);
    // Allowed and offered a key, the page registers the worker to subscribe (headless chromium then has no push service).
    await expect.poll(() => page.evaluate('navigator.serviceWorker.getRegistration().then((r) => r?.active?.scriptURL ?? null)'), WAIT).toBe(`${gw.httpUrl}/sw.js`);
    const registration = registrations.find((r) => !r.isDeleted && r.scopeURL === `${gw.httpUrl}/`);
    expect(registration).toBeDefined();
    const worker = await fetch(`${gw.httpUrl}/sw.js`);
    expect(worker.headers.get('cache-control')).toBe('no-cache');

    const payload = { type: 'called', eventId, title: 'Test night: it is your turn', body: 'Tickets came back for you.', url: `/?event=${eventId}` };
    await cdp.send('ServiceWorker.deliverPushMessage', { origin: gw.httpUrl, registrationId: registration!.registrationId, data: JSON.stringify(payload) });
    await expect.poll(() => page.evaluate(
      'navigator.serviceWorker.ready.then((r) => r.getNotifications()).then((list) => list.map((n) => ({ title: n.title, body: n.body, tag: n.tag, data: n.data })))',
    ), WAIT).toEqual([{ title: payload.title, body: payload.body, tag: `breakwater-${eventId}`, data: { eventId, url: payload.url } }]);
  });
});
