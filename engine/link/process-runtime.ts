/**
 * This process's runtime metrics: prom-client's defaults (CPU, resident and
 * heap memory, event-loop lag, GC, handles) and `breakwater_build_info`. One
 * registry per process, whatever it runs (a gateway worker, the engine
 * process, a shard): the label naming the process is added when its figures
 * are reported (metric-families.ts).
 */
import { readFileSync } from 'node:fs';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';

/**
 * Left out: counting open descriptors reads /proc/self/fd, which takes 30–110 ms
 * at 19,000 sockets (gateway/bench/metrics-cost.ts) — a stall of a worker's
 * event loop at every report. `breakwater_gateway_connections` counts the sockets.
 */
const LEFT_OUT = ['process_open_fds'];

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

let registry: Registry | undefined;

export function runtimeRegistry(): Registry {
  if (registry !== undefined) return registry;
  registry = new Registry();
  collectDefaultMetrics({ register: registry });
  for (const name of LEFT_OUT) registry.removeSingleMetric(name);
  new Gauge({
    name: 'breakwater_build_info', help: 'Always 1: the version of Breakwater and of Node.js this process runs.', labelNames: ['version', 'node'], registers: [registry],
  }).set({ version: VERSION, node: process.version }, 1);
  return registry;
}
