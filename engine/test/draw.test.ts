import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { validateConfigUpdate, validateEventConfig } from '../src/config/validate.js';
import { placeIn, verifyDrawProof, type DrawProof } from '../src/fairness/draw-proof.js';
import { PSEUDONYM_BYTES, runDraw } from '../src/fairness/draw.js';
import { checkInvariants } from '../src/invariants.js';
import type { JoinResult } from '../src/event/views.js';
import { aesSeedVault } from '../stores/seed-vault.js';
import { Driver, GRACE, ON_SALE_AT, PRE_QUEUE_AT, SECOND, TEST_SEEDS, countingBytes, errorOf, gaConfig } from './fixtures.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'engine', 'bin', 'verify-shuffle.ts');
const WINDOW = 10 * SECOND;
const BEACON = 'be'.repeat(32);
const OTHER_BEACON = 'ef'.repeat(32);

/** A sale whose draw numbers 12 pre-queue fans and 8 window arrivals, every fan with its own receipt. */
function drawnSale(overrides: Parameters<typeof gaConfig>[0] = {}): { d: Driver; receipts: Map<string, string> } {
  const d = new Driver(gaConfig({ admission: { mode: 'concurrency', maxActiveShoppers: 1 }, door: { startWindowMs: WINDOW }, ...overrides }), { randomBytes: countingBytes() });
  const receipts = new Map<string, string>();
  const join = (fanId: string) => receipts.set(fanId, d.join(fanId).receipt!);
  d.at(PRE_QUEUE_AT);
  for (let i = 1; i <= 12; i++) join(`p${i}`);
  d.startSale();
  for (let i = 1; i <= 8; i++) join(`w${i}`);
  return { d, receipts };
}

/** The proof of a drawn sale, through JSON as the endpoint serves it. */
function publishedProof(): { proof: DrawProof; d: Driver; receipts: Map<string, string> } {
  const { d, receipts } = drawnSale();
  d.startSale(WINDOW);
  return { proof: JSON.parse(JSON.stringify(d.sale.drawProof('preQueue'))) as DrawProof, d, receipts };
}

const copy = (proof: DrawProof): DrawProof => structuredClone(proof);

