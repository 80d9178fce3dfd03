/**
 * The fan page in a real (headless) chromium against a real gateway with a
 * simulated clock: the waiting room before the start, the position after it,
 * a dropped connection restored with the queue token, admission, holding the
 * best seats, the demo checkout and the confirmation.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoEventConfig } from '../../launch/demo-event.js';
import { launchChromium, screenshotPath, startPageGateway, type PageGateway } from './helpers/browser-harness.js';
import { FanClient } from './helpers/fan-client.js';

const WAIT = { timeout: 10_000 };

describe('fan page (browser)', () => {
  let gw: PageGateway;
  let browser: Browser;
  let page: Page;
  const others: FanClient[] = [];

  beforeAll(async () => {
    [gw, browser] = await Promise.all([startPageGateway(), launchChromium()]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(others.map((fan) => fan.close()));
    await browser?.close();
    await gw?.close();
  });

  const text = async (selector: string) => ((await page.locator(selector).textContent()) ?? '').trim();

  it('waits, queues, survives a dropped connection, holds, pays and confirms', async () => {
    const now = gw.clock.now();
    // The demo venue (two categories of reserved seats + GA tiers); one admission every 10 s of simulated time.
    const eventId = await gw.createEvent(
      { inventory: demoEventConfig(now).inventory, admission: { mode: 'rate', fansPerMinute: 6 }, holdExtensionMs: 30_000, presenceGraceMs: 600_000, grantTtlMs: 600_000 },
      { categoryPrices: { A: 9900, B: 7900 }, currency: 'EUR' },
    );
    await gw.advance(0);
    // Two other fans in the waiting room, so the shuffle has something to shuffle.
    for (const name of ['other-1', 'other-2']) {
      const fan = await FanClient.connect(gw.wsUrl);
      await fan.join(eventId, name);
      others.push(fan);
    }

    page = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1 });
    page.on('pageerror', (err) => console.error('page error:', err));
    // (Strings run in the page: the test's type check has no DOM library.)
    await page.addInitScript({ content: "if (localStorage.getItem('breakwater.fanId') === null) localStorage.setItem('breakwater.fanId', 'browser-fan');" });
    await page.goto(`${gw.httpUrl}/?event=${eventId}`);

    // ── Before the start: countdown and commitment ──
    await page.locator('#prequeue').waitFor({ state: 'visible', ...WAIT });
    const { body: before } = await gw.api('GET', `/api/events/${eventId}`);
    await expect.poll(() => text('#commitment'), WAIT).toBe(before.status.commitment);
    await expect.poll(() => text('#countdown'), WAIT).toMatch(/^0[01]:\d\d$/);
    await page.screenshot({ path: screenshotPath('fan-1-waiting-room.png'), fullPage: true });
    const countdown = await text('#countdown');
    const [minutes, seconds] = countdown.split(':').map(Number) as [number, number];
    expect(minutes * 60 + seconds).toBeGreaterThan(30);
    expect(minutes * 60 + seconds).toBeLessThanOrEqual(60);
    expect(await page.locator('#fairness details summary').textContent()).toMatch(/how to verify/i);
    expect(await page.locator('#seed-line').isHidden()).toBe(true);

    // ── The start: the shuffle draws numbers; the first tick admits nobody at 6/min ──
    await gw.advance(60_000);
    await page.locator('#queue').waitFor({ state: 'visible', ...WAIT });
    await expect.poll(() => text('#position'), WAIT).toMatch(/^\d+$/);
    const { body: started } = await gw.api('GET', `/api/events/${eventId}`);
    const number = Number(await text('#number'));
    expect(number).toBeGreaterThanOrEqual(1);
    expect(number).toBeLessThanOrEqual(3);
    await page.screenshot({ path: screenshotPath('fan-2-in-line.png'), fullPage: true });
    // At the moment of the screenshot: position = number − nowServing, and the now-serving figure shown is the server's.
    expect(Number(await text('#now-serving'))).toBe(started.status.nowServing);
    expect(Number(await text('#position'))).toBe(number - started.status.nowServing);
    expect(await text('#eta')).toMatch(/not yet known|s|min|moment/);
    // Hundreds of tickets for three fans: they will still be there, and the page says how many are left.
    await expect.poll(() => page.locator('#outlook').getAttribute('data-outlook'), WAIT).toBe('likely');
    const free = started.status.tickets.free as number;
    const leadingFigure = (await text('#outlook')).match(/^[\d,.\s]+/)?.[0] ?? '';
    expect(Number(leadingFigure.replace(/\D/g, ''))).toBe(free);
    expect(await text('#outlook')).toMatch(/tickets left.*should still be there when you reach the front/);
    expect(await text('#seed')).toBe(started.status.seed);
    expect(await text('#seed-check')).toMatch(/matches the commitment/);
    expect(await page.locator('#prequeue').isHidden()).toBe(true);

    // ── A dropped connection: "reconnecting…", then the same number back ──
    await page.evaluate('window.breakwater.dropConnection()');
    await page.getByText(/reconnecting/i).first().waitFor({ state: 'visible', ...WAIT });
    await page.locator('#connection').waitFor({ state: 'hidden', ...WAIT });
    await expect.poll(() => text('#notice'), WAIT).toMatch(/place was kept/);
    expect(Number(await text('#number'))).toBe(number);
    expect(Number(await text('#position'))).toBe(number - started.status.nowServing);

    // ── Admission: 10 s of simulated time per admission ──
    for (let i = 0; i < 8 && !(await page.locator('#shop').isVisible()); i++) {
      await gw.advance(10_000);
      await page.locator('#shop').waitFor({ state: 'visible', timeout: 1500 }).catch(() => undefined);
    }
    await page.locator('#shop').waitFor({ state: 'visible', ...WAIT });
    await expect.poll(() => page.locator('#best-category option').count(), WAIT).toBe(2);
    await page.locator('#tab-map').click();
    await page.locator('button[data-seat]').first().waitFor(WAIT);
    await page.screenshot({ path: screenshotPath('fan-3-seat-map.png'), fullPage: true });
    await page.locator('#tab-best').click();
    await page.locator('#best-category').selectOption('A');
    await page.locator('#best-quantity').selectOption('2');
    await page.getByRole('button', { name: 'Hold best seats' }).click();

    // ── Held: the payment window, extend, pay ──
    await page.locator('#hold').waitFor({ state: 'visible', ...WAIT });
    await expect.poll(() => text('#hold-summary'), WAIT).toMatch(/^2 seats: Stalls (left|right), row 1, seats \d+, \d+ — .*198\.00/);
    expect(await text('#hold-countdown')).toMatch(/^\d\d:\d\d$|^\d+:\d\d:\d\d$/);
    expect(await page.locator('#extend').isVisible()).toBe(true);
    await page.screenshot({ path: screenshotPath('fan-4-held.png'), fullPage: true });
    await page.locator('#pay').click();

    // ── The demo checkout: approve ──
    await page.locator('#checkout').waitFor({ state: 'visible', ...WAIT });
    await expect.poll(() => page.locator('#approve').isEnabled(), WAIT).toBe(true);
    expect(await text('#checkout-summary')).toMatch(/198\.00/);
    await page.screenshot({ path: screenshotPath('fan-5-checkout.png'), fullPage: true });
    await page.locator('#approve').click();

    // ── Confirmation ──
    await page.getByText("You're going!").waitFor({ state: 'visible', ...WAIT });
    // A confirmation to keep: the event, the seats by name, the amount and the order reference.
    expect(await text('#done-event')).toBe('Test night');
    expect(await text('#done-tickets')).toMatch(/^Stalls (left|right), row 1, seats \d+, \d+$/);
    expect(await text('#done-amount')).toMatch(/198\.00/);
    expect(await text('#done-reference')).toMatch(/\S{6,}/);
    expect(await text('#done-reference')).not.toBe(await text('#done-hold'));
    await page.screenshot({ path: screenshotPath('fan-6-confirmed.png'), fullPage: true });
    const { body: after } = await gw.api('GET', `/api/events/${eventId}`);
    expect(after.status.tickets.sold).toBe(2);
  }, 60_000);
});
