/**
 * Hostile fan frames: for every client message type of the protocol, random
 * bytes, truncated messages, type-confused fields, oversized frames, deep
 * nesting, extreme numbers, long strings and prototype keys.
 */
import { CLIENT_FIELDS, encodeValue, PROTOCOL_VERSION } from '../../src/protocol/index.js';
import type { Random } from './random.js';
import { hostileValue } from './values.js';

export const FRAME_KINDS = ['random', 'truncated', 'typeConfused', 'oversized', 'deep', 'text', 'wellFormed'] as const;
export type FrameKind = (typeof FRAME_KINDS)[number];

export const MESSAGE_TYPES = Object.keys(CLIENT_FIELDS) as Array<keyof typeof CLIENT_FIELDS>;

export interface FrameContext {
  /** An event honest fans are in: some frames name it. */
  eventId: string;
  maxPayloadBytes: number;
}

/** A plausible message of `type`, each field a plausible value. */
function plausible(rng: Random, type: keyof typeof CLIENT_FIELDS, context: FrameContext): Record<string, unknown> {
  const message: Record<string, unknown> = { t: type };
  for (const field of CLIENT_FIELDS[type]) {
    message[field] = field === 'rid' ? rng.int(1000) : field === 'v' ? PROTOCOL_VERSION : field === 'eventId' ? context.eventId
      : field === 'request' ? { kind: rng.pick(['tickets', 'seats', 'best']), tierId: 'ga', quantity: 1 + rng.int(4) }
      : field === 'clientTime' ? Date.now() : `fuzz-${rng.int(1_000_000)}`;
  }
  return message;
}

/** msgpack bytes of arrays (0x91) or one-key maps (0x81 "a") nested `levels` deep, written flat. */
function deepBytes(levels: number, asMaps: boolean): Uint8Array {
  const unit = asMaps ? [0x81, 0xa1, 0x61] : [0x91];
  const out = new Uint8Array(levels * unit.length + 1);
  for (let i = 0; i < levels; i++) out.set(unit, i * unit.length);
  out[out.length - 1] = 0x01;
  return out;
}

export function hostileFrame(rng: Random, context: FrameContext, kind: FrameKind = rng.pick(FRAME_KINDS)): Uint8Array | string {
  const type = rng.pick(MESSAGE_TYPES);
  const message = plausible(rng, type, context);
  switch (kind) {
    case 'random':
      return rng.bytes(1 + rng.int(256));
    case 'truncated': {
      const bytes = encodeValue(message);
      return bytes.subarray(0, rng.int(bytes.length));
    }
    case 'typeConfused': {
      const fields = ['t', ...CLIENT_FIELDS[type]];
      for (let n = 1 + rng.int(2); n > 0; n--) message[rng.pick(fields)] = hostileValue(rng);
      if (rng.chance(0.2)) message[rng.pick(['__proto__', 'constructor', 'extra'])] = hostileValue(rng);
      const bytes = encodeValue(message);
      // Too large for one frame: kept in bounds so the frame reaches the checks (the oversized kind covers the rest).
      return bytes.length > context.maxPayloadBytes ? bytes.subarray(0, context.maxPayloadBytes) : bytes;
    }
    case 'oversized':
      return rng.chance(0.5) ? new Uint8Array(context.maxPayloadBytes + 1 + rng.int(context.maxPayloadBytes * 2)) : encodeValue({ ...message, fanId: 'x'.repeat(context.maxPayloadBytes) });
    case 'deep':
      return deepBytes(rng.pick([100, 3300, Math.floor(context.maxPayloadBytes / 3)]), rng.chance(0.5));
    case 'text':
      return rng.text(1 + rng.int(100));
    default:
      return encodeValue(message);
  }
}
