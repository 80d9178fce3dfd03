/**
 * The fan page recomputes its place from the published draw (issue #18 point
 * 3), in a real chromium on a real sale with a pre-queue draw: the place it
 * recomputes is its queue number and what `npm run verify-shuffle` says of
 * the file the page offers for download; a tampered summary or proof, served
 * in place of the real one, is shown as a failure.
 */
import { execFile } from 'node:child_process';
import { randomBytes, createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { placeIn, verifyDrawProof, type DrawProof } from '../../engine/src/index.js';
import { launchChromium, screenshotPath, startPageGateway, type PageGateway } from './helpers/browser-harness.js';
import { FanClient } from './helpers/fan-client.js';

const WAIT = { timeout: 15_000 };
const ROOT = new URL('../../', import.meta.url).pathname;

describe('the fan page checks its place in the published draw (browser)', () => {
  let gw: PageGateway;
  let browser: Browser;
  let eventId: string;
  const contexts: BrowserContext[] = [];
  const others: FanClient[] = [];
  const pages: Record<'honest' | 'forgedSummary' | 'forgedProof', Page> = {} as never;

  const text = async (page: Page, selector: string) => ((await page.locator(selector).textContent()) ?? '').trim();
  const stored = (page: Page, fanId: string) =>
    page.evaluate(`JSON.parse(localStorage.getItem('breakwater.receipt.${eventId}.${fanId}')).receipt`) as Promise<string>;

  async function fanPage(fanId: string, tamper?: (context: BrowserContext) => Promise<unknown>): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'en-US', acceptDownloads: true });
    contexts.push(context);
    await tamper?.(context);
    const page = await context.newPage();
    page.on('pageerror', (err) => console.error('page error:', err));
    await page.addInitScript({ content: `localStorage.setItem('breakwater.fanId', '${fanId}');` });
    await page.goto(`${gw.httpUrl}/?event=${eventId}`);
    await page.locator('#prequeue').waitFor({ state: 'visible', ...WAIT });
    // Joined before the draw: the receipt is kept.
    await page.waitForFunction(`localStorage.getItem('breakwater.receipt.${eventId}.${fanId}') !== null`, undefined, WAIT);
    return page;
  }

  beforeAll(async () => {
    [gw, browser] = await Promise.all([startPageGateway(), launchChromium()]);
    // Pre-queue open now, the draw at +60 s; one admission a minute, so every place stays in line.
    eventId = await gw.createEvent({ admission: { mode: 'rate', fansPerMinute: 1 } });
    await gw.advance(0);
    for (let i = 0; i < 20; i++) {
      const fan = await FanClient.connect(gw.wsUrl);
      await fan.join(eventId, `crowd-${i}`);
      others.push(fan);
    }
    pages.honest = await fanPage('fan-honest');
    // A different seed with its own commitment: consistent, but not what the page saw before the draw.
    pages.forgedSummary = await fanPage('fan-forged-summary', (context) => context.route('**/draws/preQueue/summary', async (route) => {
      const summary = await (await route.fetch()).json() as Record<string, unknown>;
      const seed = randomBytes(32);
      await route.fulfill({ json: { ...summary, seed: seed.toString('hex'), commitment: createHash('sha256').update(seed).digest('hex') } });
    }));
    // One entry renamed in the whole proof: the digest no longer holds.
    pages.forgedProof = await fanPage('fan-forged-proof', (context) => context.route('**/draws/preQueue', async (route) => {
      const proof = await (await route.fetch()).json() as DrawProof;
      proof.entries[3] = { ...proof.entries[3]!, pseudonym: randomBytes(16).toString('hex') };
      await route.fulfill({ json: proof });
    }));
    await gw.advance(60_000);
  }, 90_000);

  afterAll(async () => {
    await Promise.all(others.map((fan) => fan.close()));
    await Promise.all(contexts.map((context) => context.close()));
    await browser?.close();
    await gw?.close();
  });

  it('shows its place recomputed from the whole published draw, equal to its queue number', async () => {
    const page = pages.honest;
    await page.locator('#queue').waitFor({ state: 'visible', ...WAIT });
    await expect.poll(() => text(page, '#number'), WAIT).toMatch(/^\d+$/);
    const number = Number(await text(page, '#number'));
    await expect.poll(() => text(page, '#draw-check'), WAIT).toBe(`Your place ${number.toLocaleString('en-US')} — recomputed from the published draw ✓`);
    expect(await text(page, '#draw-scope')).toMatch(/all 23 entries match the published digest/);
    await page.locator('#fairness details').evaluate((details) => ((details as unknown as { open: boolean }).open = true));
    await page.screenshot({ path: screenshotPath('fan-draw-checked.png'), fullPage: true });

    // The engine's own check of the published proof agrees.
    const proof = await (await fetch(`${gw.httpUrl}/api/public/events/${eventId}/draw`)).json() as DrawProof;
    expect(placeIn(proof, await stored(page, 'fan-honest'), 'fan-honest')?.number).toBe(number);
  });

  it('offers the draw for download, and verify-shuffle finds the same place in the file', async () => {
    const page = pages.honest;
    const number = Number(await text(page, '#number'));
    await page.locator('#draw-file').waitFor({ state: 'visible', ...WAIT });
    expect(await text(page, '#draw-size')).toBe('(23 entries, about 3 kB)');
    const [download] = await Promise.all([page.waitForEvent('download', WAIT), page.locator('#draw-download').click()]);
    expect(download.suggestedFilename()).toBe(`draw-${eventId}-preQueue.json`);
    const file = join(mkdtempSync(join(tmpdir(), 'breakwater-draw-')), download.suggestedFilename());
    await download.saveAs(file);
    const proof = JSON.parse(readFileSync(file, 'utf8')) as DrawProof;
    expect(verifyDrawProof(proof)).toEqual({ ok: true, count: 23 });

    const receipt = await stored(page, 'fan-honest');
    const command = await text(page, '#draw-command');
    expect(command).toBe(`npm run verify-shuffle -- draw-${eventId}-preQueue.json --receipt ${receipt} --fan 'fan-honest'`);
    const { stdout } = await promisify(execFile)(join(ROOT, 'node_modules/.bin/tsx'), ['engine/bin/verify-shuffle.ts', file, '--receipt', receipt, '--fan', 'fan-honest'], { cwd: ROOT });
    expect(stdout).toMatch(/^OK: 23 entries, order verified/m);
    expect(stdout).toContain(`Your place: number ${number} `);
  });

  it('shows a failure when the draw it is served was tampered with', async () => {
    await expect.poll(() => text(pages.forgedSummary, '#draw-check'), WAIT)
      .toBe('✗ The published draw does not check out: the published commitment is not the one this page showed before the draw.');
    await expect.poll(() => text(pages.forgedProof, '#draw-check'), WAIT)
      .toBe('✗ The published draw does not check out: the entries do not hash to the published entries digest: an entry was changed, added, dropped or moved.');
    expect(await pages.forgedProof.locator('#draw-file').isHidden()).toBe(true);
    await pages.forgedProof.screenshot({ path: screenshotPath('fan-draw-forged.png'), fullPage: true });
  });
});
