/**
 * The engine's door behind a real gateway: `launch/main.ts --workers 2`,
 * fans on real WebSockets spread over both worker processes. The door lives
 * with the event in the engine process, so what one worker's fans do counts
 * for the other's. Time is the system clock here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../launch/local-servers.js';
import { solvePow } from '../src/protocol/index.js';
import type { FanClient } from './helpers/fan-client.js';
import { workerFans } from './helpers/worker-fans.js';
import { spawnProduct, type SpawnedProduct } from './helpers/spawned-product.js';
import { eventually } from './helpers/test-gateway.js';

const API_KEY = 'door-test-api-key-0123456789';
let primary: SpawnedProduct;
let port: number;

beforeAll(async () => {
  port = await freePort();
  // The per-process limits are another layer (and would refuse these bursts from 127.0.0.1 first).
  primary = await spawnProduct('launch/main.ts', ['--workers', '2', '--joins-per-ip', '1000', '--max-conns-per-ip', '1000', '--exempt-ip', '127.0.9.9'], { port, apiKey: API_KEY });
}, 40_000);

afterAll(async () => {
  await closeAll();
  await primary.stop();
});

const { fan, fanOnAnotherWorker, closeAll } = workerFans(() => `ws://127.0.0.1:${port}/ws`);

async function createEvent(id: string, door: Record<string, number>): Promise<void> {
  const now = Date.now();
  const created = await primary.api('POST', '/api/events', {
    publish: true,
    config: {
      id, name: id, preQueueOpensAt: now, onSaleAt: now, closesAt: now + 3600_000,
      inventory: { tiers: [{ id: 'ga', name: 'GA', price: 100, quantity: 100 }] }, admission: { mode: 'concurrency', maxActiveShoppers: 1 },
      door,
    },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
}

/** Joins the way the fan page does: without proof first, then solving the challenge the gateway answers with. */
async function joinProving(client: FanClient, eventId: string, fanId: string, token?: string) {
  const first = await client.request({ t: 'join', eventId, fanId, token: token ?? null, powChallenge: null, powNonce: null, identity: null, accessCode: null });
  if (first.t === 'joined') return { asked: 0, joined: first };
  expect(first).toMatchObject({ t: 'error', code: 'POW_REQUIRED' });
  const { challenge, difficulty } = (first as unknown as { details: { challenge: string; difficulty: number } }).details;
  const nonce = solvePow(challenge, fanId, difficulty)!;
  return { asked: difficulty, joined: await client.join(eventId, fanId, { token, powChallenge: challenge, powNonce: nonce }) };
}

/** The difficulty a new join without proof is asked for now (a refusal changes nothing). */
async function askedNow(eventId: string, fanId: string): Promise<number> {
  const client = await fan();
  const reply = await client.request({ t: 'join', eventId, fanId, token: null, powChallenge: null, powNonce: null, identity: null, accessCode: null });
  await client.close();
  expect(reply).toMatchObject({ t: 'error', code: 'POW_REQUIRED' });
  return (reply as unknown as { details: { difficulty: number } }).details.difficulty;
}

