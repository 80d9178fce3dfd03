/**
 * The dashboard in a real (headless) chromium: it connects to the dashboard
 * feed with the key from the fragment, shows the process figures and draws a
 * chart per figure and event from the snapshots; on a phone nothing overflows
 * sideways, codes are said in words and the charts have a time axis.
 */
import { request as httpRequest } from 'node:http';
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
    // 127.0.0.1 is exempt; fans from 127.0.5.1 meet a connection budget of 2, requests from 127.0.5.2 an HTTP burst of 2.
    [gw, browser] = await Promise.all([startPageGateway({ limits: { maxConnectionsPerIp: 2, httpRequestsPerIpPerSec: 1, httpBurstPerIp: 2 } }), launchChromium()]);
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
      // Every chart says its scale and its times.
      const axis = card.locator('.chart').first();
      expect(await axis.locator('.y-zero').textContent()).toBe('0');
      expect(await axis.locator('.y-max').textContent()).toMatch(/^\d/);
      const ticks = await axis.locator('.x-axis span').allTextContents();
      expect(ticks.length).toBeGreaterThanOrEqual(2);
      for (const tick of ticks) expect(tick).toMatch(/\d{1,2}:\d{2}/);
      await expect.poll(() => page.locator('#totals [data-figure="Connections"] dd').textContent(), WAIT).toBe('6');
      expect(await page.locator('#workers tr').count()).toBeGreaterThanOrEqual(1);
      expect(await page.locator('#workers').textContent()).toMatch(/test \(pid/);
      // What the process costs, from its runtime metrics: its heap is never 0 MB.
      await expect.poll(() => page.locator('#processes tr[data-process="test"] td').nth(4).textContent(), WAIT).toMatch(/^[1-9][\d,.]* MB$/);
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

  it('on a phone: nothing overflows sideways, the codes are said in words, the tables stack', async () => {
    // An event in its waiting room with a place pending in the draw; HTTP requests refused by the per-address rate.
    const waitingRoom = await gw.createEvent({ name: 'Phone night', door: { startWindowMs: 30_000, joinsPerAddressPerMin: 0, joinsPerSubnetPerMin: 0 } });
    const fan = await FanClient.connect(gw.wsUrl);
    fans.push(fan);
    await fan.join(waitingRoom, 'phone-fan');
    const port = Number(new URL(gw.httpUrl).port);
    const status = () => new Promise<number>((resolve, reject) => {
      const request = httpRequest({ host: '127.0.0.1', port, path: '/healthz', localAddress: '127.0.5.2' }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      request.on('error', reject);
      request.end();
    });
    const statuses = [await status(), await status(), await status()];
    expect(statuses).toContain(429);

    const phone = await browser.newPage({ viewport: { width: 375, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    phone.on('pageerror', (err) => console.error('page error:', err));
    await phone.goto(`${gw.httpUrl}/dashboard#key=${encodeURIComponent(API_KEY)}`);
    const timer = setInterval(() => gw.stats(), 300);
    try {
      const card = phone.locator(`#events article[data-event="${waitingRoom}"]`);
      await card.waitFor(WAIT);
      await expect.poll(() => phone.locator('#workers').textContent(), WAIT).toContain('HTTP requests over the per-address rate');
      await expect.poll(async () => card.locator('polyline[data-series="waiting"]').getAttribute('points'), WAIT).toMatch(/\S+ \S+/);
      const text = await phone.locator('main').innerText();
      for (const code of ['preQueue', 'onSale', 'httpRateLimited', 'tooManyConnections', 'PoW']) expect(text, code).not.toContain(code);
      expect(await card.locator('.pill').textContent()).toBe('waiting room');
      expect(text).toContain('connections over an address or subnet budget');
      expect(text).toContain('waiting for the waiting-room draw');

      // Evaluated in the page (a string: this file is type-checked without the DOM library).
      const layout = await phone.evaluate(`(() => {
        const width = document.documentElement.clientWidth;
        const wide = [...document.querySelectorAll('body *')]
          .filter((element) => element.getBoundingClientRect().right > width + 0.5)
          .map((element) => element.tagName.toLowerCase() + '.' + (element.getAttribute('class') ?? '') + ': ' + (element.textContent ?? '').slice(0, 40));
        const thead = document.querySelector('#workers').closest('table').querySelector('thead');
        return { width, scrollWidth: document.documentElement.scrollWidth, wide, thead: getComputedStyle(thead).display };
      })()`) as { width: number; scrollWidth: number; wide: string[]; thead: string };
      expect(layout.wide).toEqual([]);
      expect(layout.scrollWidth).toBeLessThanOrEqual(layout.width);
      // The tables stack: each figure carries its column's heading.
      expect(layout.thead).toBe('none');
      expect(await phone.locator('#workers td').nth(6).getAttribute('data-label')).toBe('Refused');
      await phone.screenshot({ path: screenshotPath('dashboard-phone.png'), fullPage: true });
    } finally {
      clearInterval(timer);
      await phone.close();
    }
  }, 45_000);
});
