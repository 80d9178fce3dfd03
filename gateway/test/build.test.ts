/**
 * The build (#22): `npm run build`, then `npm start` with the production
 * dependencies only, on a copy of the checkout in a temporary directory —
 * `npm ci && npm run build && npm prune --omit=dev && npm start` without the
 * network: the copy's node_modules is first the installed one, then only the
 * packages package-lock.json does not mark dev (linked one by one, and Node
 * run with --preserve-symlinks so they find each other there, not beside the
 * full install). The compiled program and the workers it forks must start and
 * serve; a stale dist/ must be rebuilt when esbuild is there and refused with
 * a plain message when it is not; cluster mode's shards must run compiled too.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, symlinkSync, utimesSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startNatsServer, startRedisServer, type LocalServer } from '../../launch/local-servers.js';
import { eventConfig, eventually } from './helpers/test-gateway.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const INSTALLED = realpathSync(join(ROOT, 'node_modules'));
/** Not part of a checkout (or not needed to build and start one). */
const LEFT_OUT = new Set(['node_modules', '.git', 'dist', 'data', '.scratch', 'docs', 'sim']);
const API_KEY = 'build-test-api-key-0123456789';

let copy: string;

beforeAll(() => {
  copy = mkdtempSync(join(tmpdir(), 'bw-build-'));
  cpSync(ROOT, copy, { recursive: true, filter: (source) => !LEFT_OUT.has(relative(ROOT, source).split('/')[0]!) });
});

afterAll(() => {
  rmSync(copy, { recursive: true, force: true });
});

