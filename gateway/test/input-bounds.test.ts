/**
 * The bounds on what a request may carry: JSON bodies measured before they
 * are parsed, requests measured before they cross a process (a deep one used
 * to overflow the stack of the process that decoded it), a log that cannot be
 * flooded.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { IpcEngineLink, type IpcMessage } from '../../engine/link/ipc.js';
import { MAX_WIRE_DEPTH, nestingDepth } from '../../engine/link/wire-bounds.js';
import { jsonDepth, MAX_JSON_DEPTH, parseJsonBody } from '../src/http/json-body.js';
import { throttledLog } from '../../engine/link/throttled-log.js';
import { nested } from './fuzz/values.js';

const text = (s: string) => new TextEncoder().encode(s);

describe('JSON bodies', () => {
  it('measures nesting without recursion, skipping brackets inside strings and escapes', () => {
    expect(jsonDepth(text('{"a":[1,{"b":[]}]}'))).toBe(4);
    expect(jsonDepth(text('{"a":"[[[[\\"[[[","b":"\\\\"}'))).toBe(1);
    expect(jsonDepth(text('['.repeat(1_000_000)))).toBe(1_000_000);
  });

  it('parses bodies within the limits and refuses the rest with MALFORMED_COMMAND', () => {
    expect(parseJsonBody(text(''))).toEqual({});
    expect(parseJsonBody(text(JSON.stringify(nested(MAX_JSON_DEPTH - 1, true))))).toEqual(nested(MAX_JSON_DEPTH - 1, true));
    expect(() => parseJsonBody(text('['.repeat(100_000)))).toThrow(expect.objectContaining({ code: 'MALFORMED_COMMAND', details: { field: 'body', reason: `is nested deeper than ${MAX_JSON_DEPTH} levels` } }));
    expect(() => parseJsonBody(text('{"a":'))).toThrow(expect.objectContaining({ code: 'MALFORMED_COMMAND', details: { field: 'body', reason: 'must be JSON' } }));
    expect(() => parseJsonBody(text('{"a":{"b":{"constructor":{"x":1}}}}'))).toThrow(expect.objectContaining({ details: { field: 'constructor', reason: 'is a forbidden key' } }));
    // Only keys: the same words as values, or in arrays, are data.
    expect(parseJsonBody(text('{"name":"__proto__","list":["constructor"]}'))).toEqual({ name: '__proto__', list: ['constructor'] });
  });
});

describe('requests between processes', () => {
  it('measures nesting without recursion, bytes as one value', () => {
    expect(nestingDepth({ a: [1, { b: new Uint8Array(4) }] })).toBe(3);
    expect(nestingDepth(nested(100_000, false))).toBeGreaterThan(MAX_WIRE_DEPTH);
  });

  it('refuses a request nested too deeply before it is sent, and sends the others', async () => {
    const sent: IpcMessage[][] = [];
    const end = Object.assign(new EventEmitter(), { connected: true, send: (batch: unknown) => sent.push(batch as IpcMessage[]) > 0 });
    const link = new IpcEngineLink(end);
    const deep = link.execute({ op: 'createEvent', config: nested(5000, true), publish: false, settings: {} });
    await expect(deep).rejects.toMatchObject({ code: 'MALFORMED_COMMAND', details: { field: 'request' } });
    void link.execute({ op: 'createEvent', config: nested(MAX_WIRE_DEPTH - 2, true), publish: false, settings: {} }).catch(() => undefined);
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent.flat().map((message) => message.k)).toEqual(['req']);
    await link.close();
  });
});

describe('the throttled log', () => {
  it('lets a number of lines a minute through, counts the rest, and says so on the next line that goes out', () => {
    const lines: string[] = [];
    let now = 0;
    const log = throttledLog((line) => lines.push(line), 3, () => now);
    for (let i = 0; i < 10; i++) log(`line ${i}`);
    expect(lines).toEqual(['line 0', 'line 1', 'line 2']);
    expect(log.suppressed).toBe(7);
    now = 60_000;
    log('later');
    expect(lines.at(-1)).toBe('later (7 earlier log lines left out: over 3 a minute)');
    log('after');
    expect(lines.at(-1)).toBe('after');
  });
});
