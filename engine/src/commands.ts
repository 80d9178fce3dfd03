import { BreakwaterError } from './errors.js';
import { CHANNEL_NAME, MAX_PAYMENT_CHANNELS } from './config/validate.js';
import type { HoldRequest } from './inventory/inventory.js';
import type { PaymentFailure } from './journal/entries.js';

/** Commands as they arrive from a transport (gateway, NATS): untrusted until parsed. */
/**
 * What a transport knows about a join beyond the fan id. The address feeds the
 * door's budgets and is never journaled; `powBits` is the difficulty of the
 * proof of work the gateway verified (0: none); `groups` come from a verified
 * identity token; `accessCode` is what the fan typed for a coded presale;
 * `joinKeyDigest` is the transport's keyed digest of the secret join key the
 * fan's client sent (never the key itself), journaled with a new place so
 * that client can take the place again (see `PlaceKeys`).
 */
export interface JoinContext {
  address?: string;
  powBits?: number;
  groups?: string[];
  accessCode?: string;
  joinKeyDigest?: string;
}

export type Command =
  | ({ type: 'join'; eventId: string; fanId: string } & JoinContext)
  | { type: 'leave'; eventId: string; fanId: string }
  | { type: 'presence'; eventId: string; fanId: string; connected: boolean }
  | { type: 'hold'; eventId: string; fanId: string; grantId: string; key: string; request: HoldRequest }
  | { type: 'extendHold'; eventId: string; fanId: string; holdId: string; key: string }
  /** `channel`: the one the fan chose; `channels`: those the transport can serve, first choice first (docs/payments.md). */
  | { type: 'startPayment'; eventId: string; fanId: string; holdId: string; paymentId: string; key: string; channel?: string; channels?: string[] }
  | { type: 'releaseHold'; eventId: string; fanId: string; holdId: string; key: string }
  /**
   * `providerAt`: when the provider says the outcome happened (epoch ms): its notification's lag is measured from it.
   * `providerPaymentId`: the provider's own id of the charge (a Stripe PaymentIntent), which a later refund of the order needs.
   */
  | { type: 'confirmPurchase'; eventId: string; holdId: string; paymentId: string; providerAt?: number; providerPaymentId?: string }
  /** `failure`: the channel failed (`error`, `timeout`); left out, the provider declined. */
  | { type: 'failPayment'; eventId: string; holdId: string; paymentId: string; reason: string; failure?: PaymentFailure; providerAt?: number }
  /**
   * A provider's success the payment side refused because its amount or currency is not the hold's price
   * (the engine does not know prices): the money is due back (`refundDue`, reason `amountMismatch`).
   */
  | { type: 'refusePayment'; eventId: string; holdId: string; paymentId: string; providerAt?: number }
  /** The payment side refunded a payment the journal said was due a refund. */
  | { type: 'recordRefund'; eventId: string; holdId: string; paymentId: string }
  | { type: 'generateCodes'; eventId: string; count: number; uses: number; ticketCap: number; phaseId?: string }
  | { type: 'uploadCodes'; eventId: string; csv: string }
  | { type: 'supplyBeacon'; eventId: string; draw: string; value: string }
  /** A verified account (the transport vouches for the fan id) registers for the event's registration draw, or withdraws. */
  | { type: 'register' | 'withdrawRegistration'; eventId: string; fanId: string }
  | { type: 'inviteNext'; eventId: string; count: number }
  | { type: 'closeRegistration'; eventId: string }
  /** The organizer's message to everyone in the event's queue ('' takes it down). */
  | { type: 'announce'; eventId: string; text: string }
  /** The organizer cancels a purchase: its tickets go back on sale; `refund`: its payment is to be refunded. */
  | { type: 'cancelOrder'; eventId: string; holdId: string; refund: boolean; reason: string }
  | { type: 'createEvent'; config: unknown }
  | { type: 'updateEvent'; eventId: string; patch: unknown }
  | { type: 'publish' | 'pause' | 'resume' | 'close'; eventId: string };

export type CommandType = Command['type'];

const MAX_ID = 128;
/** A provider's own id of a charge (Stripe's ids run up to 255 characters). */
export const MAX_PROVIDER_PAYMENT_ID = 255;
/** An upload of codes (about 45,000 lines): the command fits one NATS message (1 MB) in cluster mode. */
export const MAX_CODES_CSV_BYTES = 1_000_000;
const MAX_SEATS_PER_REQUEST = 100;
/** A message to the queue: a few sentences, shown on every fan's page. */
export const MAX_ANNOUNCEMENT_LENGTH = 500;
const MAX_REASON_LENGTH = 500;

type Field = 'eventId' | 'fanId' | 'grantId' | 'holdId' | 'paymentId' | 'key';

