/**
 * What may cross a process boundary. The fork channel's structured clone and
 * msgpack recurse once per level of nesting, and a stack overflow while
 * decoding a fork channel message is thrown outside any handler: it ends the
 * receiving process. So every request is measured (without recursion) before
 * it is sent, and one nested deeper than any real command is refused with
 * MALFORMED_COMMAND in the process that made it.
 */
import { BreakwaterError } from '../src/index.js';
import type { EngineRequest } from './types.js';

/** Far above any real request (an event configuration is under ten levels), far below what overflows a stack. */
export const MAX_WIRE_DEPTH = 64;

/** The deepest nesting of arrays and objects in `value`. */
export function nestingDepth(value: unknown): number {
  let deepest = 0;
  const pending: Array<[unknown, number]> = [[value, 0]];
  while (pending.length > 0) {
    const [item, depth] = pending.pop()!;
    if (typeof item !== 'object' || item === null || ArrayBuffer.isView(item)) continue;
    deepest = Math.max(deepest, depth + 1);
    if (deepest > MAX_WIRE_DEPTH) return deepest;
    for (const child of Array.isArray(item) ? item : Object.values(item)) pending.push([child, depth + 1]);
  }
  return deepest;
}

/** Throws MALFORMED_COMMAND when `request` is nested too deeply to be sent to another process. */
export function checkWireRequest(request: EngineRequest): void {
  if (nestingDepth(request) > MAX_WIRE_DEPTH) {
    throw new BreakwaterError('MALFORMED_COMMAND', `the request is nested deeper than ${MAX_WIRE_DEPTH} levels`, {
      details: { field: 'request', reason: `is nested deeper than ${MAX_WIRE_DEPTH} levels` },
    });
  }
}
