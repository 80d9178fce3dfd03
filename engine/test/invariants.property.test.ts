/**
 * Random command programs against a live Engine, checked after every step by
 * the independent journal oracle (`checkInvariants`) and by direct looks at
 * the engine's own state.
 *
 * A program is a list of abstract operations whose targets are small indices
 * ("the 3rd hold seen so far", "fan 2", "this fan's real grant"), resolved
 * against what the run has seen when the operation executes. That keeps every
 * generated program meaningful for every generated event, and lets fast-check
 * shrink a failure to a short program.
 */
import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../src/clock.js';
import { MINUTE, seatId, type AdmissionPolicy, type EventConfig, type SectionConfig, type TierConfig } from '../src/config/types.js';
import { Engine, type SyncJournal } from '../src/engine.js';
import { BreakwaterError, isBreakwaterError, type ErrorCode } from '../src/errors.js';
import { EXPIRY_LOOKAHEAD_MS, SaleEvent } from '../src/event/sale-event.js';
import type { HoldView, JoinResult } from '../src/event/views.js';
import { deadlineOf } from '../src/inventory/hold-book.js';
import { checkInvariants } from '../src/invariants.js';
import type { Allocation, JournalEntry } from '../src/journal/entries.js';
import type { EventSnapshot } from '../src/snapshot/event-snapshot.js';
import { DurableJournal } from '../stores/durable-journal.js';
import { TEST_SEEDS } from './fixtures.js';
import { cutPoints, expectSnapshotsAgree } from './snapshot-check.js';
import { startRedis, type RedisFixture } from './stores/redis-fixture.js';

const EVENT = 'prop-ev';
const T0 = Date.UTC(2030, 0, 1, 10);
const SECOND = 1000;
const FANS = ['f0', 'f1', 'f2', 'f3', 'f4', 'f5'] as const;
const CATEGORIES = ['A', 'B', 'C'] as const; // "C" never exists in a venue
/** Entries only time writes: a fan command fires those that are due before it is decided, and they stay if it fails. */
const TIME_DRIVEN: ReadonlySet<JournalEntry['type']> = new Set(['preQueueOpened', 'drawSealed', 'saleStarted', 'drawn', 'numbered', 'closed']);
/** Access codes every event starts with (uses, ticket cap), and what joins carry: none, those, an unknown one. */
const CODES_CSV = 'CODE0,1,2\nCODE1,2,3\nCODE2,3,1\n';
const JOIN_CODES = [undefined, 'CODE0', 'CODE1', 'code-2', 'NOPE'] as const;
const JOIN_GROUPS = [undefined, ['club'], ['other', 'club'], ['other']] as const;
/** Client addresses of joins: two on one /24, one on another, and none (an in-process caller). */
const ADDRESSES = [undefined, '198.51.100.7', '198.51.100.8', '203.0.113.9'] as const;

const NUM_RUNS = Number(process.env.BREAKWATER_PROP_RUNS ?? 250);
/** Runs whose journal goes through a real Redis (each costs a few round trips). */
const REDIS_RUNS = Number(process.env.BREAKWATER_PROP_REDIS_RUNS ?? 50);
const MAX_COMMANDS = 80;
/**
 * A guard against a hung run, not a speed check: a run takes ~30 ms alone but
 * many times that in a loaded full parallel run, where the 30 s default cut
 * the 250 runs short.
 */
const timeoutFor = (runs: number) => 60_000 + runs * 500;
/** Replays one fast-check run: the seed (and path) a failure prints. Random otherwise. */
const SEED = process.env.BREAKWATER_PROP_SEED === undefined ? {} : { seed: Number(process.env.BREAKWATER_PROP_SEED), path: process.env.BREAKWATER_PROP_PATH };

// ── Arbitrary events ─────────────────────────────────────────────────────

interface Scenario {
  config: Record<string, unknown>;
  publish: boolean;
  seed: number;
}

const paymentCapacityArb = fc.constantFrom(0.05, 0.5, 2);
/** All three modes, their optional bounds present or not. */
/** Standby margins from none to double; calls answered within 30 s to 2 min, so lapses happen within a program. */
const waitlistArb = fc.record({
  enabled: fc.oneof({ arbitrary: fc.constant(true), weight: 4 }, { arbitrary: fc.constant(false), weight: 1 }),
  standbyMarginPercent: fc.integer({ min: 0, max: 100 }),
  callAnswerMs: fc.integer({ min: 30 * SECOND, max: 2 * MINUTE }),
});

const admissionArb: fc.Arbitrary<AdmissionPolicy> = fc.oneof(
  fc.record(
    {
      mode: fc.constant('rate' as const),
      fansPerMinute: fc.integer({ min: 1, max: 120 }),
      maxActiveShoppers: fc.integer({ min: 1, max: 5 }),
      paymentCapacityPerSec: paymentCapacityArb,
    },
    { requiredKeys: ['mode', 'fansPerMinute'] },
  ),
  fc.record(
    {
      mode: fc.constant('concurrency' as const),
      maxActiveShoppers: fc.integer({ min: 1, max: 5 }),
      paymentCapacityPerSec: paymentCapacityArb,
    },
    { requiredKeys: ['mode', 'maxActiveShoppers'] },
  ),
  fc.record(
    {
      mode: fc.constant('auto' as const),
      maxActiveShoppers: fc.integer({ min: 1, max: 5 }),
      paymentCapacityPerSec: paymentCapacityArb,
    },
    { requiredKeys: ['mode'] },
  ),
);

const seatArb = fc.record({ category: fc.constantFrom('A', 'B'), rank: fc.integer({ min: 1, max: 9 }) });
/** A few sections × rows × seats, with categories and ranks. */
const venueArb = (maxSections: number, maxRows: number, maxSeats: number): fc.Arbitrary<SectionConfig[]> =>
  fc
    .array(fc.array(fc.array(seatArb, { minLength: 1, maxLength: maxSeats }), { minLength: 1, maxLength: maxRows }), { minLength: 1, maxLength: maxSections })
    .map((sections) =>
      sections.map((rows, s) => ({
        id: `S${s}`,
        name: `Section ${s}`,
        rows: rows.map((seats, r) => ({ id: `R${r}`, seats: seats.map((seat, k) => ({ label: String(k + 1), ...seat })) })),
      })),
    );
const tiersArb = (maxTiers: number, maxQuantity: number): fc.Arbitrary<TierConfig[]> =>
  fc
    .array(fc.integer({ min: 0, max: maxQuantity }), { minLength: 1, maxLength: maxTiers })
    .map((quantities) => quantities.map((quantity, i) => ({ id: `t${i}`, name: `Tier ${i}`, price: 1000 * (i + 1), quantity })));
/** Small enough to sell out within a program, sometimes. */
const inventoryArb: fc.Arbitrary<{ tiers: TierConfig[]; sections: SectionConfig[] }> = fc.oneof(
  { arbitrary: fc.record({ tiers: tiersArb(2, 3), sections: fc.constant<SectionConfig[]>([]) }), weight: 3 },
  { arbitrary: fc.record({ tiers: fc.constant<TierConfig[]>([]), sections: venueArb(2, 2, 3) }), weight: 2 },
  { arbitrary: fc.record({ tiers: tiersArb(3, 6), sections: venueArb(2, 3, 4) }), weight: 2 },
);

const holdExtensionArb = fc.oneof(fc.constant(0), fc.integer({ min: SECOND, max: 5 * MINUTE }));

