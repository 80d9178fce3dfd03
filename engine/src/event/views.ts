import type { DoorFigures } from '../door/door.js';
import type { Hold } from '../inventory/hold-book.js';
import type { Phase } from '../lifecycle/sale-machine.js';
import type { PaymentsStatus } from '../payments/payment-desk.js';
import type { RegistrationStatus } from '../registration/registration-book.js';

export interface GrantView {
  grantId: string;
  expiresAt: number;
}

export interface JoinResult {
  eventId: string;
  fanId: string;
  /** The place; 0 until it is numbered (see `numberedAt`). */
  number: number;
  /** number − nowServing while waiting: fans that can still be ahead (some may have left). 0 once admitted. */
  position: number;
  /**
   * `preQueue`: waiting without a number yet (a draw or the slow lane; see `numberedAt`).
   * `left`: the fan gave the place up; `lost`: gone longer than the presence grace period.
   */
  status: 'preQueue' | 'waiting' | 'admitted' | 'left' | 'lost';
  phase: Phase;
  nowServing: number;
  grant: GrantView | undefined;
  /**
   * When an unnumbered place (`number` 0) gets its number: the instant of the
   * draw it waits for (its sale phase's pre-queue and start window, drawn
   * together at the window's end: `phase` may already be `onSale`, yet
   * nobody in the draw is numbered or admitted before) or, in the slow lane,
   * its readyAt (never before the pre-queue draw). Undefined once numbered.
   */
  numberedAt: number | undefined;
  /**
   * While the place is waitlisted (nothing is free to sell and it is beyond
   * the standby, or the tickets left cannot reach it: the early waitlist):
   * its number on the waitlist, from 1. The fan may close the page: the
   * place is kept and called if tickets come back.
   */
  waitlisted: number | undefined;
  /** While waitlisted: places numbered above this are on the waitlist (its number is `number − max(waitlistAfter, nowServing)`). */
  waitlistAfter: number | undefined;
  /** While waitlisted: true on the early waitlist (tickets are still free, but cannot reach the place), false once all is taken. */
  waitlistEarly: boolean | undefined;
  /** The open grant was a call from the waitlist (its expiresAt is the answer deadline). */
  called: boolean;
  /**
   * The place's turn came and lapsed: its grant (an admission, or a call when
   * `called`) expired before the fan held anything, so the place is over. A
   * fan away at the time learns it from here.
   */
  lapsed: (GrantView & { called: boolean }) | undefined;
  /**
   * Given once, by the join that puts a new place into a draw: 32 hex
   * characters with which the fan (and nobody else) finds its pseudonym, so
   * its place, in the draw's public proof (docs/fairness.md). Breakwater
   * keeps no copy: the fan's page keeps it.
   */
  receipt: string | undefined;
}

export interface HoldView {
  holdId: string;
  fanId: string;
  status: Hold['status'];
  tierId?: string;
  seatIds?: string[];
  quantity: number;
  expiresAt: number;
  extended: boolean;
  paymentId?: string;
  /** While a payment is in flight or queued: the hold's deadline. */
  pendingUntil?: number;
  /** The channel its payment went to (in flight, or bought it). */
  channel?: string;
  /** While `paymentQueued`: its number in the payment queue (its position is `number − EventStatus.payments.queue.serving`). */
  paymentQueueNumber?: number;
}

export function holdView(hold: Hold): HoldView {
  const view: HoldView = {
    holdId: hold.id, fanId: hold.fanId, status: hold.status, quantity: hold.allocation.quantity,
    expiresAt: hold.expiresAt, extended: hold.extended,
  };
  if (hold.allocation.tierId !== undefined) view.tierId = hold.allocation.tierId;
  if (hold.allocation.seatIds !== undefined) view.seatIds = [...hold.allocation.seatIds];
  if (hold.paymentId !== undefined) view.paymentId = hold.paymentId;
  if (hold.pendingUntil !== undefined && (hold.status === 'paymentPending' || hold.status === 'paymentQueued')) view.pendingUntil = hold.pendingUntil;
  if (hold.channel !== undefined && hold.status === 'paymentPending') view.channel = hold.channel;
  if (hold.queueNumber !== undefined && hold.status === 'paymentQueued') view.paymentQueueNumber = hold.queueNumber;
  return view;
}

