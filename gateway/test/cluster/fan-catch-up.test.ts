/**
 * No outcome lost in transit, against real nats-server and redis-server: a
 * gateway (in this process, over NatsEngineLink) and engine shards (in this
 * process, on a simulated clock). Broadcasts are lost on purpose — the
 * shard's publishes to `bw.bc.*` are dropped while `lose` is on, which is
 * what a NATS outage or a crash between the durable write and the publish
 * does — and each fan still learns what the journal says happened to it:
 * after a gap in the event's broadcasts, after NATS restarts (with nothing
 * broadcast afterwards), and after a takeover of a shard that decided and
 * died without telling anyone.
 */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedClock, type JournalEntry } from '../../../engine/src/index.js';
import { RedisEventStore, RedisPartitionStore } from '../../../engine/stores/redis/redis-event-store.js';
import { aesSeedVault } from '../../../engine/stores/seed-vault.js';
import { startNatsServer, startRedisServer, type LocalServer } from '../../../launch/local-servers.js';
import { NatsEngineLink } from '../../../engine/link/nats-engine-link.js';
import { connectRedis } from '../../../engine/stores/redis/redis-connection.js';
import { Shard } from '../../../engine/shard/shard.js';
import { DEFAULT_LIMITS } from '../../src/config.js';
import { startGatewayServer, type GatewayServer } from '../../src/server.js';
import { FanClient } from '../helpers/fan-client.js';
import { eventually } from '../helpers/test-gateway.js';

const quiet = (): void => undefined;
const NOW = 1_000_000;
const SECRET = 'fan catch-up test secret 0123456789';

let nats: LocalServer;
let redisServer: LocalServer;
let redis: Redis;
let gatewayLink: NatsEngineLink;
let testLink: NatsEngineLink;
let gateway: GatewayServer;
const clock = new SimulatedClock(NOW);
const clients: FanClient[] = [];
const shards: Shard[] = [];
const connections: NatsConnection[] = [];
/** While true, every broadcast the shards publish is lost. */
let lose = false;