const scenarioArb: fc.Arbitrary<Scenario> = fc
  .record({
    inventory: inventoryArb,
    preQueueIn: fc.oneof({ arbitrary: fc.constant(0), weight: 4 }, { arbitrary: fc.integer({ min: 1, max: 5 * SECOND }), weight: 1 }),
    preQueueFor: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 30 * SECOND }), fc.integer({ min: 30 * SECOND, max: 3 * MINUTE })),
    saleFor: fc.integer({ min: 15 * MINUTE, max: 120 * MINUTE }),
    paymentWindowMs: fc.integer({ min: 10 * SECOND, max: 10 * MINUTE }),
    holdExtensionMs: holdExtensionArb,
    paymentPendingMaxMs: fc.integer({ min: SECOND, max: 15 * MINUTE }),
    maxTicketsPerFan: fc.integer({ min: 1, max: 4 }),
    admission: admissionArb,
    presenceGraceMs: fc.integer({ min: SECOND, max: 2 * MINUTE }),
    grantTtlMs: fc.integer({ min: 5 * SECOND, max: 3 * MINUTE }),
    // Tight budgets, so a handful of fans reach the slow lane; the start window on or off.
    door: fc.record({
      startWindowMs: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 90 * SECOND })),
      joinsPerAddressPerMin: fc.integer({ min: 0, max: 3 }),
      joinsPerSubnetPerMin: fc.integer({ min: 0, max: 6 }),
      slowLaneMaxDelayMs: fc.integer({ min: 0, max: 3 * MINUTE }),
    }),
    // One open phase; one coded phase; or a fan-club presale (groups) then a coded phase with its own pre-queue.
    phases: fc.constantFrom('open', 'open', 'coded', 'presale'),
    laterPreQueueFor: fc.integer({ min: 0, max: 2 * MINUTE }),
    waitlist: waitlistArb,
    draft: fc.integer({ min: 0, max: 19 }),
    seed: fc.integer(),
  })
  .filter(({ inventory: { tiers, sections } }) => tiers.reduce((n, t) => n + t.quantity, 0) + sections.flatMap((x) => x.rows).reduce((n, r) => n + r.seats.length, 0) > 0)
  .map((s) => ({
    config: {
      id: EVENT,
      name: 'Property test night',
      preQueueOpensAt: T0 + s.preQueueIn,
      onSaleAt: T0 + s.preQueueIn + s.preQueueFor,
      closesAt: T0 + s.preQueueIn + s.preQueueFor + s.saleFor,
      inventory: s.inventory,
      paymentWindowMs: s.paymentWindowMs,
      holdExtensionMs: s.holdExtensionMs,
      paymentPendingMaxMs: s.paymentPendingMaxMs,
      maxTicketsPerFan: s.maxTicketsPerFan,
      admission: s.admission,
      presenceGraceMs: s.presenceGraceMs,
      grantTtlMs: s.grantTtlMs,
      door: s.door,
      ...phasesOf(s.phases, T0 + s.preQueueIn, T0 + s.preQueueIn + s.preQueueFor, s.door.startWindowMs, s.laterPreQueueFor),
      waitlist: s.waitlist,
    },
    // One event in twenty starts as a draft and needs the program to publish it.
    publish: s.draft !== 0,
    seed: s.seed,
  }));

function phasesOf(kind: string, opens: number, onSale: number, startWindowMs: number, laterPreQueueFor: number): Record<string, unknown> {
  const first = { id: 'first', name: 'First', preQueueOpensAt: opens, onSaleAt: onSale };
  switch (kind) {
    case 'coded':
      return { phases: [{ ...first, access: { kind: 'code' } }] };
    case 'presale': {
      const laterOpens = onSale + startWindowMs + MINUTE;
      return {
        phases: [
          { ...first, access: { kind: 'groups', groups: ['club'] } },
          { id: 'later', name: 'Later', preQueueOpensAt: laterOpens, onSaleAt: laterOpens + laterPreQueueFor, access: { kind: 'code' } },
        ],
      };
    }
    default:
      return {};
  }
}

// ── Arbitrary programs ───────────────────────────────────────────────────

type GrantChoice = 'shopper' | 'own' | 'foreign' | 'stale' | 'bogus';
type PayChoice = 'current' | 'stale' | 'wrong';
type RequestSpec =
  | { kind: 'tickets'; tier: number; quantity: number }
  | { kind: 'seats'; seats: number[] }
  | { kind: 'best'; category: number; quantity: number };
type Patch =
  | { field: 'maxTicketsPerFan'; value: number }
  | { field: 'paymentWindowMs'; value: number }
  | { field: 'holdExtensionMs'; value: number }
  | { field: 'paymentPendingMaxMs'; value: number }
  | { field: 'presenceGraceMs'; value: number }
  | { field: 'grantTtlMs'; value: number }
  | { field: 'admission'; value: AdmissionPolicy }
  | { field: 'waitlist'; value: { enabled: boolean; standbyMarginPercent: number; callAnswerMs: number } }
  | { field: 'closesIn'; value: number }
  | { field: 'onSaleShift'; value: number };

/** A hold seen so far: among the still active ones (when there are any) or among all. */
type HoldRef = { live: boolean; index: number };

type Op =
  /** `address`: an index into ADDRESSES (none when left out). */
  | { t: 'join'; fan: number; address?: number; code?: number; groups?: number }
  /** The organizer generates codes (for any coded phase). */
  | { t: 'codes'; count: number; uses: number; ticketCap: number }
  | { t: 'leave'; fan: number }
  | { t: 'presence'; fan: number; connected: boolean }
  | { t: 'advance'; ms: number; thenTick: boolean }
  | { t: 'tick' }
  | { t: 'hold'; fan: number; grant: GrantChoice; request: RequestSpec; key: number }
  /** A tick, then an admitted fan (if any) holds at once with the grant it just got. */
  | { t: 'shop'; fan: number; request: RequestSpec; key: number }
  | { t: 'extend'; hold: HoldRef; owner: boolean; key: number }
  | { t: 'startPayment'; hold: HoldRef; owner: boolean; payment: number; key: number }
  | { t: 'confirm'; hold: HoldRef; payment: PayChoice }
  | { t: 'fail'; hold: HoldRef; payment: PayChoice }
  /** The payment side refuses a success for the wrong amount (refusePayment). */
  | { t: 'refuse'; hold: HoldRef; payment: PayChoice }
  | { t: 'release'; hold: HoldRef; owner: boolean; key: number }
  | { t: 'organizer'; action: 'pause' | 'resume' | 'publish' | 'close' }
  /** The organizer cancels an order (`live`: a purchase, when there is one; otherwise any hold seen), with or without its refund. */
  | { t: 'cancel'; hold: HoldRef; refund: boolean }
  | { t: 'capacity'; tier: number; delta: number; addTier: boolean }
  | { t: 'retune'; patch: Patch }
  | { t: 'retry'; index: number }
  | { t: 'rekey'; index: number }
  | { t: 'garbage'; variant: number }
  /** The process restarts: the engine is rebuilt from its journal and the program goes on with it. */
  | { t: 'restore' };

const fanArb = fc.integer({ min: 0, max: FANS.length - 1 });
const indexArb = fc.nat({ max: 1000 });
const keyArb = fc.integer({ min: 0, max: 3 });
const holdRefArb: fc.Arbitrary<HoldRef> = fc.record({ live: fc.constantFrom(true, true, true, false), index: indexArb });
const ownerArb = fc.constantFrom(true, true, true, true, false);

