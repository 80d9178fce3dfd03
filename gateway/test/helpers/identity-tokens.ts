/**
 * Identity tokens for tests, signed with `jose` the way an organizer's login
 * would, and the bad ones a gateway must refuse.
 */
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

export const HS256_SECRET = 'organizer-identity-secret-0123456789abcdef';

export interface SigningKey {
  privateKey: CryptoKey;
  /** The public JWK, with its kid, as the organizer gives it to the gateway. */
  publicJwk: JWK;
  kid: string;
}

export async function signingKey(alg: 'EdDSA' | 'ES256' | 'RS256', kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, alg === 'EdDSA' ? { crv: 'Ed25519' } : {});
  return { privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid }, kid };
}

export interface TokenOptions {
  sub?: string | null;
  aud?: string;
  /** Seconds from now; null leaves `exp` out. */
  expiresIn?: number | null;
  iat?: number;
  nbf?: number;
  iss?: string;
  groups?: unknown;
}

function claims(eventId: string, options: TokenOptions): JWTPayload {
  const now = Math.floor(Date.now() / 1000);
  const payload: JWTPayload = { aud: options.aud ?? eventId, iat: options.iat ?? now };
  if (options.sub !== null) payload.sub = options.sub ?? 'alice';
  if (options.expiresIn !== null) payload.exp = now + (options.expiresIn ?? 600);
  if (options.nbf !== undefined) payload.nbf = options.nbf;
  if (options.iss !== undefined) payload.iss = options.iss;
  if (options.groups !== undefined) payload.groups = options.groups;
  return payload;
}

export function hs256Token(eventId: string, options: TokenOptions = {}, secret = HS256_SECRET): Promise<string> {
  return new SignJWT(claims(eventId, options)).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(secret));
}

export function keyToken(key: SigningKey, alg: 'EdDSA' | 'ES256' | 'RS256', eventId: string, options: TokenOptions & { kid?: string | null } = {}): Promise<string> {
  const header = options.kid === null ? { alg } : { alg, kid: options.kid ?? key.kid };
  return new SignJWT(claims(eventId, options)).setProtectedHeader(header).sign(key.privateKey);
}

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An unsigned token (`alg: none`), as an attacker would write it by hand. */
export function unsignedToken(eventId: string, options: TokenOptions = {}): string {
  return `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims(eventId, options))}.`;
}

/** The classic algorithm confusion: an HS256 token whose HMAC key is the event's public key. */
export function confusedToken(publicJwk: JWK, eventId: string): Promise<string> {
  return hs256Token(eventId, {}, JSON.stringify(publicJwk));
}
