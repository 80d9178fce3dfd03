import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DoorConfig } from '../src/config/types.js';
import { Door, LOAD_BASELINE_PER_MIN } from '../src/door/door.js';
import { PaceTable, RATE_WINDOW_MS } from '../src/door/pace-table.js';
import { verifyDrawProof } from '../src/fairness/draw-proof.js';
import { commitmentOf } from '../src/fairness/shuffle.js';
import { checkInvariants } from '../src/invariants.js';
import type { JoinResult } from '../src/event/views.js';
import { Driver, MINUTE, ON_SALE_AT, PRE_QUEUE_AT, SECOND, errorOf, gaConfig } from './fixtures.js';

const WINDOW = 30 * SECOND;

/** A sale whose queue stays put (one shopper at a time) with this door. */
function sale(door: Partial<DoorConfig>): Driver {
  return new Driver(gaConfig({ admission: { mode: 'concurrency', maxActiveShoppers: 1 }, door }));
}

/** Runs `fn`, expects POW_REQUIRED, and checks that the event did not change (the refusal count aside). */
function refused(d: Driver, fn: () => unknown): Record<string, unknown> {
  const without = () => ({ journal: d.journal.length, status: { ...d.status(), door: { ...d.status().door, powRefusals: 0 } } });
  const before = without();
  const refusals = d.status().door.powRefusals;
  const err = errorOf(fn);
  expect(err.code).toBe('POW_REQUIRED');
  expect(without()).toEqual(before);
  expect(d.status().door.powRefusals).toBe(refusals + 1);
  return err.details;
}

function join(d: Driver, fanId: string, address?: string, powBits?: number): JoinResult {
  return d.exec({ type: 'join', fanId, ...(address === undefined ? {} : { address }), ...(powBits === undefined ? {} : { powBits }) }) as JoinResult;
}

/** Waiting fans in number order (unnumbered ones left out). */
function queueOrder(d: Driver, fans: readonly string[]): string[] {
  return fans
    .map((fanId) => ({ fanId, number: d.fanView(fanId).number }))
    .filter((p) => p.number > 0)
    .sort((a, b) => a.number - b.number)
    .map((p) => p.fanId);
}

