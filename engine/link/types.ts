/**
 * How a gateway process reaches the one engine process. Two calls: `execute`
 * a request (an engine command, or one of the few gateway operations that
 * must be decided next to the engine, atomically), and `subscribe` to what
 * the engine process broadcasts. Implementations: in-process (tests, single
 * process) and IPC over child_process fork channels; a NATS transport can
 * implement the same interface.
 *
 * Everything here is plain data (structured-clone and msgpack safe).
 */
import type { CodeView, DrawProof, EventConfig, EventStatus, FieldLock, GrantView, HoldView, JoinContext, JoinResult, JournalEntry, Phase, PhaseAccess, RegistrationStage, RegistrationView } from '../src/index.js';
import type { OrderPage, OrderQuery, Revenue } from '../host/order-book.js';
import type { OrderDetail } from '../host/order-views.js';
import type { EventSettings } from '../host/event-settings.js';
import type { MetricFamily } from './metric-families.js';
import type { PushSubscriptionKeys } from '../host/notify/push-subscriptions.js';
import type { PaymentReconciliation } from '../host/reconciliation.js';

/** One event's queue as published once per tick. */
export interface QueueState {
  eventId: string;
  phase: Phase;
  nowServing: number;
  lastNumber: number;
  waiting: number;
  /** Admissions per second lately: slow and fast estimate. */
  rateLow: number;
  rateHigh: number;
  onSaleAt: number;
  /** What is left to sell: see TicketSupply in the protocol's queue math. */
  ticketsFree: number;
  ticketsHeld: number;
  openGrants: number;
  ticketsPerFan: number;
  /** The away horizon (EventStatus.awayAfter); null when there is none. */
  awayAfter: number | null;
  /** The payment queue's front (EventStatus.payments.queue.serving). */
  paymentsServing: number;
  /** Engine time of the tick that produced it. */
  at: number;
}

export interface PricedHold extends HoldView {
  /** Total price in the currency's minor unit. */
  amount: number;
  currency: string;
  /** While `paymentQueued`: payments ahead of it in the payment queue, at most (its number − the queue's front − 1). */
  paymentQueuePosition?: number;
}

export interface SessionOpened {
  join: JoinResult;
  /** Identifies this connection's hold on the place; a later session of the same fan replaces it. */
  session: number;
  /** True when the fan's existing place was resumed. */
  restored: boolean;
  holds: PricedHold[];
  commitment: string | null;
  seed: string | null;
  queue: QueueState;
  /** The organizer's message to the queue now (null: none). */
  announcement: string | null;
}

/**
 * A connected fan's state as the journal has it, for a gateway catching its
 * fans up after it may have missed broadcasts (fan/fan-resync.ts).
 */
export interface FanView {
  status: JoinResult['status'];
  number: number;
  grant: GrantView | null;
  /** The open grant is a call from the waitlist. */
  called: boolean;
  /** The place's turn lapsed: its grant expired before the fan held anything (JoinResult.lapsed). */
  lapsed: GrantView | null;
  /** Every hold of the fan, oldest first, whatever its state. */
  holds: PricedHold[];
}

/** The fan commands the gateway forwards with the fan id bound to the connection. */
export type FanHoldCommand =
  | { type: 'hold'; eventId: string; fanId: string; grantId: string; key: string; request: unknown }
  | { type: 'extendHold'; eventId: string; fanId: string; holdId: string; key: string }
  /** `channels`: those this deployment has among the event's, first choice first; `channel`: the fan's choice. */
  | { type: 'startPayment'; eventId: string; fanId: string; holdId: string; paymentId: string; key: string; channels: string[]; channel?: string }
  | { type: 'releaseHold'; eventId: string; fanId: string; holdId: string; key: string };

export interface EventDetails {
  config: EventConfig;
  status: EventStatus;
  settings: EventSettings;
  queue: QueueState;
  /** What may not change on the event now, and why (the engine's configLocks). */
  locks: FieldLock[];
}

