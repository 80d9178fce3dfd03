/**
 * For the browser tests: a real gateway serving the pages (bundled from
 * gateway/pages like `npm start` does) with the engine in-process on a
 * simulated clock, and a headless Debian chromium driven by playwright-core.
 * A missing chromium is a failure, never a skip: CI installs it
 * (.ci/system-deps.sh).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { SimulatedClock, type EventConfigInput } from '../../../engine/src/index.js';
import { DEFAULT_LIMITS } from '../../src/config.js';
import { EngineHost } from '../../src/engine-link/engine-host.js';
import { InProcessEngineLink } from '../../src/engine-link/in-process.js';
import type { EventSettings } from '../../src/event-settings.js';
import { buildPages } from '../../src/pages.js';
import { startGatewayServer, type GatewayServer } from '../../src/server.js';
import { StaticSite } from '../../src/static-site.js';
import { API_KEY, eventConfig, SIGNING_SECRET, WEBHOOK_SECRET } from './test-gateway.js';

export const CHROMIUM_PATH = process.env.BREAKWATER_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOT_DIR = join(tmpdir(), 'breakwater-screenshots');
export { API_KEY };

export interface PageGateway {
  clock: SimulatedClock;
  host: EngineHost;
  server: GatewayServer;
  httpUrl: string;
  wsUrl: string;
  /** Moves the simulated clock and runs one engine tick (queue publishes follow). */
  advance(ms: number): Promise<void>;
  /** Pushes one stats broadcast (the dashboard feed's snapshot). */
  stats(): void;
  createEvent(overrides?: Partial<EventConfigInput>, settings?: Partial<EventSettings>): Promise<string>;
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

let site: Promise<StaticSite> | undefined;

export async function startPageGateway(): Promise<PageGateway> {
  site ??= buildPages().then((bundles) => StaticSite.load(bundles));
  const clock = new SimulatedClock(Math.floor(Date.now() / 1000) * 1000);
  const host = new EngineHost({ clock, log: () => undefined });
  const link = new InProcessEngineLink(host);
  const server = await startGatewayServer({
    link,
    serverId: 'browser-test',
    site: await site,
    log: () => undefined,
    options: {
      host: '127.0.0.1', port: 0, apiKey: API_KEY, signingSecret: SIGNING_SECRET, webhookSecret: WEBHOOK_SECRET, exemptIps: ['127.0.0.1'], trustProxy: false,
      demoPayments: { decision: 'approve', delayMs: 0 },
      limits: DEFAULT_LIMITS,
    },
  });
  const httpUrl = `http://127.0.0.1:${server.port}`;
  const api: PageGateway['api'] = async (method, path, body) => {
    const response = await fetch(`${httpUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${API_KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text.length > 0 && response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
  };
  return {
    clock, host, server, httpUrl, api,
    wsUrl: `ws://127.0.0.1:${server.port}/ws`,
    async advance(ms) {
      clock.advance(ms);
      host.tick();
      await new Promise((resolve) => setImmediate(resolve));
    },
    stats: () => host.publishStats(),
    async createEvent(overrides = {}, settings = {}) {
      const config = eventConfig(clock.now(), overrides);
      const response = await api('POST', '/api/events', { config, publish: true, settings });
      if (response.status !== 201) throw new Error(`createEvent: ${JSON.stringify(response.body)}`);
      return config.id;
    },
    async close() {
      await server.close();
      await link.close();
    },
  };
}

/** Launches the system chromium; throws a clear error when it is not installed. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`chromium not found at ${CHROMIUM_PATH}: the browser tests need it (install with .ci/system-deps.sh or apt-get install -y chromium)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--headless=new'],
    timeout: 30_000,
  });
}

export function screenshotPath(name: string): string {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  return join(SCREENSHOT_DIR, name);
}
