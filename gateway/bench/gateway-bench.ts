/**
 * Gateway benchmark (not a test): 50,000 fans on real WebSockets against the
 * whole product (engine process + gateway workers, `launch/main.ts`),
 * and the same load against a bare uWebSockets.js server in the same run, so
 * figures from this shared, noisy machine can be read as ratios.
 *
 *   npm run bench:gateway [-- --fans N] [--workers N] [--load-procs N] [--join-rate N] [--ticks N] [--no-echo] [--json]
 *                         [--cluster [--shards 2]]
 *
 * With --cluster the product runs in cluster mode instead, everything else
 * identical: nats-server and redis-server started here on free ports
 * (launch/local-servers.ts), then `launch/cluster.ts
 * --nats URL --redis URL --gateways <workers> --shards <shards>` on the same
 * shared port (memory, CPU and RSS then count the shards and both servers).
 *
 * Per target (the gateway, then the echo baseline):
 *   1. start it on a free port of 127.0.0.1 (the gateway: an event on sale,
 *      admission paused, created through the organizer API)
 *   2. connect: every load process opens its share of the fans (raw
 *      WebSocket clients, gateway/bench/load-worker.ts), each says hello
 *   3. join: open-loop at --join-rate joins/s in total; each client records
 *      join sent → `joined` received in a log-linear histogram
 *   4. memory: VmRSS of the engine process + every gateway worker (or the echo processes)
 *   5. tick fan-out: the gateway's admission is resumed for --ticks engine ticks
 *      (the echo publishes as often); every client records when the `queue`
 *      frame carrying each new nowServing arrives. Fan-out of a tick = last
 *      arrival − the publishing worker's `serverTime` (the earliest over workers).
 *      Admission latency: each fan admitted meanwhile records its `admitted`
 *      frame's arrival − the engine's admission time (grant expiry − grant TTL).
 *   6. floors: from the CPU each phase cost (servers + load processes), the
 *      joins/s these cores can pay for and the fastest a tick could reach
 *      every fan (capacityFloor), so a missed target reads as the machine's
 *      limit or ours.
 *
 * Clock: every process reads the same system clock — clients record
 * performance.now() plus an offset taken at a Date.now() millisecond edge (epoch ms,
 * sub-ms; performance.timeOrigin alone is off by 1–3 ms); servers stamp
 * `serverTime` with Date.now() (integer ms, truncated, so fan-outs read up to
 * 1 ms long). The load generator shares the 2 cores with the servers: its own
 * CPU time is part of every latency measured here, for both targets alike.
 *
 * Limits: a process may hold ~20,000 fds, so fans are spread over several load
 * processes (≤ 15,000 each) and several server processes (--workers is raised
 * to ⌈fans / 17,500⌉ when lower); each load process binds its own loopback
 * source addresses (127.1.x.y for the gateway, 127.2.x.y for the echo; ≤ 10,000
 * sockets each) since one address has only 28k ephemeral ports. The gateway's
 * per-address limits are lifted for those addresses with --exempt-ip (its
 * documented load-generator switch), not disabled.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { median } from '../../engine/bench/bench-helpers.js';
import { freePort, startNatsServer, startRedisServer, type LocalServer } from '../../launch/local-servers.js';
import { LatencyHistogram } from './histogram.js';
import type { LoadCommand, LoadReport, TickStat } from './load-worker.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..');
const EVENT_ID = 'bench';
const MAX_RUN_MS = 290_000;
const PER_LOAD_PROC_MAX = 15_000;
const PER_SERVER_PROC = 17_500;
const PER_SOURCE_ADDRESS = 10_000;
const GRANT_TTL_MS = 120_000;

// ── Options ───────────────────────────────────────────────────────────────

const { values } = parseArgs({
  options: {
    fans: { type: 'string' },
    workers: { type: 'string' },
    'load-procs': { type: 'string' },
    'join-rate': { type: 'string' },
    ticks: { type: 'string' },
    'no-echo': { type: 'boolean' },
    json: { type: 'boolean' },
    cluster: { type: 'boolean' },
    shards: { type: 'string' },
    help: { type: 'boolean' },
  },
  strict: true,
});
if (values.help === true) {
  console.log('npm run bench:gateway -- [--fans 50000] [--workers 2] [--load-procs N] [--join-rate 10000] [--ticks 8] [--no-echo] [--json] [--cluster [--shards 2]]');
  process.exit(0);
}
const int = (v: string | undefined, name: string, fallback: number, min = 1): number => {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}`);
  return n;
};
const FANS = int(values.fans, 'fans', 50_000);
const REQUESTED_WORKERS = int(values.workers, 'workers', 2);
const WORKERS = Math.max(REQUESTED_WORKERS, Math.ceil(FANS / PER_SERVER_PROC));
const LOAD_PROCS = Math.max(int(values['load-procs'], 'load-procs', Math.max(2, Math.ceil(FANS / 12_500))), Math.ceil(FANS / PER_LOAD_PROC_MAX));
const JOIN_RATE = int(values['join-rate'], 'join-rate', 10_000);
const TICKS = int(values.ticks, 'ticks', 8);
const JSON_OUT = values.json === true;
const ECHO = values['no-echo'] !== true;
const CLUSTER = values.cluster === true;
const SHARDS = int(values.shards, 'shards', 2);
const PRODUCT = CLUSTER ? 'cluster' : 'gateway';

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};
const out: string[] = [];
const print = (line = ''): void => {
  out.push(line);
  process.stdout.write(`${line}\n`);
};

// ── Children: every one is killed on any exit ─────────────────────────────

const children = new Set<ChildProcess>();
const extraPids = new Set<number>();
function killAll(): void {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const pid of extraPids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    log(`${signal}: stopping`);
    killAll();
    process.exit(130);
  });
}
const overall = setTimeout(() => {
  log(`gateway bench: over ${MAX_RUN_MS / 1000} s, giving up`);
  killAll();
  process.exit(1);
}, MAX_RUN_MS);
overall.unref();

function track<T extends ChildProcess>(child: T): T {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

// ── Helpers ───────────────────────────────────────────────────────────────

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function nextMessage<T>(child: ChildProcess, match: (m: T) => boolean, timeoutMs: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: T) => {
      if (!match(m)) return;
      cleanup();
      resolve(m);
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`${what}: process exited (${code})`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`${what}: no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

function ask<K extends LoadReport['type']>(child: ChildProcess, cmd: LoadCommand, reply: K, timeoutMs: number): Promise<Extract<LoadReport, { type: K }>> {
  const answer = nextMessage<LoadReport>(child, (m) => m.type === reply, timeoutMs, `load ${cmd.type}`);
  child.send(cmd);
  return answer as Promise<Extract<LoadReport, { type: K }>>;
}

function rssMB(pids: number[]): number {
  let kb = 0;
  for (const pid of pids) {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) kb += Number(m[1]);
    } catch {
      /* gone */
    }
  }
  return kb / 1024;
}

