/** What `npm start` and `npm run cluster` print once everything listens. */
import type { GatewayOptions, PaymentSettings, StorageMode } from '../gateway/src/config.js';
import { DEMO_EVENT_ID } from './demo-event.js';
import { STRIPE_CHANNEL } from '../gateway/src/payments/stripe-provider.js';

/** `restored`: what the engine read back from the data directory at start. */
export function banner(options: GatewayOptions, port: number, layout: string, restored?: { events: number; entries: number; fromSnapshots?: number; ms: number }): string {
  const host = options.host === '0.0.0.0' || options.host === '::' ? 'localhost' : options.host.includes(':') ? `[${options.host}]` : options.host;
  const base = `http://${host}:${port}`;
  const key = encodeURIComponent(options.apiKey);
  const lines = [
    '',
    `Breakwater is running on ${base} — ${layout}`,
    '',
    `  Fan page        ${base}/`,
    `  Organizer page  ${base}/organizer#key=${key}`,
    `  Dashboard       ${base}/dashboard#key=${key}`,
    `  Organizer API   ${base}/api/events   (Authorization: Bearer <key>; docs/openapi.yaml)`,
    `  Metrics         ${base}/metrics   health ${base}/healthz   ready ${base}/readyz`,
    '',
    `  Storage         ${storageLine(options.storage, restored)}`,
    `  Payments        ${paymentsLine(options.payments)}`,
    options.generated.includes('apiKey') ? `  Bootstrap API key, admin (${keptWhere(options)}; set BREAKWATER_API_KEY to fix it): ${options.apiKey}` : '  Bootstrap API key, admin: from BREAKWATER_API_KEY',
    '  More keys, with roles and events, and the audit log: the organizer page, or POST /api/keys',
  ];
  if (options.demoEvent) {
    const unpayable = options.payments.stripe !== undefined && !options.payments.allowDemo ? ' (it offers only the demo checkout, which is off here: its fans cannot pay; --no-demo drops it)' : '';
    lines.push(`  Demo event "${DEMO_EVENT_ID}": pre-queue open now, on sale in 60 s${unpayable}`);
  }
  return `${lines.join('\n')}\n`;
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Which mode runs, said where an organizer cannot miss it. */
export function storageLine(storage: StorageMode, restored?: { events: number; entries: number; fromSnapshots?: number; ms: number }): string {
  switch (storage.mode) {
    case 'durable': {
      const snapshots = (restored?.fromSnapshots ?? 0) > 0 ? `; ${restored!.fromSnapshots} from a snapshot and the entries after it` : '';
      const back = restored === undefined || restored.events === 0 ? 'nothing to restore' : `restored ${plural(restored.events, 'event')} (${restored.entries} journal entries${snapshots}) in ${restored.ms} ms`;
      return `durable — every sale kept in ${storage.dataDir}, fsynced before any fan is told; ${back}`;
    }
    case 'memory':
      return 'IN MEMORY ONLY (--memory) — every event, place, hold and purchase is lost when this process stops';
    case 'redis':
      return 'cluster — events kept in Redis';
  }
}

/** Which payment channels run, and above all whether fans can approve their own payments. */
export function paymentsLine(payments: PaymentSettings): string {
  if (payments.stripe === undefined) return 'demo checkout only — no real provider configured; fans approve their own payments where an event offers "demo"';
  const demo = payments.allowDemo ? 'demo checkout ON too (--allow-demo-payments)' : 'demo checkout off';
  return `${STRIPE_CHANNEL} (webhooks to /webhooks/payments/${STRIPE_CHANNEL}); ${demo}`;
}

function keptWhere(options: GatewayOptions): string {
  return options.storage.mode === 'durable' ? `generated, kept in ${options.storage.dataDir}/secrets.json` : 'generated';
}
