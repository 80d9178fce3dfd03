/**
 * The operators' live feed: `/dashboard/ws`. Every second it pushes one JSON
 * text frame, a snapshot of every event's figures and every gateway process's
 * and what every process costs (format in docs/protocol.md). One encoding per second per process, published
 * on a uWS topic; slow dashboards are skipped, not buffered.
 *
 * Never a key in the URL (proxies and browsers log URLs): a browser, which
 * cannot set headers on a WebSocket, offers the subprotocols of a ticket it
 * got with its key (POST /api/dashboard/ticket, a minute); a script may send
 * `Authorization: Bearer <key>`. A viewer key for every event will do. A
 * socket whose key is revoked is closed (4003).
 */
import type { TemplatedApp, WebSocket } from 'uWebSockets.js';
import { BreakwaterError, isBreakwaterError } from '../../engine/src/index.js';
import { DASHBOARD_PROTOCOL, type OrganizerAccess } from './access/organizer-access.js';
import type { WorkerMetrics } from '../../engine/link/types.js';
import { statusLine } from './http/status-text.js';
import { quantileOf, valueOf, valuesBy, type MetricFamily } from '../../engine/link/metric-families.js';
import type { GatewayMetrics } from './metrics/gateway-metrics.js';
import type { StatsBroadcast } from './metrics/render.js';

const TOPIC = 'dashboard';

/** The key it was opened with. The feed only sends in `open` and by topic, never to a socket that may have closed. */
interface DashboardSocket {
  keyId: string;
}

/** Close code of a dashboard whose key was revoked. */
export const KEY_REVOKED_CLOSE = 4003;

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
  private readonly sockets = new Set<WebSocket<DashboardSocket>>();
  private readonly unsubscribe: () => void;

  constructor(private readonly app: TemplatedApp, private readonly access: OrganizerAccess, private readonly metrics: GatewayMetrics) {
    this.unsubscribe = access.onKeysChanged(() => {
      for (const ws of [...this.sockets]) if (!access.isValid(ws.getUserData().keyId)) ws.end(KEY_REVOKED_CLOSE, 'API key revoked');
    });
  }

  register(pattern: string): void {
    this.app.ws<DashboardSocket>(pattern, {
      maxPayloadLength: 1024,
      idleTimeout: 60,
      maxBackpressure: 256 * 1024,
      sendPingsAutomatically: true,
      upgrade: (res, req, context) => {
        const authorization = req.getHeader('authorization');
        const protocols = req.getHeader('sec-websocket-protocol');
        const wsKey = req.getHeader('sec-websocket-key');
        const extensions = req.getHeader('sec-websocket-extensions');
        let keyId: string;
        try {
          keyId = this.access.dashboardCaller(authorization, protocols).keyId;
        } catch (err) {
          const refusal = isBreakwaterError(err) ? err : new BreakwaterError('UNAUTHORIZED');
          this.metrics.reject('unauthorized');
          res.cork(() => {
            res.writeStatus(statusLine(refusal.status)).writeHeader('content-type', 'application/json').end(JSON.stringify(refusal.toJSON()), true);
          });
          return;
        }
        // A browser that offered subprotocols fails the socket unless one is chosen.
        const chosen = protocols.split(',').some((p) => p.trim() === DASHBOARD_PROTOCOL) ? DASHBOARD_PROTOCOL : '';
        res.upgrade<DashboardSocket>({ keyId }, wsKey, chosen, extensions, context);
      },
      open: (ws: WebSocket<DashboardSocket>) => {
        this.metrics.dashboardConnections.inc();
        this.sockets.add(ws);
        ws.subscribe(TOPIC);
        if (this.latest !== undefined) ws.send(this.latest, false);
      },
      message: () => undefined, // the feed is one-way
      close: (ws) => {
        this.metrics.dashboardConnections.dec();
        this.sockets.delete(ws);
      },
    });
  }

  stop(): void {
    this.unsubscribe();
  }

  publish(stats: StatsBroadcast, self: WorkerMetrics): void {
    this.latest = dashboardSnapshot(stats, self);
    if (this.app.numSubscribers(TOPIC) > 0) this.app.publish(TOPIC, this.latest, false);
  }
}
