/**
 * The Redis connection of a shard. Commands fail at once while Redis is
 * unreachable instead of queueing unseen: the durable journal retries its
 * writes itself, and a fan is told "reconnecting" rather than kept waiting.
 */
import { Redis } from 'ioredis';
import { JOURNAL_REDIS_OPTIONS } from './redis-event-store.js';

export async function connectRedis(url: string, log: (message: string) => void): Promise<Redis> {
  const redis = new Redis(url, {
    ...JOURNAL_REDIS_OPTIONS,
    lazyConnect: true,
    retryStrategy: (attempt) => Math.min(100 * attempt, 1000),
  });
  let down = false;
  redis.on('error', (err: Error) => {
    if (!down) log(`redis: ${err.message}`);
    down = true;
  });
  redis.on('ready', () => {
    if (down) log('redis: connected again');
    down = false;
  });
  // The retry strategy also covers the first connection: wait for Redis as long as it takes.
  const ready = new Promise<void>((resolve) => redis.once('ready', () => resolve()));
  redis.connect().catch(() => undefined);
  await ready;
  return redis;
}
