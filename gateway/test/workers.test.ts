/**
 * The real thing: `launch/main.ts --workers 2`, one engine process and
 * two gateway worker processes on one port (SO_REUSEPORT), fans on real
 * WebSockets. Time is the system clock here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../launch/local-servers.js';
import { workerFans } from './helpers/worker-fans.js';
import { spawnProduct, type SpawnedProduct } from './helpers/spawned-product.js';
import { eventually } from './helpers/test-gateway.js';

const API_KEY = 'cluster-test-api-key-0123456789';
let primary: SpawnedProduct;
let port: number;

const api = (method: string, path: string, body?: unknown) => primary.api(method, path, body);

const { fan, fanOnAnotherWorker, closeAll } = workerFans(() => `ws://127.0.0.1:${port}/ws`);

beforeAll(async () => {
  port = await freePort();
  primary = await spawnProduct('launch/main.ts', ['--workers', '2'], { port, apiKey: API_KEY });
}, 75_000); // three processes compiled by tsx: 20-45 s to ready on a loaded 2-core machine

afterAll(async () => {
  await closeAll();
  await primary.stop();
});

describe('one engine process, two gateway workers on one port', () => {
  it('spreads connections over both workers, and a fan resuming on the other worker keeps its place and its grant', async () => {
    const now = Date.now();
    const created = await api('POST', '/api/events', {
      publish: true,
      config: {
        id: 'cluster-night', name: 'Cluster night', preQueueOpensAt: now, onSaleAt: now, closesAt: now + 3600_000,
        inventory: { tiers: [{ id: 'ga', name: 'GA', price: 2500, quantity: 50 }] }, admission: { mode: 'rate', fansPerMinute: 600 },
        door: { startWindowMs: 0 }, // admitted at once, not after a start-window draw
      },
    });
    expect(created.status).toBe(201);

    const first = await fan();
    const joined = await first.join('cluster-night', 'roamer');
    const admitted = await first.next('admitted', 5000);
    await first.close();

    const second = await fanOnAnotherWorker(first.serverId!);
    const resumed = await second.join('cluster-night', 'roamer', { token: joined.queueToken });
    expect(resumed).toMatchObject({ number: joined.number, restored: true, grantId: admitted.grantId });
    const held = await second.request({ t: 'hold', grantId: null, request: { kind: 'tickets', tierId: 'ga', quantity: 1 }, key: 'h' });
    expect(held).toMatchObject({ t: 'held', hold: { status: 'held', amount: 2500 } });
    expect(primary.output).not.toMatch(/Error|exited/);
  });

  it('reports both workers in /metrics, whichever worker answers', async () => {
    await eventually(async () => {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(text).toContain('breakwater_gateway_connections{worker="w1"}');
      expect(text).toContain('breakwater_gateway_connections{worker="w2"}');
      expect(text).toContain('breakwater_event_joins_total{event="cluster-night"} 1');
    }, 5000);
  });

  it('replaces a worker that dies; its fans count as disconnected and lose their place after the grace period', async () => {
    const now = Date.now();
    await api('POST', '/api/events', {
      publish: true,
      config: {
        id: 'grace-night', name: 'Grace night', preQueueOpensAt: now, onSaleAt: now, closesAt: now + 3600_000, presenceGraceMs: 1500,
        inventory: { tiers: [{ id: 'ga', name: 'GA', price: 100, quantity: 50 }] }, admission: { mode: 'concurrency', maxActiveShoppers: 1 },
        door: { startWindowMs: 0 },
      },
    });
    const blocker = await fan();
    await blocker.join('grace-night', 'blocker');
    await blocker.next('admitted', 5000);
    const victim = await fan();
    const joined = await victim.join('grace-night', 'victim');
    const pidOf = async (worker: string): Promise<number | undefined> => {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const match = new RegExp(`breakwater_gateway_process_info\\{worker="${worker}",pid="(\\d+)"\\}`).exec(text);
      return match === null ? undefined : Number(match[1]);
    };
    let pid: number | undefined;
    await eventually(async () => expect((pid = await pidOf(victim.serverId!))).toBeDefined(), 5000);
    process.kill(pid!, 'SIGKILL');
    await victim.closed;
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const back = await fan();
    const rejoined = await back.join('grace-night', 'victim', { token: joined.queueToken });
    expect(rejoined.restored).toBe(false);
    expect(rejoined.number).toBeGreaterThan(joined.number);
    await eventually(async () => {
      const newPid = await pidOf(victim.serverId!);
      expect(newPid).toBeDefined();
      expect(newPid).not.toBe(pid);
    }, 30_000); // a fresh worker compiles its code again
    expect(primary.output).toContain(`gateway worker ${victim.serverId} exited`);
  }, 50_000);

  it('stops every process on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) => primary.process.once('exit', (code) => resolve(code)));
    primary.process.kill('SIGTERM');
    expect(await exited).toBe(0);
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });
});
