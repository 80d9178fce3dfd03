/**
 * The capacity model (docs/capacity.md): per-operation costs measured by the
 * benchmarks, a load and a machine → how many machines of each kind and what
 * limits each. Pure: no I/O, no clock; `npm run capacity` (capacity.ts) reads
 * the costs from docs/capacity-costs.json and prints the plan.
 */

/** What one operation costs, as measured on the bench machine (docs/capacity-costs.json says where each comes from). */
export interface OperationCosts {
  /** Gateway CPU per WebSocket opened (upgrade, hello). */
  gatewayConnectCpuUs: number;
  /** Gateway CPU per join, through to the `joined` frame (the line refreshes of the join phase included). */
  gatewayJoinCpuUs: number;
  /** Gateway CPU per `queue` frame written to one fan. */
  gatewayFanUpdateCpuUs: number;
  /** Gateway memory per connected, joined fan (the process's own memory spread over its fans). */
  gatewayBytesPerFan: number;
  /** NATS server CPU per fan request (gateway → shard and its reply, batched as the gateway batches). */
  natsCpuUsPerRequest: number;
  /** Engine shard CPU per journal entry (a join: NATS decode, engine, encoding, the Redis write, the reply). */
  shardCpuUsPerEntry: number;
  /** Extra shard CPU for a join into a draw (receipt and pseudonym, docs/fairness.md) over one numbered at once. */
  shardDrawJoinExtraCpuUs: number;
  /** Engine memory per waiting fan (heap and typed-array columns). */
  shardBytesPerFan: number;
  /** Redis CPU per journal entry. */
  redisCpuUsPerEntry: number;
  /** Journal bytes per entry. */
  journalBytesPerEntry: number;
}

/** What is asked of the deployment. */
export interface Load {
  /** Fans arriving in the rush, per minute. */
  fansPerMinute: number;
  /** How many minutes the rush lasts (every fan who arrived in it is still connected at its end). */
  minutes: number;
  /** Events the fans are spread over, evenly. */
  events: number;
  /** `queue` frames per waiting fan per second: 4 while admission moves the line every 250 ms tick (docs/protocol.md). */
  updatesPerFanPerSec: number;
  /** Share of arrivals that join into a draw (the pre-queue and the start window): 1 for a rush at the on-sale. */
  drawShare: number;
  /** Journal entries per arriving fan (a join; leaves, presence and purchases come later and slower). */
  entriesPerFan: number;
}

/** One machine of the plan, every kind alike; and the limits of its processes. */
export interface MachineSpec {
  cores: number;
  memoryGiB: number;
  nicGbps: number;
  /** The share of cores, memory and network the plan fills: the rest is headroom for bursts and failover. */
  utilisation: number;
  /** Open files one process may hold (the bench machine: ~20,000). */
  openFilesPerProcess: number;
  /** Files a gateway process keeps for other than fans (listening sockets, NATS, Redis, logs, files served). */
  reservedFilesPerProcess: number;
  /** Bytes on the wire per `queue` frame (payload, WebSocket and TCP/IP headers). */
  wireBytesPerUpdate: number;
}

export type Resource = 'cpu' | 'sockets' | 'memory' | 'network';

export interface TierPlan {
  machines: number;
  /** Processes of this kind: gateway processes one a core; shard processes as the events need; NATS one a machine; Redis instances one a core. */
  processes: number;
  limitedBy: Resource;
  /** Machines each resource alone would need. */
  byResource: Partial<Record<Resource, number>>;
  /** Cores busy at the peak, all machines of the kind together. */
  busyCores: number;
  /** Memory held at the peak, GiB, all machines together. */
  memoryGiB: number;
}

export interface PerEventCeiling {
  /** Journal entries a second one event can take: one shard process (one core) decides it, its journal is one Redis key. */
  entriesPerSec: number;
  limitedBy: 'shard' | 'redis';
  /** Entries a second one event is asked for. */
  askedPerSec: number;
  exceeded: boolean;
  /** How long one event's arrivals take to journal at the ceiling (s). */
  journalSec: number;
  /** The shortest rush (minutes) an event's fans can arrive over without exceeding it. */
  minRushMinutes: number;
  /** The fewest equal events the same fans could be split into without exceeding it. */
  minEvents: number;
}

export interface CapacityPlan {
  joinsPerSec: number;
  entriesPerSec: number;
  socketsAtPeak: number;
  fanUpdatesPerSec: number;
  gateway: TierPlan;
  nats: TierPlan;
  shard: TierPlan & { eventsPerShard: number; partitions: number };
  redis: TierPlan;
  perEvent: PerEventCeiling;
}

const GIB = 2 ** 30;

/** The machines each resource needs; the plan takes the most, and names that resource (CPU on a tie). */
function tier(byResource: Partial<Record<Resource, number>>, processes: (machines: number) => number, busyCores: number, memoryBytes: number): TierPlan {
  const needs = Object.entries(byResource) as Array<[Resource, number]>;
  const [limitedBy, machines] = needs.reduce((most, need) => (need[1] > most[1] ? need : most));
  return { machines, processes: processes(machines), limitedBy, byResource, busyCores, memoryGiB: memoryBytes / GIB };
}

