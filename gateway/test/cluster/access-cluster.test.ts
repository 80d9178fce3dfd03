/**
 * Keys and the audit log in cluster mode: `npm run cluster` with 2 gateway
 * processes and 1 engine shard over real nats-server and redis-server. Keys
 * live in Redis: a key made through one gateway works on the other, one
 * revoked through either is refused by the other within moments (the time is
 * printed), and both gateways write one audit log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startNatsServer, startRedisServer, type LocalServer } from '../../../launch/local-servers.js';
import { clientsOnEachProcess, type PinnedClient } from '../helpers/pinned-http.js';
import { spawnProduct, type SpawnedProduct } from '../helpers/spawned-product.js';
import { eventually } from '../helpers/test-gateway.js';

const API_KEY = 'access-cluster-api-key-0123456789';
let nats: LocalServer;
let redis: LocalServer;
let cluster: SpawnedProduct;
let clients: PinnedClient[] = [];

beforeAll(async () => {
  [nats, redis] = await Promise.all([startNatsServer(), startRedisServer()]);
  const port = await freePort();
  cluster = await spawnProduct('launch/cluster.ts', [
    '--gateways', '2', '--shards', '1', '--partitions', '2', '--nats', nats.url, '--redis', redis.url,
  ], { port, apiKey: API_KEY, startTimeoutMs: 60_000 });
  clients = await clientsOnEachProcess(port, 2);
}, 90_000);

afterAll(async () => {
  for (const client of clients) client.close();
  await cluster?.stop();
  await Promise.all([nats?.stop(), redis?.stop()]);
}, 30_000);

describe('keys in Redis, shared by every gateway', () => {
  it('a key revoked through one gateway is refused by the other within moments; one audit log for both', async () => {
    const [first, second] = clients as [PinnedClient, PinnedClient];
    const delays: number[] = [];
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const [via, other] = i % 2 === 0 ? [first, second] : [second, first];
      const created = await via.call('POST', '/api/keys', API_KEY, { name: `Cluster key ${i}`, role: 'viewer' });
      expect(created.status).toBe(201);
      const { secret } = created.body;
      ids.push(created.body.key.id);
      await eventually(async () => expect((await other.call('GET', '/api/keys/current', secret)).status).toBe(200), 5000);
      expect((await other.call('DELETE', `/api/keys/${created.body.key.id}`, API_KEY)).status).toBe(200);
      const revokedAt = performance.now();
      for (;;) {
        const response = await via.call('GET', '/api/keys/current', secret);
        if (response.status === 401) break;
        expect(response.status).toBe(200);
        if (performance.now() - revokedAt > 10_000) throw new Error(`${via.server} still takes a key revoked through ${other.server}`);
      }
      delays.push(performance.now() - revokedAt);
    }
    const sorted = [...delays].sort((a, b) => a - b);
    console.log(`cluster: revocation seen by the other gateway after ${sorted.map((d) => d.toFixed(1)).join(', ')} ms (median ${sorted[2]!.toFixed(1)} ms)`);

    // Both gateways wrote to one log, and both read all of it.
    for (const client of clients) {
      const { entries } = (await client.call('GET', '/api/audit?limit=200', API_KEY)).body as { entries: Array<{ route: string; summary: string; path: string }> };
      for (const id of ids) {
        expect(entries.some((e) => e.route === 'POST /api/keys' && e.summary.includes(`created key ${id}`))).toBe(true);
        expect(entries.some((e) => e.route === 'DELETE /api/keys/:keyId' && e.path === `/api/keys/${id}`)).toBe(true);
      }
    }
  });
});
