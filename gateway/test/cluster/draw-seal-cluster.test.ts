/**
 * The draw's seed stays sealed in cluster mode until the draw: `npm run
 * cluster` with 2 engine shards against real nats-server and redis-server.
 * Before the start, every key in Redis is read and the seed is in none of
 * them (hexadecimal, raw bytes, base64), nor anywhere a fan or the organizer
 * can read it; the shard that sealed it is killed -9, and the one that takes
 * the event over opens it at the start. The public proof then verifies, mixes
 * the beacon the organizer supplied, and each fan finds its own number in it
 * from its receipt.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { placeIn, verifyDrawProof, type DrawProof } from '../../../engine/src/index.js';
import { freePort, startNatsServer, startRedisServer, type LocalServer } from '../../../launch/local-servers.js';
import { partitionOf } from '../../../engine/link/partitions.js';
import { FanClient } from '../helpers/fan-client.js';
import { spawnProduct, type SpawnedProduct } from '../helpers/spawned-product.js';
import { eventually } from '../helpers/test-gateway.js';

const API_KEY = 'draw-seal-api-key-0123456789';
const PARTITIONS = 2;
const EVENT = 'sealed-night';
const BEACON = '3f'.repeat(32);
/** Long enough to join, read Redis and move the event to another shard before the start. */
const START_IN_MS = 12_000;

let nats: LocalServer;
let redis: LocalServer;
let cluster: SpawnedProduct;
let port: number;
const fans = new Map<string, { client: FanClient; receipt: string }>();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Retries what a takeover refuses for a moment (503). */
async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  for (let attempt = 0; ; attempt++) {
    const response = await cluster.api(method, path, body);
    if (response.status !== 503 || attempt >= 80) return response;
    await sleep(250);
  }
}

/** The shard process serving the event's partition now, from the shards' log lines. */
function ownerPid(): number | undefined {
  const partition = partitionOf(EVENT, PARTITIONS);
  let owner: number | undefined;
  for (const line of cluster.output.split('\n')) {
    const match = /\[shard [^\]]*\/(\d+)\] (serving|stopped serving) partition (\d+)\b/.exec(line);
    if (match === null || Number(match[3]) !== partition) continue;
    if (match[2] === 'serving') owner = Number(match[1]);
    else if (owner === Number(match[1])) owner = undefined;
  }
  return owner;
}

/** Every value of every key, whatever its type, as raw bytes. */
async function everythingIn(client: Redis): Promise<Buffer[]> {
  const values: Buffer[] = [];
  for (const key of await client.keys('*')) {
    values.push(Buffer.from(key));
    const type = await client.type(key);
    if (type === 'string') values.push((await client.getBuffer(key))!);
    else if (type === 'list') values.push(...(await client.lrangeBuffer(key, 0, -1)));
    else if (type === 'hash') values.push(...Object.entries(await client.hgetallBuffer(key)).flatMap(([field, value]) => [Buffer.from(field), value]));
    else if (type === 'set') values.push(...(await client.smembersBuffer(key)));
    else if (type === 'zset') values.push(...(await client.zrangeBuffer(key, '0', '-1')));
    else if (type === 'stream') {
      // The audit log: every entry's id and fields.
      for (const [id, fields] of await client.xrangeBuffer(key, '-', '+')) values.push(id, ...fields);
    }
    else throw new Error(`key ${key} has a type this test does not read: ${type}`);
  }
  return values;
}

beforeAll(async () => {
  [nats, redis] = await Promise.all([startNatsServer(), startRedisServer()]);
  port = await freePort();
  cluster = await spawnProduct('launch/cluster.ts', [
    '--gateways', '1', '--shards', '2', '--partitions', String(PARTITIONS), '--nats', nats.url, '--redis', redis.url, '--exempt-ip', '127.0.0.1',
  ], { port, apiKey: API_KEY, startTimeoutMs: 60_000 });
}, 90_000);

afterAll(async () => {
  for (const fan of fans.values()) await fan.client.close().catch(() => undefined);
  await cluster?.stop();
  await Promise.all([nats?.stop(), redis?.stop()]);
}, 30_000);

