import { runInProcess, type InProcessOptions } from './drivers/in-process.js';
import { buildReport, type Report } from './report/build.js';
import type { RunOutput } from './report/run-output.js';
import type { Scenario } from './scenario/types.js';

export type { Report } from './report/build.js';

/** Runs a scenario (in-process, on simulated time) and builds its report. */
export function simulate(scenario: Scenario, options: InProcessOptions = {}): { report: Report; output: RunOutput } {
  const output = runInProcess(scenario, options);
  return { report: buildReport(output), output };
}