/** utime + stime of the processes, ms. */
function cpuMs(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      /* gone */
    }
  }
  return ticks * 10; // USER_HZ = 100
}

function childPidsOf(ppid: number): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === ppid) pids.push(Number(name));
    } catch {
      /* gone */
    }
  }
  return pids;
}

const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

// ── Load processes ────────────────────────────────────────────────────────

interface LoadProc {
  child: ChildProcess;
  pid: number;
  share: number;
}

async function startLoadProcs(): Promise<LoadProc[]> {
  const procs: LoadProc[] = [];
  for (let i = 0; i < LOAD_PROCS; i++) {
    const share = Math.floor(FANS / LOAD_PROCS) + (i < FANS % LOAD_PROCS ? 1 : 0);
    const child = track(fork(join(HERE, 'load-worker.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    const ready = await nextMessage<LoadReport>(child, (m) => m.type === 'ready', 30_000, 'load process start');
    procs.push({ child, pid: (ready as { pid: number }).pid, share });
  }
  return procs;
}

function sourceAddresses(phase: number, proc: number, share: number): string[] {
  const n = Math.max(1, Math.ceil(share / PER_SOURCE_ADDRESS));
  return Array.from({ length: n }, (_, k) => `127.${phase}.${proc + 1}.${k + 1}`);
}

// ── Targets ───────────────────────────────────────────────────────────────

interface Target {
  name: string;
  port: number;
  serverPids(): number[];
  /** Groups for the CPU breakdown. */
  cpuGroups(): Record<string, number[]>;
  /** Processes the server keeps beside its own (esbuild's service), not in the RSS sum. */
  helperPids(): number[];
  /** The server's last log lines, shown when joins fail. */
  logTail(): string[];
  beforeTicks(): Promise<number>;
  /** Moves nowServing TICKS times; resolves when done. */
  runTicks(): Promise<number>;
  stop(): Promise<void>;
}

/** The product's processes as started: the launcher (memory mode: the engine process) and, by role, its children and the servers. */
interface Launched {
  child: ChildProcess;
  groups: Record<string, number[]>;
  /** The launcher's node children: gateway workers and shards. */
  nodeChildren: number[];
  /** Processes the launcher keeps beside the product's own (esbuild's service). */
  helperPids: number[];
  stores: LocalServer[];
  /** The last 40 lines the product logged. */
  tail: string[];
}

/** Memory mode: `main.ts --workers N`. Cluster mode: nats-server + redis-server, then `launch/cluster.ts --gateways N --shards S`. */
async function launch(port: number, apiKey: string, addresses: string[]): Promise<Launched> {
  const stores = CLUSTER ? [await startNatsServer(), await startRedisServer()] : [];
  const mode = CLUSTER
    ? [join(ROOT, 'launch/cluster.ts'), '--nats', stores[0]!.url, '--redis', stores[1]!.url, '--gateways', String(WORKERS), '--shards', String(SHARDS)]
    : [join(ROOT, 'launch/main.ts'), '--workers', String(WORKERS)];
  const args = ['--import', 'tsx', ...mode, '--port', String(port), '--host', '127.0.0.1', '--no-demo',
    '--exempt-ip', '127.0.0.1', ...addresses.flatMap((a) => ['--exempt-ip', a])];
  const child = track(spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, BREAKWATER_API_KEY: apiKey }, stdio: ['ignore', 'pipe', 'pipe'] }));
  const tail: string[] = [];
  const keep = (chunk: Buffer) => {
    tail.push(...chunk.toString().split('\n').filter((l) => l.length > 0));
    if (tail.length > 40) tail.splice(0, tail.length - 40);
  };
  child.stderr!.on('data', keep);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${PRODUCT} did not start in 60 s:\n${tail.join('\n')}`)), 60_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      keep(chunk);
      if (chunk.toString().includes('Breakwater is running')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${PRODUCT} exited (${code}) at start:\n${tail.join('\n')}`));
    });
  });
  const launcherPid = child.pid!;
  const childPids = childPidsOf(launcherPid);
  for (const pid of childPids) extraPids.add(pid);
  // The launcher's children: gateway workers and shards (node) and esbuild's service process (pages bundling), reported apart.
  const node = childPids.filter((pid) => procFile(pid, 'comm').trim() === 'node');
  const shardPids = node.filter((pid) => procFile(pid, 'cmdline').includes('shard-process'));
  const workerPids = node.filter((pid) => !shardPids.includes(pid));
  if (workerPids.length !== WORKERS) log(`warning: found ${workerPids.length} gateway workers, expected ${WORKERS}`);
  if (CLUSTER && shardPids.length !== SHARDS) log(`warning: found ${shardPids.length} shards, expected ${SHARDS}`);
  // Redis and NATS apart: the capacity plan (gateway/bench/capacity.ts) costs each per request.
  const serverPids = (name: string) => childPidsOf(process.pid).filter((pid) => procFile(pid, 'comm').startsWith(`${name}-server`));
  const groups: Record<string, number[]> = CLUSTER
    ? { launcher: [launcherPid], shards: shardPids, gateways: workerPids, redis: serverPids('redis'), nats: serverPids('nats') }
    : { engine: [launcherPid], workers: workerPids };
  return { child, groups, nodeChildren: node, helperPids: childPids.filter((pid) => !node.includes(pid)), stores, tail };
}

