/**
 * /metrics: every event's figures (from the engine's last stats broadcast),
 * every gateway process's own figures and runtime metrics (each reports every
 * second; this process's are read live) and the engine processes' runtime
 * metrics, so whichever worker a scrape lands on answers for the machine —
 * in cluster mode, for every gateway and shard it hears on NATS. Each
 * process's samples carry its label: `worker` for a gateway process, `engine`
 * for the engine process or a shard.
 */
import { Registry } from 'prom-client';
import type { EngineBroadcast, WorkerMetrics } from '../../../engine/link/types.js';
import { registerEventMetrics } from './event-metrics.js';
import { exposition, familiesOf } from '../../../engine/link/metric-families.js';

export type StatsBroadcast = Extract<EngineBroadcast, { type: 'stats' }>;

export class MetricsPage {
  private readonly events = new Registry();
  private stats: StatsBroadcast | undefined;

  constructor() {
    registerEventMetrics(this.events, () => this.stats?.events ?? []);
  }

  update(stats: StatsBroadcast): void {
    this.stats = stats;
  }

  async render(self: WorkerMetrics): Promise<string> {
    const workers = new Map((this.stats?.workers ?? []).map((w) => [w.worker, w]));
    workers.set(self.worker, self);
    const processes = [...[...workers.values()].sort((a, b) => a.worker.localeCompare(b.worker)), ...(this.stats?.engines ?? [])];
    return exposition([await familiesOf([this.events]), ...processes.map((p) => p.families)]);
  }
}
