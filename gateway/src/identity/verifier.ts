/**
 * Verifies a fan's identity token (a JWT the organizer's login signed) with
 * `jose`, against one event's identity settings, and says which account it
 * vouches for. Only the algorithms the event's keys allow are tried (HS256
 * with the secret; EdDSA, ES256, RS256 with public keys), so an unsigned
 * token or one signed with the wrong kind of key never verifies. Each refusal
 * has its own registry code (docs/errors.md). Imported keys are cached per
 * settings object: a join costs one signature check, not a key import.
 */
import { decodeProtectedHeader, errors, importJWK, jwtVerify, type CryptoKey, type JWTPayload } from 'jose';
import { BreakwaterError } from '../../../engine/src/index.js';
import { accountFanId, MAX_SUB } from '../protocol/account.js';
import { algorithmOf, type IdentitySettings, type KeyAlgorithm } from '../../../engine/host/index.js';

export interface VerifiedIdentity {
  /** The account (the token's `sub`). */
  sub: string;
  /** The engine fan id of the account: `accountFanId(sub)`. */
  fanId: string;
  /** Presale lists the organizer put the account on (`groups`), if any. */
  groups: string[] | undefined;
}

/** Organizers' clocks drift a little from ours. */
const CLOCK_TOLERANCE_SEC = 10;
const MAX_GROUPS = 64;
const MAX_GROUP = 128;

interface VerificationKey {
  kid: string | undefined;
  alg: KeyAlgorithm;
  key: CryptoKey;
}

interface KeyRing {
  secret: CryptoKey | undefined;
  keys: VerificationKey[];
}

function refusal(code: 'IDENTITY_EXPIRED' | 'IDENTITY_AUDIENCE' | 'IDENTITY_UNSIGNED' | 'IDENTITY_SIGNATURE' | 'IDENTITY_INVALID', details: Record<string, unknown>): BreakwaterError {
  return new BreakwaterError(code, undefined, { details });
}

/** What a failed `jwtVerify` means when the signature was not the problem (the claims or the token's form). */
function refusalOf(err: unknown): BreakwaterError {
  if (err instanceof errors.JWTExpired) return refusal('IDENTITY_EXPIRED', { claim: err.claim });
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'aud' && err.reason === 'check_failed') return refusal('IDENTITY_AUDIENCE', { claim: 'aud' });
    return refusal('IDENTITY_INVALID', { claim: err.claim, reason: err.reason === 'missing' ? 'missing' : 'wrong' });
  }
  return refusal('IDENTITY_INVALID', { reason: 'malformed' });
}

/** The token's algorithm and key id, refusing unsigned and malformed tokens before any key is touched. */
function headerOf(token: string): { alg: string; kid: string | undefined } {
  const parts = token.split('.');
  if (parts.length !== 3) throw refusal('IDENTITY_INVALID', { reason: 'malformed' });
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    throw refusal('IDENTITY_INVALID', { reason: 'malformed' });
  }
  const { alg, kid } = header;
  if (typeof alg !== 'string') throw refusal('IDENTITY_INVALID', { reason: 'malformed' });
  if (alg.toLowerCase() === 'none' || parts[2] === '') throw refusal('IDENTITY_UNSIGNED', { alg: alg.slice(0, 16) });
  return { alg, kid: typeof kid === 'string' ? kid : undefined };
}

export class IdentityVerifier {
  private readonly rings = new WeakMap<IdentitySettings, Promise<KeyRing>>();

  /** The account the token vouches for in this event; throws the IDENTITY_* error that refuses it. */
  async verify(token: string, eventId: string, identity: IdentitySettings, now = Date.now()): Promise<VerifiedIdentity> {
    const { alg, kid } = headerOf(token);
    const ring = await this.ringOf(identity);
    const candidates = this.candidates(ring, alg, kid);
    let payload: JWTPayload | undefined;
    for (const key of candidates) {
      try {
        ({ payload } = await jwtVerify(token, key, {
          algorithms: [alg], audience: eventId, issuer: identity.issuer, maxTokenAge: identity.maxAgeSec,
          requiredClaims: ['sub', 'exp'], clockTolerance: CLOCK_TOLERANCE_SEC, currentDate: new Date(now),
        }));
        break;
      } catch (err) {
        // Another key may have signed it (rotation); any other failure is the token's own.
        if (!(err instanceof errors.JWSSignatureVerificationFailed)) throw refusalOf(err);
      }
    }
    if (payload === undefined) throw refusal('IDENTITY_SIGNATURE', { reason: 'signature' });
    return this.identityOf(payload);
  }

  /** The keys that may have signed a token of this algorithm and key id. */
  private candidates(ring: KeyRing, alg: string, kid: string | undefined): CryptoKey[] {
    if (alg === 'HS256') {
      if (ring.secret === undefined) throw refusal('IDENTITY_SIGNATURE', { reason: 'algorithm', alg });
      return [ring.secret];
    }
    const ofAlg = ring.keys.filter((key) => key.alg === alg);
    if (ofAlg.length === 0) throw refusal('IDENTITY_SIGNATURE', { reason: 'algorithm', alg: alg.slice(0, 16) });
    // A token naming its key is checked with that key only; one without a kid with each key of its algorithm.
    const matching = kid === undefined ? ofAlg : ofAlg.filter((key) => key.kid === kid);
    if (matching.length === 0) throw refusal('IDENTITY_SIGNATURE', { reason: 'unknownKey', kid: kid!.slice(0, 128) });
    return matching.map((key) => key.key);
  }

  private identityOf(payload: JWTPayload): VerifiedIdentity {
    const { sub, groups } = payload;
    if (typeof sub !== 'string' || sub.length === 0 || sub.length > MAX_SUB) {
      throw refusal('IDENTITY_INVALID', { claim: 'sub', reason: `must be a string of 1 to ${MAX_SUB} characters` });
    }
    if (groups !== undefined) {
      const valid = Array.isArray(groups) && groups.length <= MAX_GROUPS
        && groups.every((group) => typeof group === 'string' && group.length > 0 && group.length <= MAX_GROUP);
      if (!valid) throw refusal('IDENTITY_INVALID', { claim: 'groups', reason: `must be a list of at most ${MAX_GROUPS} names of 1 to ${MAX_GROUP} characters` });
    }
    return { sub, fanId: accountFanId(sub), groups: groups === undefined ? undefined : [...(groups as string[])] };
  }

  /** The event's keys, imported once per settings object (new settings, new keys). */
  private ringOf(identity: IdentitySettings): Promise<KeyRing> {
    let ring = this.rings.get(identity);
    if (ring === undefined) {
      ring = importRing(identity);
      this.rings.set(identity, ring);
      // A failed import is not kept: the next join tries again.
      ring.catch(() => this.rings.delete(identity));
    }
    return ring;
  }
}

async function importRing(identity: IdentitySettings): Promise<KeyRing> {
  // Imported once: jose would otherwise import raw secret bytes again on every verification.
  const secret = identity.hs256Secret === undefined ? undefined
    : await crypto.subtle.importKey('raw', new TextEncoder().encode(identity.hs256Secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
  const keys: VerificationKey[] = [];
  for (const jwk of identity.publicKeys?.keys ?? []) {
    // The settings check imported every key once already, so each has an algorithm and imports.
    const alg = algorithmOf(jwk)!;
    keys.push({ kid: jwk.kid, alg, key: (await importJWK({ ...jwk }, alg)) as CryptoKey });
  }
  return { secret, keys };
}
