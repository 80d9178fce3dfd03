import { CodeBook } from '../access/code-book.js';
import { generateCodes, parseCodesCsv, type GenerateCodes } from '../access/code-input.js';
import { drawsOfPhase, phaseDrawDueAt, phaseDrawFor, phaseOfDraw } from '../access/phase-draws.js';
import { checkAccess, phaseIndexAt } from '../access/phases.js';
import type { Clock } from '../clock.js';
import { PAYMENTS_DEFAULTS, type BeaconName, type EventConfig, type PaymentsConfig, type SalePhase } from '../config/types.js';
import { isJoinKeyDigest, type JoinContext } from '../commands.js';
import { BreakwaterError } from '../errors.js';
import { BEACON_HEX, pseudonymOf, RECEIPT_BYTES, runDraw } from '../fairness/draw.js';
import { proofOfRun, type DrawRun } from '../fairness/draw-run.js';
import type { DrawProof } from '../fairness/draw-proof.js';
import { commitmentOf, newSeed } from '../fairness/shuffle.js';
import { deadlineOf, HoldBook, type Hold } from '../inventory/hold-book.js';
import { Inventory, type HoldRequest } from '../inventory/inventory.js';
import type { JournalEntry, PaymentFailure, RefundReason } from '../journal/entries.js';
import { DEFAULT_CHANNEL, PaymentDesk } from '../payments/payment-desk.js';
import { canTransition, phaseOf, startSaleActor, type LifecycleEvent, type Phase, type SaleActor } from '../lifecycle/sale-machine.js';
import { Door } from '../door/door.js';
import { FanStatus, PRE_QUEUE_DRAW, WaitingRoom, type Numbering } from '../queue/waiting-room.js';
import { PlaceKeys } from '../queue/place-keys.js';
import { admissionBudget, TokenBucket } from './admission.js';
import { GrantBook, type Grant } from './grant-book.js';
import { FanAccounts } from './fan-accounts.js';
import { checkConfigChange, configLocks, type FieldLock } from './config-change.js';
import { ticketsPerFanOf } from './tickets-per-fan.js';
import { finish } from '../util/steps.js';
import { validateConfigUpdate } from '../config/validate.js';
import { REGISTRATION_DRAW, RegistrationBook, type RegistrationStatus, type RegistrationView } from '../registration/registration-book.js';
import { advanceRegistration, inviteNext, register, registrationDueAt, viewOf, withdraw, type RegistrationContext } from '../registration/registration-desk.js';
import { holdView, type DrawView, type EventStatus, type GrantView, type HoldView, type JoinResult, type WaitlistStatus } from './views.js';

/**
 * Where a payment may go: `channel`, the one the fan chose; `channels`, those
 * the transport can serve, first choice first (default: the event's own).
 */
export interface PaymentChoice {
  channel?: string;
  channels?: string[];
}

/** A payment refused a purchase, or paid for an order cancelled with its refund: the refund it is due, and whether the payment side reported it done. */
export interface RefundState {
  holdId: string;
  reason: RefundReason;
  state: 'due' | 'refunded';
}

/** The organizer's message to the queue and when it went up. */
export interface Announcement {
  text: string;
  at: number;
}

/** A cancelled order and how far its refund got (`none`: not refunded). */
export interface OrderCancellation {
  hold: HoldView;
  refund: 'none' | 'due' | 'refunded';
}

export interface SaleEventDeps {
  clock: Clock;
  /** Source of the seeds and receipts: node:crypto's randomBytes in production, seeded in simulations. */
  randomBytes: (n: number) => Uint8Array;
  /** Keeps a draw's seed unreadable in the journal until the draw: the host's encryption under the deployment secret. */
  seeds: SeedVault;
}

/**
 * Seals a seed into an opaque text the journal carries, and opens it again.
 * The host's (engine/stores/seed-vault.ts): the engine itself holds no key,
 * and a replay never opens anything (the `drawn` entry carries the seed).
 */
export interface SeedVault {
  seal(seedHex: string): string;
  open(sealed: string): string;
}

/** Holds that may come back within this horizon count as inventory the queue can be admitted against. */
export const EXPIRY_LOOKAHEAD_MS = 15_000;

/**
 * The waitlist: places numbered in (after, upTo] are waitlisted; `upTo` is
 * Infinity while nothing is free to sell (new places join it), the last
 * number handed out once it ended. Places before `after` stand by.
 */
interface WaitlistState {
  after: number;
  upTo: number;
  /** Standby places (S) last decided (0 while early). */
  standby: number;
  /** Opened early, while tickets are still free: nobody stands by yet. */
  early: boolean;
}

/** A draw: its sealed seed, its beacon's value once supplied and, once run, what it drew. */
interface DrawState {
  commitment: string;
  sealedSeed: string;
  /** The beacon's value, once the organizer supplied it. */
  beacon: string | undefined;
  drawnAt: number | undefined;
  count: number | undefined;
  run: DrawRun | undefined;
}

/**
 * One event's sale: the per-event actor. Commands are decided here (checked,
 * with every choice made: seats, ids, who is admitted) and turned into journal
 * entries; `apply` is the only code that changes state, and replaying the
 * journal through it rebuilds the event exactly. No I/O: time comes from the
 * injected clock and the new entries wait in `takeEntries()` for the host.
 */
export class SaleEvent {
  config: EventConfig;
  readonly room = new WaitingRoom();
  private readonly placeKeys = new PlaceKeys();
  inventory: Inventory;
  readonly holds = new HoldBook();
  /** Payments refused a purchase, by payment id: the refund each is due. */
  private readonly refunds = new Map<string, RefundState>();
  /** The hold each purchasing payment id bought. */
  private readonly purchases = new Map<string, string>();
  /** The payment channels' health, breakers and limits, and the payment queue. */
  readonly payments: PaymentDesk;
  private readonly actor: SaleActor;
  private cachedPhase: Phase = 'draft';
  /** The next instant time can change the phase: commands before it skip the lifecycle checks. */
  private nextPhaseChangeAt = Infinity;
  /** Per admitted fan: open grant, holds, first results of keyed commands. */
  readonly accounts = new FanAccounts();
  private readonly grants = new GrantBook();
  /** Access codes for coded presale phases, and which fans and holds count against each. */
  readonly codes = new CodeBook();
  /** Registration for a coded presale and its draw (docs/presales.md). */
  readonly registration = new RegistrationBook();
  /** When time next moves registration on (its opening, its close and draw). */
  private registrationDueAt = Infinity;
  /** The lifecycle passed START_SALE: on sale from here, though nobody is numbered before the pre-queue draw. */
  private saleStarted = false;
  /** Draws sealed so far, in the order they were sealed: the pre-queue's first. */
  private readonly draws = new Map<string, DrawState>();
  /** When the next phase after the first opens and seals its draws (Infinity: none left). */
  private phaseDrawsDueAt = Infinity;
  readonly door = new Door();
  private slowLaneJoins = 0;
  private readonly rate = new TokenBucket();
  private readonly paymentPace = new TokenBucket();
  private admittingSince: number | undefined;
  private admittedTotal = 0;
  private soldOutAt: number | undefined;
  private closedAt: number | undefined;
  /** The organizer had paused the sale when it sold out: reopening must not lift the pause. */
  private pausedWhenSoldOut = false;
  /** The organizer paused the sale before its on-sale time: it starts paused. */
  private pausedBeforeSale = false;
  /** The organizer's message to everyone in the queue, while one is up. */
  private announcement: Announcement | undefined;
  private waitlist: WaitlistState | undefined;
  /**
   * The returnable tickets the standby was last checked for: a cache (not
   * state) sparing the check while they do not shrink (reset by a config
   * change). The S-th waiting place only moves later with time, so a
   * restored event, checking again, decides the same.
   */
  private standbyCheckedFor = Infinity;
  private calledTotal = 0;
  private lapsedCalls = 0;
  private newEntries: JournalEntry[] = [];

  private constructor(
    private readonly deps: SaleEventDeps,
    config: EventConfig,
  ) {
    this.config = config;
    this.payments = new PaymentDesk(paymentsOf(config));
    this.inventory = new Inventory(config.inventory);
    this.actor = startSaleActor({ preQueueOpensAt: config.preQueueOpensAt, onSaleAt: config.onSaleAt });
    this.phaseDrawsDueAt = this.nextPhaseDrawsAt();
    this.registrationDueAt = registrationDueAt(config, this.registration);
  }

  /** A new event in draft, from an already validated configuration. */
  static create(config: EventConfig, deps: SaleEventDeps): SaleEvent {
    const event = new SaleEvent(deps, config);
    event.newEntries.push({ type: 'created', at: deps.clock.now(), config });
    return event;
  }

  /** Rebuilds an event from its journal: the same state as the event that wrote it. */
  static fromJournal(entries: readonly JournalEntry[], deps: SaleEventDeps): SaleEvent {
    return finish(SaleEvent.replaying(entries, deps, Infinity));
  }

  /**
   * `fromJournal` a step at a time: pauses (yields) after every
   * `entriesPerStep` entries applied and returns the event, the same however
   * the steps are spaced, so a host can let other work run between steps.
   */
  static *replaying(entries: readonly JournalEntry[], deps: SaleEventDeps, entriesPerStep: number): Generator<void, SaleEvent, void> {
    const first = entries[0];
    if (first?.type !== 'created') throw new Error('a journal starts with its "created" entry');
    const event = new SaleEvent(deps, first.config);
    for (let i = 1; i < entries.length; i++) {
      event.apply(entries[i]!);
      if (i % entriesPerStep === 0) yield;
    }
    return event;
  }

  /** Applies the entries written after the state this event was restored from (engine/src/snapshot). */
  replayTail(entries: readonly JournalEntry[]): void {
    for (const entry of entries) this.apply(entry);
  }

  get id(): string {
    return this.config.id;
  }

  get phase(): Phase {
    return this.cachedPhase;
  }

  /** Entries recorded since the last call, for the host to store and publish. */
  takeEntries(): JournalEntry[] {
    const entries = this.newEntries;
    this.newEntries = [];
    return entries;
  }