describe('a draw\'s public proof', () => {
  it('verifies, names no fan, and lets each fan find its own number from its receipt', () => {
    const { proof, d, receipts } = publishedProof();
    expect(verifyDrawProof(proof)).toEqual({ ok: true, count: 20 });
    expect(proof).toMatchObject({ version: 2, eventId: d.eventId, draw: 'preQueue', drawnAt: ON_SALE_AT + WINDOW, firstNumber: 1, beacon: null, commitment: d.status().commitment, seed: d.status().seed });
    expect(JSON.stringify(proof)).not.toMatch(/"[pw]\d+"/);
    for (const [fanId, receipt] of receipts) {
      expect(placeIn(proof, receipt, fanId), fanId).toEqual({ joinNumber: expect.any(Number), number: d.fanView(fanId).number });
      // Another fan's receipt finds nothing for this fan id.
      expect(placeIn(proof, receipts.get(fanId === 'p1' ? 'p2' : 'p1')!, fanId)).toBeUndefined();
    }
    expect(checkInvariants(d.journal)).toEqual([]);
  });

  it('is DRAW_NOT_RUN (with the commitment) before the draw, and DRAW_NOT_FOUND for a draw that does not exist', () => {
    const { d } = drawnSale();
    expect(errorOf(() => d.sale.drawProof('preQueue'))).toMatchObject({ code: 'DRAW_NOT_RUN', details: { drawsAt: ON_SALE_AT + WINDOW, commitment: d.status().commitment } });
    expect(errorOf(() => d.sale.drawProof('phase:none'))).toMatchObject({ code: 'DRAW_NOT_FOUND' });
  });

  describe('every kind of tampering is rejected, with a message that says what is wrong', () => {
    const { proof } = publishedProof();
    const seedOther = createHash('sha256').update('another seed').digest('hex');
    const cases: Array<[string, (p: DrawProof) => void, RegExp]> = [
      ['an entry renamed', (p) => (p.entries[3]!.pseudonym = 'ab'.repeat(PSEUDONYM_BYTES)), /entriesDigest does not match the entries/],
      ['an entry dropped', (p) => p.entries.splice(5, 1), /entriesDigest does not match the entries/],
      ['an entry added', (p) => p.entries.push({ pseudonym: 'cd'.repeat(PSEUDONYM_BYTES), joinNumber: 999 }), /entriesDigest does not match the entries/],
      ['two entries swapped', (p) => ([p.entries[2], p.entries[7]] = [p.entries[7]!, p.entries[2]!]), /entries\[3\]\.joinNumber \(4\) is not above the one before \(8\): entries are listed in join order/],
      ['two pseudonyms swapped between places', (p) => ([p.entries[2]!.pseudonym, p.entries[7]!.pseudonym] = [p.entries[7]!.pseudonym, p.entries[2]!.pseudonym]), /entriesDigest does not match/],
      ['an entry re-timed (its join number)', (p) => (p.entries[19]!.joinNumber += 1), /entriesDigest does not match/],
      ['the seed', (p) => (p.seed = seedOther), /commitment does not match the seed/],
      ['the commitment', (p) => (p.commitment = createHash('sha256').update(Buffer.from(seedOther, 'hex')).digest('hex')), /commitment does not match the seed/],
      ['a beacon added', (p) => (p.beacon = { name: 'drand quicknet', round: 7, value: BEACON }), /order differs from the draw at position \d+/],
      ['the order changed (two swapped)', (p) => ([p.order[0], p.order[1]] = [p.order[1]!, p.order[0]!]), /order differs from the draw at position 0/],
      ['the order truncated', (p) => p.order.pop(), /order has 19 entries but the draw has 20/],
      ['the order extended', (p) => p.order.push(p.order[0]!), /order has 21 entries but the draw has 20/],
      ['a seed of the wrong length', (p) => (p.seed = p.seed.slice(2)), /seed is not 64 hexadecimal characters/],
      ['a commitment of the wrong length', (p) => (p.commitment += '00'), /commitment is not 64 hexadecimal characters/],
      ['another version', (p) => ((p as { version: number }).version = 1), /proof\.version is 1: this verifier reads version 2/],
      ['an entry dropped with its digest recomputed', (p) => {
        p.entries.splice(5, 1);
        p.entriesDigest = digestOf(p);
      }, /order (differs|has 20 entries but the draw has 19)/],
    ];
    it.each(cases)('%s', (_kind, tamper, message) => {
      const tampered = copy(proof);
      tamper(tampered);
      const result = verifyDrawProof(tampered);
      expect(result.ok).toBe(false);
      expect(result.ok ? '' : result.reason).toMatch(message);
    });

    it('a beacon changed, or removed, in a draw that had one', () => {
      const { d } = drawnSale({ draw: { beacon: { name: 'drand quicknet', round: 7 } } });
      d.exec({ type: 'supplyBeacon', draw: 'preQueue', value: BEACON });
      d.startSale(WINDOW);
      const withBeacon = d.sale.drawProof('preQueue');
      expect(verifyDrawProof(withBeacon)).toEqual({ ok: true, count: 20 });
      for (const value of [OTHER_BEACON, null]) {
        const tampered = copy(withBeacon);
        tampered.beacon!.value = value;
        expect(verifyDrawProof(tampered)).toMatchObject({ ok: false, reason: expect.stringMatching(/order differs from the draw at position/) });
      }
    });
  });
});

function digestOf(p: DrawProof): string {
  return runDraw(p.seed, columns(p), p.beacon?.value ?? undefined).entriesDigest.toString('hex');
}

function columns(p: DrawProof): { joinNumbers: number[]; pseudonyms: Buffer } {
  return { joinNumbers: p.entries.map((e) => e.joinNumber), pseudonyms: Buffer.from(p.entries.map((e) => e.pseudonym).join(''), 'hex') };
}

