/**
 * The door's budgets across the worker processes of one machine:
 * `launch/main.ts --workers 2`, the workers sharing their counts through
 * the engine process. Connections and joins spread over both workers count
 * together (see helpers/door-scenarios.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../launch/local-servers.js';
import { DOOR_FLAGS, DoorScenarios } from './helpers/door-scenarios.js';
import { spawnProduct, type SpawnedProduct } from './helpers/spawned-product.js';
import { eventually } from './helpers/test-gateway.js';

const API_KEY = 'door-workers-api-key-0123456789';
let product: SpawnedProduct;
let door: DoorScenarios;
let port: number;

beforeAll(async () => {
  port = await freePort();
  product = await spawnProduct('launch/main.ts', ['--workers', '2', ...DOOR_FLAGS], { port, apiKey: API_KEY });
  door = new DoorScenarios(port);
}, 40_000);

afterAll(async () => {
  await door?.close();
  await product?.stop();
});

describe('door budgets over two gateway workers', () => {
  it('counts an address\'s connections on both workers together, and lets new ones in as they close', async () => {
    await door.connectionsPerAddress();
  });

  it('counts a subnet\'s connections over its addresses and both workers; other subnets and exempt addresses pass', async () => {
    await door.connectionsPerSubnet();
  });

  it('counts an address\'s joins on both workers together', async () => {
    const now = Date.now();
    const created = await product.api('POST', '/api/events', {
      publish: true,
      config: {
        id: 'door-night', name: 'Door night', preQueueOpensAt: now, onSaleAt: now + 3600_000, closesAt: now + 7200_000,
        inventory: { tiers: [{ id: 'ga', name: 'GA', price: 2500, quantity: 50 }] }, admission: { mode: 'rate', fansPerMinute: 600 },
      },
    });
    expect(created.status).toBe(201);
    await door.joinsPerAddress('door-night');
  });

  it('shows the door in /metrics: refusals by what and key kind, the other worker heard, how stale', async () => {
    await eventually(async () => {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      for (const worker of ['w1', 'w2']) {
        expect(text).toMatch(new RegExp(`breakwater_door_peers\\{worker="${worker}"\\} 1\\n`));
        expect(text).toMatch(new RegExp(`breakwater_door_share_age_seconds\\{worker="${worker}"\\} 0(\\.\\d+)?\\n`));
      }
      const refused = (what: string, key: string) =>
        [...text.matchAll(new RegExp(`breakwater_door_refused_total\\{worker="w\\d",what="${what}",key="${key}"\\} (\\d+)`, 'g'))].reduce((n, m) => n + Number(m[1]), 0);
      expect(refused('connection', 'address')).toBeGreaterThan(0);
      expect(refused('connection', 'subnet')).toBeGreaterThan(0);
      expect(refused('join', 'address')).toBeGreaterThan(0);
    }, 5_000);
    expect(product.output).not.toMatch(/Error|exited/);
  });
});