  /** The entries recorded since the last clear, without copying: valid until `clearEntries()`. */
  pendingEntries(): readonly JournalEntry[] {
    return this.newEntries;
  }

  clearEntries(): void {
    // A fresh array: truncating with `length = 0` costs V8 more than allocating.
    this.newEntries = [];
  }

  // ── Fans ────────────────────────────────────────────────────────────────

  /**
   * Takes a place in the queue; joining again returns the same place and
   * passes no door. A join that creates a place (a first join, or a fan whose
   * place was left or lost) goes through the door: POW_REQUIRED (changing
   * nothing) when its proof of work is short, a later `readyAt` when its
   * address or subnet is over budget. The place is then numbered by the draw
   * its effective arrival (readyAt) falls in, or at that arrival.
   */
  join(fanId: string, context: JoinContext = {}): JoinResult {
    const now = this.now();
    const room = this.room;
    let slot = room.slotOfFan(fanId);
    const present = slot >= 0 && room.isPresentAt(slot);
    let code: string | undefined;
    let receipt: string | undefined;
    if (!present) {
      this.requirePhase('join', this.phaseAt(now), 'preQueue', 'onSale', 'paused', 'soldOut');
      // Only a new place is checked: a fan in line from an earlier phase keeps the place.
      code = checkAccess(this.config.phases, now, fanId, context, this.codes);
    }
    this.advancePhase(now);
    if (!present) {
      const readyAt = this.door.pass(this.config.door, context, now);
      const numbering = this.numberingOf(now, readyAt);
      const entry: JournalEntry = { type: 'joined', at: now, fanId };
      if (numbering?.draw !== undefined) {
        // Only the pseudonym is journaled: the receipt goes to the fan alone.
        const bytes = this.deps.randomBytes(RECEIPT_BYTES);
        receipt = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
        entry.draw = numbering.draw;
        entry.pseudonym = pseudonymOf(bytes, fanId).toString('hex');
      }
      if (readyAt > now) entry.readyAt = readyAt;
      if (context.joinKeyDigest !== undefined) entry.joinKeyDigest = context.joinKeyDigest;
      this.record(entry);
      slot = room.slotOfFan(fanId);
      if (code !== undefined) this.record({ type: 'codeRedeemed', at: now, fanId, code });
    }
    const result = this.joinResult(fanId, slot);
    if (receipt !== undefined) result.receipt = receipt;
    return result;
  }

  // ── Draws ──────────────────────────────────────────────────────────────
  //
  // A draw numbers together, by a verifiable shuffle, every place pending in
  // it at an instant. Each sale phase has one: its pre-queue and its start
  // window (`door.startWindowMs` after its on-sale time) are one cohort, so a
  // place taken an hour early and one taken in the first seconds of the sale
  // have the same chances. The draw is sealed when the phase's pre-queue
  // opens, before anyone can arrive in it (its commitment is then public in
  // `status().draws`; the first phase's is `preQueueOpened`), and runs (a
  // `drawn` entry) at the window's end, by the first tick or command at or
  // after that instant, before anything else that command decides. The phase
  // is on sale from its on-sale time, but its arrivals are numbered, and so
  // admitted, only then. Later arrivals are numbered at once or, in the slow
  // lane, at their readyAt (a `numbered` entry), first come first served by
  // effective arrival.

  /**
   * How a place arriving (effectively) at `arrival` is numbered: by its
   * phase's draw before that draw's instant, otherwise at its arrival (now,
   * or its `readyAt`).
   */
  private numberingOf(now: number, arrival: number): { draw: string } | { readyAt: number; draw?: undefined } | undefined {
    // A later phase's draw, once sealed (a slow-lane arrival in a phase not open yet is not).
    const phaseDraw = phaseDrawFor(this.config.phases, arrival, this.config.door.startWindowMs);
    const state = phaseDraw === undefined ? undefined : this.draws.get(phaseDraw);
    if (state !== undefined && state.drawnAt === undefined) return { draw: phaseDraw! };
    const first = this.draws.get(PRE_QUEUE_DRAW);
    if (first !== undefined && first.drawnAt === undefined && arrival < this.drawDueAt(PRE_QUEUE_DRAW)) return { draw: PRE_QUEUE_DRAW };
    return arrival > now ? { readyAt: arrival } : undefined;
  }

  /** When a sealed draw runs, under the configuration in force: its phase's start window's end. */
  private drawDueAt(draw: string): number {
    if (draw === PRE_QUEUE_DRAW) return this.config.onSaleAt + this.config.door.startWindowMs;
    return phaseDrawDueAt(this.config.phases, draw, this.config.door.startWindowMs) ?? Infinity;
  }

  /** The beacon the configuration names for a draw, if any. */
  private beaconOf(draw: string): BeaconName | undefined {
    return draw === PRE_QUEUE_DRAW ? this.config.draw.beacon : phaseOfDraw(this.config.phases, draw)?.beacon;
  }

  /**
   * True when the fan holds a place (or an admission) taken with a join key
   * of this digest: its client may take it again without the queue token
   * (the answer that carried the token was lost). A place taken without a
   * key matches none.
   */
  holdsPlaceWithKey(fanId: string, joinKeyDigest: string): boolean {
    const slot = this.room.slotOfFan(fanId);
    return slot >= 0 && this.room.isPresentAt(slot) && isJoinKeyDigest(joinKeyDigest) && this.placeKeys.matches(slot, joinKeyDigest);
  }

  /** Gives the place up. An unused admission goes back to the queue. */
  leave(fanId: string): void {
    this.requirePresent(fanId);
    this.record({ type: 'left', at: this.now(), fanId, reason: 'left' });
  }

  /** The gateway reports a fan's connection coming and going. */
  setPresence(fanId: string, connected: boolean): void {
    this.requirePresent(fanId);
    if (this.room.isConnected(fanId) === connected) return;
    const at = this.now();
    if (!connected && this.mayBeAway(fanId)) this.record({ type: 'presence', at, fanId, connected, keptAway: true });
    else this.record({ type: 'presence', at, fanId, connected });
  }

  /** Uses the fan's one-time admission grant to hold tickets for the payment window. */
  hold(fanId: string, grantId: string, request: HoldRequest, key: string): HoldView {
    const fingerprint = holdFingerprint(grantId, request);
    // The grant's account when the grant is the fan's (no lookup by fan id); the fan's own otherwise.
    const owner = this.grants.accountOf(grantId);
    const account = owner !== undefined && owner.fanId === fanId ? owner : this.accounts.get(fanId);
    const replay = account?.replay(key, fingerprint);
    if (replay !== undefined) return replay;
    // Decided on the phase the event is due to be in; due changes are recorded only once the hold is sure.
    const phase = this.phaseAt(this.now());
    if (phase === 'soldOut') throw new BreakwaterError('SOLD_OUT');
    this.requirePhase('hold', phase, 'onSale', 'paused');
    const grant = this.grants.require(fanId, grantId, this.now());
    const quantity = request.kind === 'seats' ? request.seatIds.length : request.quantity;
    const current = this.accounts.ticketsOf(account);
    if (current + quantity > this.config.maxTicketsPerFan) {
      throw new BreakwaterError('LIMIT_EXCEEDED', `at most ${this.config.maxTicketsPerFan} tickets per fan`, {
        details: { limit: this.config.maxTicketsPerFan, current, requested: quantity },
      });
    }
    this.codes.requireTicketRoom(fanId, quantity);
    const allocation = this.inventory.allocate(request);
    this.advancePhase(this.now());
    const at = this.now();
    const holdId = this.holds.nextId();
    this.record({
      type: 'held', at, fanId, holdId, grantId: grant.id, key, fingerprint, allocation,
      expiresAt: at + this.config.paymentWindowMs,
    });
    this.afterInventoryChange();
    return grant.account.latestResult!;
  }

  /** Extends a hold once by the event's extension, when the event allows it. */
  extendHold(fanId: string, holdId: string, key: string): HoldView {
    const fingerprint = `extend:${holdId}`;
    const replay = this.accounts.get(fanId)?.replay(key, fingerprint);
    if (replay !== undefined) return replay;
    const hold = this.requireLiveHold(fanId, holdId, 'held');
    if (this.config.holdExtensionMs <= 0 || hold.extended) {
      throw new BreakwaterError('EXTENSION_NOT_ALLOWED', hold.extended ? 'this hold was already extended' : undefined);
    }
    this.record({ type: 'extended', at: this.now(), holdId, key, expiresAt: hold.expiresAt + this.config.holdExtensionMs });
    return holdView(hold);
  }

  /**
   * The fan starts paying (docs/payments.md, "Health, breakers and pacing").
   * With pacing on, the payment starts on the channel that can take it now
   * and has answered best lately; when none can (each at its limit, its
   * declared pace or its breaker open), or payments already wait, it joins the
   * payment queue: the hold's clock pauses up to `payments.queuePauseMaxMs`
   * and a tick starts it in its turn. A fan naming a channel whose breaker is
   * open is refused (PAYMENT_CHANNEL_UNAVAILABLE, with the others it may use).
   * With pacing off it starts at once on the first channel. Expiry pauses,
   * up to `paymentPendingMaxMs`, until the payment side answers.
   */
  startPayment(fanId: string, holdId: string, paymentId: string, key: string, choice: PaymentChoice = {}): HoldView {
    const fingerprint = `pay:${holdId}:${paymentId}`;
    const replay = this.accounts.get(fanId)?.replay(key, fingerprint);
    if (replay !== undefined) return replay;
    this.requireLiveHold(fanId, holdId, 'held');
    const at = this.now();
    const desk = this.payments;
    let channels = desk.candidates(choice.channels);
    if (choice.channel !== undefined) {
      const chosen = choice.channel;
      if (!channels.includes(chosen)) throw new BreakwaterError('PAYMENT_CHANNEL_NOT_OFFERED', undefined, { details: { eventId: this.id, channel: chosen } });
      const retryAt = desk.pacing ? desk.reopensAt(chosen) : undefined;
      if (retryAt !== undefined) {
        const others = channels.filter((name) => name !== chosen && desk.breakerOf(name).state !== 'open');
        throw new BreakwaterError('PAYMENT_CHANNEL_UNAVAILABLE', undefined, { details: { channel: chosen, breaker: 'open', retryAt, channels: others } });
      }
      channels = [chosen];
    }
    // Payments already waiting go first: the tick starts this one in its turn.
    const channel = desk.pacing && desk.queue.size > 0 ? undefined : desk.choose(channels, at);
    if (channel !== undefined) {
      this.record({ type: 'paymentStarted', at, holdId, key, paymentId, pendingUntil: at + this.config.paymentPendingMaxMs, channel });
    } else {
      const pausedUntil = at + paymentsOf(this.config).queuePauseMaxMs;
      this.record({ type: 'paymentQueued', at, holdId, key, paymentId, number: desk.lastQueueNumber + 1, channels, pausedUntil });
    }
    this.afterInventoryChange();
    return holdView(this.holds.get(holdId)!);
  }

