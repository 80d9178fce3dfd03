/**
 * Starts Debian's redis-server and nats-server on free ports of 127.0.0.1,
 * each with its data in its own directory: for `npm run cluster` when no URLs
 * are given, for the failover tests (which kill and restart them) and for
 * `npm run bench:cluster`. Redis runs with an append-only file synced on every
 * write, so an acknowledged write survives a kill; NATS runs with JetStream on
 * file storage, so the lease bucket survives a restart.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { connect as tcpConnect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface LocalServer {
  readonly name: 'redis' | 'nats';
  readonly port: number;
  readonly url: string;
  /** Where it keeps its data (survives restarts). */
  readonly dir: string;
  /** Stops it and waits for the exit (SIGTERM: Redis flushes its AOF, NATS its streams). */
  stop(): Promise<void>;
  /** kill -9 and wait for the exit. */
  kill(): Promise<void>;
  /** Starts it again on the same port with the same data. */
  start(): Promise<void>;
  readonly running: boolean;
  /** The process running now (a restart runs another). */
  readonly pid: number | undefined;
}

const START_TIMEOUT_MS = 10_000;

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function binary(name: string, candidates: string[]): string {
  for (const path of candidates) if (existsSync(path)) return path;
  return name; // on PATH, or spawn reports ENOENT
}

export async function startRedisServer(options: { port?: number; dir?: string } = {}): Promise<LocalServer> {
  const port = options.port ?? (await freePort());
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'breakwater-redis-'));
  const args = [
    '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '',
    '--appendonly', 'yes', '--appendfsync', 'always', '--protected-mode', 'no', '--daemonize', 'no', '--loglevel', 'warning',
  ];
  return managed('redis', binary('redis-server', ['/usr/bin/redis-server']), args, port, `redis://127.0.0.1:${port}`, dir);
}

export async function startNatsServer(options: { port?: number; dir?: string } = {}): Promise<LocalServer> {
  const port = options.port ?? (await freePort());
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'breakwater-nats-'));
  // The organizer's journal read of a big sale is one reply: allow the largest message NATS permits.
  const config = join(dir, 'nats.conf');
  writeFileSync(config, 'max_payload: 64MB\n');
  const args = ['-c', config, '-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir];
  return managed('nats', binary('nats-server', ['/usr/sbin/nats-server', '/usr/bin/nats-server']), args, port, `nats://127.0.0.1:${port}`, dir);
}

async function managed(name: 'redis' | 'nats', command: string, args: string[], port: number, url: string, dir: string): Promise<LocalServer> {
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  const start = async (): Promise<void> => {
    if (child !== undefined) return;
    const proc = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    proc.stderr?.on('data', (chunk: Buffer) => {
      if (stderr.length < 4096) stderr += chunk.toString();
    });
    child = proc;
    // A server started here never outlives this process, however it ends.
    const reap = (): void => void proc.kill('SIGKILL');
    process.once('exit', reap);
    exited = new Promise((resolve) => proc.once('exit', () => {
      process.off('exit', reap);
      resolve();
    }));
    void exited.then(() => {
      if (child === proc) child = undefined;
    });
    const failed = new Promise<never>((_, reject) => {
      proc.once('error', (err) => reject(new Error(`cannot start ${command}: ${err.message}`)));
      proc.once('exit', (code) => reject(new Error(`${command} exited (${code}) on start: ${stderr.trim()}`)));
    });
    failed.catch(() => undefined);
    await Promise.race([waitForPort(port, START_TIMEOUT_MS), failed]);
  };

  const signal = async (sig: NodeJS.Signals): Promise<void> => {
    const proc = child;
    if (proc === undefined) return;
    proc.kill(sig);
    await exited;
  };

  await start();
  return {
    name, port, url, dir,
    start,
    stop: () => signal('SIGTERM'),
    kill: () => signal('SIGKILL'),
    get running() {
      return child !== undefined;
    },
    get pid() {
      return child?.pid;
    },
  };
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = tcpConnect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on port ${port} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
