/**
 * Web Push in cluster mode, against real nats-server and redis-server: a
 * fan's subscription reaches the shard owning the event over NATS and is
 * kept in Redis, so the shard that takes the partition over sends the push
 * (here, "waitlisted") signed with the same VAPID key; every shard of a
 * cluster without keys in its environment shares one pair through Redis.
 */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../../engine/src/index.js';
import { aesSeedVault } from '../../../engine/stores/seed-vault.js';
import { RedisEventStore } from '../../../engine/stores/redis/redis-event-store.js';
import { startNatsServer, startRedisServer, type LocalServer } from '../../../launch/local-servers.js';
import { NatsEngineLink } from '../../../engine/link/nats-engine-link.js';
import { RedisPushStore, sharedVapidKeys } from '../../../engine/stores/redis/push-store.js';
import { connectRedis } from '../../../engine/stores/redis/redis-connection.js';
import { Shard } from '../../../engine/shard/shard.js';
import type { WebPushConfig } from '../../../engine/host/notify/web-push-config.js';
import { browserKeys, decryptPush, PushServiceStandIn, verifyVapid } from '../helpers/push-service.js';
import { eventually } from '../helpers/test-gateway.js';

const quiet = (): void => undefined;
const NOW = 1_000_000;

let nats: LocalServer;
let redisServer: LocalServer;
let redis: Redis;
let pushService: PushServiceStandIn;
let link: NatsEngineLink;
const connections: NatsConnection[] = [];
const shards: Shard[] = [];

beforeAll(async () => {
  [nats, redisServer, pushService] = await Promise.all([startNatsServer(), startRedisServer(), PushServiceStandIn.start()]);
  redis = await connectRedis(redisServer.url, quiet);
  link = await NatsEngineLink.connect({ servers: nats.url, owner: 'gw-test', partitions: 1, log: quiet });
}, 60_000);

afterAll(async () => {
  await link?.close();
  for (const shard of shards) await shard.stop().catch(() => undefined);
  await Promise.all(connections.map((nc) => nc.close()));
  redis?.disconnect();
  await Promise.all([nats?.stop(), redisServer?.stop(), pushService?.close()]);
}, 30_000);

async function startShard(id: string, clock: SimulatedClock, webPush: WebPushConfig): Promise<Shard> {
  const nc = await connect({ servers: nats.url, name: id });
  connections.push(nc);
  const shard = new Shard({ nc, store: new RedisEventStore(redis), pushSubscriptions: new RedisPushStore(redis), seeds: aesSeedVault('push cluster test'), shardId: id, partitions: 1, clock, webPush, leaseTtlMs: 1500, leaseRenewMs: 500, log: quiet });
  shards.push(shard);
  await shard.start();
  return shard;
}

describe('Web Push across engine shards', () => {
  it('shares one generated VAPID key pair through Redis', async () => {
    const [a, b] = await Promise.all([sharedVapidKeys(redis, 'pushtest'), sharedVapidKeys(redis, 'pushtest')]);
    expect(a).toEqual(b);
    expect(await sharedVapidKeys(redis, 'pushtest')).toEqual(a);
    expect(await sharedVapidKeys(redis, 'other')).not.toEqual(a);
  });

  it('keeps a subscription in Redis; the shard that takes the event over sends its push', async () => {
    const clock = new SimulatedClock(NOW);
    const webPush = { keys: await sharedVapidKeys(redis), subject: 'mailto:ops@tickets.example', extraOrigins: [pushService.origin] };
    const first = await startShard('s1', clock, webPush);
    const eventId = 'push-cluster-night';
    // One ticket: the first fan is admitted for it, the second stands by, the third is waitlisted.
    await eventually(async () => {
      await link.execute({
        op: 'createEvent', publish: true, settings: {},
        config: {
          id: eventId, name: 'Cluster night', preQueueOpensAt: NOW, onSaleAt: NOW, closesAt: NOW + 3600_000, maxTicketsPerFan: 1,
          inventory: { tiers: [{ id: 'ga', name: 'GA', price: 1000, quantity: 1 }], sections: [] },
          admission: { mode: 'rate', fansPerMinute: 6000 }, door: { startWindowMs: 0, joinsPerAddressPerMin: 0, joinsPerSubnetPerMin: 0 },
          waitlist: { standbyMarginPercent: 0 },
        },
      });
    }, 15_000);
    for (const fanId of ['first', 'standby', 'waitlisted']) await link.execute({ op: 'openSession', eventId, fanId, resume: false });
    const keys = browserKeys();
    const subscription = { endpoint: `${pushService.origin}/push/waitlisted`, p256dh: keys.p256dh, auth: keys.auth };
    await link.execute({ op: 'pushSubscribe', eventId, fanId: 'waitlisted', subscription });
    expect(await new RedisPushStore(redis).load(eventId)).toEqual(new Map([['waitlisted', [subscription]]]));

    await first.stop(); // hands the partition over
    shards.splice(shards.indexOf(first), 1);
    await startShard('s2', clock, webPush);
    expect(pushService.received).toEqual([]);
    clock.advance(1000); // the new owner's next tick admits the first fan: all taken
    await eventually(() => expect(pushService.to('/push/waitlisted')).toHaveLength(1), 15_000);
    const push = pushService.to('/push/waitlisted')[0]!;
    expect(JSON.parse(decryptPush(push.body, keys))).toMatchObject({ type: 'waitlisted', eventId, title: 'Cluster night: all tickets are taken' });
    expect((await verifyVapid(push.headers.authorization, webPush.keys.publicKey, pushService.origin)).sub).toBe('mailto:ops@tickets.example');
  }, 60_000);
});