/** Mostly what a fan may take; sometimes over the limit or more than exists. */
const quantityArb = fc.oneof({ arbitrary: fc.integer({ min: 1, max: 2 }), weight: 4 }, { arbitrary: fc.integer({ min: 1, max: 5 }), weight: 1 });
const requestArb: fc.Arbitrary<RequestSpec> = fc.oneof(
  // Tier index 3 stands for a tier that does not exist.
  fc.record({ kind: fc.constant('tickets' as const), tier: fc.constantFrom(0, 0, 1, 1, 2, 3), quantity: quantityArb }),
  fc.record({ kind: fc.constant('seats' as const), seats: fc.array(fc.nat({ max: 40 }), { minLength: 1, maxLength: 4 }) }),
  fc.record({ kind: fc.constant('best' as const), category: fc.constantFrom(0, 0, 1, 1, 2), quantity: quantityArb }),
);

const patchArb: fc.Arbitrary<Patch> = fc.oneof(
  fc.record({ field: fc.constant('maxTicketsPerFan' as const), value: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ field: fc.constant('paymentWindowMs' as const), value: fc.integer({ min: 10 * SECOND, max: 10 * MINUTE }) }),
  fc.record({ field: fc.constant('holdExtensionMs' as const), value: holdExtensionArb }),
  fc.record({ field: fc.constant('paymentPendingMaxMs' as const), value: fc.integer({ min: SECOND, max: 15 * MINUTE }) }),
  fc.record({ field: fc.constant('presenceGraceMs' as const), value: fc.integer({ min: SECOND, max: 2 * MINUTE }) }),
  fc.record({ field: fc.constant('grantTtlMs' as const), value: fc.integer({ min: 5 * SECOND, max: 3 * MINUTE }) }),
  fc.record({ field: fc.constant('admission' as const), value: admissionArb }),
  fc.record({ field: fc.constant('waitlist' as const), value: waitlistArb }),
  fc.record({ field: fc.constant('closesIn' as const), value: fc.integer({ min: SECOND, max: 60 * MINUTE }) }),
  fc.record({ field: fc.constant('onSaleShift' as const), value: fc.integer({ min: -2 * MINUTE, max: 2 * MINUTE }) }),
);

const advanceArb = fc.oneof(
  { arbitrary: fc.integer({ min: 1, max: 999 }), weight: 3 },
  { arbitrary: fc.integer({ min: SECOND, max: 60 * SECOND }), weight: 4 },
  { arbitrary: fc.integer({ min: MINUTE, max: 20 * MINUTE }), weight: 1 },
);

const opArbs = {
  join: fc.record({
    t: fc.constant('join' as const), fan: fanArb, address: fc.nat({ max: ADDRESSES.length - 1 }),
    code: fc.nat({ max: JOIN_CODES.length - 1 }), groups: fc.nat({ max: JOIN_GROUPS.length - 1 }),
  }),
  codes: fc.record({ t: fc.constant('codes' as const), count: fc.integer({ min: 1, max: 3 }), uses: fc.integer({ min: 1, max: 2 }), ticketCap: fc.integer({ min: 1, max: 3 }) }),
  leave: fc.record({ t: fc.constant('leave' as const), fan: fanArb }),
  presence: fc.record({ t: fc.constant('presence' as const), fan: fanArb, connected: fc.boolean() }),
  advance: fc.record({ t: fc.constant('advance' as const), ms: advanceArb, thenTick: fc.constantFrom(true, true, false) }),
  tick: fc.record({ t: fc.constant('tick' as const) }),
  hold: fc.record({
    t: fc.constant('hold' as const),
    fan: fanArb,
    grant: fc.constantFrom<GrantChoice>('shopper', 'shopper', 'shopper', 'shopper', 'shopper', 'shopper', 'own', 'own', 'foreign', 'stale', 'bogus'),
    request: requestArb,
    key: keyArb,
  }),
  shop: fc.record({ t: fc.constant('shop' as const), fan: fanArb, request: requestArb, key: keyArb }),
  extend: fc.record({ t: fc.constant('extend' as const), hold: holdRefArb, owner: ownerArb, key: keyArb }),
  startPayment: fc.record({ t: fc.constant('startPayment' as const), hold: holdRefArb, owner: ownerArb, payment: fc.integer({ min: 0, max: 1 }), key: keyArb }),
  confirm: fc.record({ t: fc.constant('confirm' as const), hold: holdRefArb, payment: fc.constantFrom<PayChoice>('current', 'current', 'current', 'stale', 'wrong') }),
  fail: fc.record({ t: fc.constant('fail' as const), hold: holdRefArb, payment: fc.constantFrom<PayChoice>('current', 'current', 'current', 'stale', 'wrong') }),
  refuse: fc.record({ t: fc.constant('refuse' as const), hold: holdRefArb, payment: fc.constantFrom<PayChoice>('current', 'current', 'stale', 'wrong') }),
  release: fc.record({ t: fc.constant('release' as const), hold: holdRefArb, owner: ownerArb, key: keyArb }),
  pauseResume: fc.record({ t: fc.constant('organizer' as const), action: fc.constantFrom('pause', 'resume', 'publish') }),
  close: fc.record({ t: fc.constant('organizer' as const), action: fc.constant('close' as const) }),
  cancel: fc.record({ t: fc.constant('cancel' as const), hold: holdRefArb, refund: fc.boolean() }),
  capacity: fc.record({ t: fc.constant('capacity' as const), tier: fc.nat({ max: 3 }), delta: fc.integer({ min: -4, max: 4 }), addTier: fc.constantFrom(false, false, false, true) }),
  retune: fc.record({ t: fc.constant('retune' as const), patch: patchArb }),
  retry: fc.record({ t: fc.constant('retry' as const), index: indexArb }),
  rekey: fc.record({ t: fc.constant('rekey' as const), index: indexArb }),
  garbage: fc.record({ t: fc.constant('garbage' as const), variant: fc.nat({ max: 9 }) }),
  restore: fc.record({ t: fc.constant('restore' as const) }),
} satisfies Record<string, fc.Arbitrary<Op>>;

type Mix = Partial<Record<keyof typeof opArbs, number>>;
const opMix = (mix: Mix): fc.Arbitrary<Op> =>
  fc.oneof(...Object.entries(mix).map(([name, weight]) => ({ arbitrary: opArbs[name as keyof typeof opArbs] as fc.Arbitrary<Op>, weight: weight! })));

/** Everything, organizer and garbage included. */
const chaoticOp = opMix({
  join: 12, leave: 2, presence: 3, advance: 12, tick: 5, hold: 18, shop: 8, extend: 3, startPayment: 5, confirm: 5, fail: 3, refuse: 1, release: 3,
  pauseResume: 3, close: 1, capacity: 2, retune: 2, retry: 5, rekey: 2, garbage: 1, restore: 1, codes: 1, cancel: 2,
});
/** Mostly fans shopping and paying, so sales run to the end (and sell out) more often. */
const shoppingOp = opMix({
  join: 8, leave: 1, presence: 2, advance: 10, tick: 3, hold: 6, shop: 16, extend: 3, startPayment: 8, confirm: 12, fail: 3, refuse: 1, release: 3,
  pauseResume: 2, capacity: 2, retry: 4, rekey: 1, restore: 1, cancel: 4,
});

/** A crowd arriving first (into the pre-queue, mostly), then anything. */
const programArb = fc
  .tuple(
    fc.array(opArbs.join, { maxLength: 8 }),
    fc.oneof(...[chaoticOp, shoppingOp].map((op) => fc.array(op, { minLength: 1, maxLength: MAX_COMMANDS - 8, size: 'max' }))),
  )
  .map(([crowd, rest]): Op[] => [...crowd, ...rest]);

