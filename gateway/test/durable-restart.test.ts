/**
 * `npm start` on its file journal, killed with SIGKILL mid-sale and started
 * again on the same data directory: every event (with its settings), place,
 * grant, hold and purchase a fan or organizer was told of is back, and the
 * payment windows that ran out while it was down end in deadline order.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../launch/local-servers.js';
import type { FanClient } from './helpers/fan-client.js';
import { spawnProduct, type SpawnedProduct } from './helpers/spawned-product.js';
import { eventConfig, eventually } from './helpers/test-gateway.js';
import { workerFans } from './helpers/worker-fans.js';

const API_KEY = 'durable-test-api-key-0123456789';
const PAYMENT_WINDOW_MS = 10_000;
let dataDir: string;
let port: number;
let product: SpawnedProduct;

const { fan, closeAll } = workerFans(() => `ws://127.0.0.1:${port}/ws`);
const start = () => spawnProduct('launch/main.ts', ['--workers', '1', '--data-dir', dataDir, '--demo-payment-delay', '20'], { port, apiKey: API_KEY });

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'bw-durable-'));
  port = await freePort();
  product = await start();
}, 40_000);

afterAll(async () => {
  await closeAll();
  await product?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

interface Told {
  fanId: string;
  token: string;
  number: number;
  grantId: string | null;
  holdId?: string;
  purchased?: boolean;
}

async function admittedFan(eventId: string, fanId: string): Promise<{ client: FanClient; told: Told }> {
  const client = await fan();
  const joined = await client.join(eventId, fanId);
  const grantId = joined.grantId ?? (await client.next('admitted', 5000)).grantId;
  return { client, told: { fanId, token: joined.queueToken, number: joined.number, grantId } };
}

async function hold(client: FanClient, told: Told): Promise<void> {
  const held = await client.request({ t: 'hold', grantId: told.grantId, request: { kind: 'tickets', tierId: 'ga', quantity: 1 }, key: `h-${told.fanId}` });
  if (held.t !== 'held') throw new Error(JSON.stringify(held));
  told.holdId = held.hold.holdId;
}

describe('npm start on its data directory, killed with SIGKILL and started again', () => {
  it('loses nothing a fan or organizer was told, and ends the overdue payment windows in order', async () => {
    const now = Date.now();
    const base = { preQueueOpensAt: now, onSaleAt: now, paymentWindowMs: PAYMENT_WINDOW_MS, holdExtensionMs: 0 };
    const created = await Promise.all([
      product.api('POST', '/api/events', { publish: true, config: eventConfig(now, { ...base, id: 'kept-night', paymentWindowMs: 600_000, grantTtlMs: 600_000 }), settings: { currency: 'USD', payments: { channels: ['demo'] } } }),
      product.api('POST', '/api/events', { publish: true, config: eventConfig(now, { ...base, id: 'deadline-night' }), settings: { payments: { channels: ['demo'] } } }),
    ]);
    expect(created.map((c) => c.status)).toEqual([201, 201]);

    // kept-night's grants and windows outlast a restart however slow the machine; deadline-night's two windows end while it is down,
    // the first well before the second.
    const early = await admittedFan('deadline-night', 'early');
    await hold(early.client, early.told);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const late = await admittedFan('deadline-night', 'late');
    await hold(late.client, late.told);

    const fans: Array<{ client: FanClient; told: Told }> = [];
    for (let i = 0; i < 12; i++) fans.push(await admittedFan('kept-night', `fan-${i}`));
    for (const { client, told } of fans.slice(0, 8)) await hold(client, told);
    for (const { client, told } of fans.slice(0, 3)) {
      const started = await client.request({ t: 'pay', holdId: told.holdId!, key: `pay-${told.fanId}` });
      if (started.t !== 'paymentStarted') throw new Error(JSON.stringify(started));
      await fetch(`http://127.0.0.1:${port}${started.checkoutUrl}`, { method: 'POST', body: JSON.stringify({ decision: 'approve' }) });
      await client.next('purchased', 5000);
      told.purchased = true;
    }
    // The last thing a fan heard before the kill.
    const lastJoin = await admittedFan('kept-night', 'last-one');
    fans.push(lastJoin);
    const settingsBefore = (await product.api('GET', '/api/events/kept-night')).body.settings;

    product.process.kill('SIGKILL');
    await eventually(async () => expect(await fetch(`http://127.0.0.1:${port}/healthz`).then(() => 'up', () => 'down')).toBe('down'), 10_000);
    await closeAll();
    // Both payment windows run out while it is down.
    const dueAt = Date.now() + PAYMENT_WINDOW_MS + 1000;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, dueAt - Date.now())));

    product = await start();
    expect(product.output).toMatch(/restored 2 events \(\d+ journal entries\)/);
    expect(((await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as { storage: string }).storage).toBe('durable');
    const events = (await product.api('GET', '/api/events')).body.events as Array<{ config: { id: string } }>;
    expect(events.map((e) => e.config.id).sort()).toEqual(['deadline-night', 'kept-night']);
    expect((await product.api('GET', '/api/events/kept-night')).body.settings).toEqual(settingsBefore);
    expect(settingsBefore.currency).toBe('USD');

    for (const { told } of fans) {
      const client = await fan();
      const back = await client.join('kept-night', told.fanId, { token: told.token });
      expect(back).toMatchObject({ restored: true, number: told.number });
      // A hold uses its grant up; a fan without one still has the grant it was told of.
      if (told.holdId === undefined) {
        expect(back.grantId).toBe(told.grantId);
        continue;
      }
      expect(back.holds).toEqual([expect.objectContaining({ holdId: told.holdId, status: told.purchased === true ? 'purchased' : 'held' })]);
    }

    await eventually(async () => {
      const journal = (await product.api('GET', '/api/events/deadline-night/journal')).body.entries as Array<{ type: string; holdId?: string }>;
      expect(journal.filter((entry) => entry.type === 'expired').map((entry) => entry.holdId)).toEqual([early.told.holdId, late.told.holdId]);
    }, 5000);
    expect(product.output).not.toMatch(/corrupt|Error/);
  }, 90_000);
});