describe('the draw of the pre-queue and the start window', () => {
  it('numbers the pre-queue and the window arrivals together by one committed draw at the window\'s end, before later arrivals', () => {
    const d = sale({ startWindowMs: WINDOW });
    d.at(PRE_QUEUE_AT);
    const draw = () => d.status().draws[0]!;
    // Sealed when the pre-queue opens: the commitment is public, the seed is not.
    expect(draw()).toMatchObject({ draw: 'preQueue', seed: undefined, drawsAt: ON_SALE_AT + WINDOW, pending: 0 });
    const commitment = draw().commitment;
    expect(d.status().commitment).toBe(commitment);
    const early = d.joinMany(4, 'early');
    expect(d.fanView('early1')).toMatchObject({ number: 0, status: 'preQueue', numberedAt: ON_SALE_AT + WINDOW });
    d.startSale();
    // On sale, but the pre-queue is not drawn yet: nobody is numbered or admitted, the seed stays sealed.
    expect(d.status()).toMatchObject({ phase: 'onSale', seed: undefined, lastNumber: 0, admitted: 0 });

    const arrivals = ['w1', 'w2', 'w3', 'w4', 'w5', 'w6'];
    arrivals.forEach((fanId, i) => {
      d.at(ON_SALE_AT + i * 5 * SECOND);
      expect(d.join(fanId)).toMatchObject({ number: 0, status: 'preQueue', numberedAt: ON_SALE_AT + WINDOW });
    });
    d.leave('w4');
    d.leave('early2');
    expect(draw()).toMatchObject({ seed: undefined, pending: 8 });

    d.at(ON_SALE_AT + WINDOW - 1);
    expect(d.status()).toMatchObject({ lastNumber: 0, admitted: 0 });
    d.at(ON_SALE_AT + WINDOW);
    // Admission starts at the draw, in the same tick.
    expect(d.status().admitted).toBe(1);
    const late = d.join('late').number;
    const entries = [...early, ...arrivals].filter((f) => f !== 'w4' && f !== 'early2');
    const drawn = draw();
    expect(drawn).toMatchObject({ commitment, numbered: 8, pending: 0 });
    expect(d.status().seed).toBe(drawn.seed);
    expect(commitmentOf(drawn.seed!)).toBe(commitment);
    const order = d.drawOrder(entries, drawn.seed!);
    // The one draw really mixes the cohorts: a window arrival is ahead of a pre-queue fan.
    expect(order.slice(0, 3).some((fanId) => fanId.startsWith('w'))).toBe(true);

    expect(queueOrder(d, [...early, ...arrivals, 'late'])).toEqual([...order, 'late']);
    expect(late).toBe(entries.length + 1);
    // Anyone can check the published proof against the commitment.
    const proof = d.sale.drawProof('preQueue');
    expect(proof).toMatchObject({ commitment, seed: drawn.seed, firstNumber: 1 });
    expect(verifyDrawProof(proof)).toEqual({ ok: true, count: 8 });
    expect(checkInvariants(d.journal)).toEqual([]);
  });

  it('is drawn by the first command after the window closes, before that command is decided', () => {
    const d = sale({ startWindowMs: WINDOW });
    d.startSale();
    d.join('a');
    d.join('b');
    d.clock.set(ON_SALE_AT + WINDOW + 5 * SECOND); // no tick since
    expect(d.join('late').number).toBe(3);
    expect(d.typesSince(d.journal.length - 2)).toEqual(['drawn', 'joined']);
  });

  it('with startWindowMs 0 draws the pre-queue at the on-sale time and numbers every later arrival at once', () => {
    const d = sale({ startWindowMs: 0 });
    d.at(PRE_QUEUE_AT);
    d.join('p');
    d.startSale();
    expect(d.status().draws).toMatchObject([{ draw: 'preQueue', drawsAt: ON_SALE_AT, numbered: 1, pending: 0 }]);
    expect(d.join('a').number).toBe(2);
  });

  it('cannot be retuned once the sale has started', () => {
    const d = sale({ startWindowMs: WINDOW });
    d.exec({ type: 'updateEvent', patch: { door: { startWindowMs: 10 * SECOND } } });
    expect(d.sale.config.door).toMatchObject({ startWindowMs: 10 * SECOND, joinsPerAddressPerMin: 30 });
    d.startSale();
    const err = d.rejects(() => d.exec({ type: 'updateEvent', patch: { door: { startWindowMs: 0 } } }), 'INVALID_CONFIG');
    expect(err.details.issues).toEqual([{ field: 'door.startWindowMs', reason: 'cannot change once the sale has started' }]);
    // The rest of the door may be retuned live.
    d.exec({ type: 'updateEvent', patch: { door: { powFloor: 2, powCeiling: 5 } } });
    expect(d.sale.config.door).toMatchObject({ startWindowMs: 10 * SECOND, powFloor: 2, powCeiling: 5 });
  });
});

