/**
 * The invariant checker is only worth something if it can fail. Each test here
 * builds (or takes a real journal and tampers with) a journal that breaks one
 * invariant and expects exactly that violation; the last part breaks a live
 * engine on purpose and shows the checks catch it.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../src/clock.js';
import { MINUTE, type EventConfig } from '../src/config/types.js';
import { validateEventConfig } from '../src/config/validate.js';
import { Engine } from '../src/engine.js';
import { isBreakwaterError } from '../src/errors.js';
import type { SaleEvent } from '../src/event/sale-event.js';
import type { HoldView } from '../src/event/views.js';
import { commitmentOf } from '../src/fairness/shuffle.js';
import { deadlineOf } from '../src/inventory/hold-book.js';
import type { HoldRequest } from '../src/inventory/inventory.js';
import { checkInvariants, type InvariantViolation } from '../src/invariants.js';
import type { Allocation, JournalEntry } from '../src/journal/entries.js';
import { TEST_SEEDS, drawOrderOf, testPseudonym } from './fixtures.js';

const T0 = Date.UTC(2030, 0, 1, 10);
const SECOND = 1000;
const EVENT = 'checker-ev';
const SEED = 'a5'.repeat(32);

/** GA tier "ga" (4 tickets) and one row of four reserved seats S-1-1 … S-1-4; at most 2 tickets a fan. */
function config(overrides: Record<string, unknown> = {}): EventConfig {
  return validateEventConfig({
    id: EVENT,
    name: 'Checker night',
    preQueueOpensAt: T0,
    onSaleAt: T0 + MINUTE,
    closesAt: T0 + 60 * MINUTE,
    inventory: {
      tiers: [{ id: 'ga', name: 'Standing', price: 3000, quantity: 4 }],
      sections: [
        {
          id: 'S',
          name: 'Stalls',
          rows: [{ id: '1', seats: [1, 2, 3, 4].map((n) => ({ label: String(n), category: 'A', rank: n })) }],
        },
      ],
    },
    maxTicketsPerFan: 2,
    paymentWindowMs: 5 * MINUTE,
    admission: { mode: 'auto' },
    // The start window has tests of its own (door.test.ts): here fans after the start are numbered on arrival.
    door: { startWindowMs: 0 },
    ...overrides,
  });
}

/** Which invariants the violations name, in the order found. */
const names = (violations: readonly InvariantViolation[]) => violations.map((v) => v.invariant);

// ── Hand-built journals ─────────────────────────────────────────────────

/** A tiny journal writer: entries at increasing instants, holds numbered h1, h2, … */
class Journal {
  readonly entries: JournalEntry[] = [];
  private at = T0;
  private holds = 0;
  private started = false;

  constructor(private readonly cfg: EventConfig = config()) {
    this.push({ type: 'created', at: this.at, config: cfg });
    this.push({ type: 'published', at: this.at });
    this.push({ type: 'preQueueOpened', at: this.at, commitment: commitmentOf(SEED), sealedSeed: TEST_SEEDS.seal(SEED) });
  }

  private push(entry: JournalEntry): void {
    this.entries.push(entry);
    this.at += SECOND;
  }

  /** The sale starts (no start window): every fan already in the pre-queue is shuffled with SEED. */
  start(): this {
    const shuffled = new Set<string>();
    for (const e of this.entries) {
      if (e.type === 'joined') shuffled.add(e.fanId);
      if (e.type === 'left') shuffled.delete(e.fanId);
    }
    this.at = Math.max(this.at, this.cfg.onSaleAt);
    this.push({ type: 'saleStarted', at: this.at });
    this.push({ type: 'drawn', at: this.at, draw: 'preQueue', seed: SEED, count: shuffled.size });
    this.started = true;
    return this;
  }

  join(...fanIds: string[]): this {
    for (const fanId of fanIds) this.push(this.started ? { type: 'joined', at: this.at, fanId } : { type: 'joined', at: this.at, fanId, draw: 'preQueue', pseudonym: testPseudonym(fanId) });
    return this;
  }

  leave(fanId: string): this {
    this.push({ type: 'left', at: this.at, fanId, reason: 'left' });
    return this;
  }

  admit(...fanIds: string[]): this {
    this.push({ type: 'admitted', at: this.at, fanIds, firstGrant: 1, grantExpiresAt: this.at + MINUTE });
    return this;
  }

  /** Records a hold and returns its id. */
  hold(fanId: string, allocation: Allocation): string {
    const holdId = `h${++this.holds}`;
    this.push({
      type: 'held', at: this.at, fanId, holdId, grantId: `g${this.holds}`, key: `k${this.holds}`,
      fingerprint: `hold:${holdId}`, allocation, expiresAt: this.at + 5 * MINUTE,
    });
    return holdId;
  }

  purchase(holdId: string): this {
    this.push({ type: 'purchased', at: this.at, holdId, paymentId: `pay-${holdId}` });
    return this;
  }

  expire(holdId: string): this {
    this.push({ type: 'expired', at: this.at, holdId });
    return this;
  }

  release(holdId: string): this {
    this.push({ type: 'released', at: this.at, holdId, key: `r-${holdId}` });
    return this;
  }

