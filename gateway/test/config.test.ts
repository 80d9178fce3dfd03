import { describe, expect, it } from 'vitest';
import { banner } from '../src/banner.js';
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

  it('binds an IPv6 address and prints it bracketed', () => {
    const options = parse(['--host', '::1', '--port', '9000'], { BREAKWATER_API_KEY: LONG });
    expect(options.host).toBe('::1');
    expect(banner(options, 9000, 'test')).toContain('http://[::1]:9000/organizer');
    expect(banner(parse(['--host', '::'], {}), 9000, 'test')).toContain('http://localhost:9000/');
  });
});
