/**
 * An event's identity settings: whether a join needs a verified identity
 * token, and what verifies one (a shared HS256 secret and/or public keys).
 * Checked when the organizer sets them; a key file is read then, never at
 * run time, and nothing is ever fetched. The secret never leaves the gateway
 * through an API answer (`forOrganizer`). docs/identity.md explains them.
 */
import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ConfigIssue } from '../src/index.js';

/** A public JSON Web Key, as the organizer gives it (only public members are accepted). */
export interface PublicJwk {
  kty: 'OKP' | 'EC' | 'RSA';
  kid?: string;
  alg?: string;
  use?: string;
  crv?: string;
  x?: string;
  y?: string;
  n?: string;
  e?: string;
}

export interface IdentitySettings {
  /** A join needs a verified identity; false: one is verified when given, anonymous fans may join too. */
  required: boolean;
  /** Shared secret for HS256 tokens (at least 32 bytes). */
  hs256Secret?: string;
  /** Public keys for EdDSA (Ed25519), ES256 (P-256) and RS256 tokens; several for key rotation. */
  publicKeys?: { keys: PublicJwk[] };
  /** When set, the tokens' `iss` must be this. */
  issuer?: string;
  /** When set, tokens must carry `iat` and be at most this old. */
  maxAgeSec?: number;
  /** Where the fan page sends a fan without a token to sign in. */
  loginUrl?: string;
}

export const MIN_SECRET_BYTES = 32;
const MAX_SECRET_BYTES = 1024;
const MAX_KEYS = 20;
const MIN_RSA_BITS = 2048;
const MAX_AGE_SEC = 30 * 24 * 3600;
const FIELDS = ['required', 'hs256Secret', 'publicKeys', 'issuer', 'maxAgeSec', 'loginUrl'];
/** The curve (or key type) each accepted algorithm needs. */
export const KEY_ALGORITHMS = { EdDSA: { kty: 'OKP', crv: 'Ed25519' }, ES256: { kty: 'EC', crv: 'P-256' }, RS256: { kty: 'RSA', crv: undefined } } as const;
export type KeyAlgorithm = keyof typeof KEY_ALGORITHMS;
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'];

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The algorithm a key verifies: its own `alg` if it names one, else the one its type and curve imply. */
export function algorithmOf(jwk: PublicJwk): KeyAlgorithm | undefined {
  for (const [alg, { kty, crv }] of Object.entries(KEY_ALGORITHMS) as [KeyAlgorithm, { kty: string; crv: string | undefined }][]) {
    if (jwk.kty === kty && (crv === undefined || jwk.crv === crv) && (jwk.alg === undefined || jwk.alg === alg)) return alg;
  }
  return undefined;
}

function checkKey(jwk: unknown, field: string, issues: ConfigIssue[]): PublicJwk | undefined {
  if (!isObject(jwk)) return void issues.push({ field, reason: 'must be a JSON Web Key object' });
  if (PRIVATE_MEMBERS.some((member) => member in jwk)) return void issues.push({ field, reason: 'must be a public key (it has private or symmetric key members)' });
  const strings = ['kty', 'kid', 'alg', 'use', 'crv', 'x', 'y', 'n', 'e'];
  for (const member of strings) {
    if (jwk[member] !== undefined && (typeof jwk[member] !== 'string' || (jwk[member] as string).length > 2048)) return void issues.push({ field: `${field}.${member}`, reason: 'must be a string' });
  }
  const key = jwk as unknown as PublicJwk;
  const alg = algorithmOf(key);
  if (alg === undefined) return void issues.push({ field, reason: 'must be an Ed25519 (OKP), P-256 (EC) or RSA key, with alg EdDSA, ES256 or RS256 if it names one' });
  if (key.use !== undefined && key.use !== 'sig') return void issues.push({ field: `${field}.use`, reason: 'must be "sig"' });
  const needed = ({ EdDSA: ['x'], ES256: ['x', 'y'], RS256: ['n', 'e'] } as const)[alg];
  for (const member of needed) if (typeof jwk[member] !== 'string') return void issues.push({ field: `${field}.${member}`, reason: 'is required for this key type' });
  try {
    const details = createPublicKey({ key: jwk as never, format: 'jwk' }).asymmetricKeyDetails;
    if (alg === 'RS256' && (details?.modulusLength ?? 0) < MIN_RSA_BITS) return void issues.push({ field, reason: `must be an RSA key of at least ${MIN_RSA_BITS} bits` });
  } catch {
    return void issues.push({ field, reason: 'is not a valid key of its type (the coordinates or modulus do not import)' });
  }
  // Only the members verification uses are kept: nothing else travels to the workers or back to the organizer.
  const kept: Record<string, string> = { kty: key.kty };
  for (const member of ['kid', 'alg', 'use', 'crv', ...needed] as const) if (key[member] !== undefined) kept[member] = key[member];
  return kept as unknown as PublicJwk;
}