  /** Any other entry, at the next instant. */
  add(entry: DistributiveOmit<JournalEntry, 'at'>): this {
    this.push({ ...entry, at: this.at } as JournalEntry);
    return this;
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

const tickets = (quantity: number): Allocation => ({ tierId: 'ga', quantity });
const seats = (...seatIds: string[]): Allocation => ({ seatIds, quantity: seatIds.length });

describe('checkInvariants on hand-built journals', () => {
  it('passes a journal that keeps every invariant', () => {
    const j = new Journal().join('p1', 'p2').start();
    const order = drawOrderOf(j.entries, ['p1', 'p2'], SEED);
    j.admit(order[0]!).admit(order[1]!).join('late').admit('late');
    const h1 = j.hold('p1', tickets(2));
    const h2 = j.hold('p2', seats('S-1-1', 'S-1-2'));
    const h3 = j.hold('late', seats('S-1-3'));
    j.purchase(h1).purchase(h2).release(h3);
    // Released tickets leave the fan's count, and a released seat can be held again.
    const h4 = j.hold('late', seats('S-1-3', 'S-1-4'));
    j.expire(h4);
    expect(checkInvariants(j.entries)).toEqual([]);
    expect(checkInvariants(j.entries, { requireAllHoldsEnded: true })).toEqual([]);
  });

  it('reports a journal that does not start with "created"', () => {
    const violations = checkInvariants(new Journal().start().entries.slice(1));
    expect(violations).toHaveLength(1);
    expect(violations[0]!.message).toMatch(/created/);
  });

  it('catches a seat held twice at once', () => {
    const j = new Journal().start();
    j.hold('a', seats('S-1-1', 'S-1-2'));
    const h2 = j.hold('b', seats('S-1-2'));
    j.release(h2);
    expect(names(checkInvariants(j.entries))).toEqual(['seatHeldTwice']);
  });

  it('catches a seat sold twice', () => {
    const j = new Journal().start();
    const h1 = j.hold('a', seats('S-1-1'));
    const h2 = j.hold('b', seats('S-1-1'));
    j.purchase(h1).purchase(h2);
    // The second hold of the seat is the first sign; the second sale is reported too.
    expect(names(checkInvariants(j.entries))).toEqual(['seatHeldTwice', 'seatSoldTwice']);
  });

  it('catches a hold of a seat that does not exist', () => {
    const j = new Journal().start();
    j.hold('a', seats('S-9-9'));
    const violations = checkInvariants(j.entries);
    expect(violations).toHaveLength(1);
    expect(violations[0]!.message).toMatch(/S-9-9 does not exist/);
  });

  it('passes refunds due for late and second successes, each reported done once', () => {
    const j = new Journal().join('a', 'b').start();
    const h1 = j.hold('a', tickets(1));
    const h2 = j.hold('b', tickets(1));
    j.purchase(h1).expire(h2);
    j.add({ type: 'refundDue', holdId: h1, paymentId: 'second', reason: 'alreadyPaid' });
    j.add({ type: 'refundDue', holdId: h2, paymentId: 'late', reason: 'holdEnded' });
    j.add({ type: 'refunded', holdId: h2, paymentId: 'late' });
    expect(checkInvariants(j.entries)).toEqual([]);
  });

  it('catches a refund due for a payment that bought its hold, before or after', () => {
    const j = new Journal().start();
    const h1 = j.hold('a', tickets(1));
    j.purchase(h1).add({ type: 'refundDue', holdId: h1, paymentId: `pay-${h1}`, reason: 'alreadyPaid' });
    const h2 = j.hold('b', tickets(1));
    j.add({ type: 'refundDue', holdId: h2, paymentId: `pay-${h2}`, reason: 'otherAttempt' }).purchase(h2);
    expect(names(checkInvariants(j.entries))).toEqual(['refundOfPurchase', 'refundOfPurchase']);
  });

  it('catches two refunds due for one payment, and refunds reported twice or never due', () => {
    const j = new Journal().start();
    const h1 = j.hold('a', tickets(1));
    j.expire(h1);
    j.add({ type: 'refundDue', holdId: h1, paymentId: 'late', reason: 'holdEnded' });
    j.add({ type: 'refundDue', holdId: h1, paymentId: 'late', reason: 'holdEnded' });
    j.add({ type: 'refunded', holdId: h1, paymentId: 'late' });
    j.add({ type: 'refunded', holdId: h1, paymentId: 'late' });
    j.add({ type: 'refunded', holdId: h1, paymentId: 'never-due' });
    expect(names(checkInvariants(j.entries))).toEqual(['refundDueTwice', 'refundUnfounded', 'refundUnfounded']);
  });

  it('passes a cancelled order whose seats are held and sold again, its refund due and done, and the fan buying again', () => {
    const j = new Journal().start();
    const h1 = j.hold('a', seats('S-1-1', 'S-1-2'));
    j.purchase(h1);
    j.add({ type: 'orderCancelled', holdId: h1, paymentId: `pay-${h1}`, reason: 'duplicate order' });
    j.add({ type: 'refundDue', holdId: h1, paymentId: `pay-${h1}`, reason: 'orderCancelled' });
    j.add({ type: 'refunded', holdId: h1, paymentId: `pay-${h1}` });
    // The seats are free again, and fan a (limit 2) may take two more.
    const h2 = j.hold('b', seats('S-1-1'));
    const h3 = j.hold('a', seats('S-1-2', 'S-1-3'));
    j.purchase(h2).purchase(h3);
    expect(checkInvariants(j.entries, { requireAllHoldsEnded: true })).toEqual([]);
  });

  it('catches an order cancelled though never bought, or twice', () => {
    const j = new Journal().start();
    const h1 = j.hold('a', seats('S-1-1'));
    j.add({ type: 'orderCancelled', holdId: h1, paymentId: `pay-${h1}`, reason: '' });
    j.purchase(h1);
    j.add({ type: 'orderCancelled', holdId: h1, paymentId: `pay-${h1}`, reason: '' });
    j.add({ type: 'orderCancelled', holdId: h1, paymentId: `pay-${h1}`, reason: '' });
    expect(names(checkInvariants(j.entries))).toEqual(['cancelledUnsold', 'cancelledUnsold']);
    // Once cancelled the seat is free: holding it again is fine; a seat never cancelled stays sold (see "a seat sold twice").
    j.hold('b', seats('S-1-1'));
    expect(names(checkInvariants(j.entries))).toEqual(['cancelledUnsold', 'cancelledUnsold']);
  });

  it('catches a refund for a cancelled order that was not cancelled, and a sell-out while a cancelled ticket is unsold', () => {
    const j = new Journal(config({ inventory: { tiers: [{ id: 'ga', name: 'Standing', price: 3000, quantity: 2 }] } })).start();
    const h1 = j.hold('a', tickets(2));
    j.purchase(h1).add({ type: 'refundDue', holdId: h1, paymentId: `pay-${h1}`, reason: 'orderCancelled' });
    expect(names(checkInvariants(j.entries))).toEqual(['refundOfPurchase']);
    const k = new Journal(config({ inventory: { tiers: [{ id: 'ga', name: 'Standing', price: 3000, quantity: 2 }] } })).start();
    const k1 = k.hold('a', tickets(2));
    k.purchase(k1).add({ type: 'soldOut' });
    expect(checkInvariants(k.entries)).toEqual([]);
    k.add({ type: 'orderCancelled', holdId: k1, paymentId: `pay-${k1}`, reason: '' }).add({ type: 'soldOut' });
    expect(names(checkInvariants(k.entries))).toEqual(['soldOutEarly']);
  });

  it('catches a hold bought twice', () => {
    const j = new Journal().start();
    const h1 = j.hold('a', tickets(1));
    j.purchase(h1).add({ type: 'purchased', holdId: h1, paymentId: 'second' });
    expect(names(checkInvariants(j.entries))).toEqual(['holdEndedTwice']);
  });

  it('catches a tier sold over its capacity', () => {
    const j = new Journal().start();
    const h1 = j.hold('a', tickets(2));
    const h2 = j.hold('b', tickets(2));
    const h3 = j.hold('c', tickets(1));
    j.purchase(h1).purchase(h2).purchase(h3);
    expect(names(checkInvariants(j.entries))).toEqual(['tierOversold']);
  });

  it('catches a fan over the per-fan limit across open holds', () => {
    const j = new Journal().start();
    j.hold('a', tickets(2));
    j.hold('a', seats('S-1-1'));
    expect(names(checkInvariants(j.entries))).toEqual(['perFanLimit']);
  });

  it('catches a fan over the per-fan limit across a purchase and a later hold', () => {
    const j = new Journal().start();
    const h1 = j.hold('a', seats('S-1-1', 'S-1-2'));
    j.purchase(h1);
    j.hold('a', tickets(1));
    expect(names(checkInvariants(j.entries))).toEqual(['perFanLimit']);
  });

  it('catches a single hold over the per-fan limit, against the limit in force at the time', () => {
    const j = new Journal(config({ maxTicketsPerFan: 1 })).start();
    j.hold('a', tickets(2));
    expect(names(checkInvariants(j.entries))).toEqual(['perFanLimit']);
  });

  it('catches a hold that ends twice', () => {
    const j = new Journal().start();
    const h1 = j.hold('a', tickets(1));
    j.expire(h1).purchase(h1);
    expect(names(checkInvariants(j.entries))).toEqual(['holdEndedTwice']);
  });

  it('catches a hold that ends without ever being held', () => {
    const j = new Journal().start().release('h99');
    expect(names(checkInvariants(j.entries))).toEqual(['holdEndedTwice']);
  });

  it('catches a hold left unresolved, only when every hold must have ended', () => {
    const j = new Journal().start();
    const h1 = j.hold('a', tickets(1));
    j.hold('b', tickets(1));
    j.purchase(h1);
    expect(checkInvariants(j.entries)).toEqual([]);
    const violations = checkInvariants(j.entries, { requireAllHoldsEnded: true });
    expect(names(violations)).toEqual(['holdUnresolved']);
    expect(violations[0]!.message).toMatch(/h2/);
  });

  it('catches an admission out of arrival order after the start', () => {
    const j = new Journal().start().join('a', 'b', 'c').admit('b');
    expect(names(checkInvariants(j.entries))).toEqual(['admissionOrder']);
    // In order (and skipping a fan who left) is fine.
    const ok = new Journal().start().join('a', 'b', 'c').leave('b').admit('a', 'c');
    expect(checkInvariants(ok.entries)).toEqual([]);
  });

  it('catches an admission of a fan who is not waiting', () => {
    expect(names(checkInvariants(new Journal().start().join('a').admit('ghost').entries))).toEqual(['admissionOrder']);
    expect(names(checkInvariants(new Journal().start().join('a').admit('a').admit('a').entries))).toEqual(['admissionOrder']);
  });

  it('catches a fan numbered again while its numbered place still waits', () => {
    const j = new Journal().start().join('a', 'b').join('a');
    expect(names(checkInvariants(j.entries))).toEqual(['journalMalformed']);
    // Again after leaving is a new place, behind the others.
    expect(checkInvariants(new Journal().start().join('a', 'b').leave('a').join('a').admit('b', 'a').entries)).toEqual([]);
  });

  it('catches an admission before the sale starts', () => {
    expect(names(checkInvariants(new Journal().join('a').admit('a').entries))).toEqual(['admissionOrder']);
  });

  it('catches a pre-queue fan admitted out of shuffle order', () => {
    const preQueue = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6'];
    const order = drawOrderOf(new Journal().join(...preQueue).entries, preQueue, SEED);
    expect(order).not.toEqual(preQueue); // the seed really reorders them
    // Shuffle order, then arrival order after the start: no violation.
    const fair = new Journal().join(...preQueue).start().join('late').admit(...order.slice(0, 2)).admit(...order.slice(2), 'late');
    expect(checkInvariants(fair.entries)).toEqual([]);
    // The second in the shuffle admitted first: exactly one violation.
    const swapped = new Journal().join(...preQueue).start().admit(order[1]!, order[0]!);
    expect(names(checkInvariants(swapped.entries))).toEqual(['admissionOrder']);
    // A late fan admitted ahead of the shuffled pre-queue.
    const jumped = new Journal().join(...preQueue).start().join('late').admit('late');
    expect(names(checkInvariants(jumped.entries))).toEqual(['admissionOrder']);
  });

  it('shuffles only the pre-queue fans still there at the start, in join order', () => {
    const rejoined = new Journal().join('p1', 'p2', 'p3', 'p4').leave('p2').join('p2');
    const order = drawOrderOf(rejoined.entries, ['p1', 'p3', 'p4', 'p2'], SEED); // p2 left and came back: it is last in join order
    const j = rejoined.start().admit(...order);
    expect(checkInvariants(j.entries)).toEqual([]);
    const unshuffled = new Journal().join('p1', 'p2', 'p3', 'p4').leave('p2').join('p2').start();
    // The order p2's first place would have given.
    unshuffled.admit(...drawOrderOf(new Journal().join('p1', 'p2', 'p3', 'p4').entries, ['p1', 'p2', 'p3', 'p4'], SEED));
    expect(names(checkInvariants(unshuffled.entries))).not.toEqual([]);
  });
});

// ── The start window and the slow lane ──────────────────────────────────

describe('checkInvariants on the waitlist rules', () => {
  /** Six fans numbered 1…6; a and b admitted; 2 returnable tickets: c and d stand by, e and f are waitlisted. */
  const waitlisted = () => new Journal().start().join('a', 'b', 'c', 'd', 'e', 'f').admit('a', 'b')
    .add({ type: 'standby', returnable: 2, standby: 2, waitlistAfter: 4 });
  const call = (...fanIds: string[]) => ({ type: 'called' as const, fanIds, firstGrant: 9, grantExpiresAt: T0 + 60 * MINUTE });

  it('passes the standby admitted first, then the waitlist called in order', () => {
    expect(checkInvariants(waitlisted().admit('c', 'd').add(call('e')).entries)).toEqual([]);
  });

  it('a standby place called is a waitlist violation', () => {
    expect(names(checkInvariants(waitlisted().add(call('c')).entries))).toEqual(['waitlistOrder']);
  });

  it('a waitlisted place admitted like a standby one is a waitlist violation', () => {
    expect(names(checkInvariants(waitlisted().admit('c', 'd', 'e').entries))).toEqual(['waitlistOrder']);
  });

  it('a call while a standby place still waits breaks the queue order', () => {
    expect(names(checkInvariants(waitlisted().admit('c').add(call('e')).entries))).toEqual(['admissionOrder']);
  });

  it('a place called twice', () => {
    expect(names(checkInvariants(waitlisted().admit('c', 'd').add(call('e')).add(call('e')).entries))).toContain('calledTwice');
  });

  it('a waitlisted place lost to the presence grace', () => {
    const j = waitlisted().add({ type: 'left', fanId: 'f', reason: 'presenceLost' });
    expect(names(checkInvariants(j.entries))).toEqual(['waitlistOrder']);
  });

  it('a standby size off the formula, and a standby that grows', () => {
    expect(names(checkInvariants(waitlisted().add({ type: 'standby', returnable: 2, standby: 3, waitlistAfter: 4 }).entries))).toEqual(['standbySize']);
    expect(names(checkInvariants(waitlisted().add({ type: 'standby', returnable: 2, standby: 2, waitlistAfter: 5 }).entries))).toEqual(['waitlistOrder']);
  });

  it('sold out while a grant is open or a ticket unsold', () => {
    expect(names(checkInvariants(waitlisted().add({ type: 'soldOut' }).entries))).toEqual(['soldOutEarly']);
  });
});

describe('checkInvariants on the numbering rules', () => {
  const OTHER_SEED = '5b'.repeat(32);
  const ON_SALE = T0 + MINUTE;
  const WINDOW_ENDS = ON_SALE + 10 * SECOND;
  /** One pre-queue fan and five in the window: one cohort, one draw. */
  const windowFans = ['p1', 'w1', 'w2', 'w3', 'w4', 'w5'];
  /** On sale with a 10 s start window, a fan in the pre-queue and five in the window; `after` entries follow. */
  const journal = (...after: JournalEntry[]): JournalEntry[] => [
    { type: 'created', at: T0, config: config({ door: { startWindowMs: 10 * SECOND } }) },
    { type: 'published', at: T0 },
    { type: 'preQueueOpened', at: T0, commitment: commitmentOf(SEED), sealedSeed: TEST_SEEDS.seal(SEED) },
    { type: 'joined', at: T0 + SECOND, fanId: 'p1', draw: 'preQueue', pseudonym: testPseudonym('p1') },
    { type: 'saleStarted', at: ON_SALE },
    ...windowFans.slice(1).map((fanId, i): JournalEntry => ({ type: 'joined', at: ON_SALE + i * SECOND, fanId, draw: 'preQueue', pseudonym: testPseudonym(fanId) })),
    ...after,
  ];
  const drawn = (at = WINDOW_ENDS, seed = SEED): JournalEntry => ({ type: 'drawn', at, draw: 'preQueue', seed, count: windowFans.length });
  const admit = (at: number, ...fanIds: string[]): JournalEntry => ({ type: 'admitted', at, fanIds, firstGrant: 1, grantExpiresAt: at + MINUTE });
  const windowOrder = drawOrderOf(journal(), windowFans, SEED);

  it('passes the pre-queue and the window drawn together at its end and admitted in their shuffled order, before later arrivals', () => {
    expect(windowOrder).not.toEqual(windowFans);
    expect(checkInvariants(journal(drawn(), { type: 'joined', at: WINDOW_ENDS + 1, fanId: 'late' }, admit(WINDOW_ENDS + 2, ...windowOrder, 'late')))).toEqual([]);
  });

  it('catches a window drawn early, with another seed, or arrivals put in the wrong draw', () => {
    expect(names(checkInvariants(journal(drawn(WINDOW_ENDS - 1))))).toEqual(['numberingOrder']);
    expect(names(checkInvariants(journal(drawn(WINDOW_ENDS, OTHER_SEED))))).toContain('numberingOrder');
    // An arrival after the window numbered on arrival before the window was drawn.
    expect(names(checkInvariants(journal({ type: 'joined', at: WINDOW_ENDS + 1, fanId: 'late' }, drawn(WINDOW_ENDS + 2))))).toEqual(['numberingOrder']);
    // An arrival inside the window numbered on arrival.
    expect(names(checkInvariants(journal({ type: 'joined', at: ON_SALE + 9 * SECOND, fanId: 'eager' })))).toEqual(['numberingOrder']);
  });

  it('catches a draw whose revealed seed does not match the commitment published when the pre-queue opened', () => {
    const forged = journal(drawn()).map((e) => (e.type === 'preQueueOpened' ? { ...e, commitment: commitmentOf(OTHER_SEED) } : e));
    expect(checkInvariants(forged)).toEqual([{ invariant: 'numberingOrder', message: 'draw preQueue: the commitment is not SHA-256 of the seed it revealed' }]);
  });

  it('catches a later arrival admitted ahead of the window, or the window out of its shuffled order', () => {
    const late: JournalEntry = { type: 'joined', at: WINDOW_ENDS + 1, fanId: 'late' };
    expect(names(checkInvariants(journal(drawn(), late, admit(WINDOW_ENDS + 2, 'late'))))).toEqual(['admissionOrder']);
    expect(names(checkInvariants(journal(drawn(), admit(WINDOW_ENDS + 2, windowOrder[1]!))))).toEqual(['admissionOrder']);
  });

  it('passes slow-lane places numbered at their readyAt, by readyAt then join order, behind earlier arrivals', () => {
    const t = WINDOW_ENDS + MINUTE;
    const fair = journal(
      drawn(),
      { type: 'joined', at: t, fanId: 's1', readyAt: t + 20 * SECOND },
      { type: 'joined', at: t + 1, fanId: 's2', readyAt: t + 10 * SECOND },
      { type: 'joined', at: t + 2, fanId: 'quick' },
      { type: 'numbered', at: t + 25 * SECOND, fanIds: ['s2', 's1'] },
      { type: 'joined', at: t + 26 * SECOND, fanId: 'later' },
      admit(t + 27 * SECOND, ...windowOrder, 'quick', 's2', 's1', 'later'),
    );
    expect(checkInvariants(fair)).toEqual([]);
  });

  it('catches slow-lane places numbered out of order, too early, or overtaken after their readyAt came', () => {
    const t = WINDOW_ENDS + MINUTE;
    const slow: JournalEntry[] = [
      drawn(),
      { type: 'joined', at: t, fanId: 's1', readyAt: t + 20 * SECOND },
      { type: 'joined', at: t + 1, fanId: 's2', readyAt: t + 10 * SECOND },
    ];
    expect(names(checkInvariants(journal(...slow, { type: 'numbered', at: t + 25 * SECOND, fanIds: ['s1', 's2'] })))).toEqual(['numberingOrder']);
    expect(names(checkInvariants(journal(...slow, { type: 'numbered', at: t + 15 * SECOND, fanIds: ['s2', 's1'] })))).toEqual(['numberingOrder']);
    expect(names(checkInvariants(journal(...slow, { type: 'joined', at: t + 11 * SECOND, fanId: 'jumper' })))).toEqual(['numberingOrder']);
  });

  it('forgets a slow-lane place that left, even when the fan joins again with a later readyAt', () => {
    const t = WINDOW_ENDS + MINUTE;
    const rejoined = journal(
      drawn(),
      { type: 'joined', at: t, fanId: 's1', readyAt: t + 10 * SECOND },
      { type: 'left', at: t + 1, fanId: 's1', reason: 'left' },
      { type: 'joined', at: t + 2, fanId: 's1', readyAt: t + 30 * SECOND },
      { type: 'joined', at: t + 15 * SECOND, fanId: 'quick' },
      { type: 'numbered', at: t + 30 * SECOND, fanIds: ['s1'] },
    );
    expect(checkInvariants(rejoined)).toEqual([]);
    // Had s1 stayed, its first place was due before quick arrived.
    const stayed = rejoined.filter((e) => e.type !== 'left' && !(e.type === 'joined' && e.fanId === 's1' && e.at === t + 2));
    expect(names(checkInvariants(stayed))).toContain('numberingOrder');
  });

  it('numbers many slow-lane places, joined in any order, by readyAt then join order', () => {
    const t = WINDOW_ENDS + MINUTE;
    const readyAts = Array.from({ length: 200 }, (_, i) => t + 1 + ((i * 7919) % 61) * SECOND);
    const joins = readyAts.map((readyAt, i): JournalEntry => ({ type: 'joined', at: t, fanId: `s${i}`, readyAt }));
    const byReadyAt = readyAts.map((readyAt, i) => ({ readyAt, i })).sort((a, b) => a.readyAt - b.readyAt || a.i - b.i).map(({ i }) => `s${i}`);
    const at = t + 61 * SECOND;
    expect(checkInvariants(journal(drawn(), ...joins, { type: 'numbered', at, fanIds: byReadyAt }))).toEqual([]);
    const swapped = [...byReadyAt];
    [swapped[100], swapped[101]] = [swapped[101]!, swapped[100]!];
    expect(names(checkInvariants(journal(drawn(), ...joins, { type: 'numbered', at, fanIds: swapped })))).toEqual(['numberingOrder']);
  });
});

// ── A real journal, tampered with ───────────────────────────────────────

function seededRandomBytes(seed: string): (n: number) => Uint8Array {
  let counter = 0;
  return (n) => Uint8Array.from(createHash('sha256').update(`${seed}:${counter++}`).digest().subarray(0, n));
}

/** A live engine on a simulated clock, with the event published. */
function liveSale(overrides: Record<string, unknown> = {}) {
  const clock = new SimulatedClock(T0);
  const engine = new Engine({ clock, randomBytes: seededRandomBytes('live'), seeds: TEST_SEEDS });
  engine.createEvent(config(overrides), { publish: true });
  const sale = engine.event(EVENT);
  const run = <T = unknown>(cmd: Record<string, unknown>): T => engine.execute({ eventId: EVENT, ...cmd }) as T;
  const grantOf = (fanId: string): string => {
    const grant = sale.fanView(fanId).grant;
    if (grant === undefined) throw new Error(`${fanId} has no open grant`);
    return grant.grantId;
  };
  const hold = (fanId: string, request: HoldRequest, key = `${fanId}-hold`) =>
    run<HoldView>({ type: 'hold', fanId, grantId: grantOf(fanId), key, request });
  const journal = () => engine.journal.read(EVENT);
  /** Close, let every deadline pass, tick. */
  const finish = () => {
    if (sale.phase !== 'closed') run({ type: 'close' });
    let last = clock.now();
    for (const h of sale.holds.activeHolds()) last = Math.max(last, deadlineOf(h));
    clock.set(last + 1);
    engine.tick();
  };
  return { clock, engine, sale, run, hold, journal, finish };
}

/**
 * Four fans in the pre-queue, shuffled and admitted at the start; they hold GA
 * tickets and seats; two buy, one releases, one buys a single GA ticket.
 */
function realJournal() {
  const live = liveSale();
  const { clock, engine, run, hold, journal, finish } = live;
  for (const fanId of ['p1', 'p2', 'p3', 'p4']) run({ type: 'join', fanId });
  clock.advance(MINUTE);
  engine.tick();
  const [a, b, c, d] = (journal().find((e) => e.type === 'admitted') as Extract<JournalEntry, { type: 'admitted' }>).fanIds;
  const h1 = hold(a!, { kind: 'tickets', tierId: 'ga', quantity: 2 });
  const h2 = hold(b!, { kind: 'seats', seatIds: ['S-1-1', 'S-1-2'] });
  const h3 = hold(c!, { kind: 'seats', seatIds: ['S-1-3'] });
  const h4 = hold(d!, { kind: 'tickets', tierId: 'ga', quantity: 1 });
  run({ type: 'confirmPurchase', holdId: h1.holdId, paymentId: 'pay-1' });
  run({ type: 'startPayment', fanId: b, holdId: h2.holdId, paymentId: 'pay-2', key: 'pay' });
  run({ type: 'confirmPurchase', holdId: h2.holdId, paymentId: 'pay-2' });
  run({ type: 'releaseHold', fanId: c, holdId: h3.holdId, key: 'release' });
  run({ type: 'confirmPurchase', holdId: h4.holdId, paymentId: 'pay-4' });
  finish();
  return { entries: structuredClone([...journal()]), holds: [h1.holdId, h2.holdId, h3.holdId, h4.holdId] as const };
}

describe('checkInvariants on a real journal, tampered with', () => {
  const { entries, holds } = realJournal();
  const [h1, , h3, h4] = holds;
  const index = (predicate: (e: JournalEntry) => boolean) => {
    const i = entries.findIndex(predicate);
    if (i < 0) throw new Error('entry not found');
    return i;
  };
  const tampered = (change: (copy: JournalEntry[]) => void) => {
    const copy = structuredClone(entries);
    change(copy);
    return copy;
  };

  it('the real journal keeps every invariant', () => {
    expect(entries.filter((e) => e.type === 'admitted').flatMap((e) => (e as { fanIds: string[] }).fanIds)).toHaveLength(4);
    expect(checkInvariants(entries, { requireAllHoldsEnded: true })).toEqual([]);
  });

  it('a purchase recorded twice ends a hold twice', () => {
    const j = tampered((copy) => copy.splice(index((e) => e.type === 'purchased' && e.holdId === h1) + 1, 0, copy[index((e) => e.type === 'purchased' && e.holdId === h1)]!));
    expect(names(checkInvariants(j))).toEqual(['holdEndedTwice']);
  });

  it('a hold pointed at a seat already held holds it twice', () => {
    const j = tampered((copy) => {
      (copy[index((e) => e.type === 'held' && e.holdId === h3)] as Extract<JournalEntry, { type: 'held' }>).allocation.seatIds = ['S-1-1'];
    });
    expect(names(checkInvariants(j))).toEqual(['seatHeldTwice']);
  });

  it('that hold bought instead of released sells the seat twice', () => {
    const j = tampered((copy) => {
      (copy[index((e) => e.type === 'held' && e.holdId === h3)] as Extract<JournalEntry, { type: 'held' }>).allocation.seatIds = ['S-1-1'];
      const i = index((e) => e.type === 'released' && e.holdId === h3);
      copy[i] = { type: 'purchased', at: copy[i]!.at, holdId: h3, paymentId: 'pay-3' };
    });
    expect(names(checkInvariants(j))).toEqual(['seatHeldTwice', 'seatSoldTwice']);
  });

  it('a tier that was smaller than what it sold is oversold', () => {
    const j = tampered((copy) => {
      (copy[0] as Extract<JournalEntry, { type: 'created' }>).config.inventory.tiers[0]!.quantity = 2;
    });
    expect(names(checkInvariants(j))).toEqual(['tierOversold']);
  });

  it('a lower per-fan limit puts the two-ticket fans over it', () => {
    const j = tampered((copy) => {
      (copy[0] as Extract<JournalEntry, { type: 'created' }>).config.maxTicketsPerFan = 1;
    });
    // The standby recorded for the real limit no longer fits the formula either.
    expect(names(checkInvariants(j))).toEqual(['standbySize', 'perFanLimit', 'perFanLimit']);
  });

  it('a lost expiry leaves a hold unresolved', () => {
    const live = liveSale();
    live.run({ type: 'join', fanId: 'x' });
    live.clock.advance(MINUTE);
    live.engine.tick();
    live.hold('x', { kind: 'best', category: 'A', quantity: 2 });
    live.finish();
    const real = live.journal();
    expect(real.at(-1)!.type).toBe('expired');
    expect(checkInvariants(real, { requireAllHoldsEnded: true })).toEqual([]);
    const lost = real.filter((e) => e.type !== 'expired');
    expect(checkInvariants(lost)).toEqual([]);
    expect(names(checkInvariants(lost, { requireAllHoldsEnded: true }))).toEqual(['holdUnresolved']);
  });

  it('two fans swapped in the shuffled admission break the order', () => {
    const j = tampered((copy) => {
      const admitted = copy[index((e) => e.type === 'admitted')] as Extract<JournalEntry, { type: 'admitted' }>;
      [admitted.fanIds[0], admitted.fanIds[1]] = [admitted.fanIds[1]!, admitted.fanIds[0]!];
    });
    expect(names(checkInvariants(j))).toEqual(['admissionOrder']);
  });

  it('admitting the pre-queue in join order instead of the shuffle breaks the order', () => {
    const j = tampered((copy) => {
      const admitted = copy[index((e) => e.type === 'admitted')] as Extract<JournalEntry, { type: 'admitted' }>;
      expect(admitted.fanIds).not.toEqual(['p1', 'p2', 'p3', 'p4']);
      admitted.fanIds = ['p1', 'p2', 'p3', 'p4'];
    });
    expect(names(checkInvariants(j)).length).toBeGreaterThan(0);
    expect(new Set(names(checkInvariants(j)))).toEqual(new Set(['admissionOrder']));
  });

  it('a purchase dropped from the journal leaves its hold unresolved', () => {
    const j = entries.filter((e) => !(e.type === 'purchased' && e.holdId === h4));
    expect(checkInvariants(j)).toEqual([]);
    expect(names(checkInvariants(j, { requireAllHoldsEnded: true }))).toEqual(['holdUnresolved']);
  });
});

// ── A deliberately broken engine ────────────────────────────────────────

type Patch = (sale: SaleEvent) => void;

/** Fans f0..f2; the GA tier has 10 tickets, one a fan; every fan is admitted at once. */
const BROKEN_CONFIG = {
  inventory: {
    tiers: [{ id: 'ga', name: 'Standing', price: 3000, quantity: 10 }],
    sections: [{ id: 'S', name: 'Stalls', rows: [{ id: '1', seats: [1, 2, 3, 4].map((n) => ({ label: String(n), category: 'A', rank: n })) }] }],
  },
  maxTicketsPerFan: 1,
  onSaleAt: T0,
};

type MiniOp =
  | { t: 'join'; fan: number }
  /** Leave (when present) and join again at the back. */
  | { t: 'rejoin'; fan: number }
  /** A tick, then every fan with an open grant holds one ticket or seat. */
  | { t: 'shop'; kind: 'tickets' | 'best' }
  | { t: 'pay'; index: number }
  | { t: 'wait'; ms: number };

const miniOpArb: fc.Arbitrary<MiniOp> = fc.oneof(
  fc.record({ t: fc.constant('join' as const), fan: fc.nat({ max: 2 }) }),
  fc.record({ t: fc.constant('rejoin' as const), fan: fc.nat({ max: 2 }) }),
  fc.record({ t: fc.constant('shop' as const), kind: fc.constantFrom('tickets' as const, 'best' as const) }),
  fc.record({ t: fc.constant('pay' as const), index: fc.nat({ max: 9 }) }),
  fc.record({ t: fc.constant('wait' as const), ms: fc.integer({ min: SECOND, max: 10 * MINUTE }) }),
);

/**
 * Runs a program against a live engine, patched first; returns the first
 * violations found (after any step, or at the end with every hold ended).
 */
function violationsOf(patch: Patch | undefined, program: readonly MiniOp[]): InvariantViolation[] {
  const live = liveSale(BROKEN_CONFIG);
  patch?.(live.sale);
  const { clock, engine, sale, run } = live;
  const fans = ['f0', 'f1', 'f2'];
  const holdIds: string[] = [];
  const attempt = (cmd: Record<string, unknown>): unknown => {
    try {
      return run(cmd);
    } catch (error) {
      if (!isBreakwaterError(error)) throw error;
      return undefined;
    }
  };
  for (const op of program) {
    switch (op.t) {
      case 'join':
        attempt({ type: 'join', fanId: fans[op.fan] });
        break;
      case 'rejoin':
        attempt({ type: 'leave', fanId: fans[op.fan] });
        attempt({ type: 'join', fanId: fans[op.fan] });
        break;
      case 'shop': {
        engine.tick();
        for (const fanId of fans) {
          const grant = sale.room.place(fanId) === undefined ? undefined : sale.fanView(fanId).grant;
          if (grant === undefined) continue;
          const request = op.kind === 'tickets' ? { kind: 'tickets', tierId: 'ga', quantity: 1 } : { kind: 'best', category: 'A', quantity: 1 };
          const view = attempt({ type: 'hold', fanId, grantId: grant.grantId, key: `${fanId}-${holdIds.length}`, request }) as HoldView | undefined;
          if (view !== undefined) holdIds.push(view.holdId);
        }
        break;
      }
      case 'pay':
        if (holdIds.length > 0) attempt({ type: 'confirmPurchase', holdId: holdIds[op.index % holdIds.length], paymentId: 'pay' });
        break;
      case 'wait':
        clock.advance(op.ms);
        engine.tick();
        break;
    }
    const violations = checkInvariants(live.journal());
    if (violations.length > 0) return violations;
  }
  live.finish();
  return checkInvariants(live.journal(), { requireAllHoldsEnded: true });
}

/** Runs the property "no violations" against a patched engine; returns what fast-check found. */
function hunt(patch: Patch | undefined) {
  const result = fc.check(
    fc.property(fc.array(miniOpArb, { maxLength: 25 }), (program) => violationsOf(patch, program).length === 0),
    { numRuns: 300, seed: 42 },
  );
  return { failed: result.failed, found: result.counterexample === null ? [] : names(violationsOf(patch, result.counterexample[0])) };
}

describe('a deliberately broken engine is caught', () => {
  it('the unpatched engine passes the same property (control)', () => {
    expect(hunt(undefined)).toEqual({ failed: false, found: [] });
  });

  it('skipping the per-fan limit (accounts.ticketsOf → 0): perFanLimit', () => {
    const patch: Patch = (sale) => {
      sale.accounts.ticketsOf = () => 0;
    };
    // Directly: a fan holds, leaves, comes back, is admitted again and holds again.
    const live = liveSale(BROKEN_CONFIG);
    patch(live.sale);
    live.run({ type: 'join', fanId: 'a' });
    live.engine.tick();
    live.hold('a', { kind: 'tickets', tierId: 'ga', quantity: 1 }, 'first');
    live.run({ type: 'leave', fanId: 'a' });
    live.run({ type: 'join', fanId: 'a' });
    live.engine.tick();
    live.hold('a', { kind: 'tickets', tierId: 'ga', quantity: 1 }, 'second');
    expect(names(checkInvariants(live.journal()))).toEqual(['perFanLimit']);
    // And the random property finds it on its own.
    const { failed, found } = hunt(patch);
    expect(failed).toBe(true);
    expect(found).toContain('perFanLimit');
  });

  it('allocating the same seat to everyone (inventory.allocate, guards off): seatHeldTwice', () => {
    const patch: Patch = (sale) => {
      sale.inventory.allocate = (request) => ({ seatIds: ['S-1-1'], quantity: request.kind === 'seats' ? request.seatIds.length : request.quantity });
      // Without this the seat map's own guard throws a plain Error (which the property test reports as a crash).
      for (const method of ['hold', 'sell', 'release'] as const) {
        const real = sale.inventory[method].bind(sale.inventory);
        sale.inventory[method] = (allocation) => {
          try {
            real(allocation);
          } catch {
            // the broken engine carries on
          }
        };
      }
    };
    const { failed, found } = hunt(patch);
    expect(failed).toBe(true);
    expect(found).toContain('seatHeldTwice');
  });

  it('allocating the same seat with the seat map guard still on: the engine crashes with a non-BreakwaterError', () => {
    const live = liveSale(BROKEN_CONFIG);
    live.sale.inventory.allocate = () => ({ seatIds: ['S-1-1'], quantity: 1 });
    for (const fanId of ['a', 'b']) live.run({ type: 'join', fanId });
    live.engine.tick();
    live.hold('a', { kind: 'best', category: 'A', quantity: 1 });
    let thrown: unknown;
    try {
      live.hold('b', { kind: 'best', category: 'A', quantity: 1 });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(Error);
    expect(isBreakwaterError(thrown)).toBe(false);
  });

  it('selling GA tickets that are not there (tier checks off): tierOversold', () => {
    const patch: Patch = (sale) => {
      sale.inventory.tiers.freeIn = () => 100;
      sale.inventory.hold = () => {};
      sale.inventory.sell = () => {};
      sale.inventory.release = () => {};
    };
    const live = liveSale({ ...BROKEN_CONFIG, inventory: { tiers: [{ id: 'ga', name: 'Standing', price: 3000, quantity: 3 }] }, maxTicketsPerFan: 2 });
    patch(live.sale);
    for (const fanId of ['a', 'b']) live.run({ type: 'join', fanId });
    live.engine.tick();
    for (const fanId of ['a', 'b']) {
      const view = live.hold(fanId, { kind: 'tickets', tierId: 'ga', quantity: 2 });
      live.run({ type: 'confirmPurchase', holdId: view.holdId, paymentId: `pay-${fanId}` });
    }
    expect(names(checkInvariants(live.journal()))).toEqual(['tierOversold']);
  });

  it('admitting the queue back to front (room.nextWaiting reversed): admissionOrder', () => {
    const patch: Patch = (sale) => {
      const real = sale.room.nextWaiting.bind(sale.room);
      sale.room.nextWaiting = (k) => real(k).reverse();
    };
    const { failed, found } = hunt(patch);
    expect(failed).toBe(true);
    expect(found).toContain('admissionOrder');
  });

  it('holds that never expire (holds.due → []): holdUnresolved once the sale is over', () => {
    const patch: Patch = (sale) => {
      sale.holds.due = () => [];
    };
    const { failed, found } = hunt(patch);
    expect(failed).toBe(true);
    expect(found).toEqual(['holdUnresolved']);
  });
});