  /** The fan lets the tickets go before the window ends. */
  releaseHold(fanId: string, holdId: string, key: string): HoldView {
    const fingerprint = `release:${holdId}`;
    const replay = this.accounts.get(fanId)?.replay(key, fingerprint);
    if (replay !== undefined) return replay;
    this.requireLiveHold(fanId, holdId, 'held');
    this.record({ type: 'released', at: this.now(), holdId, key });
    this.afterInventoryChange();
    return holdView(this.holds.get(holdId)!);
  }

  // ── Payment side ────────────────────────────────────────────────────────

  /**
   * The payment provider (or the organizer's checkout) confirms a payment.
   * Idempotent on the payment id. A success the hold cannot take (it ended,
   * or another payment bought it or is in flight for it) records the refund
   * it is due, once per payment id, and is refused with HOLD_EXPIRED /
   * HOLD_NOT_ACTIVE / PAYMENT_MISMATCH (`details.refund: 'due'`).
   */
  confirmPurchase(holdId: string, paymentId: string, providerAt?: number, providerPaymentId?: string): HoldView {
    const hold = this.requireHold(holdId);
    // The payment that bought the hold, again (even after the organizer cancelled the order): nothing more to do.
    if ((hold.status === 'purchased' || hold.status === 'cancelled') && hold.paymentId === paymentId) return holdView(hold);
    // One charge buys one hold: money that bought another hold, or is due back, buys nothing more (and is not refunded twice).
    const refund = this.refunds.get(paymentId);
    if (refund !== undefined && refund.holdId !== hold.id) throw new BreakwaterError('PAYMENT_MISMATCH', 'this payment is due a refund', { details: { holdId, refund: refund.state } });
    if (this.purchases.has(paymentId)) throw new BreakwaterError('PAYMENT_MISMATCH', 'this payment bought another hold', { details: { holdId, boughtHoldId: this.purchases.get(paymentId) } });
    // Money due back never buys the hold, even once the hold could take a payment again (the attempt in its way failed).
    const refusal = (hold.status === 'purchased' || hold.status === 'cancelled' ? paymentMismatch(hold) : this.paymentTargetRefusal(hold, paymentId))
      ?? (refund === undefined ? undefined : new BreakwaterError('PAYMENT_MISMATCH', 'this payment is due a refund', { details: { holdId } }));
    if (refusal !== undefined) {
      // The same success again gets the same refusal, with how far its refund got.
      if (refund === undefined) this.record({ type: 'refundDue', at: this.now(), holdId, paymentId, reason: refundReason(hold, refusal) });
      throw new BreakwaterError(refusal.code, refusal.message, { details: { ...refusal.details, refund: refund?.state ?? 'due' } });
    }
    const entry: JournalEntry = { type: 'purchased', at: this.now(), holdId, paymentId };
    if (providerAt !== undefined) entry.providerAt = providerAt;
    if (providerPaymentId !== undefined) entry.providerPaymentId = providerPaymentId;
    this.record(entry);
    this.afterInventoryChange();
    return holdView(hold);
  }

  /**
   * A success the payment side refused: its amount or currency is not the
   * hold's price. The money is due back (`refundDue`, reason
   * `amountMismatch`), once per payment id; if the hold was waiting on this
   * payment, the attempt failed first (`paymentFailed`, a channel `error`)
   * and the hold resumes with the window it had left, so the fan may pay
   * again. Money that bought a hold already is not given back (`none`).
   */
  refusePayment(holdId: string, paymentId: string, providerAt?: number): { refund: 'none' | RefundState['state'] } {
    const hold = this.requireHold(holdId);
    const refund = this.refunds.get(paymentId);
    if (refund !== undefined) return { refund: refund.state };
    if (this.purchases.has(paymentId)) return { refund: 'none' };
    const at = this.now();
    const waitingOnIt = hold.status === 'paymentPending' && hold.paymentId === paymentId && deadlineOf(hold) > at;
    if (waitingOnIt) {
      const failed: JournalEntry = { type: 'paymentFailed', at, holdId, paymentId, reason: 'the amount or currency charged is not the hold\'s price', expiresAt: at + hold.remainingMs!, failure: 'error' };
      if (providerAt !== undefined) failed.providerAt = providerAt;
      this.record(failed);
    }
    this.record({ type: 'refundDue', at, holdId, paymentId, reason: 'amountMismatch' });
    if (waitingOnIt) this.afterInventoryChange();
    return { refund: 'due' };
  }

  /** The payment side refunded a payment due a refund; reporting it again changes nothing. */
  recordRefund(holdId: string, paymentId: string): RefundState {
    const hold = this.requireHold(holdId);
    const refund = this.refunds.get(paymentId);
    if (refund === undefined || refund.holdId !== hold.id) {
      throw new BreakwaterError('REFUND_NOT_DUE', undefined, { details: { holdId, paymentId } });
    }
    if (refund.state === 'due') this.record({ type: 'refunded', at: this.now(), holdId, paymentId });
    return refund;
  }

  /**
   * The payment failed: the hold resumes with the window it had left.
   * `failure`: the channel failed (`error`, `timeout`); left out, the
   * provider declined (a business decline, which its health does not count).
   */
  failPayment(holdId: string, paymentId: string, reason: string, failure?: PaymentFailure, providerAt?: number): HoldView {
    const hold = this.requireHold(holdId);
    // A retry of the failure already recorded: the hold went back to `held` with this payment id.
    if (hold.status === 'held' && hold.paymentId === paymentId) return holdView(hold);
    if (hold.status !== 'paymentPending') throw notActive(hold);
    this.requirePaymentTarget(hold, paymentId);
    const at = this.now();
    const entry: JournalEntry = { type: 'paymentFailed', at, holdId, paymentId, reason, expiresAt: at + hold.remainingMs! };
    if (failure !== undefined) entry.failure = failure;
    if (providerAt !== undefined) entry.providerAt = providerAt;
    this.record(entry);
    this.afterInventoryChange();
    return holdView(hold);
  }

  // ── Organizer ───────────────────────────────────────────────────────────

  publish(): void {
    this.transitionOrThrow({ type: 'PUBLISH' }, { type: 'published', at: this.now() });
    this.tick();
  }

  /** Stops admission; before the on-sale time, the sale will start paused (the waiting room stays open). */
  pause(): void {
    const now = this.now();
    this.advancePhase(now);
    if (this.isBeforeSale()) {
      if (this.pausedBeforeSale) throw new BreakwaterError('WRONG_PHASE', 'the sale is already paused before it starts', { details: { phase: this.phase } });
      this.record({ type: 'paused', at: now, beforeSale: true });
      return;
    }
    this.transitionOrThrow({ type: 'PAUSE' }, { type: 'paused', at: now });
  }

  resume(): void {
    const now = this.now();
    this.advancePhase(now);
    if (this.isBeforeSale()) {
      if (!this.pausedBeforeSale) throw new BreakwaterError('WRONG_PHASE', 'the sale is not paused', { details: { phase: this.phase } });
      this.record({ type: 'resumed', at: now, beforeSale: true });
      return;
    }
    this.transitionOrThrow({ type: 'RESUME' }, { type: 'resumed', at: now });
    this.afterInventoryChange();
  }

  /** The organizer's message to the queue now, without building the whole status (every join reads it). */
  announcementNow(): Announcement | undefined {
    return this.announcement;
  }

  /** Published, not yet on sale: a pause now holds the sale's start. */
  private isBeforeSale(): boolean {
    return this.phase === 'scheduled' || this.phase === 'preQueue';
  }

  /**
   * The organizer's message to everyone in the queue, replacing the one up
   * ('' takes it down); the same message again records nothing.
   */
  announce(text: string): Announcement | null {
    if (text !== (this.announcement?.text ?? '')) this.record({ type: 'announced', at: this.now(), text });
    return this.announcement ?? null;
  }

  /**
   * The organizer cancels a purchase: its tickets go back on sale at once
   * (the next fans in line, standby or waitlist, are offered them like any
   * returned ticket) and no longer count against the fan's limit. With
   * `refund`, the payment that bought it is due a refund (`refundDue`,
   * reason `orderCancelled`) for the payment side to make. A cancelled order
   * cancelled again changes nothing, except that a refund asked for the
   * first time is recorded due.
   */
  cancelOrder(holdId: string, refund: boolean, reason: string): OrderCancellation {
    const hold = this.requireHold(holdId);
    if (hold.status !== 'purchased' && hold.status !== 'cancelled') {
      throw new BreakwaterError('ORDER_NOT_CANCELLABLE', `hold ${holdId} is ${hold.status}, not a purchase`, { details: { holdId, status: hold.status } });
    }
    const at = this.now();
    const paymentId = hold.paymentId!;
    const first = hold.status === 'purchased';
    if (first) this.record({ type: 'orderCancelled', at, holdId, paymentId, reason });
    if (refund && !this.refunds.has(paymentId)) this.record({ type: 'refundDue', at, holdId, paymentId, reason: 'orderCancelled' });
    if (first) this.afterInventoryChange();
    return { hold: holdView(hold), refund: this.refunds.get(paymentId)?.state ?? 'none' };
  }

