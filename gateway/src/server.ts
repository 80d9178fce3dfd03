/**
 * One gateway process: a uWebSockets.js app serving fans (/ws), organizers
 * (/api), the payment side (/webhooks, /pay/demo), operators (/metrics,
 * /healthz, /readyz, /dashboard/ws) and the pages, all talking to the engine
 * through an EngineLink.
 */
import type { TemplatedApp, us_listen_socket } from 'uWebSockets.js';
import { addressKeyOf, BreakwaterError } from '../../engine/src/index.js';
import { registerAccessRoutes } from './access/access-routes.js';
import type { AccessStore } from './access/access-store.js';
import { MemoryAccessStore } from './access/memory-access-store.js';
import { OrganizerAccess } from './access/organizer-access.js';
import type { GatewayOptions } from './config.js';
import { DashboardFeed } from './dashboard-feed.js';
import { EventCatalog } from './event-catalog.js';
import type { WorkerDown } from '../../engine/link/ipc.js';
import type { EngineBroadcast, EngineLink, WorkerMetrics } from '../../engine/link/types.js';
import { EventRelay } from './fan/event-relay.js';
import { FanSender, type FanConnection } from './fan/connection.js';
import { FanDirectory } from './fan/fan-directory.js';
import { FanHandlers } from './fan/fan-handlers.js';
import { registerFanSocket } from './fan/fan-socket.js';
import { HttpRouter, json, type Reply, type RequestInfo } from './http/router.js';
import { GatewayMetrics } from './metrics/gateway-metrics.js';
import { MetricsPage } from './metrics/render.js';
import { loadNativeUws } from './native-uws.js';
import { registerOrganizerApi } from './organizer-api.js';
import { buildPaymentRegistry } from './payments/payment-registry.js';
import { registerOrderRoutes } from './orders/order-routes.js';
import { registerEventPageRoutes } from './event-page-routes.js';
import { registerPaymentRoutes } from './payments/payment-routes.js';
import type { PaymentProvider } from './payments/provider.js';
import { DoorBudgets } from './protection/door-budgets.js';
import type { DoorExchange } from './protection/door-exchange.js';
import { KeyedRateLimiter } from './protection/token-bucket.js';
import { CLOSE_CODES } from './protocol/close-codes.js';
import { registerPublicApi } from './public-api.js';
import { registerPublicDraws } from './public-draws.js';
import { registerPublicRegistration } from './public-registration.js';
import type { StaticSite } from './static-site.js';
import { throttledLog } from '../../engine/link/throttled-log.js';
import { Signer } from './tokens.js';

export type ServerOptions = Pick<
  GatewayOptions, 'host' | 'port' | 'apiKey' | 'signingSecret' | 'webhookSecret' | 'exemptIps' | 'trustProxy' | 'demoPayments' | 'limits'
> & Partial<Pick<GatewayOptions, 'storage' | 'payments' | 'auditRetention'>>;

export interface StartServerOptions {
  link: EngineLink;
  options: ServerOptions;
  /** Names this process in metrics and in `welcome`. */
  serverId: string;
  site?: StaticSite;
  /**
   * Payment providers besides those `options.payments` configures, by name: channels an event may name. With any
   * real provider the demo checkout is gone unless `options.payments.allowDemo` (payments/payment-registry.ts).
   */
  providers?: PaymentProvider[];
  /** The provider of events that name no payment channel; by default the first configured one, else none (such events take no payments). Never the demo provider. */
  checkoutProvider?: PaymentProvider;
  /** How this process shares its door counts with the deployment's other gateway processes; none when it is the only one. */
  door?: DoorExchange;
  /**
   * The deployment's API keys and audit log (access/access-store.ts), shared by every gateway process; the caller
   * opens and closes it. By default a store of this process alone (tests, a single process in memory).
   */
  access?: AccessStore;
  log?: (message: string) => void;
}

export interface GatewayServer {
  readonly port: number;
  readonly serverId: string;
  readonly metrics: GatewayMetrics;
  /** The HTTP routes served, as registered (`:name` parameters, `/*` catch-alls). */
  readonly routes: HttpRouter['routes'];
  /** The other workers of this machine that are not serving, as the supervisor last said (shown on /readyz). */
  noteWorkersDown(down: WorkerDown[]): void;
  /** Stops accepting, closes every socket (1001: reconnect elsewhere), detaches from the engine. */
  close(): Promise<void>;
}

