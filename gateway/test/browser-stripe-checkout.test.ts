/**
 * The fan page with a real provider's hosted checkout (Stripe, played by a
 * local stand-in; its page by a route of the browser): pressing "pay" sends
 * the fan to the provider's page; back on the event page before the webhook
 * came, the page does not send the fan there again but offers the link, and
 * shows the purchase once the provider's webhook reached the gateway.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, screenshotPath, startPageGateway, type PageGateway } from './helpers/browser-harness.js';
import { STAND_IN_SECRET_KEY, STAND_IN_WEBHOOK_SECRET, StripeStandIn } from './helpers/stripe-stand-in.js';

const WAIT = { timeout: 10_000 };

describe('fan page with the Stripe checkout (browser)', () => {
  let gw: PageGateway;
  let browser: Browser;
  let page: Page;
  let standIn: StripeStandIn;

  beforeAll(async () => {
    standIn = await StripeStandIn.start();
    [gw, browser] = await Promise.all([
      startPageGateway({ payments: { allowDemo: false, stripe: { secretKey: STAND_IN_SECRET_KEY, webhookSecret: STAND_IN_WEBHOOK_SECRET, publicUrl: 'https://tickets.example.com', apiUrl: standIn.url } } }),
      launchChromium(),
    ]);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await gw?.close();
    await standIn?.close();
  });

  const text = async (selector: string) => ((await page.locator(selector).textContent()) ?? '').trim();

  it('sends the fan to the provider\'s page, does not loop back there, and confirms when the webhook lands', async () => {
    const eventId = await gw.createEvent({ presenceGraceMs: 600_000, grantTtlMs: 600_000 }, { payments: { channels: ['stripe'] }, currency: 'EUR' });
    page = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1 });
    page.on('pageerror', (err) => console.error('page error:', err));
    await page.route('https://checkout.stripe.test/**', (route) => route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>Stripe Checkout</title><h1>Pay</h1>' }));
    await page.addInitScript({ content: "if (localStorage.getItem('breakwater.fanId') === null) localStorage.setItem('breakwater.fanId', 'stripe-browser-fan');" });
    await page.goto(`${gw.httpUrl}/?event=${eventId}`);
    await page.locator('#prequeue').waitFor({ state: 'visible', ...WAIT });
    await gw.advance(60_000);
    for (let i = 0; i < 8 && !(await page.locator('#shop').isVisible()); i++) {
      await gw.advance(1_000);
      await page.locator('#shop').waitFor({ state: 'visible', timeout: 1500 }).catch(() => undefined);
    }
    await page.locator('#tab-ga').click();
    await page.locator('#ga-quantity').selectOption('2');
    await page.getByRole('button', { name: 'Hold tickets' }).click();
    await page.locator('#hold').waitFor({ state: 'visible', ...WAIT });

    // Pay: straight to the provider's hosted page for this payment.
    await Promise.all([page.waitForURL(/^https:\/\/checkout\.stripe\.test\//, WAIT), page.locator('#pay').click()]);
    const [session] = [...standIn.sessions.values()];
    expect(page.url()).toBe(session!.url);
    expect(session).toMatchObject({ amount_total: 10000, currency: 'eur', metadata: { eventId, fanId: 'stripe-browser-fan' } });

    // Back on the event page (Stripe's success_url) before the webhook: the page offers the link, it does not send the fan away again.
    await page.goto(`${gw.httpUrl}/?event=${eventId}`);
    await page.locator('#checkout-provider').waitFor({ state: 'visible', ...WAIT });
    expect(await page.locator('#checkout-link').getAttribute('href')).toBe(session!.url);
    expect(await text('#checkout-summary')).toMatch(/^2 tickets — .*100\.00/);
    expect(await page.locator('#approve').isVisible()).toBe(false);
    expect(await page.locator('#checkout-demo-note').isVisible()).toBe(false);
    await page.screenshot({ path: screenshotPath('fan-stripe-back.png'), fullPage: true });
    expect(page.url()).toBe(`${gw.httpUrl}/?event=${eventId}`);
    // The same payment asked again: still one checkout session at Stripe.
    expect(standIn.sessions.size).toBe(1);

    const hook = standIn.webhook('checkout.session.completed', standIn.pay(session!));
    const confirmed = await fetch(`${gw.httpUrl}/webhooks/payments/stripe`, { method: 'POST', headers: hook.headers, body: hook.body });
    expect(await confirmed.json()).toMatchObject({ status: 'confirmed' });
    await page.getByText("You're going!").waitFor({ state: 'visible', ...WAIT });
    expect(await text('#done-amount')).toMatch(/100\.00/);
  }, 60_000);
});
