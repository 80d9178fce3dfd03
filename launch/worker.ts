/**
 * A gateway worker process, forked by its parent (launch/workers.ts or,
 * in cluster mode, launch/run-cluster.ts). It waits for its
 * `init`, serves on the shared port (SO_REUSEPORT), and exits when told to or
 * when the parent goes away. It reaches the engine over the fork channel, or
 * in cluster mode over NATS (the fork channel then carries only control).
 */
import { hostname } from 'node:os';
import type { AccessStore } from '../gateway/src/access/access-store.js';
import { IpcAccessStore } from '../gateway/src/access/ipc-access-store.js';
import { RedisAccessStore } from '../gateway/src/access/redis-access-store.js';
import { isBreakwaterError } from '../engine/src/index.js';
import { NatsDoorExchange } from '../gateway/src/protection/nats-door-exchange.js';
import { NatsEngineLink } from '../engine/link/nats-engine-link.js';
import { IpcEngineLink, type ControlMessage } from '../engine/link/ipc.js';
import type { WorkerStart } from './workers.js';
import type { EngineLink } from '../engine/link/types.js';
import { IpcDoorExchange, type DoorExchange } from '../gateway/src/protection/door-exchange.js';
import { startGatewayServer, type GatewayServer } from '../gateway/src/server.js';
import { StaticSite } from '../gateway/src/static-site.js';

if (process.send === undefined) {
  console.error('launch/worker.ts is started by `npm start` or `npm run cluster`, not directly.');
  process.exit(1);
}

let server: GatewayServer | undefined;
let engineLink: EngineLink | undefined;
let door: DoorExchange | undefined;
let access: AccessStore | undefined;
let stopping = false;

async function stop(exitCode: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  await server?.close();
  await door?.close();
  await access?.close();
  if (engineLink !== control) await engineLink?.close();
  await control.close();
  // Let the close frames leave before the process does.
  setTimeout(() => process.exit(exitCode), 100).unref();
}

async function init(message: Extract<ControlMessage<WorkerStart>, { type: 'init' }>): Promise<void> {
  // In cluster mode the id names this process's fan sessions on every shard: unique across machines and restarts.
  const serverId = message.cluster === undefined ? message.serverId : `${hostname()}/${message.serverId}/${process.pid}`;
  try {
    const site = new StaticSite(message.site);
    engineLink = message.cluster === undefined
      ? control
      : await NatsEngineLink.connect({ servers: message.cluster.natsUrl, owner: serverId, partitions: message.cluster.partitions });
    if (message.cluster !== undefined) await engineAnswers(engineLink);
    // The door's counts: over NATS to every gateway of the cluster, or through the engine process to this machine's other workers.
    door = message.cluster === undefined ? new IpcDoorExchange(process) : await NatsDoorExchange.connect(message.cluster.natsUrl, serverId);
    // The API keys and the audit log: the engine process's (over the fork channel), or the cluster's in Redis.
    access = message.cluster === undefined ? new IpcAccessStore(process) : await RedisAccessStore.connect(message.cluster.redisUrl, (m) => console.error(`[${serverId}] ${m}`), undefined, { retention: message.options.auditRetention });
    server = await startGatewayServer({ link: engineLink, options: message.options, serverId, site, door, access });
    control.sendControl({ type: 'ready', worker: message.serverId, port: server.port });
  } catch (err) {
    control.sendControl({ type: 'failed', worker: message.serverId, message: (err as Error).message });
    await stop(1);
  }
}

/**
 * Waits until every partition has an owner that answers: a gateway restarted
 * during an outage (a takeover, Redis or NATS coming back) starts serving as
 * soon as the engine does, instead of failing and backing off for longer each time.
 */
async function engineAnswers(link: EngineLink): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await link.execute({ op: 'sync' });
      return;
    } catch (err) {
      if (!isBreakwaterError(err, 'ENGINE_UNAVAILABLE') || stopping) throw err;
      await new Promise((resolve) => setTimeout(resolve, Math.min(1_000, 100 * 2 ** attempt)));
    }
  }
}

const control = new IpcEngineLink<WorkerStart>(process, {
  onControl: (message) => {
    if (message.type === 'init' && server === undefined && engineLink === undefined) void init(message);
    if (message.type === 'shutdown') void stop(0);
    if (message.type === 'workersDown') server?.noteWorkersDown(message.down);
  },
});

process.on('disconnect', () => void stop(1)); // the parent is gone
process.on('SIGINT', () => undefined); // the parent coordinates shutdown
process.on('SIGTERM', () => void stop(0));
process.on('uncaughtException', (err) => {
  console.error(`gateway worker ${process.pid}: ${err.stack ?? String(err)}`);
  void stop(1);
});
