/**
 * Request bodies as JSON, read with limits before anything acts on them.
 * JSON.parse itself recurses, and so do the structured clone of the fork
 * channel and msgpack: a body nested a few thousand levels deep overflows the
 * stack of whichever process touches it next. So the nesting is measured by a
 * flat scan first, and keys that reach an object's prototype through a merge
 * (`__proto__`, `constructor`, `prototype`) are refused.
 */
import { BreakwaterError } from '../../../engine/src/index.js';

/** Deeper than any real configuration (an event's seat map is five levels). */
export const MAX_JSON_DEPTH = 32;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

const OPEN_OBJECT = 0x7b;
const OPEN_ARRAY = 0x5b;
const CLOSE_OBJECT = 0x7d;
const CLOSE_ARRAY = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function malformed(reason: string): BreakwaterError {
  return new BreakwaterError('MALFORMED_COMMAND', `the body ${reason}`, { details: { field: 'body', reason } });
}

/** The deepest nesting of arrays and objects in JSON text, counted without recursion (strings skipped). */
export function jsonDepth(bytes: Uint8Array): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) inString = true;
    else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) deepest = Math.max(deepest, ++depth);
    else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) depth--;
  }
  return deepest;
}

/** Parses a JSON body (empty: `{}`); MALFORMED_COMMAND when it is not JSON, too deep, or has a forbidden key. */
export function parseJsonBody(bytes: Uint8Array, maxDepth = MAX_JSON_DEPTH): unknown {
  if (bytes.length === 0) return {};
  if (jsonDepth(bytes) > maxDepth) throw malformed(`is nested deeper than ${maxDepth} levels`);
  let forbidden: string | undefined;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'), function reviver(key: string, item: unknown) {
      if (FORBIDDEN_KEYS.has(key) && !Array.isArray(this)) forbidden ??= key;
      return item;
    });
  } catch {
    throw malformed('must be JSON');
  }
  if (forbidden !== undefined) throw new BreakwaterError('MALFORMED_COMMAND', `${forbidden} is not a field`, { details: { field: forbidden, reason: 'is a forbidden key' } });
  return value;
}
