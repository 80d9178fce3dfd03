/**
 * npm run chaos -- [--fans N] [--json] [--logs DIR]: a live sale on a local cluster while
 * its processes fail, then the journal against what every fan was told.
 *
 * Starts nats-server and redis-server on free ports, `npm run cluster` (2
 * gateways, 2 shards) and `npm run sim -- --live` with N fans (the tiny
 * scenario, tickets N/8, time ×10). Once the sale is on it, in order, kills
 * the shard owning the sale (-9), a gateway (-9), Redis (-9, restarted with
 * its data 2 s later), NATS (-9, restarted 2 s later), and freezes the shard
 * owning the sale for 10 s (SIGSTOP, SIGCONT), one fault every 13 s. A probe
 * joins a fan of its own event in the sale's partition (over NATS, a durable
 * write on the owning shard) and reads the sale's public info (through the
 * gateways' port) every 250 ms: a fault's recovery is from the fault (from
 * the restart, for Redis and NATS) to the first probe that succeeds after
 * the last that failed, and its errors are the probes' codes meanwhile. A
 * probe that fails only once the next fault struck (still in flight when a
 * gateway is killed) counts for that fault.
 *
 * Prints every PID it starts, a timeline, the simulator's transit check, and
 * a JSON last line (`oversold`, `toldButMissing`, `happenedButUntold`,
 * `approvedPaymentsLost`, `recoverySec` per fault; `grantsToldOnlyLapsed`,
 * `turnsAfterLeaving` and `admittedNotWaiting` to tell why; the simulator's own
 * verdict, processes that exited without being killed, the machine's load).
 * `ok` is all of them: every count 0, the verdict clean (the simulator runs
 * with --expect-faults: sockets the killed gateway dropped are not its
 * failures, fans that never got back are), no unplanned exit, service back
 * within 5 s of each fault. The cluster's and the simulator's whole output
 * and every probe (when sent and settled, its error) are kept in `--logs DIR`
 * (a new temporary directory by default; cluster.log, sim.log, probes.json),
 * its path printed, to find out why a run was not clean. Stops every server it
 * started, restarted ones included. Not part of `npm test`: its figures
 * depend on the machine (docs/benchmarks.md).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { loadavg, tmpdir } from 'node:os';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { isBreakwaterError } from '../../engine/src/index.js';
import { freePort, startNatsServer, startRedisServer, type LocalServer } from '../../launch/local-servers.js';
import { NatsEngineLink } from '../../engine/link/nats-engine-link.js';
import { partitionOf } from '../../engine/link/partitions.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PARTITIONS = 4;
const API_KEY = 'chaos-api-key-0123456789';
const FAULT_GAP_MS = 13_000;
const PROBE_MS = 250;
const RESTART_AFTER_MS = 2_000;
const FREEZE_MS = 10_000;
/** The target: service back within this long after each fault (issue 20). */
const RECOVERY_TARGET_SEC = 5;

