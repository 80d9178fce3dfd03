/**
 * The organizer page in a real (headless) chromium: create an event from the
 * form, see it listed, pause / resume it, retune the admission rate live, and
 * see INVALID_CONFIG issues beside their fields.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, launchChromium, screenshotPath, startPageGateway, type PageGateway } from './helpers/browser-harness.js';

const WAIT = { timeout: 10_000 };

describe('organizer page (browser)', () => {
  let gw: PageGateway;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    [gw, browser] = await Promise.all([startPageGateway(), launchChromium()]);
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    page.on('pageerror', (err) => console.error('page error:', err));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await gw?.close();
  });

  it('creates an event from the form, lists it, pauses and resumes it, retunes it live', async () => {
    await page.goto(`${gw.httpUrl}/organizer#key=${encodeURIComponent(API_KEY)}`);
    await page.getByText('No events yet').waitFor(WAIT);

    const form = page.locator('#create-form');
    await form.locator('[name="id"]').fill('form-night');
    await form.locator('[name="name"]').fill('Form night');
    // On sale at once, so it can be paused.
    const opens = await form.locator('[name="preQueueOpensAt"]').inputValue();
    await form.locator('[name="onSaleAt"]').fill(opens);
    await form.locator('[name="tier.quantity"]').fill('250');
    await form.locator('[name="admission.fansPerMinute"]').fill('300');
    await page.getByRole('button', { name: 'Create event' }).click();

    const row = page.locator('#events tr[data-event="form-night"]');
    await row.waitFor(WAIT);
    await expect.poll(() => row.textContent(), WAIT).toMatch(/Form night/);
    const created = await gw.api('GET', '/api/events/form-night');
    expect(created.status).toBe(200);
    expect(created.body.config.inventory.tiers[0].quantity).toBe(250);
    expect(created.body.config.admission).toEqual({ mode: 'rate', fansPerMinute: 300 });

    // The form's times come from the browser's clock, a little ahead of the simulated one: move past them.
    // The tick starts the sale; the list (refreshed every 2 s) shows it with a Pause button.
    await gw.advance(30_000);
    await expect.poll(() => row.locator('.pill').getAttribute('data-phase'), WAIT).toBe('onSale');
    await row.getByRole('button', { name: /pause/i }).click();
    await expect.poll(() => row.locator('.pill').textContent(), WAIT).toBe('paused');
    expect((await gw.api('GET', '/api/events/form-night')).body.status.phase).toBe('paused');
    await expect.poll(() => page.locator('#detail-phase').textContent(), WAIT).toBe('paused');
    await page.screenshot({ path: screenshotPath('organizer-1-paused.png'), fullPage: true });
    await row.getByRole('button', { name: /resume/i }).click();
    await expect.poll(() => row.locator('.pill').getAttribute('data-phase'), WAIT).toBe('onSale');

    // Live retune of the admission rate from the detail panel.
    const settings = page.locator('#settings-form');
    await settings.locator('[name="admission.fansPerMinute"]').fill('1200');
    await settings.getByRole('button', { name: 'Apply changes' }).click();
    await expect.poll(() => page.locator('#settings-result').textContent(), WAIT).toMatch(/Applied/);
    expect((await gw.api('GET', '/api/events/form-night')).body.config.admission.fansPerMinute).toBe(1200);
    await expect.poll(() => row.textContent(), WAIT).toMatch(/1200\/min/);
  }, 60_000);

  it('shows INVALID_CONFIG issues beside their fields', async () => {
    const form = page.locator('#create-form');
    await form.locator('[name="id"]').fill('bad-night');
    await form.locator('[name="name"]').fill('');
    await form.locator('[name="tier.price"]').fill('-5');
    await page.getByRole('button', { name: 'Create event' }).click();

    const nameError = form.locator('.field-error[data-for="name"]');
    await nameError.waitFor(WAIT);
    expect(await nameError.textContent()).toMatch(/must not be empty/);
    expect(await form.locator('[name="name"]').getAttribute('aria-invalid')).toBe('true');
    const priceError = form.locator('.field-error[data-for="inventory.tiers[0].price"]');
    expect(await priceError.textContent()).toMatch(/at least 0/);
    expect((await gw.api('GET', '/api/events/bad-night')).status).toBe(404);
    await page.screenshot({ path: screenshotPath('organizer-2-field-errors.png'), fullPage: true });

    // Fixed, the errors go away and the event is created.
    await form.locator('[name="name"]').fill('Good night');
    await form.locator('[name="tier.price"]').fill('4500');
    await page.getByRole('button', { name: 'Create event' }).click();
    await page.locator('#events tr[data-event="bad-night"]').waitFor(WAIT);
    expect(await form.locator('.field-error[data-for]').count()).toBe(0);
  }, 30_000);
});
