/**
 * Presale phases and access codes through the organizer API and the public
 * event info, on a real gateway (the engine in process, simulated time).
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_CODES_CSV_BYTES } from '../../engine/src/index.js';
import { API_KEY, eventConfig, startTestGateway, type TestGateway } from './helpers/test-gateway.js';

let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway({ limits: { maxHttpBodyBytes: 2 * 1024 * 1024 } });
});

afterAll(async () => {
  await gw.close();
});

/** A fan-club presale now, a coded presale at +10 min, the public sale at +20 min. */
function phasedConfig() {
  const now = gw.clock.now();
  const config = eventConfig(now);
  const phases = [
    { id: 'fanclub', name: 'Fan club presale', preQueueOpensAt: now, onSaleAt: now + 60_000, access: { kind: 'groups', groups: ['club-members'] } },
    { id: 'amex', name: 'Card presale', preQueueOpensAt: now + 600_000, onSaleAt: now + 600_000, access: { kind: 'code' } },
    { id: 'public', name: 'Public sale', preQueueOpensAt: now + 1_200_000, onSaleAt: now + 1_200_000, access: { kind: 'open' } },
  ];
  const { preQueueOpensAt: _p, onSaleAt: _o, ...rest } = config;
  return { ...rest, phases };
}

async function createPhased(): Promise<string> {
  const config = phasedConfig();
  const created = await gw.api('POST', '/api/events', { config, publish: true });
  expect(created.status).toBe(201);
  return config.id;
}

async function uploadCsv(eventId: string, csv: string | Uint8Array, contentType = 'text/csv'): Promise<{ status: number; body: any }> {
  const response = await fetch(`${gw.httpUrl}/api/events/${eventId}/codes`, {
    method: 'POST', headers: { authorization: `Bearer ${API_KEY}`, 'content-type': contentType }, body: csv,
  });
  return { status: response.status, body: await response.json() };
}

describe('phases in the event configuration', () => {
  it('are created with the event, their first times are the event\'s, and fans see them without the groups', async () => {
    const eventId = await createPhased();
    const { body: details } = await gw.api('GET', `/api/events/${eventId}`);
    expect(details.config.phases.map((p: { id: string }) => p.id)).toEqual(['fanclub', 'amex', 'public']);
    expect(details.config.onSaleAt).toBe(details.config.phases[0].onSaleAt);

    const info = (await (await fetch(`${gw.httpUrl}/api/public/events/${eventId}`)).json()) as { currentPhaseId: string; phases: unknown[] };
    expect(info.currentPhaseId).toBe('fanclub');
    expect(info.phases).toEqual(details.config.phases.map((p: { id: string; name: string; preQueueOpensAt: number; onSaleAt: number; access: { kind: string } }) => ({
      id: p.id, name: p.name, preQueueOpensAt: p.preQueueOpensAt, onSaleAt: p.onSaleAt, access: p.access.kind,
    })));
    expect(JSON.stringify(info)).not.toContain('club-members');
  });

  it('an event created without phases has one open phase; a bad phase list is INVALID_CONFIG with each issue', async () => {
    const plain = eventConfig(gw.clock.now());
    await gw.api('POST', '/api/events', { config: plain, publish: true });
    expect((await gw.api('GET', `/api/events/${plain.id}`)).body.config.phases).toEqual([
      { id: 'public', name: 'Public sale', preQueueOpensAt: plain.preQueueOpensAt, onSaleAt: plain.onSaleAt, access: { kind: 'open' } },
    ]);
    const config = phasedConfig();
    config.phases[2]!.id = 'fanclub';
    const refused = await gw.api('POST', '/api/events', { config });
    expect(refused).toMatchObject({ status: 400, body: { code: 'INVALID_CONFIG', details: { issues: [{ field: 'phases[2].id', reason: 'duplicates phases[0].id' }] } } });
  });

  it('are retuned with PATCH: a phase that has not opened may move', async () => {
    const eventId = await createPhased();
    const { body } = await gw.api('GET', `/api/events/${eventId}`);
    const phases = body.config.phases;
    phases[1].preQueueOpensAt += 60_000;
    phases[1].onSaleAt += 60_000;
    const patched = await gw.api('PATCH', `/api/events/${eventId}`, { config: { phases } });
    expect(patched).toMatchObject({ status: 200, body: { config: { phases } } });
    phases[0].access = { kind: 'open' };
    expect(await gw.api('PATCH', `/api/events/${eventId}`, { config: { phases } })).toMatchObject({
      status: 400, body: { code: 'INVALID_CONFIG', details: { issues: [{ field: 'phases[0].access.kind' }] } },
    });
  });
});

describe('a later phase\'s draw', () => {
  it('keeps its seed sealed in the organizer journal until the draw reveals it', async () => {
    const config = phasedConfig();
    // The card presale gets a one-minute pre-queue: a draw of its own.
    config.phases[1] = { ...config.phases[1]!, onSaleAt: config.phases[1]!.preQueueOpensAt + 60_000 };
    expect((await gw.api('POST', '/api/events', { config, publish: true })).status).toBe(201);
    const entryOf = async (type: string) => {
      const { body } = await gw.api('GET', `/api/events/${config.id}/journal`);
      return body.entries.find((e: { type: string; draw?: string }) => e.type === type && e.draw === 'phase:amex');
    };
    await gw.advance(600_000);
    const sealed = await entryOf('drawSealed');
    expect(sealed).toMatchObject({ type: 'drawSealed', draw: 'phase:amex', sealedSeed: expect.stringMatching(/^v1\./) });
    expect(sealed).not.toHaveProperty('seed');
    expect((await fetch(`${gw.httpUrl}/api/public/events/${config.id}/draws/phase:amex`)).status).toBe(409);
    await gw.advance(60_000);
    const drawn = await entryOf('drawn');
    expect(drawn.seed).toMatch(/^[0-9a-f]{64}$/);
    expect(createHash('sha256').update(Buffer.from(drawn.seed, 'hex')).digest('hex')).toBe(sealed.commitment);
    const proof = await fetch(`${gw.httpUrl}/api/public/events/${config.id}/draws/phase:amex`);
    expect(await proof.json()).toMatchObject({ draw: 'phase:amex', seed: drawn.seed, commitment: sealed.commitment });
  });
});

