/**
 * The pages under their Content-Security-Policy in a real chromium: each one
 * works with nothing of its own refused, and what the policy is for — a
 * script injected into the page, a frame around it — is refused.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, launchChromium, startPageGateway, type PageGateway } from './helpers/browser-harness.js';

const WAIT = { timeout: 10_000 };

/** Records every CSP violation the page reports, from before its first script. */
async function recordViolations(page: Page): Promise<() => Promise<string[]>> {
  await page.addInitScript(`
    window.cspViolations = [];
    document.addEventListener('securitypolicyviolation', (event) => window.cspViolations.push(event.violatedDirective + ' ' + event.blockedURI));
  `);
  return () => page.evaluate<string[]>('window.cspViolations');
}

describe('security headers (browser)', () => {
  let gw: PageGateway;
  let browser: Browser;

  beforeAll(async () => {
    [gw, browser] = await Promise.all([startPageGateway(), launchChromium()]);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await gw?.close();
  });

  it('sends the policy and its companions with every page', async () => {
    for (const path of ['/', '/organizer', '/dashboard']) {
      const response = await fetch(`${gw.httpUrl}${path}`);
      expect(response.headers.get('content-security-policy'), path).toMatch(/script-src 'self'.*frame-ancestors 'none'/);
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    }
    // The fan page's inline script (it opens the socket early) is allowed by its hash, and only it.
    expect((await fetch(`${gw.httpUrl}/`)).headers.get('content-security-policy')).toMatch(/script-src 'self' 'sha256-[A-Za-z0-9+/]+=*';/);
  });

  it('the fan page queues with nothing refused, and refuses an injected script', async () => {
    const now = gw.clock.now();
    const eventId = await gw.createEvent({ preQueueOpensAt: now, onSaleAt: now + 1000, admission: { mode: 'rate', fansPerMinute: 6 } });
    await gw.advance(1000);
    await gw.api('POST', `/api/events/${eventId}/pause`);
    const page = await browser.newPage();
    const violations = await recordViolations(page);
    await page.goto(`${gw.httpUrl}/?event=${eventId}`);
    await expect.poll(async () => (await page.locator('#position').textContent())?.trim(), WAIT).toBe('1');
    expect(await violations()).toEqual([]);

    await page.evaluate(`{
      const script = document.createElement('script');
      script.textContent = 'window.injected = true';
      document.head.append(script);
    }`);
    expect(await page.evaluate('window.injected')).toBeUndefined();
    await expect.poll(violations, WAIT).toEqual([expect.stringMatching(/^script-src-elem inline/)]);
    await page.close();
  });

  it('the organizer page and the dashboard work with nothing refused', async () => {
    const page = await browser.newPage();
    const violations = await recordViolations(page);
    await page.goto(`${gw.httpUrl}/organizer#key=${encodeURIComponent(API_KEY)}`);
    await page.locator('#events tr[data-event]').first().waitFor(WAIT);
    await page.goto(`${gw.httpUrl}/dashboard#key=${encodeURIComponent(API_KEY)}`);
    await expect.poll(() => page.locator('#feed-state').textContent(), WAIT).toBe('Live');
    expect(await violations()).toEqual([]);
    await page.close();
  });

  it('cannot be framed by another page', async () => {
    const page = await browser.newPage();
    await page.setContent(`<iframe src="${gw.httpUrl}/organizer"></iframe>`);
    // Refused by frame-ancestors, the frame holds chromium's error page instead of the organizer page.
    await expect.poll(() => page.frames().find((frame) => frame !== page.mainFrame())?.url(), WAIT).toBe('chrome-error://chromewebdata/');
    await page.close();
  });
});
