/**
 * The fan page never shows a state that is not true (issue #17 point 4), in a
 * real chromium against a real gateway on a simulated clock: the loading card
 * from the first paint, times with their zone and when an unnumbered place is
 * drawn, a dead connection noticed by the heartbeat with the place shown as
 * stale, a place got back with the join key when the `joined` carrying its
 * token was lost, a second tab taking the place over, every ending of a hold
 * as one card with its next step (a turn that passed while the fan was away
 * included), and seats named from the event's venue.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventConfigInput } from '../../engine/src/index.js';
import { timeOfDay } from '../pages/lib/format.js';
import { decodeServerMessage } from '../src/protocol/index.js';
import { launchChromium, screenshotPath, startPageGateway, type PageGateway } from './helpers/browser-harness.js';

const WAIT = { timeout: 10_000 };
const PARIS = { locale: 'en-GB', timezoneId: 'Europe/Paris' };

/** A small venue whose names are nothing like the demo's: one section, row "AA", categories "VIP" and "Tribune". */
const VENUE: Partial<EventConfigInput> = {
  inventory: {
    tiers: [],
    sections: [{
      id: 'P', name: 'Parterre',
      rows: [{ id: 'AA', seats: ['VIP', 'VIP', 'VIP', 'Tribune', 'Tribune'].map((category, i) => ({ label: String(i + 1), category, rank: i + 1 })) }],
    }],
  },
};
const VENUE_PRICES = { categoryPrices: { VIP: 12_000, Tribune: 6_000 }, currency: 'EUR' };