describe('join budgets and the slow lane', () => {
  it('delays the k-th join over an address budget by k budget intervals, behind joins within budget', () => {
    // 2 joins a minute: one every 30 s, a burst of 2.
    const d = sale({ startWindowMs: 0, joinsPerAddressPerMin: 2, joinsPerSubnetPerMin: 0, slowLaneMaxDelayMs: 10 * MINUTE });
    d.startSale(MINUTE);
    const t = d.clock.now();
    expect(join(d, 'a1', '198.51.100.7').number).toBe(1);
    expect(join(d, 'a2', '198.51.100.7').number).toBe(2);
    expect(join(d, 'a3', '198.51.100.7')).toMatchObject({ number: 0, status: 'preQueue', numberedAt: t + 30 * SECOND });
    expect(join(d, 'a4', '198.51.100.7')).toMatchObject({ number: 0, numberedAt: t + 60 * SECOND });
    expect(d.journal.at(-1)).toEqual({ type: 'joined', at: t, fanId: 'a4', readyAt: t + 60 * SECOND });
    // Other addresses, and callers without one, are not held up.
    d.advance(SECOND);
    expect(join(d, 'b1', '198.51.100.8').number).toBe(3);
    expect(join(d, 'local').number).toBe(4);
    d.at(t + 30 * SECOND);
    expect(d.fanView('a3').number).toBe(5);
    expect(join(d, 'b2', '203.0.113.1').number).toBe(6);
    d.at(t + 60 * SECOND);
    expect(queueOrder(d, ['a1', 'a2', 'a3', 'a4', 'b1', 'b2', 'local'])).toEqual(['a1', 'a2', 'b1', 'local', 'a3', 'b2', 'a4']);
    expect(d.status().door.slowLaneJoins).toBe(2);
    expect(checkInvariants(d.journal)).toEqual([]);
  });

  it('shares one budget among the addresses of a subnet (/24)', () => {
    const d = sale({ startWindowMs: 0, joinsPerAddressPerMin: 0, joinsPerSubnetPerMin: 3 });
    d.startSale(MINUTE);
    const t = d.clock.now();
    for (const [i, host] of [1, 2, 3, 4].entries()) join(d, `c${i}`, `192.0.2.${host}`);
    expect(d.fanView('c3')).toMatchObject({ number: 0, numberedAt: t + 20 * SECOND });
    expect(join(d, 'other', '192.0.3.1').number).toBe(4);
  });

  it('never delays a join by more than slowLaneMaxDelayMs, however far over budget', () => {
    const d = sale({ startWindowMs: 0, joinsPerAddressPerMin: 1, slowLaneMaxDelayMs: 45 * SECOND });
    d.startSale(MINUTE);
    const t = d.clock.now();
    const delays = Array.from({ length: 6 }, (_, i) => (join(d, `s${i}`, '198.51.100.9').numberedAt ?? t) - t);
    expect(delays).toEqual([0, 45 * SECOND, 45 * SECOND, 45 * SECOND, 45 * SECOND, 45 * SECOND]);
  });

  it('a slow-lane join in the window or the pre-queue is drawn with them: the delay only counts when it crosses a draw', () => {
    const d = sale({ startWindowMs: WINDOW, joinsPerAddressPerMin: 1, slowLaneMaxDelayMs: 10 * MINUTE });
    d.at(PRE_QUEUE_AT);
    join(d, 'p1', '198.51.100.7');
    expect(join(d, 'p2', '198.51.100.7')).toMatchObject({ number: 0, numberedAt: ON_SALE_AT + WINDOW });
    d.at(ON_SALE_AT - 45 * SECOND);
    join(d, 'p3', '198.51.100.7');
    // Its readyAt (a minute on) falls in the start window: drawn with the pre-queue all the same.
    expect(join(d, 'p4', '198.51.100.7')).toMatchObject({ numberedAt: ON_SALE_AT + WINDOW });
    expect(d.journal.at(-1)).toMatchObject({ type: 'joined', draw: 'preQueue' });
    // Its readyAt (a minute on) is past the window: numbered then, after the draw.
    d.at(ON_SALE_AT);
    join(d, 'w1', '198.51.100.8');
    expect(join(d, 'w2', '198.51.100.8')).toMatchObject({ numberedAt: ON_SALE_AT + MINUTE });
    d.at(ON_SALE_AT + WINDOW);
    expect(queueOrder(d, ['p1', 'p2', 'p3', 'p4', 'w1', 'w2'])).toEqual(d.drawOrder(['p1', 'p2', 'p3', 'p4', 'w1'], d.status().seed!));
    d.at(ON_SALE_AT + MINUTE);
    expect(d.fanView('w2').number).toBe(6);
    expect(checkInvariants(d.journal)).toEqual([]);
  });

  it('restores the slow lane and the window draw exactly from the journal', () => {
    const d = sale({ startWindowMs: WINDOW, joinsPerAddressPerMin: 1, slowLaneMaxDelayMs: 10 * MINUTE });
    d.at(PRE_QUEUE_AT);
    join(d, 'p1', '198.51.100.7');
    d.startSale(SECOND);
    join(d, 'w1', '198.51.100.8');
    join(d, 'w2', '198.51.100.8');
    d.at(ON_SALE_AT + WINDOW + SECOND);
    join(d, 'l1', '198.51.100.9');
    join(d, 'l2', '198.51.100.9');
    join(d, 'l3', '198.51.100.9');
    const fans = ['p1', 'w1', 'w2', 'l1', 'l2', 'l3'];
    const copy = d.restored();
    expect(copy.status()).toEqual(d.status());
    for (const fanId of fans) expect(copy.fanView(fanId)).toEqual(d.fanView(fanId));
    d.advance(3 * MINUTE);
    copy.advance(3 * MINUTE);
    for (const fanId of fans) expect(copy.fanView(fanId)).toEqual(d.fanView(fanId));
    expect(copy.journal).toEqual(d.journal);
  });
});

