/**
 * The fan WebSocket protocol, shared by the gateway, the fan page (bundled
 * for the browser) and sim/. Keep this module free of Node-only imports.
 *
 * Every frame is binary: one msgpack value, a msgpackr record whose key list
 * is one of the STATIC structures below. The structure list is part of the
 * protocol version: nothing is learned at run time, so any encoder built from
 * this file decodes any frame of the same version, in any process, in any
 * order. Changing a field list changes the wire format: append new messages
 * or fields only, and bump PROTOCOL_VERSION (a test pins the current list).
 * docs/protocol.md describes every message and field.
 */
import { Packr } from 'msgpackr';
// Type-only, and from files free of Node types, so the browser build and its type check stay clean.
import type { HoldRequest, Phase } from '../../../engine/src/browser.js';
import type { TicketOutlook } from './queue-math.js';

export const PROTOCOL_VERSION = 9;

// ── Messages a fan's client sends ─────────────────────────────────────────
// `rid` is an optional request id the server echoes in the reply (or error).

export interface HelloMessage { t: 'hello'; v: number; client: string | null }
export interface JoinMessage {
  t: 'join'; rid: number | null; eventId: string; fanId: string;
  /** The queue token from an earlier `joined`: resumes that place. */
  token: string | null;
  powChallenge: string | null; powNonce: string | null;
  /** The identity token (a JWT) the organizer's login signed: required by events that verify identities. */
  identity: string | null;
  /** An access code for a code-gated presale phase. */
  accessCode: string | null;
  /**
   * A secret of the client's (22–128 characters, at least 128 random bits),
   * kept with the fan id: a join with the same fan id and key takes the same
   * place again, without the queue token (the `joined` that carried it may
   * have been lost). Nil on the wire when absent, like every field; optional
   * here only so callers that never send one need not name it.
   */
  joinKey?: string | null;
}
export interface HoldMessage {
  t: 'hold'; rid: number | null;
  /** Defaults to the grant this connection was given. */
  grantId: string | null;
  request: HoldRequest; key: string;
}
export interface ExtendMessage { t: 'extend'; rid: number | null; holdId: string; key: string }
export interface PayMessage {
  t: 'pay'; rid: number | null; holdId: string; key: string;
  /** The payment channel the fan chooses (nil or left out: Breakwater steers the payment to a healthy one). */
  channel?: string | null;
}
export interface ReleaseMessage { t: 'release'; rid: number | null; holdId: string; key: string }
export interface LeaveMessage { t: 'leave'; rid: number | null }
export interface PingMessage { t: 'ping'; rid: number | null; clientTime: number | null }
/**
 * A Web Push subscription of this connection's fan (PushSubscription.toJSON():
 * `endpoint`, `keys.p256dh`, `keys.auth`), for being called, recalled, waitlisted
 * or told of the sell-out while the page is closed. Answered by `pushSubscribed`.
 */
export interface PushSubscribeMessage { t: 'pushSubscribe'; rid: number | null; endpoint: string; p256dh: string; auth: string }

export type ClientMessage =
  | HelloMessage | JoinMessage | HoldMessage | ExtendMessage | PayMessage | ReleaseMessage | LeaveMessage | PingMessage | PushSubscribeMessage;
export type ClientMessageType = ClientMessage['t'];

// ── Messages the server sends ─────────────────────────────────────────────

/** A hold as a fan sees it; `amount` is in the currency's minor unit. */
export interface WireHold {
  holdId: string;
  /** `paymentQueued`: its payment waits in the payment queue; `cancelled`: a purchase the organizer cancelled. */
  status: 'held' | 'paymentQueued' | 'paymentPending' | 'purchased' | 'expired' | 'released' | 'cancelled';
  tierId: string | null;
  seatIds: string[] | null;
  quantity: number;
  expiresAt: number;
  extended: boolean;
  paymentId: string | null;
  pendingUntil: number | null;
  amount: number;
  currency: string;
}