  close(): void {
    this.advancePhase(this.now());
    this.transitionOrThrow({ type: 'CLOSE' }, { type: 'closed', at: this.now() });
  }

  /**
   * The value of the beacon the event named for a draw, once published by its
   * source. Supplying the same value again changes nothing.
   */
  supplyBeacon(draw: string, value: string): void {
    if (!BEACON_HEX.test(value)) {
      throw new BreakwaterError('MALFORMED_COMMAND', 'value must be the beacon\'s value: 16 to 64 bytes in hexadecimal', { details: { field: 'value' } });
    }
    this.advancePhase(this.now());
    if (draw === REGISTRATION_DRAW) return this.supplyRegistrationBeacon(value.toLowerCase());
    // Before its draw is sealed no entry has arrived: a value published then could be known to all in advance.
    const state = this.draws.get(draw);
    if (state === undefined) throw drawNotFound(draw);
    if (this.beaconOf(draw) === undefined) throw new BreakwaterError('BEACON_NOT_NAMED', undefined, { details: { draw } });
    if (state.drawnAt !== undefined) throw new BreakwaterError('DRAW_ALREADY_RUN', undefined, { details: { draw, drawnAt: state.drawnAt } });
    const supplied = state.beacon;
    if (supplied !== undefined) {
      if (supplied === value.toLowerCase()) return;
      throw new BreakwaterError('BEACON_ALREADY_SUPPLIED', undefined, { details: { draw, value: supplied } });
    }
    this.record({ type: 'beaconSupplied', at: this.now(), draw, value: value.toLowerCase() });
    // A draw waiting past its instant for this value runs now.
    this.runDueDraws(this.now());
  }

  private supplyRegistrationBeacon(value: string): void {
    const book = this.registration;
    const draw = REGISTRATION_DRAW;
    if (book.sealed === undefined) throw drawNotFound(draw);
    if (this.config.registration?.beacon === undefined) throw new BreakwaterError('BEACON_NOT_NAMED', undefined, { details: { draw } });
    if (book.drawnAt !== undefined) throw new BreakwaterError('DRAW_ALREADY_RUN', undefined, { details: { draw, drawnAt: book.drawnAt } });
    const supplied = book.sealed.beacon;
    if (supplied !== undefined) {
      if (supplied === value) return;
      throw new BreakwaterError('BEACON_ALREADY_SUPPLIED', undefined, { details: { draw, value: supplied } });
    }
    this.record({ type: 'beaconSupplied', at: this.now(), draw, value });
    advanceRegistration(this.registrationContext(), this.now());
  }

  // ── Registration ────────────────────────────────────────────────────────
  //
  // A verified account (the transport vouches for the fan id) registers while
  // registration is open; at its close a draw of the same construction as the
  // queue's ranks the registrations, the first ones get a code to the coded
  // phase bound to their account, and the rest wait in rank order for the
  // organizer to invite the next (registration/registration-desk.ts).

  register(fanId: string): RegistrationView {
    this.advancePhase(this.now());
    return register(this.registrationContext(), fanId, this.now());
  }

  withdrawRegistration(fanId: string): RegistrationView {
    this.advancePhase(this.now());
    return withdraw(this.registrationContext(), fanId, this.now());
  }

  /** The organizer invites the next `count` accounts of the registration waitlist, in draw order. */
  inviteNext(count: number): { invited: number; invitedUpTo: number; waitlisted: number } {
    this.advancePhase(this.now());
    return inviteNext(this.registrationContext(), count, this.now());
  }

  /** The organizer closes registration now: its close moves to now (a configuration change) and its draw runs. */
  closeRegistration(): RegistrationStatus {
    const now = this.now();
    this.advancePhase(now);
    const r = this.config.registration;
    if (r === undefined || this.registration.stage !== 'open') {
      throw new BreakwaterError('REGISTRATION_NOT_OPEN', undefined, { details: { opensAt: r?.opensAt ?? null, closesAt: r?.closesAt ?? null } });
    }
    if (now < r.closesAt) this.updateConfig(validateConfigUpdate(this.config, { registration: { ...r, closesAt: now } }));
    return this.registrationStatus()!;
  }

  /** What an account sees of its registration. */
  registrationOf(fanId: string): RegistrationView {
    return viewOf(this.registrationContext(), fanId);
  }

  private registrationStatus(): RegistrationStatus | undefined {
    const r = this.config.registration;
    return r === undefined ? undefined : this.registration.status(r.opensAt, r.closesAt, r.phaseId);
  }

  private registrationContext(): RegistrationContext {
    const sale = this;
    return {
      eventId: this.id, config: this.config, phase: this.phase, book: this.registration, codes: this.codes,
      freeTickets: this.inventory.free, seeds: this.deps.seeds,
      randomBytes: (n) => this.deps.randomBytes(n),
      record: (entry) => sale.record(entry),
    };
  }

  /** Draws new access codes with the event's random source; returns them (the only time they are all shown at once). */
  generateCodes(request: GenerateCodes): { added: number; codes: string[] } {
    this.requireOpenForCodes();
    const batch = generateCodes(request, this.config.phases, this.codes, this.deps.randomBytes);
    this.record({ type: 'codesAdded', at: this.now(), ...batch });
    return { added: batch.codes.length, codes: batch.codes };
  }

  /** Adds the codes of a CSV upload: all of them, or none when a line is wrong. */
  uploadCodes(csv: string): { added: number } {
    this.requireOpenForCodes();
    const batches = parseCodesCsv(csv, this.config.phases, this.codes);
    for (const batch of batches) this.record({ type: 'codesAdded', at: this.now(), ...batch });
    return { added: batches.reduce((sum, batch) => sum + batch.codes.length, 0) };
  }

  private requireOpenForCodes(): void {
    this.requirePhase('add access codes', this.phaseAt(this.now()), 'draft', 'scheduled', 'preQueue', 'onSale', 'paused', 'soldOut');
  }

  /** What may not change on the event now, and why (the rules `updateConfig` enforces). */
  configLocks(): FieldLock[] {
    return configLocks(this.config, this.phase, this.inventory, this.now(), this.registration.stage);
  }

  /** Retunes the sale: the new configuration must already be validated as a whole. */
  updateConfig(next: EventConfig): void {
    checkConfigChange(this.config, next, this.phase, this.inventory, this.now(), this.registration.stage);
    const freeBefore = this.inventory.free;
    this.record({ type: 'configUpdated', at: this.now(), config: next });
    if (this.inventory.free > freeBefore) this.endWaitlist('ticketsAdded');
    this.afterInventoryChange();
    this.tick();
  }

  // ── Time ────────────────────────────────────────────────────────────────

  /**
   * Everything time does, in order: phase changes that are due, holds and
   * grants that expired, fans absent past the grace period, then admission.
   */
  tick(): void {
    const now = this.now();
    this.advancePhase(now);
    for (const hold of this.holds.due(now)) this.record({ type: 'expired', at: now, holdId: hold.id });
    this.paceQueuedPayments(now);
    for (const grant of this.grants.due(now)) this.record({ type: 'grantExpired', at: now, fanId: grant.account.fanId, grantId: grant.id });
    this.dropAbsent(now);
    this.afterInventoryChange();
    this.admit(now);
    this.recallNearTurns(now);
    this.reviewWaitlist(now);
  }

  /**
   * Payments in flight past `payments.timeoutMs` time out; breakers whose
   * state is due change (open on failures, half-open after `breaker.openMs`,
   * closed once the probes answered, open again on a failed probe); then
   * queued payments start, in queue order, wherever a channel they may use
   * can take them. Deciding once per tick keeps the window scans off the
   * payment commands' path.
   */
  private paceQueuedPayments(now: number): void {
    const desk = this.payments;
    for (const due of desk.dueTimeouts(now)) this.record({ type: 'paymentTimedOut', at: now, ...due });
    for (const change of desk.breakerChanges(now)) this.record({ type: 'channelBreaker', at: now, ...change });
    // Deleting the entry being visited is safe while iterating a Map. (Pacing turned off: the queue drains at once.)
    for (const queued of desk.queue.values()) {
      if (desk.pacing && !desk.anyCanStart(now)) break;
      const channel = desk.choose(queued.channels, now);
      if (channel === undefined) continue;
      this.record({
        type: 'paymentStarted', at: now, holdId: queued.holdId, key: queued.key, paymentId: queued.paymentId,
        pendingUntil: now + this.config.paymentPendingMaxMs, channel, queued: true,
      });
    }
  }

  /** The phase `advancePhase(now)` would leave the event in, recording nothing: what a fan command is checked against. */
  private phaseAt(now: number): Phase {
    if (now < this.nextPhaseChangeAt) return this.phase;
    if (now >= this.config.closesAt) return 'closed';
    if (canTransition(this.actor, { type: 'OPEN_PRE_QUEUE', at: now })) return now >= this.config.onSaleAt ? 'onSale' : 'preQueue';
    if (canTransition(this.actor, { type: 'START_SALE', at: now })) return 'onSale';
    return this.phase;
  }

  /**
   * Phase changes, draws and slow-lane numbers that are due, in that order.
   * Fan commands run this first too, so a fan joining a millisecond after a
   * draw's instant is never shuffled into it just because the tick has not
   * come round yet, and a place whose readyAt came is numbered before anyone
   * arriving after it.
   */
  private advancePhase(now: number): void {
    if (now >= this.nextPhaseChangeAt) this.advanceLifecycle(now);
    if (now >= this.phaseDrawsDueAt) this.sealPhaseDraws(now);
    if (now >= this.registrationDueAt) advanceRegistration(this.registrationContext(), now);
    this.runDueDraws(now);
    if (now >= this.room.nextReadyAt && this.slowLaneMayNumber()) {
      const fanIds = this.room.dueAt(now);
      if (fanIds.length > 0) this.record({ type: 'numbered', at: now, fanIds });
    }
    if (now >= this.config.closesAt && this.phase !== 'closed') this.record({ type: 'closed', at: now });
  }

