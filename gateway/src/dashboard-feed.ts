/**
 * The operators' live feed: `/dashboard/ws?key=<API key>`. Every second it
 * pushes one JSON text frame, a snapshot of every event's figures and every
 * gateway process's (format in docs/protocol.md). One encoding per second per
 * process, published on a uWS topic; slow dashboards are skipped, not buffered.
 */
import type { TemplatedApp, WebSocket } from 'uWebSockets.js';
import { BreakwaterError } from '../../engine/src/index.js';
import { keyMatches } from './auth.js';
import type { WorkerMetrics } from './engine-link/types.js';
import { statusLine } from './http/status-text.js';
import type { GatewayMetrics } from './metrics/gateway-metrics.js';
import { quantile } from './metrics/histogram.js';
import type { StatsBroadcast } from './metrics/render.js';

const TOPIC = 'dashboard';

/** Nothing per socket: the feed only sends in `open` and by topic, never to a socket that may have closed. */
type DashboardSocket = Record<string, never>;

function ms(seconds: number | null): number | null {
  return seconds === null ? null : Math.round(seconds * 100_000) / 100;
}

export function dashboardSnapshot(stats: StatsBroadcast, self: WorkerMetrics): string {
  const workers = new Map(stats.workers.map((w) => [w.worker, w]));
  workers.set(self.worker, self);
  return JSON.stringify({
    type: 'snapshot',
    at: stats.at,
    events: stats.events,
    workers: [...workers.values()].sort((a, b) => a.worker.localeCompare(b.worker)).map((w) => ({
      worker: w.worker, pid: w.pid, connections: w.connections, dashboardConnections: w.dashboardConnections,
      messagesIn: w.messagesIn, messagesOut: w.messagesOut, topicPublishes: w.topicPublishes, backpressureDrops: w.backpressureDrops,
      rejected: w.rejected, door: w.door,
      joinMs: { p50: ms(quantile(w.joinLatency, 0.5)), p95: ms(quantile(w.joinLatency, 0.95)), p99: ms(quantile(w.joinLatency, 0.99)) },
      updateMs: { p50: ms(quantile(w.updateLatency, 0.5)), p95: ms(quantile(w.updateLatency, 0.95)) },
    })),
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
        this.metrics.dashboardConnections++;
        ws.subscribe(TOPIC);
        if (this.latest !== undefined) ws.send(this.latest, false);
      },
      message: () => undefined, // the feed is one-way
      close: () => {
        this.metrics.dashboardConnections--;
      },
    });
  }

  publish(stats: StatsBroadcast, self: WorkerMetrics): void {
    this.latest = dashboardSnapshot(stats, self);
    if (this.app.numSubscribers(TOPIC) > 0) this.app.publish(TOPIC, this.latest, false);
  }
}
