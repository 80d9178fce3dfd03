/**
 * This machine's part of a cluster: `--shards S` engine shard processes and
 * `--workers N` gateway processes on one port, all talking over NATS, state
 * in Redis. Every machine of a cluster runs the same with the same URLs and
 * partition count; `npm run cluster` does it on one machine, starting
 * nats-server and redis-server itself when no URLs are given.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BreakwaterError, isBreakwaterError } from '../engine/src/index.js';
import { banner, plural } from './banner.js';
import { RestartBackoff, stopChild } from './child-processes.js';
import type { GatewayOptions } from '../gateway/src/config.js';
import { DEMO_SETTINGS, demoEventConfig } from './demo-event.js';
import { loadSite } from '../gateway/src/pages.js';
import { startCluster } from './workers.js';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { LocalServer } from './local-servers.js';
import { NatsEngineLink } from '../engine/link/nats-engine-link.js';
import { freeLeasesOf, shardIdOf } from '../engine/shard/partition-leases.js';

/** shard-process.ts run through tsx from source, shard-process.js compiled (`npm run build`). */
const SHARD_ENTRY = fileURLToPath(new URL(`./shard-process${extname(fileURLToPath(import.meta.url))}`, import.meta.url));
/** Compiled, a shard runs as this process does (--enable-source-maps); from source it needs tsx whoever forks it (tests too). */
const SHARD_EXEC_ARGV = SHARD_ENTRY.endsWith('.js') ? process.execArgv : ['--import', 'tsx'];
const STOP_TIMEOUT_MS = 10_000;

export interface ClusterUrls {
  natsUrl: string;
  redisUrl: string;
}

export interface RunningCluster {
  readonly port: number;
  /** The shard processes, by slot (tests kill them). */
  readonly shards: Array<ChildProcess | undefined>;
  stop(): Promise<void>;
}

export async function startClusterMode(options: GatewayOptions, urls: ClusterUrls, log = (m: string) => console.error(m)): Promise<RunningCluster> {
  const shards = superviseShards(options.shards, urls, options.partitions, options.signingSecret, log);
  const site = await loadSite();
  const gateways = await startCluster({ options, workers: options.workers, site: site.files, cluster: { natsUrl: urls.natsUrl, redisUrl: urls.redisUrl, partitions: options.partitions }, log });
  if (options.demoEvent) await createDemoEvent(urls.natsUrl, options.partitions, log);
  return {
    port: gateways.port,
    get shards() {
      return shards.children();
    },
    async stop() {
      await gateways.stop();
      await shards.stop();
    },
  };
}

/** `npm start` with URLs, `npm run cluster`: start, print where, stop on a signal (and stop the servers it started). */
export async function runCluster(options: GatewayOptions, urls: ClusterUrls, servers: LocalServer[] = []): Promise<void> {
  const cluster = await startClusterMode(options, urls);
  const started = servers.map((s) => `${s.name} ${s.url} (started here, data in ${s.dir})`);
  process.stdout.write(banner(options, cluster.port, `cluster mode: ${plural(options.shards, 'engine shard')}, ${options.workers} gateway process${options.workers === 1 ? '' : 'es'}`));
  process.stdout.write(`  NATS  ${urls.natsUrl}\n  Redis ${urls.redisUrl}\n${started.map((line) => `  ${line}\n`).join('')}  Partitions: ${options.partitions}\n`);
  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: handing partitions over, closing connections and stopping\n`);
    await cluster.stop();
    for (const server of servers) await server.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

interface ShardSupervisor {
  children(): Array<ChildProcess | undefined>;
  stop(): Promise<void>;
}

/** Keeps `count` shard processes running; a crashed one is forked again (its partitions meanwhile move to the others). */
function superviseShards(count: number, urls: ClusterUrls, partitions: number, secret: string, log: (m: string) => void): ShardSupervisor {
  const children: Array<ChildProcess | undefined> = new Array(count).fill(undefined);
  const backoffs = children.map(() => new RestartBackoff());
  let stopping = false;
  let nc: Promise<NatsConnection> | undefined;
  /** A crashed shard's partitions are freed now, not when its leases expire: the others serve them within a second. */
  const freeLeases = async (slot: number, pid: number): Promise<void> => {
    nc ??= connect({ servers: urls.natsUrl, name: `launcher/${process.pid}`, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
    const freed = await freeLeasesOf(await nc, shardIdOf(`s${slot + 1}`, pid), partitions);
    if (freed.length > 0) log(`engine shard s${slot + 1}: freed its partition lease${freed.length === 1 ? '' : 's'} ${freed.join(', ')}`);
  };
  const spawnShard = (slot: number): void => {
    const args = ['--nats', urls.natsUrl, '--redis', urls.redisUrl, '--partitions', String(partitions), '--id', `s${slot + 1}`];
    // The secret in the environment, not the arguments: `ps` shows arguments to everyone on the machine.
    const env = { ...process.env, BREAKWATER_SECRET: secret };
    const child = fork(SHARD_ENTRY, args, { env, execArgv: SHARD_EXEC_ARGV, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    children[slot] = child;
    child.once('exit', (code, signal) => {
      children[slot] = undefined;
      if (stopping) return;
      const backoff = backoffs[slot]!;
      const delayMs = backoff.crashed();
      const looping = backoff.crashesInARow > 1 ? ` (${backoff.crashesInARow} crashes in a row)` : '';
      log(`engine shard s${slot + 1} exited (${signal ?? code})${looping}; the others take its partitions over, and it is started again in ${delayMs} ms`);
      if (child.pid !== undefined) {
        freeLeases(slot, child.pid).catch((err: unknown) => log(`engine shard s${slot + 1}: its leases expire by themselves (${(err as Error).message})`));
      }
      setTimeout(() => {
        if (!stopping) spawnShard(slot);
      }, delayMs);
    });
  };
  for (let slot = 0; slot < count; slot++) spawnShard(slot);
  return {
    children: () => [...children],
    async stop() {
      stopping = true;
      // SIGTERM: the shard hands its partitions over, finishing their writes, before it exits.
      await Promise.all(children.map((child) => stopChild(child, (c) => c.kill('SIGTERM'), STOP_TIMEOUT_MS)));
      if (nc !== undefined) await (await nc).close().catch(() => undefined);
    },
  };
}

/** Creates the demo event once per cluster (it survives restarts in Redis), once the shards serve its partition. */
async function createDemoEvent(natsUrl: string, partitions: number, log: (m: string) => void): Promise<void> {
  const link = await NatsEngineLink.connect({ servers: natsUrl, owner: `launcher/${process.pid}`, partitions });
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await link.execute({ op: 'createEvent', config: demoEventConfig(Date.now()), publish: true, settings: DEMO_SETTINGS });
        return;
      } catch (err) {
        if (isBreakwaterError(err) && err.code === 'EVENT_EXISTS') return;
        const unavailable = isBreakwaterError(err) && err.code === 'ENGINE_UNAVAILABLE';
        if (!unavailable || attempt >= 10) throw err instanceof BreakwaterError ? err : new Error(String(err));
        log('waiting for the engine shards to take their partitions…');
      }
    }
  } finally {
    await link.close();
  }
}
