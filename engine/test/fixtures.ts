/**
 * Shared fixtures for the engine's behaviour tests: an Engine on a
 * SimulatedClock with deterministic randomness, two configuration builders
 * (general admission, reserved seating) and a small driver for one event.
 * Every fan command goes through `engine.execute`, i.e. through the same
 * untrusted-input path a transport uses.
 */
import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import { SimulatedClock } from '../src/clock.js';
import type { EventConfigInput, SectionConfig } from '../src/config/types.js';
import { Engine, type SyncJournal } from '../src/engine.js';
import { BreakwaterError, type ErrorCode } from '../src/errors.js';
import type { SaleEvent } from '../src/event/sale-event.js';
import type { EventStatus, HoldView, JoinResult } from '../src/event/views.js';
import type { HoldRequest } from '../src/inventory/inventory.js';
import type { JournalEntry, RefundReason } from '../src/journal/entries.js';
import { MemoryJournal } from '../src/journal/memory-journal.js';
import { aesSeedVault } from '../stores/seed-vault.js';
import { pseudonymOf, runDraw } from '../src/fairness/draw.js';

export const SECOND = 1_000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;

/** Creation time of every test event; the schedule below is relative to it. */
export const T0 = Date.UTC(2030, 0, 1, 9, 0, 0);
export const PRE_QUEUE_AT = T0 + 10 * MINUTE;
export const ON_SALE_AT = T0 + 20 * MINUTE;
export const CLOSES_AT = T0 + 4 * HOUR;

export const PAYMENT_WINDOW = 5 * MINUTE;
export const EXTENSION = 2 * MINUTE;
export const PENDING_MAX = 10 * MINUTE;
export const GRACE = 30 * SECOND;
export const GRANT_TTL = 2 * MINUTE;

/** Always the same 32 bytes (0x00, 0x07, 0x0e, …), so the seed and the shuffle are fixed. */
export function deterministicBytes(n: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 7) & 0xff);
}
export const SEED = Buffer.from(deterministicBytes(32)).toString('hex');

/** The tests' deployment secret seals their draw seeds, as a host's does. */
export const TEST_SEEDS = aesSeedVault('engine tests deployment secret');

/** General admission: one tier "ga" of `quantity` tickets, every setting explicit. */
export function gaConfig(overrides: Partial<EventConfigInput> & { quantity?: number } = {}): EventConfigInput {
  const { quantity = 100, ...rest } = overrides;
  return {
    id: 'ga-night',
    name: 'GA Night',
    preQueueOpensAt: PRE_QUEUE_AT,
    onSaleAt: ON_SALE_AT,
    closesAt: CLOSES_AT,
    inventory: { tiers: [{ id: 'ga', name: 'General admission', price: 5_000, quantity }] },
    paymentWindowMs: PAYMENT_WINDOW,
    holdExtensionMs: EXTENSION,
    paymentPendingMaxMs: PENDING_MAX,
    maxTicketsPerFan: 4,
    presenceGraceMs: GRACE,
    grantTtlMs: GRANT_TTL,
    admission: { mode: 'auto' },
    // These tests are about other things than the start window: fans who join after the start are numbered on arrival.
    door: { startWindowMs: 0 },
    ...rest,
  };
}

/**
 * One section "S" of rows given as category strings, one letter per seat
 * ("AAAAAA" = six seats of category A). Seat ids are `S-<row>-<n>`, n from 1.
 * Rank = 10 × row number + distance from the middle of the row: the front
 * rows and the middle seats are best.
 */
export function venue(rows: Record<string, string>, sectionId = 'S'): SectionConfig {
  return {
    id: sectionId,
    name: `Section ${sectionId}`,
    rows: Object.entries(rows).map(([rowId, categories], r) => ({
      id: rowId,
      seats: [...categories].map((category, i) => ({
        label: String(i + 1),
        category,
        rank: 10 * (r + 1) + Math.abs(i + 0.5 - categories.length / 2),
      })),
    })),
  };
}

/** Reserved seating: rows 1 and 2 of category A (6 seats each), row 3 of category B (4 seats): 16 seats, no GA. */
export function seatingConfig(overrides: Partial<EventConfigInput> = {}): EventConfigInput {
  return gaConfig({
    id: 'seated-night',
    name: 'Seated Night',
    inventory: { tiers: [], sections: [venue({ 1: 'AAAAAA', 2: 'AAAAAA', 3: 'BBBB' })] },
    ...overrides,
  });
}

export interface DriverOptions {
  /** Publish on creation (default true). */
  publish?: boolean;
  /** Clock time at creation (default T0). */
  now?: number;
  /** The engine's journal (default: the memory store). */
  journal?: SyncJournal;
  /** The engine's random source (default: deterministicBytes, which repeats itself on every call). */
  randomBytes?: RandomSource;
}

