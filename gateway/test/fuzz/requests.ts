/**
 * Hostile HTTP requests over every route of docs/openapi.yaml (kept in step
 * with the routes served by gateway/test/openapi.test.ts): deep nesting, huge
 * numbers, wrong types, prototype keys, very long strings and headers, bodies
 * that trickle or stall, and duplicate lengths; with the right key or
 * signature, a wrong one, or none.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { signWebhook } from '../../../engine/host/notify/webhook-signature.js';
import { head, type RawRequest } from './raw-http.js';
import type { Random } from './random.js';
import { hostileValue } from './values.js';

export interface Route {
  method: string;
  /** With `{name}` parameters. */
  path: string;
}

export const ROUTES: readonly Route[] = (() => {
  const document = parse(readFileSync(new URL('../../../docs/openapi.yaml', import.meta.url), 'utf8')) as { paths: Record<string, Record<string, unknown>> };
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.keys(item).filter((key) => ['get', 'post', 'patch', 'put', 'delete'].includes(key)).map((method) => ({ method: method.toUpperCase(), path })));
})();

export const BODY_KINDS = ['deep', 'hugeNumbers', 'wrongTypes', 'prototypeKeys', 'longStrings', 'notJson', 'empty'] as const;
export const MODES = ['whole', 'slow', 'stalled', 'duplicateLength', 'longHeader'] as const;

export interface RequestContext {
  eventId: string;
  apiKey: string;
  webhookSecret: string;
}

export interface HostileRequest extends RawRequest {
  /** What it is, for the report of a failure. */
  label: string;
}

/** A path parameter: the honest fans' event only when the request cannot be an organizer's (who may close it at will). */
function param(rng: Random, context: RequestContext, organizer: boolean): string {
  const ids = ['demo', 'no-such-event', rng.text(8), 'x'.repeat(rng.pick([200, 5000])), ...(organizer ? [] : [context.eventId])];
  return encodeURIComponent(rng.pick(ids)).replace(/%25/g, rng.pick(['%25', '%']));
}

/** JSON text with bigints written as bare numbers (JSON.stringify cannot). */
function jsonText(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? `__big${item}__` : item))?.replace(/"__big(-?\d+)__"/g, '$1') ?? 'null';
}

function body(rng: Random, kind: (typeof BODY_KINDS)[number], context: RequestContext): string {
  const template: Record<string, unknown> = {
    config: { id: `fuzz-${rng.int(1e6)}`, name: 'Fuzz', maxTicketsPerFan: 2, inventory: { tiers: [{ id: 'ga', name: 'GA', price: 1, quantity: 5 }] } },
    settings: {}, publish: false, holdId: 'h1', paymentId: 'p1', reason: 'r', decision: 'approve', count: 3, uses: 1, ticketCap: 2,
    type: 'payment.succeeded', data: { eventId: context.eventId, holdId: 'h1', paymentId: 'p1' },
  };
  switch (kind) {
    case 'deep': {
      const levels = rng.pick([33, 100, 3300, 20_000]);
      const [open, close] = rng.chance(0.5) ? ['[', ']'] : ['{"a":', '}'];
      return `{"${rng.pick(['config', 'settings', 'data'])}":${open.repeat(levels)}1${close.repeat(levels)}}`;
    }
    case 'hugeNumbers':
      return `{"config":{"id":"n","maxTicketsPerFan":${rng.pick(['1e999', '-1e999', '123456789012345678901234567890', '1e-999', '-0'])},"paymentWindowMs":${rng.pick(['1e308', '9007199254740993'])}},"count":1e9}`;
    case 'wrongTypes': {
      const keys = Object.keys(template);
      for (let n = 1 + rng.int(3); n > 0; n--) template[rng.pick(keys)] = hostileValue(rng);
      return jsonText(template);
    }
    case 'prototypeKeys':
      return `{"${rng.pick(['settings', 'config', 'data'])}":{"${rng.pick(['__proto__', 'constructor', 'prototype'])}":{"polluted":true}},"__proto__":{"isAdmin":true}}`;
    case 'longStrings':
      return jsonText({ ...template, holdId: 'h'.repeat(rng.pick([129, 100_000])), config: { id: rng.text(2000), name: rng.text(100_000) } });
    case 'notJson':
      return rng.pick(['{', '{"config":', 'nul', '\u0000\u0001', '[1,2', rng.text(50)]);
    default:
      return '';
  }
}

export function hostileRequest(rng: Random, context: RequestContext): HostileRequest {
  const route = rng.pick(ROUTES);
  const auth = rng.int(4);
  const path = route.path.replace(/\{[^}]+\}/g, () => param(rng, context, auth < 2)) + (rng.chance(0.2) ? `?offset=${rng.pick(['-1', '1e99', 'x'])}&limit=${rng.pick(['0', '99999999'])}` : '');
  const kind = rng.pick(BODY_KINDS);
  const mode = rng.pick(MODES);
  const text = route.method === 'GET' && rng.chance(0.7) ? '' : body(rng, kind, context);
  const bytes = new TextEncoder().encode(text);
  // One request per connection: the answer ends it, so nothing waits on a kept-alive connection.
  const headers: Record<string, string | string[]> = { connection: 'close', 'content-type': rng.pick(['application/json', 'text/csv', 'text/plain', '']) };
  if (auth < 2) headers.authorization = `Bearer ${context.apiKey}`;
  else if (auth === 2) headers.authorization = rng.pick(['Bearer', 'Bearer wrong', `Basic ${context.apiKey}`, `Bearer ${'k'.repeat(3000)}`]);
  if (route.path.startsWith('/webhooks')) {
    headers['breakwater-signature'] = rng.chance(0.5) ? signWebhook(context.webhookSecret, bytes, Date.now()) : rng.pick(['', 't=1,v1=00', 'v1=zz', 't=abc', ',,,=']);
  }
  if (mode === 'longHeader') headers[rng.pick(['x-long', 'cookie', 'x-forwarded-for'])] = 'a'.repeat(rng.pick([4000, 16_000, 60_000]));
  headers['content-length'] = mode === 'duplicateLength' ? [String(bytes.length), rng.pick(['0', '1', String(bytes.length)])] : String(bytes.length);
  const label = `${route.method} ${route.path} body=${kind} mode=${mode} auth=${auth}`;
  const request: HostileRequest = { label, head: head(route.method, path, headers), body: bytes, timeoutMs: 3000 };
  if (mode === 'slow') Object.assign(request, { chunks: 5, gapMs: 20 });
  if (mode === 'stalled') Object.assign(request, { stallAfter: Math.floor(bytes.length / 2), holdMs: 100 });
  return request;
}
