/** The organizer API key check: constant-time, whatever the lengths. */
import { createHash, timingSafeEqual } from 'node:crypto';
import { BreakwaterError } from '../../engine/src/index.js';

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

export function keyMatches(given: string | undefined | null, apiKey: string): boolean {
  if (given === undefined || given === null || given.length === 0) return false;
  return timingSafeEqual(digest(given), digest(apiKey));
}

/** The key from `Authorization: Bearer <key>`, or UNAUTHORIZED. */
export function requireBearer(authorization: string | undefined, apiKey: string): void {
  const match = /^Bearer\s+(.+)$/i.exec(authorization ?? '');
  if (!keyMatches(match?.[1]?.trim(), apiKey)) throw new BreakwaterError('UNAUTHORIZED');
}
