/**
 * One machine, many processes: N forked gateway workers listen on the same
 * port (uWS sets SO_REUSEPORT on Linux, so the kernel spreads connections).
 * In memory mode this (engine) process holds the Engine and its tick loop and
 * the workers reach it over their fork channel; in cluster mode they reach the
 * engine shards over NATS and the fork channel carries only process control.
 * A worker that dies is forked again; its fans reconnect to the others and
 * keep their places.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { hostname } from 'node:os';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AccessStore } from '../gateway/src/access/access-store.js';
import { AccessRelay } from '../gateway/src/access/ipc-access-store.js';
import { MemoryAccessStore } from '../gateway/src/access/memory-access-store.js';
import { RedisAccessStore } from '../gateway/src/access/redis-access-store.js';
import { RestartBackoff, stopChild } from './child-processes.js';
import { NatsDoorExchange } from '../gateway/src/protection/nats-door-exchange.js';
import { NatsEngineLink } from '../engine/link/nats-engine-link.js';
import type { EngineHost } from '../engine/host/engine-host.js';
import { InProcessEngineLink } from '../engine/link/in-process.js';
import { listenForControl, sendControl, serveEngineOverIpc, type ClusterLinkOptions, type ControlMessage, type DurableGate, type WorkerDown } from '../engine/link/ipc.js';
import { DoorRelay } from '../gateway/src/protection/door-exchange.js';
import { startGatewayServer, type GatewayServer, type ServerOptions } from '../gateway/src/server.js';
import { StaticSite, type SiteFiles } from '../gateway/src/static-site.js';

/** worker.ts run through tsx from source, worker.js compiled (`npm run build`); either way as this process runs. */
const WORKER_ENTRY = fileURLToPath(new URL(`./worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url));
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 3_000;

export interface ClusterOptions {
  /** One machine: the engine the workers reach over IPC. */
  host?: EngineHost;
  /** With the file journal: every reply and broadcast waits for it (engine/link/ipc.ts). */
  durable?: DurableGate;
  /** One machine: the API keys and audit log, served to the workers over IPC (in cluster mode each connects to Redis). */
  access?: AccessStore;
  /** Cluster mode: the workers reach the engine shards over NATS. */
  cluster?: ClusterLinkOptions;
  options: ServerOptions;
  workers: number;
  /** The pages, prepared once here (static-site.ts) and handed to every worker. */
  site: SiteFiles;
  log?: (message: string) => void;
}

/** What a worker is started with: the `init` of its fork channel (engine/link/ipc.ts). */
export interface WorkerStart {
  serverId: string;
  options: ServerOptions;
  site: SiteFiles;
  cluster?: ClusterLinkOptions;
}

export interface Cluster {
  readonly port: number;
  readonly workers: number;
  stop(): Promise<void>;
}

interface Slot {
  index: number;
  child: ChildProcess | undefined;
  detach: (() => void) | undefined;
  detachDoor: (() => void) | undefined;
  detachAccess: (() => void) | undefined;
  backoff: RestartBackoff;
  /** Serving (it said ready, and has not exited since). */
  ready: boolean;
  /** When a crashed worker is forked again. */
  restartAt: number | undefined;
}

export async function startCluster(cluster: ClusterOptions): Promise<Cluster> {
  const log = cluster.log ?? ((message: string) => console.error(message));
  if (cluster.workers === 0) return startSingleProcess(cluster);

  let stopping = false;
  const slots: Slot[] = Array.from({ length: cluster.workers }, (_, index) => ({
    index, child: undefined, detach: undefined, detachDoor: undefined, detachAccess: undefined, backoff: new RestartBackoff(), ready: false, restartAt: undefined,
  }));

  /** Tells every serving worker which of the others are down, for its /readyz. */
  const announceDown = (): void => {
    const down: WorkerDown[] = slots
      .filter((slot) => !slot.ready)
      .map((slot) => ({ worker: `w${slot.index + 1}`, crashesInARow: slot.backoff.crashesInARow, restartAt: slot.restartAt ?? null }));
    for (const slot of slots) if (slot.ready && slot.child !== undefined) sendControl(slot.child, { type: 'workersDown', down });
  };
  // Memory mode: the workers' door counts meet here (in cluster mode they meet on NATS).
  const doorRelay = cluster.host === undefined ? undefined : new DoorRelay();
  // One machine: the keys and the audit log are the engine process's (its data directory or memory), served to every worker.
  const accessRelay = cluster.host === undefined ? undefined : new AccessRelay(cluster.access ?? new MemoryAccessStore(cluster.options.auditRetention));

  const spawn = (slot: Slot): Promise<void> =>
    new Promise((resolve, reject) => {
      const serverId = `w${slot.index + 1}`;
      const child = fork(WORKER_ENTRY, [], { serialization: 'advanced', execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      slot.child = child;
      const timer = setTimeout(() => reject(new Error(`worker ${serverId} did not start within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
      const onControl = (control: ControlMessage): void => {
        if (control.type === 'ready') {
          clearTimeout(timer);
          slot.ready = true;
          slot.restartAt = undefined;
          announceDown();
          resolve();
        }
        if (control.type === 'failed') {
          clearTimeout(timer);
          reject(new Error(`worker ${serverId}: ${control.message}`));
        }
      };
      slot.detach = cluster.host === undefined ? listenForControl(child, onControl) : serveEngineOverIpc(cluster.host, child, serverId, onControl, cluster.durable);
      slot.detachDoor = doorRelay?.attach(child);
      slot.detachAccess = accessRelay?.attach(child);
      sendControl<WorkerStart>(child, { type: 'init', serverId, options: cluster.options, site: cluster.site, ...(cluster.cluster === undefined ? {} : { cluster: cluster.cluster }) });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        slot.detach?.();
        slot.detachDoor?.();
        slot.detachAccess?.();
        slot.child = undefined;
        slot.ready = false;
        // Its fans' sockets are gone with it: they count as disconnected until they reconnect elsewhere.
        cluster.host?.dropOwner(serverId);
        if (stopping) return;
        log(`gateway worker ${serverId} exited (${signal ?? code}); its fans reconnect to the other workers`);
        restart(slot);
      });
    });

  // Never given up: with every worker down the port would serve nobody, while the engine runs on.
  const restart = (slot: Slot): void => {
    const delayMs = slot.backoff.crashed();
    slot.restartAt = Date.now() + delayMs;
    if (slot.backoff.crashesInARow > 1) log(`gateway worker w${slot.index + 1} crashed ${slot.backoff.crashesInARow} times in a row; restarting it in ${delayMs} ms`);
    announceDown();
    setTimeout(() => {
      if (!stopping) spawn(slot).catch((err: unknown) => log(String(err)));
    }, delayMs);
  };

  const stop = async (): Promise<void> => {
    stopping = true;
    await Promise.all(slots.map((slot) => stopChild(slot.child, (child) => sendControl(child, { type: 'shutdown' }), STOP_TIMEOUT_MS)));
    accessRelay?.stop();
  };

  try {
    await Promise.all(slots.map((slot) => spawn(slot)));
  } catch (err) {
    await stop();
    throw err;
  }
  return { port: cluster.options.port, workers: cluster.workers, stop };
}

