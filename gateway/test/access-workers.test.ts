/**
 * Keys and the audit log on the real thing: `launch/main.ts --workers 2
 * --data-dir …`, one engine process keeping them in the data directory and
 * two gateway workers on one port. A key made through one worker works on the
 * other; revoked through one, the other refuses it (the time it took is
 * printed); after a restart on the same data, revoked keys stay revoked,
 * others work, and the audit log is all there.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../launch/local-servers.js';
import { clientsOnEachProcess, type PinnedClient } from './helpers/pinned-http.js';
import { spawnProduct, type SpawnedProduct } from './helpers/spawned-product.js';
import { eventually } from './helpers/test-gateway.js';

const API_KEY = 'access-workers-api-key-0123456789';
let dataDir: string;
let port: number;
let product: SpawnedProduct;
let clients: PinnedClient[] = [];

const start = async () => {
  product = await spawnProduct('launch/main.ts', ['--workers', '2', '--data-dir', dataDir], { port, apiKey: API_KEY });
  clients = await clientsOnEachProcess(port, 2);
};

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'bw-access-workers-'));
  port = await freePort();
  await start();
}, 60_000);

afterAll(async () => {
  for (const client of clients) client.close();
  await product?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

/** Milliseconds from the revocation's answer on one worker to the first refusal on the other. */
async function revokeAndWatch(via: PinnedClient, other: PinnedClient, keyId: string, secret: string): Promise<number> {
  expect((await via.call('DELETE', `/api/keys/${keyId}`, API_KEY)).status).toBe(200);
  const revokedAt = performance.now();
  for (;;) {
    const response = await other.call('GET', '/api/keys/current', secret);
    if (response.status === 401) {
      expect(response.body).toMatchObject({ code: 'UNAUTHORIZED', details: { reason: 'revoked' } });
      return performance.now() - revokedAt;
    }
    expect(response.status).toBe(200);
    if (performance.now() - revokedAt > 10_000) throw new Error(`${other.server} still takes a key revoked through ${via.server} 10 s ago`);
  }
}

describe('keys on two workers of npm start, in the data directory', () => {
  let kept: { id: string; secret: string };
  let revoked: { id: string; secret: string };

  it('a key made through one worker works on the other, and revoked through one is refused by the other within moments', async () => {
    const [first, second] = clients as [PinnedClient, PinnedClient];
    expect(first.server).not.toBe(second.server);
    const make = async (name: string) => {
      const created = await first.call('POST', '/api/keys', API_KEY, { name, role: 'operator' });
      expect(created.status).toBe(201);
      return { id: created.body.key.id as string, secret: created.body.secret as string };
    };
    kept = await make('Kept key');
    await eventually(async () => expect((await second.call('GET', '/api/keys/current', kept.secret)).status).toBe(200), 5000);

    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      const key = await make(`Short-lived ${i}`);
      await eventually(async () => expect((await second.call('GET', '/api/keys/current', key.secret)).status).toBe(200), 5000);
      const [via, other] = i % 2 === 0 ? [first, second] : [second, first];
      delays.push(await revokeAndWatch(via, other, key.id, key.secret));
      revoked = key;
    }
    const sorted = [...delays].sort((a, b) => a - b);
    console.log(`revocation seen by the other worker after ${sorted.map((d) => d.toFixed(1)).join(', ')} ms (median ${sorted[2]!.toFixed(1)} ms)`);
    expect((await second.call('GET', '/api/keys/current', kept.secret)).status).toBe(200);
  });

  it('keeps keys, revocations and the audit log across a restart', async () => {
    const before = (await clients[0]!.call('GET', '/api/audit?limit=200', API_KEY)).body.entries;
    expect(before.filter((e: { route: string }) => e.route === 'DELETE /api/keys/:keyId').length).toBe(5);
    for (const client of clients) client.close();
    await product.stop();
    await start();
    for (const client of clients) {
      expect((await client.call('GET', '/api/keys/current', kept.secret)).body).toMatchObject({ keyId: kept.id, role: 'operator' });
      expect(await client.call('GET', '/api/keys/current', revoked.secret)).toMatchObject({ status: 401, body: { details: { reason: 'revoked' } } });
    }
    const after = (await clients[1]!.call('GET', '/api/audit?limit=200', API_KEY)).body.entries;
    expect(after).toEqual(before);
  }, 60_000);
});
