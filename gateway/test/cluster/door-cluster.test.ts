/**
 * The door's budgets across the gateway processes of a cluster: `npm run
 * cluster` with 2 gateway processes and 1 engine shard against real
 * nats-server and redis-server; the gateways share their counts on a NATS
 * subject. The same scenarios as over two workers (helpers/door-scenarios.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startNatsServer, startRedisServer, type LocalServer } from '../../../launch/local-servers.js';
import { DOOR_FLAGS, DoorScenarios } from '../helpers/door-scenarios.js';
import { spawnProduct, type SpawnedProduct } from '../helpers/spawned-product.js';
import { eventually } from '../helpers/test-gateway.js';

const API_KEY = 'door-cluster-api-key-0123456789';
let nats: LocalServer;
let redis: LocalServer;
let cluster: SpawnedProduct;
let door: DoorScenarios;
let port: number;

beforeAll(async () => {
  [nats, redis] = await Promise.all([startNatsServer(), startRedisServer()]);
  port = await freePort();
  cluster = await spawnProduct('launch/cluster.ts', [
    '--gateways', '2', '--shards', '1', '--partitions', '2', '--nats', nats.url, '--redis', redis.url, ...DOOR_FLAGS,
  ], { port, apiKey: API_KEY, startTimeoutMs: 60_000 });
  door = new DoorScenarios(port);
}, 90_000);

afterAll(async () => {
  await door?.close();
  await cluster?.stop();
  await Promise.all([nats?.stop(), redis?.stop()]);
}, 30_000);

describe('door budgets over two cluster-mode gateway processes', () => {
  it('counts an address\'s connections on both gateways together, and lets new ones in as they close', async () => {
    await door.connectionsPerAddress();
  });

  it('counts a subnet\'s connections over its addresses and both gateways; other subnets and exempt addresses pass', async () => {
    await door.connectionsPerSubnet();
  });

  it('counts an address\'s joins on both gateways together', async () => {
    const now = Date.now();
    const create = () => cluster.api('POST', '/api/events', {
      publish: true,
      config: {
        id: 'door-cluster-night', name: 'Door cluster night', preQueueOpensAt: now, onSaleAt: now + 3600_000, closesAt: now + 7200_000,
        inventory: { tiers: [{ id: 'ga', name: 'GA', price: 2500, quantity: 50 }] }, admission: { mode: 'rate', fansPerMinute: 600 },
      },
    });
    // The shard may still be taking its partitions (503) just after the start.
    let created = await create();
    for (let attempt = 0; created.status === 503 && attempt < 40; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      created = await create();
    }
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    await door.joinsPerAddress('door-cluster-night');
    expect(cluster.output).not.toMatch(/Error|exited/);
  });
});

describe('/metrics in cluster mode', () => {
  it('answers for every process it hears on NATS: both gateways and the shard, each with its runtime metrics and build', async () => {
    await eventually(async () => {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(text.match(/^process_cpu_seconds_total\{engine="[^"]+"\} /gm)).toHaveLength(1);
      expect(text.match(/^process_cpu_seconds_total\{worker="[^"]+"\} /gm)).toHaveLength(2);
      expect(text.match(/^nodejs_eventloop_lag_p99_seconds\{/gm)).toHaveLength(3);
      expect(text.match(/^breakwater_build_info\{/gm)).toHaveLength(3);
    }, 10_000);
  });
});