// ── The run ──────────────────────────────────────────────────────────────

type Cmd = Record<string, unknown> & { type: string };
type Outcome = { ok: true; result: unknown } | { ok: false; error: BreakwaterError };

/** Deterministic 32-byte seeds, so a failing run replays exactly. */
function seededRandomBytes(seed: number): (n: number) => Uint8Array {
  let counter = 0;
  return (n) => {
    const out = new Uint8Array(n);
    for (let filled = 0; filled < n; filled += 32) {
      const block = createHash('sha256').update(`${seed}:${counter++}`).digest();
      out.set(block.subarray(0, Math.min(32, n - filled)), filled);
    }
    return out;
  };
}

const KEYED = new Set(['hold', 'extendHold', 'startPayment', 'releaseHold']);

class Run {
  readonly clock = new SimulatedClock(T0);
  engine: Engine;
  sale: SaleEvent;
  private readonly randomBytes: (n: number) => Uint8Array;
  /** Every hold id the run has seen, in order of creation. */
  private readonly holdIds: string[] = [];
  private readonly holdOwner = new Map<string, string>();
  private readonly paymentsOf = new Map<string, string[]>();
  /** The first successful result of each keyed command, by (fan, key). */
  private readonly keyed = new Map<string, { cmd: Cmd; result: unknown }>();
  /** Successful payment confirmations, by hold. */
  private readonly confirmed = new Map<string, { paymentId: string; result: unknown }>();
  /** Orders the organizer cancelled. */
  private readonly cancelled = new Set<string>();
  private readonly grantsOf = new Map<string, string[]>();
  private readonly history: Cmd[] = [];
  readonly trace: string[] = [];
  /** Taken at the last restore: the next restore starts from it and replays only what came after. */
  private snapshot: EventSnapshot | undefined;

  constructor(readonly scenario: Scenario, journal?: SyncJournal) {
    this.randomBytes = seededRandomBytes(scenario.seed);
    this.engine = new Engine({ clock: this.clock, randomBytes: this.randomBytes, seeds: TEST_SEEDS, journal });
    this.engine.createEvent(scenario.config, { publish: scenario.publish });
    this.sale = this.engine.event(EVENT);
    this.checkStep(false, this.journal());
    const upload = this.send({ type: 'uploadCodes', eventId: EVENT, csv: CODES_CSV });
    expect(upload.ok ? 'ok' : upload.error.message, 'the codes upload').toBe('ok');
  }

  journal(): readonly JournalEntry[] {
    return this.engine.journal.read(EVENT);
  }

  get config(): EventConfig {
    return this.sale.config;
  }

  /** A refused payment success may record one thing: the refund its payment id is due, the first time it is refused. */
  private isRefundDueFor(cmd: Cmd, entry: JournalEntry, before: number): boolean {
    if (cmd.type !== 'confirmPurchase' || entry.type !== 'refundDue' || entry.paymentId !== cmd.paymentId || entry.holdId !== cmd.holdId) return false;
    return !this.journal().slice(0, before).some((e) => e.type === 'refundDue' && e.paymentId === entry.paymentId);
  }

  // ── Executing one command, with what must hold around it ──

  send(input: Cmd | null, expected?: ErrorCode): Outcome {
    // Garbage commands may not even be objects; the bookkeeping below reads them as an empty one.
    const cmd: Cmd = input ?? ({ type: '' } as Cmd);
    const before = this.journal().length;
    const fan = typeof cmd.fanId === 'string' ? cmd.fanId : undefined;
    const keyedSlot = KEYED.has(cmd.type) && fan !== undefined && typeof cmd.key === 'string' ? `${fan}\u0000${cmd.key}` : undefined;
    const firstUse = keyedSlot === undefined ? undefined : this.keyed.get(keyedSlot);
    const confirmedBefore = cmd.type === 'confirmPurchase' ? this.confirmed.get(cmd.holdId as string) : undefined;

    let outcome: Outcome;
    try {
      outcome = { ok: true, result: this.engine.execute(structuredClone(input)) };
    } catch (error) {
      if (!isBreakwaterError(error)) {
        throw new Error(`${show(cmd)} threw something other than a BreakwaterError: ${String(error)}`, { cause: error });
      }
      outcome = { ok: false, error };
    }
    const added = this.journal().slice(before);
    this.trace.push(`${show(input)} → ${outcome.ok ? 'ok' : outcome.error.code}${added.length > 0 ? ` [${added.map((e) => e.type).join(', ')}]` : ''}`);
    if (input !== null) this.history.push(cmd);

    for (const entry of added) same(entry.at, this.clock.now(), `${entry.type} written at another instant`);
    if (!outcome.ok) {
      // A sale paused before it started starts paused: that `paused` comes with its `saleStarted`.
      const startedPaused = (e: JournalEntry, i: number) => e.type === 'paused' && added[i - 1]?.type === 'saleStarted';
      // A draw that falls due first drops the fans away past the grace (`left`, presenceLost) just before its `drawn`.
      const droppedByDraw = (e: JournalEntry, i: number) => e.type === 'left' && e.reason === 'presenceLost' && added.slice(i + 1).find((next) => next.type !== 'left')?.type === 'drawn';
      const unexpected = added.filter((e, i) => !TIME_DRIVEN.has(e.type) && !startedPaused(e, i) && !droppedByDraw(e, i) && !this.isRefundDueFor(cmd, e, before));
      expect(unexpected, `${show(cmd)} failed with ${outcome.error.code} but appended to the journal`).toEqual([]);
      if (added.some((e) => e.type === 'refundDue')) expect(outcome.error.details, show(cmd)).toMatchObject({ refund: 'due' });
    }
    if (expected !== undefined) {
      expect(outcome.ok ? 'ok' : outcome.error.code, show(cmd)).toBe(expected);
    }

    // Idempotency: the same key with the same content returns the first result and records nothing;
    // with other content it is IDEMPOTENCY_KEY_REUSED.
    if (firstUse !== undefined) {
      if (isDeepStrictEqual(firstUse.cmd, cmd)) {
        expect(outcome.ok, `retry of ${show(cmd)} failed: ${outcome.ok ? '' : outcome.error.code}`).toBe(true);
        if (outcome.ok) expect(outcome.result, `retry of ${show(cmd)}`).toStrictEqual(firstUse.result);
        expect(added, `retry of ${show(cmd)} appended to the journal`).toEqual([]);
      } else {
        expect(outcome.ok ? 'ok' : outcome.error.code, `${show(cmd)} reuses a key of ${show(firstUse.cmd)}`).toBe('IDEMPOTENCY_KEY_REUSED');
      }
    } else if (keyedSlot !== undefined && outcome.ok) {
      this.keyed.set(keyedSlot, { cmd: structuredClone(cmd), result: structuredClone(outcome.result) });
    }
    // Payment confirmations are idempotent on the payment id.
    if (confirmedBefore !== undefined) {
      if (confirmedBefore.paymentId === cmd.paymentId) {
        expect(outcome.ok, `repeated ${show(cmd)}`).toBe(true);
        // The same purchase, cancelled since if the organizer cancelled it.
        const cancelled = this.cancelled.has(cmd.holdId as string);
        if (outcome.ok) expect(outcome.result).toStrictEqual(cancelled ? { ...(confirmedBefore.result as HoldView), status: 'cancelled' } : confirmedBefore.result);
        expect(added).toEqual([]);
      } else {
        expect(outcome.ok ? 'ok' : outcome.error.code, show(cmd)).toBe('PAYMENT_MISMATCH');
      }
    } else if (cmd.type === 'confirmPurchase' && outcome.ok) {
      this.confirmed.set(cmd.holdId as string, { paymentId: cmd.paymentId as string, result: structuredClone(outcome.result) });
    }

    if (outcome.ok) this.learn(cmd, outcome.result);
    this.checkStep(false, added);
    return outcome;
  }

