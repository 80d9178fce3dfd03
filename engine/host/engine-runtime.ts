/**
 * The runtime metrics of an engine process (`npm start`'s, or a shard), read
 * once a second (prom-client reads them asynchronously) and kept for the next
 * stats broadcast, which carries them to the gateways that answer /metrics.
 */
import type { EngineMetrics } from '../link/types.js';
import { familiesOf } from '../link/metric-families.js';
import { runtimeRegistry } from '../link/process-runtime.js';

export class EngineRuntime {
  private last: EngineMetrics | undefined;
  private timer: NodeJS.Timeout | undefined;

  /** `engine` labels every sample; `reported` hears each fresh report (a shard publishes it). */
  constructor(private readonly engine: string, private readonly reported: (metrics: EngineMetrics) => void = () => undefined) {}

  start(everyMs = 1000): void {
    if (this.timer !== undefined) return;
    const read = () => void this.read().catch(() => undefined); // a missed reading: the next one comes in a second
    read();
    this.timer = setInterval(read, everyMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  latest(): EngineMetrics | undefined {
    return this.last;
  }

  private async read(): Promise<void> {
    this.last = { engine: this.engine, pid: process.pid, at: Date.now(), families: await familiesOf([runtimeRegistry()], { engine: this.engine }) };
    this.reported(this.last);
  }
}
