/**
 * How many machines for a sale of N fans a minute (docs/capacity.md).
 *
 *   npm run capacity -- --fans-per-minute N [--events E] [--minutes M] [--json]
 *                       [--cores 16] [--memory-gb 64] [--nic-gbps 10] [--utilisation 0.6]
 *                       [--updates-per-fan 4] [--draw-share 1] [--costs docs/capacity-costs.json]
 *   npm run capacity -- --measure [--measure-fans 10000] [--measure-join-rate 2000]
 *
 * The plan is capacity-model.ts's pure function of the per-operation costs in
 * docs/capacity-costs.json. --measure runs the benchmarks those costs come
 * from (briefly: one run each) on this machine and rewrites that file.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { planCapacity, type CapacityPlan, type Load, type MachineSpec, type OperationCosts, type TierPlan } from './capacity-model.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** docs/capacity-costs.json: each figure with where it came from. */
export interface CostsFile {
  measuredAt: string;
  machine: string;
  costs: Record<keyof OperationCosts, { value: number; unit: string; source: string }>;
}

const { values } = parseArgs({
  options: {
    'fans-per-minute': { type: 'string' },
    events: { type: 'string', default: '1' },
    minutes: { type: 'string', default: '1' },
    json: { type: 'boolean' },
    cores: { type: 'string', default: '16' },
    'memory-gb': { type: 'string', default: '64' },
    'nic-gbps': { type: 'string', default: '10' },
    utilisation: { type: 'string', default: '0.6' },
    'open-files': { type: 'string', default: '20000' },
    'updates-per-fan': { type: 'string', default: '4' },
    'draw-share': { type: 'string', default: '1' },
    costs: { type: 'string', default: join(ROOT, 'docs', 'capacity-costs.json') },
    measure: { type: 'boolean' },
    'measure-fans': { type: 'string', default: '10000' },
    'measure-join-rate': { type: 'string', default: '2000' },
    help: { type: 'boolean' },
  },
});

function usage(): never {
  console.log('npm run capacity -- --fans-per-minute N [--events 1] [--minutes 1] [--json] [--cores 16] [--memory-gb 64] [--nic-gbps 10] [--utilisation 0.6] [--open-files 20000] [--updates-per-fan 4] [--draw-share 1] [--costs FILE]');
  console.log('npm run capacity -- --measure [--measure-fans 10000] [--measure-join-rate 2000]   (re-measures the costs on this machine and rewrites the costs file)');
  process.exit(values.help === true ? 0 : 2);
}

function number(name: keyof typeof values, min: number, max = Number.POSITIVE_INFINITY): number {
  const n = Number(values[name]);
  if (!Number.isFinite(n) || n < min || n > max) {
    console.error(`--${name} must be a number from ${min}${max === Number.POSITIVE_INFINITY ? '' : ` to ${max}`}`);
    usage();
  }
  return n;
}

// ── Measuring ─────────────────────────────────────────────────────────────