  private advanceLifecycle(now: number): void {
    if (canTransition(this.actor, { type: 'OPEN_PRE_QUEUE', at: now })) {
      const seed = newSeed(this.deps.randomBytes);
      this.record({ type: 'preQueueOpened', at: now, commitment: commitmentOf(seed), sealedSeed: this.deps.seeds.seal(seed) });
    }
    if (canTransition(this.actor, { type: 'START_SALE', at: now })) {
      this.record({ type: 'saleStarted', at: now });
      if (this.pausedBeforeSale) this.record({ type: 'paused', at: now });
    }
  }

  /** The phases after the first whose pre-queue has opened seal their draws (after the sale started, by validation). */
  private sealPhaseDraws(now: number): void {
    if (this.phase === 'closed' || this.phase === 'draft') return;
    for (const phase of this.config.phases.slice(1)) {
      if (phase.preQueueOpensAt > now) break;
      for (const draw of drawsOfPhase(phase, this.config.door.startWindowMs)) if (!this.draws.has(draw)) this.sealDraw(now, draw);
    }
  }

  /** When the first phase after the first with a draw not sealed yet opens. */
  private nextPhaseDrawsAt(): number {
    for (const phase of this.config.phases.slice(1)) {
      if (drawsOfPhase(phase, this.config.door.startWindowMs).some((draw) => !this.draws.has(draw))) return phase.preQueueOpensAt;
    }
    return Infinity;
  }

  /**
   * Slow-lane places are numbered only after the pre-queue draw, which comes
   * before them (its instant may have moved later since the place joined,
   * while the pre-queue was open).
   */
  private slowLaneMayNumber(): boolean {
    return this.firstDrawRan && this.phase !== 'closed';
  }

  private get firstDrawRan(): boolean {
    return this.draws.get(PRE_QUEUE_DRAW)?.drawnAt !== undefined;
  }

  /** Chooses a draw's seed and publishes its commitment; the journal carries the seed sealed by the host. */
  private sealDraw(now: number, draw: string): void {
    const seed = newSeed(this.deps.randomBytes);
    this.record({ type: 'drawSealed', at: now, draw, commitment: commitmentOf(seed), sealedSeed: this.deps.seeds.seal(seed) });
  }

  /**
   * Runs every sealed draw whose instant has come, once the sale has started;
   * one whose beacon was named waits for its value up to `draw.beaconWaitMs`,
   * then runs without it. Fans gone longer than the presence grace lose their
   * places first: the entries are exactly the places still held at the draw.
   */
  private runDueDraws(now: number): void {
    if (!this.saleStarted) return;
    for (const [draw, state] of this.draws) {
      if (state.drawnAt !== undefined || now < this.drawDueAt(draw)) continue;
      const beacon = state.beacon;
      if (this.beaconOf(draw) !== undefined && beacon === undefined && now < this.drawDueAt(draw) + this.config.draw.beaconWaitMs) continue;
      this.dropAbsent(now);
      const seed = this.deps.seeds.open(state.sealedSeed);
      if (commitmentOf(seed) !== state.commitment) throw new Error(`draw ${draw}: the sealed seed does not open to its commitment (another deployment secret?)`);
      const entry: JournalEntry = { type: 'drawn', at: now, draw, seed, count: this.room.pendingCount(draw) };
      if (beacon !== undefined) entry.beacon = beacon;
      this.record(entry);
    }
  }

  /**
   * Fans gone longer than the grace period lose their places. Waitlisted fans,
   * and fans who went while beyond the away horizon, were told they may close
   * the page: they keep theirs.
   */
  private dropAbsent(now: number): void {
    for (const fanId of this.room.absentBeyondGrace(now, this.config.presenceGraceMs, (number) => this.isWaitlisted(number))) {
      this.record({ type: 'left', at: now, fanId, reason: 'presenceLost' });
    }
  }

  private admit(now: number): void {
    if (this.phase !== 'onSale') {
      this.admittingSince = undefined;
      return;
    }
    // Budgets accrue only while on sale; the first tick of a sale starts with one second's worth.
    const elapsed = this.admittingSince === undefined ? 1000 : now - this.admittingSince;
    this.admittingSince = now;
    const policy = this.config.admission;
    this.rate.refill(policy.mode === 'rate' ? policy.fansPerMinute / 60 : Infinity, elapsed);
    // The organizer's declared ceiling, and (pacing on) the channels' measured healthy throughput.
    this.paymentPace.refill(Math.min(policy.paymentCapacityPerSec ?? Infinity, this.payments.admissionPerSec()), elapsed);
    if (this.room.waiting === 0) return;
    const k = admissionBudget({
      rateTokens: this.rate.tokens,
      paymentTokens: this.paymentPace.tokens,
      maxActiveShoppers: policy.maxActiveShoppers,
      activeShoppers: this.activeShoppers,
      freeTickets: this.inventory.free,
      ticketsExpiringSoon: this.holds.ticketsExpiringBy(now + EXPIRY_LOOKAHEAD_MS),
      openGrants: this.grants.openCount,
      maxTicketsPerFan: this.config.maxTicketsPerFan,
    });
    if (k <= 0) return;
    const fanIds = this.room.nextWaiting(k);
    let taken = 0;
    // In queue order, runs of places admitted (standby or normal) and of waitlisted places called.
    while (taken < fanIds.length) {
      const calling = this.isCalledAtItsTurn(fanIds[taken]!);
      let end = taken + 1;
      while (end < fanIds.length && this.isCalledAtItsTurn(fanIds[end]!) === calling) end++;
      if (calling) end = Math.min(end, taken + this.callsAllowed());
      if (end <= taken) break;
      const run = fanIds.slice(taken, end);
      const firstGrant = this.grants.nextSequence();
      if (calling) this.record({ type: 'called', at: now, fanIds: run, firstGrant, grantExpiresAt: now + this.config.waitlist.callAnswerMs });
      else this.record({ type: 'admitted', at: now, fanIds: run, firstGrant, grantExpiresAt: now + this.config.grantTtlMs });
      taken = end;
    }
    this.rate.take(taken);
    this.paymentPace.take(taken);
  }

  /**
   * While nothing is free to sell, a call is made only for tickets free now
   * (not for holds about to expire): a fan who came back to a closed page
   * must find a ticket. Once the waitlist ended, the admission budget alone decides.
   */
  private callsAllowed(): number {
    if (this.waitlist?.upTo !== Infinity) return Infinity;
    const unpromised = this.unpromisedTickets();
    return unpromised <= 0 ? 0 : Math.ceil(unpromised / this.config.maxTicketsPerFan);
  }

  /** Free tickets beyond what the open grants (calls included) may take. */
  private unpromisedTickets(): number {
    return this.inventory.free - this.grants.openCount * this.config.maxTicketsPerFan;
  }

  /**
   * Sold out, for good, the moment nothing can come back: no free ticket, no
   * active hold, no open grant or call. Reopened only when the organizer adds tickets.
   */
  private afterInventoryChange(): void {
    const at = this.deps.clock.now();
    // Plain phase checks on this hot path; `transition` still has the machine vet the change.
    if (this.inventory.free === 0 && this.holds.activeCount === 0 && this.grants.openCount === 0) {
      if (this.phase === 'onSale' || this.phase === 'paused') this.record({ type: 'soldOut', at });
    } else if (this.inventory.free > 0 && this.phase === 'soldOut') {
      this.record({ type: 'reopened', at });
      if (this.pausedWhenSoldOut) this.record({ type: 'paused', at });
    }
  }

  // ── Standby, waitlist and the away horizon ──────────────────────────────

  /** A waitlisted place, or one kept while its fan is still away: its turn is a call, with time to come back. */
  private isCalledAtItsTurn(fanId: string): boolean {
    return this.isWaitlisted(this.room.numberOf(fanId)) || this.room.isKeptAndAway(fanId);
  }

  /**
   * The away horizon: the waiting places beyond what every ticket left (free
   * or held) could serve, at the tickets admitted fans take on average, after
   * the open grants, with the standby's margin —
   * ⌈((free + held) / ticketsPerFan − openGrants) × (100 + margin%) / 100⌉
   * places, the ticket outlook's "unlikely" counted in waiting places. A fan
   * there may close the page: the place is kept and called at its turn.
   */
  private awayHorizon(): number {
    const { free, held } = this.inventory;
    const served = Math.max(0, (free + held) / this.ticketsPerFan() - this.grants.openCount);
    return this.room.numberOfNthWaiting(Math.ceil((served * (100 + this.config.waitlist.standbyMarginPercent)) / 100));
  }

  private ticketsPerFan(): number {
    const { free, held } = this.inventory;
    return ticketsPerFanOf({ admitted: this.admittedTotal, openGrants: this.grants.openCount, tickets: { free, held, sold: this.holds.sold } }, this.config.maxTicketsPerFan);
  }

  /**
   * Fans away from kept places that the away horizon has come to cover (fans
   * ahead left, or took fewer tickets than expected) may now be served: they
   * are told to come back within `callAnswerMs`, so most are back before
   * their turn instead of being called at it, and a place nobody comes back
   * to does not hold the line up.
   */
  private recallNearTurns(now: number): void {
    if (this.phase !== 'onSale' || !this.config.waitlist.enabled) return;
    // Waitlisted places are called in their turn and never lost: nothing to recall there.
    const fanIds = this.room.awayToRecallUpTo(Math.min(this.awayHorizon(), this.waitlist?.after ?? Infinity));
    if (fanIds.length > 0) this.record({ type: 'recalled', at: now, fanIds, answerBy: now + this.config.waitlist.callAnswerMs });
  }

  /** A numbered waiting place beyond the away horizon (see `EventStatus.awayAfter`). */
  private mayBeAway(fanId: string): boolean {
    const slot = this.room.slotOfFan(fanId);
    if (this.room.statusAt(slot) !== FanStatus.WAITING || this.room.numberAt(slot) === 0) return false;
    const after = this.awayAfter();
    return after !== undefined && this.room.numberAt(slot) > after;
  }

  /** The away horizon now (see `EventStatus.awayAfter`), without building the whole status. */
  awayAfter(): number | undefined {
    return this.config.waitlist.enabled && (this.phase === 'onSale' || this.phase === 'paused') ? this.awayHorizon() : undefined;
  }