  private learn(cmd: Cmd, result: unknown): void {
    if (cmd.type === 'join') this.noteGrant(cmd.fanId as string, (result as JoinResult).grant?.grantId);
    if (cmd.type === 'hold' || cmd.type === 'extendHold' || cmd.type === 'startPayment' || cmd.type === 'releaseHold' || cmd.type === 'confirmPurchase' || cmd.type === 'failPayment') {
      const view = result as HoldView;
      if (!this.holdOwner.has(view.holdId)) {
        this.holdIds.push(view.holdId);
        this.holdOwner.set(view.holdId, view.fanId);
      }
    }
    if (cmd.type === 'cancelOrder') this.cancelled.add(cmd.holdId as string);
    if (cmd.type === 'startPayment') {
      const payments = this.paymentsOf.get(cmd.holdId as string) ?? [];
      if (!payments.includes(cmd.paymentId as string)) payments.push(cmd.paymentId as string);
      this.paymentsOf.set(cmd.holdId as string, payments);
    }
  }

  private noteGrant(fanId: string, grantId: string | undefined): void {
    if (grantId === undefined) return;
    const grants = this.grantsOf.get(fanId) ?? [];
    if (!grants.includes(grantId)) grants.push(grantId);
    this.grantsOf.set(fanId, grants);
  }

  tick(): void {
    const before = this.journal().length;
    this.engine.tick();
    const added = this.journal().slice(before);
    this.trace.push(`tick @${this.clock.now() - T0}${added.length > 0 ? ` [${added.map((e) => e.type).join(', ')}]` : ''}`);
    for (const entry of added) same(entry.at, this.clock.now(), `${entry.type} written at another instant`);
    this.checkStep(true, added);
  }

  advance(ms: number): void {
    this.clock.advance(ms);
    this.trace.push(`advance ${ms} → @${this.clock.now() - T0}`);
  }

  // ── What must be true after every step ──

  checkStep(afterTick: boolean, added: readonly JournalEntry[]): void {
    const journal = this.journal();
    same(checkInvariants(journal), [], 'checkInvariants(journal)');

    // The engine's counts agree with themselves and with the journal.
    const shadow = shadowOf(journal);
    const latestConfig = shadow.config;
    for (const tier of this.sale.inventory.tiers.counts()) {
      ensure(tier.free >= 0 && tier.held >= 0 && tier.sold >= 0, `tier ${tier.id} has a negative count: ${JSON.stringify(tier)}`);
      ensure(tier.free + tier.held + tier.sold === tier.capacity, `tier ${tier.id}: free + held + sold ≠ capacity: ${JSON.stringify(tier)}`);
      same(tier.held, shadow.tierHeld.get(tier.id) ?? 0, `tier ${tier.id}: held by the engine vs by the journal`);
      same(tier.sold, shadow.tierSold.get(tier.id) ?? 0, `tier ${tier.id}: sold by the engine vs by the journal`);
      same(tier.capacity, latestConfig.inventory.tiers.find((t) => t.id === tier.id)?.quantity, `tier ${tier.id}: capacity vs the journal's config`);
    }
    for (const tier of latestConfig.inventory.tiers) {
      const taken = (shadow.tierHeld.get(tier.id) ?? 0) + (shadow.tierSold.get(tier.id) ?? 0);
      ensure(taken <= tier.quantity, `tier ${tier.id}: ${taken} held or sold of ${tier.quantity} (journal)`);
    }
    for (const section of latestConfig.inventory.sections) {
      for (const row of section.rows) {
        for (const seat of row.seats) {
          const id = seatId(section.id, row.id, seat.label);
          same(this.sale.inventory.seats.status(id), shadow.seats.get(id) ?? 'free', `seat ${id}: engine vs journal`);
        }
      }
    }
    const status = this.sale.status();
    ensure(status.tickets.free >= 0, `status().tickets.free is ${status.tickets.free}`);
    same(status.tickets.free, this.sale.inventory.free, 'status().tickets.free vs inventory.free');
    same(status.tickets.held, shadow.heldTickets, 'status().tickets.held vs the journal');
    if (shadow.phase !== undefined) same(status.phase, shadow.phase, 'phase vs the journal');
    same(shadow.admittedWhilePaused, [], 'fans admitted while the organizer had paused the sale');
    for (const code of this.sale.codes.list(0, 100)) {
      ensure(code.accounts.length <= code.uses, `access code ${code.code} bound to ${code.accounts.length} accounts, ${code.uses} uses`);
      ensure(code.ticketsUsed >= 0 && code.ticketsUsed <= code.ticketCap, `access code ${code.code}: ${code.ticketsUsed} tickets, cap ${code.ticketCap}`);
    }

    const now = this.clock.now();
    if (afterTick) {
      for (const hold of this.sale.holds.activeHolds()) {
        ensure(deadlineOf(hold) > now, `hold ${hold.id} (${hold.status}) is still active past its deadline ${deadlineOf(hold) - T0} right after a tick at ${now - T0}`);
      }
      for (const fanId of FANS) {
        const grant = this.sale.room.place(fanId) === undefined ? undefined : this.sale.fanView(fanId).grant;
        if (grant !== undefined) ensure(grant.expiresAt > now, `${fanId}'s grant ${grant.grantId} is still open past ${grant.expiresAt - T0} right after a tick at ${now - T0}`);
      }
      // Sold out exactly when nothing can come back: nothing free, no active hold, no open grant or call.
      const free = this.sale.inventory.free;
      const active = this.sale.holds.activeCount;
      if (status.phase === 'soldOut') ensure(free === 0 && active === 0 && status.openGrants === 0, `soldOut with ${free} free, ${active} holds, ${status.openGrants} grants`);
      if (status.phase === 'onSale' || status.phase === 'paused') {
        ensure(free > 0 || active > 0 || status.openGrants > 0, `${status.phase} with nothing that can come back: should be soldOut`);
      }
    }
    if (added.at(-1)?.type === 'admitted') {
      // Admission never outruns the inventory (each grant counts at the full per-fan limit, rounded up)
      // nor the shopper slots.
      const limit = this.config.maxTicketsPerFan;
      const coming = this.sale.inventory.free + this.sale.holds.ticketsExpiringBy(now + EXPIRY_LOOKAHEAD_MS);
      ensure(status.openGrants * limit < coming + limit, `${status.openGrants} open grants × ${limit} for ${coming} tickets free or expiring soon`);
      const max = this.config.admission.maxActiveShoppers;
      if (max !== undefined) ensure(status.activeShoppers <= max, `${status.activeShoppers} active shoppers, at most ${max}`);
    }

    // Remember every grant a fan can see, for foreign and stale grant attempts later.
    for (const fanId of FANS) {
      const place = this.sale.room.place(fanId);
      if (place === undefined) continue;
      this.noteGrant(fanId, this.sale.fanView(fanId).grant?.grantId);
    }
  }

  // ── Resolving abstract operations ──

  /** The hold an operation targets; undefined (skip the operation) while there is none to aim at. */
  private holdAt(ref: HoldRef): string | undefined {
    const active = ref.live ? [...this.sale.holds.activeHolds()].map((h) => h.id) : [];
    const pool = active.length > 0 ? active : this.holdIds;
    if (pool.length === 0) return ref.live ? undefined : 'h404';
    return pool[ref.index % pool.length]!;
  }