/** What the fan page shows about an event: public figures only. */
export interface PublicEventInfo {
  eventId: string;
  name: string;
  phase: Phase;
  preQueueOpensAt: number;
  onSaleAt: number;
  closesAt: number;
  commitment: string | null;
  seed: string | null;
  maxTicketsPerFan: number;
  paymentWindowMs: number;
  holdExtensionMs: number;
  /** How long a fan called from the waitlist, or recalled to a place kept while away, has to come back. */
  callAnswerMs: number;
  /** The organizer hears whom to tell of calls and recalls (its webhook is set): it may e-mail or text its fans. */
  organizerNotifies: boolean;
  /** The sale phases with their times and kind of access (never the codes or the groups). */
  phases: Array<{ id: string; name: string; preQueueOpensAt: number; onSaleAt: number; access: PhaseAccess['kind'] }>;
  /** The phase a join now is for (a new place must pass its access rule); null before the first pre-queue opens. */
  currentPhaseId: string | null;
  /** Registration for a coded presale (docs/presales.md): its times, the phase it invites to, its stage and its draw's commitment; null when none. */
  registration: { opensAt: number; closesAt: number; phaseId: string; stage: RegistrationStage; commitment: string | null } | null;
  currency: string;
  powDifficulty: number;
  /** The deployment's VAPID public key (base64url) for PushManager.subscribe; null when it sends no Web Push. */
  pushKey: string | null;
  /** Null: anonymous fans. Else whether a verified identity is required, and where fans sign in. */
  identity: { required: boolean; loginUrl: string | null } | null;
  tiers: Array<{ id: string; name: string; price: number; capacity: number; free: number }>;
  categories: Array<{ category: string; price: number; free: number }>;
  /** Reserved seating; each seat's `status` is free, held or sold. */
  sections: Array<{ id: string; name: string; rows: Array<{ id: string; seats: Array<{ id: string; label: string; category: string; rank: number; status: string }> }> }>;
  /** The organizer's message to everyone in the queue, while one is up. */
  announcement: { text: string; at: number } | null;
  /** The organizer paused the sale before it started: it will not start at `onSaleAt` until resumed. */
  pausedBeforeSale: boolean;
  /** The event's colours (`#rrggbb`, null: the page's own) and logo (an address on this origin; null: none). */
  branding: { accent: string | null; accentInk: string | null; background: string | null; logoUrl: string | null };
}

/** One gateway process's figures and runtime metrics (prom-client JSON, labelled `worker`), reported every second and folded into every worker's /metrics. */
export interface WorkerMetrics {
  worker: string;
  pid: number;
  /** Wall clock of the report. */
  at: number;
  families: MetricFamily[];
}

/** One engine process's (or shard's) runtime metrics (labelled `engine`), sent with its stats every second. */
export interface EngineMetrics {
  engine: string;
  pid: number;
  at: number;
  families: MetricFamily[];
}

export interface EventStats extends EventStatus {
  rateLow: number;
  rateHigh: number;
  powDifficulty: number;
}

/** A page of an event's access codes with their redemption state, in the order they were added. */
export interface CodePage {
  total: number;
  offset: number;
  codes: CodeView[];
}

/** What a starting worker needs before it serves: every event's gateway settings. */
export interface SyncState {
  settings: Record<string, EventSettings>;
}

/** What a provider says happened to a payment, with the money it names. */
export interface CheckedPaymentOutcome {
  eventId: string;
  holdId: string;
  paymentId: string;
  outcome: 'succeeded' | 'failed';
  reason: string;
  /** Minor units and ISO 4217 code, as the provider charged them. */
  amount: number;
  currency: string;
  /** A failure of the channel (`error`, `timeout`) rather than a decline; absent: declined. */
  failure?: 'error' | 'timeout';
  /** When the provider says the outcome happened (epoch ms). */
  occurredAt?: number;
  /** The provider's own id of the charge, journaled with the purchase for a later refund of the order. */
  providerPaymentId?: string;
}

export type EngineRequest =
  /** Any engine command (organizer or payment side), parsed by the engine. */
  | { op: 'command'; command: unknown }
  /** Joins or resumes a place and makes this connection the fan's current one. */
  | { op: 'openSession'; eventId: string; fanId: string; resume: boolean; context?: JoinContext }
  /** The connection closed: the fan counts as disconnected unless a newer session exists. */
  | { op: 'closeSession'; eventId: string; fanId: string; session: number }
  | { op: 'leave'; eventId: string; fanId: string; session: number }
  /** Cluster mode, after a takeover: the sessions this gateway holds for the event, so the new owner knows whose fans they are. */
  | { op: 'claimSessions'; eventId: string; sessions: Array<{ fanId: string; session: number }> }
  /** The states of some fans connected to the asking gateway: fan id → view, null for no place. */
  | { op: 'fanViews'; eventId: string; fanIds: string[] }
  /** The place numbers of some fans (after the pre-queue shuffle): fan id → number, 0 for no place. */
  | { op: 'placesOf'; eventId: string; fanIds: string[] }
  | { op: 'fanCommand'; command: FanHoldCommand }
  /**
   * A provider's verified outcome: a success is checked against the hold's price where the price is known, in the same
   * turn as the confirmation, so no amount but the hold's confirms it (PAYMENT_AMOUNT_MISMATCH).
   */
  | { op: 'paymentOutcome'; outcome: CheckedPaymentOutcome }
  /** Keeps a Web Push subscription of a fan with a place, for the pushes of being waitlisted, recalled, called and sold out. */
  | { op: 'pushSubscribe'; eventId: string; fanId: string; subscription: PushSubscriptionKeys }
  | { op: 'createEvent'; config: unknown; publish: boolean; settings: unknown }
  | { op: 'listEvents' }
  | { op: 'getEvent'; eventId: string }
  | { op: 'publicInfo'; eventId: string }
  /** A page of the event's access codes (generating and uploading them are engine commands). */
  | { op: 'codes'; eventId: string; offset: number; limit: number }
  /** An event's whole journal, oldest first (for verification: it grows with the crowd). */
  | { op: 'journal'; eventId: string }
  /** Every payment attempt of the event and what became of it (engine/host/reconciliation.ts): read from its journal. */
  | { op: 'payments'; eventId: string }
  /** A page of the event's orders matching a search, newest first (engine/host/order-book.ts): read from its journal. */
  | ({ op: 'orders'; eventId: string; offset: number; limit: number } & OrderQuery)
  /** One order and its history from the journal. */
  | { op: 'order'; eventId: string; holdId: string }
  /** The revenue of the orders standing, per tier and per category. */
  | { op: 'revenue'; eventId: string }
  /** A draw's public proof (docs/fairness.md), once it has run: it grows with the draw. */
  | { op: 'drawProof'; eventId: string; draw: string }
  /** What a verified account sees of its registration (registering and withdrawing are engine commands). */
  | { op: 'registrationOf'; eventId: string; fanId: string }
  | { op: 'updateSettings'; eventId: string; patch: unknown }
  | { op: 'sync' }
  | { op: 'reportMetrics'; metrics: WorkerMetrics };

