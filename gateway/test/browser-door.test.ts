/**
 * The fan page at a busy shared address: its join meets the door's join
 * budget (RATE_LIMITED) and the page tries again after `retryAfterMs` until
 * it has its place, instead of giving up.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, startPageGateway, type PageGateway } from './helpers/browser-harness.js';
import { FanClient } from './helpers/fan-client.js';
import { metricValue } from './helpers/metric-values.js';

const WAIT = { timeout: 15_000 };

describe('fan page behind a busy address (browser)', () => {
  let gw: PageGateway;
  let browser: Browser;
  const neighbours: FanClient[] = [];

  beforeAll(async () => {
    // Nobody exempt: the page and its neighbour share 127.0.0.1's join budget of 3 per 3 s.
    [gw, browser] = await Promise.all([startPageGateway({ exemptIps: [], limits: { joinsPerIpPerSec: 1, joinBurstPerIp: 3 } }), launchChromium()]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(neighbours.map((fan) => fan.close()));
    await browser?.close();
    await gw?.close();
  });

  it('joins once the address\'s join budget lets it, without the fan doing anything', async () => {
    const eventId = await gw.createEvent({ admission: { mode: 'rate', fansPerMinute: 6 } });
    await gw.advance(60_000);
    // Three connections, so that their joins stay within each one's message budget.
    for (let i = 0; i < 3; i++) neighbours.push(await FanClient.connect(gw.wsUrl));
    let neighbourJoins = 0;
    let neighbourRefused = 0;
    const pageRefused = async () => (await metricValue(gw.server.metrics.registry, 'breakwater_gateway_rejected_total', { reason: 'joinRateLimited' })) - neighbourRefused;
    const position = async (page: Page) => ((await page.locator('#position').textContent()) ?? '').trim();

    /** One join from a neighbour (leaving again at once): true when the budget refused it. */
    const neighbourJoin = async (): Promise<boolean> => {
      const neighbour = neighbours[++neighbourJoins % neighbours.length]!;
      const reply = await neighbour.request({ t: 'join', eventId, fanId: `neighbour-${neighbourJoins}`, token: null, powChallenge: null, powNonce: null, accessCode: null, identity: null });
      if (reply.t === 'joined') {
        expect(await neighbour.request({ t: 'leave' })).toMatchObject({ t: 'left' });
        return false;
      }
      expect(reply).toMatchObject({ t: 'error', code: 'RATE_LIMITED', details: { limit: 'joinsPerIp' } });
      neighbourRefused++;
      return true;
    };
    // The neighbours fill the address's join budget, then keep it full until the page's join meets it. The
    // budget drains continuously, so the page may slip through a gap between their joins: then a fresh page tries.
    let page: Page | undefined;
    for (let attempt = 0; attempt < 3 && (await pageRefused()) === 0; attempt++) {
      while (!(await neighbourJoin()));
      const context = await browser.newContext();
      page = await context.newPage();
      page.on('pageerror', (err) => console.error('page error:', err));
      const loaded = page.goto(`${gw.httpUrl}/?event=${eventId}`);
      // (Not asking the page meanwhile: that waits for its navigation, and the budget would drain.)
      for (const until = Date.now() + 5_000; (await pageRefused()) === 0 && Date.now() < until;) {
        await neighbourJoin();
        await new Promise((resolve) => setTimeout(resolve, 40));
      }
      await loaded;
    }
    expect(await pageRefused(), 'the page\'s join never met the full budget').toBeGreaterThan(0);
    await expect.poll(() => position(page!), WAIT).toMatch(/^\d+$/);
  }, 60_000);
});