describe('the draw\'s seed in cluster mode', () => {
  let before: Buffer[] = [];
  let commitment: string;

  it('is nowhere in Redis, nor in what anyone can read, before the start', async () => {
    const now = Date.now();
    const created = await api('POST', '/api/events', {
      publish: true,
      config: {
        id: EVENT, name: 'Sealed night', preQueueOpensAt: now, onSaleAt: now + START_IN_MS, closesAt: now + 3600_000,
        inventory: { tiers: [{ id: 'ga', name: 'GA', price: 2500, quantity: 30 }] }, presenceGraceMs: 60_000,
        door: { startWindowMs: 0 }, draw: { beacon: { name: 'drand quicknet', round: 4242 }, beaconWaitMs: 30_000 },
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    for (let i = 1; i <= 6; i++) {
      const client = await FanClient.connect(`ws://127.0.0.1:${port}/ws`);
      const joined = await client.request({ t: 'join', eventId: EVENT, fanId: `fan-${i}`, token: null, powChallenge: null, powNonce: null, identity: null, accessCode: null }, 10_000);
      expect(joined.t, JSON.stringify(joined)).toBe('joined');
      if (joined.t !== 'joined') return;
      expect(joined).toMatchObject({ number: 0, seed: null, receipt: expect.stringMatching(/^[0-9a-f]{32}$/) });
      commitment = joined.commitment!;
      fans.set(`fan-${i}`, { client, receipt: joined.receipt! });
    }
    const supplied = await api('POST', `/api/events/${EVENT}/draws/preQueue/beacon`, { value: BEACON });
    expect(supplied).toMatchObject({ status: 200, body: { draw: 'preQueue', commitment, beacon: { round: 4242, value: BEACON } } });
    expect((await fetch(`http://127.0.0.1:${port}/api/public/events/${EVENT}/draw`)).status).toBe(409);
    const journal = await api('GET', `/api/events/${EVENT}/journal`);
    expect(journal.body.entries.find((e: { type: string }) => e.type === 'preQueueOpened')).toMatchObject({ commitment, sealedSeed: expect.stringMatching(/^v1\./) });
    const reader = new Redis(redis.url);
    try {
      before = [...(await everythingIn(reader)), Buffer.from(JSON.stringify(journal.body))];
    } finally {
      reader.disconnect();
    }
    expect(before.some((value) => value.includes(commitment))).toBe(true); // the journal really is in what was read
  }, 60_000);

  it('is opened by the shard that takes the event over, at the start; the public proof verifies and each fan finds its number', async () => {
    const sealer = ownerPid();
    expect(sealer).toBeDefined();
    process.kill(sealer!, 'SIGKILL');
    await eventually(() => expect(ownerPid()).not.toBe(sealer), 20_000);
    expect(ownerPid()).toBeDefined();

    const numbers = new Map<string, number>();
    for (const [fanId, fan] of fans) numbers.set(fanId, (await fan.client.next('numbered', START_IN_MS + 20_000)).number);
    let proof: DrawProof | undefined;
    await eventually(async () => {
      const response = await fetch(`http://127.0.0.1:${port}/api/public/events/${EVENT}/draw`);
      expect(response.status).toBe(200);
      proof = (await response.json()) as DrawProof;
    }, 20_000);
    expect(verifyDrawProof(proof)).toEqual({ ok: true, count: 6 });
    expect(proof).toMatchObject({ commitment, beacon: { name: 'drand quicknet', round: 4242, value: BEACON }, firstNumber: 1 });
    for (const [fanId, fan] of fans) expect(placeIn(proof!, fan.receipt, fanId)?.number, fanId).toBe(numbers.get(fanId));

    const seed = Buffer.from(proof!.seed, 'hex');
    const forms = [proof!.seed, proof!.seed.toUpperCase(), seed, seed.toString('base64'), seed.toString('base64url')];
    for (const form of forms) expect(before.filter((value) => value.includes(form)), `the seed as ${String(form)}`).toEqual([]);
  }, 60_000);
});