/** `--workers 0`: the gateway runs in this process (over the in-process link, or NATS in cluster mode, where it shares its door counts). */
async function startSingleProcess(cluster: ClusterOptions): Promise<Cluster> {
  const owner = `${hostname()}/w0/${process.pid}`;
  const link = cluster.host !== undefined
    ? new InProcessEngineLink(cluster.host, cluster.durable)
    : await NatsEngineLink.connect({ servers: cluster.cluster!.natsUrl, partitions: cluster.cluster!.partitions, owner });
  const door = cluster.cluster === undefined ? undefined : await NatsDoorExchange.connect(cluster.cluster.natsUrl, owner);
  // Cluster mode: this process's own connection to the cluster's keys; one machine: the store the caller opened.
  const ownAccess = cluster.host === undefined ? await RedisAccessStore.connect(cluster.cluster!.redisUrl, cluster.log ?? console.error, undefined, { retention: cluster.options.auditRetention }) : undefined;
  const access = ownAccess ?? cluster.access;
  const server: GatewayServer = await startGatewayServer({
    link, options: cluster.options, serverId: 'w0', site: new StaticSite(cluster.site), ...(door === undefined ? {} : { door }), ...(access === undefined ? {} : { access }),
  });
  return {
    port: server.port,
    workers: 0,
    async stop() {
      await server.close();
      await door?.close();
      await ownAccess?.close();
      await link.close();
    },
  };
}