  /** A numbered place the waitlist holds (called, not admitted, when its turn comes). */
  private isWaitlisted(number: number): boolean {
    const waitlist = this.waitlist;
    return waitlist !== undefined && number > waitlist.after && number <= waitlist.upTo;
  }

  /**
   * S = ⌈R × (100 + margin%) / 100 / maxTicketsPerFan⌉, R the returnable
   * tickets (held + free: every hold that could fail, every ticket an open
   * grant could leave). Each standby fan is counted at the per-fan limit, the
   * margin covers standby fans who leave (docs/architecture.md).
   */
  private standbySize(returnable: number): number {
    return Math.ceil((returnable * (100 + this.config.waitlist.standbyMarginPercent)) / 100 / this.config.maxTicketsPerFan);
  }

  /**
   * Once per tick, after admission (only admission promises the last free
   * tickets): the moment nothing is free to sell, the first S waiting places
   * stand by and every later one (new joins too) is waitlisted; the standby
   * shrinks (never grows: the waitlist is called instead) as fewer tickets can
   * come back. The waitlist ends when tickets are still free after the tick's
   * admissions and nobody is on it any more (a returned ticket goes to the
   * standby first). Deciding per tick rather than per purchase keeps the scan
   * for the S-th place off the hold and payment paths.
   */
  private reviewWaitlist(now: number): void {
    if (this.phase !== 'onSale' && this.phase !== 'paused') return;
    const waitlist = this.waitlist;
    const open = waitlist?.upTo === Infinity;
    if (!this.config.waitlist.enabled) {
      if (open) this.endWaitlist('disabled');
      return;
    }
    if (this.unpromisedTickets() > 0) {
      if (open && waitlist!.early) this.reviewEarlyWaitlist(now, waitlist);
      else if (open && !this.room.anyWaitingAfter(waitlist!.after)) this.endWaitlist('nobodyWaitlisted');
      else if (!open) this.reviewEarlyWaitlist(now, waitlist);
      return;
    }
    // From the early waitlist to the standby: recorded even where the boundary stays.
    const early = open && waitlist!.early;
    const returnable = this.inventory.held + this.inventory.free;
    if (open && !early && returnable >= this.standbyCheckedFor) return;
    this.standbyCheckedFor = returnable;
    const standby = this.standbySize(returnable);
    const after = Math.min(this.room.numberOfNthWaiting(standby), waitlist?.after ?? Infinity);
    if (open && !early && after === waitlist!.after) return;
    this.record({ type: 'standby', at: now, returnable, standby, waitlistAfter: after });
  }

  /**
   * While tickets are free, the places no ticket left can reach even if every
   * fan ahead took one, W = ⌈(tickets − openGrants) × (100 + margin%) / 100⌉
   * waiting places, tickets = free + held (docs/architecture.md, "The early
   * waitlist"): every place beyond is waitlisted at once instead of watching
   * the line until nothing is free. Opened only with someone beyond, then
   * moved only earlier; turned off by `waitlist.early: false`.
   */
  private reviewEarlyWaitlist(now: number, waitlist: WaitlistState | undefined): void {
    const open = waitlist?.upTo === Infinity;
    if (!this.config.waitlist.early) {
      if (open) this.endWaitlist('disabled');
      return;
    }
    const tickets = this.inventory.free + this.inventory.held;
    const openGrants = this.grants.openCount;
    const places = Math.ceil((Math.max(0, tickets - openGrants) * (100 + this.config.waitlist.standbyMarginPercent)) / 100);
    const line = this.room.numberOfNthWaiting(places);
    // After an ended waitlist, open again only where its old boundary would not pull the line
    // earlier: places between them are within reach and must not be told otherwise.
    if (!open && waitlist !== undefined && line > waitlist.after) return;
    const after = Math.min(line, waitlist?.after ?? Infinity);
    if (open ? after >= waitlist!.after : !this.room.anyWaitingAfter(after)) return;
    this.record({ type: 'earlyWaitlist', at: now, tickets, openGrants, places, waitlistAfter: after });
  }

  private endWaitlist(reason: Extract<JournalEntry, { type: 'waitlistEnded' }>['reason']): void {
    if (this.waitlist?.upTo !== Infinity) return;
    this.record({ type: 'waitlistEnded', at: this.now(), waitlistAfter: this.waitlist.after, waitlistUpTo: this.room.lastNumber, reason });
  }

  // ── Applying entries: the only place state changes ──────────────────────

  private record(entry: JournalEntry): void {
    this.apply(entry);
    this.newEntries.push(entry);
  }

  private apply(entry: JournalEntry): void {
    switch (entry.type) {
      case 'created':
        throw new Error('"created" can only start a journal');

      case 'configUpdated':
        this.config = entry.config;
        this.payments.configure(paymentsOf(entry.config));
        // The margin or the per-fan limit may have changed: the next tick decides the standby again.
        this.standbyCheckedFor = Infinity;
        // Before publication nothing can be held, so the inventory is simply rebuilt.
        if (this.phase === 'draft') this.inventory = new Inventory(entry.config.inventory);
        else this.inventory.resizeTiers(entry.config.inventory.tiers);
        this.actor.send({ type: 'RESCHEDULE', schedule: { preQueueOpensAt: entry.config.preQueueOpensAt, onSaleAt: entry.config.onSaleAt } });
        this.nextPhaseChangeAt = this.phaseChangeDueAt();
        this.phaseDrawsDueAt = this.nextPhaseDrawsAt();
        this.registrationDueAt = registrationDueAt(entry.config, this.registration);
        break;
      case 'published':
        this.transition({ type: 'PUBLISH' });
        break;
      case 'preQueueOpened':
        this.draws.set(PRE_QUEUE_DRAW, sealedDraw(entry.commitment, entry.sealedSeed));
        this.transition({ type: 'OPEN_PRE_QUEUE', at: entry.at });
        break;
      case 'saleStarted':
        this.saleStarted = true;
        this.transition({ type: 'START_SALE', at: entry.at });
        break;
      case 'paused':
        this.pausedBeforeSale = entry.beforeSale === true;
        if (entry.beforeSale !== true) this.transition({ type: 'PAUSE' });
        break;
      case 'resumed':
        this.pausedBeforeSale = false;
        if (entry.beforeSale !== true) this.transition({ type: 'RESUME' });
        break;
      case 'announced':
        this.announcement = entry.text === '' ? undefined : { text: entry.text, at: entry.at };
        break;
      case 'soldOut':
        this.soldOutAt = entry.at;
        this.pausedWhenSoldOut = this.phase === 'paused';
        this.transition({ type: 'SELL_OUT' });
        break;
      case 'reopened':
        this.soldOutAt = undefined;
        this.transition({ type: 'REOPEN' });
        break;
      case 'closed':
        this.closedAt = entry.at;
        this.transition({ type: 'CLOSE' });
        break;
      case 'joined':
        this.placeKeys.set(this.room.join(entry.fanId, numberingOf(entry)), entry.joinKeyDigest);
        if (entry.readyAt !== undefined) this.slowLaneJoins++;
        this.door.noteJoin(entry.at);
        this.codes.joined(entry.fanId);
        break;
      case 'drawSealed':
        this.draws.set(entry.draw, sealedDraw(entry.commitment, entry.sealedSeed));
        this.phaseDrawsDueAt = this.nextPhaseDrawsAt();
        break;
      case 'beaconSupplied':
        if (entry.draw === REGISTRATION_DRAW) this.registration.beaconSupplied(entry.value);
        else this.draws.get(entry.draw)!.beacon = entry.value;
        break;
      case 'registrationOpened':
        this.registration.opened(entry.commitment, entry.sealedSeed);
        this.registrationDueAt = registrationDueAt(this.config, this.registration);
        break;
      case 'registered':
        this.registration.registered(entry.fanId, entry.pseudonym);
        break;
      case 'registrationWithdrawn':
        this.registration.withdrawn(entry.fanId);
        break;
      case 'registrationDrawn':
        this.registration.drawn(entry.at, entry.seed, entry.beacon, entry.seats, entry.invitations);
        this.registrationDueAt = Infinity;
        break;
      case 'invitedNext':
        this.registration.invitedNext(entry.count);
        break;
      case 'drawn':
        this.applyDrawn(entry);
        break;
      case 'numbered':
        this.room.numberInOrder(entry.fanIds);
        break;
      case 'codesAdded':
        this.codes.add(entry);
        entry.accounts?.forEach((fanId, k) => this.registration.codeIssued(fanId, entry.codes[k]!));
        break;
      case 'codeRedeemed':
        this.codes.redeem(entry.code, entry.fanId);
        this.registration.redeemed(entry.fanId, entry.code);
        break;
      case 'left':
        this.revokeGrant(entry.fanId);
        this.room.remove(entry.fanId, entry.reason === 'left' ? 'left' : 'lost');
        break;
      case 'presence':
        this.room.setPresence(entry.fanId, entry.connected, entry.at, this.config.presenceGraceMs, entry.keptAway === true);
        break;
      case 'admitted':
        this.applyAdmitted(entry);
        break;
      case 'grantExpired':
        if (this.grants.close(entry.grantId, 'expired').called) this.lapsedCalls++;
        break;
      case 'standby':
        this.waitlist = { after: entry.waitlistAfter, upTo: Infinity, standby: entry.standby, early: false };
        break;
      case 'earlyWaitlist':
        this.waitlist = { after: entry.waitlistAfter, upTo: Infinity, standby: 0, early: true };
        break;
      case 'recalled':
        this.room.recalled(entry.fanIds, entry.answerBy);
        break;
      case 'called':
        this.applyAdmitted(entry, true);
        this.calledTotal += entry.fanIds.length;
        break;
      case 'waitlistEnded':
        this.waitlist!.upTo = entry.waitlistUpTo;
        this.standbyCheckedFor = Infinity;
        break;
      case 'held':
        this.applyHeld(entry);
        break;
      case 'extended': {
        const hold = this.holds.get(entry.holdId)!;
        hold.expiresAt = entry.expiresAt;
        hold.extended = true;
        this.holds.reschedule(hold, 'held');
        hold.account.remember(entry.key, `extend:${hold.id}`, holdView(hold));
        break;
      }
      case 'paymentQueued': {
        const hold = this.holds.get(entry.holdId)!;
        hold.paymentId = entry.paymentId;
        hold.remainingMs = hold.expiresAt - entry.at;
        // Paused until pausedUntil, then the window it had left runs again.
        hold.pendingUntil = entry.pausedUntil + hold.remainingMs;
        hold.queueNumber = entry.number;
        this.holds.reschedule(hold, 'paymentQueued');
        hold.account.remember(entry.key, `pay:${hold.id}:${entry.paymentId}`, holdView(hold));
        this.payments.applyQueued({ holdId: hold.id, paymentId: entry.paymentId, key: entry.key, number: entry.number, channels: entry.channels });
        break;
      }
      case 'paymentStarted': {
        const hold = this.holds.get(entry.holdId)!;
        const channel = entry.channel ?? DEFAULT_CHANNEL;
        // From the queue: the window left is what it had, less any time queued past the pause.
        hold.remainingMs = hold.status === 'paymentQueued' ? Math.min(hold.remainingMs!, hold.pendingUntil! - entry.at) : hold.expiresAt - entry.at;
        hold.paymentId = entry.paymentId;
        hold.pendingUntil = entry.pendingUntil;
        hold.channel = channel;
        hold.queueNumber = undefined;
        this.holds.reschedule(hold, 'paymentPending');
        hold.account.remember(entry.key, `pay:${hold.id}:${entry.paymentId}`, holdView(hold));
        this.payments.applyStarted(entry.at, hold.id, entry.paymentId, channel);
        break;
      }
      case 'paymentFailed': {
        const hold = this.holds.get(entry.holdId)!;
        hold.expiresAt = entry.expiresAt;
        hold.pendingUntil = undefined;
        this.holds.reschedule(hold, 'held');
        this.payments.applyOutcome(entry.at, entry.paymentId, entry.failure ?? 'declined', entry.providerAt);
        break;
      }
      case 'paymentTimedOut':
        this.payments.applyOutcome(entry.at, entry.paymentId, 'timeout');
        break;
      case 'channelBreaker':
        this.payments.applyBreaker(entry.at, entry.channel, entry.state);
        break;
      case 'purchased': {
        const hold = this.holds.get(entry.holdId)!;
        this.payments.applyOutcome(entry.at, entry.paymentId, 'succeeded', entry.providerAt);
        this.payments.applyHoldEnded(entry.at, hold.id, undefined);
        hold.paymentId = entry.paymentId;
        hold.queueNumber = undefined;
        this.purchases.set(entry.paymentId, hold.id);
        this.holds.end(hold, 'purchased', entry.at);
        this.inventory.sell(hold.allocation);
        break;
      }
      case 'refundDue':
        // The money moved: for its channel, an answer like any other.
        this.payments.applyOutcome(entry.at, entry.paymentId, 'succeeded');
        this.refunds.set(entry.paymentId, { holdId: entry.holdId, reason: entry.reason, state: 'due' });
        break;
      case 'refunded':
        this.refunds.get(entry.paymentId)!.state = 'refunded';
        break;
      case 'orderCancelled': {
        const hold = this.holds.get(entry.holdId)!;
        this.holds.cancel(hold, entry.at);
        this.inventory.returnSold(hold.allocation);
        this.codes.freed(hold.id, hold.allocation.quantity);
        break;
      }
      case 'expired':
      case 'released': {
        const hold = this.holds.get(entry.holdId)!;
        this.payments.applyHoldEnded(entry.at, hold.id, hold.status === 'paymentPending' ? hold.paymentId : undefined);
        hold.queueNumber = undefined;
        this.holds.end(hold, entry.type, entry.at);
        this.inventory.release(hold.allocation);
        this.codes.freed(hold.id, hold.allocation.quantity);
        if (entry.type === 'released') hold.account.remember(entry.key, `release:${hold.id}`, holdView(hold));
        break;
      }
      default:
        throw new Error(`unknown journal entry ${(entry as { type: string }).type}`);
    }
  }

