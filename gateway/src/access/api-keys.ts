/**
 * API keys: `bwk_<id>_<secret>`, a 12-hex-digit id anyone may see (it names
 * the key in lists and the audit log) and 32 random bytes. The store keeps
 * only the SHA-256 of the whole key: a key has 256 bits of entropy, so a
 * plain hash cannot be reversed and needs no slow KDF; the key text itself is
 * shown once, when it is created. The deployment's bootstrap key
 * (BREAKWATER_API_KEY, or generated and printed by `npm start`) is an admin
 * key for every event that is configuration, not stored, and cannot be revoked.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { BreakwaterError } from '../../../engine/src/index.js';
import { isRole, type Caller, type Role } from './roles.js';

const KEY_TEXT = /^bwk_([0-9a-f]{12})_[A-Za-z0-9_-]{43}$/;
const EVENT_ID = /^[A-Za-z0-9_.-]{1,64}$/;
const MAX_NAME = 100;
const MAX_EVENTS = 100;

export const BOOTSTRAP_KEY_ID = 'bootstrap';
export const BOOTSTRAP_CALLER: Caller = { keyId: BOOTSTRAP_KEY_ID, name: 'bootstrap key', role: 'admin', events: null };

export interface ApiKeyRecord {
  id: string;
  name: string;
  role: Role;
  /** The events it may act on; null: every event. */
  events: string[] | null;
  createdAt: number;
  /** The key id of the admin who created it. */
  createdBy: string;
  revokedAt: number | null;
  revokedBy: string | null;
  /** Hex SHA-256 of the whole key text. */
  hash: string;
}

/** What the API shows of a key: never its hash. */
export type ApiKeyView = Omit<ApiKeyRecord, 'hash'>;

export interface NewKeyRequest {
  name: string;
  role: Role;
  events: string[] | null;
}

export function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** A new key: its record (to store) and its text (to show once). */
export function newApiKey(request: NewKeyRequest, createdBy: string, now: number): { record: ApiKeyRecord; key: string } {
  const id = randomBytes(6).toString('hex');
  const key = `bwk_${id}_${randomBytes(32).toString('base64url')}`;
  const record: ApiKeyRecord = {
    id, name: request.name, role: request.role, events: request.events, createdAt: now, createdBy, revokedAt: null, revokedBy: null, hash: digest(key).toString('hex'),
  };
  return { record, key };
}

/** The id a key's text names, or undefined when it is not a key of the store's form. */
export function keyIdOf(text: string): string | undefined {
  return KEY_TEXT.exec(text)?.[1];
}

/** Whether `text` is the key whose hash is `hash`, in constant time. */
export function hashMatches(text: string, hash: string): boolean {
  const expected = Buffer.from(hash, 'hex');
  const given = digest(text);
  return expected.length === given.length && timingSafeEqual(given, expected);
}

/** Whether `text` is the bootstrap key, in constant time whatever the lengths. */
export function isBootstrapKey(text: string, bootstrapKey: string): boolean {
  return text.length > 0 && timingSafeEqual(digest(text), digest(bootstrapKey));
}

export function viewOf(record: ApiKeyRecord): ApiKeyView {
  const { hash: _hash, ...view } = record;
  return view;
}

export function callerOf(record: ApiKeyRecord): Caller {
  return { keyId: record.id, name: record.name, role: record.role, events: record.events };
}

function malformed(field: string, reason: string): BreakwaterError {
  return new BreakwaterError('MALFORMED_COMMAND', `${field} ${reason}`, { details: { field, reason } });
}

/** The body of POST /api/keys: `{ name, role, events? }` (events absent or null: every event). */
export function parseNewKey(body: unknown): NewKeyRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw malformed('body', 'must be a JSON object');
  const { name, role, events, ...rest } = body as Record<string, unknown>;
  const unknown = Object.keys(rest)[0];
  if (unknown !== undefined) throw malformed(unknown, 'is not a known field');
  if (typeof name !== 'string' || name.trim().length === 0 || name.length > MAX_NAME) throw malformed('name', `must be a non-empty string of at most ${MAX_NAME} characters`);
  if (!isRole(role)) throw malformed('role', 'must be viewer, operator or admin');
  if (events === undefined || events === null) return { name: name.trim(), role, events: null };
  if (!Array.isArray(events) || events.length === 0 || events.length > MAX_EVENTS) {
    throw malformed('events', `must be null (every event) or a list of 1 to ${MAX_EVENTS} event ids`);
  }
  for (const eventId of events) if (typeof eventId !== 'string' || !EVENT_ID.test(eventId)) throw malformed('events', 'must hold event ids (letters, digits, _ . -)');
  return { name: name.trim(), role, events: [...new Set(events as string[])] };
}
