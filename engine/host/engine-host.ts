/**
 * The engine process's side of every EngineLink: the in-memory Engine, its
 * tick loop, and the few gateway decisions that must be made next to the
 * engine to be atomic across workers — who holds a fan's session, the
 * per-event gateway settings, prices, the recent admission rate. Requests are
 * handled synchronously, one at a time, like engine commands.
 */
import { randomUUID } from 'node:crypto';
import { BreakwaterError, Engine, joinContextOf, MAX_PROVIDER_PAYMENT_ID, PRE_QUEUE_DRAW, systemClock, type Clock, type DrawProof, type HoldView, holdView, type JoinContext, type JoinResult, type JournalEntry, type SaleEvent, type SeedVault } from '../src/index.js';
import { FanPush } from './notify/fan-push.js';
import { deliverWebhook, webhooksOf } from './notify/organizer-webhook.js';
import type { PushSubscriptionKeys } from './notify/push-subscriptions.js';
import type { WebPushConfig } from './notify/web-push-config.js';
import { applySettingsPatch, channelsForConfig, channelsFromConfig, DEFAULT_EVENT_SETTINGS, settingsForOrganizer, type EventSettings } from './event-settings.js';
import { AdmissionRate } from './admission-rate.js';
import { movesTheQueue, pricedHold, publicInfoOf, queueStateOf, sameQueueFigures } from './event-views.js';
import { reconcilePayments, type PaymentReconciliation } from './reconciliation.js';
import { OrderLedger } from './order-book.js';
import { saleOrder, saleRevenue, searchSaleOrders } from './order-views.js';
import { Sessions } from './sessions.js';
import type {
  CheckedPaymentOutcome,
  BroadcastListener, EngineBroadcast, EngineRequest, EventDetails, EventStats, FanHoldCommand, FanView, PricedHold, QueueState,
  EngineMetrics, ResultOf, SessionOpened, SyncState, WorkerMetrics,
} from '../link/types.js';

/** The host's engine: given, or a new one sealing its draw seeds with `seeds` (the deployment secret's vault). */
export type EngineHostOptions = EngineHostSettings & ({ engine: Engine; seeds?: undefined } | { engine?: undefined; seeds: SeedVault });

interface EngineHostSettings {
  clock?: Clock;
  /** How often time acts on every event. */
  tickMs?: number;
  /** How often every event's figures go to the dashboards and /metrics. */
  statsMs?: number;
  /** How long a closed event's figures stay in them (its last figures get scraped, then its series end). */
  closedEventGraceMs?: number;
  /** This process's runtime metrics, sent with the stats: the engine process of `npm start` (a shard sends its own once, not per partition). */
  engineMetrics?: () => EngineMetrics | undefined;
  /** Queue states are republished at least this often even when unchanged. */
  queueHeartbeatMs?: number;
  /** Figures that move nobody's position (the line's length, the rate) are republished at most this often. */
  queueRefreshMs?: number;
  log?: (message: string) => void;
  /** The first session number (see Sessions): a shard taking events over starts above its predecessor's. */
  firstSession?: number;
  /** Web Push to fans (VAPID keys, allowed push services); none: fans are not offered it. */
  webPush?: WebPushConfig;
  /** A fan's push subscriptions changed: cluster mode keeps a durable copy for the next owner of the event. */
  pushSubscriptionsChanged?: (eventId: string, fanId: string, subscriptions: PushSubscriptionKeys[]) => void;
}

