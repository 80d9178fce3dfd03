/**
 * The dashboard in a real (headless) chromium: it connects to the dashboard
 * feed with the key from the fragment, shows the process figures and draws a
 * chart per figure and event from the snapshots.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, launchChromium, screenshotPath, startPageGateway, type PageGateway } from './helpers/browser-harness.js';
import { FanClient } from './helpers/fan-client.js';

const WAIT = { timeout: 10_000 };

describe('dashboard (browser)', () => {
  let gw: PageGateway;
  let browser: Browser;
  let page: Page;
  const fans: FanClient[] = [];

  beforeAll(async () => {
    // 127.0.0.1 is exempt; fans from 127.0.5.1 meet a connection budget of 2.
    [gw, browser] = await Promise.all([startPageGateway({ limits: { maxConnectionsPerIp: 2 } }), launchChromium()]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(fans.map((fan) => fan.close()));
    await browser?.close();
    await gw?.close();
  });

  it('receives the snapshots and draws charts with points', async () => {
    const first = await gw.createEvent({ name: 'First night' });
    const second = await gw.createEvent({ name: 'Second night', admission: { mode: 'rate', fansPerMinute: 60 } });
    for (let i = 0; i < 6; i++) {
      const fan = await FanClient.connect(gw.wsUrl);
      await fan.join(i < 2 ? first : second, `dash-fan-${i}`);
      fans.push(fan);
    }
    await gw.advance(60_000);

    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (err) => console.error('page error:', err));
    await page.goto(`${gw.httpUrl}/dashboard#key=${encodeURIComponent(API_KEY)}`);
    await expect.poll(() => page.locator('#feed-state').textContent(), WAIT).toBe('Live');

    // One snapshot a second, as the engine process does (the test clock is simulated).
    const timer = setInterval(() => {
      void gw.advance(1000).then(() => gw.stats());
    }, 300);
    try {
      const card = page.locator(`#events article[data-event="${first}"]`);
      await card.waitFor(WAIT);
      await page.locator(`#events article[data-event="${second}"]`).waitFor(WAIT);
      const line = card.locator('polyline[data-series="waiting"]');
      await expect.poll(async () => ((await line.getAttribute('points')) ?? '').trim().split(/\s+/).filter(Boolean).length, WAIT).toBeGreaterThanOrEqual(3);
      expect(await card.locator('svg').count()).toBe(4);
      await expect.poll(() => page.locator('#totals [data-figure="Connections"] dd').textContent(), WAIT).toBe('6');
      expect(await page.locator('#workers tr').count()).toBeGreaterThanOrEqual(1);
      expect(await page.locator('#workers').textContent()).toMatch(/test \(pid/);
      await page.screenshot({ path: screenshotPath('dashboard-1.png'), fullPage: true });
    } finally {
      clearInterval(timer);
    }
  }, 45_000);

  it('shows the door: connections refused per key kind', async () => {
    for (let i = 0; i < 2; i++) fans.push(await FanClient.connect(gw.wsUrl, { localAddress: '127.0.5.1' }));
    await expect(FanClient.connect(gw.wsUrl, { localAddress: '127.0.5.1' })).rejects.toThrow(/429/);
    const timer = setInterval(() => gw.stats(), 300);
    try {
      const door = page.locator('#door');
      await expect.poll(() => door.locator('[data-figure="Connections refused · address"] dd').textContent(), WAIT).toBe('1');
      expect(await door.locator('[data-figure="Connections refused · subnet"] dd').textContent()).toBe('0');
      expect(await door.locator('[data-figure="Keys tracked · address / subnet"] dd').textContent()).toBe('1 / 1');
      expect(await door.locator('[data-figure="Processes heard"] dd').textContent()).toBe('0 of 0');
      await page.screenshot({ path: screenshotPath('dashboard-door.png'), fullPage: true });
    } finally {
      clearInterval(timer);
    }
  }, 30_000);
});
