/**
 * The gateway's settings: command-line flags, environment, defaults. The
 * engine process parses them once and hands them to every worker.
 */
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DAY_MS, DEFAULT_AUDIT_RETENTION, type AuditRetention } from './access/audit.js';
import { webPushFromEnv, type WebPushSettings } from '../../engine/host/index.js';
import { Signer } from './tokens.js';

export interface GatewayLimits {
  /** Largest WebSocket frame a client may send; larger closes the connection (1009). */
  maxPayloadBytes: number;
  /** Seconds without traffic before a socket is closed (uWS pings in between). */
  idleTimeoutS: number;
  /** Bytes buffered per socket before sends are dropped (topic publishes skip such a socket). */
  maxBackpressureBytes: number;
  /**
   * The door's budgets, counted across every gateway process of a deployment
   * (gateway/src/protection/door-budgets.ts). They are flood ceilings, not
   * fairness: an ordinary join over the engine's own budgets goes to its slow
   * lane. Joins are counted over a sliding window of burst ÷ rate seconds.
   */
  maxConnectionsPerIp: number;
  maxConnectionsPerSubnet: number;
  joinsPerIpPerSec: number;
  joinBurstPerIp: number;
  joinsPerSubnetPerSec: number;
  joinBurstPerSubnet: number;
  messagesPerSec: number;
  messageBurst: number;
  /** Messages refused for rate beyond this many in a row close the connection (4029). */
  floodCloseAfter: number;
  /** Engine requests one connection may have in flight. */
  maxInFlightPerConnection: number;
  httpRequestsPerIpPerSec: number;
  httpBurstPerIp: number;
  /** HTTP requests one address (an IPv6 client's /64) may have open at once on one gateway process. */
  maxOpenHttpRequestsPerIp: number;
  /** The largest body of an organizer request, read only once its API key checks. */
  maxHttpBodyBytes: number;
  /** How long a request body may take to arrive once its headers have. */
  httpBodyTimeoutMs: number;
  /** Bytes of request bodies one gateway process may hold at once (organizers' uploads that stall cannot take more). */
  maxBufferedHttpBodyBytes: number;
  /**
   * From this many fans of one event on this process, a queue refresh that
   * moves nobody (line length, rates, heartbeat) goes out in slices spread
   * over refreshSpreadMs: one write to every socket at once stalls joins.
   */
  staggerRefreshFromFans: number;
  refreshSpreadMs: number;
}

export const DEFAULT_LIMITS: GatewayLimits = {
  maxPayloadBytes: 16 * 1024,
  idleTimeoutS: 60,
  maxBackpressureBytes: 64 * 1024,
  // A campus or carrier-grade NAT puts hundreds of real fans behind one address: room for them all.
  maxConnectionsPerIp: 1_000,
  maxConnectionsPerSubnet: 5_000,
  joinsPerIpPerSec: 50,
  joinBurstPerIp: 1_000,
  joinsPerSubnetPerSec: 200,
  joinBurstPerSubnet: 4_000,
  messagesPerSec: 20,
  messageBurst: 40,
  floodCloseAfter: 100,
  maxInFlightPerConnection: 4,
  httpRequestsPerIpPerSec: 100,
  httpBurstPerIp: 200,
  // A page load is a handful of requests; a whole NAT of fans rarely has more than a few open at one instant.
  maxOpenHttpRequestsPerIp: 64,
  maxHttpBodyBytes: 8 * 1024 * 1024,
  httpBodyTimeoutMs: 30_000,
  maxBufferedHttpBodyBytes: 64 * 1024 * 1024,
  staggerRefreshFromFans: 2_000,
  refreshSpreadMs: 1_500,
};

export interface DemoPaymentOptions {
  /** What the demo checkout does when the page does not choose. */
  decision: 'approve' | 'decline';
  /** How long the demo provider takes before it sends its webhook. */
  delayMs: number;
}

/** Stripe, from BREAKWATER_STRIPE_SECRET_KEY and BREAKWATER_STRIPE_WEBHOOK_SECRET (docs/payments.md). */
export interface StripeSettings {
  secretKey: string;
  webhookSecret: string;
  /** Where fans reach this deployment (BREAKWATER_PUBLIC_URL): Stripe's checkout sends them back there. */
  publicUrl: string;
  /** Another API base than https://api.stripe.com (BREAKWATER_STRIPE_API_URL): a local stand-in. */
  apiUrl?: string;
}

/**
 * The deployment's payment providers. The demo checkout is a channel only
 * where no real provider is configured, or where `allowDemo` says so
 * (`--allow-demo-payments`): in a deployment with a real provider no fan can
 * approve its own payment.
 */
