/**
 * One registry of every error a fan, an organizer or a transport can get.
 * Codes are stable: clients switch on `code`, never on the message.
 * docs/errors.md documents each one; a test keeps the two in step.
 */
export const ERROR_CODES = {
  MALFORMED_COMMAND: { status: 400, audience: 'any', summary: 'The command is not well formed: a field is missing, has the wrong type or is out of range.' },
  INVALID_CONFIG: { status: 400, audience: 'organizer', summary: 'The event configuration is invalid; `details.issues` lists each field and reason.' },
  EVENT_NOT_FOUND: { status: 404, audience: 'any', summary: 'No event has this id.' },
  EVENT_EXISTS: { status: 409, audience: 'organizer', summary: 'An event with this id already exists.' },
  WRONG_PHASE: { status: 409, audience: 'any', summary: 'The command is not allowed in the event\'s current phase (`details.phase`).' },
  NOT_IN_QUEUE: { status: 404, audience: 'fan', summary: 'This fan has no place in the queue (never joined, left, or lost it).' },
  GRANT_INVALID: { status: 403, audience: 'fan', summary: 'The admission grant is unknown, belongs to another fan, or was already used.' },
  GRANT_EXPIRED: { status: 410, audience: 'fan', summary: 'The admission grant expired before it was used.' },
  LIMIT_EXCEEDED: { status: 409, audience: 'fan', summary: 'The request would take the fan over the per-fan ticket limit, or over the ticket cap of the access code the fan joined with (`details.scope`: `accessCode`); `details.limit`, `details.current`, `details.requested`.' },
  TIER_NOT_FOUND: { status: 404, audience: 'fan', summary: 'No general-admission tier has this id.' },
  CATEGORY_NOT_FOUND: { status: 404, audience: 'fan', summary: 'No reserved seat has this category.' },
  SEAT_NOT_FOUND: { status: 404, audience: 'fan', summary: 'A requested seat does not exist (`details.seatId`).' },
  SEAT_TAKEN: { status: 409, audience: 'fan', summary: 'A requested seat is held or sold (`details.seatId`).' },
  NOT_ENOUGH_INVENTORY: { status: 409, audience: 'fan', summary: 'Not enough tickets or seats are free for the request (`details.available`).' },
  SOLD_OUT: { status: 409, audience: 'fan', summary: 'Nothing is left to sell and no hold can come back.' },
  HOLD_NOT_FOUND: { status: 404, audience: 'any', summary: 'No hold has this id, or it belongs to another fan.' },
  HOLD_NOT_ACTIVE: { status: 409, audience: 'any', summary: 'The hold already ended (`details.outcome`: purchased, expired or released) or is in the wrong state.' },
  HOLD_EXPIRED: { status: 410, audience: 'any', summary: 'The hold expired: its seats went back on sale. A payment arriving now must be refunded.' },
  EXTENSION_NOT_ALLOWED: { status: 409, audience: 'fan', summary: 'The event does not allow extensions, or this hold was already extended.' },
  PAYMENT_MISMATCH: { status: 409, audience: 'payment', summary: 'The payment id does not match the payment started for this hold.' },
  REFUND_NOT_DUE: { status: 409, audience: 'payment', summary: 'No refund is due for this payment of this hold: only a success the hold refused (`refundDue`) is refunded.' },
  ACCESS_DENIED: { status: 403, audience: 'fan', summary: 'The current sale phase (`details.phaseId`) is for fans in a presale group: `details.reason` is `identityRequired` (no verified identity came with the join) or `notInGroup` (the identity has none of the phase\'s groups).' },
  ACCESS_CODE_REQUIRED: { status: 403, audience: 'fan', summary: 'The current sale phase (`details.phaseId`) needs an access code: join again with `accessCode`.' },
  ACCESS_CODE_INVALID: { status: 403, audience: 'fan', summary: 'The access code cannot be used for this phase (`details.phaseId`); `details.reason` is `unknown`, `otherPhase` (it opens another phase), `boundToOtherAccounts` (every use is taken by other accounts) or `usedUp` (every ticket it allows is taken).' },
  DRAW_NOT_FOUND: { status: 404, audience: 'any', summary: 'The event has no draw of this name (`details.draw`): `preQueue`, `phase:<id>` of a later sale phase once its pre-queue has opened, or `registration` once registration has opened.' },
  DRAW_NOT_RUN: { status: 409, audience: 'any', summary: 'The draw has not run yet: its proof is published once it runs (`details.drawsAt`); until then only its `details.commitment` is public.' },
  DRAW_ENTRY_NOT_FOUND: { status: 404, audience: 'any', summary: 'No entry of the draw (`details.draw`) carries this pseudonym (`details.pseudonym`): the fan was not in this draw, or computed its pseudonym from another receipt or fan id.' },
  DRAW_ALREADY_RUN: { status: 409, audience: 'organizer', summary: 'The draw has already run (`details.drawnAt`): its beacon can no longer be supplied.' },
  BEACON_NOT_NAMED: { status: 409, audience: 'organizer', summary: 'The event\'s configuration names no beacon for this draw (`draw.beacon` for `preQueue`, the phase\'s `beacon` for `phase:<id>`).' },
  BEACON_ALREADY_SUPPLIED: { status: 409, audience: 'organizer', summary: 'Another value was already supplied for this draw\'s beacon (`details.value`); supplying the same value again is accepted.' },
  REGISTRATION_NOT_OPEN: { status: 409, audience: 'any', summary: 'The event takes no registrations now: it has none, or it has not opened or has closed (`details.opensAt`, `details.closesAt`; null when the event has no registration).' },
  NOT_REGISTERED: { status: 404, audience: 'fan', summary: 'This account has no registration for the event: nothing to withdraw.' },
  REGISTRATION_NOT_DRAWN: { status: 409, audience: 'organizer', summary: 'The registration draw has not run yet (it runs at `details.closesAt`): nobody is on its waitlist to invite.' },
  REGISTRATION_WAITLIST_EMPTY: { status: 409, audience: 'organizer', summary: 'Everyone the registration draw ranked is invited already (`details.invited`): nobody is left to invite.' },
  ORDER_NOT_CANCELLABLE: { status: 409, audience: 'organizer', summary: 'Only a purchase can be cancelled: this hold is still held, in payment, expired or released (`details.status`).' },
  IDEMPOTENCY_KEY_REUSED: { status: 422, audience: 'any', summary: 'This idempotency key was already used with different content.' },
  // ── Gateway: transport, protection and payment-side errors (docs/protocol.md) ──
  BAD_FRAME: { status: 400, audience: 'fan', summary: 'The WebSocket frame is not a binary msgpack message of the protocol (text frame, bad msgpack, or not an object with a string `t`).' },
  UNKNOWN_MESSAGE_TYPE: { status: 400, audience: 'fan', summary: 'No client message has this type (`details.type`); `details.allowed` lists the ones that exist.' },
  HELLO_REQUIRED: { status: 400, audience: 'fan', summary: 'The first message on a connection must be `hello` with the protocol version.' },
  PROTOCOL_VERSION: { status: 426, audience: 'fan', summary: 'The client speaks another protocol version (`details.supported`); the connection closes.' },
  NOT_JOINED: { status: 409, audience: 'fan', summary: 'This connection has not joined a queue yet: send `join` first.' },
  ALREADY_JOINED: { status: 409, audience: 'fan', summary: 'This connection is already bound to another event or fan (`details.eventId`); open another connection.' },
  FAN_ID_IN_USE: { status: 409, audience: 'fan', summary: 'This fan id already has a place: present its queue token, or the join key it was taken with, to resume it.' },
  TOKEN_INVALID: { status: 401, audience: 'fan', summary: 'The queue token is malformed, forged, expired or for another event.' },
  POW_REQUIRED: { status: 403, audience: 'fan', summary: 'The event\'s door asks this join for a proof of work of `details.difficulty` bits: solve `details.challenge` and join again.' },
  POW_INVALID: { status: 403, audience: 'fan', summary: 'The proof of work is wrong or its challenge expired; `details` carries a fresh challenge.' },
  IDENTITY_REQUIRED: { status: 401, audience: 'fan', summary: 'The event needs a verified identity: join with the identity token the organizer\'s login gives (`details.loginUrl`).' },
  IDENTITY_EXPIRED: { status: 401, audience: 'fan', summary: 'The identity token expired (`exp`) or is older than the event allows (`iat`, `details.claim`): sign in again.' },
  IDENTITY_AUDIENCE: { status: 403, audience: 'fan', summary: 'The identity token was issued for another event (its `aud` is not this event id).' },
  IDENTITY_UNSIGNED: { status: 401, audience: 'fan', summary: 'The identity token is not signed (`alg: none` or an empty signature).' },
  IDENTITY_SIGNATURE: { status: 401, audience: 'fan', summary: 'The identity token\'s signature does not verify with any key of the event, or its algorithm or key id is not one the event accepts (`details.reason`).' },
  IDENTITY_INVALID: { status: 400, audience: 'fan', summary: 'The identity token is malformed or a claim is missing or wrong (`details.claim`, `details.reason`).' },
  PUSH_SUBSCRIPTION_INVALID: { status: 400, audience: 'fan', summary: 'The Web Push subscription cannot be used (`details.reason`: `endpoint`, `p256dh`, `auth`, or `off` when this deployment sends no Web Push); nothing was stored.' },
  SESSION_REPLACED: { status: 409, audience: 'fan', summary: 'The fan resumed the place on another connection; this one closes.' },
  RATE_LIMITED: { status: 429, audience: 'any', summary: 'Too many messages, joins or connections from this client (`details.retryAfterMs`).' },
  UNAUTHORIZED: { status: 401, audience: 'organizer', summary: 'The API key is missing, wrong or revoked (`Authorization: Bearer <key>`; `details.reason`: `revoked`, or for the dashboard feed `ticket` / `ticketExpired`).' },
  FORBIDDEN: { status: 403, audience: 'organizer', summary: 'The API key may not do this: its role is below the route\'s (`details.required`, `details.role`), or it is limited to other events (`details.reason`: `role`, `event` or `allEvents`). Nothing changed.' },
  KEY_NOT_FOUND: { status: 404, audience: 'organizer', summary: 'No API key has this id (`details.keyId`).' },
  KEY_NOT_REVOCABLE: { status: 409, audience: 'organizer', summary: 'The bootstrap key is configuration, not a stored key: it is replaced by setting another BREAKWATER_API_KEY, not revoked.' },
  ROUTE_NOT_FOUND: { status: 404, audience: 'any', summary: 'No endpoint has this method and path.' },
  MALFORMED_REQUEST: { status: 400, audience: 'any', summary: 'The HTTP request is ambiguous: more than one Content-Length, one that is not a number, or Content-Length with Transfer-Encoding (`details.reason`); it is not routed and the connection closes.' },
  REQUEST_TIMEOUT: { status: 408, audience: 'any', summary: 'The request body did not arrive within `details.limitMs`; the connection closes.' },
  PAYLOAD_TOO_LARGE: { status: 413, audience: 'any', summary: 'The request body or WebSocket frame is larger than the limit (`details.limit` bytes).' },
  WEBHOOK_SIGNATURE_INVALID: { status: 401, audience: 'payment', summary: 'The payment webhook signature is missing, wrong or too old.' },
  PAYMENT_SESSION_INVALID: { status: 404, audience: 'fan', summary: 'The checkout session is unknown, forged or expired.' },
  PAYMENT_AMOUNT_MISMATCH: { status: 422, audience: 'payment', summary: 'The payment\'s amount or currency is not the hold\'s price (`details.expected`, `details.received`); nothing was confirmed.' },
  PAYMENT_CHANNEL_NOT_OFFERED: { status: 403, audience: 'payment', summary: 'The event does not offer this payment channel (`details.channel`; null: none this deployment has); nothing changed.' },
  PAYMENT_CHANNEL_UNAVAILABLE: { status: 503, audience: 'fan', summary: 'The payment channel the fan chose has its breaker open (`details.retryAt`; `details.channels`: others it may use); nothing changed.' },
  PAYMENT_PROVIDER_ERROR: { status: 502, audience: 'fan', summary: 'The payment provider could not open a checkout; the hold keeps its window.' },
  REFUND_FAILED: { status: 502, audience: 'organizer', summary: 'The order is cancelled, but the channel that took its payment (`details.provider`) did not accept its refund or is gone: it stays due; cancel again to retry it.' },
  ENGINE_UNAVAILABLE: { status: 503, audience: 'any', summary: 'The engine process did not answer in time or is restarting; retry shortly.' },
  OVERLOADED: { status: 503, audience: 'any', summary: 'This gateway process has too many requests in flight, or holds as many request bodies as it may (`details.limit`); retry shortly.' },
  INTERNAL_ERROR: { status: 500, audience: 'any', summary: 'An unexpected server error; nothing is known to have changed. Retry, and report it if it persists.' },
} as const satisfies Record<string, { status: number; audience: 'fan' | 'organizer' | 'payment' | 'any'; summary: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface ErrorOptions {
  details?: Record<string, unknown>;
  cause?: unknown;
}

/** The one error class the engine throws for anything a caller did. */
export class BreakwaterError extends Error {
  override readonly name = 'BreakwaterError';
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string = ERROR_CODES[code].summary, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = ERROR_CODES[code].status;
    this.details = options.details ?? {};
  }

  toJSON(): { code: ErrorCode; message: string; details: Record<string, unknown> } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

export function isBreakwaterError(err: unknown, code?: ErrorCode): err is BreakwaterError {
  return err instanceof BreakwaterError && (code === undefined || err.code === code);
}
