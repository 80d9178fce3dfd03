/**
 * The fan page in a verified event, in a real (headless) chromium: without a
 * token it says how to sign in (no fan-id box); the organizer's site hands the
 * identity token over in the fragment, which leaves the address bar at once
 * and is kept for reconnects; the place is the account's; a refused token
 * gets its own message. The organizer page sets it up, never showing the
 * secret back. And the access-code prompt of a code-gated presale.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFrame, encodeMessage, type ClientMessage } from '../src/protocol/index.js';
import { API_KEY, launchChromium, screenshotPath, startPageGateway, type PageGateway } from './helpers/browser-harness.js';
import { HS256_SECRET, hs256Token } from './helpers/identity-tokens.js';

const WAIT = { timeout: 10_000 };
const LOGIN = 'https://tickets.example.com/login';

describe('fan page, verified event (browser)', () => {
  let gw: PageGateway;
  let browser: Browser;

  beforeAll(async () => {
    [gw, browser] = await Promise.all([startPageGateway(), launchChromium()]);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await gw?.close();
  });

  it('sends a fan without a token to sign in, joins with the token from the fragment, and keeps the place across a dropped connection', async () => {
    const eventId = await gw.createEvent({ presenceGraceMs: 600_000 }, { identity: { required: true, hs256Secret: HS256_SECRET, loginUrl: LOGIN } } as never);
    await gw.advance(60_000);

    const page = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1 });
    page.on('pageerror', (err) => console.error('page error:', err));
    await page.goto(`${gw.httpUrl}/?event=${eventId}`);
    await page.locator('#signin').waitFor({ state: 'visible', ...WAIT });
    expect(await page.locator('#signin-link').getAttribute('href')).toBe(LOGIN);
    expect(await page.locator('#signin-text').textContent()).toMatch(/signed-in fans/);
    await expect.poll(() => page.locator('#fan-id-field').isHidden(), WAIT).toBe(true);
    await page.screenshot({ path: screenshotPath('identity-1-sign-in.png'), fullPage: true });
    expect(gw.host.engine.event(eventId).status().joined).toBe(0);

    // The organizer's login redirects back with the token in the fragment (never sent to any server).
    const token = await hs256Token(eventId, { sub: 'ivy' });
    await page.goto(`${gw.httpUrl}/?event=${eventId}#identity=${token}`);
    await page.locator('#queue').waitFor({ state: 'visible', ...WAIT });
    expect(await page.evaluate('location.href')).toBe(`${gw.httpUrl}/?event=${eventId}`);
    expect(await page.evaluate(`sessionStorage.getItem('breakwater.identity.${eventId}')`)).toBe(token);
    expect(await page.locator('#signin').isHidden()).toBe(true);
    const room = gw.host.engine.event(eventId).room;
    expect(room.isPresent('acct:ivy')).toBe(true);
    const number = room.place('acct:ivy')!.number;
    await page.screenshot({ path: screenshotPath('identity-2-in-line.png'), fullPage: true });

    await page.evaluate('window.breakwater.dropConnection()');
    await expect.poll(() => page.locator('#notice').textContent(), WAIT).toMatch(/your place was kept/);
    expect(room.place('acct:ivy')!.number).toBe(number);
    expect(gw.host.engine.event(eventId).status().joined).toBe(1);
    await page.close();
  });

  it('says what is wrong with a refused token and offers the sign-in again', async () => {
    const eventId = await gw.createEvent({}, { identity: { required: true, hs256Secret: HS256_SECRET, loginUrl: LOGIN } } as never);
    const page = await browser.newPage();
    const cases: Array<[Promise<string>, RegExp]> = [
      [hs256Token(eventId, { sub: 'jo', expiresIn: -60 }), /expired/],
      [hs256Token('another-event', { sub: 'jo' }), /another event/],
      [hs256Token(eventId, { sub: 'jo' }, 'not-the-organizers-secret-0123456789abc'), /signature/],
    ];
    for (const [token, text] of cases) {
      await page.goto(`${gw.httpUrl}/?event=${eventId}#identity=${await token}`);
      await expect.poll(() => page.locator('#signin-text').textContent(), WAIT).toMatch(text);
      // The page fills the text and shows the link in one render, but the render may land between two reads.
      await expect.poll(() => page.locator('#signin-link').isVisible(), WAIT).toBe(true);
      // The refused token is not kept for reconnects.
      await expect.poll(() => page.evaluate(`sessionStorage.getItem('breakwater.identity.${eventId}')`), WAIT).toBeNull();
    }
    expect(gw.host.engine.event(eventId).status().joined).toBe(0);
    await page.close();
  });

  it('lets the organizer require sign-in from the organizer page, and never shows the secret back', async () => {
    const eventId = await gw.createEvent({ name: 'Page-configured night' });
    const page = await browser.newPage();
    await page.goto(`${gw.httpUrl}/organizer#key=${encodeURIComponent(API_KEY)}`);
    await page.locator(`#events tr[data-event="${eventId}"] a`).first().click();
    const form = page.locator('#settings-form');
    await form.waitFor({ state: 'visible', ...WAIT });
    await form.locator('[name="identity.required"]').check();
    await form.locator('[name="identity.hs256Secret"]').fill(HS256_SECRET);
    await form.locator('[name="identity.loginUrl"]').fill(LOGIN);
    await form.getByRole('button', { name: 'Apply changes' }).click();
    await expect.poll(() => page.locator('#settings-result').textContent(), WAIT).toMatch(/Applied/);
    expect((await gw.api('GET', `/api/events/${eventId}`)).body.settings.identity).toEqual({ required: true, hs256Secret: 'set', loginUrl: LOGIN });
    await expect.poll(() => form.locator('[name="identity.hs256Secret"]').getAttribute('placeholder'), WAIT).toMatch(/set/);
    expect(await form.locator('[name="identity.hs256Secret"]').inputValue()).toBe('');
    expect(await page.content()).not.toContain(HS256_SECRET);
    await page.screenshot({ path: screenshotPath('identity-3-organizer.png'), fullPage: true });

    // Applying other changes keeps the secret (an empty field means "keep").
    await form.locator('[name="identity.issuer"]').fill('https://tickets.example.com');
    await form.getByRole('button', { name: 'Apply changes' }).click();
    await expect.poll(async () => (await gw.api('GET', `/api/events/${eventId}`)).body.settings.identity.issuer, WAIT).toBe('https://tickets.example.com');
    expect((await gw.api('GET', `/api/events/${eventId}`)).body.settings.identity.hs256Secret).toBe('set');
    await page.close();
  }, 30_000);

  it('asks for an access code when the presale needs one, and joins again with it', async () => {
    const eventId = await gw.createEvent({}, { identity: { required: true, hs256Secret: HS256_SECRET } } as never);
    const page = await browser.newPage();
    const codesSent: Array<string | null> = [];
    // The presale rules are the engine's (docs/presales.md); here the socket stands in for them:
    // a join without the code is refused as the engine would, one with the right code goes through.
    await page.routeWebSocket(/\/ws$/, (ws) => {
      const server = ws.connectToServer();
      ws.onMessage((frame) => {
        const message = decodeFrame(new Uint8Array(frame as Buffer)) as ClientMessage;
        if (message.t === 'join') {
          codesSent.push(message.accessCode);
          if (message.accessCode !== 'FANCLUB-42') {
            const code = message.accessCode === null ? 'ACCESS_CODE_REQUIRED' : 'ACCESS_CODE_INVALID';
            ws.send(Buffer.from(encodeMessage({ t: 'error', rid: message.rid, code, message: code, details: {} })));
            return;
          }
        }
        server.send(frame);
      });
    });
    await page.goto(`${gw.httpUrl}/?event=${eventId}#identity=${await hs256Token(eventId, { sub: 'lee' })}`);
    const form = page.locator('#access');
    await form.waitFor({ state: 'visible', ...WAIT });
    expect(await page.locator('#access-text').textContent()).toMatch(/needs an access code/);
    await form.locator('[name="accessCode"]').fill('WRONG-1');
    await form.getByRole('button', { name: /join with this code/i }).click();
    await expect.poll(() => page.locator('#access-text').textContent(), WAIT).toMatch(/not valid/);
    await form.locator('[name="accessCode"]').fill('FANCLUB-42');
    await form.getByRole('button', { name: /join with this code/i }).click();
    await page.locator('#prequeue').waitFor({ state: 'visible', ...WAIT });
    expect(await form.isHidden()).toBe(true);
    expect(codesSent).toEqual([null, 'WRONG-1', 'FANCLUB-42']);
    expect(gw.host.engine.event(eventId).room.isPresent('acct:lee')).toBe(true);
    await page.close();
  });
});
