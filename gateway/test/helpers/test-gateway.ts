/**
 * A real gateway on a free port of 127.0.0.1, with the engine in the same
 * process on a simulated clock: tests move time and tick by hand.
 */
import { SimulatedClock, type EventConfigInput } from '../../../engine/src/index.js';
import { DEFAULT_LIMITS, type GatewayLimits, type PaymentSettings } from '../../src/config.js';
import { aesSeedVault } from '../../../engine/stores/seed-vault.js';
import { EngineHost } from '../../../engine/host/engine-host.js';
import { InProcessEngineLink } from '../../../engine/link/in-process.js';
import type { EventSettings } from '../../../engine/host/event-settings.js';
import type { WebPushConfig } from '../../../engine/host/notify/web-push-config.js';
import type { PaymentProvider } from '../../src/payments/provider.js';
import { startGatewayServer, type GatewayServer } from '../../src/server.js';
import type { StaticSite } from '../../src/static-site.js';

export const API_KEY = 'test-api-key-0123456789';
export const SIGNING_SECRET = 'test-signing-secret-0123456789';
export const WEBHOOK_SECRET = 'test-webhook-secret-0123456789';

export interface TestGateway {
  clock: SimulatedClock;
  host: EngineHost;
  server: GatewayServer;
  wsUrl: string;
  httpUrl: string;
  /** Moves the simulated clock and runs one engine tick (and its queue publish). */
  advance(ms: number): Promise<void>;
  /** Settings default to the demo payment channel, so tests can pay; pass `payments` to test without it. */
  createEvent(overrides?: Partial<EventConfigInput>, settings?: Partial<EventSettings>): Promise<string>;
  api(method: string, path: string, body?: unknown, key?: string): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

let eventCounter = 0;

/** A small GA event: pre-queue open now, on sale at +60 s. */
export function eventConfig(now: number, overrides: Partial<EventConfigInput> = {}): EventConfigInput {
  return {
    id: `e${++eventCounter}`,
    name: 'Test night',
    preQueueOpensAt: now,
    onSaleAt: now + 60_000,
    closesAt: now + 3600_000,
    inventory: { tiers: [{ id: 'ga', name: 'General admission', price: 5000, quantity: 100 }], sections: [] },
    maxTicketsPerFan: 4,
    paymentWindowMs: 60_000,
    holdExtensionMs: 30_000,
    paymentPendingMaxMs: 120_000,
    presenceGraceMs: 30_000,
    grantTtlMs: 30_000,
    admission: { mode: 'rate', fansPerMinute: 6000 },
    // Every test fan comes from 127.0.0.1 and most join after the start: tests of the door opt back in.
    door: { startWindowMs: 0, joinsPerAddressPerMin: 0, joinsPerSubnetPerMin: 0 },
    ...overrides,
  };
}

export interface TestGatewayOptions {
  limits?: Partial<GatewayLimits>;
  demoDelayMs?: number;
  decision?: 'approve' | 'decline';
  /** The pages to serve (the browser tests bundle them like `npm start` does). */
  site?: StaticSite;
  /** Addresses free of the per-address limits. */
  exemptIps?: string[];
  /** Trusted proxies in front (X-Forwarded-For); 0 by default. */
  trustProxy?: number;
  /** Web Push to fans; none by default. */
  webPush?: WebPushConfig;
  /** The address to listen on: 127.0.0.1 by default. */
  host?: string;
  /** The deployment's payment provider (events that name no channel pay with it); none by default. */
  checkoutProvider?: PaymentProvider;
  /** Providers besides it, by name: channels an event may name. */
  providers?: PaymentProvider[];
  /** The deployment's configured payment providers and whether the demo checkout stays beside them (config.ts). */
  payments?: PaymentSettings;
}

export async function startTestGateway(options: TestGatewayOptions = {}): Promise<TestGateway> {
  const clock = new SimulatedClock(Math.floor(Date.now() / 1000) * 1000);
  const host = new EngineHost({ clock, seeds: aesSeedVault(SIGNING_SECRET), log: () => undefined, ...(options.webPush === undefined ? {} : { webPush: options.webPush }) });
  const link = new InProcessEngineLink(host);
  const server = await startGatewayServer({
    link,
    serverId: 'test',
    ...(options.site === undefined ? {} : { site: options.site }),
    ...(options.checkoutProvider === undefined ? {} : { checkoutProvider: options.checkoutProvider }),
    ...(options.providers === undefined ? {} : { providers: options.providers }),
    log: () => undefined,
    options: {
      host: options.host ?? '127.0.0.1', port: 0, apiKey: API_KEY, signingSecret: SIGNING_SECRET, webhookSecret: WEBHOOK_SECRET, exemptIps: options.exemptIps ?? [], trustProxy: options.trustProxy ?? 0,
      demoPayments: { decision: options.decision ?? 'approve', delayMs: options.demoDelayMs ?? 0 },
      limits: { ...DEFAULT_LIMITS, ...options.limits },
      ...(options.payments === undefined ? {} : { payments: options.payments }),
    },
  });
  const hostInUrl = options.host?.includes(':') === true ? `[${options.host}]` : options.host ?? '127.0.0.1';
  const httpUrl = `http://${hostInUrl}:${server.port}`;
  const api: TestGateway['api'] = async (method, path, body, key = API_KEY) => {
    const response = await fetch(`${httpUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text.length > 0 && response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
  };
  return {
    clock, host, server, httpUrl, api,
    wsUrl: `ws://${hostInUrl}:${server.port}/ws`,
    async advance(ms) {
      clock.advance(ms);
      host.tick();
      await new Promise((resolve) => setImmediate(resolve));
    },
    async createEvent(overrides = {}, settings = {}) {
      const config = eventConfig(clock.now(), overrides);
      const response = await api('POST', '/api/events', { config, publish: true, settings: { payments: { channels: ['demo'] }, ...settings } });
      if (response.status !== 201) throw new Error(`createEvent: ${JSON.stringify(response.body)}`);
      return config.id;
    },
    async close() {
      await server.close();
      await link.close();
    },
  };
}

/** Waits until `check` passes (polling), for effects that cross the event loop. */
export async function eventually(check: () => void | Promise<void>, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}
