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

  it('creates a presale with phases, generates, uploads and lists its access codes', async () => {
    // A fresh form (a goto that changes only the fragment would keep the last test's).
    await page.goto(`${gw.httpUrl}/organizer#key=${encodeURIComponent(API_KEY)}`);
    await page.reload();
    const form = page.locator('#create-form');
    await form.locator('[name="id"]').fill('presale-night');
    await form.locator('[name="name"]').fill('Presale night');
    await form.locator('[name="phase0.id"]').fill('fanclub');
    await form.locator('[name="phase0.name"]').fill('Fan club presale');
    await form.locator('[name="phase0.access"]').selectOption('groups');
    await page.getByRole('button', { name: 'Add a phase' }).click();
    await page.getByRole('button', { name: 'Add a phase' }).click();
    await form.locator('[name="phase1.id"]').fill('cardholders');
    await form.locator('[name="phase1.name"]').fill('Cardholder presale');
    await form.locator('[name="phase1.access"]').selectOption('code');
    // No groups for a groups phase, and a second phase that opens before the first starts: each issue beside its field.
    const phase1Opens = await form.locator('[name="phase1.preQueueOpensAt"]').inputValue();
    const beforeIt = await form.locator('[name="preQueueOpensAt"]').inputValue();
    await form.locator('[name="phase1.preQueueOpensAt"]').fill(beforeIt);
    await page.getByRole('button', { name: 'Create event' }).click();
    await form.locator('.field-error[data-for="phases[0].access.groups"]').waitFor(WAIT);
    expect(await form.locator('.field-error[data-for="phases[1].preQueueOpensAt"]').textContent()).toMatch(/previous phase's onSaleAt/);

    await form.locator('[name="phase0.groups"]').fill('fanclub, vip');
    await form.locator('[name="phase1.preQueueOpensAt"]').fill(phase1Opens);
    await page.getByRole('button', { name: 'Remove the last phase' }).click();
    await page.getByRole('button', { name: 'Create event' }).click();
    await page.locator('#events tr[data-event="presale-night"]').waitFor(WAIT);
    const { body: created } = await gw.api('GET', '/api/events/presale-night');
    expect(created.config.phases.map((p: { id: string; access: { kind: string } }) => [p.id, p.access.kind])).toEqual([['fanclub', 'groups'], ['cardholders', 'code']]);
    expect(created.config.phases[0].access.groups).toEqual(['fanclub', 'vip']);

    // The detail panel (the new event is selected) lists the phases and has the codes.
    await expect.poll(() => page.locator('#phases-body tr').count(), WAIT).toBe(2);
    expect(await page.locator('#phases-body tr[data-phase="fanclub"]').textContent()).toMatch(/presale groups: fanclub, vip/);
    const generate = page.locator('#codes-generate');
    await generate.locator('[name="count"]').fill('3');
    await generate.locator('[name="phaseId"]').selectOption('cardholders');
    await generate.getByRole('button', { name: 'Generate codes' }).click();
    await expect.poll(() => page.locator('#codes-generated-list').inputValue(), WAIT).toMatch(/^[0-9A-Z]{12}\n[0-9A-Z]{12}\n[0-9A-Z]{12}$/);
    await expect.poll(() => page.locator('#codes-body tr[data-code]').count(), WAIT).toBe(3);

    // A CSV with a wrong line adds nothing and names the line; fixed, it adds its codes.
    await page.locator('#codes-csv').fill('code,uses,ticketCap,phase\nVIP-0001,2,6,cardholders\nVIP-0002,lots,6\n');
    await page.getByRole('button', { name: 'Upload codes' }).click();
    await expect.poll(() => page.locator('#codes-upload-errors li').allTextContents(), WAIT).toEqual(['Line 3: uses must be a whole number from 1 to 1000000']);
    expect((await gw.api('GET', '/api/events/presale-night/codes')).body.total).toBe(3);
    await page.locator('#codes-csv').fill('VIP-0001,2,6,cardholders\nVIP-0002,1,6\n');
    await page.getByRole('button', { name: 'Upload codes' }).click();
    await expect.poll(() => page.locator('#codes-upload-result').textContent(), WAIT).toBe('Added 2 codes.');
    await expect.poll(() => page.locator('#codes-count').textContent(), WAIT).toBe('5 codes');
    expect(await page.locator('#codes-body tr[data-code="VIP0001"]').textContent()).toMatch(/VIP0001cardholders0 \/ 20 \/ 6/);
    await page.screenshot({ path: screenshotPath('organizer-3-presale-codes.png'), fullPage: true });

    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export CSV' }).click();
    const file = await (await download).path();
    const { readFileSync } = await import('node:fs');
    const lines = readFileSync(file!, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('code,uses,ticketCap,phase,ticketsUsed,accounts');
    expect(lines.slice(1).map((line) => line.split(',')[0])).toContain('VIP0002');
    expect(lines).toHaveLength(6);
  }, 60_000);
});
