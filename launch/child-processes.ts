/**
 * What every supervisor here does with its children — gateway workers
 * (workers.ts) and engine shards (launch/run-cluster.ts): restart a crashed
 * one after a pause that grows while it keeps crashing, and stop a child
 * politely before killing it. A slot is never given up: a child that crashes
 * on some input must not leave the port (or the partitions) without a server
 * once the input stops coming.
 */
import type { ChildProcess } from 'node:child_process';

export const RESTART_DELAY_MS = 500;
export const MAX_RESTART_DELAY_MS = 30_000;
/** A child that stayed up this long is healthy again: its next crash starts the pauses over. */
const HEALTHY_AFTER_MS = 60_000;

/** The crashes of one slot in a row: each one doubles the pause before the restart, up to MAX_RESTART_DELAY_MS. */
export class RestartBackoff {
  private streak = 0;
  private lastCrash = -Infinity;

  /** Records a crash; returns the pause before restarting. */
  crashed(now = Date.now()): number {
    if (now - this.lastCrash > this.delayMs() + HEALTHY_AFTER_MS) this.streak = 0;
    this.streak++;
    this.lastCrash = now;
    return this.delayMs();
  }

  /** Crashes in a row: more than one means the slot is crash-looping. */
  get crashesInARow(): number {
    return this.streak;
  }

  private delayMs(): number {
    return this.streak === 0 ? 0 : Math.min(MAX_RESTART_DELAY_MS, RESTART_DELAY_MS * 2 ** (this.streak - 1));
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
