/**
 * The public draw endpoints on a real sale: the whole proof (gzipped when
 * taken, plain otherwise, the same JSON either way), its summary, and a fan's
 * own entry found by pseudonym; a malformed or unknown pseudonym gets its
 * documented error and changes nothing.
 */
import { randomBytes } from 'node:crypto';
import { get, type IncomingHttpHeaders } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { placeIn, pseudonymOf, verifyDrawProof, type DrawProof } from '../../engine/src/index.js';
import { PublishedDraw } from '../src/published-draw.js';
import { FanClient } from './helpers/fan-client.js';
import { startTestGateway, type TestGateway } from './helpers/test-gateway.js';

let gw: TestGateway;
let eventId: string;
const fans: Array<{ fanId: string; receipt: string; client: FanClient }> = [];

beforeAll(async () => {
  gw = await startTestGateway();
  eventId = await gw.createEvent();
  for (let i = 1; i <= 6; i++) {
    const client = await FanClient.connect(gw.wsUrl);
    const joined = await client.join(eventId, `fan-${i}`);
    fans.push({ fanId: `fan-${i}`, receipt: joined.receipt!, client });
  }
});

afterAll(async () => {
  await Promise.all(fans.map((fan) => fan.client.close()));
  await gw.close();
});

const url = (path: string) => `${gw.httpUrl}/api/public/events/${eventId}${path}`;
const getJson = async (path: string) => {
  const response = await fetch(url(path));
  return { status: response.status, body: await response.json() as any };
};
/** The bytes as sent (fetch would decode them). */
const rawGet = (address: string, headers: Record<string, string>) => new Promise<{ headers: IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
  get(address, { headers }, (response) => {
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.on('end', () => resolve({ headers: response.headers, body: Buffer.concat(chunks) }));
  }).on('error', reject);
});
const pseudonymHex = (fan: { receipt: string; fanId: string }) => pseudonymOf(Buffer.from(fan.receipt, 'hex'), fan.fanId).toString('hex');

describe('public draw endpoints', () => {
  it('answer DRAW_NOT_RUN before the draw, whichever part is asked', async () => {
    for (const path of ['/draw', '/draws/preQueue/summary', `/draws/preQueue/entries/${pseudonymHex(fans[0]!)}`]) {
      expect(await getJson(path), path).toMatchObject({ status: 409, body: { code: 'DRAW_NOT_RUN', details: { commitment: expect.any(String) } } });
    }
  });

  it('serve the whole proof gzipped or plain, the same JSON, which verifies and places every fan', async () => {
    await gw.advance(60_000);
    const numbers = new Map<string, number>();
    for (const fan of fans) numbers.set(fan.fanId, (await fan.client.next('numbered')).number);

    const gzipped = await rawGet(url('/draw'), { 'accept-encoding': 'gzip' });
    expect(gzipped.headers).toMatchObject({ 'content-encoding': 'gzip', 'cache-control': 'public, max-age=3600', vary: 'accept-encoding' });
    const fromGzip = gunzipSync(gzipped.body).toString('utf8');
    const plain = await fetch(url('/draws/preQueue'), { headers: { 'accept-encoding': 'identity' } });
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(await plain.text()).toBe(fromGzip);

    const proof = JSON.parse(fromGzip) as DrawProof;
    expect(verifyDrawProof(proof)).toEqual({ ok: true, count: fans.length });
    for (const fan of fans) expect(placeIn(proof, fan.receipt, fan.fanId)?.number).toBe(numbers.get(fan.fanId));
  });

  it('serve the summary and each fan\'s own entry, with its index in the proof', async () => {
    const proof = (await getJson('/draw')).body as DrawProof;
    const { entries, order: _order, ...header } = proof;
    expect(await getJson('/draws/preQueue/summary')).toEqual({ status: 200, body: { ...header, count: entries.length } });
    for (const fan of fans) {
      const pseudonym = pseudonymHex(fan);
      const index = entries.findIndex((e) => e.pseudonym === pseudonym);
      expect(index).toBeGreaterThanOrEqual(0);
      const expected = { status: 200, body: { index, pseudonym, joinNumber: entries[index]!.joinNumber } };
      expect(await getJson(`/draws/preQueue/entries/${pseudonym}`)).toEqual(expected);
      expect(await getJson(`/draws/preQueue/entries/${pseudonym.toUpperCase()}`)).toEqual(expected);
    }
  });

  it('refuse a malformed pseudonym with MALFORMED_COMMAND and an unknown one with DRAW_ENTRY_NOT_FOUND, changing nothing', async () => {
    const journal = async () => (await gw.api('GET', `/api/events/${eventId}/journal`)).body.entries as unknown[];
    const before = { journal: await journal(), status: (await gw.api('GET', `/api/events/${eventId}`)).body.status };
    for (const bad of ['xyz', 'ab'.repeat(15), 'ab'.repeat(17), 'zz'.repeat(16)]) {
      expect(await getJson(`/draws/preQueue/entries/${bad}`), bad).toMatchObject({ status: 400, body: { code: 'MALFORMED_COMMAND', details: { field: 'pseudonym' } } });
    }
    const unknown = randomBytes(16).toString('hex');
    expect(await getJson(`/draws/preQueue/entries/${unknown}`)).toMatchObject({ status: 404, body: { code: 'DRAW_ENTRY_NOT_FOUND', details: { draw: 'preQueue', pseudonym: unknown } } });
    expect(await getJson(`/draws/phase:none/entries/${unknown}`)).toMatchObject({ status: 404, body: { code: 'DRAW_NOT_FOUND' } });
    expect(await getJson('/draws/phase:none/summary')).toMatchObject({ status: 404, body: { code: 'DRAW_NOT_FOUND' } });
    expect(await journal()).toEqual(before.journal);
    expect((await gw.api('GET', `/api/events/${eventId}`)).body.status).toEqual(before.status);
  });
});

describe('PublishedDraw', () => {
  it('finds each of 50,000 entries by pseudonym, and writes the proof\'s JSON exactly as JSON.stringify does', async () => {
    const count = 50_000;
    const entries = Array.from({ length: count }, (_, i) => ({ pseudonym: randomBytes(16).toString('hex'), joinNumber: 2 * i + 1 }));
    const proof: DrawProof = {
      version: 2, eventId: 'big', draw: 'phase:members', drawnAt: 1234, commitment: 'c'.repeat(64), seed: 'd'.repeat(64),
      beacon: { name: 'drand quicknet', round: 7, value: null }, entriesDigest: 'e'.repeat(64), firstNumber: 38,
      entries, order: entries.map((e) => e.joinNumber).reverse(),
    };
    const published = new PublishedDraw(proof);
    for (const i of [0, 1, 4242, count - 1]) expect(published.entry(entries[i]!.pseudonym)).toEqual({ index: i, ...entries[i] });
    expect(entries.every((e, i) => published.entry(e.pseudonym)?.index === i)).toBe(true);
    expect(published.entry(randomBytes(16).toString('hex'))).toBeUndefined();
    expect(gunzipSync(await published.gzippedJson()).toString('utf8')).toBe(JSON.stringify(proof));
    expect(new PublishedDraw({ ...proof, entries: [], order: [] }).entry(entries[0]!.pseudonym)).toBeUndefined();
  });
});
