/**
 * Webhook signatures, Stripe style: the header
 *
 *     Breakwater-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
 *
 * The timestamp is signed too and must be within the tolerance, so a
 * captured webhook cannot be replayed later; the comparison is constant-time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { BreakwaterError } from '../../src/index.js';

export const SIGNATURE_HEADER = 'breakwater-signature';
const DEFAULT_TOLERANCE_S = 300;

function mac(secret: string, timestamp: number, body: Uint8Array): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}

export function signWebhook(secret: string, body: Uint8Array, nowMs: number): string {
  const timestamp = Math.floor(nowMs / 1000);
  return `t=${timestamp},v1=${mac(secret, timestamp, body)}`;
}

function invalid(reason: string): BreakwaterError {
  return new BreakwaterError('WEBHOOK_SIGNATURE_INVALID', undefined, { details: { reason } });
}

export function verifyWebhookSignature(secret: string, header: string | undefined, body: Uint8Array, nowMs: number, toleranceS = DEFAULT_TOLERANCE_S): void {
  if (header === undefined || header.length === 0) throw invalid('missing');
  const parts = new Map<string, string[]>();
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const key = part.slice(0, eq).trim();
    parts.set(key, [...(parts.get(key) ?? []), part.slice(eq + 1).trim()]);
  }
  const timestamp = Number(parts.get('t')?.[0]);
  const signatures = parts.get('v1') ?? [];
  if (!Number.isInteger(timestamp) || signatures.length === 0) throw invalid('malformed');
  if (Math.abs(nowMs / 1000 - timestamp) > toleranceS) throw invalid('timestamp');
  const expected = Buffer.from(mac(secret, timestamp, body), 'hex');
  // Several v1 values are allowed, so a secret can be rotated without downtime.
  const ok = signatures.some((signature) => {
    const given = Buffer.from(signature, 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!ok) throw invalid('mismatch');
}
