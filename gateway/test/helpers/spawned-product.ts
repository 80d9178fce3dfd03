/**
 * The product as its users start it — `launch/main.ts` or
 * `launch/cluster.ts` in a child process on 127.0.0.1 with fixed
 * secrets — for the tests that kill and restart its processes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { eventually } from './test-gateway.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface SpawnedProduct {
  readonly process: ChildProcess;
  /** Everything it printed so far, stdout and stderr. */
  readonly output: string;
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

/**
 * `npm start` keeps its events under ./data by default: a test that gives no
 * --data-dir runs it with --memory, so nothing lands in the checkout.
 */
export async function spawnProduct(entry: string, args: string[], options: { port: number; apiKey: string; startTimeoutMs?: number; env?: Record<string, string> }): Promise<SpawnedProduct> {
  const storage = entry === 'launch/main.ts' && !args.includes('--data-dir') ? ['--memory'] : [];
  const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args, ...storage, '--host', '127.0.0.1', '--port', String(options.port), '--no-demo'], {
    cwd: ROOT,
    env: { ...process.env, BREAKWATER_API_KEY: options.apiKey, BREAKWATER_SECRET: 'spawned-signing-secret-0123456789', BREAKWATER_WEBHOOK_SECRET: 'spawned-webhook-secret-0123', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await eventually(() => expect(output).toContain('Breakwater is running'), options.startTimeoutMs ?? 60_000);
  return {
    process: child,
    get output() {
      return output;
    },
    async api(method, path, body) {
      const response = await fetch(`http://127.0.0.1:${options.port}${path}`, {
        method, headers: { authorization: `Bearer ${options.apiKey}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, body: await response.json() };
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
