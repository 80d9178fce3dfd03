/**
 * The figures of one gateway process, in its own prom-client registry:
 * counted where they happen (an increment costs about what `n++` does; a
 * labelled one or a histogram observation ~0.5 µs, against ~200 µs of CPU
 * per join: gateway/bench/metrics-cost.ts), reported every second with the
 * process's runtime metrics to whichever process answers /metrics.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { WorkerDown } from '../../../engine/link/ipc.js';
import type { WorkerMetrics } from '../../../engine/link/types.js';
import type { HttpFault } from '../http/router.js';
import { NO_DOOR_FIGURES, type DoorFigures } from '../protection/door-budgets.js';
import { BUDGETS, type BudgetName } from '../protection/door-exchange.js';
import { familiesOf } from '../../../engine/link/metric-families.js';
import { runtimeRegistry } from '../../../engine/link/process-runtime.js';

export type RejectReason =
  | 'badFrame' | 'tooBig' | 'unknownType' | 'malformed' | 'rateLimited' | 'floodClosed' | 'tooManyConnections'
  | 'joinRateLimited' | 'protocolVersion' | 'unauthorized' | 'httpRateLimited' | 'powRequired' | 'tokenInvalid' | 'identityRefused' | 'backpressureClosed'
  /** The engine could not be reached (cluster mode: no shard serves the partition yet, NATS or Redis down). */
  | 'engineUnavailable';

/** Seconds: 0.5 ms … 5 s. */
export const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

const REFUSED_LABELS: Record<BudgetName, { what: string; key: string }> = {
  connectionsPerIp: { what: 'connection', key: 'address' },
  connectionsPerSubnet: { what: 'connection', key: 'subnet' },
  joinsPerIp: { what: 'join', key: 'address' },
  joinsPerSubnet: { what: 'join', key: 'subnet' },
};

export interface GatewayMetricsSources {
  /** The door's own figures (its budgets count their refusals), read at each report. */
  door?: () => DoorFigures;
  /** What the process's throttled log left out. */
  logLinesSuppressed?: () => number;
  /** Whether this process reaches the engine. */
  engineConnected?: () => boolean;
  /** The machine's other workers that are not serving, as the supervisor last said. */
  workersDown?: () => WorkerDown[];
}

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly connections = new Gauge({ name: 'breakwater_gateway_connections', help: 'Open fan WebSocket connections.', registers: [this.registry] });
  readonly dashboardConnections = new Gauge({ name: 'breakwater_gateway_dashboard_connections', help: 'Open dashboard feed connections.', registers: [this.registry] });
  readonly messagesIn = new Counter({ name: 'breakwater_gateway_messages_in_total', help: 'WebSocket messages received from fans.', registers: [this.registry] });
  readonly messagesOut = new Counter({
    name: 'breakwater_gateway_messages_out_total', help: 'WebSocket messages delivered to fans (a topic publish counts once per recipient).', registers: [this.registry],
  });
  readonly topicPublishes = new Counter({ name: 'breakwater_gateway_topic_publishes_total', help: 'Queue and phase publishes (one per event per tick at most).', registers: [this.registry] });
  /** Messages not delivered because a socket's buffer was full. */
  readonly backpressureDrops = new Counter({
    name: 'breakwater_gateway_backpressure_drops_total', help: 'Messages not delivered because the socket buffer was full.', registers: [this.registry],
  });
  /** From a join frame arriving to the `joined` frame leaving. */
  readonly joinLatency = new Histogram({
    name: 'breakwater_gateway_join_seconds', help: 'Join latency: join frame in to joined frame out.', buckets: LATENCY_BUCKETS, registers: [this.registry],
  });
  /** From the engine tick to the queue update being published to the sockets. */
  readonly updateLatency = new Histogram({
    name: 'breakwater_gateway_update_seconds', help: 'Queue update latency: engine tick to topic publish.', buckets: LATENCY_BUCKETS, registers: [this.registry],
  });
  private readonly rejected = new Counter({
    name: 'breakwater_gateway_rejected_total', help: 'Frames, joins and connections refused, by reason.', labelNames: ['reason'], registers: [this.registry],
  });
  private readonly httpFaults = new Counter({
    name: 'breakwater_gateway_http_faults_total', help: 'HTTP requests the client broke off or made unusable (counted, not logged), by fault.', labelNames: ['fault'], registers: [this.registry],
  });

  constructor(sources: GatewayMetricsSources = {}) {
    const { door = () => NO_DOOR_FIGURES, logLinesSuppressed = () => 0, engineConnected = () => true, workersDown = () => [] } = sources;
    const registers = [this.registry];
    new Gauge({ name: 'breakwater_gateway_process_info', help: 'One per gateway process, labelled with its pid.', labelNames: ['pid'], registers }).set({ pid: process.pid }, 1);
    new Gauge({
      name: 'breakwater_gateway_engine_connected', help: '1 when this gateway process reaches the engine.', registers,
      collect() {
        this.set(engineConnected() ? 1 : 0);
      },
    });
    new Gauge({
      name: 'breakwater_gateway_worker_crashes_in_a_row', help: 'Per worker of this machine that is down (label down_worker): how many times it crashed in a row.',
      labelNames: ['down_worker'], registers,
      collect() {
        this.reset();
        for (const down of workersDown()) this.set({ down_worker: down.worker }, down.crashesInARow);
      },
    });
    new Counter({
      name: 'breakwater_gateway_log_lines_suppressed_total', help: 'Log lines left out because the process logged more than its rate.', registers,
      collect() {
        this.reset();
        this.inc(logLinesSuppressed());
      },
    });
    new Counter({
      name: 'breakwater_door_refused_total', help: 'Connections and joins refused by the door, by what and by key kind.', labelNames: ['what', 'key'], registers,
      collect() {
        const { refused } = door();
        this.reset();
        for (const budget of BUDGETS) this.inc(REFUSED_LABELS[budget], refused[budget]);
      },
    });
    new Gauge({
      name: 'breakwater_door_tracked_keys', help: 'Keys the door holds counts for (this process\'s and the other processes\' reports).', labelNames: ['key'], registers,
      collect() {
        const { trackedKeys } = door();
        this.set({ key: 'address' }, trackedKeys.address);
        this.set({ key: 'subnet' }, trackedKeys.subnet);
      },
    });
    new Gauge({
      name: 'breakwater_door_peers', help: 'Other gateway processes whose door counts this process heard lately.', registers,
      collect() {
        this.set(door().peers);
      },
    });
    new Gauge({
      name: 'breakwater_door_share_age_seconds', help: 'Age of the oldest door report in use: how stale the other processes\' counts can be.', registers,
      collect() {
        this.set(door().shareAgeMs / 1000);
      },
    });
  }

  reject(reason: RejectReason): void {
    this.rejected.inc({ reason });
  }

  httpFault(fault: HttpFault): void {
    this.httpFaults.inc({ fault });
  }

  /** This process's figures and runtime metrics, every sample labelled with `worker`. */
  async report(worker: string): Promise<WorkerMetrics> {
    return { worker, pid: process.pid, at: Date.now(), families: await familiesOf([this.registry, runtimeRegistry()], { worker }) };
  }
}