function procFile(pid: number, name: string): string {
  try {
    return readFileSync(`/proc/${pid}/${name}`, 'utf8');
  } catch {
    return '';
  }
}

async function startGateway(addresses: string[]): Promise<Target> {
  const port = await freePort();
  const apiKey = `bench-${randomBytes(12).toString('hex')}`;
  const { child, groups, nodeChildren, helperPids, stores, tail } = await launch(port, apiKey, addresses);
  const productPids = Object.values(groups).flat();

  const api = async (method: string, path: string, body?: unknown): Promise<any> => {
    const response = await fetch(`http://127.0.0.1:${port}${path}`, {
      method, headers: { authorization: `Bearer ${apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(30_000),
    });
    const parsed = await response.json();
    if (!response.ok) throw Object.assign(new Error(`${method} ${path}: ${response.status} ${JSON.stringify(parsed)}`), { status: response.status });
    return parsed;
  };

  // An event on sale in a second, with plenty of tickets; admission paused once it is on sale.
  // A cluster answers 503 until a shard serves the event's partition: retry for a while.
  for (let attempt = 0; ; attempt++) {
    const now = Date.now();
    try {
      await api('POST', '/api/events', {
        publish: true,
        settings: {},
        config: {
          id: EVENT_ID, name: 'Gateway bench', preQueueOpensAt: now, onSaleAt: now + 1000, closesAt: now + 3_600_000,
          inventory: { tiers: [{ id: 'ga', name: 'General admission', price: 5000, quantity: 1_000_000 }], sections: [] },
          maxTicketsPerFan: 4, paymentWindowMs: 600_000, holdExtensionMs: 0, paymentPendingMaxMs: 900_000, presenceGraceMs: 120_000, grantTtlMs: GRANT_TTL_MS,
          // 1,000 fans/s: each 250 ms engine tick moves nowServing by ~250 while admission runs.
          admission: { mode: 'rate', fansPerMinute: 60_000 },
          // The load generator is one address: without this the door would slow nearly every join.
          door: { startWindowMs: 0, joinsPerAddressPerMin: 0, joinsPerSubnetPerMin: 0 },
        },
      });
      break;
    } catch (err) {
      if ((err as { status?: number }).status !== 503 || attempt >= 60) throw err;
      if (attempt === 0) log(`[${PRODUCT}] waiting for the event's partition to be served…`);
      await sleep(500);
    }
  }
  for (let i = 0; ; i++) {
    const details = await api('GET', `/api/events/${EVENT_ID}`);
    if (details.status.phase === 'onSale') break;
    if (i > 100) throw new Error(`event not on sale: ${details.status.phase}`);
    await sleep(100);
  }
  await api('POST', `/api/events/${EVENT_ID}/pause`);

  return {
    name: PRODUCT,
    port,
    serverPids: () => productPids,
    cpuGroups: () => groups,
    helperPids: () => helperPids,
    logTail: () => [...tail],
    async beforeTicks() {
      const details = await api('GET', `/api/events/${EVENT_ID}`);
      return details.queue.nowServing as number;
    },
    async runTicks() {
      const at = Date.now();
      await api('POST', `/api/events/${EVENT_ID}/resume`);
      await sleep(TICKS * 250 - 125);
      await api('POST', `/api/events/${EVENT_ID}/pause`);
      return at;
    },
    async stop() {
      const killChildren = () => {
        for (const pid of nodeChildren) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            /* gone */
          }
        }
      };
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          killChildren();
        }, 15_000);
        await exited;
        clearTimeout(timer);
      }
      // Workers (and shards) exit when the launcher does; make sure.
      await sleep(300);
      killChildren();
      for (const pid of nodeChildren) extraPids.delete(pid);
      for (const store of stores) await store.stop();
    },
  };
}