  private otherFan(fanId: string): string {
    return FANS[(FANS.indexOf(fanId as (typeof FANS)[number]) + 1) % FANS.length]!;
  }

  private grantFor(fanId: string, choice: GrantChoice): string {
    const mine = this.grantsOf.get(fanId) ?? [];
    switch (choice) {
      case 'shopper':
      case 'own': {
        const current = this.sale.room.place(fanId) === undefined ? undefined : this.sale.fanView(fanId).grant?.grantId;
        return current ?? mine[mine.length - 1] ?? 'g1';
      }
      case 'stale':
        return mine[0] ?? 'g1';
      case 'foreign': {
        for (const [other, grants] of this.grantsOf) if (other !== fanId && grants.length > 0) return grants[grants.length - 1]!;
        return 'g1';
      }
      case 'bogus':
        return 'g-nope';
    }
  }

  private requestFor(spec: RequestSpec): Record<string, unknown> {
    switch (spec.kind) {
      case 'tickets': {
        const tiers = this.config.inventory.tiers;
        const tierId = spec.tier === 3 || tiers.length === 0 ? 'no-such-tier' : tiers[spec.tier % tiers.length]!.id;
        return { kind: 'tickets', tierId, quantity: spec.quantity };
      }
      case 'seats': {
        const all = this.config.inventory.sections.flatMap((s) => s.rows.flatMap((r) => r.seats.map((seat) => seatId(s.id, r.id, seat.label))));
        all.push('S9-R9-9'); // a seat that does not exist
        return { kind: 'seats', seatIds: spec.seats.map((i) => all[i % all.length]!) };
      }
      case 'best':
        return { kind: 'best', category: CATEGORIES[spec.category]!, quantity: spec.quantity };
    }
  }

  private paymentFor(holdId: string, choice: PayChoice): string {
    const payments = this.paymentsOf.get(holdId) ?? [];
    switch (choice) {
      case 'current':
        return payments[payments.length - 1] ?? `pay-${holdId}-direct`;
      case 'stale':
        return payments[0] ?? `pay-${holdId}-direct`;
      case 'wrong':
        return 'pay-wrong';
    }
  }

  /** The same command with other content, for the same fan and key. */
  private rekeyed(cmd: Cmd): Cmd {
    switch (cmd.type) {
      case 'hold': {
        const request = cmd.request as Record<string, unknown>;
        const other = request.kind === 'seats'
          ? { kind: 'seats', seatIds: [...(request.seatIds as string[]), 'S9-R9-9'] }
          : { ...request, quantity: (request.quantity as number) + 1 };
        return { ...cmd, request: other };
      }
      case 'extendHold':
        return { ...cmd, type: 'releaseHold' };
      case 'releaseHold':
        return { ...cmd, type: 'extendHold' };
      case 'startPayment':
        return { ...cmd, paymentId: `${cmd.paymentId as string}-other` };
      default:
        return cmd;
    }
  }

  private garbage(variant: number): [unknown, ErrorCode] {
    const holdId = this.holdAt({ live: false, index: 0 })!;
    switch (variant) {
      case 0: return [{ type: 'hold', eventId: EVENT, fanId: 'f0', grantId: 'g1' }, 'MALFORMED_COMMAND'];
      case 1: return [{ type: 'join', eventId: 'no-such-event', fanId: 'f0' }, 'EVENT_NOT_FOUND'];
      case 2: return [{ type: 'explode', eventId: EVENT }, 'MALFORMED_COMMAND'];
      case 3: return [{ type: 'hold', eventId: EVENT, fanId: 'f0', grantId: 'g1', key: 'k', request: { kind: 'tickets', tierId: 't0', quantity: 0 } }, 'MALFORMED_COMMAND'];
      case 4: return [{ type: 'updateEvent', eventId: EVENT, patch: { id: 'another-id' } }, 'INVALID_CONFIG'];
      case 5: return [{ type: 'failPayment', eventId: EVENT, holdId, paymentId: 'p', reason: 'x'.repeat(501) }, 'MALFORMED_COMMAND'];
      case 6: return [null, 'MALFORMED_COMMAND'];
      case 7: return [{ type: 'hold', eventId: EVENT, fanId: 'f0', grantId: 'g1', key: 'k', request: { kind: 'seats', seatIds: [] } }, 'MALFORMED_COMMAND'];
      case 8: return [{ type: 'createEvent', config: this.scenario.config }, 'EVENT_EXISTS'];
      default: return [{ type: 'presence', eventId: EVENT, fanId: 'f0', connected: 'yes' }, 'MALFORMED_COMMAND'];
    }
  }

