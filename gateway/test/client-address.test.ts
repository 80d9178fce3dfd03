/**
 * The forwarded-address rule (`--trust-proxy N`): the client is the N-th
 * X-Forwarded-For entry from the right; whatever a client puts further left
 * changes nothing, and a list that proves nothing gives the socket peer.
 * Then the same against a real gateway, with forged headers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { parseOptions } from '../src/config.js';
import { addressOf, clientAddress, normalizeAddress } from '../src/http/client-address.js';
import { startTestGateway, type TestGateway } from './helpers/test-gateway.js';

const PEER = '10.0.0.2';

describe('the client address behind trusted proxies', () => {
  it('reads the socket peer when no proxy is trusted, whatever the header says', () => {
    expect(clientAddress(PEER, '203.0.113.7', 0)).toBe(PEER);
  });

  it('takes the right-most entry behind one proxy: entries a client adds on the left change nothing', () => {
    expect(clientAddress(PEER, '203.0.113.7', 1)).toBe('203.0.113.7');
    expect(clientAddress(PEER, '1.1.1.1, 203.0.113.7', 1)).toBe('203.0.113.7');
    expect(clientAddress(PEER, '1.1.1.1,9.9.9.9,  203.0.113.7 ', 1)).toBe('203.0.113.7');
  });

  it('skips the inner proxies behind N proxies and takes the entry before them', () => {
    // client → proxy A (appends the client) → proxy B (appends A) → gateway (peer: B)
    expect(clientAddress(PEER, '203.0.113.7, 10.0.0.1', 2)).toBe('203.0.113.7');
    expect(clientAddress(PEER, '6.6.6.6, 203.0.113.7, 10.0.0.1', 2)).toBe('203.0.113.7');
    expect(clientAddress(PEER, 'forged, 203.0.113.7, 10.0.0.3, 10.0.0.1', 3)).toBe('203.0.113.7');
  });

  it('falls back to the socket peer when the list is too short for the proxies (one was skipped) or empty', () => {
    expect(clientAddress(PEER, '', 1)).toBe(PEER);
    expect(clientAddress(PEER, '203.0.113.7', 2)).toBe(PEER);
    expect(clientAddress(PEER, '1.1.1.1, 203.0.113.7', 3)).toBe(PEER);
  });

  it('falls back to the socket peer when the chosen entry is not an address, never to another entry', () => {
    expect(clientAddress(PEER, '203.0.113.7, unknown', 1)).toBe(PEER);
    expect(clientAddress(PEER, '203.0.113.7, ', 1)).toBe(PEER);
    expect(clientAddress(PEER, '203.0.113.7, 300.1.1.1', 1)).toBe(PEER);
    expect(clientAddress(PEER, '203.0.113.7, _hidden', 1)).toBe(PEER);
  });

  it('strips ports and brackets and normalizes IPv4-mapped IPv6', () => {
    expect(clientAddress(PEER, '203.0.113.7:51234', 1)).toBe('203.0.113.7');
    expect(clientAddress(PEER, '[2001:DB8::1]:443', 1)).toBe('2001:db8::1');
    expect(clientAddress(PEER, '[2001:db8::1]', 1)).toBe('2001:db8::1');
    expect(clientAddress(PEER, '2001:db8::1', 1)).toBe('2001:db8::1');
    expect(clientAddress(PEER, '::ffff:203.0.113.7', 1)).toBe('203.0.113.7');
    expect(clientAddress(PEER, '[::FFFF:203.0.113.7]:80', 1)).toBe('203.0.113.7');
    expect(addressOf('2001:db8::1:443')).toBe('2001:db8::1:443'); // without brackets the last group is part of the address
  });

  it('gives every spelling of one address one key: IPv4-mapped IPv6 as IPv4, IPv6 in its short form', () => {
    expect(normalizeAddress('0000:0000:0000:0000:0000:ffff:cb00:7107')).toBe('203.0.113.7');
    expect(normalizeAddress('::ffff:cb00:7107')).toBe('203.0.113.7');
    expect(normalizeAddress('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(normalizeAddress('203.0.113.7')).toBe('203.0.113.7');
    expect(normalizeAddress('2001:DB8::FFFF:1')).toBe('2001:db8::ffff:1');
    expect(normalizeAddress('2001:0db8:0000:0000:0000:0000:0000:0001')).toBe('2001:db8::1');
    expect(normalizeAddress('2001:db8:0:0:1:0:0:1')).toBe('2001:db8::1:0:0:1');
    expect(normalizeAddress('2001:db8:0:1:1:1:1:1')).toBe('2001:db8:0:1:1:1:1:1');
    expect(normalizeAddress('0000:0000:0000:0000:0000:0000:0000:0001')).toBe('::1');
    expect(normalizeAddress('fe80::')).toBe('fe80::');
    expect(normalizeAddress('::')).toBe('::');
  });

  it('reads --trust-proxy N and BREAKWATER_TRUST_PROXY; nothing means no proxy', () => {
    const trust = (argv: string[], env: NodeJS.ProcessEnv = {}) => {
      const options = parseOptions(argv, env);
      return options === 'help' ? undefined : options.trustProxy;
    };
    expect(trust([])).toBe(0);
    expect(trust(['--trust-proxy', '2'])).toBe(2);
    expect(trust([], { BREAKWATER_TRUST_PROXY: '1' })).toBe(1);
    expect(trust(['--trust-proxy', '3'], { BREAKWATER_TRUST_PROXY: '1' })).toBe(3);
    expect(() => trust(['--trust-proxy', 'yes'])).toThrow(/--trust-proxy/);
    expect(() => trust(['--trust-proxy', '-1'])).toThrow(/--trust-proxy/);
  });
});

describe('a gateway behind one trusted proxy, sent forged headers', () => {
  let gw: TestGateway;
  const sockets: WebSocket[] = [];

  beforeAll(async () => {
    gw = await startTestGateway({ trustProxy: 1, limits: { maxConnectionsPerIp: 2, maxConnectionsPerSubnet: 3 } });
  });

  afterAll(async () => {
    for (const ws of sockets) ws.close();
    await gw.close();
  });

  /** Opens a socket with these X-Forwarded-For lines (the test plays the proxy): 101 when accepted, else the HTTP status. */
  function connect(forwardedFor: string[]): Promise<number> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(gw.wsUrl, { headers: { 'x-forwarded-for': forwardedFor } });
      ws.once('open', () => {
        sockets.push(ws);
        resolve(101);
      });
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.once('error', reject);
    });
  }

  it('counts a client by the address its proxy appended, whatever it forged to the left of it', async () => {
    expect(await connect(['1.1.1.1, 198.51.100.7'])).toBe(101);
    expect(await connect(['2.2.2.2, 198.51.100.7'])).toBe(101);
    // The left-most rule would see a third, fresh address here.
    expect(await connect(['3.3.3.3, 198.51.100.7'])).toBe(429);
    expect(await connect(['198.51.100.8'])).toBe(101);
    // The same subnet: its third connection fills 198.51.100.0/24.
    expect(await connect(['4.4.4.4, 198.51.100.9'])).toBe(429);
  });

  it('reads every X-Forwarded-For line: a client line first, the proxy line after it', async () => {
    expect(await connect(['5.5.5.5', '198.51.100.7'])).toBe(429);
    expect(await connect(['198.51.100.7', '192.0.2.1'])).toBe(101);
  });

  it('counts a request that skipped the proxy (no header, or a bad entry) as the socket peer', async () => {
    expect(await connect([])).toBe(101);
    expect(await connect(['192.0.2.50, not-an-address'])).toBe(101);
    // 127.0.0.1 has its two connections now: a forged header cannot buy a third.
    expect(await connect(['192.0.2.51, garbage'])).toBe(429);
  });
});
