/**
 * The organizer page without JSON, in a real (headless) chromium: an event
 * with two tiers, a generated seat map (with its preview) and a price per
 * category; its times, tickets and prices changed while the phase allows it
 * (locked fields say why); a pause before the on-sale; a message to the
 * queue and the event's colours and logo, seen on the fan page at once; and
 * an order found, its history read, cancelled with its refund and exported.
 */
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGNATURE_HEADER, signWebhook } from '../../engine/host/notify/webhook-signature.js';
import type { PaymentStartedMessage } from '../src/protocol/index.js';
import { API_KEY, launchChromium, screenshotPath, startPageGateway, type PageGateway } from './helpers/browser-harness.js';
import { FanClient } from './helpers/fan-client.js';
import { WEBHOOK_SECRET } from './helpers/test-gateway.js';

const WAIT = { timeout: 10_000 };
const EVENT = 'seated-night';
/** One transparent pixel. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

describe('organizer page: events without JSON, the fan page, orders (browser)', () => {
  let gw: PageGateway;
  let browser: Browser;
  let page: Page;
  const fans: FanClient[] = [];

  beforeAll(async () => {
    [gw, browser] = await Promise.all([startPageGateway(), launchChromium()]);
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    page.on('pageerror', (err) => console.error('page error:', err));
  }, 60_000);

  afterAll(async () => {
    await Promise.all(fans.map((fan) => fan.close()));
    await browser?.close();
    await gw?.close();
  });

  const event = async () => (await gw.api('GET', `/api/events/${EVENT}`)).body;

  it('creates a seated event from a tiers table, a generated seat map and a price per category', async () => {
    await page.goto(`${gw.httpUrl}/organizer#key=${encodeURIComponent(API_KEY)}`);
    await page.getByText('No events yet').waitFor(WAIT);
    const form = page.locator('#create-form');
    await form.locator('[name="id"]').fill(EVENT);
    await form.locator('[name="name"]').fill('Seated night');
    await form.locator('[name="admission.mode"]').selectOption('auto');
    // Every term is explained where it stands.
    expect(await form.locator('label:has([name="admission.mode"]) .hint').textContent()).toMatch(/concurrency.*as many as may shop at once/);

    // Two tiers: the first row is there, the second added.
    await form.locator('[name="tier.quantity"]').fill('100');
    await page.getByRole('button', { name: 'Add a tier' }).first().click();
    await form.locator('[name="tier1.id"]').fill('balcony');
    await form.locator('[name="tier1.name"]').fill('Balcony');
    await form.locator('[name="tier1.price"]').fill('3000');
    await form.locator('[name="tier1.quantity"]').fill('50');
    await expect.poll(() => form.locator('[data-price-of="1"]').textContent(), WAIT).toMatch(/30[.,]00/);

    // A generated seat map: 2 sections × 3 rows × 8 seats, categories by distance to the stage.
    await form.getByLabel('Generate blocks of rows').check();
    await form.locator('[name="gen.sections"]').fill('2');
    await form.locator('[name="gen.rows"]').fill('3');
    await form.locator('[name="gen.seats"]').fill('8');
    await form.locator('[name="gen.categories"]').fill('A, B');
    await expect.poll(() => form.locator('#seatmap-count').textContent(), WAIT).toBe('48 seats');
    const preview = form.locator('#seatmap-preview svg');
    expect(await preview.locator('path[data-category]').evaluateAll((paths) => paths.map((p) => [p.getAttribute('data-category'), p.getAttribute('data-seats')]))).toEqual([['A', '24'], ['B', '24']]);
    expect(await preview.locator('[data-stage]').count()).toBe(1);
    await form.locator('[name="price.A"]').fill('9000');
    await form.locator('[name="price.B"]').fill('4000');
    await page.screenshot({ path: screenshotPath('organizer-events-1-seat-map.png'), fullPage: true });

    await page.getByRole('button', { name: 'Create event' }).click();
    await page.locator(`#events tr[data-event="${EVENT}"]`).waitFor(WAIT);
    const { config, settings } = await event();
    expect(config.inventory.tiers.map((t: { id: string; price: number; quantity: number }) => [t.id, t.price, t.quantity])).toEqual([['floor', 5000, 100], ['balcony', 3000, 50]]);
    expect(config.inventory.sections.map((s: { rows: Array<{ seats: unknown[] }> }) => s.rows.map((r) => r.seats.length))).toEqual([[8, 8, 8], [8, 8, 8]]);
    expect(config.inventory.sections[0].rows[0].seats[0]).toEqual({ label: '1', category: 'B', rank: expect.any(Number), x: 0, y: 0 });
    expect(settings.categoryPrices).toEqual({ A: 9000, B: 4000 });
  }, 60_000);

  it('reads a seat map from a CSV upload, and shows a file with a wrong line without taking any of it', async () => {
    const form = page.locator('#create-form');
    await form.getByLabel('Upload a CSV').check();
    const csv = 'section,row,seat,category,x,y\nStalls,A,1,A,0,0\nStalls,A,2,A,1,0\nStalls,B,1,B,0,1\nStalls,B,2,B,one,1\n';
    await form.locator('#seatmap-file').setInputFiles({ name: 'venue.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await expect.poll(() => form.locator('#seatmap-errors li').allTextContents(), WAIT).toEqual(['Line 5: x and y must be numbers']);
    expect(await form.locator('#seatmap-preview svg').count()).toBe(0);
    await form.locator('#seatmap-csv-text').fill(csv.replace('one', '1'));
    await expect.poll(() => form.locator('#seatmap-count').textContent(), WAIT).toBe('4 seats');
    expect(await form.locator('#seatmap-preview path[data-category]').count()).toBe(2);
    expect(await form.locator('#category-prices tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-category')))).toEqual(['A', 'B']);
    await form.getByLabel('No seats').check();
    await expect.poll(() => form.locator('#category-prices-box').isHidden(), WAIT).toBe(true);
  }, 30_000);

  it('edits times, tickets and prices while the phase allows it, says why a field is locked, and pauses before the on-sale', async () => {
    // The form's times come from the browser's clock, a little ahead of the simulated one: into the waiting room.
    await gw.advance(30_000);
    const row = page.locator(`#events tr[data-event="${EVENT}"]`);
    await expect.poll(() => row.locator('.pill').getAttribute('data-phase'), WAIT).toBe('preQueue');
    const schedule = page.locator('#schedule-form');
    await expect.poll(() => schedule.locator('[name="preQueueOpensAt"]').isDisabled(), WAIT).toBe(true);
    expect(await schedule.locator('label:has([name="preQueueOpensAt"]) .lock-note').textContent()).toBe('Locked: cannot change once the pre-queue has opened.');
    expect(await schedule.locator('[name="onSaleAt"]').isDisabled()).toBe(false);

    // More floor tickets, a later close, a dearer category A.
    const closes = (await event()).config.closesAt + 3600_000;
    await schedule.locator('[name="tiers.0.quantity"]').fill('150');
    await schedule.locator('[name="closesAt"]').fill(await page.evaluate((at) => {
      const d = new Date(at);
      const pad = (n: number) => String(n).padStart(2, '0');
      return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
    }, closes));
    await schedule.locator('[name="price.A"]').fill('9500');
    await schedule.getByRole('button', { name: 'Save times, tickets and prices' }).click();
    await expect.poll(() => schedule.locator('#schedule-result').textContent(), WAIT).toMatch(/Saved/);
    const after = await event();
    expect(after.config.inventory.tiers[0].quantity).toBe(150);
    expect(after.config.closesAt).toBe(closes);
    expect(after.settings.categoryPrices).toEqual({ A: 9500, B: 4000 });

    // Paused before the on-sale: the sale will start paused, and fans are told.
    await row.getByRole('button', { name: /pause/i }).click();
    await expect.poll(() => row.textContent(), WAIT).toMatch(/will start paused/);
    expect((await event()).status).toMatchObject({ phase: 'preQueue', pausedBeforeSale: true });
    const fan = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await fan.goto(`${gw.httpUrl}/?event=${EVENT}`);
    await fan.locator('#paused-before-sale').waitFor({ state: 'visible', ...WAIT });
    await fan.screenshot({ path: screenshotPath('organizer-events-2-fan-paused-before-sale.png'), fullPage: true });
    await fan.close();
    await row.getByRole('button', { name: /resume/i }).click();
    await expect.poll(async () => (await event()).status.pausedBeforeSale, WAIT).toBe(false);
    await page.screenshot({ path: screenshotPath('organizer-events-2-schedule.png'), fullPage: true });
  }, 60_000);

  it('sends a message to the queue and sets the colours and logo: the fan page shows them', async () => {
    const fan = await browser.newPage({ viewport: { width: 390, height: 844 } });
    fan.on('pageerror', (err) => console.error('fan page error:', err));
    await fan.goto(`${gw.httpUrl}/?event=${EVENT}`);
    await fan.locator('#prequeue').waitFor({ state: 'visible', ...WAIT });

    await page.locator('#announce-text').fill('Doors open at 19:30, not 19:00.');
    await page.getByRole('button', { name: 'Send to the queue' }).click();
    // At once, over the fan's socket.
    await expect.poll(() => fan.locator('#announcement-text').textContent(), WAIT).toBe('Doors open at 19:30, not 19:00.');
    await expect.poll(() => page.locator('#announce-current').textContent(), WAIT).toMatch(/Doors open at 19:30/);

    const branding = page.locator('#branding-form');
    await branding.locator('[name="accent"]').fill('#6a1b9a');
    await branding.locator('[name="background"]').fill('#fff8e1');
    expect(await page.locator('#accent-contrast').textContent()).toMatch(/\d+\.\d:1 ✓/);
    await branding.getByRole('button', { name: 'Save colours' }).click();
    await expect.poll(() => page.locator('#branding-result').textContent(), WAIT).toMatch(/Colours saved/);
    await page.locator('#logo-file').setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: PNG });
    await page.getByRole('button', { name: 'Upload logo' }).click();
    await expect.poll(() => page.locator('#logo-result').textContent(), WAIT).toBe('Logo uploaded.');
    await page.locator('#logo-current').waitFor({ state: 'visible', ...WAIT });

    await fan.reload();
    await fan.locator('#event-logo').waitFor({ state: 'visible', ...WAIT });
    // (Strings run in the page: the test's type check has no DOM library.)
    await expect.poll(() => fan.evaluate("document.querySelector('#event-logo').naturalWidth"), WAIT).toBe(1);
    expect(await fan.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--accent').trim()")).toBe('#6a1b9a');
    expect(await fan.locator('#announcement-text').textContent()).toBe('Doors open at 19:30, not 19:00.');
    await fan.screenshot({ path: screenshotPath('organizer-events-3-fan-branded.png'), fullPage: true });

    await page.getByRole('button', { name: 'Take it down' }).click();
    await expect.poll(() => fan.locator('#announcement').isHidden(), WAIT).toBe(true);
    await fan.close();
  }, 60_000);

  it('finds an order by seat, reads its history, cancels it with its refund and exports the orders', async () => {
    // A fan in the waiting room buys two seats of category A at the demo checkout once the sale starts (the start window drawn).
    await gw.api('PATCH', `/api/events/${EVENT}`, { settings: { payments: { channels: ['demo'] } } });
    const client = await FanClient.connect(gw.wsUrl);
    fans.push(client);
    await client.join(EVENT, 'fan-in-stalls');
    const { config } = await event();
    await gw.advance(config.onSaleAt + config.door.startWindowMs - gw.clock.now() + 1000);
    await gw.advance(500);
    await client.next('admitted');
    const held = await client.request({ t: 'hold', grantId: null, request: { kind: 'best', category: 'A', quantity: 2 }, key: 'hold' });
    if (held.t !== 'held') throw new Error(JSON.stringify(held));
    const seats = held.hold.seatIds!;
    const started = await client.request({ t: 'pay', holdId: held.hold.holdId, key: 'pay' }) as PaymentStartedMessage;
    const body = JSON.stringify({
      id: 'evt_browser', type: 'payment.succeeded', created: Math.floor(Date.now() / 1000),
      data: { paymentId: started.paymentId, eventId: EVENT, holdId: held.hold.holdId, amount: started.hold.amount, currency: 'EUR' },
    });
    const webhook = await fetch(`${gw.httpUrl}/webhooks/payments/demo`, {
      method: 'POST', headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signWebhook(WEBHOOK_SECRET, Buffer.from(body), Date.now()) }, body,
    });
    expect(webhook.status).toBe(200);

    const search = page.locator('#orders-search');
    await search.locator('[name="q"]').fill(seats[1]!);
    await search.getByRole('button', { name: 'Search' }).click();
    const orderRow = page.locator(`#orders-body tr[data-order="${held.hold.holdId}"]`);
    await orderRow.waitFor(WAIT);
    expect(await page.locator('#orders-body tr').count()).toBe(1);
    expect(await orderRow.textContent()).toMatch(/fan-in-stalls.*190[.,]00.*bought/);
    expect(await page.locator('#revenue-body').textContent()).toMatch(/Category A2\D*190[.,]00/);

    await orderRow.getByRole('button', { name: `Details of order ${held.hold.holdId}` }).click();
    await expect.poll(() => page.locator('#order-history li').evaluateAll((items) => items.map((i) => i.getAttribute('data-type'))), WAIT)
      .toEqual(['joined', 'admitted', 'held', 'paymentStarted', 'purchased']);
    await page.locator('#cancel-reason').fill('Duplicate order');
    await page.getByRole('button', { name: 'Cancel this order' }).click();
    await expect.poll(() => page.locator('#cancel-result').textContent(), WAIT).toMatch(/cancelled; its tickets are back on sale and the payment was refunded/);
    await expect.poll(() => orderRow.textContent(), WAIT).toMatch(/cancelled, refunded/);
    await expect.poll(() => page.locator('#order-history li').evaluateAll((items) => items.map((i) => i.getAttribute('data-type')).slice(-3)), WAIT).toEqual(['orderCancelled', 'refundDue', 'refunded']);
    expect(await page.locator('#revenue-totals').textContent()).toMatch(/0 orders standing.*Cancelled: 1 orders \(2 tickets back on sale\); refunded \D*190[.,]00/);
    expect(await client.next('orderCancelled')).toMatchObject({ holdId: held.hold.holdId, reason: 'Duplicate order' });
    const { body: info } = await gw.api('GET', `/api/public/events/${EVENT}`);
    const statusOf = (id: string) => info.sections.flatMap((s: { rows: Array<{ seats: Array<{ id: string; status: string }> }> }) => s.rows.flatMap((r) => r.seats)).find((s: { id: string }) => s.id === id).status;
    expect(seats.map(statusOf)).toEqual(['free', 'free']);
    await page.screenshot({ path: screenshotPath('organizer-events-4-order-cancelled.png'), fullPage: true });

    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export orders (CSV)' }).click();
    const lines = readFileSync((await (await download).path())!, 'utf8').trim().split('\n');
    expect(lines[0]).toMatch(/^holdId,fanId,paymentId,status,/);
    expect(lines.slice(1)).toEqual([expect.stringMatching(new RegExp(`^${held.hold.holdId},fan-in-stalls,.*,cancelled,,${seats.join(' ')},A A,2,19000,EUR,.*,Duplicate order,refunded,fan$`))]);
  }, 60_000);
});
