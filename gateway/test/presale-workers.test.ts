/**
 * One access code raced from both gateway workers at once: the engine process
 * is the single writer of the event, so the code is bound to exactly as many
 * accounts as it has uses, whichever worker each join came through.
 * `launch/main.ts --workers 2` on the system clock, fans on real WebSockets.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkInvariants } from '../../engine/src/index.js';
import { freePort } from '../../launch/local-servers.js';
import { FanClient } from './helpers/fan-client.js';
import { spawnProduct, type SpawnedProduct } from './helpers/spawned-product.js';

const API_KEY = 'presale-test-api-key-0123456789';
const FANS = 24;
let primary: SpawnedProduct;
let port: number;
const clients: FanClient[] = [];

beforeAll(async () => {
  port = await freePort();
  primary = await spawnProduct('launch/main.ts', ['--workers', '2'], { port, apiKey: API_KEY });
}, 40_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await primary.stop();
});

/** Connections on both workers (SO_REUSEPORT spreads them); fails if they all landed on one. */
async function fansOnBothWorkers(count: number): Promise<FanClient[]> {
  const fans = await Promise.all(Array.from({ length: count }, () => FanClient.connect(`ws://127.0.0.1:${port}/ws`)));
  clients.push(...fans);
  expect(new Set(fans.map((f) => f.serverId)).size).toBe(2);
  return fans;
}

/** Every fan joins at once with the same code; the replies, in fan order. */
function raceJoins(fans: FanClient[], eventId: string, prefix: string, accessCode: string) {
  return Promise.all(fans.map((fan, i) => fan.request({
    t: 'join', eventId, fanId: `${prefix}${i}`, token: null, powChallenge: null, powNonce: null, identity: null, accessCode,
  } as Parameters<FanClient['request']>[0])));
}

describe('an access code raced over two gateway workers', () => {
  it('is bound to exactly as many accounts as it has uses; every other join is refused and changes nothing', async () => {
    const now = Date.now();
    const created = await primary.api('POST', '/api/events', {
      publish: true,
      config: {
        id: 'presale-race', name: 'Presale race', closesAt: now + 3600_000,
        phases: [{ id: 'presale', name: 'Presale', preQueueOpensAt: now, onSaleAt: now, access: { kind: 'code' } }],
        inventory: { tiers: [{ id: 'ga', name: 'GA', price: 2500, quantity: 100 }] }, admission: { mode: 'rate', fansPerMinute: 600 },
      },
    });
    expect(created.status).toBe(201);
    const upload = await fetch(`http://127.0.0.1:${port}/api/events/presale-race/codes`, {
      method: 'POST', headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'text/csv' }, body: 'SOLO-1,1,4\nTRIO-1,3,8\n',
    });
    expect(upload.status).toBe(201);

    for (const [code, uses] of [['SOLO-1', 1], ['TRIO-1', 3]] as const) {
      const replies = await raceJoins(await fansOnBothWorkers(FANS), 'presale-race', `${code}-fan`, code);
      const joined = replies.filter((r) => r.t === 'joined');
      const refused = replies.filter((r) => r.t === 'error');
      expect(joined, code).toHaveLength(uses);
      expect(refused.map((r) => r.t === 'error' && [r.code, (r.details as { reason?: string }).reason])).toEqual(
        Array.from({ length: FANS - uses }, () => ['ACCESS_CODE_INVALID', 'boundToOtherAccounts']),
      );
    }

    const { body: page } = await primary.api('GET', '/api/events/presale-race/codes');
    expect(page.codes.map((c: { code: string; accounts: string[] }) => [c.code, c.accounts.length])).toEqual([['SOLO1', 1], ['TRIO1', 3]]);
    const { body: journal } = await primary.api('GET', '/api/events/presale-race/journal');
    expect(journal.entries.filter((e: { type: string }) => e.type === 'codeRedeemed')).toHaveLength(4);
    expect(checkInvariants(journal.entries)).toEqual([]);
    expect(primary.output).not.toMatch(/Error|exited/);
  }, 30_000);
});
