import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { isNativeUws, loadNativeUws, nativeUwsProblem } from '../src/native-uws.js';

const require = createRequire(import.meta.url);

describe('refusing the pure-JS uWebSockets.js fallback', () => {
  it('recognizes the native module', () => {
    expect(isNativeUws(loadNativeUws())).toBe(true);
  });

  it('recognizes the fallback the mirror silently loads when the binary does not', () => {
    const fallback: unknown = require('uWebSockets.js/dist/index.js');
    expect(typeof (fallback as { App?: unknown }).App).toBe('function');
    expect(isNativeUws(fallback)).toBe(false);
  });

  it('refuses anything without the native-only exports', () => {
    expect(isNativeUws(undefined)).toBe(false);
    expect(isNativeUws({ App: () => undefined, SSLApp: () => undefined })).toBe(false);
    expect(isNativeUws({ App: () => undefined, getParts: () => undefined })).toBe(false);
  });

  it('explains what to do', () => {
    expect(nativeUwsProblem()).toMatch(/fallback.*refuses to start/s);
    expect(nativeUwsProblem()).toContain(process.version);
  });
});