export interface WelcomeMessage { t: 'welcome'; v: number; serverId: string; serverTime: number }
export interface JoinedMessage {
  t: 'joined'; rid: number | null; eventId: string; fanId: string;
  /** Signed; present it in `join.token` on any later connection to keep the place. */
  queueToken: string;
  /** 0 while in the pre-queue: numbers are drawn by the shuffle at the on-sale time. */
  number: number;
  position: number;
  status: 'preQueue' | 'waiting' | 'admitted';
  phase: Phase;
  nowServing: number;
  /** Estimated wait in seconds (null when unknown: before the sale, or nobody admitted lately). */
  etaLow: number | null; etaHigh: number | null;
  /** Whether tickets should remain when this place reaches the front (null: nothing to go on yet). */
  outlook: TicketOutlook | null;
  /** When a place without a number (`number` 0) gets one: its draw's instant, or the slow lane's; null once numbered. */
  numberedAt: number | null;
  commitment: string | null; seed: string | null;
  /** True when this join resumed an existing place (token presented and the place was still held). */
  restored: boolean;
  grantId: string | null; grantExpiresAt: number | null;
  holds: WireHold[];
  /** The place's number on the waitlist (from 1) while waitlisted: the fan may close the page and will be called. */
  waitlisted: number | null;
  /** Places numbered above this are waitlisted (null: no waitlist): with `queue.nowServing`, the client keeps `waitlisted` current. */
  waitlistAfter: number | null;
  /** While waitlisted: true on the early waitlist (tickets remain, but cannot reach this place), false once all is taken; null when not waitlisted. */
  waitlistEarly: boolean | null;
  /** The open grant is a call from the waitlist: `grantExpiresAt` is the answer deadline. */
  called: boolean;
  /** The away horizon (see `queue.awayAfter`) when this place was joined or resumed. */
  awayAfter: number | null;
  /**
   * Sent once, by the join that puts a new place into a draw (null otherwise):
   * the page keeps it; with it, and only with it, the fan finds its place in
   * the draw's public proof (docs/fairness.md).
   */
  receipt: string | null;
  /** The organizer's message to everyone in the queue when this place was joined or resumed (null: none); `announcement` messages replace it. */
  announcement: string | null;
  /**
   * The place's turn came and lapsed (null otherwise): the grant (or call,
   * when it was one) that expired before the fan held anything, and when.
   * The place is over; a fan away at the time learns it here.
   */
  lapsedGrantId: string | null; lapsedAt: number | null;
}
/** One per event per tick on topic `evt/<eventId>/queue`: clients compute their own position. */
export interface QueueMessage {
  t: 'queue'; eventId: string; phase: Phase; nowServing: number; lastNumber: number; waiting: number;
  /** Recent admissions per second, slow and fast estimate (0 when none lately). */
  rateLow: number; rateHigh: number;
  onSaleAt: number; serverTime: number;
  /** What is left to sell, for `ticketOutlook`: free and held tickets, unused grants, tickets per admitted fan so far. */
  ticketsFree: number; ticketsHeld: number; openGrants: number; ticketsPerFan: number;
  /**
   * The away horizon: a waiting place numbered above it is beyond what every
   * ticket left could serve, and its fan may close the page (the place is
   * kept, and the fan recalled if the horizon reaches it). Null: no horizon
   * (waitlist off, or not on sale).
   */
  awayAfter: number | null;
  /** The payment queue: every queued payment numbered up to this has left it (a fan's payment numbered n has at most n − this ahead). */
  paymentsServing: number;
}
/** At the on-sale time the pre-queue is shuffled: each pre-queue fan learns the number it drew. */
export interface NumberedMessage { t: 'numbered'; eventId: string; number: number }
export interface AdmittedMessage { t: 'admitted'; eventId: string; grantId: string; expiresAt: number }
export interface GrantExpiredMessage { t: 'grantExpired'; eventId: string; grantId: string }
/**
 * To every fan of the event, once: nothing is free to sell (`open` true) and a
 * waiting place numbered above `waitlistAfter` is waitlisted, number
 * `number − max(waitlistAfter, nowServing)` on it; it may close the page and
 * will be called if tickets come back. `early` true (with `open`): tickets are
 * still free, but those left cannot reach the places beyond `waitlistAfter`
 * even at one ticket per fan ahead (the early waitlist); sent again when that
 * line moves earlier. `open` false: tickets came back, the places up to
 * `waitlistUpTo` still on the waitlist are called in order, later ones queue normally.
 */
export interface WaitlistMessage { t: 'waitlist'; eventId: string; at: number; open: boolean; waitlistAfter: number; waitlistUpTo: number | null; early: boolean }
/** To one waitlisted fan: tickets came back, this grant is yours until `expiresAt` (the answer deadline). */
export interface CalledMessage { t: 'called'; eventId: string; grantId: string; expiresAt: number }
export interface HeldMessage { t: 'held'; rid: number | null; eventId: string; hold: WireHold }
export interface PaymentStartedMessage {
  t: 'paymentStarted'; rid: number | null; eventId: string; hold: WireHold;
  paymentId: string; provider: string;
  /** Where the fan completes the payment (the demo provider: an HTTP checkout endpoint). */
  checkoutUrl: string | null;
}
/**
 * Reply to `pay` when the payment cannot start yet: it waits in the event's
 * payment queue, `number` in order, at most `position` payments ahead of it
 * (`number − queue.paymentsServing − 1` keeps it current); the
 * hold's clock is paused (`hold.pendingUntil` is its deadline now).
 */