/** Journal entries that stay in the engine process: the bulk of a flash crowd (and of a million codes), of use to nobody outside. */
const LOCAL_ENTRY_TYPES = new Set<JournalEntry['type']>(['created', 'joined', 'presence', 'codesAdded', 'codeRedeemed', 'registered', 'registrationWithdrawn']);
/** Entries the organizer webhook and Web Push may tell of (a join while all is taken is waitlisted; invitations are codes bound to accounts). */
const NOTIFYING_ENTRY_TYPES = new Set<JournalEntry['type']>(['standby', 'earlyWaitlist', 'waitlistEnded', 'joined', 'recalled', 'called', 'soldOut', 'registrationDrawn', 'codesAdded']);
const FAN_COMMANDS = new Set<FanHoldCommand['type']>(['hold', 'extendHold', 'startPayment', 'releaseHold']);
const WORKER_METRICS_TTL_MS = 5_000;
/** Longer than a few scrape intervals, so the last figures of a sale are kept by Prometheus. */
const CLOSED_EVENT_GRACE_MS = 15 * 60_000;
interface Reveal {
  commitment: string | null;
  seed: string | null;
}

/** The owner of sessions opened through the in-process link. */
export const LOCAL_OWNER = 'local';

export class EngineHost {
  readonly engine: Engine;
  readonly clock: Clock;
  private readonly options: Required<Omit<EngineHostSettings, 'clock' | 'firstSession' | 'webPush' | 'pushSubscriptionsChanged' | 'engineMetrics'>>;
  private readonly engineMetrics: () => EngineMetrics | undefined;
  private readonly listeners = new Set<BroadcastListener>();
  private readonly settings = new Map<string, EventSettings>();
  private readonly sessions: Sessions;
  /** Names this host in its entries broadcasts: a takeover starts a new origin, whose seq restarts at 1. */
  private readonly origin = randomUUID();
  /** Per event, the seq of its last entries broadcast. */
  private readonly entriesSeq = new Map<string, number>();
  private readonly rates = new AdmissionRate();
  private readonly lastQueue = new Map<string, QueueState>();
  private readonly reveals = new Map<string, Reveal>();
  private readonly workers = new Map<string, WorkerMetrics>();
  private readonly push: FanPush | undefined;
  /** Per event whose orders were asked for: its orders, kept from the entries (engine/host/order-book.ts). */
  private readonly orderLedgers = new Map<string, OrderLedger>();
  /** Per event, the waitlist boundary the organizer webhook and Web Push already told. */
  private readonly webhookAfter = new Map<string, number>();
  private timers: NodeJS.Timeout[] = [];

  constructor(options: EngineHostOptions) {
    this.clock = options.clock ?? options.engine?.clock ?? systemClock;
    this.engine = options.engine ?? new Engine({ clock: this.clock, seeds: options.seeds });
    this.sessions = new Sessions(options.firstSession);
    this.engineMetrics = options.engineMetrics ?? (() => undefined);
    this.options = {
      tickMs: options.tickMs ?? 250,
      statsMs: options.statsMs ?? 1000,
      closedEventGraceMs: options.closedEventGraceMs ?? CLOSED_EVENT_GRACE_MS,
      queueHeartbeatMs: options.queueHeartbeatMs ?? 5000,
      queueRefreshMs: options.queueRefreshMs ?? 2000,
      log: options.log ?? ((message) => console.error(message)),
    };
    if (options.webPush !== undefined) {
      this.push = new FanPush(options.webPush, {
        fetch, log: this.options.log, ...(options.pushSubscriptionsChanged === undefined ? {} : { changed: options.pushSubscriptionsChanged }),
      });
    }
    this.engine.onEntries((eventId, entries) => this.onEntries(eventId, entries));
  }

  /** Starts the tick and stats loops on the system timers. */
  start(): void {
    if (this.timers.length > 0) return;
    this.timers.push(setInterval(() => this.tick(), this.options.tickMs));
    this.timers.push(setInterval(() => this.publishStats(), this.options.statsMs));
  }

  stop(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
  }

