/**
 * The fan protocol for browsers and sim/: message types, the static msgpackr
 * encoding, queue math, the proof of work and close codes. Nothing here
 * imports Node modules; pages bundle it with esbuild (see docs/protocol.md).
 */
export * from './messages.js';
export * from './queue-math.js';
export * from './pow.js';
export * from './account.js';
export { sha256Hex } from './sha256.js';
export { CLOSE_CODES } from './close-codes.js';
