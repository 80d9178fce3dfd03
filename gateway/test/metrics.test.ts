/**
 * /metrics as a gateway process writes it: every process's runtime metrics
 * under its own label, the build, units in the names, sums without float
 * noise, and the series of a closed event kept for a grace and then dropped
 * (on a simulated clock).
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../engine/src/index.js';
import { aesSeedVault } from '../../engine/stores/seed-vault.js';
import { EngineHost } from '../../engine/host/engine-host.js';
import type { EngineBroadcast } from '../../engine/link/types.js';
import { EngineRuntime } from '../../engine/host/engine-runtime.js';
import { GatewayMetrics } from '../src/metrics/gateway-metrics.js';
import { MetricsPage, type StatsBroadcast } from '../src/metrics/render.js';
import { eventConfig } from './helpers/test-gateway.js';

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
const GRACE_MS = 10 * 60_000;

function hostOnClock(options: { engine?: EngineRuntime } = {}) {
  const clock = new SimulatedClock(1_800_000_000_000);
  const engine = options.engine;
  const host = new EngineHost({
    clock, seeds: aesSeedVault('metrics-test-secret-0123456789'), log: () => undefined, closedEventGraceMs: GRACE_MS,
    ...(engine === undefined ? {} : { engineMetrics: () => engine.latest() }),
  });
  const stats: StatsBroadcast[] = [];
  host.subscribe((broadcast: EngineBroadcast) => {
    if (broadcast.type === 'stats') stats.push(broadcast);
  });
  const publish = (): StatsBroadcast => {
    host.publishStats();
    return stats.at(-1)!;
  };
  return { clock, host, publish };
}

async function page(stats: StatsBroadcast, metrics = new GatewayMetrics()): Promise<string> {
  const rendered = new MetricsPage();
  rendered.update(stats);
  return rendered.render(await metrics.report('w1'));
}

const runtime = new EngineRuntime('engine');
afterAll(() => runtime.stop());

describe('/metrics', () => {
  it('has the runtime metrics and the build of every process: the gateway process answering and the engine process', async () => {
    runtime.start(60_000);
    const { publish } = hostOnClock({ engine: runtime });
    await expect.poll(() => runtime.latest()).toBeDefined();
    const text = await page(publish());
    for (const label of ['worker="w1"', 'engine="engine"']) {
      for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_p99_seconds']) {
        expect(text).toMatch(new RegExp(`^${name}\\{${label}\\} \\d`, 'm'));
      }
      expect(text).toContain(`breakwater_build_info{${label},version="${VERSION}",node="${process.version}"} 1`);
    }
    expect(text).toContain('# TYPE nodejs_gc_duration_seconds histogram');
    // Left out on purpose: reading /proc/self/fd stalls a worker holding thousands of sockets.
    expect(text).not.toContain('process_open_fds');
    // One HELP and TYPE per family, whatever the number of processes.
    const types = [...text.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]);
    expect(new Set(types).size).toBe(types.length);
  });

  it('names every figure with its unit: the admission rate is per second, the proof of work in bits', async () => {
    const { host, publish } = hostOnClock();
    host.handle({ op: 'createEvent', config: eventConfig(host.clock.now(), { id: 'units' }), publish: true, settings: {} });
    const text = await page(publish());
    expect(text).toContain('breakwater_event_admissions_per_second{event="units"} 0');
    expect(text).toContain('breakwater_event_pow_difficulty_bits{event="units"} ');
    expect(text).not.toMatch(/admission_rate|pow_difficulty\{/);
    const gauges = [...text.matchAll(/^# TYPE (breakwater_\S+) gauge/gm)].map((m) => m[1]!);
    const counters = [...text.matchAll(/^# TYPE (breakwater_\S+) counter/gm)].map((m) => m[1]!);
    expect(counters.length).toBeGreaterThan(5);
    for (const name of counters) expect(name).toMatch(/_total$/);
    for (const name of gauges) expect(name).not.toMatch(/_total$|rate$/);
  });

  it('writes sums of seconds without float noise', async () => {
    const metrics = new GatewayMetrics();
    // 0.1 + 0.2 is 0.30000000000000004 in floating point.
    metrics.joinLatency.observe(0.1);
    metrics.joinLatency.observe(0.2);
    const text = await page(hostOnClock().publish(), metrics);
    expect(text).toContain('breakwater_gateway_join_seconds_sum{worker="w1"} 0.3\n');
    // No value anywhere ends in the noise of a float sum (prom-client adds user and system CPU seconds, too).
    expect(text).not.toMatch(/\d\.\d*(0000000\d|9999999\d)\b/);
    expect(text).toContain('breakwater_gateway_join_seconds_count{worker="w1"} 2\n');
    expect(text).toContain('breakwater_gateway_join_seconds_bucket{worker="w1",le="0.25"} 2\n');
  });

  it('keeps a closed event\'s series for the grace period, then drops them; open events stay', async () => {
    const { clock, host, publish } = hostOnClock();
    host.handle({ op: 'createEvent', config: eventConfig(clock.now(), { id: 'over' }), publish: true, settings: {} });
    host.handle({ op: 'createEvent', config: eventConfig(clock.now(), { id: 'on', closesAt: clock.now() + 24 * 3600_000 }), publish: true, settings: {} });
    host.handle({ op: 'command', command: { type: 'close', eventId: 'over' } });
    expect((await page(publish()))).toContain('breakwater_event_phase{event="over",phase="closed"} 1');

    clock.advance(GRACE_MS);
    expect(publish().events.map((e) => e.eventId)).toEqual(['over', 'on']);
    clock.advance(1);
    const after = publish();
    expect(after.events.map((e) => e.eventId)).toEqual(['on']);
    const text = await page(after);
    expect(text).not.toContain('event="over"');
    expect(text).toContain('breakwater_event_joins_total{event="on"} 0');
  });

  it('drops an event closed by its closing time the same way, counting from when it closed', async () => {
    const { clock, host, publish } = hostOnClock();
    host.handle({ op: 'createEvent', config: eventConfig(clock.now(), { id: 'timed', closesAt: clock.now() + 120_000 }), publish: true, settings: {} });
    clock.advance(120_000);
    host.tick();
    expect(publish().events.map((e) => [e.eventId, e.phase, e.closedAt])).toEqual([['timed', 'closed', clock.now()]]);
    clock.advance(GRACE_MS + 1);
    expect(publish().events).toEqual([]);
  });
});
