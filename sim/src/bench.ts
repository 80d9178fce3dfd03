/**
 * npm run bench:sim -- [--arena-runs N] [--stadium-runs N] [--json]
 * Runs the arena and stadium scenarios, each in a fresh process, and prints
 * wall time, CPU time and peak memory against the targets. Not a test: it
 * exits 1 only if a run breaks an invariant; missed targets are reported.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Report } from './report/build.js';

const TARGETS = { arena: { wallSec: 20 }, stadium: { wallSec: 90 }, peakMB: 2048 };
const root = fileURLToPath(new URL('../../', import.meta.url));

interface Run {
  scenario: string;
  ok: boolean;
  failures: string[];
  wallSec: number;
  cpuSec: number;
  peakHeapMB: number;
  peakRssMB: number;
  ticketsSold: number;
  simEventsPerSec: number;
  timings: Report['timings'];
}

function runOnce(scenario: string): Run {
  const started = performance.now();
  const child = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', 'sim/src/main.ts', '--scenario', scenario, '--json', '--no-progress'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const wallSec = (performance.now() - started) / 1000;
  const last = child.stdout.trimEnd().split('\n').at(-1) ?? '';
  let report: Report & { cpuSec: number };
  try {
    report = JSON.parse(last) as Report & { cpuSec: number };
  } catch {
    throw new Error(`${scenario}: no JSON report (exit ${child.status}, signal ${child.signal})\n${child.stderr.slice(-2000)}`);
  }
  return {
    scenario,
    ok: report.ok,
    failures: report.failures,
    wallSec: Math.round(wallSec * 100) / 100,
    cpuSec: report.cpuSec,
    peakHeapMB: report.peakHeapMB,
    peakRssMB: report.peakRssMB,
    ticketsSold: report.ticketsSold,
    simEventsPerSec: report.simEventsPerSec,
    timings: report.timings,
  };
}

function parse(argv: readonly string[]): { arena: number; stadium: number; json: boolean } {
  const opts = { arena: 3, stadium: 1, json: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--json') opts.json = true;
    else if (arg === '--arena-runs' || arg === '--stadium-runs') {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 0) throw new Error(`${arg} needs a whole number`);
      opts[arg === '--arena-runs' ? 'arena' : 'stadium'] = n;
    } else throw new Error(`unknown option ${arg}\nUsage: npm run bench:sim -- [--arena-runs N] [--stadium-runs N] [--json]`);
  }
  return opts;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] ?? 0;

function main(): number {
  const opts = parse(process.argv.slice(2));
  const runs: Run[] = [];
  const plan = [...Array<string>(opts.arena).fill('arena'), ...Array<string>(opts.stadium).fill('stadium')];
  for (const [i, scenario] of plan.entries()) {
    process.stderr.write(`run ${i + 1}/${plan.length}: ${scenario} …\n`);
    const run = runOnce(scenario);
    runs.push(run);
    process.stdout.write(
      `${scenario.padEnd(8)} wall ${run.wallSec.toFixed(1).padStart(6)} s  cpu ${run.cpuSec.toFixed(1).padStart(6)} s  ` +
        `(simulate ${run.timings.simulateSec} s, check ${run.timings.checkSec} s)  peak heap ${run.peakHeapMB} MB, rss ${run.peakRssMB} MB  ${run.ok ? 'ok' : 'FAILED'}\n`,
    );
  }
  const summary: Record<string, unknown> = {};
  let withinTargets = true;
  for (const scenario of ['arena', 'stadium'] as const) {
    const mine = runs.filter((r) => r.scenario === scenario);
    if (mine.length === 0) continue;
    const wall = median(mine.map((r) => r.wallSec));
    const cpu = median(mine.map((r) => r.cpuSec));
    const peakRss = Math.max(...mine.map((r) => r.peakRssMB));
    const peakHeap = Math.max(...mine.map((r) => r.peakHeapMB));
    const wallOk = wall < TARGETS[scenario].wallSec;
    const memOk = peakRss < TARGETS.peakMB;
    withinTargets &&= wallOk && memOk;
    summary[scenario] = { runs: mine.length, medianWallSec: wall, medianCpuSec: cpu, peakHeapMB: peakHeap, peakRssMB: peakRss, wallTargetSec: TARGETS[scenario].wallSec, wallOk, memOk };
    process.stdout.write(
      `${scenario}: median wall ${wall} s (target < ${TARGETS[scenario].wallSec} s: ${wallOk ? 'met' : 'MISSED'}), median cpu ${cpu} s, ` +
        `peak rss ${peakRss} MB (target < ${TARGETS.peakMB} MB: ${memOk ? 'met' : 'MISSED'})\n`,
    );
  }
  const allOk = runs.every((r) => r.ok);
  if (!allOk) for (const r of runs.filter((x) => !x.ok)) process.stdout.write(`${r.scenario} FAILED: ${r.failures.join('; ')}\n`);
  if (opts.json) process.stdout.write(`${JSON.stringify({ runs, summary, targets: TARGETS, withinTargets, ok: allOk })}\n`);
  return allOk ? 0 : 1;
}

process.exitCode = main();