  subscribe(listener: BroadcastListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Lets time act on every event, then publishes each queue that changed: one message per event per tick at most. */
  tick(): void {
    try {
      this.engine.tick();
    } catch (err) {
      this.options.log(`engine tick failed: ${(err as Error).stack ?? String(err)}`);
    }
    this.publishQueues();
  }

  private publishQueues(): void {
    const now = this.clock.now();
    const states: QueueState[] = [];
    for (const sale of this.engine.events()) {
      const state = queueStateOf(sale, this.rates.rates(sale.id, now), now);
      const last = this.lastQueue.get(sale.id);
      if (last !== undefined && !movesTheQueue(last, state)) {
        // A flash crowd changes the line's length every tick; re-sending it to every fan 4×/s would starve joins.
        const quietFor = sameQueueFigures(last, state) ? this.options.queueHeartbeatMs : this.options.queueRefreshMs;
        if (now - last.at < quietFor) continue;
      }
      this.lastQueue.set(sale.id, state);
      states.push(state);
    }
    if (states.length > 0) this.broadcast({ type: 'queue', states, sentAt: Date.now() });
  }

  publishStats(): void {
    const now = this.clock.now();
    // Workers stamp their reports with the wall clock, whatever clock the engine runs on.
    for (const [worker, metrics] of this.workers) if (Date.now() - metrics.at > WORKER_METRICS_TTL_MS) this.workers.delete(worker);
    const events: EventStats[] = [];
    for (const sale of this.engine.events()) {
      const status = sale.status();
      if (status.closedAt !== undefined && now - status.closedAt > this.options.closedEventGraceMs) continue;
      // What the door asks of a join from a quiet subnet now.
      events.push({ ...status, ...this.rates.rates(sale.id, now), powDifficulty: status.door.difficultyNow });
    }
    const engine = this.engineMetrics();
    this.broadcast({ type: 'stats', at: now, events, workers: [...this.workers.values()], engines: engine === undefined ? [] : [engine] });
  }

  /**
   * Runs one request; throws the BreakwaterError that refused it. `owner`
   * names the gateway process it came from (the sessions it opens are its).
   */
  handle<R extends EngineRequest>(request: R, owner = LOCAL_OWNER): ResultOf<R> {
    return this.dispatch(request, owner) as ResultOf<R>;
  }

  /** A gateway process is gone: its fans count as disconnected from now (the grace period runs). */
  dropOwner(owner: string): void {
    for (const { eventId, fanId, session } of this.sessions.ownedBy(owner)) this.closeSession(eventId, fanId, session);
  }

  private dispatch(request: EngineRequest, owner: string): unknown {
    switch (request.op) {
      case 'command': {
        const result = this.engine.execute(request.command);
        // A retuned configuration may name other payment channels: every worker's settings follow (it was checked: it ran).
        const command = request.command as { type?: unknown; eventId?: unknown };
        if (command.type === 'updateEvent') this.broadcast({ type: 'settings', eventId: command.eventId as string, settings: this.settingsOf(command.eventId as string) });
        return result;
      }
      case 'openSession':
        return this.openSession(request.eventId, request.fanId, request.resume, owner, request.context);
      case 'closeSession':
        this.closeSession(request.eventId, request.fanId, request.session);
        return null;
      case 'leave':
        // The session ends with the place, even when the place was already gone.
        this.sessions.close(request.eventId, request.fanId, request.session);
        this.engine.execute({ type: 'leave', eventId: request.eventId, fanId: request.fanId });
        return null;
      case 'claimSessions':
        this.claimSessions(request.eventId, request.sessions, owner);
        return null;
      case 'fanViews':
        return this.fanViews(request.eventId, request.fanIds);
      case 'placesOf': {
        const sale = this.engine.event(request.eventId);
        const places: Record<string, number> = {};
        for (const fanId of request.fanIds) places[fanId] = sale.room.isPresent(fanId) ? sale.room.place(fanId)!.number : 0;
        return places;
      }
      case 'paymentOutcome':
        return this.paymentOutcome(request.outcome);
      case 'fanCommand':
        return this.fanCommand(request.command);
      case 'pushSubscribe':
        this.pushSubscribe(request.eventId, request.fanId, request.subscription);
        return null;
      case 'createEvent':
        return this.createEvent(request.config, request.publish, request.settings);
      case 'listEvents':
        return this.engine.events().map((sale) => this.details(sale));
      case 'getEvent':
        return this.details(this.engine.event(request.eventId));
      case 'publicInfo': {
        const sale = this.publishedEvent(request.eventId);
        return publicInfoOf(sale, this.settingsOf(sale.id), this.push?.config.keys.publicKey ?? null);
      }
      case 'codes': {
        const { codes } = this.engine.event(request.eventId);
        return { total: codes.size, offset: request.offset, codes: codes.list(request.offset, request.limit) };
      }
      case 'journal':
        // Unknown events are EVENT_NOT_FOUND, not an empty journal. Seeds in it are sealed until their draws.
        return this.engine.journal.read(this.engine.event(request.eventId).id);
      case 'payments':
        return this.payments(request.eventId);
      case 'orders': {
        const { sale, settings, ledger } = this.orderSources(request.eventId);
        return searchSaleOrders(sale, settings, ledger, { q: request.q, status: request.status }, request.offset, request.limit);
      }
      case 'order': {
        const { sale, settings, ledger } = this.orderSources(request.eventId);
        return saleOrder(sale, settings, ledger, this.engine.journal.read(sale.id), request.holdId);
      }
      case 'revenue': {
        const { sale, settings, ledger } = this.orderSources(request.eventId);
        return saleRevenue(sale, settings, ledger);
      }
      case 'drawProof':
        return this.drawProof(request.eventId, request.draw);
      case 'registrationOf':
        return this.publishedEvent(request.eventId).registrationOf(request.fanId);
      case 'updateSettings':
        return this.updateSettings(request.eventId, request.patch);
      case 'sync':
        return this.syncState();
      case 'reportMetrics':
        this.workers.set(request.metrics.worker, request.metrics);
        return null;
      default:
        throw new BreakwaterError('MALFORMED_COMMAND', 'unknown engine link operation', { details: { field: 'op' } });
    }
  }

  // ── Fans ────────────────────────────────────────────────────────────────

  /**
   * A fan's connection takes (or resumes) the place. Checking for an existing
   * place and joining happen in one synchronous step here, so two connections
   * can never both create a place for one fan id, and only a verified token
   * (`resume`) or the join key the place was taken with may take an existing
   * place over.
   */
  private openSession(eventId: string, fanId: string, resume: boolean, owner: string, context: JoinContext = {}): SessionOpened {
    const sale = this.engine.event(eventId);
    const present = sale.room.isPresent(fanId);
    const sameKey = context.joinKeyDigest !== undefined && sale.holdsPlaceWithKey(fanId, context.joinKeyDigest);
    if (present && !resume && !sameKey) {
      throw new BreakwaterError('FAN_ID_IN_USE', undefined, { details: { eventId, fanId } });
    }
    const join = this.engine.execute({ ...joinContextOf(context), type: 'join', eventId, fanId }) as JoinResult;
    if (present) this.engine.execute({ type: 'presence', eventId, fanId, connected: true });
    const { session, replaced } = this.sessions.open(eventId, fanId, owner);
    if (replaced !== undefined) this.broadcast({ type: 'sessionReplaced', eventId, fanId, session: replaced });
    const now = this.clock.now();
    return {
      join,
      session,
      restored: present,
      holds: present ? this.holdsOf(sale, fanId) : [],
      ...this.revealOf(sale),
      queue: queueStateOf(sale, this.rates.rates(eventId, now), now),
      announcement: sale.announcementNow()?.text ?? null,
    };
  }

  /**
   * The shuffle commitment and, once revealed, the seed. Kept from the journal
   * because `status()` costs O(active holds), too much for every join.
   */
  private revealOf(sale: SaleEvent): Reveal {
    let reveal = this.reveals.get(sale.id);
    if (reveal === undefined) {
      const status = sale.status();
      reveal = { commitment: status.commitment ?? null, seed: status.seed ?? null };
      this.reveals.set(sale.id, reveal);
    }
    return reveal;
  }

  /**
   * A gateway names the sessions it holds (after a takeover, or its own
   * reconnect): they are its, and a fan marked gone meanwhile (its gateway
   * seemed silent) is connected again, so no grace period runs out on a fan
   * whose socket never closed.
   */
  private claimSessions(eventId: string, sessions: ReadonlyArray<{ fanId: string; session: number }>, owner: string): void {
    const sale = this.engine.event(eventId);
    for (const { fanId, session } of sessions) {
      if (!sale.room.isPresent(fanId)) continue;
      this.sessions.adopt(eventId, fanId, session, owner);
      if (this.sessions.isCurrent(eventId, fanId, session) && !sale.room.isConnected(fanId)) {
        this.engine.execute({ type: 'presence', eventId, fanId, connected: true });
      }
    }
  }

  private fanViews(eventId: string, fanIds: readonly string[]): Record<string, FanView | null> {
    const sale = this.engine.event(eventId);
    const settings = this.settingsOf(eventId);
    const views: Record<string, FanView | null> = {};
    for (const fanId of fanIds) {
      if (sale.room.slotOfFan(fanId) < 0) {
        views[fanId] = null;
        continue;
      }
      const view = sale.fanView(fanId);
      views[fanId] = {
        status: view.status, number: view.number, grant: view.grant ?? null, called: view.called,
        lapsed: view.lapsed === undefined ? null : { grantId: view.lapsed.grantId, expiresAt: view.lapsed.expiresAt },
        holds: view.holds.map((hold) => pricedHold(sale, settings, hold)),
      };
    }
    return views;
  }

  private closeSession(eventId: string, fanId: string, session: number): void {
    if (!this.sessions.close(eventId, fanId, session)) return;
    const sale = this.saleOrUndefined(eventId);
    if (sale === undefined || !sale.room.isPresent(fanId)) return;
    this.engine.execute({ type: 'presence', eventId, fanId, connected: false });
  }

  private fanCommand(command: FanHoldCommand): PricedHold {
    if (!FAN_COMMANDS.has(command.type)) {
      throw new BreakwaterError('MALFORMED_COMMAND', 'not a fan hold command', { details: { field: 'type' } });
    }
    const view = this.engine.execute(command) as HoldView;
    const sale = this.engine.event(command.eventId);
    const priced = pricedHold(sale, this.settingsOf(sale.id), view);
    if (view.paymentQueueNumber !== undefined) priced.paymentQueuePosition = view.paymentQueueNumber - sale.payments.serving() - 1;
    return priced;
  }

  private paymentOutcome(outcome: CheckedPaymentOutcome): unknown {
    const { eventId, holdId, paymentId } = outcome;
    const providerAt = outcome.occurredAt === undefined ? {} : { providerAt: Math.round(outcome.occurredAt) };
    if (outcome.outcome === 'failed') return this.engine.execute({ type: 'failPayment', eventId, holdId, paymentId, reason: outcome.reason, ...(outcome.failure === undefined ? {} : { failure: outcome.failure }), ...providerAt });
    const sale = this.saleOrUndefined(eventId);
    const hold = sale?.holds.get(holdId);
    // An unknown event or hold is the engine's to refuse (then the money goes back).
    if (sale !== undefined && hold !== undefined) {
      const expected = pricedHold(sale, this.settingsOf(eventId), holdView(hold));
      if (expected.amount !== outcome.amount || expected.currency !== outcome.currency) {
        // Refused, and its money due back (journaled in this same turn): the payment side refunds it.
        const { refund } = this.engine.execute({ type: 'refusePayment', eventId, holdId, paymentId, ...providerAt }) as { refund: string };
        throw new BreakwaterError('PAYMENT_AMOUNT_MISMATCH', undefined, {
          details: { holdId, paymentId, expected: { amount: expected.amount, currency: expected.currency }, received: { amount: outcome.amount, currency: outcome.currency }, refund },
        });
      }
    }
    // An id too long to journal is left out rather than losing the purchase: only a later refund of the order needs it.
    const id = outcome.providerPaymentId;
    const charge = id === undefined || id.length === 0 || id.length > MAX_PROVIDER_PAYMENT_ID ? {} : { providerPaymentId: id };
    return this.engine.execute({ type: 'confirmPurchase', eventId, holdId, paymentId, ...providerAt, ...charge });
  }

  private payments(eventId: string): PaymentReconciliation {
    const sale = this.engine.event(eventId);
    const settings = this.settingsOf(sale.id);
    const priceOf = (holdId: string) => {
      const { amount, currency } = pricedHold(sale, settings, holdView(sale.holds.get(holdId)!));
      return { amount, currency };
    };
    return reconcilePayments(sale.id, this.engine.journal.read(sale.id), priceOf);
  }

  /** What an event's orders are read and priced from: its ledger is built from the journal once, then kept by onEntries. */
  private orderSources(eventId: string) {
    const sale = this.engine.event(eventId);
    let ledger = this.orderLedgers.get(sale.id);
    if (ledger === undefined) this.orderLedgers.set(sale.id, (ledger = OrderLedger.of(this.engine.journal.read(sale.id))));
    return { sale, settings: this.settingsOf(sale.id), ledger };
  }

  /** Only a fan with a place is called, recalled, waitlisted or told of a sell-out: a subscription without one would never be used. */
  private pushSubscribe(eventId: string, fanId: string, subscription: PushSubscriptionKeys): void {
    if (this.push === undefined) {
      throw new BreakwaterError('PUSH_SUBSCRIPTION_INVALID', 'this deployment sends no Web Push', { details: { reason: 'off' } });
    }
    const sale = this.engine.event(eventId);
    if (!sale.room.isPresent(fanId)) throw new BreakwaterError('NOT_IN_QUEUE', undefined, { details: { fanId } });
    this.push.subscribe(eventId, fanId, subscription);
  }

  /** Subscriptions kept elsewhere (a durable store) for an event restored from its journal. */
  restorePushSubscriptions(eventId: string, fanId: string, subscriptions: PushSubscriptionKeys[]): void {
    this.push?.subscriptions.set(eventId, fanId, subscriptions);
  }

  /** How many push subscriptions an event holds. */
  pushSubscriptionCount(eventId: string): number {
    return this.push?.subscriptions.count(eventId) ?? 0;
  }

  /** From the engine's own account of the fan, so a host that restored the event from its journal knows them too. */
  private holdsOf(sale: SaleEvent, fanId: string): PricedHold[] {
    const settings = this.settingsOf(sale.id);
    return sale.fanView(fanId).holds.map((hold) => pricedHold(sale, settings, hold));
  }

  /**
   * A draw's public proof, once it has run. Published on a public endpoint,
   * so it is not a command: reading it changes nothing, and unpublished
   * events do not exist for the public.
   */
  private drawProof(eventId: string, draw: string): DrawProof {
    return this.publishedEvent(eventId).drawProof(draw);
  }

  /** An event the public may see: unpublished events do not exist for fans. */
  private publishedEvent(eventId: string): SaleEvent {
    const sale = this.engine.event(eventId);
    if (sale.phase === 'draft') throw new BreakwaterError('EVENT_NOT_FOUND', `no event "${sale.id}"`, { details: { eventId: sale.id } });
    return sale;
  }

  // ── Organizers ──────────────────────────────────────────────────────────

  private createEvent(config: unknown, publish: boolean, settingsPatch: unknown): EventDetails {
    // Settings are checked first, so a bad patch creates nothing.
    const settings = applySettingsPatch(DEFAULT_EVENT_SETTINGS, settingsPatch ?? {});
    const aliased = paymentsPatched(settingsPatch) ? withPaymentChannels(config, settings) : config;
    const status = this.engine.createEvent(withPowFloor(aliased, powDifficultyOf(settingsPatch)), { publish });
    this.settings.set(status.eventId, settings);
    this.broadcast({ type: 'settings', eventId: status.eventId, settings: this.settingsOf(status.eventId) });
    return this.details(this.engine.event(status.eventId));
  }

  private updateSettings(eventId: string, patch: unknown): EventSettings {
    const sale = this.engine.event(eventId);
    const settings = applySettingsPatch(this.settingsOf(eventId), patch);
    const floor = powDifficultyOf(patch);
    if (floor !== undefined && floor !== sale.config.door.powFloor) {
      this.engine.execute({ type: 'updateEvent', eventId, patch: { door: { powFloor: floor, powCeiling: Math.max(floor, sale.config.door.powCeiling) } } });
    }
    const channels = channelsForConfig(settings.payments);
    if (paymentsPatched(patch) && JSON.stringify(channels) !== JSON.stringify(sale.config.payments?.channels ?? [])) {
      this.engine.execute({ type: 'updateEvent', eventId, patch: { payments: { channels } } });
    }
    this.settings.set(eventId, settings);
    this.broadcast({ type: 'settings', eventId, settings: this.settingsOf(eventId) });
    return this.settingsOf(eventId);
  }

  private saleOrUndefined(eventId: string): SaleEvent | undefined {
    try {
      return this.engine.event(eventId);
    } catch {
      return undefined;
    }
  }

  /** Settings kept elsewhere (a durable store) for an event restored from its journal. */
  restoreSettings(eventId: string, settings: EventSettings): void {
    // Settings saved before a field existed get its default.
    this.settings.set(eventId, { ...DEFAULT_EVENT_SETTINGS, ...settings });
  }

  /**
   * The event's settings; `powDifficulty` is an alias of the door's
   * proof-of-work floor (`config.door.powFloor`), `payments.channels` of the
   * engine's `config.payments.channels` (events whose journal names none
   * keep the channels their settings were saved with).
   */
  settingsOf(eventId: string): EventSettings {
    const settings = this.settings.get(eventId) ?? DEFAULT_EVENT_SETTINGS;
    const sale = this.saleOrUndefined(eventId);
    if (sale === undefined) return settings;
    const channels = sale.config.payments?.channels ?? [];
    const payments = channels.length === 0 ? settings.payments : { channels: channelsFromConfig(channels) };
    return { ...settings, powDifficulty: sale.config.door.powFloor, payments };
  }

  private details(sale: SaleEvent): EventDetails {
    const now = this.clock.now();
    return {
      config: sale.config, status: sale.status(), settings: settingsForOrganizer(this.settingsOf(sale.id)), queue: queueStateOf(sale, this.rates.rates(sale.id, now), now),
      locks: sale.configLocks(),
    };
  }

  private syncState(): SyncState {
    const settings: Record<string, EventSettings> = {};
    for (const sale of this.engine.events()) settings[sale.id] = this.settingsOf(sale.id);
    return { settings };
  }

  // ── Broadcasts ──────────────────────────────────────────────────────────

  private onEntries(eventId: string, entries: readonly JournalEntry[]): void {
    const shared: JournalEntry[] = [];
    const holdOwners: Record<string, string> = {};
    const sale = this.saleOrUndefined(eventId);
    const ledger = this.orderLedgers.get(eventId);
    for (const entry of entries) {
      ledger?.apply(entry);
      if (entry.type === 'admitted' || entry.type === 'called') this.rates.record(eventId, entry.at, entry.fanIds.length);
      // The seed of preQueueOpened is sealed: it is revealed by the pre-queue draw (the start window's end).
      if (entry.type === 'preQueueOpened') this.reveals.set(eventId, { commitment: entry.commitment, seed: null });
      if (entry.type === 'drawn' && entry.draw === PRE_QUEUE_DRAW) this.reveals.set(eventId, { commitment: this.reveals.get(eventId)?.commitment ?? null, seed: entry.seed });
      if (LOCAL_ENTRY_TYPES.has(entry.type)) continue;
      shared.push(entry);
      if ('holdId' in entry && sale !== undefined) {
        const owner = sale.holds.get(entry.holdId)?.fanId;
        if (owner !== undefined) holdOwners[entry.holdId] = owner;
      }
    }
    if (shared.length > 0) {
      const seq = (this.entriesSeq.get(eventId) ?? 0) + 1;
      this.entriesSeq.set(eventId, seq);
      this.broadcast({ type: 'entries', eventId, entries: shared, holdOwners, origin: this.origin, seq });
    }
    if (sale !== undefined) this.notifyFans(sale, entries);
  }

  /**
   * The organizer's webhook and the fans' push subscriptions hear of
   * waitlisted, recalled, called and sold-out fans, once per deployment (here, from the
   * journal entries); delivery never holds the engine up.
   */
  private notifyFans(sale: SaleEvent, entries: readonly JournalEntry[]): void {
    const target = this.settings.get(sale.id)?.notifyWebhook ?? null;
    const pushing = this.push?.subscriptions.has(sale.id) === true;
    if ((target === null && !pushing) || !entries.some((entry) => NOTIFYING_ENTRY_TYPES.has(entry.type))) return;
    const hooks = webhooksOf(sale, entries, this.webhookAfter);
    if (pushing) this.push!.send(sale.config.name, hooks);
    if (target === null) return;
    const deps = { fetch, now: () => Date.now(), log: this.options.log };
    for (const hook of hooks) void deliverWebhook(target, hook, deps);
  }

  private broadcast(broadcast: EngineBroadcast): void {
    for (const listener of this.listeners) {
      try {
        listener(broadcast);
      } catch (err) {
        this.options.log(`broadcast listener failed: ${(err as Error).stack ?? String(err)}`);
      }
    }
  }
}

/** Whether a settings patch sets the payment channels. */
function paymentsPatched(patch: unknown): boolean {
  return typeof patch === 'object' && patch !== null && (patch as Record<string, unknown>).payments !== undefined;
}

/** A new event's configuration with the channels its settings name (the alias of `config.payments.channels`). */
function withPaymentChannels(config: unknown, settings: EventSettings): unknown {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) return config;
  const input = config as Record<string, unknown>;
  const payments = typeof input.payments === 'object' && input.payments !== null && !Array.isArray(input.payments) ? (input.payments as Record<string, unknown>) : {};
  if (input.payments !== undefined && payments !== input.payments) return config; // not an object: validation will say so
  return { ...input, payments: { ...payments, channels: channelsForConfig(settings.payments) } };
}

/** `settings.powDifficulty` of an already checked settings patch, if it sets one. */
function powDifficultyOf(patch: unknown): number | undefined {
  const value = typeof patch === 'object' && patch !== null ? (patch as Record<string, unknown>).powDifficulty : undefined;
  return typeof value === 'number' ? value : undefined;
}

/**
 * A new event's configuration with the `settings.powDifficulty` alias applied:
 * the door's floor, its ceiling lifted to at least the floor.
 */
function withPowFloor(config: unknown, floor: number | undefined): unknown {
  if (floor === undefined || typeof config !== 'object' || config === null || Array.isArray(config)) return config;
  const input = config as Record<string, unknown>;
  const door = typeof input.door === 'object' && input.door !== null && !Array.isArray(input.door) ? (input.door as Record<string, unknown>) : {};
  if (input.door !== undefined && door !== input.door) return config; // not an object: validation will say so
  const ceiling = typeof door.powCeiling === 'number' ? door.powCeiling : 0;
  return { ...input, door: { ...door, powFloor: floor, powCeiling: Math.max(ceiling, floor) } };
}
