import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { banner } from '../../launch/banner.js';
import { MIN_SECRET_BYTES, parseOptions, type GatewayOptions } from '../src/config.js';

const LONG = 'x'.repeat(MIN_SECRET_BYTES);

function parse(argv: string[], env: NodeJS.ProcessEnv): GatewayOptions {
  const options = parseOptions(argv, env);
  if (options === 'help') throw new Error('help');
  return options;
}

describe('start-up settings', () => {
  it('refuses an API key or secret shorter than 16 bytes, naming it', () => {
    for (const name of ['BREAKWATER_API_KEY', 'BREAKWATER_SECRET', 'BREAKWATER_WEBHOOK_SECRET']) {
      expect(() => parse([], { [name]: 'short-secret' })).toThrow(new RegExp(`${name} must be at least 16 bytes \\(it is 12\\)`));
      expect(parse([], { [name]: LONG }).generated).not.toContain(name);
    }
    // Bytes, not characters: eight two-byte characters are enough.
    expect(() => parse([], { BREAKWATER_API_KEY: 'é'.repeat(8) })).not.toThrow();
    expect(parse([], {}).generated).toEqual(['apiKey', 'signingSecret', 'webhookSecret']);
  });

  it('keeps the audit log 90 days and 1,000,000 entries by default, as the flags say otherwise', () => {
    expect(parse([], {}).auditRetention).toEqual({ maxAgeMs: 90 * 86_400_000, maxEntries: 1_000_000 });
    expect(parse(['--audit-max-age-days', '7', '--audit-max-entries', '5000'], {}).auditRetention).toEqual({ maxAgeMs: 7 * 86_400_000, maxEntries: 5000 });
    expect(() => parse(['--audit-max-entries', '0'], {})).toThrow(/--audit-max-entries must be an integer ≥ 1/);
  });

  it('binds an IPv6 address and prints it bracketed', () => {
    const options = parse(['--host', '::1', '--port', '9000'], { BREAKWATER_API_KEY: LONG });
    expect(options.host).toBe('::1');
    expect(banner(options, 9000, 'test')).toContain('http://[::1]:9000/organizer');
    expect(banner(parse(['--host', '::'], {}), 9000, 'test')).toContain('http://localhost:9000/');
  });

  it('keeps events under ./data by default, elsewhere with --data-dir, nowhere with --memory, and says so in the banner', () => {
    const durable = parse([], {});
    const snapshots = { everyEntries: 1_000_000, everyMs: 3_600_000 };
    expect(durable.storage).toEqual({ mode: 'durable', dataDir: resolve('data'), snapshots });
    expect(banner(durable, 8080, 'test', { events: 2, entries: 40, ms: 3 })).toContain(`Storage         durable — every sale kept in ${resolve('data')}, fsynced before any fan is told; restored 2 events (40 journal entries) in 3 ms`);
    expect(banner(durable, 8080, 'test', { events: 2, entries: 40, fromSnapshots: 1, ms: 3 })).toContain('restored 2 events (40 journal entries; 1 from a snapshot and the entries after it) in 3 ms');
    expect(parse(['--data-dir', '/srv/bw'], {}).storage).toEqual({ mode: 'durable', dataDir: '/srv/bw', snapshots });
    expect(parse([], { BREAKWATER_DATA_DIR: '/srv/env' }).storage).toEqual({ mode: 'durable', dataDir: '/srv/env', snapshots });
    expect(parse(['--snapshot-every', '5000', '--snapshot-seconds', '30'], {}).storage).toMatchObject({ snapshots: { everyEntries: 5000, everyMs: 30_000 } });
    expect(() => parse(['--snapshot-every', '0'], {})).toThrow('--snapshot-every must be an integer ≥ 1');
    const memory = parse(['--memory'], {});
    expect(memory.storage).toEqual({ mode: 'memory' });
    expect(banner(memory, 8080, 'test')).toContain('IN MEMORY ONLY (--memory) — every event, place, hold and purchase is lost when this process stops');
    expect(() => parse(['--memory', '--data-dir', '/srv/bw'], {})).toThrow('--memory keeps nothing on disk');
    expect(parse(['--nats', 'nats://n', '--redis', 'redis://r'], {}).storage).toEqual({ mode: 'redis' });
  });
});

describe('payment providers', () => {
  const stripeEnv = { BREAKWATER_STRIPE_SECRET_KEY: 'sk_test_0123456789abcdef', BREAKWATER_STRIPE_WEBHOOK_SECRET: 'whsec_0123456789abcdef', BREAKWATER_PUBLIC_URL: 'https://tickets.example.com' };

  it('has no real provider by default, and the banner says fans approve their own payments', () => {
    const options = parse([], {});
    expect(options.payments).toEqual({ allowDemo: false });
    expect(banner(options, 8080, 'test')).toContain('Payments        demo checkout only — no real provider configured');
  });

  it('configures Stripe from its two secrets and the public URL; the demo checkout is off unless --allow-demo-payments', () => {
    const options = parse([], stripeEnv);
    expect(options.payments).toEqual({ allowDemo: false, stripe: { secretKey: 'sk_test_0123456789abcdef', webhookSecret: 'whsec_0123456789abcdef', publicUrl: 'https://tickets.example.com' } });
    expect(banner(options, 8080, 'test')).toContain('Payments        stripe (webhooks to /webhooks/payments/stripe); demo checkout off');
    expect(banner(options, 8080, 'test')).toContain('its fans cannot pay; --no-demo drops it');
    expect(banner(parse([], {}), 8080, 'test')).not.toContain('cannot pay');
    const staging = parse(['--allow-demo-payments'], { ...stripeEnv, BREAKWATER_STRIPE_API_URL: 'http://127.0.0.1:12111' });
    expect(staging.payments).toMatchObject({ allowDemo: true, stripe: { apiUrl: 'http://127.0.0.1:12111' } });
    expect(banner(staging, 8080, 'test')).toContain('demo checkout ON too (--allow-demo-payments)');
  });

  it('refuses half a Stripe configuration, naming what is missing', () => {
    expect(() => parse([], { BREAKWATER_STRIPE_SECRET_KEY: stripeEnv.BREAKWATER_STRIPE_SECRET_KEY })).toThrow(/BREAKWATER_STRIPE_WEBHOOK_SECRET/);
    expect(() => parse([], { BREAKWATER_STRIPE_WEBHOOK_SECRET: stripeEnv.BREAKWATER_STRIPE_WEBHOOK_SECRET })).toThrow(/BREAKWATER_STRIPE_SECRET_KEY/);
    expect(() => parse([], { ...stripeEnv, BREAKWATER_PUBLIC_URL: '' })).toThrow(/BREAKWATER_PUBLIC_URL/);
    expect(() => parse([], { ...stripeEnv, BREAKWATER_PUBLIC_URL: 'tickets.example.com' })).toThrow(/BREAKWATER_PUBLIC_URL/);
    expect(() => parse([], { ...stripeEnv, BREAKWATER_STRIPE_API_URL: 'ftp://x' })).toThrow(/BREAKWATER_STRIPE_API_URL/);
  });
});