describe('the order binds every entry', () => {
  const seed = createHash('sha256').update('binding').digest('hex');
  const n = 40;
  const base = { joinNumbers: Array.from({ length: n }, (_, i) => 3 * i + 1), pseudonyms: Buffer.from(Array.from({ length: n * PSEUDONYM_BYTES }, (_, i) => (i * 31 + 7) & 0xff)) };
  const orderOf = (entries: typeof base, beacon?: string) => Array.from(runDraw(seed, entries, beacon).order, (i) => entries.joinNumbers[i]!);
  const original = orderOf(base);
  /** The order of the entries both lists share: a changed entry must move the others too, not only itself. */
  const othersOf = (order: number[], changed: number) => order.filter((joinNumber) => joinNumber !== changed);

  it('changing any one entry\'s pseudonym reshuffles the others', () => {
    for (let i = 0; i < n; i++) {
      const pseudonyms = Buffer.from(base.pseudonyms);
      pseudonyms[i * PSEUDONYM_BYTES + 5]! ^= 1;
      const order = orderOf({ ...base, pseudonyms });
      expect(othersOf(order, base.joinNumbers[i]!), `entry ${i}`).not.toEqual(othersOf(original, base.joinNumbers[i]!));
    }
  });

  it('changing any one entry\'s join number (its timing) reshuffles the others', () => {
    for (let i = 0; i < n; i++) {
      const joinNumbers = [...base.joinNumbers];
      joinNumbers[i]! += 1; // still below the next one: the list stays in join order
      const order = orderOf({ ...base, joinNumbers });
      expect(othersOf(order, joinNumbers[i]!), `entry ${i}`).not.toEqual(othersOf(original, base.joinNumbers[i]!));
    }
  });

  it('adding or dropping one entry reshuffles the others, and so does the beacon', () => {
    const added = { joinNumbers: [...base.joinNumbers, 1000], pseudonyms: Buffer.concat([base.pseudonyms, Buffer.alloc(PSEUDONYM_BYTES, 9)]) };
    expect(othersOf(orderOf(added), 1000)).not.toEqual(original);
    const dropped = { joinNumbers: base.joinNumbers.slice(1), pseudonyms: base.pseudonyms.subarray(PSEUDONYM_BYTES) };
    expect(orderOf(dropped)).not.toEqual(othersOf(original, 1));
    expect(orderOf(base, BEACON)).not.toEqual(original);
    expect(orderOf(base, BEACON)).not.toEqual(orderOf(base, OTHER_BEACON));
  });
});

describe('which places are entries', () => {
  it('a fan gone longer than the grace at the draw is not an entry; one gone exactly the grace is, and keeps its place', () => {
    const d = new Driver(gaConfig({ admission: { mode: 'concurrency', maxActiveShoppers: 1 } }));
    d.at(PRE_QUEUE_AT);
    d.joinMany(4);
    d.at(ON_SALE_AT - GRACE - 1);
    d.presence('fan2', false);
    d.at(ON_SALE_AT - GRACE);
    d.presence('fan3', false);
    // No tick between: the draw's own tick finds fan2 gone for GRACE + 1.
    d.at(ON_SALE_AT);
    const lost = d.journal.findIndex((e) => e.type === 'left' && e.fanId === 'fan2');
    const drawn = d.journal.findIndex((e) => e.type === 'drawn');
    expect(lost).toBeGreaterThan(-1);
    expect(lost).toBeLessThan(drawn);
    expect(d.journal[drawn]).toMatchObject({ count: 3 });
    expect(d.fanView('fan3').number).toBeGreaterThan(0);
    expect(d.sale.drawProof('preQueue').entries.map((e) => e.joinNumber)).toEqual([1, 3, 4]);
  });

  it('a fan who left and joined again enters under its new place\'s join number, last in join order', () => {
    const d = new Driver(gaConfig({ admission: { mode: 'concurrency', maxActiveShoppers: 1 } }));
    d.at(PRE_QUEUE_AT);
    d.joinMany(3);
    d.leave('fan1');
    d.join('fan1');
    d.startSale();
    expect(d.sale.drawProof('preQueue').entries.map((e) => e.joinNumber)).toEqual([2, 3, 4]);
  });
});

