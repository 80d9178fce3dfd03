/**
 * A gateway process restarted while no shard can answer (frozen, mid
 * takeover, or NATS and Redis coming back) waits for the engine and serves as
 * soon as it answers, instead of failing its start and being restarted later
 * and later: `npm run cluster` with one gateway and one shard, real
 * nats-server and redis-server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startNatsServer, startRedisServer, type LocalServer } from '../../../launch/local-servers.js';
import { spawnProduct, type SpawnedProduct } from '../helpers/spawned-product.js';
import { eventually } from '../helpers/test-gateway.js';

const API_KEY = 'gateway-restart-api-key-0123456789';
let nats: LocalServer;
let redis: LocalServer;
let cluster: SpawnedProduct;
let port: number;

beforeAll(async () => {
  [nats, redis] = await Promise.all([startNatsServer(), startRedisServer()]);
  port = await freePort();
  cluster = await spawnProduct('launch/cluster.ts', [
    '--gateways', '1', '--shards', '1', '--partitions', '1', '--nats', nats.url, '--redis', redis.url, '--exempt-ip', '127.0.0.1',
  ], { port, apiKey: API_KEY, startTimeoutMs: 60_000 });
}, 90_000);

afterAll(async () => {
  for (const pid of shardPids()) {
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      /* gone */
    }
  }
  await cluster?.stop();
  await Promise.all([nats?.stop(), redis?.stop()]);
}, 60_000);

function shardPids(): number[] {
  return [...(cluster?.output ?? '').matchAll(/\[shard [^\]]*\/s\d+\/(\d+)\] started/g)].map((m) => Number(m[1]));
}

async function gatewayPid(): Promise<number> {
  return ((await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as { pid: number }).pid;
}

describe('a gateway restarted while the engine cannot answer', () => {
  it('starts serving once the engine answers, without failing its start', async () => {
    const [shard] = shardPids();
    const gateway = await gatewayPid();
    process.kill(shard!, 'SIGSTOP');
    process.kill(gateway, 'SIGKILL');
    // Longer than a start that fails at once would take, and than a request's deadline: the new gateway is waiting.
    await new Promise((resolve) => setTimeout(resolve, 8_000));
    process.kill(shard!, 'SIGCONT');
    await eventually(async () => {
      expect(await gatewayPid()).not.toBe(gateway);
      expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    }, 20_000);
    expect(cluster.output).toContain(`gateway worker w1 exited (SIGKILL)`);
    expect(cluster.output).not.toMatch(/gateway worker w1 exited \(1\)/);
    expect(cluster.output).not.toMatch(/crashed \d+ times in a row/);
  }, 60_000);
});