/** Which identifier fields each command carries (besides its specials). */
const FIELDS: Record<CommandType, readonly Field[]> = {
  join: ['eventId', 'fanId'],
  leave: ['eventId', 'fanId'],
  presence: ['eventId', 'fanId'],
  hold: ['eventId', 'fanId', 'grantId', 'key'],
  extendHold: ['eventId', 'fanId', 'holdId', 'key'],
  startPayment: ['eventId', 'fanId', 'holdId', 'paymentId', 'key'],
  releaseHold: ['eventId', 'fanId', 'holdId', 'key'],
  confirmPurchase: ['eventId', 'holdId', 'paymentId'],
  failPayment: ['eventId', 'holdId', 'paymentId'],
  refusePayment: ['eventId', 'holdId', 'paymentId'],
  recordRefund: ['eventId', 'holdId', 'paymentId'],
  generateCodes: ['eventId'],
  uploadCodes: ['eventId'],
  supplyBeacon: ['eventId'],
  register: ['eventId', 'fanId'],
  withdrawRegistration: ['eventId', 'fanId'],
  inviteNext: ['eventId'],
  closeRegistration: ['eventId'],
  announce: ['eventId'],
  cancelOrder: ['eventId', 'holdId'],
  createEvent: [],
  updateEvent: ['eventId'],
  publish: ['eventId'],
  pause: ['eventId'],
  resume: ['eventId'],
  close: ['eventId'],
};

function malformed(field: string, reason: string): BreakwaterError {
  return new BreakwaterError('MALFORMED_COMMAND', `${field} ${reason}`, { details: { field, reason } });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function requireId(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_ID) {
    throw malformed(field, `must be a non-empty string of at most ${MAX_ID} characters`);
  }
  return value;
}

function checkProviderAt(value: unknown): void {
  if (value !== undefined && !Number.isSafeInteger(value)) throw malformed('providerAt', 'must be an instant in epoch milliseconds');
}

function requireChannel(value: unknown, field: string): string {
  if (typeof value !== 'string' || !CHANNEL_NAME.test(value)) throw malformed(field, 'must be a payment channel name (lowercase letters, digits, - and _)');
  return value;
}

function requireCount(value: unknown, field: string): number {
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > MAX_SEATS_PER_REQUEST) {
    throw malformed(field, `must be an integer from 1 to ${MAX_SEATS_PER_REQUEST}`);
  }
  return value as number;
}

/** Checks a hold request in place: the request itself, typed. */
function checkHoldRequest(value: unknown): HoldRequest {
  if (!isObject(value)) throw malformed('request', 'must be an object');
  switch (value.kind) {
    case 'tickets':
      requireId(value.tierId, 'request.tierId');
      requireCount(value.quantity, 'request.quantity');
      break;
    case 'best':
      requireId(value.category, 'request.category');
      requireCount(value.quantity, 'request.quantity');
      break;
    case 'seats': {
      const { seatIds } = value;
      if (!Array.isArray(seatIds) || seatIds.length === 0 || seatIds.length > MAX_SEATS_PER_REQUEST) {
        throw malformed('request.seatIds', `must be a list of 1 to ${MAX_SEATS_PER_REQUEST} seat ids`);
      }
      // An index loop: a hole in a sparse array reads as undefined and is refused.
      for (let i = 0; i < seatIds.length; i++) requireId(seatIds[i], `request.seatIds[${i}]`);
      break;
    }
    default:
      throw malformed('request.kind', 'must be "tickets", "seats" or "best"');
  }
  return value as HoldRequest;
}

const MAX_GROUPS = 64;
const JOIN_KEY_DIGEST = /^[0-9a-f]{32}$/;

/** A join key's digest as the engine keeps it: 32 lowercase hex characters (see `PlaceKeys`). */
export function isJoinKeyDigest(value: unknown): value is string {
  return typeof value === 'string' && JOIN_KEY_DIGEST.test(value);
}

/** Checks the optional join context fields in place. */
function checkJoinContext(input: Record<string, unknown>): void {
  const { address, powBits, groups, accessCode, joinKeyDigest } = input;
  if (address !== undefined) requireId(address, 'address');
  if (powBits !== undefined && (!Number.isInteger(powBits) || (powBits as number) < 0 || (powBits as number) > 64)) {
    throw malformed('powBits', 'must be an integer from 0 to 64');
  }
  if (groups !== undefined) {
    if (!Array.isArray(groups) || groups.length > MAX_GROUPS) throw malformed('groups', `must be a list of at most ${MAX_GROUPS} group names`);
    for (let i = 0; i < groups.length; i++) requireId(groups[i], `groups[${i}]`);
  }
  if (accessCode !== undefined) requireId(accessCode, 'accessCode');
  if (joinKeyDigest !== undefined && !isJoinKeyDigest(joinKeyDigest)) throw malformed('joinKeyDigest', 'must be 32 lowercase hexadecimal characters');
}

