/**
 * Registration draws in a real (headless) chromium: the organizer opens
 * registration from its page, a signed-in fan registers on the fan page, the
 * organizer closes it and the draw runs, and the fan page shows the
 * invitation with its code filled in for the presale.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, launchChromium, screenshotPath, startPageGateway, type PageGateway } from './helpers/browser-harness.js';
import { HS256_SECRET, hs256Token } from './helpers/identity-tokens.js';
import { eventConfig } from './helpers/test-gateway.js';

const WAIT = { timeout: 10_000 };
const HOUR = 3_600_000;

describe('registration on the organizer and fan pages (browser)', () => {
  let gw: PageGateway;
  let browser: Browser;
  let organizer: Page;
  let fan: Page;

  beforeAll(async () => {
    [gw, browser] = await Promise.all([startPageGateway(), launchChromium()]);
    organizer = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
    fan = await browser.newPage();
    for (const page of [organizer, fan]) page.on('pageerror', (err) => console.error('page error:', err));
    organizer.on('dialog', (dialog) => void dialog.accept());
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await gw?.close();
  });

  it('the organizer opens registration, a fan registers, the draw invites it and its page shows the code', async () => {
    const now = gw.clock.now();
    const { preQueueOpensAt: _p, onSaleAt: _o, ...config } = eventConfig(now, { id: 'verified-pages', name: 'Verified pages', closesAt: now + 6 * HOUR });
    const phases = [
      { id: 'presale', name: 'Verified fan presale', preQueueOpensAt: now + 2 * HOUR, onSaleAt: now + 2 * HOUR, access: { kind: 'code' } },
      { id: 'public', name: 'Public sale', preQueueOpensAt: now + 3 * HOUR, onSaleAt: now + 3 * HOUR, access: { kind: 'open' } },
    ];
    const created = await gw.api('POST', '/api/events', { config: { ...config, phases }, publish: true, settings: { identity: { required: true, hs256Secret: HS256_SECRET } } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);

    await organizer.goto(`${gw.httpUrl}/organizer#key=${encodeURIComponent(API_KEY)}`);
    await organizer.locator('#events tr[data-event="verified-pages"] a').first().click();
    const section = organizer.locator('#registration');
    await section.waitFor(WAIT);
    await section.locator('[name="buyerSharePercent"]').fill('50');
    await section.locator('[name="ticketsPerBuyer"]').fill('2');
    await section.getByRole('button', { name: 'Open registration' }).click();
    await expect.poll(async () => (await gw.api('GET', '/api/events/verified-pages/registration')).body.config?.buyerSharePercent, WAIT).toBe(50);
    // The form's opening comes from the browser's clock, a little ahead of the simulated one.
    await gw.advance(30_000);
    await expect.poll(() => section.locator('#registration-stage').textContent(), WAIT).toBe('open');

    await fan.goto(`${gw.httpUrl}/?event=verified-pages#identity=${await hs256Token('verified-pages', { sub: 'ana' })}`);
    const card = fan.locator('#registration');
    await card.getByRole('button', { name: 'Register' }).click();
    await expect.poll(() => card.textContent(), WAIT).toMatch(/You are registered \(number 1\)/);
    await expect.poll(() => card.textContent(), WAIT).toMatch(/Your receipt: [0-9a-f]{32}/);

    await gw.advance(60_000);
    await section.getByRole('button', { name: 'Close now and draw' }).click();
    await expect.poll(() => section.locator('#registration-result').textContent(), WAIT).toBe('Drawn: 1 invited, 0 on the waitlist.');
    await expect.poll(() => section.locator('#registration-figures').textContent(), WAIT).toMatch(/Invited1/);
    await organizer.screenshot({ path: screenshotPath('registration-organizer.png'), fullPage: true });

    const code = (await gw.api('GET', '/api/events/verified-pages/codes')).body.codes[0].code as string;
    await fan.reload();
    await expect.poll(() => card.textContent(), WAIT).toContain(`Your access code: ${code}`);
    expect(await fan.locator('#access-code').inputValue()).toBe(code);
    await fan.screenshot({ path: screenshotPath('registration-fan.png'), fullPage: true });
  });
});