describe('the proof of work the door asks for', () => {
  it('refuses a new place whose proof is below the floor, and changes nothing', () => {
    const d = sale({ startWindowMs: 0, powFloor: 6, powCeiling: 6 });
    d.startSale();
    expect(refused(d, () => join(d, 'a', '198.51.100.7', 5))).toEqual({ difficulty: 6, provided: 5 });
    refused(d, () => join(d, 'a'));
    expect(join(d, 'a', '198.51.100.7', 6).number).toBe(1);
    expect(join(d, 'b', undefined, 9).number).toBe(2);
    expect(d.status().door).toMatchObject({ powRefusals: 2, difficultyNow: 6 });
  });

  it('lets a fan whose place is present resume it without proof, but a fan who left goes through the door again', () => {
    const d = sale({ startWindowMs: 0, powFloor: 4, powCeiling: 4 });
    d.startSale();
    const first = join(d, 'a', '198.51.100.7', 4);
    expect(join(d, 'a', '198.51.100.7', 0)).toEqual(first);
    d.leave('a');
    refused(d, () => join(d, 'a', '198.51.100.7', 0));
    expect(join(d, 'a', '198.51.100.7', 4).number).toBe(first.number + 1);
  });

  it("rises a bit per doubling of a subnet's join rate over its budget, and falls back as it calms down", () => {
    const d = sale({ startWindowMs: 0, joinsPerSubnetPerMin: 10, joinsPerAddressPerMin: 0, powFloor: 2, powCeiling: 5 });
    d.startSale(MINUTE);
    const required = (address: string) => d.sale.door.requiredBits(d.sale.config.door, address, d.clock.now());
    let joins = 0;
    const burst = (n: number) => {
      for (let i = 0; i < n; i++) join(d, `bot${joins++}`, `192.0.2.${i % 200}`, 28);
    };
    expect(required('192.0.2.1')).toBe(2);
    burst(10);
    expect(required('192.0.2.1')).toBe(2); // at the budget: the floor
    burst(1);
    expect(required('192.0.2.1')).toBe(3); // over it
    burst(10);
    expect(required('192.0.2.1')).toBe(4); // over twice the budget
    burst(60);
    expect(required('192.0.2.1')).toBe(5); // the ceiling, not 6
    expect(required('198.51.100.1')).toBe(2); // another subnet still needs only the floor
    const err = errorOf(() => join(d, 'fan', '192.0.2.77', 4));
    expect(err.details).toMatchObject({ difficulty: 5 });
    // 81 joins decay to about 30 a minute later (3× the budget), to about 11 the minute after.
    d.advance(MINUTE);
    expect(required('192.0.2.1')).toBe(4);
    d.advance(MINUTE);
    expect(required('192.0.2.1')).toBe(3);
    d.advance(5 * MINUTE);
    expect(required('192.0.2.1')).toBe(2);
  });

  it("rises with the event's load above the baseline, rebuilt exactly by a restore", () => {
    const door = new Door();
    const config: DoorConfig = { startWindowMs: 0, joinsPerAddressPerMin: 0, joinsPerSubnetPerMin: 0, slowLaneMaxDelayMs: 0, powFloor: 1, powCeiling: 10 };
    const t = 1_000_000;
    for (let i = 0; i < LOAD_BASELINE_PER_MIN; i++) door.noteJoin(t);
    expect(door.requiredBits(config, undefined, t)).toBe(1);
    for (let i = 0; i < LOAD_BASELINE_PER_MIN * 3; i++) door.noteJoin(t);
    expect(door.requiredBits(config, '198.51.100.7', t)).toBe(3); // 4× the baseline: +2 bits
    expect(door.figures(config, t)).toMatchObject({ difficultyNow: 3, recentJoinsPerMin: 4 * LOAD_BASELINE_PER_MIN });
    expect(door.requiredBits(config, undefined, t + 3 * MINUTE)).toBe(1);
  });

  it('is bounded by powFloor ≤ powCeiling ≤ 28 in the configuration', () => {
    const d = sale({});
    const err = d.rejects(() => d.exec({ type: 'updateEvent', patch: { door: { powFloor: 8, powCeiling: 4 } } }), 'INVALID_CONFIG');
    expect(err.details.issues).toEqual([{ field: 'door.powCeiling', reason: 'must be at least powFloor (8)' }]);
    const high = d.rejects(() => d.exec({ type: 'updateEvent', patch: { door: { powCeiling: 29 } } }), 'INVALID_CONFIG');
    expect(high.details.issues).toEqual([{ field: 'door.powCeiling', reason: 'must be an integer between 0 and 28, got 29' }]);
  });
});