export interface PaymentQueuedMessage { t: 'paymentQueued'; rid: number | null; eventId: string; hold: WireHold; paymentId: string; number: number; position: number }
/** To one fan: its queued payment started on `channel`; send the same `pay` again (same key) for the checkout. */
export interface PaymentReadyMessage { t: 'paymentReady'; eventId: string; holdId: string; paymentId: string; channel: string }
export interface PurchasedMessage { t: 'purchased'; eventId: string; holdId: string; paymentId: string }
export interface PaymentFailedMessage { t: 'paymentFailed'; eventId: string; holdId: string; paymentId: string; reason: string; expiresAt: number }
export interface HoldExpiredMessage { t: 'holdExpired'; eventId: string; holdId: string }
export interface ReleasedMessage { t: 'released'; rid: number | null; eventId: string; holdId: string }
export interface PlaceLostMessage { t: 'placeLost'; eventId: string; reason: 'presenceLost' | 'left' }
export interface LeftMessage { t: 'left'; rid: number | null; eventId: string }
export interface PreQueueOpenedMessage { t: 'preQueueOpened'; eventId: string; at: number; commitment: string }
export interface SaleStartedMessage { t: 'saleStarted'; eventId: string; at: number; seed: string }
export interface PhaseMessage { t: 'paused' | 'resumed' | 'soldOut' | 'reopened' | 'closed'; eventId: string; at: number }
/** To every fan of the event: the organizer's message to the queue, shown until the next one; `text` '' takes it down. */
export interface AnnouncementMessage { t: 'announcement'; eventId: string; at: number; text: string }
/** To the fan whose order it was: the organizer cancelled it (its tickets went back on sale); any refund goes back the way it was paid. */
export interface OrderCancelledMessage { t: 'orderCancelled'; eventId: string; holdId: string; reason: string }
/** The push subscription is kept: this device is told when the fan is called, recalled, waitlisted or the sale sells out. */
export interface PushSubscribedMessage { t: 'pushSubscribed'; rid: number | null; eventId: string }
export interface PongMessage { t: 'pong'; rid: number | null; clientTime: number | null; serverTime: number }
/**
 * The engine behind this gateway is unreachable (NATS or Redis down) or back.
 * Nothing is lost meanwhile: the place, the grant and the holds are kept.
 * `eventId` null: every event served here.
 */
export interface ServiceMessage { t: 'service'; eventId: string | null; available: boolean; reason: string }
export interface ErrorMessage {
  t: 'error'; rid: number | null;
  /** A code of the error registry (docs/errors.md), passed through unchanged. */
  code: string; message: string; details: Record<string, unknown>;
}

export type ServerMessage =
  | WelcomeMessage | JoinedMessage | QueueMessage | NumberedMessage | AdmittedMessage | GrantExpiredMessage | WaitlistMessage | CalledMessage | HeldMessage
  | PaymentStartedMessage | PurchasedMessage | PaymentFailedMessage | HoldExpiredMessage | ReleasedMessage
  | PlaceLostMessage | LeftMessage | PreQueueOpenedMessage | SaleStartedMessage | PhaseMessage | PongMessage | ServiceMessage | ErrorMessage
  | PushSubscribedMessage | AnnouncementMessage | OrderCancelledMessage | PaymentQueuedMessage | PaymentReadyMessage;
export type ServerMessageType = ServerMessage['t'];

// ── The static structures ─────────────────────────────────────────────────

type FieldsOf<M extends { t: string }> = { [K in M['t']]: readonly Exclude<keyof Extract<M, { t: K }>, 't'>[] };

/** Fields of each client message, in wire order after `t`. */
export const CLIENT_FIELDS = {
  hello: ['v', 'client'],
  join: ['rid', 'eventId', 'fanId', 'token', 'powChallenge', 'powNonce', 'identity', 'accessCode', 'joinKey'],
  hold: ['rid', 'grantId', 'request', 'key'],
  extend: ['rid', 'holdId', 'key'],
  pay: ['rid', 'holdId', 'key', 'channel'],
  release: ['rid', 'holdId', 'key'],
  leave: ['rid'],
  ping: ['rid', 'clientTime'],
  pushSubscribe: ['rid', 'endpoint', 'p256dh', 'auth'],
} as const satisfies FieldsOf<ClientMessage>;

