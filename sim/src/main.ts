/**
 * npm run sim -- [options]: a flash on-sale in simulated time against the
 * engine in this process, with a report and every invariant checked.
 */
import { writeFileSync } from 'node:fs';
import { SCENARIOS } from '../scenarios/index.js';
import { parseArgs, USAGE, type CliOptions } from './cli/args.js';
import { renderHtml } from './report/html.js';
import { Progress } from './report/progress.js';
import { formatReport } from './report/text.js';
import { simulate } from './run.js';
import { LoadRefusedError } from './live/door-refusals.js';
import { parseLiveUrl, runLive, type LiveRunOutput } from './live/driver.js';
import { buildLiveReport, formatLive } from './live/report.js';

async function live(opts: CliOptions): Promise<number> {
  try {
    parseLiveUrl(opts.live!);
    if (opts.apiKey === undefined) throw new Error('--live needs the organizer API key: BREAKWATER_API_KEY or --api-key');
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 2;
  }
  const notice = (line: string) => void process.stderr.write(`${line}\n`);
  const log = opts.progress ? notice : undefined;
  let run: LiveRunOutput;
  try {
    run = await runLive(opts.scenario, { url: opts.live!, apiKey: opts.apiKey!, timeScale: opts.timeScale, procs: opts.procs, webhookSecret: opts.webhookSecret, log, notice });
  } catch (err) {
    if (!(err instanceof LoadRefusedError)) throw err;
    // The door refused the load: the counts and the addresses to exempt, and exit 3.
    process.stderr.write(`${err.message}\n`);
    if (opts.json) process.stdout.write(`${JSON.stringify({ ok: false, refused: err.refusals.toJSON(), exemptIps: err.addresses, ...err.progress })}\n`);
    return 3;
  }
  const report = buildLiveReport(run, opts.live!, { expectFaults: opts.expectFaults });
  if (opts.html !== undefined) writeFileSync(opts.html, renderHtml(report, run));
  process.stdout.write(`${formatReport(report)}\n${formatLive(report)}\n`);
  if (opts.html !== undefined) process.stdout.write(`HTML report: ${opts.html}\n`);
  if (opts.json) process.stdout.write(`${JSON.stringify(report)}\n`);
  return report.ok ? 0 : 1;
}

function main(argv: readonly string[]): number | Promise<number> {
  let opts: CliOptions;
  try {
    opts = parseArgs(argv);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (opts.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (opts.list) {
    for (const s of Object.values(SCENARIOS)) process.stdout.write(`${s.name.padEnd(18)} ${s.description}\n`);
    return 0;
  }
  if (opts.live !== undefined) return live(opts);
  const progress = opts.progress ? new Progress() : undefined;
  const { report, output } = simulate(opts.scenario, { progress, viaExecute: opts.viaExecute, journal: opts.journal });
  if (opts.html !== undefined) writeFileSync(opts.html, renderHtml(report, output));
  process.stdout.write(`${formatReport(report)}\n`);
  if (opts.html !== undefined) process.stdout.write(`HTML report: ${opts.html}\n`);
  if (opts.json) process.stdout.write(`${JSON.stringify(report)}\n`);
  return report.ok ? 0 : 1;
}

const code = main(process.argv.slice(2));
if (typeof code === 'number') process.exitCode = code;
else {
  code.then(
    (c) => process.exit(c),
    (err: unknown) => {
      process.stderr.write(`live run failed: ${(err as Error).stack ?? String(err)}\n`);
      process.exit(1);
    },
  );
}
