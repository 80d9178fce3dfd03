/**
 * `npm run bench:start`: time to ready — from spawning `npm start`'s program
 * to the first 200 from GET /readyz — the way it ran before the build (from
 * source through tsx, pages built and compressed at start) and the way it
 * runs now (compiled dist/, through scripts/start.mjs, site prepared by the
 * build), plus a start that finds dist/ stale and builds it first. The
 * variants take turns in each round, so the machine's load falls on them
 * alike; the median of the rounds is printed per variant. Every start is
 * `--memory --no-demo` with the default workers (one per core), on a free
 * port; npm itself is left out (it adds the same to each).
 *   npm run bench:start -- --runs 5 [--json]
 */
import { spawn, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort } from '../../launch/local-servers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const READY_TIMEOUT_MS = 120_000;

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, json: { type: 'boolean', default: false } } });
const runs = Number(values.runs);

interface Variant {
  name: string;
  command: string[];
  /** Before each start. */
  prepare?: () => void;
}

const VARIANTS: Variant[] = [
  { name: 'before: tsx launch/main.ts', command: [join(ROOT, 'node_modules/.bin/tsx'), 'launch/main.ts'] },
  { name: 'after: node --enable-source-maps scripts/start.mjs (dist fresh)', command: [process.execPath, '--enable-source-maps', 'scripts/start.mjs'] },
  {
    name: 'after, dist stale: the same, building first',
    command: [process.execPath, '--enable-source-maps', 'scripts/start.mjs'],
    prepare: () => rmSync(join(ROOT, 'dist', 'build-stamp.json'), { force: true }),
  },
];

/** Starts the command, polls /readyz every 10 ms until it answers 200; returns the milliseconds, then stops it. */
async function timeToReady(variant: Variant): Promise<number> {
  variant.prepare?.();
  const port = await freePort();
  const [command, ...args] = variant.command;
  const started = performance.now();
  const child = spawn(command!, [...args, '--memory', '--no-demo', '--host', '127.0.0.1', '--port', String(port)], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${variant.name} exited (${child.exitCode}): ${stderr}`);
      if (performance.now() - started > READY_TIMEOUT_MS) throw new Error(`${variant.name} not ready within ${READY_TIMEOUT_MS} ms`);
      const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.status === 200, () => false);
      if (ok) return performance.now() - started;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  } finally {
    // The whole group: tsx runs the program in a child of its own.
    process.kill(-child.pid!, 'SIGTERM');
    const killer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 10_000);
    await exited;
    clearTimeout(killer);
  }
}

// The fresh variant's first start must not be the one that builds.
if (spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'inherit' }).status !== 0) throw new Error('npm run build failed');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const times = VARIANTS.map(() => [] as number[]);
for (let round = 0; round < runs; round++) {
  for (const [i, variant] of VARIANTS.entries()) times[i]!.push(await timeToReady(variant));
}
const results = VARIANTS.map((variant, i) => ({ variant: variant.name, medianMs: Math.round(median(times[i]!)), runsMs: times[i]!.map(Math.round) }));
if (values.json) console.log(JSON.stringify({ runs, results }));
else for (const r of results) console.log(`${r.variant.padEnd(66)} median ${String(r.medianMs).padStart(6)} ms   runs ${r.runsMs.join(', ')}`);
