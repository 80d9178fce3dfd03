/**
 * Errors crossing a process boundary: a BreakwaterError travels as its
 * registry shape and is rebuilt on the other side with the same code,
 * message and details; anything else is a bug and travels as INTERNAL_ERROR.
 */
import { BreakwaterError, ERROR_CODES, isBreakwaterError, type ErrorCode } from '../src/index.js';
import type { WireError } from './types.js';

export function toWireError(err: unknown): WireError {
  if (isBreakwaterError(err)) return err.toJSON();
  return { code: 'INTERNAL_ERROR', message: ERROR_CODES.INTERNAL_ERROR.summary, details: {} };
}

export function fromWireError(wire: WireError): BreakwaterError {
  const code = (Object.hasOwn(ERROR_CODES, wire.code) ? wire.code : 'INTERNAL_ERROR') as ErrorCode;
  return new BreakwaterError(code, wire.message, { details: wire.details });
}

/** Any thrown value as the registry error a client may see; unexpected errors are logged, never shown. */
export function asBreakwaterError(err: unknown, log: (message: string) => void = (m) => console.error(m)): BreakwaterError {
  if (isBreakwaterError(err)) return err;
  log(`unexpected error: ${(err as Error)?.stack ?? String(err)}`);
  return new BreakwaterError('INTERNAL_ERROR');
}