/** A random source that can be copied where it stands: a restored driver draws what the original draws. */
export type RandomSource = ((n: number) => Uint8Array) & { fork?: () => RandomSource };

/** A random source that never repeats itself (a counter through SHA-256): for drawing many access codes. */
export function countingBytes(start = 0): RandomSource {
  let counter = start;
  const source: RandomSource = (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 32) out.set(createHash('sha256').update(String(counter++)).digest().subarray(0, Math.min(32, n - i)), i);
    return out;
  };
  source.fork = () => countingBytes(counter);
  return source;
}

/** The pseudonym of a test fan's place: the tests' receipts are all deterministicBytes(16). */
export function testPseudonym(fanId: string): string {
  return pseudonymOf(deterministicBytes(16), fanId).toString('hex');
}

/**
 * The order a draw with `seed` (and `beacon`) puts these fans' places in,
 * recomputed from their latest `joined` entries in `journal` (join numbers
 * count every join, re-joins included) with the specification's functions.
 */
export function drawOrderOf(journal: readonly JournalEntry[], fanIds: readonly string[], seed: string, beacon?: string): string[] {
  const joins = new Map<string, { joinNumber: number; pseudonym: string }>();
  let joinNumber = 0;
  for (const e of journal) if (e.type === 'joined') joins.set(e.fanId, { joinNumber: ++joinNumber, pseudonym: e.pseudonym ?? '' });
  const places = fanIds.map((fanId) => ({ fanId, ...joins.get(fanId)! })).sort((a, b) => a.joinNumber - b.joinNumber);
  const entries = { joinNumbers: places.map((p) => p.joinNumber), pseudonyms: Buffer.from(places.map((p) => p.pseudonym).join(''), 'hex') };
  return Array.from(runDraw(seed, entries, beacon).order, (i) => places[i]!.fanId);
}

/** One event on its own engine, driven step by step in simulated time. */
export class Driver {
  readonly clock: SimulatedClock;
  readonly engine: Engine;
  readonly eventId: string;
  private keys = 0;
  private readonly randomBytes: RandomSource;

  constructor(config: EventConfigInput = gaConfig(), options: DriverOptions = {}) {
    this.clock = new SimulatedClock(options.now ?? T0);
    this.randomBytes = options.randomBytes ?? deterministicBytes;
    this.engine = new Engine({ clock: this.clock, randomBytes: this.randomBytes, seeds: TEST_SEEDS, journal: options.journal });
    this.eventId = config.id;
    this.engine.createEvent(config, { publish: options.publish ?? true });
  }

  /**
   * A second driver on an engine restored from `journal` (by default a copy of
   * this one's journal through JSON, as a store would keep it), on its own
   * clock set to the same time, with the same idempotency-key counter and random source (a copy where it stands, when it can be copied): from
   * here on, the same steps on both must record the same entries.
   */
  restored(journal: SyncJournal = jsonCopyOf(this.engine.journal)): Driver {
    const clock = new SimulatedClock(this.clock.now());
    const randomBytes = this.randomBytes.fork?.() ?? this.randomBytes;
    const copy = Object.create(Driver.prototype) as Driver;
    Object.assign(copy, {
      clock,
      engine: Engine.restore(journal, { clock, randomBytes, seeds: TEST_SEEDS }),
      eventId: this.eventId,
      keys: this.keys,
      randomBytes,
    });
    return copy;
  }

  get sale(): SaleEvent {
    return this.engine.event(this.eventId);
  }

  status(): EventStatus {
    return this.sale.status();
  }

  get phase(): EventStatus['phase'] {
    return this.sale.phase;
  }

  get journal(): readonly JournalEntry[] {
    return this.engine.journal.read(this.eventId);
  }

  /**
   * The order a draw with `seed` (and `beacon`) puts these fans' places in,
   * recomputed from the journal (see drawOrderOf), not the engine's numbering.
   */
  drawOrder(fanIds: readonly string[], seed = SEED, beacon?: string): string[] {
    return drawOrderOf(this.journal, fanIds, seed, beacon);
  }

  /** Journal entries recorded from index `from` on. */
  entriesSince(from: number): JournalEntry[] {
    return this.journal.slice(from);
  }

  /** Types of the journal entries recorded from index `from` on. */
  typesSince(from: number): string[] {
    return this.entriesSince(from).map((e) => e.type);
  }

  /** Runs a command on this event through the untrusted path. */
  exec(command: Record<string, unknown>): unknown {
    return this.engine.execute({ eventId: this.eventId, ...command });
  }

  /** Moves the clock to `time` and ticks. */
  at(time: number): this {
    this.clock.set(time);
    this.engine.tick();
    return this;
  }

  /** Advances the clock by `ms` and ticks. */
  advance(ms: number): this {
    return this.at(this.clock.now() + ms);
  }