async function startShard(id: string): Promise<Shard> {
  const nc = await connect({ servers: nats.url, name: id, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
  connections.push(nc);
  const publish = nc.publish.bind(nc);
  nc.publish = (subject, payload, options) => {
    if (lose && subject.startsWith('bw.bc.')) return;
    publish(subject, payload, options);
  };
  // A gateway silent for 1 s counts as gone: a NATS outage longer than that must not make its fans gone.
  const shard = new Shard({ nc, store: new RedisEventStore(redis), seeds: aesSeedVault(SECRET), shardId: id, partitions: 1, clock, gatewayTimeoutMs: 1_000, log: quiet });
  shards.push(shard);
  await shard.start();
  return shard;
}

async function createEvent(eventId: string, overrides: Record<string, unknown> = {}): Promise<void> {
  await eventually(async () => {
    await testLink.execute({
      op: 'createEvent', publish: true, settings: { payments: { channels: ['demo'] } },
      config: {
        id: eventId, name: eventId, preQueueOpensAt: NOW, onSaleAt: NOW, closesAt: NOW + 3600_000, maxTicketsPerFan: 2,
        inventory: { tiers: [{ id: 'ga', name: 'GA', price: 1000, quantity: 50 }], sections: [] },
        paymentWindowMs: 60_000, grantTtlMs: 600_000, presenceGraceMs: 600_000,
        admission: { mode: 'concurrency', maxActiveShoppers: 1 }, door: { startWindowMs: 0, joinsPerAddressPerMin: 0, joinsPerSubnetPerMin: 0 },
        ...overrides,
      },
    });
  }, 20_000);
}

async function fan(eventId: string, fanId: string): Promise<FanClient> {
  const client = await FanClient.connect(`ws://127.0.0.1:${gateway.port}/ws`);
  clients.push(client);
  const joined = await client.request({ t: 'join', eventId, fanId, token: null, powChallenge: null, powNonce: null, identity: null, accessCode: null }, 10_000);
  expect(joined.t, JSON.stringify(joined)).toBe('joined');
  return client;
}

/** Lets the shards tick at the current simulated time (they tick every 250 ms of real time). */
const ticks = () => new Promise((resolve) => setTimeout(resolve, 600));

async function holdOne(client: FanClient, key: string): Promise<string> {
  const held = await client.request({ t: 'hold', grantId: null, request: { kind: 'tickets', tierId: 'ga', quantity: 1 }, key }, 10_000);
  if (held.t !== 'held') throw new Error(JSON.stringify(held));
  return held.hold.holdId;
}

/** The journal as Redis holds it (readable while NATS is down; reading needs no fence). */
function redisJournal(eventId: string): Promise<JournalEntry[]> {
  return new RedisPartitionStore(redis, { partition: 0, epoch: 1 }).read(eventId);
}

beforeAll(async () => {
  [nats, redisServer] = await Promise.all([startNatsServer(), startRedisServer()]);
  redis = await connectRedis(redisServer.url, quiet);
  await startShard('s1');
  testLink = await NatsEngineLink.connect({ servers: nats.url, owner: 'test', partitions: 1, log: quiet });
  await eventually(() => testLink.execute({ op: 'sync' }).then(() => undefined), 20_000);
  gatewayLink = await NatsEngineLink.connect({ servers: nats.url, owner: 'gw-catch-up', partitions: 1, log: quiet });
  gateway = await startGatewayServer({
    link: gatewayLink, serverId: 'gw-catch-up', log: quiet,
    options: {
      host: '127.0.0.1', port: 0, apiKey: 'catch-up-api-key-0123456789', signingSecret: SECRET, webhookSecret: 'catch-up-webhook-secret-0123',
      exemptIps: ['127.0.0.1'], trustProxy: 0, demoPayments: { decision: 'approve', delayMs: 0 }, limits: { ...DEFAULT_LIMITS },
    },
  });
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  await gateway?.close();
  await gatewayLink?.close();
  await testLink?.close();
  for (const shard of shards) await shard.stop().catch(() => undefined);
  await Promise.all(connections.map((nc) => nc.close().catch(() => undefined)));
  redis?.disconnect();
  await Promise.all([nats?.stop(), redisServer?.stop()]);
}, 60_000);

describe('every outcome reaches its connected fan', () => {
  it('after a gap in the event\'s broadcasts: a purchase whose broadcast was lost', async () => {
    await createEvent('gap-night');
    const buyer = await fan('gap-night', 'buyer');
    await ticks();
    await buyer.next('admitted', 10_000);
    const holdId = await holdOne(buyer, 'h');
    const started = await buyer.request({ t: 'pay', holdId, key: 'p' }, 10_000);
    if (started.t !== 'paymentStarted') throw new Error(JSON.stringify(started));
    lose = true;
    await testLink.execute({ op: 'command', command: { type: 'confirmPurchase', eventId: 'gap-night', holdId, paymentId: started.paymentId } });
    lose = false;
    expect(buyer.received.some((m) => m.t === 'purchased')).toBe(false);
    // The next broadcast of the event skips a number: the gateway asks the shard and tells the fan.
    await testLink.execute({ op: 'command', command: { type: 'pause', eventId: 'gap-night' } });
    await buyer.next('paused', 10_000);
    expect(await buyer.next('purchased', 10_000)).toMatchObject({ holdId, paymentId: started.paymentId });
  }, 60_000);

  it('after NATS restarts: an expiry and an admission decided meanwhile, with nothing broadcast afterwards', async () => {
    await createEvent('outage-night');
    const shopper = await fan('outage-night', 'shopper');
    await ticks();
    await shopper.next('admitted', 10_000);
    const holdId = await holdOne(shopper, 'h');
    const waiting = await fan('outage-night', 'waiting');
    await ticks();
    expect(waiting.received.some((m) => m.t === 'admitted')).toBe(false);
    lose = true;
    await nats.stop();
    // The hold's window runs out while nobody hears: it expires and the waiting fan is admitted.
    clock.advance(61_000);
    await eventually(async () => {
      const entries = await redisJournal('outage-night');
      expect(entries.some((e) => e.type === 'admitted' && e.fanIds.includes('waiting'))).toBe(true);
    }, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 1_200)); // longer than the shard's gateway timeout
    await nats.start();
    lose = false;
    expect(await shopper.next('holdExpired', 20_000)).toMatchObject({ holdId });
    await waiting.next('admitted', 20_000);
    // Nobody counted the gateway's fans as gone for NATS' silence.
    const presence = (await redisJournal('outage-night')).filter((e) => e.type === 'presence' && !e.connected);
    expect(presence).toEqual([]);
  }, 90_000);

  it('after a gap: a turn that came and lapsed while nobody could tell the fan', async () => {
    await createEvent('lapse-night', { grantTtlMs: 60_000 });
    const shopper = await fan('lapse-night', 'shopper');
    await ticks();
    await shopper.next('admitted', 10_000);
    await holdOne(shopper, 'h');
    const waiting = await fan('lapse-night', 'waiting');
    await ticks();
    lose = true;
    // The hold's window runs out, the waiting fan is admitted, and its turn runs out too: all unheard.
    clock.advance(61_000);
    await eventually(async () => {
      expect((await redisJournal('lapse-night')).some((e) => e.type === 'admitted' && e.fanIds.includes('waiting'))).toBe(true);
    }, 10_000);
    clock.advance(61_000);
    let grantId = '';
    await eventually(async () => {
      const lapse = (await redisJournal('lapse-night')).find((e) => e.type === 'grantExpired' && e.fanId === 'waiting');
      expect(lapse).toBeDefined();
      grantId = lapse!.type === 'grantExpired' ? lapse!.grantId : '';
    }, 10_000);
    lose = false;
    await testLink.execute({ op: 'command', command: { type: 'pause', eventId: 'lapse-night' } });
    expect(await waiting.next('grantExpired', 10_000)).toMatchObject({ grantId });
    expect(waiting.received.some((m) => m.t === 'admitted')).toBe(false);
    // Told once: the next catch-up has nothing new for it.
    await testLink.execute({ op: 'command', command: { type: 'resume', eventId: 'lapse-night' } });
    lose = true;
    await testLink.execute({ op: 'command', command: { type: 'pause', eventId: 'lapse-night' } });
    lose = false;
    await testLink.execute({ op: 'command', command: { type: 'resume', eventId: 'lapse-night' } });
    await waiting.next('resumed', 10_000);
    await ticks();
    expect(waiting.all('grantExpired')).toHaveLength(1);
  }, 60_000);

  it('after a takeover: a purchase the dead owner made durable but never broadcast', async () => {
    await createEvent('takeover-night');
    const buyer = await fan('takeover-night', 'buyer');
    await ticks();
    await buyer.next('admitted', 10_000);
    const holdId = await holdOne(buyer, 'h');
    const started = await buyer.request({ t: 'pay', holdId, key: 'p' }, 10_000);
    if (started.t !== 'paymentStarted') throw new Error(JSON.stringify(started));
    const [old] = shards;
    await startShard('s2');
    lose = true;
    await testLink.execute({ op: 'command', command: { type: 'confirmPurchase', eventId: 'takeover-night', holdId, paymentId: started.paymentId } });
    // The owner dies with its broadcast unsent: its connection goes, its lease runs out, s2 takes over.
    await connections[shards.indexOf(old!)]!.close();
    lose = false;
    expect(await buyer.next('purchased', 30_000)).toMatchObject({ holdId });
  }, 60_000);
});