/** Fields of each server message, in wire order after `t`. */
export const SERVER_FIELDS = {
  welcome: ['v', 'serverId', 'serverTime'],
  joined: [
    'rid', 'eventId', 'fanId', 'queueToken', 'number', 'position', 'status', 'phase', 'nowServing', 'etaLow', 'etaHigh',
    'commitment', 'seed', 'restored', 'grantId', 'grantExpiresAt', 'holds', 'outlook', 'numberedAt', 'waitlisted', 'waitlistAfter', 'called', 'receipt', 'awayAfter',
    'announcement', 'lapsedGrantId', 'lapsedAt', 'waitlistEarly',
  ],
  queue: [
    'eventId', 'phase', 'nowServing', 'lastNumber', 'waiting', 'rateLow', 'rateHigh', 'onSaleAt', 'serverTime',
    'ticketsFree', 'ticketsHeld', 'openGrants', 'ticketsPerFan', 'awayAfter', 'paymentsServing',
  ],
  numbered: ['eventId', 'number'],
  admitted: ['eventId', 'grantId', 'expiresAt'],
  grantExpired: ['eventId', 'grantId'],
  waitlist: ['eventId', 'at', 'open', 'waitlistAfter', 'waitlistUpTo', 'early'],
  called: ['eventId', 'grantId', 'expiresAt'],
  held: ['rid', 'eventId', 'hold'],
  paymentStarted: ['rid', 'eventId', 'hold', 'paymentId', 'provider', 'checkoutUrl'],
  purchased: ['eventId', 'holdId', 'paymentId'],
  paymentFailed: ['eventId', 'holdId', 'paymentId', 'reason', 'expiresAt'],
  holdExpired: ['eventId', 'holdId'],
  released: ['rid', 'eventId', 'holdId'],
  placeLost: ['eventId', 'reason'],
  left: ['rid', 'eventId'],
  preQueueOpened: ['eventId', 'at', 'commitment'],
  saleStarted: ['eventId', 'at', 'seed'],
  paused: ['eventId', 'at'],
  resumed: ['eventId', 'at'],
  soldOut: ['eventId', 'at'],
  reopened: ['eventId', 'at'],
  closed: ['eventId', 'at'],
  pong: ['rid', 'clientTime', 'serverTime'],
  service: ['eventId', 'available', 'reason'],
  error: ['rid', 'code', 'message', 'details'],
  pushSubscribed: ['rid', 'eventId'],
  announcement: ['eventId', 'at', 'text'],
  orderCancelled: ['eventId', 'holdId', 'reason'],
  paymentQueued: ['rid', 'eventId', 'hold', 'paymentId', 'number', 'position'],
  paymentReady: ['eventId', 'holdId', 'paymentId', 'channel'],
} as const satisfies FieldsOf<ServerMessage>;

/** The fields of a hold nested in `joined.holds`, `held.hold`, `paymentStarted.hold` and `paymentQueued.hold`. */
export const HOLD_FIELDS = [
  'holdId', 'status', 'tierId', 'seatIds', 'quantity', 'expiresAt', 'extended', 'paymentId', 'pendingUntil', 'amount', 'currency',
] as const satisfies readonly (keyof WireHold)[];

/** Server messages sent rarely (once per organizer action), written as plain maps to keep STRUCTURES within MAX_STRUCTURES. */
const MAP_ENCODED: ReadonlySet<string> = new Set<ServerMessageType>(['announcement', 'orderCancelled']);

/** Which fields hold nested records, so the encoder writes them in canonical form too. */
const NESTED_HOLDS: Partial<Record<ServerMessageType, 'hold' | 'holds'>> = { joined: 'holds', held: 'hold', paymentStarted: 'hold', paymentQueued: 'hold' };

/**
 * The structure list of this protocol version: every distinct key list, in a
 * fixed order (client messages, server messages, the nested hold). Record ids
 * 0x40 + index on the wire.
 */
export const STRUCTURES: readonly (readonly string[])[] = dedupe([
  ...Object.values(CLIENT_FIELDS).map((fields) => ['t', ...fields]),
  ...Object.entries(SERVER_FIELDS).filter(([type]) => !MAP_ENCODED.has(type)).map(([, fields]) => ['t', ...fields]),
  [...HOLD_FIELDS],
]);