describe('compaction of left places', () => {
  it('keeps the room bounded through many join-and-leave cycles, with fresh ids and with one id', () => {
    const d = sale({ startWindowMs: 0 });
    d.startSale();
    const stay = d.joinMany(10, 'stay');
    for (let i = 0; i < 20_000; i++) {
      const fanId = i % 2 === 0 ? `bot-${i}` : 'again';
      d.join(fanId);
      d.leave(fanId);
    }
    const room = d.sale.room;
    expect(room.joinedCount).toBe(20_010);
    expect(room.slotCapacity).toBeLessThanOrEqual(2048 + 10);
    expect(room.slotsInUse).toBeLessThanOrEqual(1024 + 1024 + 10);
    // The places that stayed are untouched, and a recycled fan is simply unknown.
    expect(queueOrder(d, stay)).toEqual(stay);
    expect(d.fanView('stay10')).toMatchObject({ number: 10, status: 'waiting' });
    expect(room.place('bot-0')).toBeUndefined();
    expect(checkInvariants(d.journal)).toEqual([]);
    // A restored room recycles the same slots: same views, same next numbers.
    const copy = d.restored();
    expect(copy.join('new').number).toBe(d.join('new').number);
  });
});

describe('a slow-lane place whose draws moved later', () => {
  it('is numbered after the pre-queue and window draws even when the on-sale time moved past its readyAt', () => {
    const d = sale({ startWindowMs: 10 * SECOND, joinsPerAddressPerMin: 1, slowLaneMaxDelayMs: 10 * MINUTE });
    d.at(ON_SALE_AT - 30 * SECOND);
    join(d, 'p1', '198.51.100.7');
    // Over budget: ready a minute on, after the window closes, so numbered at its readyAt.
    expect(join(d, 'slow', '198.51.100.7')).toMatchObject({ numberedAt: ON_SALE_AT + 30 * SECOND });
    d.exec({ type: 'updateEvent', patch: { onSaleAt: ON_SALE_AT + 5 * MINUTE } });
    d.at(ON_SALE_AT + MINUTE); // past its readyAt, still before the (moved) on-sale time
    expect(d.fanView('slow')).toMatchObject({ number: 0, numberedAt: ON_SALE_AT + 5 * MINUTE + 10 * SECOND });
    join(d, 'p2', '198.51.100.8');
    d.at(ON_SALE_AT + 5 * MINUTE + 10 * SECOND);
    expect(d.fanView('slow').number).toBe(3);
    expect(checkInvariants(d.journal)).toEqual([]);
  });
});

