import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ORGANIZER_ROUTES, routeName } from '../src/access/route-roles.js';
import { startTestGateway, type TestGateway } from './helpers/test-gateway.js';

const document = parse(readFileSync(new URL('../../docs/openapi.yaml', import.meta.url), 'utf8')) as {
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, unknown>; responses?: Record<string, unknown>; parameters?: Record<string, unknown> };
};
const HTTP_METHODS = new Set(['get', 'post', 'patch', 'put', 'delete']);

/** `/api/events/:id` and `/api/events/{eventId}` name the same route. */
const shape = (path: string) => path.replace(/:[^/]+|\{[^}]+\}/g, '{}');

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(async () => {
  await gw.close();
});

describe('docs/openapi.yaml', () => {
  it('describes every HTTP route the gateway serves, and nothing it does not', () => {
    const served = gw.server.routes.filter((r) => r.pattern !== '/*').map((r) => shape(routeName(r.method, r.pattern)));
    const documented = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.keys(item).filter((key) => HTTP_METHODS.has(key)).map((method) => `${method.toUpperCase()} ${shape(path)}`));
    expect(served.length).toBeGreaterThan(10);
    expect([...new Set(documented)].sort()).toEqual([...new Set(served)].sort());
  });

  it('has no reference to a component it does not define', () => {
    const refs = [...JSON.stringify(document).matchAll(/"\$ref":"#\/components\/(\w+)\/(\w+)"/g)];
    expect(refs.length).toBeGreaterThan(0);
    const missing = refs.filter(([, kind, name]) => (document.components as Record<string, Record<string, unknown> | undefined>)[kind!]?.[name!] === undefined);
    expect(missing.map(([ref]) => ref)).toEqual([]);
  });

  it('gives every organizer operation the role, events and audit of the one table (gateway/src/access/route-roles.ts)', () => {
    const documented: Record<string, unknown> = {};
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        const access = (operation as { 'x-access'?: { role: string; events: string; audited: boolean } })['x-access'];
        if (!HTTP_METHODS.has(method) || access === undefined) continue;
        documented[`${method.toUpperCase()} ${shape(path)}`] = { role: access.role, events: access.events, audit: access.audited };
      }
    }
    const table = Object.fromEntries(Object.entries(ORGANIZER_ROUTES).map(([route, rule]) => [shape(route), rule]));
    expect(documented).toEqual(table);
  });
});
