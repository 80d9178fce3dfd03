/**
 * The operators' live feed: `/dashboard/ws?key=<API key>`. Every second it
 * pushes one JSON text frame, a snapshot of every event's figures, every
 * gateway process's and what every process costs (format in docs/protocol.md). One encoding per second per
 * process, published on a uWS topic; slow dashboards are skipped, not buffered.
 */
import type { TemplatedApp, WebSocket } from 'uWebSockets.js';
import { BreakwaterError } from '../../engine/src/index.js';
import { keyMatches } from './auth.js';
import type { WorkerMetrics } from './engine-link/types.js';
import { statusLine } from './http/status-text.js';
import { quantileOf, valueOf, valuesBy, type MetricFamily } from './metrics/families.js';
import type { GatewayMetrics } from './metrics/gateway-metrics.js';
import type { StatsBroadcast } from './metrics/render.js';

const TOPIC = 'dashboard';

/** Nothing per socket: the feed only sends in `open` and by topic, never to a socket that may have closed. */
type DashboardSocket = Record<string, never>;

function ms(seconds: number | null): number | null {
  return seconds === null ? null : Math.round(seconds * 100_000) / 100;
}

function workerFigures(w: WorkerMetrics) {
  const f = w.families;
  const refused = (what: string, key: string) => valueOf(f, 'breakwater_door_refused_total', { what, key });
  return {
    worker: w.worker, pid: w.pid,
    connections: valueOf(f, 'breakwater_gateway_connections'), dashboardConnections: valueOf(f, 'breakwater_gateway_dashboard_connections'),
    messagesIn: valueOf(f, 'breakwater_gateway_messages_in_total'), messagesOut: valueOf(f, 'breakwater_gateway_messages_out_total'),
    topicPublishes: valueOf(f, 'breakwater_gateway_topic_publishes_total'), backpressureDrops: valueOf(f, 'breakwater_gateway_backpressure_drops_total'),
    rejected: valuesBy(f, 'breakwater_gateway_rejected_total', 'reason'),
    door: {
      refused: {
        connectionsPerIp: refused('connection', 'address'), connectionsPerSubnet: refused('connection', 'subnet'),
        joinsPerIp: refused('join', 'address'), joinsPerSubnet: refused('join', 'subnet'),
      },
      trackedKeys: { address: valueOf(f, 'breakwater_door_tracked_keys', { key: 'address' }), subnet: valueOf(f, 'breakwater_door_tracked_keys', { key: 'subnet' }) },
      peers: valueOf(f, 'breakwater_door_peers'),
      shareAgeMs: Math.round(valueOf(f, 'breakwater_door_share_age_seconds') * 1000),
    },
    joinMs: {
      p50: ms(quantileOf(f, 'breakwater_gateway_join_seconds', 0.5)), p95: ms(quantileOf(f, 'breakwater_gateway_join_seconds', 0.95)),
      p99: ms(quantileOf(f, 'breakwater_gateway_join_seconds', 0.99)),
    },
    updateMs: { p50: ms(quantileOf(f, 'breakwater_gateway_update_seconds', 0.5)), p95: ms(quantileOf(f, 'breakwater_gateway_update_seconds', 0.95)) },
  };
}

/** What a process costs the machine, from its runtime metrics. */
function processFigures(name: string, kind: 'gateway' | 'engine', pid: number, f: MetricFamily[]) {
  return {
    process: name, kind, pid,
    cpuSeconds: valueOf(f, 'process_cpu_seconds_total'),
    residentBytes: valueOf(f, 'process_resident_memory_bytes'),
    heapUsedBytes: valueOf(f, 'nodejs_heap_size_used_bytes'),
    eventLoopLagP99Ms: ms(valueOf(f, 'nodejs_eventloop_lag_p99_seconds')),
  };
}

export function dashboardSnapshot(stats: StatsBroadcast, self: WorkerMetrics): string {
  const byName = new Map(stats.workers.map((w) => [w.worker, w]));
  byName.set(self.worker, self);
  const workers = [...byName.values()].sort((a, b) => a.worker.localeCompare(b.worker));
  return JSON.stringify({
    type: 'snapshot',
    at: stats.at,
    events: stats.events,
    workers: workers.map(workerFigures),
    processes: [
      ...stats.engines.map((e) => processFigures(e.engine, 'engine', e.pid, e.families)),
      ...workers.map((w) => processFigures(w.worker, 'gateway', w.pid, w.families)),
    ],
  });
}

export class DashboardFeed {
  private latest: string | undefined;

  constructor(private readonly app: TemplatedApp, private readonly apiKey: string, private readonly metrics: GatewayMetrics) {}

  register(pattern: string): void {
    this.app.ws<DashboardSocket>(pattern, {
      maxPayloadLength: 1024,
      idleTimeout: 60,
      maxBackpressure: 256 * 1024,
      sendPingsAutomatically: true,
      upgrade: (res, req, context) => {
        const key = new URLSearchParams(req.getQuery() ?? '').get('key');
        const wsKey = req.getHeader('sec-websocket-key');
        const protocol = req.getHeader('sec-websocket-protocol');
        const extensions = req.getHeader('sec-websocket-extensions');
        if (!keyMatches(key, this.apiKey)) {
          this.metrics.reject('unauthorized');
          res.cork(() => {
            res.writeStatus(statusLine(401)).writeHeader('content-type', 'application/json').end(JSON.stringify(new BreakwaterError('UNAUTHORIZED').toJSON()), true);
          });
          return;
        }
        res.upgrade<DashboardSocket>({}, wsKey, protocol, extensions, context);
      },
      open: (ws: WebSocket<DashboardSocket>) => {
        this.metrics.dashboardConnections.inc();
        ws.subscribe(TOPIC);
        if (this.latest !== undefined) ws.send(this.latest, false);
      },
      message: () => undefined, // the feed is one-way
      close: () => {
        this.metrics.dashboardConnections.dec();
      },
    });
  }

  publish(stats: StatsBroadcast, self: WorkerMetrics): void {
    this.latest = dashboardSnapshot(stats, self);
    if (this.app.numSubscribers(TOPIC) > 0) this.app.publish(TOPIC, this.latest, false);
  }
}