describe('access codes', () => {
  it('generates codes for a coded phase and lists them with their redemption state', async () => {
    const eventId = await createPhased();
    const generated = await gw.api('POST', `/api/events/${eventId}/codes/generate`, { count: 25, uses: 1, ticketCap: 2, phaseId: 'amex' });
    expect(generated).toMatchObject({ status: 201, body: { added: 25 } });
    expect(generated.body.codes).toHaveLength(25);
    const list = await gw.api('GET', `/api/events/${eventId}/codes?offset=20&limit=10`);
    expect(list).toMatchObject({ status: 200, body: { total: 25, offset: 20 } });
    expect(list.body.codes).toEqual(generated.body.codes.slice(20).map((code: string) => ({ code, phaseId: 'amex', uses: 1, ticketCap: 2, accounts: [], ticketsUsed: 0 })));
    expect(await gw.api('POST', `/api/events/${eventId}/codes/generate`, { count: 1, uses: 1, ticketCap: 2, phaseId: 'public' })).toMatchObject({
      status: 400, body: { code: 'MALFORMED_COMMAND', details: { field: 'phaseId' } },
    });
    expect((await gw.api('GET', `/api/events/${eventId}/codes?limit=1001`)).body).toMatchObject({ code: 'MALFORMED_COMMAND', details: { field: 'limit' } });
  });

  it('uploads a CSV; a bad file adds nothing and says which lines are wrong', async () => {
    const eventId = await createPhased();
    expect(await uploadCsv(eventId, 'code,uses,ticketCap,phase\nCLUB-0001,1,4,amex\nCLUB-0002,3,6\n')).toEqual({ status: 201, body: { added: 2 } });
    const bad = await uploadCsv(eventId, 'CLUB-0003,1,4\nCLUB-0001,1,4\nCLUB-0004,one,4\n');
    expect(bad).toMatchObject({
      status: 400,
      body: { code: 'MALFORMED_COMMAND', details: { field: 'csv', lines: [{ line: 2, reason: 'the event already has this code' }, { line: 3, reason: expect.stringContaining('uses') }] } },
    });
    expect((await gw.api('GET', `/api/events/${eventId}/codes`)).body.total).toBe(2);
    expect(await uploadCsv(eventId, 'X-1,1,1', 'application/json')).toMatchObject({ status: 400, body: { details: { field: 'content-type' } } });
    expect(await uploadCsv(eventId, new Uint8Array([0x41, 0x42, 0xff, 0x2c]))).toMatchObject({ status: 400, body: { details: { field: 'csv', reason: 'must be UTF-8 text' } } });
    const tooLarge = await uploadCsv(eventId, `${'A'.repeat(MAX_CODES_CSV_BYTES)},1,1`);
    expect(tooLarge).toMatchObject({ status: 413, body: { code: 'PAYLOAD_TOO_LARGE', details: { limit: MAX_CODES_CSV_BYTES } } });
  });

  it('exports the codes as CSV with who redeemed them and the tickets they took', async () => {
    const eventId = await createPhased();
    await uploadCsv(eventId, 'CLUB-0001,2,4,amex\nCLUB-0002,1,6\n');
    gw.clock.advance(600_000);
    gw.host.handle({ op: 'openSession', eventId, fanId: 'ann', resume: false, context: { accessCode: 'club-0001' } });
    gw.host.handle({ op: 'openSession', eventId, fanId: 'bo,b', resume: false, context: { accessCode: 'CLUB0001' } });
    await expect(Promise.resolve().then(() => gw.host.handle({ op: 'openSession', eventId, fanId: 'cy', resume: false, context: { accessCode: 'CLUB0001' } })))
      .rejects.toMatchObject({ code: 'ACCESS_CODE_INVALID', details: { reason: 'boundToOtherAccounts' } });
    // Past the presale's start window: both are admitted, and ann holds 3 of the code's 4 tickets.
    await gw.advance(60_000);
    const grantId = gw.host.engine.event(eventId).fanView('ann').grant!.grantId;
    gw.host.handle({ op: 'fanCommand', command: { type: 'hold', eventId, fanId: 'ann', grantId, key: 'k1', request: { kind: 'tickets', tierId: 'ga', quantity: 3 } } });
    const response = await fetch(`${gw.httpUrl}/api/events/${eventId}/codes/export`, { headers: { authorization: `Bearer ${API_KEY}` } });
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('x-codes-total')).toBe('2');
    expect(await response.text()).toBe('code,uses,ticketCap,phase,ticketsUsed,accounts\nCLUB0001,2,4,amex,3,"ann bo,b"\nCLUB0002,1,6,,0,\n');
  });

  it('every code route wants the API key', async () => {
    const eventId = await createPhased();
    for (const [method, path] of [['GET', 'codes'], ['GET', 'codes/export'], ['POST', 'codes/generate'], ['POST', 'codes']] as const) {
      expect((await gw.api(method, `/api/events/${eventId}/${path}`, method === 'POST' ? {} : undefined, 'nope')).status, `${method} ${path}`).toBe(401);
    }
  });
});