describe('the beacon', () => {
  const named = { draw: { beacon: { name: 'drand quicknet', round: 7 }, beaconWaitMs: 20 * SECOND } };

  it('is mixed into the order when supplied before the draw; the proof carries it', () => {
    const { d, receipts } = drawnSale(named);
    d.exec({ type: 'supplyBeacon', draw: 'preQueue', value: BEACON.toUpperCase() });
    expect(d.status().draws[0]).toMatchObject({ beacon: { name: 'drand quicknet', round: 7, value: BEACON } });
    d.startSale(WINDOW);
    const proof = d.sale.drawProof('preQueue');
    expect(proof.beacon).toEqual({ name: 'drand quicknet', round: 7, value: BEACON });
    expect(d.journal.find((e) => e.type === 'drawn')).toMatchObject({ beacon: BEACON, at: ON_SALE_AT + WINDOW });
    const fans = [...receipts.keys()];
    const queue = [...fans].sort((a, b) => d.fanView(a).number - d.fanView(b).number);
    expect(queue).toEqual(d.drawOrder(fans, proof.seed, BEACON));
    expect(queue).not.toEqual(d.drawOrder(fans, proof.seed));
    expect(checkInvariants(d.journal)).toEqual([]);
  });

  it('a draw waits for a named beacon up to beaconWaitMs, runs as soon as it comes, or runs without it and says so', () => {
    const late = drawnSale(named).d;
    late.startSale(WINDOW + 5 * SECOND);
    expect(late.journal.some((e) => e.type === 'drawn')).toBe(false);
    expect(late.fanView('p1').number).toBe(0);
    late.exec({ type: 'supplyBeacon', draw: 'preQueue', value: BEACON });
    expect(late.journal.at(-1)).toMatchObject({ type: 'drawn', at: ON_SALE_AT + WINDOW + 5 * SECOND, beacon: BEACON });

    const missing = drawnSale(named).d;
    missing.startSale(WINDOW + 20 * SECOND - 1);
    expect(missing.journal.some((e) => e.type === 'drawn')).toBe(false);
    missing.startSale(WINDOW + 20 * SECOND);
    const drawn = missing.journal.find((e) => e.type === 'drawn');
    expect(drawn).toMatchObject({ at: ON_SALE_AT + WINDOW + 20 * SECOND });
    expect(drawn).not.toHaveProperty('beacon');
    expect(missing.sale.drawProof('preQueue').beacon).toEqual({ name: 'drand quicknet', round: 7, value: null });
    expect(verifyDrawProof(missing.sale.drawProof('preQueue'))).toMatchObject({ ok: true });
    expect(errorOf(() => missing.exec({ type: 'supplyBeacon', draw: 'preQueue', value: BEACON }))).toMatchObject({ code: 'DRAW_ALREADY_RUN' });
    expect(checkInvariants(missing.journal)).toEqual([]);
  });

  it('is refused when none is named, before its draw is sealed, twice with another value, or malformed', () => {
    const none = drawnSale().d;
    expect(errorOf(() => none.exec({ type: 'supplyBeacon', draw: 'preQueue', value: BEACON }))).toMatchObject({ code: 'BEACON_NOT_NAMED' });
    const d = new Driver(gaConfig(named));
    expect(errorOf(() => d.exec({ type: 'supplyBeacon', draw: 'preQueue', value: BEACON }))).toMatchObject({ code: 'DRAW_NOT_FOUND' });
    d.at(PRE_QUEUE_AT);
    expect(errorOf(() => d.exec({ type: 'supplyBeacon', draw: 'preQueue', value: 'abc' }))).toMatchObject({ code: 'MALFORMED_COMMAND' });
    d.exec({ type: 'supplyBeacon', draw: 'preQueue', value: BEACON });
    const length = d.journal.length;
    d.exec({ type: 'supplyBeacon', draw: 'preQueue', value: BEACON });
    expect(d.journal).toHaveLength(length);
    expect(errorOf(() => d.exec({ type: 'supplyBeacon', draw: 'preQueue', value: OTHER_BEACON }))).toMatchObject({ code: 'BEACON_ALREADY_SUPPLIED', details: { value: BEACON } });
  });

  it('is named in the configuration: not on the first phase, and fixed once its pre-queue opens', () => {
    const base = gaConfig();
    expect(() => validateEventConfig({ ...base, draw: { beacon: { name: 'drand quicknet', round: 0 } } })).toThrow(/draw\.beacon\.round/);
    const phases = [{ id: 'public', name: 'Public', preQueueOpensAt: base.preQueueOpensAt, onSaleAt: base.onSaleAt, access: { kind: 'open' }, beacon: { name: 'x', round: 1 } }];
    expect(() => validateEventConfig({ ...base, phases })).toThrow(/phases\[0\]\.beacon/);
    const d = new Driver(gaConfig(named));
    d.at(PRE_QUEUE_AT);
    expect(errorOf(() => d.exec({ type: 'updateEvent', patch: { draw: { beacon: { name: 'drand quicknet', round: 8 } } } }))).toMatchObject({ code: 'INVALID_CONFIG' });
    expect(validateConfigUpdate(d.sale.config, { draw: { beaconWaitMs: 5_000 } }).draw).toEqual({ beacon: { name: 'drand quicknet', round: 7 }, beaconWaitMs: 5_000 });
  });
});