/** An event's live figures, for organizers and operators. */
export interface EventStatus {
  eventId: string;
  name: string;
  phase: Phase;
  /** SHA-256 of the shuffle seed, published when the pre-queue opens. */
  commitment: string | undefined;
  /** The seed itself, revealed by the pre-queue draw (at the on-sale time + `door.startWindowMs`). */
  seed: string | undefined;
  nowServing: number;
  lastNumber: number;
  waiting: number;
  joined: number;
  admitted: number;
  openGrants: number;
  activeShoppers: number;
  tickets: { free: number; held: number; sold: number };
  /** `paymentPending`: holds whose payment is in flight or queued; `paymentQueued`: of those, queued; `cancelled`: purchases the organizer cancelled (their tickets went back on sale). */
  holds: { active: number; paymentPending: number; paymentQueued: number; expired: number; released: number; cancelled: number };
  /** The organizer paused the sale before its on-sale time: it will start paused. */
  pausedBeforeSale: boolean;
  /** The organizer's message to everyone in the queue, while one is up. */
  announcement: { text: string; at: number } | undefined;
  /** Set once nothing can come back: sold out for good (unless the organizer adds tickets). */
  soldOutAt: number | undefined;
  /** When the sale closed (by the organizer or at `closesAt`); undefined while it is not closed. */
  closedAt: number | undefined;
  waitlist: WaitlistStatus;
  /**
   * The away horizon, while on sale (or paused) with the waitlist enabled:
   * a fan whose waiting place is numbered above it may close the page; the
   * place is kept and called at its turn (docs/architecture.md).
   */
  awayAfter: number | undefined;
  /** Every sale phase's draw (the pre-queue's, `preQueue`, first), in the order they were sealed, then the registration draw once sealed: who is pending until when. */
  draws: DrawView[];
  /** Registration for a coded presale and its draw; undefined when the event has none. */
  registration: RegistrationStatus | undefined;
  door: DoorStatus;
  /** The payment channels' health, breakers and limits, and the payment queue (docs/payments.md). */
  payments: PaymentsStatus;
}

/**
 * Standby and waitlist (docs/architecture.md): `state` is `early` while
 * tickets are free but cannot reach the places beyond `waitlistAfter` (the
 * early waitlist), `open` while nothing is free to sell, `ended` once tickets
 * came back (those still on it are called in order), `none` before either.
 */
export interface WaitlistStatus {
  state: 'none' | 'early' | 'open' | 'ended';
  /** The standby size S last decided. */
  standbySize: number;
  /** Standby places still waiting. */
  standby: number;
  /** Waitlisted places still waiting. */
  waitlisted: number;
  /** Places numbered above this are waitlisted (up to `waitlistUpTo` once ended). */
  waitlistAfter: number | undefined;
  waitlistUpTo: number | undefined;
  /** Waitlisted fans called so far, and calls that lapsed unanswered. */
  called: number;
  lapsedCalls: number;
}

/** A draw: its commitment from when it was sealed, its seed once it has run. */
export interface DrawView {
  draw: string;
  commitment: string;
  seed: string | undefined;
  /** The beacon named for it, with its value once supplied (null until then, and in a draw that ran without it). */
  beacon: { name: string; round: number; value: string | null } | undefined;
  /** When it runs (or ran). */
  drawsAt: number;
  /** Places it numbered, once it has run. */
  numbered: number | undefined;
  /** Places waiting for it now. */
  pending: number;
}

/** What the door did: joins it delayed (journaled), refused (since the process started), and asks now. */
export interface DoorStatus extends DoorFigures {
  /** Joins over their address or subnet budget, given a later readyAt. */
  slowLaneJoins: number;
}
