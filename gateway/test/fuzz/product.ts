/**
 * The product under attack, started as its users start it: `launch/main.ts`
 * (an engine process and its gateway workers) in a child process, with the
 * figures a robustness check needs — which processes make it up, whether they
 * live, and their resident memory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const PRODUCT_SECRETS = {
  apiKey: 'robustness-api-key-0123456789',
  signingSecret: 'robustness-signing-secret-0123456789',
  webhookSecret: 'robustness-webhook-secret-0123456789',
};

export interface Product {
  readonly port: number;
  readonly engine: ChildProcess;
  /** Everything it printed. */
  readonly output: () => string;
  /** The gateway worker processes now running. */
  workerPids(): number[];
  /** Resident memory of the engine process and of each worker, in bytes. */
  rss(): { engine: number; workers: number[] };
  stop(): Promise<void>;
}

/** The gateway workers forked by `pid` (not its other children, such as esbuild's service). */
function workersOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command (which may hold spaces) start after its closing parenthesis: state, then ppid.
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== pid) continue;
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('launch/worker')) children.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return children;
}

export function rssOf(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match === null ? 0 : Number(match[1]) * 1024;
}

export async function startProduct(options: { port: number; workers: number; startTimeoutMs?: number }): Promise<Product> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'launch/main.ts', '--memory', '--workers', String(options.workers), '--host', '127.0.0.1', '--port', String(options.port), '--no-demo'], {
    cwd: ROOT,
    env: { ...process.env, BREAKWATER_API_KEY: PRODUCT_SECRETS.apiKey, BREAKWATER_SECRET: PRODUCT_SECRETS.signingSecret, BREAKWATER_WEBHOOK_SECRET: PRODUCT_SECRETS.webhookSecret },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the product did not start:\n${output}`)), options.startTimeoutMs ?? 30_000);
    const check = (): void => {
      if (!output.includes('Breakwater is running')) return;
      clearTimeout(timer);
      resolve();
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => reject(new Error(`the product exited (${code}):\n${output}`)));
  });
  const workerPids = () => workersOf(child.pid!);
  return {
    port: options.port,
    engine: child,
    output: () => output,
    workerPids,
    rss: () => ({ engine: rssOf(child.pid!), workers: workerPids().map(rssOf) }),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
