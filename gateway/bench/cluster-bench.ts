/**
 * Cluster benchmark (not a test): what durability in Redis and the NATS hop
 * cost, each against a same-run baseline, on this machine.
 *
 *   npm run bench:cluster [-- --runs 3] [--json] [--no-cluster] [--fans 20000] [--join-rate 20000] [--cluster-runs 1]
 *                         [--pairs 100000] [--lua-pairs 25000] [--clients 50] [--batch 256] [--in-flight 4096]
 *
 * A redis-server is started for parts 1–3 (local-servers.ts: append-only file,
 * fsync on every write, as the cluster runs it). Parts 1–3 are repeated
 * --runs times and medians reported; part 4 --cluster-runs times.
 *   1. redis-benchmark: Debian's `redis-benchmark -t set -n 100000 -c 50`
 *      against that server: SET/s with an fsync per event-loop turn of Redis,
 *      the ceiling of small durable writes here.
 *   2. one Lua call per hold (the baseline the target is set against): the
 *      entries of real hold + confirm pairs (made by the engine beforehand,
 *      untimed: the baseline gets the engine's work for free, so the ratio is
 *      conservative), each pair written by its own RedisPartitionStore.write —
 *      one EVALSHA of append-entries.lua — by --clients 50 clients, like
 *      redis-benchmark -c 50. Each client writes to its own event, so the 50
 *      run in parallel (the same event would serialise them: the script checks
 *      the entry count the writer expects) and share one connection, as a
 *      shard does: Redis still fsyncs once per turn for all 50, so the
 *      baseline gets Redis' own group commit.
 *   3. durable hold + confirm: the shard's path, Engine + DurableJournal over
 *      RedisPartitionStore; --batch pairs per event-loop turn, at most
 *      --in-flight awaiting their reply, each replied to only once durable
 *      (durable-holds.ts). The same path on the in-memory journal is the
 *      reference. Target: ≥ 5× the baseline of part 2, taken as the median
 *      of each run's own ratio (both measured under the same machine load).
 *   4. joins/s, join latency, admission latency and tick fan-out of
 *      gateway-bench.ts run twice as child processes with the same load:
 *      single process (`launch/main.ts --workers 2`: engine process + 2
 *      gateway workers) and cluster (`--cluster`: nats-server + redis-server,
 *      `launch/cluster.ts --gateways 2 --shards 2`). Admission
 *      latency: the engine's admission time (the `admitted` frame's grant
 *      expiry − the grant TTL) → the fan reading the frame. Target: the
 *      cluster within 2× of the single-process figures.
 * Every process started here is killed on any exit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Redis } from 'ioredis';
import { median } from '../../engine/bench/bench-helpers.js';
import { startRedisServer } from '../../launch/local-servers.js';
import { connectRedis } from '../../engine/stores/redis/redis-connection.js';
import { durablePairs, luaPerHoldPairsPerSec, memoryPairsPerSec, pairEntries, type Arrivals } from './durable-holds.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..');
const REDIS_BENCHMARK = '/usr/bin/redis-benchmark';
const DURABLE_TARGET = 5;
const CLUSTER_TARGET = 2;

// ── Options ───────────────────────────────────────────────────────────────

const { values } = parseArgs({
  options: {
    runs: { type: 'string' }, json: { type: 'boolean' }, 'no-cluster': { type: 'boolean' }, fans: { type: 'string' }, 'join-rate': { type: 'string' },
    'cluster-runs': { type: 'string' }, pairs: { type: 'string' }, 'lua-pairs': { type: 'string' }, clients: { type: 'string' },
    batch: { type: 'string' }, 'in-flight': { type: 'string' }, help: { type: 'boolean' },
  },
  strict: true,
});
if (values.help === true) {
  console.log('npm run bench:cluster -- [--runs 3] [--json] [--no-cluster] [--fans 20000] [--join-rate 20000] [--cluster-runs 1] [--pairs 100000] [--lua-pairs 25000] [--clients 50] [--batch 256] [--in-flight 4096]');
  process.exit(0);
}
/** A positive integer option, or its default. */
function count(name: 'runs' | 'cluster-runs' | 'fans' | 'join-rate' | 'pairs' | 'lua-pairs' | 'clients' | 'batch' | 'in-flight', fallback: number): number {
  const n = Number(values[name] ?? fallback);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer`);
  return n;
}
const RUNS = count('runs', 3);
const CLUSTER_RUNS = count('cluster-runs', 1);
const FANS = count('fans', 20_000);
const JOIN_RATE = count('join-rate', 20_000);
const PAIRS = count('pairs', 100_000);
const LUA_PAIRS = count('lua-pairs', 25_000);
const CLIENTS = count('clients', 50);
const ARRIVALS: Arrivals = { batch: count('batch', 256), inFlight: count('in-flight', 4096) };
const JSON_OUT = values.json === true;
const CLUSTER = values['no-cluster'] !== true;

const log = (line: string): void => void process.stderr.write(`${line}\n`);
const fmt = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

// ── Children: every one is killed on any exit ─────────────────────────────

/** Running children, and whether each leads its own process group (killed with it). */
const children = new Map<ChildProcess, boolean>();
process.on('exit', () => {
  for (const [child, group] of children) {
    try {
      process.kill(group ? -child.pid! : child.pid!, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  // local-servers.ts kills the redis-server it started on exit.
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(130));

/** Runs a child to its end; its stdout. Its stderr goes to ours. A `group` child's own children are killed with it. */
function run(command: string, args: string[], group = false): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'], detached: group });
    children.set(child, group);
    let stdout = '';
    child.stdout!.on('data', (chunk: Buffer) => void (stdout += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      children.delete(child);
      if (code === 0) resolve(stdout);
      else reject(new Error(`${command} ${args.join(' ')} exited (${signal ?? code}):\n${stdout.slice(-2000)}`));
    });
  });
}

// ── Part 1: redis-benchmark ───────────────────────────────────────────────

async function redisBenchmarkOpsPerSec(port: number): Promise<number> {
  const csv = await run(REDIS_BENCHMARK, ['-h', '127.0.0.1', '-p', String(port), '-t', 'set', '-n', '100000', '-c', '50', '--csv']);
  const row = csv.split('\n').find((line) => line.startsWith('"SET"'));
  const rps = Number(row?.split(',')[1]?.replaceAll('"', ''));
  if (!(rps > 0)) throw new Error(`cannot read requests/s from redis-benchmark:\n${csv}`);
  return rps;
}

// ── Parts 1–3, --runs times ───────────────────────────────────────────────

interface StoreRun {
  redisBenchmarkOpsPerSec: number;
  luaPerHoldPerSec: number;
  durableHoldConfirmPerSec: number;
  /** durable ÷ Lua baseline of the same run. */
  durableToLua: number;
  pairsPerWrite: number;
  memoryHoldConfirmPerSec: number;
}

async function storeRuns(redis: Redis, port: number): Promise<StoreRun[]> {
  log(`warm-up (engine, journal and scripts; untimed)…`);
  const entries = pairEntries(1, LUA_PAIRS);
  await memoryPairsPerSec(2, 20_000, ARRIVALS);
  await durablePairs(redis, 3, 20_000, ARRIVALS);
  await luaPerHoldPairsPerSec(redis, 'lua-warm', entries.slice(0, CLIENTS * 20), CLIENTS);
  const runs: StoreRun[] = [];
  for (let r = 1; r <= RUNS; r++) {
    const at = `run ${r}/${RUNS}:`;
    const redisBenchmark = await redisBenchmarkOpsPerSec(port);
    console.log(`${at} redis-benchmark SET -c 50          ${fmt.format(redisBenchmark).padStart(9)} ops/s`);
    const lua = await luaPerHoldPairsPerSec(redis, `lua-r${r}`, entries, CLIENTS);
    console.log(`${at} one Lua call per hold, ${CLIENTS} clients  ${fmt.format(lua).padStart(9)} pairs/s`);
    const durable = await durablePairs(redis, 100 + r, PAIRS, ARRIVALS);
    console.log(`${at} durable hold + confirm           ${fmt.format(durable.pairsPerSec).padStart(9)} pairs/s  (${round(durable.pairsPerSec / lua, 2)}× the Lua baseline; ${fmt.format(durable.writes)} writes, ${round(durable.pairsPerWrite, 1)} pairs each)`);
    const memory = await memoryPairsPerSec(200 + r, PAIRS, ARRIVALS);
    console.log(`${at} same path, in-memory journal     ${fmt.format(memory).padStart(9)} pairs/s`);
    runs.push({ redisBenchmarkOpsPerSec: redisBenchmark, luaPerHoldPerSec: lua, durableHoldConfirmPerSec: durable.pairsPerSec, durableToLua: durable.pairsPerSec / lua, pairsPerWrite: durable.pairsPerWrite, memoryHoldConfirmPerSec: memory });
  }
  return runs;
}

// ── Part 4: gateway bench, single process and cluster ─────────────────────

/** What cluster-bench reads from gateway-bench's --json line. */
interface GatewayFigures {
  joinsPerSec: number;
  joinP50Ms: number;
  joinP99Ms: number;
  admitP50Ms: number | null;
  admitP99Ms: number | null;
  admitted: number;
  tickFanoutMs: number;
  joined: number;
  connections: number;
}

async function gatewayBench(cluster: boolean): Promise<GatewayFigures> {
  const args = ['--import', 'tsx', join(HERE, 'gateway-bench.ts'), '--json', '--no-echo', '--fans', String(FANS), '--join-rate', String(JOIN_RATE), '--workers', '2',
    ...(cluster ? ['--cluster', '--shards', '2'] : [])];
  // Its own process group: its servers and load processes go with it whatever happens here.
  const stdout = await run(process.execPath, args, true);
  const lines = stdout.trim().split('\n');
  for (const line of lines.slice(0, -1)) log(`  │ ${line}`);
  const figures = JSON.parse(lines.at(-1)!) as GatewayFigures & { gateway: { joined: number } };
  return { ...figures, joined: figures.gateway.joined };
}

async function gatewayRuns(): Promise<{ single: GatewayFigures[]; cluster: GatewayFigures[] }> {
  const single: GatewayFigures[] = [];
  const cluster: GatewayFigures[] = [];
  for (let r = 1; r <= CLUSTER_RUNS; r++) {
    for (const [mode, list] of [['single process', single], ['cluster', cluster]] as const) {
      log(`gateway bench, ${mode}, ${FANS} fans, run ${r}/${CLUSTER_RUNS}…`);
      const g = await gatewayBench(mode === 'cluster');
      list.push(g);
      console.log(`run ${r}/${CLUSTER_RUNS}: ${mode.padEnd(14)} joins ${fmt.format(g.joinsPerSec)}/s (${g.joined}/${FANS}), join p50/p99 ${g.joinP50Ms}/${g.joinP99Ms} ms, admission p50/p99 ${g.admitP50Ms}/${g.admitP99Ms} ms (${g.admitted} fans), tick fan-out ${g.tickFanoutMs} ms`);
    }
  }
  return { single, cluster };
}

// ── Summary ───────────────────────────────────────────────────────────────

function medianOf<T>(runs: readonly T[], key: keyof T): number | null {
  const xs = runs.map((r) => r[key]).filter((x): x is T[keyof T] & number => typeof x === 'number' && Number.isFinite(x));
  return xs.length === 0 ? null : median(xs);
}

async function main(): Promise<void> {
  const started = performance.now();
  console.log(`Breakwater cluster bench — node ${process.version}, ${availableParallelism()} CPUs; ${RUNS} run(s) of parts 1–3` +
    `${CLUSTER ? `, ${CLUSTER_RUNS} of part 4 (${FANS} fans, joins offered at ${JOIN_RATE}/s)` : ', part 4 skipped'}`);
  const server = await startRedisServer();
  log(`redis-server ${server.url} (append-only, fsync always; data in ${server.dir})`);
  const redis = await connectRedis(server.url, (m) => log(`redis: ${m}`));
  let stores: StoreRun[];
  try {
    stores = await storeRuns(redis, server.port);
  } finally {
    redis.disconnect();
    await server.stop();
  }
  const gateways = CLUSTER ? await gatewayRuns() : { single: [], cluster: [] };

  const m = {
    redisBenchmarkOpsPerSec: medianOf(stores, 'redisBenchmarkOpsPerSec')!,
    luaPerHoldPerSec: medianOf(stores, 'luaPerHoldPerSec')!,
    durableHoldConfirmPerSec: medianOf(stores, 'durableHoldConfirmPerSec')!,
    memoryHoldConfirmPerSec: medianOf(stores, 'memoryHoldConfirmPerSec')!,
    pairsPerWrite: medianOf(stores, 'pairsPerWrite')!,
  };
  // The verdict takes each run's own ratio (both figures under the same machine load), then the median.
  const durableToLua = medianOf(stores, 'durableToLua')!;
  const single = (key: keyof GatewayFigures) => medianOf(gateways.single, key);
  const cluster = (key: keyof GatewayFigures) => medianOf(gateways.cluster, key);
  /** How many times worse the cluster is (throughput: single ÷ cluster; latency: cluster ÷ single). */
  const worse = (key: keyof GatewayFigures, higherIsBetter: boolean): number | null => {
    const s = single(key);
    const c = cluster(key);
    if (s === null || c === null || s <= 0 || c <= 0) return null;
    return round(higherIsBetter ? s / c : c / s);
  };
  const clusterRatios = {
    joinsPerSec: worse('joinsPerSec', true),
    joinP50Ms: worse('joinP50Ms', false),
    joinP99Ms: worse('joinP99Ms', false),
    admitP50Ms: worse('admitP50Ms', false),
    admitP99Ms: worse('admitP99Ms', false),
    tickFanoutMs: worse('tickFanoutMs', false),
  };
  const met = (ok: boolean | null) => (ok === null ? 'not measured' : ok ? 'met' : 'NOT met');

  console.log(`\nMedians — parts 1–3 of ${RUNS} run(s), part 4 of ${CLUSTER ? CLUSTER_RUNS : 0}:`);
  const row = (label: string, value: string, note = '') => console.log(`  ${label.padEnd(44)}${value.padStart(12)}  ${note}`);
  row('redis-benchmark SET, 50 clients (ops/s)', fmt.format(m.redisBenchmarkOpsPerSec), 'same Redis, fsync always');
  row('one Lua call per hold (pairs/s)', fmt.format(m.luaPerHoldPerSec), `${round(m.luaPerHoldPerSec / m.redisBenchmarkOpsPerSec)}× redis-benchmark`);
  row('durable hold + confirm (pairs/s)', fmt.format(m.durableHoldConfirmPerSec), `${round(m.durableHoldConfirmPerSec / m.redisBenchmarkOpsPerSec)}× redis-benchmark; ${round(m.pairsPerWrite, 1)} pairs per Lua call`);
  row('  ÷ one Lua call per hold, same run', `${round(durableToLua)}×`, `target ≥ ${DURABLE_TARGET}×: ${met(durableToLua >= DURABLE_TARGET)}  (runs ${stores.map((r) => round(r.durableToLua)).join(', ')}; ratio of the medians ${round(m.durableHoldConfirmPerSec / m.luaPerHoldPerSec)}×)`);
  row('same path, in-memory journal (pairs/s)', fmt.format(m.memoryHoldConfirmPerSec), `durable is ${round(m.durableHoldConfirmPerSec / m.memoryHoldConfirmPerSec)}× of it`);
  if (CLUSTER) {
    console.log(`  ${''.padEnd(44)}${'single'.padStart(12)}${'cluster'.padStart(12)}  cluster worse by (target ≤ ${CLUSTER_TARGET}×)`);
    const pair = (label: string, key: keyof typeof clusterRatios) => {
      const r = clusterRatios[key];
      console.log(`  ${label.padEnd(44)}${String(single(key) ?? '—').padStart(12)}${String(cluster(key) ?? '—').padStart(12)}  ${r === null ? '—' : `${r}×`}  ${met(r === null ? null : r <= CLUSTER_TARGET)}`);
    };
    pair('joins/s (completed)', 'joinsPerSec');
    pair('join → joined p50 (ms)', 'joinP50Ms');
    pair('join → joined p99 (ms)', 'joinP99Ms');
    pair('admission: engine admits → fan reads p50 (ms)', 'admitP50Ms');
    pair('admission: engine admits → fan reads p99 (ms)', 'admitP99Ms');
    pair('tick fan-out: publish → last fan, median (ms)', 'tickFanoutMs');
  }
  console.log(`Total ${round((performance.now() - started) / 1000, 1)} s`);

  if (JSON_OUT) {
    const whole = (x: number | null) => (x === null ? null : Math.round(x));
    console.log(JSON.stringify({
      durableHoldConfirmPerSec: whole(m.durableHoldConfirmPerSec),
      luaPerHoldPerSec: whole(m.luaPerHoldPerSec),
      redisBenchmarkOpsPerSec: whole(m.redisBenchmarkOpsPerSec),
      clusterJoinsPerSec: whole(cluster('joinsPerSec')),
      singleProcessJoinsPerSec: whole(single('joinsPerSec')),
      durableToLuaRatio: round(durableToLua),
      durableToLuaRatioOfMedians: round(m.durableHoldConfirmPerSec / m.luaPerHoldPerSec),
      memoryHoldConfirmPerSec: whole(m.memoryHoldConfirmPerSec),
      pairsPerLuaCall: round(m.pairsPerWrite, 1),
      clusterJoinP50Ms: cluster('joinP50Ms'), clusterJoinP99Ms: cluster('joinP99Ms'),
      singleProcessJoinP50Ms: single('joinP50Ms'), singleProcessJoinP99Ms: single('joinP99Ms'),
      clusterAdmissionP50Ms: cluster('admitP50Ms'), clusterAdmissionP99Ms: cluster('admitP99Ms'),
      singleProcessAdmissionP50Ms: single('admitP50Ms'), singleProcessAdmissionP99Ms: single('admitP99Ms'),
      clusterTickFanoutMs: cluster('tickFanoutMs'), singleProcessTickFanoutMs: single('tickFanoutMs'),
      clusterWorseBy: CLUSTER ? clusterRatios : null,
      targets: {
        durableAtLeast5xLua: durableToLua >= DURABLE_TARGET,
        clusterJoinsWithin2x: clusterRatios.joinsPerSec === null ? null : clusterRatios.joinsPerSec <= CLUSTER_TARGET,
        clusterLatencyWithin2x: CLUSTER ? [clusterRatios.joinP99Ms, clusterRatios.admitP99Ms].every((r) => r !== null && r <= CLUSTER_TARGET) : null,
      },
      runs: RUNS, clusterRuns: CLUSTER ? CLUSTER_RUNS : 0, fans: FANS, joinRateOffered: JOIN_RATE, pairs: PAIRS, luaPairs: LUA_PAIRS, clients: CLIENTS, ...ARRIVALS,
      perRun: { stores, single: gateways.single, cluster: gateways.cluster },
    }));
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`cluster bench failed: ${(err as Error).stack ?? String(err)}`);
    process.exit(1);
  },
);