  step(op: Op): void {
    switch (op.t) {
      case 'join': {
        const address = ADDRESSES[op.address ?? 0];
        const accessCode = JOIN_CODES[op.code ?? 0];
        const groups = JOIN_GROUPS[op.groups ?? 0];
        this.send({
          type: 'join', eventId: EVENT, fanId: FANS[op.fan]!, ...(address === undefined ? {} : { address }),
          ...(accessCode === undefined ? {} : { accessCode }), ...(groups === undefined ? {} : { groups: [...groups] }),
        });
        return;
      }
      case 'codes':
        this.send({ type: 'generateCodes', eventId: EVENT, count: op.count, uses: op.uses, ticketCap: op.ticketCap });
        return;
      case 'leave':
        this.send({ type: 'leave', eventId: EVENT, fanId: FANS[op.fan]! });
        return;
      case 'presence':
        this.send({ type: 'presence', eventId: EVENT, fanId: FANS[op.fan]!, connected: op.connected });
        return;
      case 'advance':
        this.advance(op.ms);
        if (op.thenTick) this.tick();
        return;
      case 'tick':
        this.tick();
        return;
      case 'hold': {
        let fanId: string = FANS[op.fan]!;
        if (op.grant === 'shopper') {
          // A fan who was admitted and has not used the grant yet, when there is one.
          const shoppers = FANS.filter((f) => this.sale.room.place(f) !== undefined && this.sale.fanView(f).grant !== undefined);
          if (shoppers.length > 0) fanId = shoppers[op.fan % shoppers.length]!;
        }
        this.send({ type: 'hold', eventId: EVENT, fanId, grantId: this.grantFor(fanId, op.grant), key: `k${op.key}`, request: this.requestFor(op.request) });
        return;
      }
      case 'shop': {
        this.tick();
        this.step({ t: 'hold', fan: op.fan, grant: 'shopper', request: op.request, key: op.key });
        return;
      }
      case 'extend':
      case 'release': {
        const holdId = this.holdAt(op.hold);
        if (holdId === undefined) return;
        const owner = this.holdOwner.get(holdId) ?? 'f0';
        const fanId = op.owner ? owner : this.otherFan(owner);
        this.send({ type: op.t === 'extend' ? 'extendHold' : 'releaseHold', eventId: EVENT, fanId, holdId, key: `k${op.key}` });
        return;
      }
      case 'startPayment': {
        const holdId = this.holdAt(op.hold);
        if (holdId === undefined) return;
        const owner = this.holdOwner.get(holdId) ?? 'f0';
        const fanId = op.owner ? owner : this.otherFan(owner);
        this.send({ type: 'startPayment', eventId: EVENT, fanId, holdId, paymentId: `pay-${holdId}-${op.payment}`, key: `k${op.key}` });
        return;
      }
      case 'confirm': {
        const holdId = this.holdAt(op.hold);
        if (holdId === undefined) return;
        this.send({ type: 'confirmPurchase', eventId: EVENT, holdId, paymentId: this.paymentFor(holdId, op.payment) });
        return;
      }
      case 'fail': {
        const holdId = this.holdAt(op.hold);
        if (holdId === undefined) return;
        this.send({ type: 'failPayment', eventId: EVENT, holdId, paymentId: this.paymentFor(holdId, op.payment), reason: 'card declined' });
        return;
      }
      case 'refuse': {
        const holdId = this.holdAt(op.hold);
        if (holdId === undefined) return;
        this.send({ type: 'refusePayment', eventId: EVENT, holdId, paymentId: this.paymentFor(holdId, op.payment) });
        return;
      }
      case 'organizer':
        this.send({ type: op.action, eventId: EVENT });
        return;
      case 'cancel': {
        const bought = op.hold.live ? this.holdIds.filter((id) => this.sale.holds.get(id)?.status === 'purchased') : [];
        const holdId = bought.length > 0 ? bought[op.hold.index % bought.length] : this.holdAt({ live: false, index: op.hold.index });
        if (holdId === undefined) return;
        this.send({ type: 'cancelOrder', eventId: EVENT, holdId, refund: op.refund, reason: 'organizer' });
        return;
      }
      case 'capacity': {
        const tiers = this.config.inventory.tiers.map((tier) => ({ ...tier }));
        if (op.addTier && tiers.length < 5) {
          tiers.push({ id: `t${tiers.length}`, name: 'Added', price: 500, quantity: Math.abs(op.delta) });
        } else if (tiers.length > 0) {
          const tier = tiers[op.tier % tiers.length]!;
          tier.quantity = Math.max(0, tier.quantity + op.delta);
        }
        this.send({ type: 'updateEvent', eventId: EVENT, patch: { inventory: { tiers, sections: this.config.inventory.sections } } });
        return;
      }
      case 'retune': {
        const { field, value } = op.patch;
        let patch: Record<string, unknown>;
        if (field === 'closesIn') patch = { closesAt: Math.max(this.config.onSaleAt + 1, this.clock.now() + value) };
        else if (field === 'onSaleShift') patch = { onSaleAt: Math.max(this.config.preQueueOpensAt, this.config.onSaleAt + value) };
        else patch = { [field]: value };
        this.send({ type: 'updateEvent', eventId: EVENT, patch });
        return;
      }
      case 'retry': {
        if (this.history.length === 0) return;
        this.send(structuredClone(this.history[op.index % this.history.length]!));
        return;
      }
      case 'rekey': {
        const keyed = [...this.keyed.values()];
        if (keyed.length === 0) return;
        this.send(this.rekeyed(keyed[op.index % keyed.length]!.cmd), 'IDEMPOTENCY_KEY_REUSED');
        return;
      }
      case 'restore': {
        const before = this.sale.status();
        const codes = this.sale.codes.list(0, 100);
        const fans = FANS.map((fanId) => (this.sale.room.place(fanId) === undefined ? undefined : this.sale.fanView(fanId)));
        const snapshots = new Map(this.snapshot === undefined ? [] : [[EVENT, this.snapshot]]);
        const onRefused = (_eventId: string, reason: string) => expect.fail(`snapshot refused: ${reason}`);
        this.engine = Engine.restore(this.engine.journal, { clock: this.clock, randomBytes: this.randomBytes, seeds: TEST_SEEDS }, { snapshots, onRefused });
        this.sale = this.engine.event(EVENT);
        this.snapshot = this.engine.snapshot(EVENT);
        this.trace.push(snapshots.size === 0 ? 'restore' : 'restore from a snapshot');
        same(this.sale.status(), before, 'status of the event rebuilt from its journal');
        same(this.sale.codes.list(0, 100), codes, 'access codes rebuilt from the journal');
        same(FANS.map((fanId) => (this.sale.room.place(fanId) === undefined ? undefined : this.sale.fanView(fanId))), fans, 'fan views rebuilt from the journal');
        this.checkStep(false, []);
        return;
      }
      case 'garbage': {
        const [cmd, code] = this.garbage(op.variant);
        this.send(cmd as Cmd | null, code);
        return;
      }
    }
  }

  /** Close the sale, let every deadline pass, and require every hold to have ended. */
  finish(): void {
    const closed = this.send({ type: 'close', eventId: EVENT });
    if (!closed.ok) expect(closed.error.code).toBe('WRONG_PHASE');
    expect(this.sale.phase).toBe('closed');
    let last = this.clock.now();
    for (const hold of this.sale.holds.activeHolds()) last = Math.max(last, deadlineOf(hold));
    // Past every deadline an open hold can have, however the configuration was retuned meanwhile.
    this.advance(last - this.clock.now() + 1);
    this.tick();
    expect(this.sale.holds.activeCount, 'active holds after the last deadline').toBe(0);
    expect(checkInvariants(this.journal(), { requireAllHoldsEnded: true }), 'checkInvariants (all holds ended)').toEqual([]);

    // Replaying the journal rebuilds the same event.
    const replayed = SaleEvent.fromJournal(this.journal(), { clock: this.clock, randomBytes: this.randomBytes, seeds: TEST_SEEDS });
    expect(replayed.status(), 'status of the event rebuilt from its journal').toStrictEqual(this.sale.status());
    expect(replayed.inventory.tiers.counts()).toStrictEqual(this.sale.inventory.tiers.counts());
    // And so does a snapshot taken anywhere in it, with the rest of the journal replayed.
    const journal = this.journal();
    const pick = seededRandomBytes(this.scenario.seed);
    expectSnapshotsAgree(journal, { clock: this.clock, randomBytes: this.randomBytes, seeds: TEST_SEEDS }, cutPoints(journal.length, 6, (max) => Buffer.from(pick(4)).readUInt32BE() % max));
  }
}

/** Cheap assertions for the hot path; vitest's expect only runs to report a failure. */
function ensure(condition: boolean, message: string): void {
  if (!condition) expect.fail(message);
}

function same(actual: unknown, expected: unknown, message: string): void {
  if (!isDeepStrictEqual(actual, expected)) expect(actual, message).toStrictEqual(expected);
}

/** What the journal alone says about holds, inventory and the phase: no engine code involved. */
function shadowOf(journal: readonly JournalEntry[]) {
  let config = (journal[0] as Extract<JournalEntry, { type: 'created' }>).config;
  const holds = new Map<string, { allocation: Allocation; state: 'active' | 'purchased' | 'ended' }>();
  let phase: string | undefined;
  // The organizer's pause lasts until the organizer resumes (or the sale closes), sold out or not.
  let organizerPaused = false;
  const admittedWhilePaused: string[] = [];
  for (const entry of journal) {
    // A pause before the sale holds its start: the phase stays until the sale starts (paused).
    const beforeSale = (entry.type === 'paused' || entry.type === 'resumed') && entry.beforeSale === true;
    if (entry.type === 'paused') organizerPaused = true;
    if (entry.type === 'resumed' || entry.type === 'closed') organizerPaused = false;
    if (entry.type === 'admitted' && organizerPaused) admittedWhilePaused.push(`${entry.fanIds.join(', ')} at ${entry.at - T0}`);
    switch (entry.type) {
      case 'configUpdated':
        config = entry.config;
        break;
      case 'held':
        holds.set(entry.holdId, { allocation: entry.allocation, state: 'active' });
        break;
      case 'purchased':
        holds.get(entry.holdId)!.state = 'purchased';
        break;
      case 'expired':
      case 'released':
      case 'orderCancelled':
        holds.get(entry.holdId)!.state = 'ended';
        break;
      case 'published': phase = 'scheduled'; break;
      case 'preQueueOpened': phase = 'preQueue'; break;
      case 'saleStarted': case 'reopened': phase = 'onSale'; break;
      case 'resumed': if (!beforeSale) phase = 'onSale'; break;
      case 'paused': if (!beforeSale) phase = 'paused'; break;
      case 'soldOut': phase = 'soldOut'; break;
      case 'closed': phase = 'closed'; break;
    }
  }
  const tierHeld = new Map<string, number>();
  const tierSold = new Map<string, number>();
  const seats = new Map<string, 'held' | 'sold'>();
  let heldTickets = 0;
  for (const { allocation, state } of holds.values()) {
    if (state === 'ended') continue;
    if (state === 'active') heldTickets += allocation.quantity;
    if (allocation.tierId !== undefined) {
      const counts = state === 'active' ? tierHeld : tierSold;
      counts.set(allocation.tierId, (counts.get(allocation.tierId) ?? 0) + allocation.quantity);
    }
    for (const seat of allocation.seatIds ?? []) seats.set(seat, state === 'active' ? 'held' : 'sold');
  }
  return { config, tierHeld, tierSold, seats, heldTickets, phase, admittedWhilePaused };
}

