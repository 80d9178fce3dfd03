/**
 * Loads uWebSockets.js and refuses the silent fallback. The npm mirror we use
 * (@trufflesuite/uws-js-unofficial) falls back to a slow pure-JS server when
 * the native binary does not load for this platform or Node ABI, printing
 * only a warning; a gateway running on it would fall over at a fraction of
 * the load. The native module exports functions the fallback does not
 * (`getParts`, `SSLApp`), which is how we tell them apart.
 */
import { createRequire } from 'node:module';

export type Uws = typeof import('uWebSockets.js');

/** Exported by the native binary only. */
const NATIVE_ONLY_EXPORTS = ['getParts', 'SSLApp', 'App', 'us_listen_socket_close'] as const;

export function isNativeUws(module: unknown): module is Uws {
  if (typeof module !== 'object' && typeof module !== 'function') return false;
  if (module === null) return false;
  return NATIVE_ONLY_EXPORTS.every((name) => typeof (module as Record<string, unknown>)[name] === 'function');
}

export function nativeUwsProblem(): string {
  return [
    'uWebSockets.js loaded its pure-JavaScript fallback instead of the native binary.',
    `This Node.js (${process.version}, ABI ${process.versions.modules}, ${process.platform}-${process.arch}) has no matching binary`,
    'in node_modules/uWebSockets.js/binaries, or UWS_USE_FALLBACK is set. The fallback is far too slow for a gateway,',
    'so Breakwater refuses to start. Use Node.js 20 or 22 on linux/darwin x64/arm64 (or win32 x64) and unset UWS_USE_FALLBACK.',
  ].join('\n');
}

let loaded: Uws | undefined;

/** The native uWebSockets.js module; throws with an explanation when only the fallback is available. */
export function loadNativeUws(): Uws {
  if (loaded !== undefined) return loaded;
  const module: unknown = createRequire(import.meta.url)('uWebSockets.js');
  if (!isNativeUws(module)) throw new Error(nativeUwsProblem());
  loaded = module;
  return module;
}