export interface PaymentSettings {
  stripe?: StripeSettings;
  allowDemo: boolean;
}

export interface GatewayOptions {
  host: string;
  port: number;
  /** Gateway worker processes; 0 runs everything in this one process. */
  workers: number;
  apiKey: string;
  /** Signs queue tokens, proof-of-work challenges, payment ids and checkout sessions. */
  signingSecret: string;
  /** Shared with the payment provider: signs its webhooks. */
  webhookSecret: string;
  /** Addresses exempt from the per-address limits (e.g. a load generator on 127.0.0.1). */
  exemptIps: string[];
  /**
   * How many trusted proxies stand in front (0: none, the socket peer is the
   * client): the client address is then read from X-Forwarded-For, see
   * gateway/src/http/client-address.ts.
   */
  trustProxy: number;
  demoEvent: boolean;
  demoPayments: DemoPaymentOptions;
  payments: PaymentSettings;
  limits: GatewayLimits;
  /** Cluster mode (flags or BREAKWATER_NATS_URL / BREAKWATER_REDIS_URL); `npm start` needs both or neither. */
  natsUrl: string | undefined;
  redisUrl: string | undefined;
  /** Cluster mode: engine shard processes this machine runs. */
  shards: number;
  /** Cluster mode: how many partitions events are spread over; the same on every process of a cluster. */
  partitions: number;
  /**
   * Web Push to fans: the VAPID key pair (BREAKWATER_VAPID_PUBLIC_KEY /
   * BREAKWATER_VAPID_PRIVATE_KEY; when unset, memory mode generates one per
   * run and cluster mode's shards share one in Redis), its subject and the
   * extra push origins allowed.
   */
  webPush: WebPushSettings;
  /**
   * Where `npm start` keeps its events: files under a data directory (the
   * default, ./data), or memory only (`--memory`: lost on restart). Cluster
   * mode keeps them in Redis whatever this says.
   */
  storage: StorageMode;
  /** How much of the audit log the access store keeps (docs/operations.md "Audit log retention"). */
  auditRetention: AuditRetention;
  /** Which secrets were generated rather than given (printed at start). */
  generated: Array<'apiKey' | 'signingSecret' | 'webhookSecret'>;
}

/** `snapshots`: how often each event's state is snapshotted beside its journal (default: every 1,000,000 entries or hour). */
export type StorageMode = { mode: 'durable'; dataDir: string; snapshots?: { everyEntries: number; everyMs: number } } | { mode: 'memory' } | { mode: 'redis' };

export const USAGE = `Usage: npm start -- [options]

  --port <n>              port to listen on (default 8080, env PORT)
  --host <addr>           address to bind (default 0.0.0.0; :: for IPv6 and IPv4, ::1 for IPv6 loopback)
  --workers <n>           gateway processes on the one port (default: number of cores; 0 = single process)
  --gateways <n>          the same as --workers
  --data-dir <dir>        where events are kept, fsynced before any fan is told (default ./data, env BREAKWATER_DATA_DIR)
  --snapshot-every <n>    snapshot an event every n journal entries, so a restart replays only what came after (default 1000000)
  --snapshot-seconds <s>  ... and at least every s seconds while it changes (default 3600)
  --memory                keep events in memory only: everything is lost when the process stops
  --nats <url>            cluster mode: NATS server(s) (env BREAKWATER_NATS_URL); needs --redis too
  --redis <url>           cluster mode: Redis (env BREAKWATER_REDIS_URL); needs --nats too
  --shards <n>            cluster mode: engine shard processes on this machine (default 1)
  --partitions <n>        cluster mode: partitions events are spread over (default 16; the same everywhere)
  --no-demo               do not create the demo event
  --demo-payment <mode>   demo provider default: approve | decline (default approve)
  --demo-payment-delay <ms>  how long the demo checkout takes to answer (default 500)
  --allow-demo-payments   keep the demo checkout beside a real payment provider (a staging deployment; never for a real sale)
  --exempt-ip <addr>      exempt an address from the per-address and per-subnet limits (repeatable)
  --trust-proxy <n>       n trusted proxies in front (env BREAKWATER_TRUST_PROXY; default 0 = none): the client is
                          the n-th X-Forwarded-For entry from the right; a shorter list or a bad entry: the socket peer
  --max-conns-per-ip <n>  open WebSockets per address, whole deployment (default ${DEFAULT_LIMITS.maxConnectionsPerIp})
  --max-conns-per-subnet <n>  open WebSockets per /24 or /56 (default ${DEFAULT_LIMITS.maxConnectionsPerSubnet})
  --joins-per-ip <n>      joins per second per address, whole deployment (default ${DEFAULT_LIMITS.joinsPerIpPerSec})
  --join-burst-per-ip <n>     joins at once per address (default ${DEFAULT_LIMITS.joinBurstPerIp})
  --joins-per-subnet <n>      joins per second per /24 or /56 (default ${DEFAULT_LIMITS.joinsPerSubnetPerSec})
  --join-burst-per-subnet <n> joins at once per /24 or /56 (default ${DEFAULT_LIMITS.joinBurstPerSubnet})
  --audit-max-age-days <n>    audit log entries kept this many days (default ${DEFAULT_AUDIT_RETENTION.maxAgeMs / DAY_MS})
  --audit-max-entries <n>     audit log entries kept at most, the newest (default ${DEFAULT_AUDIT_RETENTION.maxEntries})
  --help

Environment: BREAKWATER_API_KEY, BREAKWATER_SECRET, BREAKWATER_WEBHOOK_SECRET (at least 16 bytes; generated when unset),
BREAKWATER_VAPID_PUBLIC_KEY and BREAKWATER_VAPID_PRIVATE_KEY (Web Push; generated when unset), BREAKWATER_VAPID_SUBJECT
(mailto: or https: contact for the push services), BREAKWATER_PUSH_ORIGINS (extra push service origins, comma-separated),
BREAKWATER_NATS_URL, BREAKWATER_REDIS_URL (cluster mode), BREAKWATER_TRUST_PROXY, BREAKWATER_DATA_DIR.
Stripe (docs/payments.md): BREAKWATER_STRIPE_SECRET_KEY, BREAKWATER_STRIPE_WEBHOOK_SECRET and BREAKWATER_PUBLIC_URL
(where fans reach this deployment); with them the demo checkout is off unless --allow-demo-payments.`;