  private applyDrawn(entry: Extract<JournalEntry, { type: 'drawn' }>): void {
    const state = this.draws.get(entry.draw)!;
    const { slots, entries } = this.room.takeDraw(entry.draw);
    const firstNumber = this.room.lastNumber + 1;
    const { entriesDigest, order } = runDraw(entry.seed, entries, entry.beacon);
    this.room.numberDrawn(slots, order);
    state.drawnAt = entry.at;
    state.count = slots.length;
    state.run = {
      seed: entry.seed, beacon: entry.beacon, entriesDigest: entriesDigest.toString('hex'), firstNumber,
      joinNumbers: entries.joinNumbers as Float64Array, pseudonyms: entries.pseudonyms, order,
    };
  }

  private applyAdmitted(entry: Extract<JournalEntry, { type: 'admitted' | 'called' }>, called = false): void {
    entry.fanIds.forEach((fanId, i) => {
      this.room.admit(fanId);
      this.grants.issue(this.accounts.open(fanId), entry.firstGrant + i, entry.grantExpiresAt, called);
    });
    this.admittedTotal += entry.fanIds.length;
  }

  private applyHeld(entry: Extract<JournalEntry, { type: 'held' }>): void {
    const { account } = this.grants.close(entry.grantId, 'used');
    const hold: Hold = {
      id: entry.holdId, fanId: entry.fanId, account, allocation: entry.allocation, createdAt: entry.at,
      status: 'held', expiresAt: entry.expiresAt, extended: false,
      // Every field from the start: one object shape for a hold's whole life.
      paymentId: undefined, pendingUntil: undefined, remainingMs: undefined, channel: undefined, queueNumber: undefined, endedAt: undefined,
    };
    this.holds.add(hold);
    this.inventory.hold(entry.allocation);
    this.codes.held(hold.id, entry.fanId, entry.allocation.quantity);
    account.remember(entry.key, entry.fingerprint, holdView(hold));
  }

  private revokeGrant(fanId: string): void {
    const grant = this.accounts.get(fanId)?.openGrant;
    if (grant !== undefined) this.grants.close(grant.id, 'revoked');
  }

  private transition(event: LifecycleEvent): void {
    if (!canTransition(this.actor, event)) throw new Error(`lifecycle: ${event.type} not allowed in ${this.phase}`);
    this.actor.send(event);
    this.cachedPhase = phaseOf(this.actor);
    this.nextPhaseChangeAt = this.phaseChangeDueAt();
  }

  private phaseChangeDueAt(): number {
    switch (this.phase) {
      case 'closed':
        return Infinity;
      case 'draft':
        return this.config.closesAt;
      case 'scheduled':
        return Math.min(this.config.preQueueOpensAt, this.config.closesAt);
      case 'preQueue':
        return Math.min(this.config.onSaleAt, this.config.closesAt);
      default:
        return this.config.closesAt;
    }
  }

  private transitionOrThrow(event: LifecycleEvent, entry: JournalEntry): void {
    if (!canTransition(this.actor, event)) {
      throw new BreakwaterError('WRONG_PHASE', `cannot ${event.type.toLowerCase().replace('_', ' ')} while ${this.phase}`, {
        details: { phase: this.phase },
      });
    }
    this.record(entry);
  }

  // ── Checks ──────────────────────────────────────────────────────────────

  private now(): number {
    return this.deps.clock.now();
  }

  private requirePhase(action: string, phase: Phase, ...allowed: Phase[]): void {
    if (!allowed.includes(phase)) {
      throw new BreakwaterError('WRONG_PHASE', `cannot ${action} while the event is ${phase}`, {
        details: { phase, allowed },
      });
    }
  }

  private requirePresent(fanId: string): void {
    if (!this.room.isPresent(fanId)) throw new BreakwaterError('NOT_IN_QUEUE', undefined, { details: { fanId } });
  }

  private requireHold(holdId: string): Hold {
    const hold = this.holds.get(holdId);
    if (hold === undefined) throw new BreakwaterError('HOLD_NOT_FOUND', undefined, { details: { holdId } });
    return hold;
  }

  /** An active hold of this fan in the given state whose deadline has not passed. */
  private requireLiveHold(fanId: string, holdId: string, status: Hold['status']): Hold {
    const hold = this.requireHold(holdId);
    if (hold.fanId !== fanId) throw new BreakwaterError('HOLD_NOT_FOUND', undefined, { details: { holdId } });
    if (hold.status === 'expired' || (hold.status === status && deadlineOf(hold) <= this.now())) throw expired(hold);
    if (hold.status !== status) throw notActive(hold);
    return hold;
  }

  private requirePaymentTarget(hold: Hold, paymentId: string): void {
    const refusal = this.paymentTargetRefusal(hold, paymentId);
    if (refusal !== undefined) throw refusal;
  }

  /** Why this hold cannot take this payment now, if it cannot. */
  private paymentTargetRefusal(hold: Hold, paymentId: string): BreakwaterError | undefined {
    if (hold.status === 'expired') return expired(hold);
    // A queued payment never reached a provider: an earlier attempt's late success may buy the hold instead.
    if (hold.status !== 'held' && hold.status !== 'paymentPending' && hold.status !== 'paymentQueued') return notActive(hold);
    if (hold.status === 'paymentPending' && hold.paymentId !== paymentId) return paymentMismatch(hold);
    if (deadlineOf(hold) <= this.now()) return expired(hold);
    return undefined;
  }

  // ── Reading ─────────────────────────────────────────────────────────────

  private get activeShoppers(): number {
    return this.grants.openCount + this.holds.shoppers;
  }