const { values } = parseArgs({ options: { fans: { type: 'string' }, json: { type: 'boolean' }, logs: { type: 'string' } }, strict: true });
const fans = Number(values.fans ?? 4_000);
if (!Number.isInteger(fans) || fans < 100) throw new Error('--fans must be an integer of at least 100');
const say = (line: string): void => void process.stderr.write(`${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Probe {
  sentAt: number;
  ok: boolean;
  code: string | undefined;
  /** When it succeeded or failed, and why it failed: kept in probes.json under --logs. */
  settledAt?: number;
  message?: string;
}
interface Fault {
  name: string;
  key: string;
  at: number;
  /** Recovery counts from here (the restart, for a server killed and restarted). */
  from: number;
  until: number;
}

const servers: LocalServer[] = [];
const children: ChildProcess[] = [];

function started(what: string, pid: number | undefined): void {
  say(`chaos: started ${what}, pid ${pid}`);
}

/** A child in its own process group, its output kept. */
function launch(what: string, args: string[], env: Record<string, string>): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  children.push(child);
  started(what, child.pid);
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return { child, output: () => out };
}

async function until<T>(what: string, get: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = get();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`chaos: no ${what} within ${timeoutMs} ms`);
    await sleep(100);
  }
}

async function main(): Promise<void> {
  const loadAtStart = loadavg()[0]!;
  const [nats, redis] = await Promise.all([startNatsServer(), startRedisServer()]);
  servers.push(nats, redis);
  started(`nats-server ${nats.url}`, nats.pid);
  started(`redis-server ${redis.url}`, redis.pid);
  const port = await freePort();
  const exempt = ['127.0.0.1', ...[1, 2, 3, 4].flatMap((p) => [1, 2].map((k) => `127.3.${p}.${k}`))].flatMap((ip) => ['--exempt-ip', ip]);
  const env = { BREAKWATER_API_KEY: API_KEY, BREAKWATER_SECRET: 'chaos-signing-secret-0123456789', BREAKWATER_WEBHOOK_SECRET: 'chaos-webhook-secret-0123456789' };
  const cluster = launch('npm run cluster (2 gateways, 2 shards)', [
    'launch/cluster.ts', '--gateways', '2', '--shards', '2', '--partitions', String(PARTITIONS), '--nats', nats.url, '--redis', redis.url,
    '--host', '127.0.0.1', '--port', String(port), '--no-demo', '--demo-payment-delay', '200', ...exempt,
  ], env);
  await until('cluster', () => (cluster.output().includes('Breakwater is running') ? true : undefined), 90_000);
  const shardPids = () => [...cluster.output().matchAll(/\[shard [^\]]*\/(s\d+)\/(\d+)\] started/g)].map((m) => ({ id: m[1]!, pid: Number(m[2]) }));
  for (const shard of await until('shards', () => (shardPids().length >= 2 ? shardPids() : undefined), 60_000)) started(`engine shard ${shard.id}`, shard.pid);
  const gatewayPids = new Set<number>();
  for (let i = 0; i < 40 && gatewayPids.size < 2; i++) {
    const health = await (await fetch(`http://127.0.0.1:${port}/healthz`)).json() as { pid: number };
    gatewayPids.add(health.pid);
  }
  for (const pid of gatewayPids) started('gateway process', pid);

  const tickets = Math.max(10, Math.round(fans / 8));
  const sim = launch(`npm run sim -- --live (${fans} fans, ${tickets} tickets)`, [
    'sim/src/main.ts', '--live', `http://127.0.0.1:${port}`, '--scenario', 'tiny', '--fans', String(fans), '--tickets', String(tickets),
    '--time-scale', '10', '--set', 'event.preQueueMinutes=0.5', '--set', 'event.closeAfterMinutes=15', '--expect-faults', '--json',
  ], env);
  const simExited = new Promise<number | null>((resolve) => sim.child.once('exit', (code) => resolve(code)));
  const eventId = await until('sale event', () => /live: event (\S+) created/.exec(sim.output())?.[1], 120_000);
  const partition = partitionOf(eventId, PARTITIONS);

  // The probe: its own event in the sale's partition, so it meets every fault the sale meets.
  const link = await NatsEngineLink.connect({ servers: nats.url, owner: `chaos-probe/${process.pid}`, partitions: PARTITIONS, requestTimeoutMs: 3_000, log: () => undefined });
  let probeEvent = 'chaos-probe';
  for (let i = 0; partitionOf(probeEvent, PARTITIONS) !== partition; i++) probeEvent = `chaos-probe-${i}`;
  const now = Date.now();
  await link.execute({
    op: 'createEvent', publish: true, settings: {},
    config: {
      id: probeEvent, name: 'Chaos probe', preQueueOpensAt: now, onSaleAt: now, closesAt: now + 3600_000,
      inventory: { tiers: [{ id: 'ga', name: 'GA', price: 100, quantity: 1 }], sections: [] },
      admission: { mode: 'rate', fansPerMinute: 60 }, door: { startWindowMs: 0, joinsPerAddressPerMin: 0, joinsPerSubnetPerMin: 0 },
    },
  });
  const probes: Probe[] = [];
  let probing = true;
  let probeFan = 0;
  const probeLoop = (async () => {
    while (probing) {
      const sentAt = Date.now();
      const probe: Probe = { sentAt, ok: false, code: undefined };
      probes.push(probe);
      const write = link.execute({ op: 'openSession', eventId: probeEvent, fanId: `probe-${probeFan++}`, resume: false });
      const read = fetch(`http://127.0.0.1:${port}/api/public/events/${eventId}`, { signal: AbortSignal.timeout(3_000) }).then(async (r) => {
        if (!r.ok) throw Object.assign(new Error(), { code: ((await r.json().catch(() => ({}))) as { code?: string }).code ?? `HTTP_${r.status}` });
      });
      void Promise.all([write, read]).then(
        () => void Object.assign(probe, { ok: true, settledAt: Date.now() }),
        (err: unknown) => {
          probe.code = isBreakwaterError(err) ? err.code : (err as Error).name === 'TimeoutError' ? 'TIMEOUT' : ((err as { code?: string }).code ?? 'CONNECTION_LOST');
          probe.settledAt = Date.now();
          probe.message = `${isBreakwaterError(err) ? JSON.stringify(err.details) : ''} ${(err as Error).message} ${String((err as { cause?: unknown }).cause ?? '')}`.trim();
        },
      );
      await sleep(PROBE_MS);
    }
  })();

  const onSaleIn = Number(/on sale at \+([\d.]+) s/.exec(sim.output())?.[1] ?? '5');
  await sleep(onSaleIn * 1000 + 6_000);
  const owner = (): number | undefined => {
    let pid: number | undefined;
    for (const m of cluster.output().matchAll(/\[shard [^\]]*\/(\d+)\] (serving|stopped serving) partition (\d+)\b/g)) {
      if (Number(m[3]) !== partition) continue;
      if (m[2] === 'serving') pid = Number(m[1]);
      else if (pid === Number(m[1])) pid = undefined;
    }
    return pid;
  };
  const faults: Fault[] = [];
  const fault = async (name: string, key: string, run: () => Promise<number | void>): Promise<void> => {
    const at = Date.now();
    say(`chaos: ${new Date(at).toISOString().slice(11, 23)} ${name}`);
    const from = (await run()) ?? at;
    faults.push({ name, key, at, from, until: at + FAULT_GAP_MS });
    await sleep(Math.max(0, at + FAULT_GAP_MS - Date.now()));
  };
  const restarted = async (server: LocalServer): Promise<number> => {
    await server.kill();
    await sleep(RESTART_AFTER_MS);
    await server.start();
    started(`${server.name === 'nats' ? 'nats-server' : 'redis-server'} again (same port and data)`, server.pid);
    return Date.now();
  };
  await fault('kill -9 the shard owning the sale', 'shardKill', async () => void process.kill(await until('owner', owner, 30_000), 'SIGKILL'));
  await fault('kill -9 a gateway process', 'gatewayKill', async () => void process.kill([...gatewayPids][0]!, 'SIGKILL'));
  await fault('kill -9 Redis, restart it with its data', 'redisRestart', () => restarted(redis));
  await fault('kill -9 NATS, restart it', 'natsRestart', () => restarted(nats));
  await fault(`freeze the shard owning the sale for ${FREEZE_MS / 1000} s`, 'shardFreeze', async () => {
    const pid = await until('owner', owner, 30_000);
    process.kill(pid, 'SIGSTOP');
    setTimeout(() => process.kill(pid, 'SIGCONT'), FREEZE_MS).unref();
  });
  faults.at(-1)!.until += FREEZE_MS;
  await sleep(Math.max(0, faults.at(-1)!.until - Date.now()));
  probing = false;
  await probeLoop;
  await sleep(3_500); // the last probes settle

  say('chaos: waiting for the sale to end and its checks');
  const simCode = await simExited;
  const report = JSON.parse(sim.output().trimEnd().split('\n').reverse().find((line) => line.startsWith('{')) ?? '{}') as {
    ok?: boolean; failures?: string[]; ticketsSold?: number; oversold?: number;
    live?: {
      transit?: { toldButMissing: number; happenedButUntold: number; approvedPaymentsLost: number; grantsToldOnlyLapsed: number; examples: string[] };
      errors?: { droppedByFaults?: number }; leavesUnconfirmedWhy?: Record<string, number>; admittedNotWaiting?: Record<string, number>;
    };
  };
  // The cluster restarts what dies; anything that exited other than by our SIGKILL is a crash.
  const unplannedExits = [...cluster.output().matchAll(/^(engine shard \S+|gateway worker \S+) exited \(([^)]*)\)/gm)].filter((m) => m[2] !== 'SIGKILL').map((m) => `${m[1]} (${m[2]})`);
  const transit = report.live?.transit;
  const timeline = faults.map((f) => {
    // A probe still in flight when the next fault strikes and failing then (a reset by the killed gateway) is that fault's.
    const failedLater = (p: Probe, end: number): boolean => !p.ok && (p.settledAt ?? Infinity) >= end;
    const previous = faults[faults.indexOf(f) - 1];
    const window = [
      ...(previous === undefined ? [] : probes.filter((p) => p.sentAt >= previous.at && p.sentAt < previous.until && failedLater(p, f.at))),
      ...probes.filter((p) => p.sentAt >= f.at && p.sentAt < f.until && !(f !== faults.at(-1) && failedLater(p, f.until))),
    ];
    const lastFailed = window.filter((p) => !p.ok).at(-1);
    const back = lastFailed === undefined ? undefined : window.find((p) => p.ok && p.sentAt > lastFailed.sentAt);
    const recoverySec = lastFailed === undefined ? 0 : back === undefined ? null : Math.max(0, (back.sentAt - f.from) / 1000);
    const errors: Record<string, number> = {};
    for (const p of window) if (!p.ok) errors[p.code ?? 'TIMEOUT'] = (errors[p.code ?? 'TIMEOUT'] ?? 0) + 1;
    return { fault: f.name, key: f.key, recoverySec: recoverySec === null ? null : Math.round(recoverySec * 10) / 10, errors };
  });
  const summary = {
    fans, tickets, ticketsSold: report.ticketsSold ?? null, oversold: report.oversold ?? null,
    toldButMissing: transit?.toldButMissing ?? null, happenedButUntold: transit?.happenedButUntold ?? null, approvedPaymentsLost: transit?.approvedPaymentsLost ?? null,
    grantsToldOnlyLapsed: transit?.grantsToldOnlyLapsed ?? null, turnsAfterLeaving: report.live?.leavesUnconfirmedWhy ?? null, admittedNotWaiting: report.live?.admittedNotWaiting ?? null,
    recoverySec: Object.fromEntries(timeline.map((t) => [t.key, t.recoverySec])),
    simExit: simCode, simOk: report.ok === true, simFailures: report.failures ?? ['no report'],
    socketsDroppedByFaults: report.live?.errors?.droppedByFaults ?? null, unplannedExits,
    loadAverage: { start: Math.round(loadAtStart * 10) / 10, end: Math.round(loadavg()[0]! * 10) / 10 },
  };
  const recovered = timeline.every((t) => t.recoverySec !== null && t.recoverySec <= RECOVERY_TARGET_SEC);
  const ok = summary.oversold === 0 && summary.toldButMissing === 0 && summary.happenedButUntold === 0 && summary.approvedPaymentsLost === 0
    && summary.simOk && unplannedExits.length === 0 && recovered;
  console.log(`Chaos: ${fans} fans, ${tickets} tickets, 2 gateways, 2 shards, ${PARTITIONS} partitions`);
  for (const t of timeline) console.log(`  ${t.fault.padEnd(48)} → service back after ${t.recoverySec ?? 'never'} s → errors ${JSON.stringify(t.errors)}`);
  console.log(`  sold ${summary.ticketsSold}, oversold ${summary.oversold}; told but missing ${summary.toldButMissing}, happened but untold ${summary.happenedButUntold}, approved payments lost ${summary.approvedPaymentsLost}`);
  if (transit !== undefined && transit.examples.length > 0) console.log(`  e.g. ${transit.examples.join('; ')}`);
  console.log(`  sockets the killed processes dropped ${summary.socketsDroppedByFaults}; processes that exited unkilled: ${unplannedExits.length === 0 ? 'none' : unplannedExits.join(', ')}; load average ${summary.loadAverage.start} → ${summary.loadAverage.end}`);
  if (summary.simFailures.length > 0) console.log(`  the simulator's verdict: ${summary.simFailures.join(' | ')}`);
  else console.log(`  the simulator's verdict: clean`);
  if (values.json) console.log(JSON.stringify({ ...summary, timeline, ok }));
  const logs = values.logs ?? mkdtempSync(join(tmpdir(), 'breakwater-chaos-'));
  mkdirSync(logs, { recursive: true });
  writeFileSync(join(logs, 'cluster.log'), cluster.output());
  writeFileSync(join(logs, 'sim.log'), sim.output());
  writeFileSync(join(logs, 'probes.json'), JSON.stringify({ faults, probes }, null, 1));
  say(`chaos: logs in ${logs}`);
  await link.close();
  process.exitCode = ok ? 0 : 1;
}

/** Stops what this run started: the cluster (it hands over and stops its shards and gateways), the simulator, then the servers. */
async function stopAll(): Promise<void> {
  for (const child of children.reverse()) {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) continue;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      process.kill(-child.pid, 'SIGCONT'); // a shard may still be frozen
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      continue;
    }
    await Promise.race([exited, sleep(15_000)]);
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  for (const server of servers) await server.stop();
}

process.once('SIGINT', () => void stopAll().then(() => process.exit(130)));
main()
  .catch((err: unknown) => {
    say((err as Error).stack ?? String(err));
    process.exitCode = 2;
  })
  .finally(() => void stopAll().then(() => process.exit()));