/** The shortest API key or secret accepted from the environment. */
export const MIN_SECRET_BYTES = 16;

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.length === 0 ? undefined : value;
}

function positiveInt(value: string | undefined, name: string, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer ≥ ${min}, got "${value}"`);
  return n;
}

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): GatewayOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      workers: { type: 'string' },
      gateways: { type: 'string' },
      'data-dir': { type: 'string' },
      memory: { type: 'boolean' },
      'snapshot-every': { type: 'string' },
      'snapshot-seconds': { type: 'string' },
      nats: { type: 'string' },
      redis: { type: 'string' },
      shards: { type: 'string' },
      partitions: { type: 'string' },
      'no-demo': { type: 'boolean' },
      'demo-payment': { type: 'string' },
      'demo-payment-delay': { type: 'string' },
      'allow-demo-payments': { type: 'boolean' },
      'exempt-ip': { type: 'string', multiple: true },
      'trust-proxy': { type: 'string' },
      'max-conns-per-ip': { type: 'string' },
      'max-conns-per-subnet': { type: 'string' },
      'joins-per-ip': { type: 'string' },
      'join-burst-per-ip': { type: 'string' },
      'joins-per-subnet': { type: 'string' },
      'join-burst-per-subnet': { type: 'string' },
      'audit-max-age-days': { type: 'string' },
      'audit-max-entries': { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help === true) return 'help';
  const decision = values['demo-payment'] ?? 'approve';
  if (decision !== 'approve' && decision !== 'decline') throw new Error('--demo-payment must be approve or decline');
  const generated: GatewayOptions['generated'] = [];
  const secret = (name: string, field: GatewayOptions['generated'][number]): string => {
    const given = env[name];
    if (given !== undefined && given.length > 0) {
      // A short key or secret can be guessed or brute-forced offline (the webhook HMAC, the signed tokens).
      if (Buffer.byteLength(given) < MIN_SECRET_BYTES) throw new Error(`${name} must be at least ${MIN_SECRET_BYTES} bytes (it is ${Buffer.byteLength(given)}); unset it to have one generated`);
      return given;
    }
    generated.push(field);
    return Signer.randomSecret();
  };
  const natsUrl = values.nats ?? nonEmpty(env.BREAKWATER_NATS_URL);
  const redisUrl = values.redis ?? nonEmpty(env.BREAKWATER_REDIS_URL);
  const dataDir = values['data-dir'] ?? nonEmpty(env.BREAKWATER_DATA_DIR);
  if (values.memory === true && dataDir !== undefined) throw new Error('--memory keeps nothing on disk: drop --data-dir (or BREAKWATER_DATA_DIR), or --memory');
  const snapshots = {
    everyEntries: positiveInt(values['snapshot-every'], '--snapshot-every', 1_000_000),
    everyMs: 1000 * positiveInt(values['snapshot-seconds'], '--snapshot-seconds', 3600),
  };
  const storage: StorageMode = natsUrl !== undefined || redisUrl !== undefined ? { mode: 'redis' } : values.memory === true ? { mode: 'memory' } : { mode: 'durable', dataDir: resolve(dataDir ?? 'data'), snapshots };
  return {
    host: values.host ?? '0.0.0.0',
    port: positiveInt(values.port ?? env.PORT, '--port', 8080, 0),
    workers: positiveInt(values.workers ?? values.gateways, '--workers', availableParallelism(), 0),
    natsUrl,
    redisUrl,
    shards: positiveInt(values.shards, '--shards', 1, 0),
    partitions: positiveInt(values.partitions, '--partitions', 16),
    apiKey: secret('BREAKWATER_API_KEY', 'apiKey'),
    signingSecret: secret('BREAKWATER_SECRET', 'signingSecret'),
    webhookSecret: secret('BREAKWATER_WEBHOOK_SECRET', 'webhookSecret'),
    webPush: webPushFromEnv(env),
    exemptIps: values['exempt-ip'] ?? [],
    trustProxy: positiveInt(values['trust-proxy'] ?? nonEmpty(env.BREAKWATER_TRUST_PROXY), '--trust-proxy', 0, 0),
    demoEvent: values['no-demo'] !== true,
    demoPayments: { decision, delayMs: positiveInt(values['demo-payment-delay'], '--demo-payment-delay', 500, 0) },
    payments: { ...stripeFromEnv(env), allowDemo: values['allow-demo-payments'] === true },
    limits: {
      ...DEFAULT_LIMITS,
      maxConnectionsPerIp: positiveInt(values['max-conns-per-ip'], '--max-conns-per-ip', DEFAULT_LIMITS.maxConnectionsPerIp),
      maxConnectionsPerSubnet: positiveInt(values['max-conns-per-subnet'], '--max-conns-per-subnet', DEFAULT_LIMITS.maxConnectionsPerSubnet),
      joinsPerIpPerSec: positiveInt(values['joins-per-ip'], '--joins-per-ip', DEFAULT_LIMITS.joinsPerIpPerSec),
      joinBurstPerIp: positiveInt(values['join-burst-per-ip'], '--join-burst-per-ip', DEFAULT_LIMITS.joinBurstPerIp),
      joinsPerSubnetPerSec: positiveInt(values['joins-per-subnet'], '--joins-per-subnet', DEFAULT_LIMITS.joinsPerSubnetPerSec),
      joinBurstPerSubnet: positiveInt(values['join-burst-per-subnet'], '--join-burst-per-subnet', DEFAULT_LIMITS.joinBurstPerSubnet),
    },
    auditRetention: {
      maxAgeMs: positiveInt(values['audit-max-age-days'], '--audit-max-age-days', DEFAULT_AUDIT_RETENTION.maxAgeMs / DAY_MS) * DAY_MS,
      maxEntries: positiveInt(values['audit-max-entries'], '--audit-max-entries', DEFAULT_AUDIT_RETENTION.maxEntries),
    },
    storage,
    generated,
  };
}

/** Stripe is configured by its two secrets together, with the public URL its checkout returns fans to. */
function stripeFromEnv(env: NodeJS.ProcessEnv): Pick<PaymentSettings, 'stripe'> {
  const secretKey = nonEmpty(env.BREAKWATER_STRIPE_SECRET_KEY);
  const webhookSecret = nonEmpty(env.BREAKWATER_STRIPE_WEBHOOK_SECRET);
  if (secretKey === undefined && webhookSecret === undefined) return {};
  if (secretKey === undefined || webhookSecret === undefined) {
    throw new Error('Stripe needs both BREAKWATER_STRIPE_SECRET_KEY and BREAKWATER_STRIPE_WEBHOOK_SECRET (the webhook endpoint\'s signing secret, whsec_…)');
  }
  const publicUrl = nonEmpty(env.BREAKWATER_PUBLIC_URL);
  if (publicUrl === undefined || !isHttpUrl(publicUrl)) {
    throw new Error('Stripe needs BREAKWATER_PUBLIC_URL: where fans reach this deployment (https://tickets.example.com), for the checkout to send them back');
  }
  const apiUrl = nonEmpty(env.BREAKWATER_STRIPE_API_URL);
  if (apiUrl !== undefined && !isHttpUrl(apiUrl)) throw new Error(`BREAKWATER_STRIPE_API_URL must be an http(s) URL, got "${apiUrl}"`);
  return { stripe: { secretKey, webhookSecret, publicUrl, ...(apiUrl === undefined ? {} : { apiUrl }) } };
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}