function show(cmd: Cmd | null): string {
  if (cmd === null || typeof cmd !== 'object') return String(cmd);
  const { type, eventId: _eventId, ...rest } = cmd;
  return `${type} ${JSON.stringify(rest)}`;
}

function runProgram(scenario: Scenario, program: readonly Op[]): void {
  const run = new Run(scenario);
  try {
    for (const op of program) run.step(op);
    run.finish();
  } catch (error) {
    throw traced(run, error);
  }
}

/** The same, with the journal written through `journal`, made durable every few steps so it lands in many writes. */
async function runProgramDurably(scenario: Scenario, program: readonly Op[], journal: DurableJournal): Promise<Run> {
  const run = new Run(scenario, journal);
  try {
    for (const [k, op] of program.entries()) {
      run.step(op);
      if (k % 5 === 4) await journal.durable();
    }
    run.finish();
  } catch (error) {
    throw traced(run, error);
  }
  await journal.durable();
  return run;
}

function traced(run: Run, error: unknown): Error {
  const tail = run.trace.slice(-40).join('\n  ');
  return new Error(`${(error as Error).message}\nlast steps:\n  ${tail}`, { cause: error });
}

// ── Regressions: found by this file, replayed first on every run ─────────

/** A small GA sale that opens at once; `overrides` tune it. */
function exampleScenario(overrides: Record<string, unknown>): Scenario {
  return {
    config: {
      id: EVENT,
      name: 'Regression',
      preQueueOpensAt: T0,
      onSaleAt: T0 + 1,
      closesAt: T0 + 15 * MINUTE + 1,
      inventory: { tiers: [{ id: 't0', name: 'Tier 0', price: 1000, quantity: 3 }], sections: [] },
      paymentWindowMs: 10 * SECOND,
      holdExtensionMs: SECOND,
      paymentPendingMaxMs: SECOND,
      maxTicketsPerFan: 2,
      admission: { mode: 'auto' },
      presenceGraceMs: SECOND,
      grantTtlMs: 5 * SECOND,
      // These regressions predate the start window; fans after the start are numbered on arrival.
      door: { startWindowMs: 0 },
      ...overrides,
    },
    publish: true,
    seed: 0,
  };
}

const REGRESSIONS: Array<[Scenario, Op[]]> = [
  // The organizer pauses; the last held hold starts paying (sold out while paused); capacity goes up:
  // the sale reopened straight to onSale and admitted f1 although nobody resumed it.
  [
    exampleScenario({}),
    [
      { t: 'advance', ms: SECOND, thenTick: true },
      { t: 'join', fan: 0 },
      { t: 'capacity', tier: 0, delta: -1, addTier: false },
      { t: 'shop', fan: 0, request: { kind: 'tickets', tier: 0, quantity: 2 }, key: 0 },
      { t: 'organizer', action: 'pause' },
      { t: 'startPayment', hold: { live: true, index: 0 }, owner: true, payment: 0, key: 1 },
      { t: 'join', fan: 1 },
      { t: 'capacity', tier: 0, delta: 1, addTier: false },
      { t: 'shop', fan: 0, request: { kind: 'tickets', tier: 0, quantity: 1 }, key: 0 },
    ],
  ],
];

/** Fan commands fire due phase changes before they are decided; when the command then fails, only those entries stay. */
const PHASE_REGRESSIONS: Array<[Scenario, Op[]]> = [
  // The sale's closing time passes with no tick; a join is refused (WRONG_PHASE) yet appends "closed".
  [exampleScenario({ closesAt: T0 + 10 * MINUTE }), [{ t: 'advance', ms: 10 * MINUTE, thenTick: false }, { t: 'join', fan: 0 }]],
  // The on-sale time passes with no tick; a hold with a bogus grant is refused (GRANT_INVALID) yet appends "saleStarted".
  [
    exampleScenario({}),
    [
      { t: 'join', fan: 0 },
      { t: 'advance', ms: SECOND, thenTick: false },
      { t: 'hold', fan: 0, grant: 'bogus', request: { kind: 'tickets', tier: 0, quantity: 1 }, key: 0 },
    ],
  ],
  // f4 joins the pre-queue and goes away; both the on-sale and closing times pass with no tick. The closing `close`
  // is refused (WRONG_PHASE: time closed the sale first), and the overdue pre-queue draw it ran first had dropped f4
  // (`left`, presenceLost): time's entry too, yet read as the refused command's.
  [
    exampleScenario({ onSaleAt: T0 + 30 * SECOND, closesAt: T0 + 930 * SECOND, door: { startWindowMs: 1, joinsPerAddressPerMin: 0, joinsPerSubnetPerMin: 0, slowLaneMaxDelayMs: 0 } }),
    [
      { t: 'join', fan: 4 },
      { t: 'presence', fan: 4, connected: false },
      { t: 'advance', ms: 930 * SECOND, thenTick: false },
    ],
  ],
];

// ── The properties ───────────────────────────────────────────────────────

describe('engine invariants under random command programs', () => {
  it('hold after every step, and every hold ends once the sale is over', () => {
    fc.assert(
      fc.property(scenarioArb, programArb, (scenario, program) => runProgram(scenario, program)),
      { numRuns: NUM_RUNS, examples: [...REGRESSIONS, ...PHASE_REGRESSIONS], ...SEED },
    );
  }, timeoutFor(NUM_RUNS));
});

describe('engine invariants with the journal written to Redis', () => {
  let fx: RedisFixture | undefined;
  let redis: Redis;
  beforeAll(async () => {
    fx = await startRedis();
    redis = fx.client();
  });
  afterAll(() => fx?.stop());

  it('hold as in memory, and the journal read back by the next owner is the same and restores the same event', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, programArb, async (scenario, program) => {
        const prefix = fx!.prefix();
        const run = await runProgramDurably(scenario, program, new DurableJournal(await fx!.owner(redis, prefix)));
        const { entries } = await (await fx!.owner(redis, prefix)).claim(EVENT);
        expect(entries).toStrictEqual(run.journal());
        const restored = SaleEvent.fromJournal(entries, { clock: run.clock, randomBytes: seededRandomBytes(scenario.seed), seeds: TEST_SEEDS });
        expect(restored.status()).toStrictEqual(run.sale.status());
      }),
      { numRuns: REDIS_RUNS, ...SEED },
    );
  }, timeoutFor(REDIS_RUNS * 4));
});
