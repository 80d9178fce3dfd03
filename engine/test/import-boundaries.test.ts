/**
 * The homes of the three programs (docs/architecture.md): every import in the
 * repo — static, dynamic, `export … from`, `import type` — is checked against
 * the lines between them.
 *
 * - engine/src, the pure core, imports nothing outside engine/src.
 * - The rest of engine/ (host, link, shard, stores, and its tests, benches,
 *   demo) imports nothing from gateway/ or sim/; its program code nothing from
 *   launch/ either (its tests and benches may start the local servers).
 * - gateway/src reaches the engine only through its public entries (the
 *   core's engine/src/index.ts and its browser-safe types engine/src/browser.ts,
 *   the host's engine/host/index.ts) and the link
 *   (engine/link/), and imports nothing
 *   from launch/. The pages may also bundle the draw's pure code
 *   (engine/src/fairness/) to re-run a draw in the browser.
 * - launch/ (every program's entry) may import anything; tests of the gateway
 *   and sim/ are not programs and are not checked.
 *
 * No import crosses a line: the fork channel and the cluster's codec carry
 * the gateway's messages without typing them (engine/link/ipc.ts, wire.ts).
 */
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Why importing `to` from `from` crosses a line, or undefined when it does not (both repo-relative). */
function crossing(from: string, to: string): string | undefined {
  const under = (path: string, dir: string) => path.startsWith(`${dir}/`);
  if (under(from, 'engine/src') && !under(to, 'engine/src')) return 'engine/src imports nothing outside itself';
  if (under(from, 'engine')) {
    if (under(to, 'gateway') || under(to, 'sim')) return 'engine/ imports nothing from gateway/ or sim/';
    const programCode = !['test', 'bench', 'demo', 'bin'].some((dir) => under(from, `engine/${dir}`));
    if (programCode && under(to, 'launch')) return "the engine's code imports nothing from launch/";
  }
  if (under(from, 'gateway/src') || under(from, 'gateway/pages')) {
    if (under(to, 'launch')) return 'the gateway imports nothing from launch/';
    const publicEntry = ['engine/src/index.ts', 'engine/src/browser.ts', 'engine/host/index.ts'].includes(to) || under(to, 'engine/link');
    const drawCheck = under(from, 'gateway/pages') && under(to, 'engine/src/fairness');
    if (under(to, 'engine') && !publicEntry && !drawCheck) return 'the gateway reaches the engine only through its public entries (engine/src/index.ts, engine/src/browser.ts, engine/host/index.ts) and engine/link/';
  }
  return undefined;
}

/** Every relative import of every source file: [importer, imported file], repo-relative, .js specifiers read as their .ts. */
function repoImports(): Array<[string, string]> {
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.ts', '*.mts', '*.mjs'], { cwd: ROOT, encoding: 'utf8' })
    .split('\n').filter(Boolean);
  return files.flatMap((file) => {
    const { importedFiles } = ts.preProcessFile(readFileSync(posix.join(ROOT, file), 'utf8'), true, true);
    return importedFiles.filter(({ fileName }) => fileName.startsWith('.'))
      .map(({ fileName }): [string, string] => [file, posix.join(posix.dirname(file), fileName).replace(/\.js$/, '.ts').replace(/\.mjs$/, '.mts')]);
  });
}

describe('import boundaries between the engine, the gateway and the launchers', () => {
  const crossings = new Map<string, string>();
  for (const [from, to] of repoImports()) {
    const why = crossing(from, to);
    if (why) crossings.set(`${from} → ${to}`, why);
  }

  it('no import crosses a line', () => {
    expect([...crossings].map(([pair, why]) => `${pair}: ${why}`)).toEqual([]);
  });

  it('sees the imports it checks, and tells a crossing from an allowed import', () => {
    const pairs = new Set(repoImports().map(([from, to]) => `${from} → ${to}`));
    expect(pairs).toContain('engine/host/engine-host.ts → engine/link/types.ts');
    expect(pairs).toContain('launch/main.ts → engine/host/engine-host.ts');
    expect(crossing('engine/src/engine.ts', 'engine/stores/durable-store.ts')).toBeDefined();
    expect(crossing('engine/host/engine-host.ts', 'gateway/src/server.ts')).toBeDefined();
    expect(crossing('engine/link/ipc.ts', 'gateway/src/protection/door-exchange.ts')).toBeDefined();
    expect(crossing('engine/shard/shard.ts', 'launch/local-servers.ts')).toBeDefined();
    expect(crossing('gateway/src/server.ts', 'engine/host/engine-host.ts')).toBeDefined();
    expect(crossing('gateway/src/server.ts', 'engine/src/door/subnet.ts')).toBeDefined();
    expect(crossing('gateway/src/server.ts', 'launch/workers.ts')).toBeDefined();
    expect(crossing('gateway/src/server.ts', 'engine/src/index.ts')).toBeUndefined();
    expect(crossing('gateway/src/server.ts', 'engine/link/types.ts')).toBeUndefined();
    expect(crossing('engine/test/stores/redis-fixture.ts', 'launch/local-servers.ts')).toBeUndefined();
    expect(crossing('launch/main.ts', 'gateway/src/server.ts')).toBeUndefined();
  });
});