/** The join context fields of a checked join command, copied (what the engine keeps or passes on). */
export function joinContextOf(command: JoinContext): JoinContext {
  const context: JoinContext = {};
  if (command.address !== undefined) context.address = command.address;
  if (command.powBits !== undefined) context.powBits = command.powBits;
  if (command.groups !== undefined) context.groups = [...command.groups];
  if (command.accessCode !== undefined) context.accessCode = command.accessCode;
  if (command.joinKeyDigest !== undefined) context.joinKeyDigest = command.joinKeyDigest;
  return context;
}

/** A checked copy of a hold request with only its own fields (what a transport forwards). */
export function parseHoldRequest(value: unknown): HoldRequest {
  const request = checkHoldRequest(value);
  switch (request.kind) {
    case 'tickets':
      return { kind: 'tickets', tierId: request.tierId, quantity: request.quantity };
    case 'best':
      return { kind: 'best', category: request.category, quantity: request.quantity };
    case 'seats':
      return { kind: 'seats', seatIds: [...request.seatIds] };
  }
}

/**
 * Checks the shape of an untrusted command; a malformed one changes nothing
 * anywhere. The command is checked in place, its hold request included
 * (commands arrive a million a second); the engine copies what it keeps.
 */
export function parseCommand(input: unknown): Command {
  if (!isObject(input)) throw malformed('command', 'must be an object');
  const type = input.type;
  if (typeof type !== 'string' || !Object.hasOwn(FIELDS, type)) {
    throw malformed('type', `must be one of ${Object.keys(FIELDS).join(', ')}`);
  }
  for (const field of FIELDS[type as CommandType]) requireId(input[field], field);
  switch (type) {
    case 'join':
      checkJoinContext(input);
      break;
    case 'presence':
      if (typeof input.connected !== 'boolean') throw malformed('connected', 'must be true or false');
      break;
    case 'hold':
      checkHoldRequest(input.request);
      break;
    case 'generateCodes':
      if (input.phaseId !== undefined) requireId(input.phaseId, 'phaseId');
      break;
    case 'uploadCodes':
      if (typeof input.csv !== 'string' || input.csv.length > MAX_CODES_CSV_BYTES) throw malformed('csv', `must be text of at most ${MAX_CODES_CSV_BYTES} characters`);
      break;
    case 'supplyBeacon':
      // A phase's draw is "phase:" + its id.
      if (typeof input.draw !== 'string' || input.draw.length === 0 || input.draw.length > MAX_ID + 6) throw malformed('draw', 'must be a draw name: preQueue or phase:<id>');
      if (typeof input.value !== 'string' || input.value.length > 128) throw malformed('value', 'must be 16 to 64 bytes in hexadecimal');
      break;
    case 'inviteNext':
      if (!Number.isInteger(input.count) || (input.count as number) < 1) throw malformed('count', 'must be a whole number of at least 1');
      break;
    case 'confirmPurchase':
      if (input.providerPaymentId !== undefined && (typeof input.providerPaymentId !== 'string' || input.providerPaymentId.length === 0 || input.providerPaymentId.length > MAX_PROVIDER_PAYMENT_ID)) {
        throw malformed('providerPaymentId', `must be a non-empty string of at most ${MAX_PROVIDER_PAYMENT_ID} characters`);
      }
      checkProviderAt(input.providerAt);
      break;
    case 'refusePayment':
      checkProviderAt(input.providerAt);
      break;
    case 'failPayment':
      checkProviderAt(input.providerAt);
      if (typeof input.reason !== 'string' || input.reason.length > MAX_REASON_LENGTH) throw malformed('reason', `must be a string of at most ${MAX_REASON_LENGTH} characters`);
      if (input.failure !== undefined && input.failure !== 'error' && input.failure !== 'timeout') throw malformed('failure', 'must be "error" or "timeout" (or left out: declined)');
      break;
    case 'startPayment':
      if (input.channel !== undefined) requireChannel(input.channel, 'channel');
      if (input.channels !== undefined) {
        if (!Array.isArray(input.channels) || input.channels.length > MAX_PAYMENT_CHANNELS) throw malformed('channels', `must be a list of at most ${MAX_PAYMENT_CHANNELS} channel names`);
        for (let i = 0; i < input.channels.length; i++) requireChannel(input.channels[i], `channels[${i}]`);
      }
      break;
    case 'announce':
      if (typeof input.text !== 'string' || input.text.length > MAX_ANNOUNCEMENT_LENGTH) throw malformed('text', `must be a string of at most ${MAX_ANNOUNCEMENT_LENGTH} characters ('' takes the message down)`);
      break;
    case 'cancelOrder':
      if (typeof input.refund !== 'boolean') throw malformed('refund', 'must be true or false');
      if (typeof input.reason !== 'string' || input.reason.length > MAX_REASON_LENGTH) throw malformed('reason', `must be a string of at most ${MAX_REASON_LENGTH} characters`);
      break;
  }
  return input as Command;
}
