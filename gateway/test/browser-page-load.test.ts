/**
 * How the fan page loads in a real chromium: one WebSocket, opened by the
 * HTML's head before the page's script arrives and taken over by it; the
 * script and stylesheet under hashed names, compressed; on a return visit
 * only the HTML is asked for again (a 304) and everything else comes from
 * the cache. (The timings on a slow link are `npm run bench:page`.)
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, startPageGateway, type PageGateway } from './helpers/browser-harness.js';

const WAIT = { timeout: 10_000 };

describe('fan page loading (browser)', () => {
  let gw: PageGateway;
  let browser: Browser;

  beforeAll(async () => {
    [gw, browser] = await Promise.all([startPageGateway(), launchChromium()]);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await gw?.close();
  });

  /** Every response the page gets over HTTP and every WebSocket it opens. */
  function watch(page: Page) {
    const responses: Array<{ path: string; status: number; encoding: string | undefined }> = [];
    const sockets: string[] = [];
    page.on('response', (response) => {
      responses.push({ path: new URL(response.url()).pathname, status: response.status(), encoding: response.headers()['content-encoding'] });
    });
    page.on('websocket', (socket) => sockets.push(socket.url()));
    return { responses, sockets };
  }

  it('opens one WebSocket from the head, shows the place through it, and comes back from the cache', async () => {
    const now = gw.clock.now();
    const eventId = await gw.createEvent({ preQueueOpensAt: now, onSaleAt: now + 1000, admission: { mode: 'rate', fansPerMinute: 6 } });
    await gw.advance(1000);
    await gw.api('POST', `/api/events/${eventId}/pause`);

    const context = await browser.newContext();
    const page = await context.newPage();
    page.on('pageerror', (err) => console.error('page error:', err));
    const seen = watch(page);
    await page.goto(`${gw.httpUrl}/?event=${eventId}`);
    await page.locator('#queue').waitFor({ state: 'visible', ...WAIT });
    await expect.poll(async () => (await page.locator('#position').textContent())?.trim(), WAIT).toBe('1');
    // The head's socket was taken over: no second one.
    expect(seen.sockets).toEqual([`${gw.wsUrl}`]);
    expect(await page.evaluate('window.breakwaterEarlySocket === undefined')).toBe(true);
    const script = seen.responses.find((r) => /^\/assets\/fan\.[0-9a-f]{10}\.js$/.test(r.path));
    const style = seen.responses.find((r) => /^\/style\.[0-9a-f]{10}\.css$/.test(r.path));
    expect(script).toMatchObject({ status: 200, encoding: 'br' });
    expect(style).toMatchObject({ status: 200, encoding: 'br' });

    // Back on the page: the HTML is revalidated (a 304: headers only over the wire), the hashed files are not asked for at all.
    await page.reload();
    await expect.poll(async () => (await page.locator('#position').textContent())?.trim(), WAIT).toBe('1');
    // Resource Timing: transferSize is 0 for a file from the cache, the headers' size for a 304, headers and body for a 200.
    const sizes = await page.evaluate<Array<{ name: string; transferSize: number; encodedBodySize: number }>>(
      "[...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')].map((e) => ({ name: new URL(e.name).pathname, transferSize: e.transferSize, encodedBodySize: e.encodedBodySize }))",
    );
    const html = sizes.find((entry) => entry.name === '/')!;
    expect(html.encodedBodySize).toBeGreaterThan(1000);
    expect(html.transferSize).toBeGreaterThan(0);
    expect(html.transferSize).toBeLessThan(html.encodedBodySize);
    for (const path of [script!.path, style!.path]) expect(sizes.find((entry) => entry.name === path)).toMatchObject({ transferSize: 0 });
    await context.close();
  });
});