async function startEcho(): Promise<Target> {
  const port = await freePort();
  const procs: ChildProcess[] = [];
  for (let i = 0; i < WORKERS; i++) {
    const child = track(fork(join(HERE, 'echo-server.ts'), [String(port), `e${i + 1}`], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    await nextMessage<{ type: string }>(child, (m) => m.type === 'ready' || m.type === 'failed', 30_000, 'echo start').then((m) => {
      if (m.type !== 'ready') throw new Error('echo server failed to listen');
    });
    procs.push(child);
  }
  let nowServing = 0;
  return {
    name: 'echo',
    port,
    serverPids: () => procs.map((p) => p.pid!),
    cpuGroups: () => ({ echo: procs.map((p) => p.pid!) }),
    helperPids: () => [],
    logTail: () => [],
    async beforeTicks() {
      return nowServing;
    },
    async runTicks() {
      const at = Date.now();
      for (let i = 0; i < TICKS; i++) {
        nowServing += 250;
        for (const p of procs) p.send({ type: 'publish', eventId: EVENT_ID, nowServing });
        await sleep(250);
      }
      return at;
    },
    async stop() {
      await Promise.all(procs.map((p) => p.exitCode !== null ? undefined : new Promise((resolve) => {
        p.once('exit', resolve);
        p.send({ type: 'stop' });
        setTimeout(() => p.kill('SIGKILL'), 3000).unref();
      })));
    },
  };
}

// ── One target's run ──────────────────────────────────────────────────────

interface Result {
  connections: number;
  connectFailed: Record<string, number>;
  connectSec: number;
  rssAfterConnectMB: number;
  rssMB: number;
  rssByProcessMB: Record<string, number[]>;
  helperRssMB: number;
  joined: number;
  joinErrors: Record<string, number>;
  joinsPerSec: number;
  join: ReturnType<LatencyHistogram['summary']>;
  ticks: Array<{ nowServing: number; reached: number; fanoutMs: number; spreadMs: number }>;
  ticksComplete: number;
  tickFanoutMs: number;
  tickFanoutMaxMs: number;
  firstTickAfterTriggerMs: number;
  /** Engine admits a fan → the fan reads its `admitted` frame (empty for the echo, which admits nobody). */
  admit: ReturnType<LatencyHistogram['summary']>;
  cpuMs: Record<string, Record<string, number>>;
}

async function runTarget(target: Target, load: LoadProc[], phase: number): Promise<Result> {
  const groups = { ...target.cpuGroups(), loadgen: load.map((l) => l.pid) };
  const cpu: Result['cpuMs'] = {};
  const cpuMark = () => Object.fromEntries(Object.entries(groups).map(([k, pids]) => [k, cpuMs(pids)]));
  const cpuSince = (mark: Record<string, number>) => Object.fromEntries(Object.entries(groups).map(([k, pids]) => [k, cpuMs(pids) - mark[k]!]));

  // Connect.
  log(`[${target.name}] connecting ${FANS} fans from ${load.length} load processes…`);
  let mark = cpuMark();
  const t0 = performance.now();
  const connected = await Promise.all(load.map((l, i) => ask(l.child, {
    type: 'connect', port: target.port, count: l.share, localAddresses: sourceAddresses(phase, i, l.share), concurrency: 200, timeoutMs: 120_000,
  }, 'connected', 130_000)));
  const connectSec = (performance.now() - t0) / 1000;
  cpu.connect = cpuSince(mark);
  const connections = connected.reduce((s, c) => s + c.open, 0);
  const connectFailed: Record<string, number> = {};
  for (const c of connected) for (const [k, v] of Object.entries(c.failures)) connectFailed[k] = (connectFailed[k] ?? 0) + v;
  log(`[${target.name}] ${connections} open in ${round(connectSec)} s${Object.keys(connectFailed).length > 0 ? `, failed ${JSON.stringify(connectFailed)}` : ''}`);
  await sleep(1000);
  const rssAfterConnectMB = rssMB(target.serverPids());

  // Join, open loop.
  log(`[${target.name}] joining at ${JOIN_RATE}/s…`);
  mark = cpuMark();
  const perProcRate = JOIN_RATE / load.length;
  const joins = await Promise.all(load.map((l, i) => ask(l.child, {
    type: 'join', eventId: EVENT_ID, fanPrefix: `f${phase}.${i}`, ratePerSec: perProcRate, timeoutMs: Math.ceil((l.share / perProcRate) * 1000) + 30_000,
  }, 'joined', Math.ceil((l.share / perProcRate) * 1000) + 40_000)));
  cpu.join = cpuSince(mark);
  const hist = new LatencyHistogram();
  const joinErrors: Record<string, number> = {};
  let joined = 0;
  for (const j of joins) {
    hist.add(j.hist);
    joined += j.joined;
    for (const [k, v] of Object.entries(j.errors)) joinErrors[k] = (joinErrors[k] ?? 0) + v;
    if (j.unanswered > 0) joinErrors.unanswered = (joinErrors.unanswered ?? 0) + j.unanswered;
  }
  const firstSend = Math.min(...joins.map((j) => j.firstSend));
  const lastReply = Math.max(...joins.map((j) => j.lastReply));
  const joinsPerSec = joined / ((lastReply - firstSend) / 1000);
  log(`[${target.name}] ${joined} joined, ${Math.round(joinsPerSec)}/s, p99 ${round(hist.percentileMs(99), 2)} ms`);
  if (Object.keys(joinErrors).length > 0) log(`[${target.name}] join errors ${JSON.stringify(joinErrors)}; its last log lines:\n${target.logTail().join('\n')}`);

  // Memory, once the joins' garbage had a moment.
  await sleep(2000);
  const rss = rssMB(target.serverPids());
  const rssByProcessMB = Object.fromEntries(Object.entries(target.cpuGroups()).map(([k, pids]) => [k, pids.map((pid) => round(rssMB([pid])))]));
  const helperRssMB = round(rssMB(target.helperPids()));
  log(`[${target.name}] RSS ${round(rss)} MB ${JSON.stringify(rssByProcessMB)}${helperRssMB > 0 ? ` (+ esbuild service ${helperRssMB} MB, not counted)` : ''}`);

  // Tick fan-out.
  const baseline = await target.beforeTicks();
  load.forEach((l) => l.child.send({ type: 'watch', on: true, grantTtlMs: GRANT_TTL_MS } satisfies LoadCommand));
  await sleep(200);
  mark = cpuMark();
  const triggerAt = await target.runTicks();
  await sleep(1000);
  cpu.ticks = cpuSince(mark);
  const watched = await Promise.all(load.map((l) => ask(l.child, { type: 'watch', on: false }, 'watched', 10_000)));
  const merged = new Map<string, TickStat>();
  const admit = new LatencyHistogram();
  for (const w of watched) {
    admit.add(w.admit);
    for (const t of w.ticks) {
      const key = `${t.nowServing}|${t.phase}`;
      const m = merged.get(key);
      if (m === undefined) merged.set(key, { ...t });
      else {
        m.count += t.count;
        m.minServerTime = Math.min(m.minServerTime, t.minServerTime);
        m.maxServerTime = Math.max(m.maxServerTime, t.maxServerTime);
        m.minRecv = Math.min(m.minRecv, t.minRecv);
        m.maxRecv = Math.max(m.maxRecv, t.maxRecv);
      }
    }
  }
  const ticks = [...merged.values()]
    .filter((t) => t.phase === 'onSale' && t.nowServing > baseline)
    .sort((a, b) => a.nowServing - b.nowServing)
    .map((t) => ({ nowServing: t.nowServing, reached: t.count, fanoutMs: round(t.maxRecv - t.minServerTime, 2), spreadMs: round(t.maxRecv - t.minRecv, 2), minRecv: t.minRecv }));
  const complete = ticks.filter((t) => t.reached >= joined);
  const firstTickAfterTriggerMs = ticks.length > 0 ? round(Math.max(...[...merged.values()].filter((t) => t.nowServing === ticks[0]!.nowServing && t.phase === 'onSale').map((t) => t.maxRecv)) - triggerAt, 1) : NaN;
  log(`[${target.name}] ${ticks.length} ticks seen, ${complete.length} reached all ${joined}; fan-out ${ticks.map((t) => t.fanoutMs).join(', ')} ms`);
  if (admit.count > 0) log(`[${target.name}] ${admit.count} fans admitted; engine → fan p50 ${round(admit.percentileMs(50), 2)} ms, p99 ${round(admit.percentileMs(99), 2)} ms`);

  return {
    connections, connectFailed, connectSec: round(connectSec, 2), rssAfterConnectMB: round(rssAfterConnectMB), rssMB: round(rss), rssByProcessMB, helperRssMB, joined, joinErrors,
    joinsPerSec: Math.round(joinsPerSec), join: hist.summary(),
    ticks: ticks.map(({ minRecv: _, ...t }) => t), ticksComplete: complete.length,
    tickFanoutMs: round(median(complete.map((t) => t.fanoutMs)), 2), tickFanoutMaxMs: round(Math.max(...complete.map((t) => t.fanoutMs)), 2),
    firstTickAfterTriggerMs, admit: admit.summary(), cpuMs: cpu,
  };
}

const CORES = availableParallelism();
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/**
 * What this machine allows at all, from the CPU the phases cost (servers and
 * load generator share the cores): every join must be paid for by the cores,
 * and a tick cannot reach every fan faster than its CPU spread over all of
 * them. For the gateway the tick phase also holds the engine's ticks and
 * admissions, so its floor is an upper estimate; the echo's is the bare
 * socket work.
 */
function capacityFloor(r: Result): { joinCpuMs: number; maxJoinsPerSec: number; tickCpuMs: number; tickFloorMs: number; serverTickFloorMs: number } {
  const sum = (phase: Record<string, number> | undefined, only?: (group: string) => boolean) =>
    Object.entries(phase ?? {}).reduce((s, [group, ms]) => (only === undefined || only(group) ? s + ms : s), 0);
  const joinCpuMs = sum(r.cpuMs.join) / Math.max(1, r.joined);
  const ticks = Math.max(1, r.ticks.length);
  const tickCpuMs = sum(r.cpuMs.ticks) / ticks;
  const serverTickCpuMs = sum(r.cpuMs.ticks, (group) => group !== 'loadgen') / ticks;
  return {
    joinCpuMs: round(joinCpuMs, 3),
    maxJoinsPerSec: Math.round((CORES * 1000) / joinCpuMs),
    tickCpuMs: round(tickCpuMs),
    tickFloorMs: round(tickCpuMs / CORES),
    serverTickFloorMs: round(serverTickCpuMs / CORES),
  };
}

async function closeAll(load: LoadProc[]): Promise<void> {
  await Promise.all(load.map((l) => ask(l.child, { type: 'close' }, 'closed', 30_000)));
}

// ── Main ──────────────────────────────────────────────────────────────────

async function main(): Promise<void> {
  const started = Date.now();
  if (WORKERS !== REQUESTED_WORKERS) log(`note: --workers ${REQUESTED_WORKERS} raised to ${WORKERS}: ${FANS} fans at ≤ ${PER_SERVER_PROC} sockets per process (20,000-fd limit)`);
  log(`gateway bench: ${FANS} fans, ${WORKERS} gateway workers${CLUSTER ? `, cluster mode with ${SHARDS} shards` : ''}, ${LOAD_PROCS} load processes, joins at ${JOIN_RATE}/s, ${TICKS} ticks${ECHO ? ', then the uWS echo baseline' : ''}`);
  const load = await startLoadProcs();
  const gatewayAddresses = load.flatMap((l, i) => sourceAddresses(1, i, l.share));

  const gateway = await startGateway(gatewayAddresses);
  let g: Result;
  try {
    g = await runTarget(gateway, load, 1);
  } finally {
    await closeAll(load).catch(() => undefined);
    await gateway.stop();
  }

  let e: Result | undefined;
  if (ECHO) {
    const echo = await startEcho();
    try {
      e = await runTarget(echo, load, 2);
    } finally {
      await closeAll(load).catch(() => undefined);
      await echo.stop();
    }
  }

  const ratio = (a: number, b: number | undefined) => (b === undefined || !Number.isFinite(a / b) ? null : round(a / b, 2));
  const echoRatio = e === undefined ? null : {
    rss: ratio(g.rssMB, e.rssMB),
    joinsPerSec: ratio(g.joinsPerSec, e.joinsPerSec),
    joinP50: ratio(g.join.p50, e.join.p50),
    joinP99: ratio(g.join.p99, e.join.p99),
    tickFanout: ratio(g.tickFanoutMs, e.tickFanoutMs),
    connectSec: ratio(g.connectSec, e.connectSec),
  };

  const line = (label: string, gv: string | number, ev?: string | number, r?: number | null) =>
    print(`  ${label.padEnd(34)}${String(gv).padStart(12)}${ev === undefined ? '' : String(ev).padStart(12)}${r === undefined || r === null ? '' : `${r.toFixed(2).padStart(9)}×`}`);
  print('');
  const layout = CLUSTER ? `cluster mode: ${WORKERS} gateway processes + ${SHARDS} engine shards + NATS + Redis` : `${WORKERS} gateway workers (+ engine process)`;
  print(`Gateway bench — ${FANS} fans, ${layout}, ${LOAD_PROCS} load processes, joins offered at ${JOIN_RATE}/s`);
  print(`  ${''.padEnd(34)}${PRODUCT.padStart(12)}${e ? 'uWS echo'.padStart(12) + 'ratio'.padStart(10) : ''}`);
  line('connections open', g.connections, e?.connections);
  line('connect time (s)', g.connectSec, e?.connectSec, echoRatio?.connectSec);
  line('server RSS after connect (MB)', g.rssAfterConnectMB, e?.rssAfterConnectMB, ratio(g.rssAfterConnectMB, e?.rssAfterConnectMB));
  line('server RSS after joins (MB)', g.rssMB, e?.rssMB, echoRatio?.rss);
  line('joined', g.joined, e?.joined);
  line('joins/s (completed)', g.joinsPerSec, e?.joinsPerSec, echoRatio?.joinsPerSec);
  line('join → joined p50 (ms)', g.join.p50, e?.join.p50, echoRatio?.joinP50);
  line('join → joined p90 (ms)', g.join.p90, e?.join.p90, ratio(g.join.p90, e?.join.p90));
  line('join → joined p99 (ms)', g.join.p99, e?.join.p99, echoRatio?.joinP99);
  line('join → joined max (ms)', g.join.max, e?.join.max);
  line('ticks reaching every fan', `${g.ticksComplete}/${g.ticks.length}`, e ? `${e.ticksComplete}/${e.ticks.length}` : undefined);
  line('tick fan-out median (ms)', g.tickFanoutMs, e?.tickFanoutMs, echoRatio?.tickFanout);
  line('tick fan-out worst (ms)', g.tickFanoutMaxMs, e?.tickFanoutMaxMs, ratio(g.tickFanoutMaxMs, e?.tickFanoutMaxMs));
  line('trigger → first tick at all (ms)', g.firstTickAfterTriggerMs, e?.firstTickAfterTriggerMs);
  line('fans admitted while watched', g.admit.count);
  line('engine admits → fan reads p50 (ms)', g.admit.p50);
  line('engine admits → fan reads p99 (ms)', g.admit.p99);
  if (Object.keys(g.joinErrors).length > 0 || Object.keys(g.connectFailed).length > 0) print(`  gateway errors: connect ${JSON.stringify(g.connectFailed)} join ${JSON.stringify(g.joinErrors)}`);
  print(`  CPU ms by phase (${PRODUCT}): ${JSON.stringify(g.cpuMs)}`);
  if (e) print(`  CPU ms by phase (echo):    ${JSON.stringify(e.cpuMs)}`);
  const floors = { [PRODUCT]: capacityFloor(g), ...(e ? { echo: capacityFloor(e) } : {}) };
  for (const [name, f] of Object.entries(floors)) {
    print(`  floor on ${CORES} cores (${name}): a join costs ${f.joinCpuMs} CPU-ms (servers + load generator) → at most ${fmt(f.maxJoinsPerSec)} joins/s; ` +
      `a tick costs ${f.tickCpuMs} CPU-ms → no tick reaches every fan in under ${f.tickFloorMs} ms (the servers' part alone: ${f.serverTickFloorMs} ms)`);
  }
  const targets = {
    connections: g.connections >= FANS && FANS >= 50_000,
    memory: g.rssMB < 1024,
    joins: g.joinsPerSec >= 10_000 && g.join.p99 < 50,
    tick: g.ticksComplete > 0 && g.tickFanoutMaxMs < 100,
  };
  print(`  targets: ${Object.entries(targets).map(([k, ok]) => `${k} ${ok ? 'met' : 'MISSED'}`).join(', ')}  (clock: Date.now()-calibrated performance.now() on clients vs Date.now() serverTime)`);
  print(`  run took ${round((Date.now() - started) / 1000)} s`);

  if (JSON_OUT) {
    process.stdout.write(`${JSON.stringify({
      connections: g.connections, gatewayRssMB: g.rssMB, joinsPerSec: g.joinsPerSec, joinP99Ms: g.join.p99, tickFanoutMs: g.tickFanoutMs, echoRatio,
      fans: FANS, workers: WORKERS, mode: CLUSTER ? 'cluster' : 'memory', shards: CLUSTER ? SHARDS : null, loadProcs: LOAD_PROCS, joinRateOffered: JOIN_RATE,
      admitted: g.admit.count, admitP50Ms: g.admit.p50, admitP99Ms: g.admit.p99,
      joinP50Ms: g.join.p50, joinP90Ms: g.join.p90, joinMaxMs: g.join.max, tickFanoutMaxMs: g.tickFanoutMaxMs, ticksComplete: g.ticksComplete,
      gatewayRssAfterConnectMB: g.rssAfterConnectMB, cores: CORES, floors, gateway: g, echo: e ?? null, targets,
    })}\n`);
  }
  for (const l of load) l.child.disconnect();
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`gateway bench failed: ${(err as Error).stack ?? String(err)}`);
    killAll();
    process.exit(1);
  },
);