/** Runs a bench script under node and returns its stdout (its progress goes to this terminal). */
function runBench(script: string, args: string[], nodeFlags: string[] = []): string {
  console.error(`$ node ${[...nodeFlags, '--import', 'tsx', script, ...args].join(' ')}`);
  const run = spawnSync(process.execPath, [...nodeFlags, '--import', 'tsx', join(ROOT, script), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  if (run.status !== 0) throw new Error(`${script} failed (exit ${run.status})`);
  return run.stdout;
}

const lastJson = (out: string): Record<string, unknown> => JSON.parse(out.trim().split('\n').at(-1)!) as Record<string, unknown>;
const round = (x: number, digits = 1): number => Number(x.toFixed(digits));

function measure(): CostsFile {
  const fans = number('measure-fans', 1000, 17_500);
  const joinRate = number('measure-join-rate', 100);
  const gatewayArgs = ['--cluster', '--no-echo', '--json', '--fans', String(fans), '--workers', '1', '--shards', '1', '--load-procs', String(Math.ceil(fans / 15_000)), '--join-rate', String(joinRate), '--ticks', '8'];
  const gatewayCommand = `npm run bench:gateway -- ${gatewayArgs.join(' ')}`;
  const load = loadavg()[0]!;
  const g = lastJson(runBench('gateway/bench/gateway-bench.ts', gatewayArgs)).gateway as {
    connections: number; joined: number; cpuMs: Record<'connect' | 'join' | 'ticks', Record<string, number>>;
    ticks: Array<{ reached: number }>; rssByProcessMB: Record<string, number[]>;
  };
  // A refused join still cost CPU: per-join figures hold only when every join went through.
  if (g.joined < g.connections) throw new Error(`${g.connections - g.joined} of ${g.connections} joins were refused: this machine cannot carry ${joinRate} joins/s now; measure again with a lower --measure-join-rate`);
  const updates = g.ticks.reduce((sum, tick) => sum + tick.reached, 0);
  const perJoin = (group: string) => round((g.cpuMs.join[group]! * 1000) / g.joined);
  const engine = lastJson(runBench('engine/bench/engine-bench.ts', ['--runs', '1', '--json'], ['--expose-gc']));
  const drawText = runBench('engine/bench/draw-bench.ts', []);
  const draw = /into the draw ([\d,]+)\/s, numbered at once ([\d,]+)\/s/.exec(drawText);
  if (draw === null) throw new Error('draw-bench printed no join rates');
  const intoDraw = Number(draw[1]!.replaceAll(',', ''));
  const atOnce = Number(draw[2]!.replaceAll(',', ''));
  const durableArgs = ['--runs', '1', '--fans', '20000', '--restart-fans', '200000', '--restart-runs', '1', '--json'];
  const durable = lastJson(runBench('gateway/bench/durable-bench.ts', durableArgs, ['--expose-gc'])) as { restarts: Array<{ journalMB: number; entries: number }> };
  const restart = durable.restarts[0]!;
  const gatewayRss = g.rssByProcessMB.gateways!.reduce((a, b) => a + b, 0);
  const from = (what: string) => `${gatewayCommand}: ${what}`;
  return {
    measuredAt: new Date().toISOString(),
    machine: `${availableParallelism()} cores, load average ${round(load)} when measured (npm run capacity -- --measure --measure-fans ${fans} --measure-join-rate ${joinRate})`,
    costs: {
      gatewayConnectCpuUs: { value: round((g.cpuMs.connect.gateways! * 1000) / g.connections), unit: 'CPU-µs per WebSocket opened', source: from('gateway.cpuMs.connect.gateways ÷ connections') },
      gatewayJoinCpuUs: { value: perJoin('gateways'), unit: 'CPU-µs per join', source: from('gateway.cpuMs.join.gateways ÷ joined (the line refreshes sent meanwhile included)') },
      gatewayFanUpdateCpuUs: { value: round((g.cpuMs.ticks.gateways! * 1000) / updates, 2), unit: 'CPU-µs per queue frame to one fan', source: from('gateway.cpuMs.ticks.gateways ÷ Σ ticks[].reached (the admitted frames of the phase included)') },
      gatewayBytesPerFan: { value: Math.round((gatewayRss * 2 ** 20) / g.joined), unit: 'bytes of gateway RSS per joined fan', source: from('Σ gateway.rssByProcessMB.gateways ÷ joined (the process\'s own memory included)') },
      natsCpuUsPerRequest: { value: perJoin('nats'), unit: 'CPU-µs per fan request', source: from('gateway.cpuMs.join.nats ÷ joined') },
      shardCpuUsPerEntry: { value: perJoin('shards'), unit: 'CPU-µs per journal entry', source: from('gateway.cpuMs.join.shards ÷ joined (a join is one entry)') },
      shardDrawJoinExtraCpuUs: { value: round(1e6 / intoDraw - 1e6 / atOnce, 2), unit: 'CPU-µs per join into a draw, over one numbered at once', source: `npm run bench:draw: 1e6 ÷ joins into the draw/s (${intoDraw}) − 1e6 ÷ joins numbered at once/s (${atOnce})` },
      shardBytesPerFan: {
        value: round(Number(engine.heapBytesPerWaitingFan) + Number(engine.offHeapBytesPerWaitingFan)), unit: 'bytes per waiting fan',
        source: 'npm run bench:engine -- --runs 1 --json: heapBytesPerWaitingFan + offHeapBytesPerWaitingFan',
      },
      redisCpuUsPerEntry: { value: perJoin('redis'), unit: 'CPU-µs per journal entry', source: from('gateway.cpuMs.join.redis ÷ joined') },
      journalBytesPerEntry: {
        value: round((restart.journalMB * 2 ** 20) / restart.entries), unit: 'bytes per journal entry',
        source: `npm run bench:durable -- ${durableArgs.join(' ')}: restarts[0].journalMB ÷ entries (the file journal's encoding; Redis keeps the same entries in msgpack blobs)`,
      },
    },
  };
}

// ── Printing ──────────────────────────────────────────────────────────────

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const RESOURCE: Record<TierPlan['limitedBy'], string> = { cpu: 'CPU', sockets: 'open files (sockets a process)', memory: 'memory', network: 'network' };

function print(plan: CapacityPlan, load: Load, machine: MachineSpec, costs: CostsFile): void {
  const fans = load.fansPerMinute * load.minutes;
  const lines = [
    `Capacity plan: ${int(fans)} fans arriving over ${load.minutes} minute${load.minutes === 1 ? '' : 's'} (${int(load.fansPerMinute)} a minute), ${load.events} event${load.events === 1 ? '' : 's'}`,
    `  costs: ${costs.measuredAt.slice(0, 16)}Z on ${costs.machine}`,
    `  machine: ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.nicGbps} Gbit/s, planned ${Math.round(machine.utilisation * 100)} % busy; ` +
      `${int(machine.openFilesPerProcess - machine.reservedFilesPerProcess)} sockets a gateway process (${int(machine.openFilesPerProcess)} open files)`,
    `  load: ${int(plan.joinsPerSec)} joins/s; ${int(plan.socketsAtPeak)} fans connected at the peak; ${int(plan.fanUpdatesPerSec)} queue frames/s (${load.updatesPerFanPerSec} a fan a second)`,
    '',
    `  ${'kind'.padEnd(14)}${'machines'.padStart(9)}${'processes'.padStart(11)}  ${'busy cores'.padStart(10)}${'memory GiB'.padStart(12)}  limited by`,
  ];
  const figure = (n: number) => (n < 1 ? n.toFixed(2) : n < 10 ? n.toFixed(1) : int(n));
  const row = (name: string, t: TierPlan) => {
    const others = Object.entries(t.byResource).filter(([r]) => r !== t.limitedBy).map(([r, m]) => `${r} ${int(m)}`).join(', ');
    lines.push(`  ${name.padEnd(14)}${int(t.machines).padStart(9)}${int(t.processes).padStart(11)}  ${figure(t.busyCores).padStart(10)}${figure(t.memoryGiB).padStart(12)}  ${RESOURCE[t.limitedBy]}${others === '' ? '' : ` (machines for ${others})`}`);
  };
  row('gateway', plan.gateway);
  row('NATS', plan.nats);
  row('engine shard', plan.shard);
  row('Redis', plan.redis);
  const frameCores = (plan.fanUpdatesPerSec * costs.costs.gatewayFanUpdateCpuUs.value) / 1e6;
  lines.push('', `  gateway CPU: ${Math.round((frameCores / plan.gateway.busyCores) * 100)} % writing queue frames, the rest connections and joins`);
  const e = plan.perEvent;
  if (plan.redis.processes > 1) {
    lines.push(`  Redis: ${plan.redis.processes} instances mean a Redis Cluster, which the shards' client does not speak yet (docs/operations.md): ` +
      `today one primary takes every entry, at most ${int(1e6 / costs.costs.redisCpuUsPerEntry.value)}/s for the whole deployment`);
  }
  lines.push(`  shards: ${plan.shard.eventsPerShard} event${plan.shard.eventsPerShard === 1 ? '' : 's'} a shard process; --partitions ${plan.shard.partitions} or more`);
  lines.push(`  per-event ceiling: one event is decided on one shard process (one core) and journaled under one Redis key: ` +
    `${int(e.entriesPerSec)} entries/s, set by ${e.limitedBy === 'shard' ? 'the shard' : 'Redis'}; asked ${int(e.askedPerSec)}/s an event`);
  if (e.exceeded) {
    lines.push(`  EXCEEDED ${(e.askedPerSec / e.entriesPerSec).toFixed(1)}×: one event's ${int(fans / load.events)} arrivals take ${int(e.journalSec / 60)} min to journal at the ceiling.`,
      '    Above it joins queue on the owning shard; after 5 s a join is answered ENGINE_UNAVAILABLE and the fan page retries it 2–4 s later',
      '    (same place if it had run; the shard still runs the request the gateway gave up on, so retries add to the backlog). Nothing sheds',
      '    or paces joins before the shard: the draw orders arrivals, it does not absorb them; admission paces who shops, not who joins.',
      '    Instead (docs/capacity.md):',
      `    - spread the arrivals: open the pre-queue at least ${int(e.minRushMinutes)} min before the on-sale; every join that lands before the start window closes`,
      '      is in the one draw, so arriving early is worth nothing and a join the backlog delayed loses nothing;',
      `    - or split the sale into at least ${int(e.minEvents)} events (by date, block or region): each is decided on its own shard.`);
  }
  console.log(lines.join('\n'));
}

// ── Main ──────────────────────────────────────────────────────────────────

if (values.help === true) usage();
if (values.measure === true) {
  let measured: CostsFile;
  try {
    measured = measure();
  } catch (err) {
    console.error(`capacity --measure: ${(err as Error).message}; ${values.costs} is unchanged`);
    process.exit(1);
  }
  writeFileSync(values.costs!, `${JSON.stringify(measured, null, 2)}\n`);
  console.log(`wrote ${values.costs}:`);
  for (const [name, cost] of Object.entries(measured.costs)) console.log(`  ${name.padEnd(26)} ${String(cost.value).padStart(9)}  ${cost.unit}`);
  process.exit(0);
}
if (values['fans-per-minute'] === undefined) usage();
const costsFile = JSON.parse(readFileSync(values.costs!, 'utf8')) as CostsFile;
const costs = Object.fromEntries(Object.entries(costsFile.costs).map(([name, cost]) => [name, cost.value])) as unknown as OperationCosts;
const load: Load = {
  fansPerMinute: number('fans-per-minute', 1),
  minutes: number('minutes', 1 / 60),
  events: Math.round(number('events', 1)),
  updatesPerFanPerSec: number('updates-per-fan', 0),
  drawShare: number('draw-share', 0, 1),
  entriesPerFan: 1,
};
const machine: MachineSpec = {
  cores: Math.round(number('cores', 1)),
  memoryGiB: number('memory-gb', 1),
  nicGbps: number('nic-gbps', 0.1),
  utilisation: number('utilisation', 0.05, 1),
  openFilesPerProcess: Math.round(number('open-files', 1000)),
  reservedFilesPerProcess: 2_500,
  // A queue frame is ~81 bytes (docs/benchmarks.md, protocol v3), 2 of WebSocket header, ~66 of TCP/IP/Ethernet when it goes alone.
  wireBytesPerUpdate: 150,
};
const plan = planCapacity(costs, load, machine);
if (values.json === true) console.log(JSON.stringify({ load, machine, costs: costsFile, plan }));
else print(plan, load, machine, costsFile);