const METRICS_REPORT_MS = 1000;
const LIMITER_SWEEP_MS = 30_000;

export async function startGatewayServer(start: StartServerOptions): Promise<GatewayServer> {
  const uws = loadNativeUws();
  const { link, options, serverId } = start;
  const log = throttledLog(start.log ?? ((message: string) => console.error(`[${serverId}] ${message}`)));
  const app: TemplatedApp = uws.App();
  const exempt = new Set(options.exemptIps);
  const isExempt = (ip: string) => exempt.has(ip);
  const door = new DoorBudgets({ limits: options.limits, isExempt, ...(start.door === undefined ? {} : { exchange: start.door }) });
  const metrics = new GatewayMetrics({ door: () => door.figures(), logLinesSuppressed: () => log.suppressed, engineConnected: () => link.connected, workersDown: () => workersDown });
  const metricsPage = new MetricsPage();
  const signer = new Signer(options.signingSecret);
  const catalog = new EventCatalog(link);
  const directory = new FanDirectory();
  const sender = new FanSender(metrics);
  const httpLimiter = new KeyedRateLimiter({ perSecond: options.limits.httpRequestsPerIpPerSec, burst: options.limits.httpBurstPerIp });
  const open = new Set<FanConnection>();
  let port = options.port;
  let listenSocket: us_listen_socket | undefined;
  let draining = false;
  let synced = false;
  let workersDown: WorkerDown[] = [];
  /** This process's last report (made once a second): the dashboard shows it rather than collecting again. */
  let lastReport: WorkerMetrics | undefined;

  const { channels, demo } = buildPaymentRegistry({
    settings: options.payments, signer, webhookSecret: options.webhookSecret, demo: options.demoPayments, catalog,
    ...(start.providers === undefined ? {} : { providers: start.providers }),
    ...(start.checkoutProvider === undefined ? {} : { checkoutProvider: start.checkoutProvider }),
  });

  const handlers = new FanHandlers({ link, signer, catalog, directory, sender, metrics, payments: channels, door, log });
  const relay = new EventRelay({ app, link, catalog, directory, sender, handlers, metrics, maxBackpressureBytes: options.limits.maxBackpressureBytes,
    staggerRefreshFromFans: options.limits.staggerRefreshFromFans, refreshSpreadMs: options.limits.refreshSpreadMs, log,
  });
  const access = new OrganizerAccess({ store: start.access ?? new MemoryAccessStore(options.auditRetention), bootstrapKey: options.apiKey, signer, log });
  await access.start();
  const dashboard = new DashboardFeed(app, access, metrics);

  registerFanSocket(app, '/ws', {
    limits: options.limits, serverId, trustProxy: options.trustProxy, door,
    handlers, sender, metrics, open, log,
  });
  dashboard.register('/dashboard/ws');

  const router = new HttpRouter(app, {
    trustProxy: options.trustProxy,
    maxOpenPerAddress: options.limits.maxOpenHttpRequestsPerIp,
    bodyTimeoutMs: options.limits.httpBodyTimeoutMs,
    maxBufferedBodyBytes: options.limits.maxBufferedHttpBodyBytes,
    isExempt,
    onFault: (fault) => metrics.httpFault(fault),
    log,
    admit: (request) => {
      const key = addressKeyOf(request.ip);
      if (isExempt(request.ip) || httpLimiter.take(key, Date.now())) return;
      metrics.reject('httpRateLimited');
      throw new BreakwaterError('RATE_LIMITED', 'too many requests from this address', { details: { limit: 'httpPerIp', retryAfterMs: httpLimiter.retryAfterMs(key) } });
    },
  });
  const organizer = registerOrganizerApi(router, link, catalog, access, options.limits.maxHttpBodyBytes);
  registerAccessRoutes(router, access, options.limits.maxHttpBodyBytes);
  registerOrderRoutes(router, link, channels, organizer);
  registerEventPageRoutes(router, link, catalog, organizer);
  registerPublicApi(router, link, catalog);
  registerPublicDraws(router, link);
  registerPublicRegistration(router, link, catalog);
  registerPaymentRoutes(router, link, channels, demo);

  // Which mode keeps the events (the pages say it): never the data directory's path, this is public.
  const storage = options.storage?.mode ?? 'memory';
  router.get('/healthz', () => json(200, { status: 'ok', server: serverId, pid: process.pid, storage }));
  router.get('/readyz', () => {
    const reasons = [...(draining ? ['draining'] : []), ...(link.connected ? [] : ['engine unreachable']), ...(synced ? [] : ['not synced'])];
    // Other workers down leave this one ready (the kernel sends their connections here), but an operator must see it.
    return json(reasons.length === 0 ? 200 : 503, {
      status: reasons.length === 0 ? 'ready' : 'not ready', server: serverId, reasons, ...(workersDown.length === 0 ? {} : { workersDown }),
    });
  });
  router.get('/metrics', async () => ({
    status: 200, contentType: 'text/plain; version=0.0.4; charset=utf-8', text: await metricsPage.render(await metrics.report(serverId)),
  }));
  // Pages (GET and HEAD), then the registry's 404 for anything else.
  const page = (request: RequestInfo): Reply => {
    const reply = start.site?.reply(request.path, request.headers);
    if (reply === undefined) throw new BreakwaterError('ROUTE_NOT_FOUND', undefined, { details: { method: request.method.toUpperCase(), path: request.path.slice(0, 200) } });
    return reply;
  };
  router.get('/*', page);
  router.head('/*', page);
  router.any('/*', (request) => {
    throw new BreakwaterError('ROUTE_NOT_FOUND', undefined, { details: { method: request.method.toUpperCase(), path: request.path.slice(0, 200) } });
  });

  const unsubscribe = link.subscribe((broadcast: EngineBroadcast) => {
    if (broadcast.type === 'stats') {
      metricsPage.update(broadcast);
      (lastReport === undefined ? metrics.report(serverId) : Promise.resolve(lastReport)).then((self) => dashboard.publish(broadcast, self)).catch(() => undefined);
      return;
    }
    relay.onBroadcast(broadcast);
  });
  catalog.load(await link.execute({ op: 'sync' }));
  synced = true;

  // Fans learn at once when the engine behind this gateway becomes unreachable and when it is back.
  let engineReachable = link.connected;
  const watchEngine = (): void => {
    if (link.connected === engineReachable) return;
    engineReachable = link.connected;
    log(engineReachable ? 'engine reachable again' : 'engine unreachable: fans are told, requests fail with ENGINE_UNAVAILABLE');
    const reason = engineReachable ? 'engine reachable' : 'engine unreachable';
    for (const conn of open) sender.send(conn, { t: 'service', eventId: null, available: engineReachable, reason });
  };

  const timers = [
    setInterval(() => {
      watchEngine();
      metrics.report(serverId).then((report) => {
        lastReport = report;
        return link.execute({ op: 'reportMetrics', metrics: report });
      }).catch(() => undefined);
    }, METRICS_REPORT_MS),
    setInterval(() => httpLimiter.sweep(Date.now()), LIMITER_SWEEP_MS),
  ];
  door.start();

  listenSocket = await new Promise<us_listen_socket>((resolve, reject) => {
    app.listen(options.host, options.port, (socket) => {
      if (socket === false) reject(new Error(`cannot listen on ${options.host}:${options.port}`));
      else resolve(socket);
    });
  });
  port = uws.us_socket_local_port(listenSocket as never);

  return {
    get port() {
      return port;
    },
    serverId,
    metrics,
    routes: router.routes,
    noteWorkersDown(down) {
      workersDown = down;
    },
    async close() {
      if (draining) return;
      draining = true;
      for (const timer of timers) clearInterval(timer);
      door.stop();
      if (listenSocket !== undefined) uws.us_listen_socket_close(listenSocket);
      listenSocket = undefined;
      for (const conn of [...open]) sender.close(conn, CLOSE_CODES.GOING_AWAY, 'server shutting down');
      unsubscribe();
      relay.stop();
      dashboard.stop();
      access.stop();
    },
  };
}