/**
 * msgpackr decodes at most 32 shared structures correctly (beyond that it
 * switches to two-byte record ids, which it then misreads): so rare server
 * messages are written as plain maps, with the same fields, instead of records.
 */
export const MAX_STRUCTURES = 32;


function dedupe(lists: string[][]): string[][] {
  const seen = new Set<string>();
  return lists.filter((keys) => {
    const id = keys.join('\u0000');
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/** Marks objects built by `encode` here: only they are written as records; anything else (details, requests) as plain maps. */
const WIRE_RECORD = Symbol('breakwater.wireRecord');
type Tagged = Record<string, unknown> & { [WIRE_RECORD]?: true };

function newPackr(): Packr {
  const structures = STRUCTURES.map((keys) => {
    const copy: string[] & { isShared?: boolean } = [...keys];
    // Marked shared, the decoder restores these after a frame that redefines an id inline,
    // so one client's frame can never change how another client's frames decode.
    copy.isShared = true;
    return copy;
  });
  return new Packr({
    structures,
    maxSharedStructures: structures.length,
    maxOwnStructures: 0,
    useRecords: (value: unknown) => (value as Tagged)[WIRE_RECORD] === true,
    mapsAsObjects: true,
    int64AsType: 'number',
    moreTypes: false,
    encodeUndefinedAsNil: true,
  });
}

// Encoding and decoding use separate instances: decoding untrusted frames never touches the encoder's state.
const encoder = newPackr();
const decoder = newPackr();

function record(keys: readonly string[], source: Record<string, unknown>): Tagged {
  const out: Tagged = {};
  for (const key of keys) out[key] = source[key] ?? null;
  Object.defineProperty(out, WIRE_RECORD, { value: true, enumerable: false });
  return out;
}

function canonical(message: { t: string } & Record<string, unknown>): Tagged {
  const fields = (SERVER_FIELDS as Record<string, readonly string[]>)[message.t] ?? (CLIENT_FIELDS as Record<string, readonly string[]>)[message.t];
  if (fields === undefined) throw new Error(`unknown message type "${message.t}"`);
  if (MAP_ENCODED.has(message.t)) {
    const map: Record<string, unknown> = { t: message.t };
    for (const key of fields) map[key] = message[key] ?? null;
    return map;
  }
  const out = record(['t', ...fields], message);
  const nested = NESTED_HOLDS[message.t as ServerMessageType];
  if (nested === 'hold' && message.hold != null) out.hold = record(HOLD_FIELDS, message.hold as Record<string, unknown>);
  if (nested === 'holds' && Array.isArray(message.holds)) {
    out.holds = (message.holds as Record<string, unknown>[]).map((hold) => record(HOLD_FIELDS, hold));
  }
  return out;
}

/** One message → one binary frame. Missing optional fields are written as nil. */
export function encodeMessage(message: ServerMessage | ClientMessage): Uint8Array {
  return encoder.pack(canonical(message as unknown as { t: string } & Record<string, unknown>));
}

/**
 * Encodes any value with the protocol's encoder, objects as plain msgpack maps
 * (no records): for tools and tests that craft frames outside the message
 * list. Note that a positive fixint 0x40–0x7f is a record reference in this
 * protocol, so integers 64–127 are written as uint8; a generic msgpack encoder
 * does not do that, which is why clients must use this module (or implement
 * msgpackr's record extension, docs/protocol.md).
 */
export function encodeValue(value: unknown): Uint8Array {
  return encoder.pack(value);
}

/**
 * One binary frame → the decoded value, NOT yet validated (see validate.ts on
 * the server). Throws on bytes that are not one complete msgpack value.
 */
export function decodeFrame(frame: Uint8Array): unknown {
  return decoder.unpack(frame);
}

/** For clients: decodes a server frame (trusted, so no field checks). */
export function decodeServerMessage(frame: Uint8Array): ServerMessage {
  return decodeFrame(frame) as ServerMessage;
}

/** The topic of an event's queue updates and phase changes. */
export function queueTopic(eventId: string): string {
  return `evt/${eventId}/queue`;
}

/** Slices of an event's fans that staggered queue refreshes go to one after another (gateway/src/fan/event-relay.ts). */
export const REFRESH_SLICES = 16;

/** The topic of one slice; a fan's slice is its session number modulo REFRESH_SLICES. */
export function refreshSliceTopic(eventId: string, slice: number): string {
  return `evt/${eventId}/queue/${slice}`;
}
