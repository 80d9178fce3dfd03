/**
 * What every supervisor here does with its children — gateway workers
 * (workers.ts) and engine shards (cluster/run-cluster.ts): restart a crashed
 * one after a pause, give a slot up when it keeps crashing, and stop a child
 * politely before killing it.
 */
import type { ChildProcess } from 'node:child_process';

export const RESTART_DELAY_MS = 500;
/** A slot whose child crashes this often within a minute is given up. */
const MAX_RESTARTS_PER_MINUTE = 5;

/** The crashes of one slot in the last minute; `record` says whether it may be restarted once more. */
export class RestartBudget {
  private crashes: number[] = [];

  record(now = Date.now()): boolean {
    this.crashes = [...this.crashes.filter((at) => now - at < 60_000), now];
    return this.crashes.length <= MAX_RESTARTS_PER_MINUTE;
  }
}

/** Asks a child to stop (`ask`), kills it if it has not exited within `timeoutMs`, and waits for the exit. */
export function stopChild(child: ChildProcess | undefined, ask: (child: ChildProcess) => void, timeoutMs: number): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    ask(child);
  });
}