describe('fan page tells the truth (browser)', () => {
  let gw: PageGateway;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    [gw, browser] = await Promise.all([startPageGateway(), launchChromium()]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(contexts.map((context) => context.close()));
    await browser?.close();
    await gw?.close();
  });

  async function newPage(options: Parameters<Browser['newContext']>[0] = {}): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, ...options });
    contexts.push(context);
    const page = await context.newPage();
    page.on('pageerror', (err) => console.error('page error:', err));
    return { context, page };
  }

  const text = async (page: Page, selector: string) => ((await page.locator(selector).textContent()) ?? '').trim();
  /** The cards the fan sees (the fairness card aside): always exactly one state. */
  const visibleCards = (page: Page) => page.evaluate(
    "[...document.querySelectorAll('main > .card')].filter((e) => !e.hidden && e.id !== 'fairness').map((e) => e.id)",
  ) as Promise<string[]>;

  /** An event already on sale (numbers given on arrival); nobody is admitted until the clock moves. */
  async function eventOnSale(overrides: Partial<EventConfigInput> = {}, settings = {}): Promise<string> {
    const eventId = await gw.createEvent(overrides, settings);
    await gw.advance(60_000);
    return eventId;
  }

  async function admit(page: Page): Promise<void> {
    for (let i = 0; i < 10 && !(await page.locator('#shop').isVisible()); i++) {
      await gw.advance(1000);
      await page.locator('#shop').waitFor({ state: 'visible', timeout: 1000 }).catch(() => undefined);
    }
    await page.locator('#shop').waitFor({ state: 'visible', ...WAIT });
  }

  it('shows a loading card from the first paint, before the script has arrived', async () => {
    const eventId = await gw.createEvent();
    const { page } = await newPage();
    let releaseScript!: () => void;
    const scriptHeld = new Promise<void>((resolve) => (releaseScript = resolve));
    // A slow network: the page's script arrives seconds after the HTML.
    await page.route(/\/assets\/fan[^/]*\.js/, async (route) => {
      await scriptHeld;
      await route.continue();
    });
    await page.goto(`${gw.httpUrl}/?event=${eventId}`, { waitUntil: 'commit' });
    await page.locator('#loading').waitFor({ state: 'visible', ...WAIT });
    expect(await text(page, '#loading')).toMatch(/Finding your place/);
    expect(await page.evaluate('typeof window.breakwater')).toBe('undefined');
    await page.screenshot({ path: screenshotPath('truth-1-loading.png'), fullPage: true });
    releaseScript();
    await page.locator('#prequeue').waitFor({ state: 'visible', ...WAIT });
    expect(await visibleCards(page)).toEqual(['prequeue']);
  }, 30_000);

  it('writes times with their time zone and says when the waiting room\'s places are drawn', async () => {
    const eventId = await gw.createEvent();
    const { body } = await gw.api('GET', `/api/events/${eventId}`);
    const onSaleAt = body.config.onSaleAt as number;
    const { page } = await newPage(PARIS);
    await page.goto(`${gw.httpUrl}/?event=${eventId}`);
    await page.locator('#prequeue').waitFor({ state: 'visible', ...WAIT });
    const drawnAt = timeOfDay(onSaleAt, { locale: 'en-GB', timeZone: 'Europe/Paris' });
    expect(drawnAt).toMatch(/^\d\d:\d\d:\d\d CES?T$/);
    await expect.poll(() => text(page, '#prequeue-numbered'), WAIT).toBe(`Your place is drawn at ${drawnAt}.`);
    await expect.poll(() => text(page, '#event-times'), WAIT).toMatch(/^On sale .*\d\d:\d\d CES?T · sale closes .*\d\d:\d\d CES?T$/);
    await page.screenshot({ path: screenshotPath('truth-2-drawn-at.png'), fullPage: true });
    // The draw: the number arrives (the only fan is admitted at once) and the line about the draw goes.
    await gw.advance(60_000);
    await page.locator('#prequeue').waitFor({ state: 'hidden', ...WAIT });
    expect(await page.evaluate('[window.breakwater.state.number, window.breakwater.state.numberedAt]')).toEqual([1, null]);
  }, 30_000);

  it('says when a place that arrives in the start window gets its number, and shows the number when it comes', async () => {
    const eventId = await eventOnSale({ door: { startWindowMs: 30_000, joinsPerAddressPerMin: 0, joinsPerSubnetPerMin: 0 } });
    const { body } = await gw.api('GET', `/api/events/${eventId}`);
    const { page } = await newPage(PARIS);
    await page.goto(`${gw.httpUrl}/?event=${eventId}`);
    await page.locator('#queue').waitFor({ state: 'visible', ...WAIT });
    const windowEnds = timeOfDay((body.config.onSaleAt as number) + 30_000, { locale: 'en-GB', timeZone: 'Europe/Paris' });
    await expect.poll(() => text(page, '#queue-state'), WAIT).toBe(`Your place gets its number at ${windowEnds}.`);
    expect(await text(page, '#position')).toBe('—');
    await page.screenshot({ path: screenshotPath('truth-2b-numbered-at.png'), fullPage: true });
    await gw.advance(30_000);
    await expect.poll(() => page.evaluate('window.breakwater.state.number'), WAIT).toBe(1);
    await expect.poll(() => page.locator('body').innerText(), WAIT).not.toMatch(/gets its number/);
  }, 30_000);

  it('notices a dead connection within 10 s, keeps the place shown as stale, and resumes it with the queue token', async () => {
    const eventId = await eventOnSale();
    const { page } = await newPage(PARIS);
    // The network between the page and the gateway, which the test can cut: nothing passes, nothing is closed.
    let cut = false;
    await page.routeWebSocket(/\/ws$/, (socket) => {
      const server = socket.connectToServer();
      socket.onMessage((message) => { if (!cut) server.send(message); });
      server.onMessage((message) => { if (!cut) socket.send(message); });
    });
    await page.goto(`${gw.httpUrl}/?event=${eventId}`);
    await page.locator('#queue').waitFor({ state: 'visible', ...WAIT });
    await expect.poll(() => text(page, '#number'), WAIT).toMatch(/^\d+$/);
    const number = await text(page, '#number');

    cut = true;
    const cutAt = Date.now();
    await expect.poll(() => text(page, '#connection'), { timeout: 10_000, interval: 200 })
      .toMatch(/^Connection lost — reconnecting… your place is kept\. What you see is as of \d\d:\d\d:\d\d CES?T\.$/);
    expect(Date.now() - cutAt).toBeLessThan(10_000);
    expect(await page.locator('main').getAttribute('class')).toMatch(/\bstale\b/);
    expect(await visibleCards(page)).toEqual(['queue']);
    expect(await text(page, '#number')).toBe(number);
    await page.screenshot({ path: screenshotPath('truth-3-connection-lost.png'), fullPage: true });

    cut = false;
    await expect.poll(() => text(page, '#notice'), { timeout: 30_000 }).toBe('Reconnected — your place was kept.');
    expect(await page.locator('#connection').isHidden()).toBe(true);
    expect(await page.locator('main').getAttribute('class')).not.toMatch(/\bstale\b/);
    expect(await text(page, '#number')).toBe(number);
  }, 60_000);

  it('gets its place back with its join key when the joined carrying the token never arrived', async () => {
    const eventId = await eventOnSale();
    const { page } = await newPage();
    // The gateway dies with the answer: the join reached the engine, the page never hears `joined`.
    let dropped = false;
    await page.routeWebSocket(/\/ws$/, (socket) => {
      const server = socket.connectToServer();
      socket.onMessage((message) => server.send(message));
      server.onMessage((message) => {
        if (!dropped && typeof message !== 'string' && decodeServerMessage(new Uint8Array(message)).t === 'joined') {
          dropped = true;
          server.close();
          socket.close();
          return;
        }
        socket.send(message);
      });
    });
    await page.goto(`${gw.httpUrl}/?event=${eventId}`);
    await expect.poll(() => dropped, WAIT).toBe(true);
    await page.locator('#queue').waitFor({ state: 'visible', timeout: 30_000 });
    await expect.poll(() => text(page, '#number'), WAIT).toMatch(/^\d+$/);
    const fanId = await (page.evaluate("localStorage.getItem('breakwater.fanId')") as Promise<string | null>);
    const sale = gw.host.engine.event(eventId);
    expect(Number(await text(page, '#number'))).toBe(sale.room.numberOf(fanId!));
    const { body } = await gw.api('GET', `/api/events/${eventId}/journal`);
    expect((body.entries as Array<{ type: string; fanId?: string }>).filter((e) => e.type === 'joined' && e.fanId === fanId)).toHaveLength(1);
    expect(await page.locator('body').innerText()).not.toMatch(/FAN_ID_IN_USE|open in another browser/i);
  }, 60_000);

  it('tells a fan coming back that its turn came and passed while it was away', async () => {
    const eventId = await eventOnSale({ presenceGraceMs: 600_000, grantTtlMs: 30_000 }, {});
    const { context, page } = await newPage(PARIS);
    await page.goto(`${gw.httpUrl}/?event=${eventId}`);
    await page.locator('#queue').waitFor({ state: 'visible', ...WAIT });
    const fanId = (await (page.evaluate("localStorage.getItem('breakwater.fanId')") as Promise<string | null>))!;
    await page.close();
    await expect.poll(() => gw.host.engine.event(eventId).room.isConnected(fanId), WAIT).toBe(false);
    // Admitted while away, and the time to choose runs out.
    await gw.advance(1_000);
    await gw.advance(30_000);
    await gw.advance(1_000);
    const back = await context.newPage();
    await back.goto(`${gw.httpUrl}/?event=${eventId}`);
    await back.locator('#ended').waitFor({ state: 'visible', ...WAIT });
    expect(await text(back, '#ended-title')).toBe('Your turn passed');
    expect(await text(back, '#ended-text')).toMatch(/^Your turn came while you were away, and the time to choose tickets ran out at \d\d:\d\d:\d\d CES?T\.$/);
    expect(await visibleCards(back)).toEqual(['ended']);
  }, 60_000);

  it('lets a second tab take the place over, tells the first, and gives it a way to take it back', async () => {
    const eventId = await eventOnSale();
    const { context, page: first } = await newPage();
    await first.goto(`${gw.httpUrl}/?event=${eventId}`);
    await first.locator('#queue').waitFor({ state: 'visible', ...WAIT });
    await expect.poll(() => text(first, '#number'), WAIT).toMatch(/^\d+$/);
    const number = await text(first, '#number');

    const second = await context.newPage();
    await second.goto(`${gw.httpUrl}/?event=${eventId}`);
    await second.locator('#queue').waitFor({ state: 'visible', ...WAIT });
    await expect.poll(() => text(second, '#number'), WAIT).toBe(number);
    await first.locator('#elsewhere').waitFor({ state: 'visible', ...WAIT });
    expect(await visibleCards(first)).toEqual(['elsewhere']);
    expect(await text(first, '#elsewhere-title')).toBe('This place is now open in another tab or device');
    expect(await first.locator('body').innerText()).not.toMatch(/change your fan id|FAN_ID_IN_USE/i);
    await first.screenshot({ path: screenshotPath('truth-4-other-tab.png'), fullPage: true });

    await first.getByRole('button', { name: 'Use this tab instead' }).click();
    await first.locator('#queue').waitFor({ state: 'visible', ...WAIT });
    await expect.poll(() => text(first, '#number'), WAIT).toBe(number);
    await second.locator('#elsewhere').waitFor({ state: 'visible', ...WAIT });
  }, 60_000);

  it('names seats from the venue and ends every hold (released, payment failed, run out) and a passed turn in one card with its next step', async () => {
    const eventId = await eventOnSale({ ...VENUE, paymentWindowMs: 60_000, grantTtlMs: 30_000 }, VENUE_PRICES);
    const { page } = await newPage(PARIS);
    page.on('dialog', (dialog) => void dialog.accept());
    await page.goto(`${gw.httpUrl}/?event=${eventId}`);
    await admit(page);

    expect(await text(page, '#grant-deadline')).toMatch(/^\(until \d\d:\d\d:\d\d CES?T\)$/);
    // ── The map: the event's own categories in the legend, seats by section, row and label ──
    await page.locator('#tab-map').click();
    const legend = await text(page, '#legend');
    expect(legend).toMatch(/Category VIP — €120\.00.*Category Tribune — €60\.00.*Selected.*Taken/);
    expect(legend).not.toMatch(/Category A|Category B/);
    await page.locator('button[data-seat="P-AA-1"]').click();
    await page.locator('button[data-seat="P-AA-2"]').click();
    expect(await text(page, '#seat-selection')).toMatch(/^2 selected: Parterre, row AA, seats 1, 2 — €240\.00$/);
    await page.screenshot({ path: screenshotPath('truth-5-seat-names.png'), fullPage: true });
    await page.locator('#hold-seats').click();
    await page.locator('#hold').waitFor({ state: 'visible', ...WAIT });
    expect(await text(page, '#hold-summary')).toBe('2 seats: Parterre, row AA, seats 1, 2 — €240.00');
    expect(await text(page, '#hold-deadline')).toMatch(/^\(until \d\d:\d\d:\d\d CES?T\)$/);

    // ── Released: one card, one next step ──
    await page.locator('#release').click();
    await page.locator('#ended').waitFor({ state: 'visible', ...WAIT });
    expect(await text(page, '#ended-title')).toBe('You released your tickets');
    expect(await visibleCards(page)).toEqual(['ended']);
    expect(await page.locator('#notice').isHidden()).toBe(true);
    await page.screenshot({ path: screenshotPath('truth-6-released.png'), fullPage: true });
    // Reloaded, the used-up place is still over: never "You're in line" at number 0.
    await page.reload();
    await page.locator('#ended').waitFor({ state: 'visible', ...WAIT });
    expect(await visibleCards(page)).toEqual(['ended']);

    // ── Joining again: a new place, then a payment that fails and a window that runs out ──
    await page.getByRole('button', { name: 'Join the line again' }).click();
    await admit(page);
    expect(await visibleCards(page)).toEqual(['shop']);
    await page.locator('#tab-best').click();
    await page.locator('#best-category').selectOption('VIP');
    await page.getByRole('button', { name: 'Hold best seats' }).click();
    await page.locator('#hold').waitFor({ state: 'visible', ...WAIT });
    await page.locator('#pay').click();
    await page.locator('#checkout').waitFor({ state: 'visible', ...WAIT });
    await expect.poll(() => page.locator('#decline').isEnabled(), WAIT).toBe(true);
    await page.locator('#decline').click();
    // Failed, but time is left: still the hold, with the reason, and nothing else.
    await page.locator('#hold').waitFor({ state: 'visible', ...WAIT });
    expect(await text(page, '#notice')).toMatch(/^Payment failed .*still held/);
    expect(await visibleCards(page)).toEqual(['hold']);
    await gw.advance(61_000);
    await page.locator('#ended').waitFor({ state: 'visible', ...WAIT });
    expect(await text(page, '#ended-title')).toBe('Your payment did not go through');
    expect(await text(page, '#ended-text')).toMatch(/payment window has closed/);
    expect(await visibleCards(page)).toEqual(['ended']);
    expect(await page.locator('#notice').isHidden()).toBe(true);

    // ── A hold left to run out ──
    await page.getByRole('button', { name: 'Join the line again' }).click();
    await admit(page);
    await page.getByRole('button', { name: 'Hold best seats' }).click();
    await page.locator('#hold').waitFor({ state: 'visible', ...WAIT });
    await gw.advance(61_000);
    await page.locator('#ended').waitFor({ state: 'visible', ...WAIT });
    expect(await text(page, '#ended-title')).toBe('Your payment window ran out');
    expect(await visibleCards(page)).toEqual(['ended']);

    // ── A turn that passes without a hold ──
    await page.getByRole('button', { name: 'Join the line again' }).click();
    await admit(page);
    await gw.advance(31_000);
    await page.locator('#ended').waitFor({ state: 'visible', ...WAIT });
    expect(await text(page, '#ended-title')).toBe('Your turn passed');
    expect(await visibleCards(page)).toEqual(['ended']);

    // ── And a purchase confirmed with the seats by name ──
    await page.getByRole('button', { name: 'Join the line again' }).click();
    await admit(page);
    await page.locator('#best-category').selectOption('Tribune');
    await page.locator('#best-quantity').selectOption('2');
    await page.getByRole('button', { name: 'Hold best seats' }).click();
    await page.locator('#hold').waitFor({ state: 'visible', ...WAIT });
    await page.locator('#pay').click();
    await expect.poll(() => page.locator('#approve').isEnabled(), WAIT).toBe(true);
    await page.locator('#approve').click();
    await page.locator('#done').waitFor({ state: 'visible', ...WAIT });
    expect(await visibleCards(page)).toEqual(['done']);
    expect(await text(page, '#done-tickets')).toBe('Parterre, row AA, seats 4, 5');
    expect(await text(page, '#done-amount')).toBe('€120.00');
    await page.screenshot({ path: screenshotPath('truth-7-confirmation.png'), fullPage: true });
    // Printed, the confirmation is all there is.
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('#done').isVisible()).toBe(true);
    expect(await page.locator('#fairness').isVisible()).toBe(false);
    expect(await page.locator('#print').isVisible()).toBe(false);
  }, 120_000);
});
