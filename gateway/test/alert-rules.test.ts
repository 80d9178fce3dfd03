/**
 * docs/alerts.yaml, the alert rules of docs/operations.md: valid for
 * Prometheus (`promtool check rules`), each alert firing when it should
 * (`promtool test rules docs/alerts.test.yaml`), every metric they name
 * present in a running gateway's /metrics, and every alert in the
 * operations table. promtool comes with Debian's `prometheus` package
 * (.ci/system-deps.sh installs it): a missing promtool fails, never skips.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startTestGateway, type TestGateway } from './helpers/test-gateway.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const RULES = 'docs/alerts.yaml';
const PROMTOOL = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((path) => existsSync(path));

interface RuleFile {
  groups: Array<{ name: string; rules: Array<{ alert: string; expr: string }> }>;
}
const rules = (parse(readFileSync(`${ROOT}${RULES}`, 'utf8')) as RuleFile).groups.flatMap((group) => group.rules);

async function promtool(...args: string[]): Promise<string> {
  if (PROMTOOL === undefined) throw new Error('promtool not found: install Debian\'s prometheus package (bash .ci/system-deps.sh, or apt-get install -y prometheus)');
  const { stdout, stderr } = await promisify(execFile)(PROMTOOL, args, { cwd: ROOT });
  return stdout + stderr;
}

describe('the alert rules (docs/alerts.yaml)', () => {
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startTestGateway();
  });

  afterAll(async () => {
    await gw?.close();
  });

  it('pass promtool check rules', async () => {
    expect(await promtool('check', 'rules', RULES)).toContain(`SUCCESS: ${rules.length} rules found`);
  });

  it('pass their unit tests (promtool test rules), one at least per alert', async () => {
    expect(await promtool('test', 'rules', 'docs/alerts.test.yaml')).toContain('SUCCESS');
    const tested = new Set([...readFileSync(`${ROOT}docs/alerts.test.yaml`, 'utf8').matchAll(/alertname: (\w+)/g)].map((m) => m[1]));
    for (const { alert } of rules) expect(tested, alert).toContain(alert);
  });

  it('name only metrics a running gateway serves on /metrics', async () => {
    gw.host.publishStats();
    const text = await (await fetch(`${gw.httpUrl}/metrics`)).text();
    const served = new Set([...text.matchAll(/^# TYPE (\S+) (\w+)/gm)].flatMap(([, name, type]) => (type === 'histogram' ? [name!, `${name}_bucket`, `${name}_count`, `${name}_sum`] : [name!])));
    const named = new Set(rules.flatMap(({ expr }) => [...expr.matchAll(/\b(?:breakwater|process|nodejs)_[a-z0-9_]+/g)].map((m) => m[0])));
    expect(named.size).toBeGreaterThan(15);
    for (const name of named) expect(served, `${name} is not in /metrics`).toContain(name);
  });

  it('are the alerts docs/operations.md lists, no more, no fewer', () => {
    const operations = readFileSync(`${ROOT}docs/operations.md`, 'utf8');
    const table = operations.slice(operations.indexOf('## What to monitor and alert on'), operations.indexOf('## What happens when'));
    const documented = new Set([...table.matchAll(/`(Breakwater\w+)`/g)].map((m) => m[1]));
    expect([...documented].sort()).toEqual(rules.map((rule) => rule.alert).sort());
  });
});
