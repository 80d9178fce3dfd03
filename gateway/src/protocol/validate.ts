/**
 * Turns a decoded frame (untrusted) into a typed client message, or throws the
 * registry error that says what is wrong with it. Field shapes only: what the
 * values mean (grants, holds, phases) is the engine's to judge.
 */
import { BreakwaterError, parseHoldRequest } from '../../../engine/src/index.js';
import { CLIENT_FIELDS, type ClientMessage, type ClientMessageType } from './messages.js';

const MAX_ID = 128;
const MAX_TOKEN = 1024;
/** An RS256 JWT with a few groups is ~1 KB; room for long group lists, well within a frame. */
const MAX_IDENTITY = 8192;
/** Browsers' push endpoints are a few hundred characters. */
const MAX_PUSH_ENDPOINT = 1024;
/** 128 bits in base64url. */
const MIN_JOIN_KEY = 22;
const CLIENT_TYPES = Object.keys(CLIENT_FIELDS) as ClientMessageType[];

type Rule = (value: unknown, field: string) => unknown;

function malformed(field: string, reason: string): BreakwaterError {
  return new BreakwaterError('MALFORMED_COMMAND', `${field} ${reason}`, { details: { field, reason } });
}

const id: Rule = (value, field) => {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_ID) {
    throw malformed(field, `must be a non-empty string of at most ${MAX_ID} characters`);
  }
  return value;
};
const optional = (rule: Rule): Rule => (value, field) => (value === null || value === undefined ? null : rule(value, field));
/** A client's secret: long enough to carry 128 random bits in any common encoding. */
const secret = (min: number, max: number): Rule => (value, field) => {
  if (typeof value !== 'string' || value.length < min || value.length > max) throw malformed(field, `must be a string of ${min} to ${max} characters`);
  return value;
};
const text = (max: number): Rule => (value, field) => {
  if (typeof value !== 'string' || value.length > max) throw malformed(field, `must be a string of at most ${max} characters`);
  return value;
};
const integer: Rule = (value, field) => {
  if (!Number.isSafeInteger(value)) throw malformed(field, 'must be an integer');
  return value;
};
const finite: Rule = (value, field) => {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw malformed(field, 'must be a number');
  return value;
};
const holdRequest: Rule = (value) => parseHoldRequest(value);
/** A payment channel's name (the engine checks the event offers it). */
const channelName: Rule = (value, field) => {
  if (typeof value !== 'string' || !/^[a-z][a-z0-9_-]{0,31}$/.test(value)) throw malformed(field, 'must be a payment channel name (lowercase letters, digits, - and _)');
  return value;
};

const RULES: { [K in ClientMessageType]: Record<(typeof CLIENT_FIELDS)[K][number], Rule> } = {
  hello: { v: integer, client: optional(text(200)) },
  join: {
    rid: optional(integer), eventId: id, fanId: id, token: optional(text(MAX_TOKEN)),
    powChallenge: optional(text(MAX_TOKEN)), powNonce: optional(text(64)),
    identity: optional(text(MAX_IDENTITY)), accessCode: optional(id), joinKey: optional(secret(MIN_JOIN_KEY, MAX_ID)),
  },
  hold: { rid: optional(integer), grantId: optional(id), request: holdRequest, key: id },
  extend: { rid: optional(integer), holdId: id, key: id },
  pay: { rid: optional(integer), holdId: id, key: id, channel: optional(channelName) },
  release: { rid: optional(integer), holdId: id, key: id },
  leave: { rid: optional(integer) },
  ping: { rid: optional(integer), clientTime: optional(finite) },
  // Lengths only here: the engine side checks the URL and the keys (PUSH_SUBSCRIPTION_INVALID).
  pushSubscribe: { rid: optional(integer), endpoint: text(MAX_PUSH_ENDPOINT), p256dh: text(128), auth: text(64) },
};

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value);
}

/** The request id of a frame, if it has a usable one: echoed even in the error about the rest of it. */
export function requestIdOf(value: unknown): number | null {
  if (!isPlainObject(value)) return null;
  return Number.isSafeInteger(value.rid) ? (value.rid as number) : null;
}

export function parseClientMessage(value: unknown): ClientMessage {
  if (!isPlainObject(value) || typeof value.t !== 'string') {
    throw new BreakwaterError('BAD_FRAME', 'a frame must be a msgpack map or record with a string "t"', { details: { reason: 'shape' } });
  }
  const type = value.t;
  if (!Object.hasOwn(RULES, type)) {
    throw new BreakwaterError('UNKNOWN_MESSAGE_TYPE', `no client message is called "${type.slice(0, 40)}"`, {
      details: { type: type.slice(0, 40), allowed: CLIENT_TYPES },
    });
  }
  const message: Record<string, unknown> = { t: type };
  for (const [field, rule] of Object.entries(RULES[type as ClientMessageType]) as [string, Rule][]) {
    message[field] = rule(Object.hasOwn(value, field) ? value[field] : undefined, field);
  }
  return message as unknown as ClientMessage;
}