describe('the pace tables', () => {
  it('stay bounded under a spray of fresh addresses, forgetting idle keys first', () => {
    const table = new PaceTable(1_000);
    const t = 1_000_000;
    // A key deep in debt (over budget), then a spray of one-off addresses a second apart.
    for (let i = 0; i < 5; i++) table.charge('debtor', t, 1, MINUTE);
    for (let i = 0; i < 20_000; i++) table.charge(`10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`, t + i * SECOND, 30, MINUTE);
    expect(table.size).toBeLessThanOrEqual(1_000);
    // Only keys whose budget is full and whose rate has decayed are forgotten first; the spray's newest are kept.
    expect(table.recentRate('10.0.78.31', t + 19_999 * SECOND)).toBeGreaterThan(0.9);
  });

  it('charge, rate and forget exactly as a Map of paces in insertion order does', () => {
    const op = fc.record({
      key: fc.integer({ min: 0, max: 20 }),
      times: fc.integer({ min: 1, max: 8 }),
      stepMs: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 5 * SECOND }), fc.integer({ min: 1, max: 6 * MINUTE })),
      perMinute: fc.constantFrom(0, 1, 6, 30, 600),
      maxDelayMs: fc.constantFrom(0, MINUTE, 15 * MINUTE),
      rateOf: fc.integer({ min: 0, max: 20 }),
    });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.array(op, { maxLength: 300 }), (maxKeys, ops) => {
        const table = new PaceTable(maxKeys);
        const model = new MapPaces(maxKeys);
        let now = 1_000_000;
        for (const { key, times, stepMs, perMinute, maxDelayMs, rateOf } of ops) {
          now += stepMs;
          for (let i = 0; i < times; i++) expect(table.charge(`k${key}`, now, perMinute, maxDelayMs)).toBe(model.charge(`k${key}`, now, perMinute, maxDelayMs));
          expect(table.recentRate(`k${rateOf}`, now)).toBe(model.recentRate(`k${rateOf}`, now));
          expect(table.size).toBe(model.size);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('remember a key that is over budget while idle keys are there to forget', () => {
    const table = new PaceTable(100);
    const t = 1_000_000;
    for (let i = 0; i < 90; i++) table.charge(`idle-${i}`, t, 30, MINUTE);
    for (let i = 0; i < 5; i++) table.charge('debtor', t + 10 * MINUTE, 1, MINUTE);
    for (let i = 0; i < 20; i++) table.charge(`new-${i}`, t + 10 * MINUTE, 30, MINUTE);
    // The idle keys went; the debtor still waits its budget out.
    expect(table.charge('debtor', t + 10 * MINUTE, 1, MINUTE)).toBe(t + 11 * MINUTE);
  });
});

/** The pace table as it was first written (a Map of objects, oldest key first): the reference the columns must match. */
class MapPaces {
  private readonly paces = new Map<string, { tat: number; recent: number; recentAt: number }>();

  constructor(private readonly maxKeys: number) {}

  get size(): number {
    return this.paces.size;
  }

  charge(key: string, now: number, perMinute: number, maxDelayMs: number): number {
    let pace = this.paces.get(key);
    if (pace === undefined) {
      if (this.paces.size >= this.maxKeys) this.forget(now);
      pace = { tat: now, recent: 0, recentAt: now };
      this.paces.set(key, pace);
    }
    pace.recent = decayed(pace, now) + 1;
    pace.recentAt = now;
    if (perMinute <= 0) return now;
    const interval = MINUTE / perMinute;
    const tolerance = MINUTE - interval;
    const tat = Math.max(pace.tat, now);
    pace.tat = Math.min(tat + interval, now + maxDelayMs + tolerance + interval);
    return Math.min(Math.max(now, tat - tolerance), now + maxDelayMs);
  }

  recentRate(key: string, now: number): number {
    const pace = this.paces.get(key);
    return pace === undefined ? 0 : decayed(pace, now);
  }

  private forget(now: number): void {
    for (const [key, pace] of this.paces) if (pace.tat <= now && decayed(pace, now) < 0.05) this.paces.delete(key);
    let excess = this.paces.size - Math.floor(this.maxKeys * 0.9);
    for (const key of this.paces.keys()) {
      if (excess-- <= 0) break;
      this.paces.delete(key);
    }
  }
}

function decayed(pace: { recent: number; recentAt: number }, now: number): number {
  return pace.recent * Math.exp(-Math.max(0, now - pace.recentAt) / RATE_WINDOW_MS);
}
