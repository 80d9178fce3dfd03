/**
 * `npm run bench:page [-- --runs N] [--json]`: how soon a fan on a bad mobile
 * network sees their place. Starts the product (`main.ts --workers 0`) on
 * 127.0.0.1 with the demo event's venue, on sale and paused so that every fan
 * stays in line with a number, and opens the fan page in Debian's chromium
 * through a throttling TCP proxy (slow-link.ts: 800 ms round trip, 30 kB/s
 * down, 15 kB/s up, for HTTP and the WebSocket alike). Every run is a first
 * visit (a fresh browser context, nothing cached); each also reloads the page
 * once in the same tab as a returning fan (the cache warm). Prints the time to first paint,
 * to a shown place (the queue card with the fan's position), and the bytes
 * the link carried by then, with the medians over the runs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';
import { median } from '../../engine/bench/bench-helpers.js';
import { freePort } from '../../launch/local-servers.js';
import { DEMO_SETTINGS, demoEventConfig } from '../../launch/demo-event.js';
import { SlowLink, type LinkProfile } from './slow-link.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const API_KEY = 'page-bench-api-key-0123456789';
const EVENT_ID = 'bench';
/** Emulated 2G: the profile. */
const PROFILE: LinkProfile = { roundTripMs: 800, downBytesPerSec: 30_000, upBytesPerSec: 15_000 };
const CHROMIUM = process.env.BREAKWATER_CHROMIUM ?? '/usr/bin/chromium';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, json: { type: 'boolean', default: false } } });
const RUNS = Math.max(1, Number(values.runs));
const log = (line: string) => {
  if (!values.json) console.log(line);
};

interface Visit {
  firstPaintMs: number;
  firstContentfulPaintMs: number;
  placeShownMs: number;
  bytesDown: number;
  bytesUp: number;
}

/** Set by the page's observer the moment the queue card shows a position. */
const WATCH_PLACE = `
  new MutationObserver((_, observer) => {
    const queue = document.getElementById('queue');
    const position = document.getElementById('position');
    if (queue && position && !queue.hidden && /\\d/.test(position.textContent || '')) {
      window.__placeShownAt = performance.now();
      observer.disconnect();
    }
  }).observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
`;

async function startProduct(port: number): Promise<ChildProcess> {
  const args = ['--import', 'tsx', join(ROOT, 'launch/main.ts'), '--workers', '0', '--port', String(port), '--host', '127.0.0.1', '--no-demo', '--exempt-ip', '127.0.0.1'];
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, BREAKWATER_API_KEY: API_KEY }, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the gateway did not start in 60 s')), 60_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('Breakwater is running')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`the gateway exited (${code}) at start`)));
  });
  return child;
}

async function api(base: string, method: string, path: string, body?: unknown): Promise<any> {
  const response = await fetch(`${base}${path}`, {
    method, headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = await response.json();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

/** The demo venue, on sale and paused: a fan who joins stays in line with a number. */
async function prepareEvent(base: string): Promise<void> {
  const now = Date.now();
  await api(base, 'POST', '/api/events', { publish: true, settings: DEMO_SETTINGS, config: {
    ...demoEventConfig(now), id: EVENT_ID, onSaleAt: now + 2000,
    // A fan arriving after the start window, and every bench fan comes from 127.0.0.1: no draw to wait for, no per-address pace.
    door: { startWindowMs: 0, joinsPerAddressPerMin: 0, joinsPerSubnetPerMin: 0 },
  } });
  for (let tries = 0; ; tries++) {
    const { phase } = await api(base, 'GET', `/api/public/events/${EVENT_ID}`);
    if (phase === 'onSale') break;
    if (tries > 100) throw new Error(`the bench event never went on sale (phase ${phase})`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await api(base, 'POST', `/api/events/${EVENT_ID}/pause`);
}

/** Opens the fan page in `page` through the link and waits for the place and the load event. */
async function visit(page: Page, url: string, link: SlowLink): Promise<Visit> {
  const before = link.bytes;
  await page.goto(url, { waitUntil: 'load', timeout: 120_000 });
  await page.waitForFunction('window.__placeShownAt !== undefined', undefined, { timeout: 60_000, polling: 100 }).catch(async (err: unknown) => {
    throw new Error(`no place shown; the page says: ${(await page.innerText('main')).slice(0, 400)}`, { cause: err });
  });
  // A string, not a function: tsx would wrap a function's inner helpers in names the page does not have.
  const figures = await page.evaluate<Omit<Visit, 'bytesDown' | 'bytesUp'>>(`(() => {
    const paint = (name) => performance.getEntriesByType('paint').find((entry) => entry.name === name)?.startTime ?? NaN;
    return { firstPaintMs: paint('first-paint'), firstContentfulPaintMs: paint('first-contentful-paint'), placeShownMs: window.__placeShownAt };
  })()`);
  const after = link.bytes;
  return { ...figures, bytesDown: after.down - before.down, bytesUp: after.up - before.up };
}

function summary(visits: Visit[]): Visit {
  const of = (key: keyof Visit) => Math.round(median(visits.map((v) => v[key])));
  return { firstPaintMs: of('firstPaintMs'), firstContentfulPaintMs: of('firstContentfulPaintMs'), placeShownMs: of('placeShownMs'), bytesDown: of('bytesDown'), bytesUp: of('bytesUp') };
}

function line(label: string, v: Visit): string {
  return `${label.padEnd(14)} first paint ${String(Math.round(v.firstPaintMs)).padStart(5)} ms · place shown ${String(Math.round(v.placeShownMs)).padStart(5)} ms · ${String(v.bytesDown).padStart(7)} B down, ${String(v.bytesUp).padStart(6)} B up`;
}

async function main(): Promise<void> {
  const port = await freePort('127.0.0.1');
  const product = await startProduct(port);
  let browser: Browser | undefined;
  try {
    await prepareEvent(`http://127.0.0.1:${port}`);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--headless=new'],
    });
    log(`fan page over ${PROFILE.roundTripMs} ms round trip, ${PROFILE.downBytesPerSec / 1000} kB/s down, ${PROFILE.upBytesPerSec / 1000} kB/s up (a throttling TCP proxy), ${RUNS} runs`);
    const first: Visit[] = [];
    const repeat: Visit[] = [];
    for (let run = 1; run <= RUNS; run++) {
      // A fresh link per run: no connection or queued byte is carried over.
      const link = new SlowLink(PROFILE, { host: '127.0.0.1', port });
      const url = `http://127.0.0.1:${await link.listen()}/?event=${EVENT_ID}`;
      const context = await browser.newContext();
      try {
        const page = await context.newPage();
        await page.addInitScript(WATCH_PLACE);
        first.push(await visit(page, url, link));
        // The same tab opened again (it keeps its queue token): what the cache saves a returning fan.
        repeat.push(await visit(page, url, link));
      } finally {
        await context.close();
        await link.close();
      }
      log(line(`run ${run} first`, first.at(-1)!));
      log(line(`run ${run} repeat`, repeat.at(-1)!));
    }
    const result = { profile: PROFILE, runs: RUNS, firstVisit: summary(first), repeatVisit: summary(repeat), firstVisits: first, repeatVisits: repeat };
    if (values.json) console.log(JSON.stringify(result));
    else {
      log(line('median first', result.firstVisit));
      log(line('median repeat', result.repeatVisit));
    }
  } finally {
    await browser?.close();
    product.kill('SIGTERM');
  }
}

main().catch((err: unknown) => {
  console.error((err as Error).stack ?? String(err));
  process.exit(1);
});
