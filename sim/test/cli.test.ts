import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;

function sim(...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'sim/src/main.ts', ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });
}

describe('npm run sim', () => {
  it('prints a summary and, with --json, the report as the last line', () => {
    const html = join(mkdtempSync(join(tmpdir(), 'sim-cli-')), 'report.html');
    const out = sim('--scenario', 'tiny', '--seed', '11', '--fans', '2500', '--json', '--html', html);
    expect(out.status, out.stderr).toBe(0);
    const lines = out.stdout.trimEnd().split('\n');
    const report = JSON.parse(lines.at(-1)!);
    expect(report).toMatchObject({ scenario: 'tiny', seed: 11, fans: 2500, ok: true, oversold: 0 });
    expect(out.stdout).toContain('OK: every invariant holds.');
    // No progress bar when stderr is not a terminal.
    expect(out.stderr).not.toContain('[#');
    // A self-contained page: inline SVG charts, nothing loaded from elsewhere.
    const page = readFileSync(html, 'utf8');
    expect(page.match(/<svg /g)?.length).toBeGreaterThanOrEqual(5);
    expect(page).not.toMatch(/<script|<link|src=/);
  });

  it('overrides any field with --set and refuses bad options with exit code 2', () => {
    const ok = sim('--scenario', 'tiny', '--set', 'event.paymentWindowSec=60', '--set', 'payments.capacityPerSec=2', '--json');
    expect(ok.status, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout.trimEnd().split('\n').at(-1)!).ok).toBe(true);
    expect(sim('--scenario', 'nope').status).toBe(2);
    expect(sim('--set', 'event.nope=1').status).toBe(2);
    expect(sim('--fans', 'many').status).toBe(2);
    expect(sim('--set', 'defences=maybe').status).toBe(2);
    expect(sim('--set', 'identity=unknown').status).toBe(2);
  });
});
