/**
 * Everything the gateway signs with its secret (shared by all workers of a
 * machine, so any worker verifies what another issued): queue tokens, proof-
 * of-work challenges, deterministic payment ids, and join keys' digests. HMAC-SHA256 with the
 * purpose mixed in, so a value signed for one use is never valid for another.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { BreakwaterError, type ErrorCode } from '../../engine/src/index.js';

export interface QueueTokenClaims {
  eventId: string;
  fanId: string;
  /** The place number when issued (0 in the pre-queue); the engine stays the judge of the place. */
  number: number;
  issuedAt: number;
}

export interface PowChallenge {
  challenge: string;
  difficulty: number;
  expiresAt: number;
}

type Purpose = 'queue-token' | 'pow-challenge' | 'payment-id' | 'checkout-session' | 'dashboard-ticket' | 'join-key';

const QUEUE_TOKEN_TTL_MS = 7 * 24 * 3600_000;

export class Signer {
  private readonly secret: Buffer;

  constructor(secret: string | Buffer) {
    this.secret = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret;
    if (this.secret.length < 16) throw new Error('the signing secret must be at least 16 bytes');
  }

  static randomSecret(): string {
    return randomBytes(32).toString('base64url');
  }

  mac(purpose: Purpose, data: string): Buffer {
    return createHmac('sha256', this.secret).update(purpose).update('\u0000').update(data).digest();
  }

  /** `prefix.base64url(json).base64url(mac)`: readable by anyone, forgeable by nobody without the secret. */
  seal(purpose: Purpose, prefix: string, claims: object): string {
    const body = `${prefix}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
    return `${body}.${this.mac(purpose, body).toString('base64url')}`;
  }

  /** The claims of a sealed value, or undefined when it is malformed or forged. */
  open(purpose: Purpose, prefix: string, sealed: string): Record<string, unknown> | undefined {
    const parts = sealed.split('.');
    if (parts.length !== 3 || parts[0] !== prefix) return undefined;
    const body = `${parts[0]}.${parts[1]}`;
    // Compared as text: base64 has several spellings of the same bytes, and a sealed value has exactly one.
    const given = Buffer.from(parts[2]!);
    const expected = Buffer.from(this.mac(purpose, body).toString('base64url'));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    try {
      const claims: unknown = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
      return typeof claims === 'object' && claims !== null ? (claims as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  }
}

function fail(code: ErrorCode, reason: string, extra: Record<string, unknown> = {}): BreakwaterError {
  return new BreakwaterError(code, undefined, { details: { reason, ...extra } });
}

// ── Queue tokens ─────────────────────────────────────────────────────────

export function issueQueueToken(signer: Signer, claims: QueueTokenClaims): string {
  return signer.seal('queue-token', 'qt1', { e: claims.eventId, f: claims.fanId, n: claims.number, i: claims.issuedAt });
}

/** The claims of a queue token for this event, or TOKEN_INVALID. */
export function verifyQueueToken(signer: Signer, token: string, eventId: string, now: number): QueueTokenClaims {
  const claims = signer.open('queue-token', 'qt1', token);
  if (claims === undefined) throw fail('TOKEN_INVALID', 'signature');
  const { e, f, n, i } = claims;
  if (typeof e !== 'string' || typeof f !== 'string' || typeof n !== 'number' || typeof i !== 'number') throw fail('TOKEN_INVALID', 'claims');
  if (e !== eventId) throw fail('TOKEN_INVALID', 'event');
  if (now - i > QUEUE_TOKEN_TTL_MS) throw fail('TOKEN_INVALID', 'expired');
  return { eventId: e, fanId: f, number: n, issuedAt: i };
}

// ── Proof-of-work challenges: stateless, so any worker verifies any challenge ──

export function issuePowChallenge(signer: Signer, eventId: string, difficulty: number, now: number, ttlMs = 120_000): PowChallenge {
  const expiresAt = now + ttlMs;
  const challenge = signer.seal('pow-challenge', 'pc1', { e: eventId, d: difficulty, x: expiresAt, r: randomBytes(9).toString('base64url') });
  return { challenge, difficulty, expiresAt };
}

/** The difficulty a genuine, unexpired challenge for this event was issued at; throws POW_INVALID otherwise. */
export function checkPowChallenge(signer: Signer, challenge: string, eventId: string, now: number): number {
  const claims = signer.open('pow-challenge', 'pc1', challenge);
  if (claims === undefined || typeof claims.d !== 'number' || typeof claims.x !== 'number') throw fail('POW_INVALID', 'challenge');
  if (claims.e !== eventId) throw fail('POW_INVALID', 'event');
  if (claims.x <= now) throw fail('POW_INVALID', 'expired');
  return claims.d;
}

// ── Payment ids ──────────────────────────────────────────────────────────

/**
 * The payment id of a fan's `pay` with a given idempotency key. Deterministic,
 * so a retried `pay` starts the same payment and the engine recognizes the retry.
 */
export function paymentIdFor(signer: Signer, eventId: string, fanId: string, holdId: string, key: string): string {
  return `pay_${signer.mac('payment-id', [eventId, fanId, holdId, key].join('\u0000')).toString('base64url').slice(0, 22)}`;
}

// ── Join keys ────────────────────────────────────────────────────────────

/**
 * What the engine keeps of a fan's secret join key: a MAC under the
 * deployment secret, bound to the event and fan id, cut to 128 bits (32 hex
 * characters). The journal, which organizers read, holds only this: without
 * the secret nobody can test a guessed key against it.
 */
export function joinKeyDigest(signer: Signer, eventId: string, fanId: string, joinKey: string): string {
  return signer.mac('join-key', [eventId, fanId, joinKey].join('\u0000')).subarray(0, 16).toString('hex');
}