describe('the sealed seed', () => {
  it('opens only under the deployment secret it was sealed with; a restored engine holding it draws the same order', () => {
    const sealed = TEST_SEEDS.seal('11'.repeat(32));
    expect(TEST_SEEDS.open(sealed)).toBe('11'.repeat(32));
    expect(() => aesSeedVault('another secret').open(sealed)).toThrow(/not the one it was sealed under/);
    expect(() => TEST_SEEDS.open(`${sealed.slice(0, -2)}AA`)).toThrow();

    const { d } = drawnSale();
    const restored = d.restored();
    d.startSale(WINDOW);
    restored.startSale(WINDOW);
    expect(restored.sale.drawProof('preQueue')).toEqual(d.sale.drawProof('preQueue'));
  });
});

describe('verify-shuffle CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'breakwater-draw-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const run = (...args: string[]) => spawnSync('npx', ['tsx', CLI, ...args], { cwd: ROOT, encoding: 'utf8' });
  const { proof, receipts } = publishedProof();

  it('verifies a live event\'s proof as it is published, and prints a fan\'s place from its receipt', () => {
    const file = join(dir, 'proof.json');
    writeFileSync(file, JSON.stringify(proof));
    const ok = run(file);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout.trim()).toBe('OK: 20 entries, order verified (no beacon)');
    const mine = run(file, '--receipt', receipts.get('w3')!, '--fan', 'w3');
    expect(mine.status, mine.stderr).toBe(0);
    expect(mine.stdout).toMatch(/^Your place: number \d+ \(join number 15\)$/m);
    const notMine = run(file, '--receipt', receipts.get('w3')!, '--fan', 'w4');
    expect(notMine.status).toBe(1);
    expect(notMine.stderr).toMatch(/FAILED: no entry has the pseudonym/);
  });

  it('prints the reason and exits 1 for a tampered proof, 1 for a file that is not JSON, 2 for bad usage', () => {
    const tampered = copy(proof);
    tampered.order.reverse();
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify(tampered));
    const bad = run(file);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^FAILED: order differs from the draw at position 0: .* \(first mismatch at position 0\)$/m);
    const garbage = join(dir, 'garbage.json');
    writeFileSync(garbage, 'not json');
    expect(run(garbage)).toMatchObject({ status: 1, stderr: expect.stringMatching(/FAILED: cannot read/) });
    expect(run().status).toBe(2);
    expect(run(file, '--receipt', 'ab').status).toBe(2);
  });
});

describe('JoinResult.receipt', () => {
  it('comes once, with the join that puts a place into a draw; never for a place numbered at once or resumed', () => {
    const d = new Driver(gaConfig(), { randomBytes: countingBytes() });
    d.at(PRE_QUEUE_AT);
    const first = d.join('fan1');
    expect(first.receipt).toMatch(/^[0-9a-f]{32}$/);
    expect(d.join('fan1').receipt).toBeUndefined();
    expect(d.journal.at(-1)).toMatchObject({ type: 'joined', pseudonym: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect(JSON.stringify(d.journal)).not.toContain(first.receipt);
    d.startSale();
    expect((d.join('late') as JoinResult).receipt).toBeUndefined();
  });
});
