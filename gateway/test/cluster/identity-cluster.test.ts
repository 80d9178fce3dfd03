/**
 * Verified identities in cluster mode: `npm run cluster` with 2 engine shards
 * and 2 gateway processes over real nats-server and redis-server processes
 * started here. The identity settings reach both gateways through NATS; one
 * account has one place whichever gateway its connections land on, the
 * takeover reaches the other gateway's connection, and the ticket limit is
 * the account's across both.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startNatsServer, startRedisServer, type LocalServer } from '../../../launch/local-servers.js';
import { FanClient } from '../helpers/fan-client.js';
import { HS256_SECRET, hs256Token } from '../helpers/identity-tokens.js';
import { spawnProduct, type SpawnedProduct } from '../helpers/spawned-product.js';

const API_KEY = 'identity-cluster-api-key-0123456789';
let nats: LocalServer;
let redis: LocalServer;
let cluster: SpawnedProduct;
let port: number;
const clients: FanClient[] = [];

async function fan(): Promise<FanClient> {
  const client = await FanClient.connect(`ws://127.0.0.1:${port}/ws`);
  clients.push(client);
  return client;
}

/** Connects until the kernel hands the connection to a gateway other than `serverId`. */
async function fanOnAnotherGateway(serverId: string): Promise<FanClient> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const client = await fan();
    if (client.serverId !== serverId) return client;
    await client.close();
  }
  throw new Error('every connection landed on the same gateway');
}

beforeAll(async () => {
  [nats, redis] = await Promise.all([startNatsServer(), startRedisServer()]);
  port = await freePort();
  cluster = await spawnProduct('launch/cluster.ts', [
    '--gateways', '2', '--shards', '2', '--partitions', '4', '--nats', nats.url, '--redis', redis.url, '--exempt-ip', '127.0.0.1',
  ], { port, apiKey: API_KEY, startTimeoutMs: 60_000 });
}, 90_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await cluster?.stop();
  await Promise.all([nats?.stop(), redis?.stop()]);
}, 30_000);

describe('verified identities on 2 shards and 2 gateways', () => {
  it('one account, one place and one ticket limit across both gateways', async () => {
    const now = Date.now();
    const eventId = 'verified-cluster-night';
    const created = await cluster.api('POST', '/api/events', {
      publish: true,
      settings: { identity: { required: true, hs256Secret: HS256_SECRET } },
      config: {
        id: eventId, name: 'Verified cluster night', preQueueOpensAt: now, onSaleAt: now, closesAt: now + 3600_000, maxTicketsPerFan: 4,
        door: { startWindowMs: 0 }, // admitted on arrival: these tests are about accounts, not the start-window draw
        inventory: { tiers: [{ id: 'ga', name: 'GA', price: 2500, quantity: 50 }] }, admission: { mode: 'rate', fansPerMinute: 600 },
      },
    });
    expect(created.status).toBe(201);
    expect(created.body.settings.identity.hs256Secret).toBe('set');

    const laptop = await fan();
    const phone = await fanOnAnotherGateway(laptop.serverId!);
    // Both gateways learned the settings (through NATS): a fan id typed in is refused on either.
    for (const client of [laptop, phone]) {
      expect(await client.request({ t: 'join', eventId, fanId: 'acct:kim', token: null, powChallenge: null, powNonce: null, identity: null, accessCode: null }))
        .toMatchObject({ t: 'error', code: 'IDENTITY_REQUIRED' });
    }

    const first = await laptop.join(eventId, 'x', { identity: await hs256Token(eventId, { sub: 'kim' }) });
    await laptop.next('admitted', 10_000);
    expect(await laptop.request({ t: 'hold', grantId: null, request: { kind: 'tickets', tierId: 'ga', quantity: 3 }, key: 'h1' })).toMatchObject({ t: 'held' });

    const second = await phone.join(eventId, 'y', { identity: await hs256Token(eventId, { sub: 'kim' }) });
    expect(second).toMatchObject({ fanId: 'acct:kim', number: first.number, restored: true });
    expect(second.holds.map((h) => h.quantity)).toEqual([3]);
    expect(await laptop.next('error', 10_000)).toMatchObject({ code: 'SESSION_REPLACED' });
    expect((await laptop.closed).code).toBe(4001);

    // A new place on the phone's gateway, the same account: the limit counts the 3 held on the laptop.
    expect(await phone.request({ t: 'leave' })).toMatchObject({ t: 'left' });
    await phone.join(eventId, 'y', { identity: await hs256Token(eventId, { sub: 'kim' }) });
    await phone.next('admitted', 10_000);
    expect(await phone.request({ t: 'hold', grantId: null, request: { kind: 'tickets', tierId: 'ga', quantity: 2 }, key: 'h2' }))
      .toMatchObject({ t: 'error', code: 'LIMIT_EXCEEDED', details: { limit: 4, current: 3 } });
    expect((await cluster.api('GET', `/api/events/${eventId}/status`)).body.joined).toBe(2);
    expect(cluster.output).not.toContain(HS256_SECRET);
  }, 60_000);
});