  private joinResult(fanId: string, slot: number): JoinResult {
    const room = this.room;
    const number = room.numberAt(slot);
    const status = room.statusAt(slot);
    const account = status === FanStatus.ADMITTED ? this.accounts.get(fanId) : undefined;
    const grant = account?.openGrant;
    // An admitted place has had one grant: the account's latest (the account outlives the fan's earlier places).
    const lapsed = grant === undefined && account?.latestGrant?.status === 'expired' ? account.latestGrant : undefined;
    return {
      eventId: this.id,
      fanId,
      number,
      position: status === FanStatus.WAITING && number > 0 ? number - this.room.nowServing : 0,
      status: STATUS_NAMES[status](number),
      phase: this.phase,
      nowServing: this.room.nowServing,
      grant: grant === undefined ? undefined : grantView(grant),
      numberedAt: number === 0 && status === FanStatus.WAITING ? this.numberedAt(fanId) : undefined,
      ...this.waitlistPlace(status, number),
      called: grant?.called ?? false,
      lapsed: lapsed === undefined ? undefined : { ...grantView(lapsed), called: lapsed.called },
      receipt: undefined,
    };
  }

  /** The sale phase a join now is for (whose access rule a new place must pass); undefined before the first opens. */
  salePhaseNow(): SalePhase | undefined {
    return this.config.phases[phaseIndexAt(this.config.phases, this.now())];
  }

  private waitlistPlace(status: FanStatus, number: number): Pick<JoinResult, 'waitlisted' | 'waitlistAfter' | 'waitlistEarly'> {
    if (status !== FanStatus.WAITING || !this.isWaitlisted(number)) return { waitlisted: undefined, waitlistAfter: undefined, waitlistEarly: undefined };
    const { after, upTo, early } = this.waitlist!;
    return { waitlisted: number - Math.max(after, this.room.nowServing), waitlistAfter: after, waitlistEarly: early && upTo === Infinity };
  }

  /** When the fan's unnumbered place gets its number: its draw's instant, or its readyAt (not before the pre-queue draw). */
  private numberedAt(fanId: string): number | undefined {
    const place = this.room.place(fanId)!;
    if (place.draw !== undefined) return this.drawDueAt(place.draw);
    if (place.readyAt === undefined) return undefined;
    return Math.max(place.readyAt, this.firstDrawRan ? 0 : this.drawDueAt(PRE_QUEUE_DRAW));
  }

  /** A fan's own view: place, admission and holds. */
  fanView(fanId: string): JoinResult & { holds: HoldView[] } {
    const slot = this.room.slotOfFan(fanId);
    if (slot < 0) throw new BreakwaterError('NOT_IN_QUEUE', undefined, { details: { fanId } });
    const holds = (this.accounts.get(fanId)?.holds ?? []).map(holdView);
    return { ...this.joinResult(fanId, slot), holds };
  }

  /**
   * The public proof of a draw that has run (docs/fairness.md, "The proof"):
   * DRAW_NOT_FOUND for a draw never sealed, DRAW_NOT_RUN before it runs.
   */
  drawProof(draw: string): DrawProof {
    if (draw === REGISTRATION_DRAW) return this.registrationProof();
    const state = this.draws.get(draw);
    if (state === undefined) throw drawNotFound(draw);
    const run = state.run;
    if (run === undefined) {
      throw new BreakwaterError('DRAW_NOT_RUN', undefined, { details: { draw, drawsAt: this.drawDueAt(draw), commitment: state.commitment } });
    }
    return proofOfRun({ eventId: this.id, draw, drawnAt: state.drawnAt!, commitment: state.commitment, beacon: this.beaconOf(draw) }, run);
  }

  /** The registration draw's proof: the same as a queue draw's, with the invitations it made. */
  private registrationProof(): DrawProof {
    const book = this.registration;
    const draw = REGISTRATION_DRAW;
    if (book.sealed === undefined) throw drawNotFound(draw);
    if (book.run === undefined) {
      throw new BreakwaterError('DRAW_NOT_RUN', undefined, { details: { draw, drawsAt: this.config.registration!.closesAt, commitment: book.sealed.commitment } });
    }
    const proof = proofOfRun({ eventId: this.id, draw, drawnAt: book.drawnAt!, commitment: book.sealed.commitment, beacon: this.config.registration!.beacon }, book.run);
    return { ...proof, invitations: book.invitations! };
  }

  status(): EventStatus {
    const first = this.draws.get(PRE_QUEUE_DRAW);
    return {
      eventId: this.id,
      name: this.config.name,
      phase: this.phase,
      commitment: first?.commitment,
      seed: first?.run?.seed,
      nowServing: this.room.nowServing,
      lastNumber: this.room.lastNumber,
      waiting: this.room.waiting,
      joined: this.room.joinedCount,
      admitted: this.admittedTotal,
      openGrants: this.grants.openCount,
      activeShoppers: this.activeShoppers,
      tickets: {
        free: this.inventory.free,
        held: this.inventory.held,
        sold: this.holds.sold,
      },
      holds: {
        active: this.holds.activeCount,
        paymentPending: this.holds.activeCount - this.holds.heldCount,
        paymentQueued: this.payments.queue.size,
        expired: this.holds.expired,
        released: this.holds.released,
        cancelled: this.holds.cancelled,
      },
      pausedBeforeSale: this.pausedBeforeSale,
      announcement: this.announcement,
      soldOutAt: this.soldOutAt,
      closedAt: this.closedAt,
      waitlist: this.waitlistStatus(),
      awayAfter: this.awayAfter(),
      draws: [...this.draws].map(([draw, state]) => this.drawView(draw, state)).concat(this.registrationDrawView() ?? []),
      registration: this.registrationStatus(),
      door: { slowLaneJoins: this.slowLaneJoins, ...this.door.figures(this.config.door, this.now()) },
      payments: this.payments.status(this.now()),
    };
  }

  private waitlistStatus(): WaitlistStatus {
    const waitlist = this.waitlist;
    return {
      state: waitlist === undefined ? 'none' : waitlist.upTo !== Infinity ? 'ended' : waitlist.early ? 'early' : 'open',
      standbySize: waitlist?.standby ?? 0,
      standby: waitlist === undefined || waitlist.upTo !== Infinity || waitlist.early ? 0 : this.room.waitingBetween(0, waitlist.after),
      waitlisted: waitlist === undefined ? 0 : this.room.waitingBetween(waitlist.after, waitlist.upTo),
      waitlistAfter: waitlist?.after,
      waitlistUpTo: waitlist === undefined || waitlist.upTo === Infinity ? undefined : waitlist.upTo,
      called: this.calledTotal,
      lapsedCalls: this.lapsedCalls,
    };
  }

  private registrationDrawView(): DrawView | undefined {
    const book = this.registration;
    const r = this.config.registration;
    if (book.sealed === undefined || r === undefined) return undefined;
    const beacon = book.run === undefined ? book.sealed.beacon : book.run.beacon;
    return {
      draw: REGISTRATION_DRAW,
      commitment: book.sealed.commitment,
      seed: book.run?.seed,
      beacon: r.beacon === undefined ? undefined : { ...r.beacon, value: beacon ?? null },
      drawsAt: book.drawnAt ?? r.closesAt,
      numbered: book.run?.order.length,
      pending: book.run === undefined ? book.held : 0,
    };
  }

  private drawView(draw: string, state: DrawState): DrawView {
    const named = this.beaconOf(draw);
    return {
      draw,
      commitment: state.commitment,
      seed: state.run?.seed,
      beacon: named === undefined ? undefined : { ...named, value: (state.run === undefined ? state.beacon : state.run.beacon) ?? null },
      drawsAt: state.drawnAt ?? this.drawDueAt(draw),
      numbered: state.count,
      pending: state.drawnAt === undefined ? this.room.pendingCount(draw) : 0,
    };
  }
}

const STATUS_NAMES: Record<FanStatus, (number: number) => JoinResult['status']> = {
  [FanStatus.WAITING]: (number) => (number === 0 ? 'preQueue' : 'waiting'),
  [FanStatus.ADMITTED]: () => 'admitted',
  [FanStatus.LEFT]: () => 'left',
  [FanStatus.LOST]: () => 'lost',
};

/** What makes two hold commands "the same content" for an idempotency key. */
function holdFingerprint(grantId: string, request: HoldRequest): string {
  switch (request.kind) {
    case 'tickets':
      return `hold:${grantId}:tickets:${request.tierId}:${request.quantity}`;
    case 'best':
      return `hold:${grantId}:best:${request.category}:${request.quantity}`;
    case 'seats':
      return `hold:${grantId}:seats:${request.seatIds.join('\u0000')}`;
  }
}

/** An event created before payments were configurable has none in its journal: the defaults stand in. */
function paymentsOf(config: EventConfig): PaymentsConfig {
  return config.payments ?? PAYMENTS_DEFAULTS;
}

function sealedDraw(commitment: string, sealedSeed: string): DrawState {
  return { commitment, sealedSeed, beacon: undefined, drawnAt: undefined, count: undefined, run: undefined };
}

function numberingOf(entry: Extract<JournalEntry, { type: 'joined' }>): Numbering {
  if (entry.draw !== undefined) return { draw: entry.draw, pseudonym: Buffer.from(entry.pseudonym!, 'hex') };
  return entry.readyAt !== undefined ? { readyAt: entry.readyAt } : undefined;
}

function drawNotFound(draw: string): BreakwaterError {
  return new BreakwaterError('DRAW_NOT_FOUND', undefined, { details: { draw } });
}

function grantView(grant: Grant): GrantView {
  return { grantId: grant.id, expiresAt: grant.expiresAt };
}

function expired(hold: Hold): BreakwaterError {
  return new BreakwaterError('HOLD_EXPIRED', undefined, { details: { holdId: hold.id } });
}

function notActive(hold: Hold): BreakwaterError {
  return new BreakwaterError('HOLD_NOT_ACTIVE', `this hold is ${hold.status}`, { details: { holdId: hold.id, outcome: hold.status } });
}

/** Why a hold refused a payment's success: it ended, another payment bought it, or another of its payments is in flight. */
function refundReason(hold: Hold, refusal: BreakwaterError): RefundReason {
  if (hold.status === 'purchased' || hold.status === 'cancelled') return 'alreadyPaid';
  return refusal.code === 'PAYMENT_MISMATCH' ? 'otherAttempt' : 'holdEnded';
}

function paymentMismatch(hold: Hold): BreakwaterError {
  return new BreakwaterError('PAYMENT_MISMATCH', undefined, { details: { holdId: hold.id } });
}
