/**
 * One engine shard process: `node dist/launch/shard-process.js
 * --nats URL --redis URL [--partitions 16] [--id NAME]` (after `npm run
 * build`; from source `tsx launch/shard-process.ts …`) (or BREAKWATER_NATS_URL /
 * BREAKWATER_REDIS_URL; Web Push from BREAKWATER_VAPID_* and
 * BREAKWATER_PUSH_ORIGINS as for `npm start`). Forked by `npm start` / `npm run cluster` in cluster
 * mode; runnable on its own on any machine that reaches NATS and Redis,
 * with the cluster's BREAKWATER_SECRET in its environment. On
 * SIGTERM, or when its parent goes away, it hands its partitions over
 * (finishing their writes) before it exits.
 */
import { parseArgs } from 'node:util';
import { connect } from '@nats-io/transport-node';
import { webPushFromEnv } from '../engine/host/notify/web-push-config.js';
import { RedisPushStore, sharedVapidKeys } from '../engine/stores/redis/push-store.js';
import { RedisEventStore } from '../engine/stores/redis/redis-event-store.js';
import { aesSeedVault } from '../engine/stores/seed-vault.js';
import { connectRedis } from '../engine/stores/redis/redis-connection.js';
import { shardIdOf } from '../engine/shard/partition-leases.js';
import { Shard } from '../engine/shard/shard.js';

const { values } = parseArgs({
  options: { nats: { type: 'string' }, redis: { type: 'string' }, partitions: { type: 'string' }, id: { type: 'string' } },
  strict: true,
});
const natsUrl = values.nats ?? process.env.BREAKWATER_NATS_URL;
const redisUrl = values.redis ?? process.env.BREAKWATER_REDIS_URL;
if (natsUrl === undefined || redisUrl === undefined) {
  console.error('usage: shard-process.ts --nats <url> --redis <url> [--partitions 16] [--id name]');
  process.exit(2);
}
// Draw seeds are sealed under it: a shard with another secret could not open its predecessor's.
const secret = process.env.BREAKWATER_SECRET;
if (secret === undefined || secret.length === 0) {
  console.error('shard-process.ts needs BREAKWATER_SECRET, the same on every process of the cluster');
  process.exit(2);
}
const partitions = Number(values.partitions ?? 16);
const shardId = shardIdOf(values.id ?? 'shard', process.pid);
const log = (message: string) => console.error(`[shard ${shardId}] ${message}`);

const nc = await connect({ servers: natsUrl, name: shardId, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
const redis = await connectRedis(redisUrl, log);
// Keys from the environment, or the one pair the whole cluster shares in Redis.
const push = webPushFromEnv(process.env);
const webPush = { ...push, keys: push.keys ?? (await sharedVapidKeys(redis)) };
const shard = new Shard({
  nc, store: new RedisEventStore(redis), pushSubscriptions: new RedisPushStore(redis), seeds: aesSeedVault(secret), shardId, partitions, log, webPush,
});
await shard.start();
log(`started (${partitions} partitions)`);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await shard.stop().catch((err: unknown) => log(`stop: ${(err as Error).message}`));
  await nc.drain().catch(() => undefined);
  redis.disconnect();
  process.exit(0);
}
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => undefined); // the parent coordinates shutdown
process.on('disconnect', () => void stop());
