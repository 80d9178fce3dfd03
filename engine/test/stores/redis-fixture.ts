/**
 * A real redis-server for the store tests (one per test file: start it in
 * beforeAll, stop it in afterAll), clients with the journal's fail-fast
 * options, and a proxy that can lose a reply on its way back.
 */
import { rmSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { startRedisServer, type LocalServer } from '../../../launch/local-servers.js';
import { JOURNAL_REDIS_OPTIONS, RedisEventStore, type RedisPartitionStore } from '../../stores/redis/redis-event-store.js';

export interface RedisFixture {
  readonly server: LocalServer;
  /** A new client with the journal's options, reconnecting every 50 ms; closed by `stop`. */
  client(port?: number): Redis;
  /** A key prefix no other test of the file uses. */
  prefix(): string;
  /** A store of partition 0 under `prefix`, with a fresh epoch: a new owner. */
  owner(redis: Redis, prefix: string): Promise<RedisPartitionStore>;
  stop(): Promise<void>;
}

export async function startRedis(): Promise<RedisFixture> {
  const server = await startRedisServer();
  const clients: Redis[] = [];
  let prefixes = 0;
  return {
    server,
    client(port = server.port) {
      const redis = new Redis(port, '127.0.0.1', { ...JOURNAL_REDIS_OPTIONS, retryStrategy: () => 50 });
      redis.on('error', () => undefined); // connection errors surface as rejected commands; ioredis would log each one
      clients.push(redis);
      return redis;
    },
    prefix: () => `t${++prefixes}`,
    owner: (redis, prefix) => new RedisEventStore(redis, { prefix }).openPartition(0),
    async stop() {
      for (const redis of clients) redis.disconnect();
      await server.stop();
      rmSync(server.dir, { recursive: true, force: true });
    },
  };
}

export interface ReplyLosingProxy {
  readonly port: number;
  /** The next reply from Redis is lost: the proxy cuts the connection instead of passing it on. */
  loseNextReply(): void;
  close(): Promise<void>;
}

/** A TCP proxy in front of Redis, for the lost reply: the command ran, the client never hears so. */
export async function startReplyLosingProxy(targetPort: number): Promise<ReplyLosingProxy> {
  let loseNext = false;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    const cut = () => {
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket)).on('close', cut).on('error', cut);
    }
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      if (!loseNext) client.write(chunk);
      else {
        loseNext = false;
        cut();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    loseNextReply: () => {
      loseNext = true;
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