describe('the door behind two gateway workers', () => {
  it("asks more proof of work as one subnet's joins outrun its budget on either worker, and less as they calm down", async () => {
    // 4 joins a minute per subnet; every test fan is on 127.0.0.0/24.
    await createEvent('door-adaptive', { startWindowMs: 0, joinsPerAddressPerMin: 0, joinsPerSubnetPerMin: 4, powFloor: 0, powCeiling: 8 });
    const asked: number[] = [];
    const workers = new Set<string>();
    let previous: string | undefined;
    for (let i = 1; i <= 10; i++) {
      const client = await fanOnAnotherWorker(previous);
      previous = client.serverId;
      workers.add(client.serverId!);
      const { asked: bits, joined } = await joinProving(client, 'door-adaptive', `fan${i}`);
      // Past the budget the subnet's joins are also slowed: the place may wait for its number.
      expect(joined.fanId).toBe(`fan${i}`);
      asked.push(bits);
    }
    expect(workers.size).toBe(2);
    // Within budget nothing; over it a bit; over twice it two bits (+1 per doubling).
    expect(asked).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1, 2]);
    expect(await askedNow('door-adaptive', 'probe')).toBe(2);
    // The subnet's rate decays (one-minute time constant): ten joins read as eight about 13 s later.
    await eventually(async () => expect(await askedNow('door-adaptive', 'probe')).toBe(1), 30_000);
    await eventually(async () => {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(text).toMatch(/breakwater_event_pow_refusals_total\{event="door-adaptive"\} ([5-9]|\d\d)/);
      expect(text).toContain('breakwater_event_pow_difficulty_bits{event="door-adaptive"} 0');
    }, 5000);
  }, 60_000);

  it('puts a join over its address budget behind a later join within budget, then numbers it when its budget allows', async () => {
    // 12 joins a minute per address: the 13th in a burst waits one interval, 5 s.
    await createEvent('door-slow', { startWindowMs: 0, joinsPerAddressPerMin: 12, joinsPerSubnetPerMin: 0, slowLaneMaxDelayMs: 60_000 });
    for (let i = 1; i <= 12; i++) expect((await (await fan()).join('door-slow', `burst${i}`)).number).toBe(i);
    const started = Date.now();
    const slow = await fan();
    const waiting = await slow.join('door-slow', 'slowpoke');
    expect(waiting).toMatchObject({ number: 0, status: 'preQueue' });
    // It is told when its number comes: one interval of its address budget from now.
    expect(waiting.numberedAt).toBeGreaterThan(started + 3_000);
    expect(waiting.numberedAt).toBeLessThan(started + 10_000);
    const other = await fan('127.0.0.2');
    expect((await other.join('door-slow', 'neighbour')).number).toBe(13);
    expect((await slow.next('numbered', 10_000)).number).toBe(14);
    expect(Date.now() - started).toBeGreaterThan(3_000);
  }, 30_000);

  it('gives an exempt address (a load test, a probe) no budget at the door either', async () => {
    await createEvent('door-exempt', { startWindowMs: 0, joinsPerAddressPerMin: 2, joinsPerSubnetPerMin: 0, slowLaneMaxDelayMs: 60_000 });
    const numbers: number[] = [];
    for (let i = 1; i <= 6; i++) numbers.push((await (await fan('127.0.9.9')).join('door-exempt', `exempt${i}`)).number);
    expect(numbers).toEqual([1, 2, 3, 4, 5, 6]);
    // The same burst from an address that is not exempt goes to the slow lane after its budget.
    expect((await (await fan('127.0.9.10')).join('door-exempt', 'plain1')).number).toBe(7);
    expect((await (await fan('127.0.9.10')).join('door-exempt', 'plain2')).number).toBe(8);
    expect(await (await fan('127.0.9.10')).join('door-exempt', 'plain3')).toMatchObject({ number: 0, status: 'preQueue' });
  }, 30_000);

  it('lets a present place resume with its queue token alone, but a place left must do the proof of work again', async () => {
    await createEvent('door-rejoin', { startWindowMs: 0, joinsPerAddressPerMin: 0, joinsPerSubnetPerMin: 0, powFloor: 6, powCeiling: 6 });
    const first = await fan();
    const { asked, joined } = await joinProving(first, 'door-rejoin', 'rejoiner');
    expect(asked).toBe(6);
    await first.close();

    const second = await fanOnAnotherWorker(first.serverId);
    const resumed = await second.join('door-rejoin', 'rejoiner', { token: joined.queueToken });
    expect(resumed).toMatchObject({ number: joined.number, restored: true });
    expect(await second.request({ t: 'leave' })).toMatchObject({ t: 'left' });

    const again = await second.request({ t: 'join', eventId: 'door-rejoin', fanId: 'rejoiner', token: joined.queueToken, powChallenge: null, powNonce: null, identity: null, accessCode: null });
    expect(again).toMatchObject({ t: 'error', code: 'POW_REQUIRED', details: { difficulty: 6 } });
    const third = await fanOnAnotherWorker(second.serverId);
    const rejoined = await joinProving(third, 'door-rejoin', 'rejoiner', joined.queueToken);
    expect(rejoined).toMatchObject({ asked: 6, joined: { restored: false } });
    expect(rejoined.joined.number).toBeGreaterThan(joined.number);
  }, 30_000);
});