  /** To the on-sale time (or `ms` after it) and tick. */
  startSale(ms = 0): this {
    return this.at(ON_SALE_AT + ms);
  }

  join(fanId: string): JoinResult {
    return this.exec({ type: 'join', fanId }) as JoinResult;
  }

  /** Joins `n` fans named `${prefix}1` … `${prefix}n`, in that order; returns their ids. */
  joinMany(n: number, prefix = 'fan'): string[] {
    const fans = Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);
    for (const fanId of fans) this.join(fanId);
    return fans;
  }

  leave(fanId: string): void {
    this.exec({ type: 'leave', fanId });
  }

  presence(fanId: string, connected: boolean): void {
    this.exec({ type: 'presence', fanId, connected });
  }

  fanView(fanId: string): ReturnType<SaleEvent['fanView']> {
    return this.sale.fanView(fanId);
  }

  /** The fan's open grant id; fails the test if the fan has none. */
  grantOf(fanId: string): string {
    const grant = this.fanView(fanId).grant;
    expect(grant, `${fanId} has no open grant`).toBeDefined();
    return grant!.grantId;
  }

  newKey(fanId: string, what: string): string {
    return `${fanId}:${what}:${++this.keys}`;
  }

  hold(fanId: string, request: HoldRequest, options: { grantId?: string; key?: string } = {}): HoldView {
    return this.exec({
      type: 'hold', fanId, request,
      grantId: options.grantId ?? this.grantOf(fanId),
      key: options.key ?? this.newKey(fanId, 'hold'),
    }) as HoldView;
  }

  holdTickets(fanId: string, quantity: number, tierId = 'ga'): HoldView {
    return this.hold(fanId, { kind: 'tickets', tierId, quantity });
  }

  extend(fanId: string, holdId: string, key = this.newKey(fanId, 'extend')): HoldView {
    return this.exec({ type: 'extendHold', fanId, holdId, key }) as HoldView;
  }

  startPayment(fanId: string, holdId: string, paymentId = `pay-${holdId}`, key = this.newKey(fanId, 'pay')): HoldView {
    return this.exec({ type: 'startPayment', fanId, holdId, paymentId, key }) as HoldView;
  }

  release(fanId: string, holdId: string, key = this.newKey(fanId, 'release')): HoldView {
    return this.exec({ type: 'releaseHold', fanId, holdId, key }) as HoldView;
  }

  confirm(holdId: string, paymentId = `pay-${holdId}`): HoldView {
    return this.exec({ type: 'confirmPurchase', holdId, paymentId }) as HoldView;
  }

  failPayment(holdId: string, paymentId = `pay-${holdId}`, reason = 'card declined'): HoldView {
    return this.exec({ type: 'failPayment', holdId, paymentId, reason }) as HoldView;
  }

  /** Hold, start paying and confirm: the fan buys `quantity` GA tickets. */
  buy(fanId: string, quantity: number, tierId = 'ga'): HoldView {
    const { holdId } = this.holdTickets(fanId, quantity, tierId);
    this.startPayment(fanId, holdId);
    return this.confirm(holdId);
  }

  /** Everything a failed command must leave as it was. */
  snapshot(): { journalLength: number; status: EventStatus } {
    return { journalLength: this.journal.length, status: this.status() };
  }

  /** Runs `fn`, expects a BreakwaterError with `code`, and checks that nothing changed. */
  rejects(fn: () => unknown, code: ErrorCode): BreakwaterError {
    const before = this.snapshot();
    const err = errorOf(fn);
    expect(err.code).toBe(code);
    expect(this.snapshot()).toEqual(before);
    return err;
  }

  /** Runs a payment success the hold must refuse: `code`, and the refund it is due recorded, nothing else. */
  refusesWithRefund(fn: () => unknown, code: ErrorCode, reason: RefundReason): BreakwaterError {
    const before = this.snapshot();
    const err = errorOf(fn);
    expect(err.code).toBe(code);
    expect(err.details).toMatchObject({ refund: 'due' });
    expect(this.entriesSince(before.journalLength)).toMatchObject([{ type: 'refundDue', reason }]);
    expect(this.status()).toEqual(before.status);
    return err;
  }
}

function jsonCopyOf(journal: SyncJournal): MemoryJournal {
  const store = new MemoryJournal();
  for (const eventId of journal.eventIds()) store.append(eventId, JSON.parse(JSON.stringify(journal.read(eventId))) as JournalEntry[]);
  return store;
}

/** The BreakwaterError `fn` throws; fails the test if it returns or throws anything else. */
export function errorOf(fn: () => unknown): BreakwaterError {
  let result: unknown;
  try {
    result = fn();
  } catch (err) {
    expect(err).toBeInstanceOf(BreakwaterError);
    return err as BreakwaterError;
  }
  throw new Error(`expected a BreakwaterError, got a result: ${JSON.stringify(result)}`);
}