/** The copy's node_modules: the whole install, or what `npm prune --omit=dev` would leave of it. */
function useModules(kind: 'installed' | 'production'): void {
  const modules = join(copy, 'node_modules');
  rmSync(modules, { recursive: true, force: true });
  if (kind === 'installed') {
    symlinkSync(INSTALLED, modules);
    return;
  }
  const lock = JSON.parse(readFileSync(join(copy, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
  for (const [path, entry] of Object.entries(lock.packages)) {
    const name = path.slice('node_modules/'.length);
    // Nested packages come along inside their parents; optional ones for other platforms were never installed.
    if (!path.startsWith('node_modules/') || name.includes('node_modules/') || entry.dev === true || !existsSync(join(INSTALLED, name))) continue;
    mkdirSync(dirname(join(modules, name)), { recursive: true });
    symlinkSync(join(INSTALLED, name), join(modules, name));
  }
}

interface Run {
  readonly output: string;
  readonly exited: Promise<number | null>;
  stop(): Promise<void>;
}

/** `npm <args>` in the copy (npm_* variables of an outer npm left out: they name this checkout's package.json). */
function npm(args: string[], production: boolean): Run {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('npm_')));
  const child = spawn('npm', args, {
    cwd: copy, detached: true, stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...env, BREAKWATER_API_KEY: API_KEY, ...(production ? { NODE_OPTIONS: '--preserve-symlinks' } : {}) },
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    get output() {
      return output;
    },
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      // The group: npm, its shell, the program and the processes it forked.
      process.kill(-child.pid!, 'SIGTERM');
      const killer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 15_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

async function running(run: Run): Promise<void> {
  await eventually(() => expect(run.output).toContain('Breakwater is running'), 60_000);
}

function commandLine(pid: number): string {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
}

/** The processes whose command line names `file`. */
function processesRunning(file: string): number[] {
  return readdirSync('/proc').filter((name) => /^\d+$/.test(name)).map(Number).filter((pid) => {
    try {
      return commandLine(pid).includes(file);
    } catch {
      return false; // gone meanwhile
    }
  });
}

async function api(port: number, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, {
    method, headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json().catch(() => undefined) };
}

describe('npm run build, npm prune --omit=dev, npm start', () => {
  it('builds dist/: the compiled modules with their source maps, the prepared site, the stamp', async () => {
    useModules('installed');
    const build = npm(['run', 'build'], false);
    expect(await build.exited, build.output).toBe(0);
    expect(build.output).toMatch(/Built dist\/ in \d+ ms/);
    for (const file of ['launch/main.js', 'launch/main.js.map', 'launch/worker.js', 'launch/shard-process.js', 'engine/stores/redis/lua/append-entries.lua', 'gateway/site/site.json', 'build-stamp.json']) {
      expect(existsSync(join(copy, 'dist', file)), file).toBe(true);
    }
    const map = JSON.parse(readFileSync(join(copy, 'dist/launch/main.js.map'), 'utf8')) as { sources: string[] };
    expect(map.sources.map((source) => join(copy, 'dist/launch', source))).toEqual([join(copy, 'launch/main.ts')]);
  }, 120_000);

  it('starts compiled with the production dependencies only: the engine process and its workers serve the API and the pages', async () => {
    useModules('production');
    const resolveFromCopy = createRequire(join(copy, 'package.json')).resolve;
    expect(() => resolveFromCopy('esbuild')).toThrow();
    expect(() => resolveFromCopy('tsx')).toThrow();
    const port = await freePort();
    const start = npm(['start', '--', '--memory', '--host', '127.0.0.1', '--port', String(port), '--workers', '2', '--no-demo'], true);
    try {
      await running(start);
      expect(start.output).not.toContain('Building dist/');
      const engineProcess = Number(/engine in this process \(pid (\d+)\)/.exec(start.output)![1]);
      expect(commandLine(engineProcess)).toContain('scripts/start.mjs');

      const health = await api(port, 'GET', '/healthz');
      expect(health.body).toMatchObject({ status: 'ok', storage: 'memory' });
      expect(health.body.pid).not.toBe(engineProcess);
      expect(commandLine(health.body.pid)).toContain(join(copy, 'dist/launch/worker.js'));
      expect(processesRunning(join(copy, 'dist/launch/worker.js'))).toHaveLength(2);

      // An organizer's request goes through a worker to the engine process and back.
      const created = await api(port, 'POST', '/api/events', { publish: true, config: eventConfig(Date.now(), { id: 'compiled-night' }) });
      expect(created.status).toBe(201);
      expect((await api(port, 'GET', '/api/events/compiled-night')).status).toBe(200);

      // The pages as the build prepared them.
      const page = await fetch(`http://127.0.0.1:${port}/`);
      const script = /src="(\/assets\/fan\.[0-9a-f]{10}\.js)"/.exec(await page.text())?.[1];
      expect(script).toBeDefined();
      const bundle = await fetch(`http://127.0.0.1:${port}${script}`, { headers: { 'accept-encoding': 'br' } });
      expect(bundle.status).toBe(200);
      expect(bundle.headers.get('content-encoding')).toBe('br');
    } finally {
      await start.stop();
    }
  }, 120_000);

  it('refuses a stale dist/ without esbuild, naming the change, and rebuilds it with the devDependencies', async () => {
    const now = new Date();
    utimesSync(join(copy, 'launch/banner.ts'), now, now);
    useModules('production');
    const refused = npm(['start', '--', '--help'], true);
    expect(await refused.exited).toBe(1);
    expect(refused.output).toContain('launch/banner.ts changed');
    expect(refused.output).toContain('esbuild, a devDependency, is not installed');

    useModules('installed');
    const rebuilt = npm(['start', '--', '--help'], false);
    expect(await rebuilt.exited, rebuilt.output).toBe(0);
    expect(rebuilt.output).toContain('Building dist/ first (launch/banner.ts changed)');
    expect(rebuilt.output).toContain('Usage: npm start');

    const fresh = npm(['start', '--', '--help'], false);
    expect(await fresh.exited).toBe(0);
    expect(fresh.output).not.toContain('Building dist/');
  }, 120_000);

  describe('cluster mode (NATS and Redis URLs)', () => {
    let nats: LocalServer;
    let redis: LocalServer;
    beforeAll(async () => {
      [nats, redis] = await Promise.all([startNatsServer(), startRedisServer()]);
    });
    afterAll(async () => {
      await Promise.all([nats?.stop(), redis?.stop()]);
    });

    it('forks its engine shard compiled, and the shard keeps an event in Redis', async () => {
      useModules('production');
      const port = await freePort();
      const start = npm(['start', '--', '--nats', nats.url, '--redis', redis.url, '--shards', '1', '--workers', '1', '--host', '127.0.0.1', '--port', String(port), '--no-demo'], true);
      try {
        await running(start);
        expect((await api(port, 'GET', '/healthz')).body).toMatchObject({ status: 'ok', storage: 'redis' });
        expect(processesRunning(join(copy, 'dist/launch/shard-process.js'))).toHaveLength(1);
        await eventually(async () => expect((await api(port, 'POST', '/api/events', { publish: true, config: eventConfig(Date.now(), { id: 'compiled-cluster-night' }) })).status).toBe(201), 30_000);
        expect((await api(port, 'GET', '/api/events/compiled-cluster-night')).status).toBe(200);
        expect(start.output).not.toContain('engine shard s1 exited');
      } finally {
        await start.stop();
      }
    }, 120_000);
  });
});
