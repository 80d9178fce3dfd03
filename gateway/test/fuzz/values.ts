/**
 * Hostile values shared by the WebSocket and HTTP generators: every shape a
 * field should never see.
 */
import type { Random } from './random.js';

/** Nested arrays or objects `levels` deep. */
export function nested(levels: number, asObjects: boolean): unknown {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = asObjects ? { a: value } : [value];
  return value;
}

/** An object whose own key is `__proto__` (JSON.parse makes one; `{ __proto__: … }` would set the prototype instead). */
export function prototypeKeyed(rng: Random): unknown {
  return JSON.parse(`{"${rng.pick(['__proto__', 'constructor', 'prototype'])}": {"polluted": true, "toString": 1}}`);
}

/** A value of a type a field is unlikely to expect, or an extreme of one it does. */
export function hostileValue(rng: Random, depth = 0): unknown {
  switch (rng.int(depth > 2 ? 9 : 12)) {
    case 0: return null;
    case 1: return rng.pick([true, false]);
    case 2: return rng.pick([0, -1, 1.5, -0, 2 ** 53 + 1, 1e308, -1e308, Number.MAX_SAFE_INTEGER, Number.MIN_VALUE, Number.NaN, Infinity]);
    case 3: return rng.text(rng.int(40));
    case 4: return rng.text(rng.pick([1000, 20_000, 200_000]));
    case 5: return '';
    case 6: return rng.pick(['0', 'true', 'null', '{}', '[]', '../../etc/passwd', '%00', '\u0000', 'demo', 'ga']);
    case 7: return rng.int(2) === 0 ? 2n ** 64n - 1n : -(2n ** 63n);
    case 8: return prototypeKeyed(rng);
    case 9: return [hostileValue(rng, depth + 1), hostileValue(rng, depth + 1)];
    case 10: return { x: hostileValue(rng, depth + 1), kind: hostileValue(rng, depth + 1) };
    // Deeper values are written as raw bytes or text (frames.ts, requests.ts): encoders recurse too.
    default: return nested(rng.pick([40, 70, 200]), rng.chance(0.5));
  }
}
