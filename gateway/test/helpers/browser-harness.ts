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
import { buildPages } from '../../src/pages.js';
import { StaticSite } from '../../src/static-site.js';
import type { GatewayLimits, PaymentSettings } from '../../src/config.js';
import type { WebPushConfig } from '../../../engine/host/notify/web-push-config.js';
import { API_KEY, startTestGateway, type TestGateway } from './test-gateway.js';

export const CHROMIUM_PATH = process.env.BREAKWATER_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOT_DIR = join(tmpdir(), 'breakwater-screenshots');
export { API_KEY };

export interface PageGateway extends TestGateway {
  /** Pushes one stats broadcast (the dashboard feed's snapshot). */
  stats(): void;
}

let site: Promise<StaticSite> | undefined;

/** 127.0.0.1 (the browser, the test's fans) is exempt from the door's budgets unless `exemptIps` says otherwise. */
export async function startPageGateway(options: { limits?: Partial<GatewayLimits>; exemptIps?: string[]; webPush?: WebPushConfig; payments?: PaymentSettings } = {}): Promise<PageGateway> {
  site ??= buildPages().then((bundles) => StaticSite.load(bundles));
  const gateway = await startTestGateway({
    site: await site, exemptIps: options.exemptIps ?? ['127.0.0.1'], limits: options.limits ?? {}, ...(options.webPush === undefined ? {} : { webPush: options.webPush }),
    ...(options.payments === undefined ? {} : { payments: options.payments }),
  });
  return { ...gateway, stats: () => gateway.host.publishStats() };
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
