/** What `npm start` and `npm run cluster` print once everything listens. */
import type { GatewayOptions } from './config.js';
import { DEMO_EVENT_ID } from './demo-event.js';

export function banner(options: GatewayOptions, port: number, layout: string): string {
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
    options.generated.includes('apiKey') ? `  API key (generated; set BREAKWATER_API_KEY to fix it): ${options.apiKey}` : '  API key: from BREAKWATER_API_KEY',
  ];
  if (options.demoEvent) lines.push(`  Demo event "${DEMO_EVENT_ID}": pre-queue open now, on sale in 60 s`);
  return `${lines.join('\n')}\n`;
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
