/**
 * The capacity model (gateway/bench/capacity-model.ts): machines scale with
 * the load, each kind is limited by the resource that runs out first (CPU,
 * the open-files limit on sockets, memory, the network), and one event's
 * journal rate is held to what one shard process can decide.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { planCapacity, type Load, type MachineSpec, type OperationCosts } from '../bench/capacity-model.js';

// Round figures, so every count below can be worked out by hand.
const COSTS: OperationCosts = {
  gatewayConnectCpuUs: 0,
  gatewayJoinCpuUs: 100,
  gatewayFanUpdateCpuUs: 10,
  gatewayBytesPerFan: 10_000,
  natsCpuUsPerRequest: 20,
  shardCpuUsPerEntry: 100,
  shardDrawJoinExtraCpuUs: 25,
  shardBytesPerFan: 200,
  redisCpuUsPerEntry: 5,
  journalBytesPerEntry: 40,
};
const LOAD: Load = { fansPerMinute: 6_000_000, minutes: 1, events: 1, updatesPerFanPerSec: 4, drawShare: 0, entriesPerFan: 1 };
const MACHINE: MachineSpec = {
  cores: 10, memoryGiB: 64, nicGbps: 10, utilisation: 0.5, openFilesPerProcess: 20_000, reservedFilesPerProcess: 2_500, wireBytesPerUpdate: 150,
};

describe('the capacity plan', () => {
  it('needs twice the gateways for twice the fans, when their CPU limits them', () => {
    // 100,000 joins/s × 100 µs + 24,000,000 frames/s × 10 µs = 250 cores; 5 usable a machine.
    const plan = planCapacity(COSTS, LOAD, MACHINE);
    expect(plan.gateway).toMatchObject({ machines: 50, processes: 500, limitedBy: 'cpu', busyCores: 250 });
    const doubled = planCapacity(COSTS, { ...LOAD, fansPerMinute: 12_000_000 }, MACHINE);
    expect(doubled.gateway).toMatchObject({ machines: 100, limitedBy: 'cpu' });
    expect(doubled.nats.busyCores).toBe(2 * plan.nats.busyCores);
  });

  it('holds sockets to the open-files limit of a gateway process', () => {
    const idle = { ...LOAD, fansPerMinute: 1_750_000, updatesPerFanPerSec: 0 };
    // 20,000 open files − 2,500 kept for other uses = 17,500 fans a process, 175,000 a 10-core machine.
    expect(planCapacity(COSTS, idle, MACHINE).gateway).toMatchObject({ machines: 10, processes: 100, limitedBy: 'sockets' });
    expect(planCapacity(COSTS, idle, { ...MACHINE, openFilesPerProcess: 37_500 }).gateway).toMatchObject({ machines: 5, limitedBy: 'sockets' });
  });

  it('counts the memory each fan holds in the gateways, the shards and Redis', () => {
    const heavy = planCapacity({ ...COSTS, gatewayBytesPerFan: 2 ** 20 }, { ...LOAD, updatesPerFanPerSec: 0 }, MACHINE);
    // 6,000,000 fans × 1 MiB over 32 usable GiB a machine.
    expect(heavy.gateway).toMatchObject({ limitedBy: 'memory', machines: Math.ceil((6_000_000 * 2 ** 20) / (32 * 2 ** 30)) });
    expect(heavy.shard.memoryGiB).toBeCloseTo((6_000_000 * 200) / 2 ** 30, 6);
    expect(heavy.redis.memoryGiB).toBeCloseTo((6_000_000 * 40) / 2 ** 30, 6);
  });

  it('names the network when the queue frames fill it first', () => {
    const plan = planCapacity({ ...COSTS, gatewayFanUpdateCpuUs: 0.01, gatewayJoinCpuUs: 0 }, LOAD, { ...MACHINE, nicGbps: 1 });
    // 24,000,000 frames/s × 150 bytes × 8 = 28.8 Gbit/s over 0.5 Gbit/s usable a machine.
    expect(plan.gateway).toMatchObject({ limitedBy: 'network', machines: 58 });
  });

  it('reports the per-event ceiling when one event asks more of its shard than one core decides', () => {
    const plan = planCapacity(COSTS, LOAD, MACHINE);
    // One shard core at 100 µs an entry: 10,000 entries/s, against 100,000 asked.
    expect(plan.perEvent).toMatchObject({ entriesPerSec: 10_000, limitedBy: 'shard', askedPerSec: 100_000, exceeded: true, journalSec: 600, minRushMinutes: 10, minEvents: 10 });
    // Joins into a draw cost the shard more: a lower ceiling.
    expect(planCapacity(COSTS, { ...LOAD, drawShare: 1 }, MACHINE).perEvent.entriesPerSec).toBe(8_000);
    // Spread over 20 events on 20 cores, each within it (0.5 a core each at 5,000 entries/s).
    const spread = planCapacity(COSTS, { ...LOAD, events: 20 }, MACHINE);
    expect(spread.perEvent.exceeded).toBe(false);
    expect(spread.shard).toMatchObject({ eventsPerShard: 1, processes: 20, machines: 2, partitions: 32 });
    // A tenth of the fans over 20 events: 500 entries/s an event, 0.05 of a core, 10 events to a shard process at half load.
    expect(planCapacity(COSTS, { ...LOAD, fansPerMinute: 600_000, events: 20 }, MACHINE).shard).toMatchObject({ eventsPerShard: 10, processes: 2, partitions: 16 });
  });

  it('puts the ceiling at Redis when one key takes entries slower than the shard makes them', () => {
    const plan = planCapacity({ ...COSTS, redisCpuUsPerEntry: 200 }, LOAD, MACHINE);
    expect(plan.perEvent).toMatchObject({ entriesPerSec: 5_000, limitedBy: 'redis', exceeded: true });
  });

  it('has every cost the model reads in docs/capacity-costs.json, each with its source', () => {
    const file = JSON.parse(readFileSync(new URL('../../docs/capacity-costs.json', import.meta.url), 'utf8')) as { costs: Record<string, { value: number; source: string }> };
    expect(Object.keys(file.costs).sort()).toEqual(Object.keys(COSTS).sort());
    for (const cost of Object.values(file.costs)) {
      expect(cost.value).toBeGreaterThan(0);
      expect(cost.source).toMatch(/npm run bench:/);
    }
  });
});
