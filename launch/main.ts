/**
 * `npm start`: the whole product on one machine with nothing else installed.
 * With NATS and Redis URLs (flags or BREAKWATER_NATS_URL / BREAKWATER_REDIS_URL)
 * it runs this machine's part of a cluster instead (launch/cluster.ts, engine/shard/).
 * Otherwise this process is the engine process (the Engine restored from the
 * journal files under --data-dir, or in memory only with --memory; tick loop
 * every 250 ms); it forks the gateway workers (`--workers N`, default one per core)
 * that share the port. A demo event opens its pre-queue at once and goes on
 * sale a minute later.
 */
import { mkdir } from 'node:fs/promises';
import { banner, plural } from './banner.js';
import { runCluster } from './run-cluster.js';
import { freePort } from './local-servers.js';
import { USAGE, parseOptions, type GatewayOptions } from '../gateway/src/config.js';
import { DEMO_EVENT_ID, DEMO_SETTINGS, demoEventConfig } from './demo-event.js';
import { keepGeneratedSecrets } from './data-dir-secrets.js';
import type { AccessStore } from '../gateway/src/access/access-store.js';
import { FileAccessStore } from '../gateway/src/access/file-access-store.js';
import { MemoryAccessStore } from '../gateway/src/access/memory-access-store.js';
import { openFileBackedHost } from '../engine/host/file-backed-host.js';
import { aesSeedVault } from '../engine/stores/seed-vault.js';
import { EngineHost } from '../engine/host/engine-host.js';
import { EngineRuntime } from '../engine/host/engine-runtime.js';
import { loadNativeUws } from '../gateway/src/native-uws.js';
import { generateVapidKeys } from '../engine/host/notify/web-push-config.js';
import { loadSite } from '../gateway/src/pages.js';
import { startCluster } from './workers.js';

async function main(): Promise<void> {
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions(process.argv.slice(2));
  } catch (err) {
    console.error((err as Error).message);
    process.exitCode = 2;
    return;
  }
  if (parsed === 'help') {
    console.log(USAGE);
    return;
  }
  const options = parsed;
  try {
    loadNativeUws();
  } catch (err) {
    console.error((err as Error).message);
    process.exitCode = 1;
    return;
  }
  // With SO_REUSEPORT, port 0 would give every worker a different port: choose one first.
  if (options.port === 0 && options.workers > 0) options.port = await freePort(options.host);
  if ((options.natsUrl === undefined) !== (options.redisUrl === undefined)) {
    console.error('Cluster mode needs both a NATS URL and a Redis URL (--nats and --redis, or BREAKWATER_NATS_URL and BREAKWATER_REDIS_URL).');
    process.exitCode = 2;
    return;
  }
  if (options.natsUrl !== undefined && options.redisUrl !== undefined) {
    await runCluster(options, { natsUrl: options.natsUrl, redisUrl: options.redisUrl });
    return;
  }

  let engine: OneMachineEngine;
  try {
    engine = await openEngine(options);
  } catch (err) {
    // A corrupt journal or a data directory in use: say so plainly and start nothing.
    console.error((err as Error).message);
    process.exitCode = 1;
    return;
  }
  const { host } = engine;
  // A demo event kept from an earlier run goes on as it was.
  const demoCreated = options.demoEvent && !host.engine.events().some((sale) => sale.id === DEMO_EVENT_ID);
  if (demoCreated) host.handle({ op: 'createEvent', config: demoEventConfig(Date.now()), publish: true, settings: DEMO_SETTINGS });
  const site = await loadSite();
  host.start();
  const cluster = await startCluster({
    host, access: engine.access, options, workers: options.workers, site: site.files, ...(engine.durable === undefined ? {} : { durable: engine.durable }),
  });
  const workers = cluster.workers === 0 ? 'gateway in this process too' : plural(cluster.workers, 'gateway worker');
  process.stdout.write(banner({ ...options, demoEvent: demoCreated }, cluster.port, `engine in this process (pid ${process.pid}), ${workers}`, engine.restored));

  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: closing connections and stopping\n`);
    await cluster.stop();
    host.stop();
    await engine.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

interface OneMachineEngine {
  host: EngineHost;
  /** The API keys and the audit log: beside the journal in the data directory, or in memory with it. */
  access: AccessStore;
  /** With the file journal: what replies and broadcasts wait for. */
  durable?: () => Promise<void>;
  restored?: { events: number; entries: number; ms: number };
  close(): Promise<void>;
}

/** The engine of `npm start`: restored from the data directory's journal, or in memory only (`--memory`). */
async function openEngine(options: GatewayOptions): Promise<OneMachineEngine> {
  const storage = options.storage;
  // This process's runtime metrics go with the stats to the workers, which answer /metrics.
  const runtime = new EngineRuntime('engine');
  runtime.start();
  const engineMetrics = () => runtime.latest();
  if (storage.mode !== 'durable') {
    // Memory mode keeps nothing across runs, subscriptions included: keys made for this run are enough.
    const host = new EngineHost({ seeds: aesSeedVault(options.signingSecret), webPush: { ...options.webPush, keys: options.webPush.keys ?? generateVapidKeys() }, engineMetrics });
    return { host, access: new MemoryAccessStore(options.auditRetention), close: async () => undefined };
  }
  await mkdir(storage.dataDir, { recursive: true });
  await keepGeneratedSecrets(storage.dataDir, options);
  // Push subscriptions are not kept: fans subscribe again when their page next loads.
  const opened = await openFileBackedHost(storage.dataDir, {
    seeds: aesSeedVault(options.signingSecret), webPush: { ...options.webPush, keys: options.webPush.keys ?? generateVapidKeys() }, engineMetrics,
    ...(storage.snapshots === undefined ? {} : { snapshots: storage.snapshots }),
  });
  // Opened once the journal holds the directory's lock: a second process on the same data stops before touching it.
  let access: FileAccessStore;
  try {
    access = await FileAccessStore.open(storage.dataDir, options.auditRetention);
  } catch (err) {
    await opened.close();
    throw err;
  }
  return {
    ...opened,
    access,
    async close() {
      await opened.close();
      await access.close();
    },
  };
}

main().catch((err: unknown) => {
  console.error((err as Error).stack ?? String(err));
  process.exit(1);
});