export interface EngineResults {
  command: unknown;
  openSession: SessionOpened;
  closeSession: null;
  leave: null;
  claimSessions: null;
  fanViews: Record<string, FanView | null>;
  placesOf: Record<string, number>;
  fanCommand: PricedHold;
  paymentOutcome: unknown;
  pushSubscribe: null;
  createEvent: EventDetails;
  listEvents: EventDetails[];
  getEvent: EventDetails;
  publicInfo: PublicEventInfo;
  codes: CodePage;
  journal: readonly JournalEntry[];
  payments: PaymentReconciliation;
  orders: OrderPage;
  order: OrderDetail;
  revenue: Revenue;
  drawProof: DrawProof;
  registrationOf: RegistrationView;
  updateSettings: EventSettings;
  sync: SyncState;
  reportMetrics: null;
}

export type EngineOp = EngineRequest['op'];
export type ResultOf<R extends EngineRequest> = EngineResults[R['op']];

export type EngineBroadcast =
  /**
   * New journal entries of an event, except `created`, `joined`, `presence` and the codes' (the bulk, which only the journal needs).
   * `seq` counts the event's entries broadcasts from one engine host (`origin`, new at every takeover) from 1: a gap means some were lost.
   */
  | { type: 'entries'; eventId: string; entries: JournalEntry[]; holdOwners: Record<string, string>; origin: string; seq: number }
  /** The queue states that changed this tick (or are due a heartbeat). */
  | { type: 'queue'; states: QueueState[]; /** Wall clock when sent, for the update latency. */ sentAt: number }
  | { type: 'settings'; eventId: string; settings: EventSettings }
  /** The fan resumed on another connection: whoever holds `session` closes it. */
  | { type: 'sessionReplaced'; eventId: string; fanId: string; session: number }
  /** Cluster mode: a shard took these events over; gateways claim their fans' sessions on it (claimSessions). */
  | { type: 'takenOver'; eventIds: string[] }
  /** Cluster mode: a shard cannot make these events' changes durable (Redis unreachable), or can again. Sent at once, not after durability. */
  | { type: 'service'; eventIds: string[]; available: boolean; reason: string }
  /**
   * From the link itself, not an engine: broadcasts of these events (null: of every event) may have been lost
   * (a reconnect, a gap in `entries.seq`); the gateway catches its fans up (fanViews) and reclaims their sessions.
   */
  | { type: 'resync'; eventIds: string[] | null; reason: string }
  /**
   * Every second: every event's figures (an event closed for longer than the grace is left out), every worker's metrics,
   * the engine processes' runtime metrics.
   */
  | { type: 'stats'; at: number; events: EventStats[]; workers: WorkerMetrics[]; engines: EngineMetrics[] };

export type BroadcastListener = (broadcast: EngineBroadcast) => void;

export interface EngineLink {
  /** Runs a request in the engine process: its result, or a rejection with the BreakwaterError it raised. */
  execute<R extends EngineRequest>(request: R): Promise<ResultOf<R>>;
  subscribe(listener: BroadcastListener): () => void;
  /** False while the engine process is unreachable (readiness). */
  readonly connected: boolean;
  close(): Promise<void>;
}

/** The wire form of an error crossing a process boundary. */
export interface WireError {
  code: string;
  message: string;
  details: Record<string, unknown>;
}