/** Reads a key file named in the settings: a JWKS document, a list of keys, or one key. */
function readKeyFile(path: string, issues: ConfigIssue[]): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    // The file's content is never echoed back.
    issues.push({ field: 'settings.identity.publicKeys', reason: `the file ${path} could not be read as JSON` });
    return undefined;
  }
}

function checkKeys(value: unknown, issues: ConfigIssue[]): { keys: PublicJwk[] } | undefined {
  const field = 'settings.identity.publicKeys';
  const document = typeof value === 'string' ? readKeyFile(value, issues) : value;
  if (document === undefined) return undefined;
  const list = Array.isArray(document) ? document : isObject(document) && Array.isArray(document.keys) ? document.keys : isObject(document) && 'kty' in document ? [document] : undefined;
  if (list === undefined || list.length === 0 || list.length > MAX_KEYS) {
    return void issues.push({ field, reason: `must be a JWKS ({ keys: [...] }), a list of 1 to ${MAX_KEYS} public JWKs, or the path of a file holding one` });
  }
  const keys = list.map((jwk, i) => checkKey(jwk, `${field}.keys[${i}]`, issues));
  return keys.every((key) => key !== undefined) ? { keys: keys as PublicJwk[] } : undefined;
}

function isWebUrl(value: unknown): value is string {
  if (typeof value !== 'string' || value.length > 2000) return false;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

/**
 * Applies the `identity` part of a settings patch. `null` removes the
 * identity settings; in an object, each field given replaces the current one
 * and `null` removes it. Issues are pushed with `settings.identity.` fields.
 */
export function applyIdentityPatch(current: IdentitySettings | null, patch: unknown, issues: ConfigIssue[]): IdentitySettings | null {
  if (patch === null) return null;
  const field = 'settings.identity';
  if (!isObject(patch)) {
    issues.push({ field, reason: 'must be an object or null' });
    return current;
  }
  const next: IdentitySettings = { ...(current ?? { required: false }) };
  for (const key of Object.keys(patch)) if (!FIELDS.includes(key)) issues.push({ field: `${field}.${key}`, reason: 'is not a known field' });
  const { required, hs256Secret, publicKeys, issuer, maxAgeSec, loginUrl } = patch;
  if (required !== undefined) {
    if (typeof required !== 'boolean') issues.push({ field: `${field}.required`, reason: 'must be true or false' });
    else next.required = required;
  }
  if (hs256Secret === null) delete next.hs256Secret;
  else if (hs256Secret !== undefined) {
    const bytes = typeof hs256Secret === 'string' ? new TextEncoder().encode(hs256Secret).length : 0;
    if (bytes < MIN_SECRET_BYTES || bytes > MAX_SECRET_BYTES) issues.push({ field: `${field}.hs256Secret`, reason: `must be a string of ${MIN_SECRET_BYTES} to ${MAX_SECRET_BYTES} bytes` });
    else next.hs256Secret = hs256Secret as string;
  }
  if (publicKeys === null) delete next.publicKeys;
  else if (publicKeys !== undefined) {
    const keys = checkKeys(publicKeys, issues);
    if (keys !== undefined) next.publicKeys = keys;
  }
  if (issuer === null) delete next.issuer;
  else if (issuer !== undefined) {
    if (typeof issuer !== 'string' || issuer.length === 0 || issuer.length > 500) issues.push({ field: `${field}.issuer`, reason: 'must be a non-empty string of at most 500 characters' });
    else next.issuer = issuer;
  }
  if (maxAgeSec === null) delete next.maxAgeSec;
  else if (maxAgeSec !== undefined) {
    if (!Number.isInteger(maxAgeSec) || (maxAgeSec as number) < 1 || (maxAgeSec as number) > MAX_AGE_SEC) issues.push({ field: `${field}.maxAgeSec`, reason: `must be an integer from 1 to ${MAX_AGE_SEC}` });
    else next.maxAgeSec = maxAgeSec as number;
  }
  if (loginUrl === null) delete next.loginUrl;
  else if (loginUrl !== undefined) {
    // Only web addresses: the fan page turns it into a link.
    if (!isWebUrl(loginUrl)) issues.push({ field: `${field}.loginUrl`, reason: 'must be an http(s) URL of at most 2000 characters' });
    else next.loginUrl = loginUrl;
  }
  if (next.required && next.hs256Secret === undefined && next.publicKeys === undefined) {
    issues.push({ field, reason: 'a required identity needs hs256Secret or publicKeys to verify tokens with' });
  }
  return next;
}

/** Whether joins to the event are checked against identity tokens at all. */
export function verifiesIdentities(identity: IdentitySettings | null | undefined): identity is IdentitySettings {
  return identity != null && (identity.hs256Secret !== undefined || identity.publicKeys !== undefined);
}

/** The identity settings as an API answer shows them: the secret only as "set". */
export function identityForOrganizer(identity: IdentitySettings | null): IdentitySettings | null {
  if (identity === null || identity.hs256Secret === undefined) return identity;
  return { ...identity, hs256Secret: 'set' };
}