const machinesFor = (demand: number, perMachine: number): number => Math.max(1, Math.ceil(demand / perMachine - 1e-9));

export function planCapacity(costs: OperationCosts, load: Load, machine: MachineSpec): CapacityPlan {
  const fans = load.fansPerMinute * load.minutes;
  const joinsPerSec = load.fansPerMinute / 60;
  const entriesPerSec = joinsPerSec * load.entriesPerFan;
  const socketsAtPeak = fans;
  const fanUpdatesPerSec = socketsAtPeak * load.updatesPerFanPerSec;
  const usableCores = machine.cores * machine.utilisation;
  const usableBytes = machine.memoryGiB * GIB * machine.utilisation;

  // Gateways: one process a core, each under its open-files limit.
  const gatewayCores = (joinsPerSec * (costs.gatewayConnectCpuUs + costs.gatewayJoinCpuUs) + fanUpdatesPerSec * costs.gatewayFanUpdateCpuUs) / 1e6;
  const socketsPerProcess = machine.openFilesPerProcess - machine.reservedFilesPerProcess;
  const gatewayBytes = socketsAtPeak * costs.gatewayBytesPerFan;
  const wireBitsPerSec = fanUpdatesPerSec * machine.wireBytesPerUpdate * 8;
  const gateway = tier({
    cpu: machinesFor(gatewayCores, usableCores),
    sockets: machinesFor(socketsAtPeak, machine.cores * socketsPerProcess),
    memory: machinesFor(gatewayBytes, usableBytes),
    network: machinesFor(wireBitsPerSec, machine.nicGbps * 1e9 * machine.utilisation),
  }, (machines) => machines * machine.cores, gatewayCores, gatewayBytes);

  // NATS: a Go server uses every core of its machine.
  const natsCores = (joinsPerSec * costs.natsCpuUsPerRequest) / 1e6;
  const nats = tier({ cpu: machinesFor(natsCores, usableCores) }, (machines) => machines, natsCores, 0);

  // The per-event ceiling: one event is decided by one shard process (one core) and journaled under one Redis key (one Redis thread).
  const shardUsPerEntry = costs.shardCpuUsPerEntry + (costs.shardDrawJoinExtraCpuUs * load.drawShare) / load.entriesPerFan;
  const shardCeiling = 1e6 / shardUsPerEntry;
  const redisCeiling = 1e6 / costs.redisCpuUsPerEntry;
  const ceiling = Math.min(shardCeiling, redisCeiling);
  const askedPerEvent = entriesPerSec / load.events;
  const eventEntries = (fans / load.events) * load.entriesPerFan;
  const perEvent: PerEventCeiling = {
    entriesPerSec: ceiling,
    limitedBy: shardCeiling <= redisCeiling ? 'shard' : 'redis',
    askedPerSec: askedPerEvent,
    exceeded: askedPerEvent > ceiling,
    journalSec: eventEntries / ceiling,
    minRushMinutes: eventEntries / ceiling / 60,
    minEvents: Math.ceil(entriesPerSec / ceiling - 1e-9),
  };

  // Shards: one process a core; events packed whole, each taking at most what one core gives at the planned utilisation.
  const eventCores = (askedPerEvent * shardUsPerEntry) / 1e6;
  const eventsPerShard = Math.max(1, Math.floor(machine.utilisation / eventCores));
  const shardProcesses = Math.ceil(load.events / eventsPerShard);
  const shardCores = Math.min(eventCores, 1) * load.events;
  const shardBytes = fans * costs.shardBytesPerFan;
  const shard = {
    ...tier({
      cpu: machinesFor(shardProcesses, machine.cores),
      memory: machinesFor(shardBytes, usableBytes),
    }, () => shardProcesses, shardCores, shardBytes),
    eventsPerShard,
    // Events land on partitions by hash: enough partitions that every shard process can own one (docs/operations.md).
    partitions: Math.max(16, 2 ** Math.ceil(Math.log2(shardProcesses))),
  };

  // Redis: one thread an instance (a Redis Cluster runs one a core); an event's journal is one key, so one instance takes it all.
  const redisCores = Math.min(entriesPerSec, ceiling * load.events) * costs.redisCpuUsPerEntry / 1e6;
  const redisInstances = Math.max(Math.ceil(redisCores / machine.utilisation - 1e-9), 1);
  const redisBytes = fans * load.entriesPerFan * costs.journalBytesPerEntry;
  const redis = tier({
    cpu: machinesFor(redisInstances, machine.cores),
    memory: machinesFor(redisBytes, usableBytes),
  }, () => redisInstances, redisCores, redisBytes);

  return { joinsPerSec, entriesPerSec, socketsAtPeak, fanUpdatesPerSec, gateway, nats, shard, redis, perEvent };
}
