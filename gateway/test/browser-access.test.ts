/**
 * The organizer page's API keys and audit log, and the dashboard without a
 * key in its URL, in a real (headless) chromium: an admin creates a key with
 * a role and an event (its secret shown once), sees what it did in the audit
 * log, filters it by key, and revokes it; a viewer's page says what it may
 * not do; the dashboard opens its feed with a ticket and stops when its key
 * is revoked.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, launchChromium, screenshotPath, startPageGateway, type PageGateway } from './helpers/browser-harness.js';

const WAIT = { timeout: 10_000 };

describe('API keys and the audit log (browser)', () => {
  let gw: PageGateway;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    [gw, browser] = await Promise.all([startPageGateway(), launchChromium()]);
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    page.on('pageerror', (err) => console.error('page error:', err));
    page.on('dialog', (dialog) => void dialog.accept());
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await gw?.close();
  });

  it('creates a key with a role and an event, shows its secret once, audits what it did, and revokes it', async () => {
    const eventId = await gw.createEvent({ onSaleAt: gw.clock.now() });
    await gw.advance(1000);
    await page.goto(`${gw.httpUrl}/organizer#key=${encodeURIComponent(API_KEY)}`);
    const keys = page.locator('#access-keys');
    await keys.waitFor({ state: 'visible', ...WAIT });
    await expect.poll(() => page.locator('#access-whoami').textContent(), WAIT).toContain('bootstrap key');

    const form = page.locator('#key-create');
    await form.locator('[name="name"]').fill('Door staff');
    await form.locator('[name="role"]').selectOption('operator');
    await form.locator('[name="events"]').fill(eventId);
    await form.getByRole('button', { name: 'Create key' }).click();
    const secretField = page.locator('#key-created-secret');
    await expect.poll(() => secretField.inputValue(), WAIT).toMatch(/^bwk_[0-9a-f]{12}_/);
    const secret = await secretField.inputValue();
    const keyId = secret.slice(4, 16);
    const row = page.locator(`#keys-body tr[data-key="${keyId}"]`);
    await expect.poll(() => row.textContent(), WAIT).toMatch(/Door staff.*operator.*active/);
    expect(await row.textContent()).toContain(eventId);
    // Shown once: the list never carries it.
    expect(await page.locator('#keys-body').textContent()).not.toContain(secret.slice(17));

    // The new key at work, and out of its event.
    expect((await gw.api('POST', `/api/events/${eventId}/pause`, undefined, secret)).status).toBe(200);
    expect((await gw.api('POST', '/api/events', { config: {} }, secret)).body.code).toBe('FORBIDDEN');

    const audit = page.locator('#audit-body');
    await page.locator('#audit-filter [name="keyId"]').selectOption(keyId);
    await page.locator('#audit-filter').getByRole('button', { name: 'Show' }).click();
    await expect.poll(async () => (await audit.locator('tr').allTextContents()).length, WAIT).toBe(2);
    const [refused, paused] = await audit.locator('tr').allTextContents();
    expect(paused).toMatch(/Door staff.*pause.*done.*127\.0\.0\.1/);
    expect(paused).toContain(eventId);
    expect(refused).toMatch(/Door staff.*create event.*FORBIDDEN/);
    await page.screenshot({ path: screenshotPath('access-1-audit.png'), fullPage: true });

    await row.getByRole('button', { name: 'Revoke Door staff' }).click();
    await expect.poll(() => row.textContent(), WAIT).toMatch(/revoked/);
    expect(await gw.api('GET', '/api/events', undefined, secret)).toMatchObject({ status: 401, body: { details: { reason: 'revoked' } } });
    await page.locator('#audit-filter [name="keyId"]').selectOption('');
    await page.locator('#audit-filter').getByRole('button', { name: 'Show' }).click();
    await expect.poll(() => audit.locator('tr').first().textContent(), WAIT).toMatch(/bootstrap key.*revoke key.*done/);
  });

  it('tells a viewer what it may not do', async () => {
    const viewer = (await gw.api('POST', '/api/keys', { name: 'Looker', role: 'viewer' })).body.secret as string;
    await page.goto(`${gw.httpUrl}/organizer`);
    await page.locator('#api-key').fill(viewer);
    await page.getByRole('button', { name: 'Use key' }).click();
    await expect.poll(() => page.locator('#access-denied').textContent(), WAIT).toContain('need an admin key; this key is viewer');
    expect(await page.locator('#access-keys').isHidden()).toBe(true);
    expect(await page.locator('#access-audit').isHidden()).toBe(true);
    expect(await page.locator('#access-whoami').textContent()).toContain('"Looker": viewer, every event');
  });

  it('opens the dashboard feed with a ticket, no key in its URL, and stops when the key is revoked', async () => {
    const created = (await gw.api('POST', '/api/keys', { name: 'Wall screen', role: 'viewer' })).body;
    const dashboard = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const sockets: string[] = [];
    dashboard.on('websocket', (ws) => sockets.push(ws.url()));
    await dashboard.goto(`${gw.httpUrl}/dashboard#key=${encodeURIComponent(created.secret)}`);
    await expect.poll(() => dashboard.locator('#feed-state').textContent(), WAIT).toBe('Live');
    expect(sockets.length).toBeGreaterThan(0);
    for (const url of sockets) {
      expect(new URL(url).pathname).toBe('/dashboard/ws');
      expect(url).not.toContain(created.secret);
      expect(new URL(url).search).toBe('');
    }
    expect((await gw.api('DELETE', `/api/keys/${created.key.id}`)).status).toBe(200);
    await expect.poll(() => dashboard.locator('#feed-state').textContent(), WAIT).toBe('The API key was revoked: enter another.');
    expect(await dashboard.locator('#key-form').isVisible()).toBe(true);
    await dashboard.close();
  });
});
