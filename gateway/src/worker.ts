/**
 * A gateway worker process, forked by the engine process (cluster.ts). It
 * waits for its `init`, serves on the shared port (SO_REUSEPORT), and exits
 * when told to or when the engine process goes away.
 */
import { IpcEngineLink, type ControlMessage } from './engine-link/ipc.js';
import { startGatewayServer, type GatewayServer } from './server.js';
import { StaticSite } from './static-site.js';

if (process.send === undefined) {
  console.error('gateway/src/worker.ts is started by the engine process (npm start), not directly.');
  process.exit(1);
}

let server: GatewayServer | undefined;
let stopping = false;

async function stop(exitCode: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  await server?.close();
  await link.close();
  // Let the close frames leave before the process does.
  setTimeout(() => process.exit(exitCode), 100).unref();
}

async function init(control: Extract<ControlMessage, { type: 'init' }>): Promise<void> {
  try {
    const site = await StaticSite.load(control.bundles);
    server = await startGatewayServer({ link, options: control.options, serverId: control.serverId, site });
    link.sendControl({ type: 'ready', worker: control.serverId, port: server.port });
  } catch (err) {
    link.sendControl({ type: 'failed', worker: control.serverId, message: (err as Error).message });
    await stop(1);
  }
}

const link = new IpcEngineLink(process, {
  onControl: (control) => {
    if (control.type === 'init' && server === undefined) void init(control);
    if (control.type === 'shutdown') void stop(0);
  },
});

process.on('disconnect', () => void stop(1)); // the engine process is gone
process.on('SIGINT', () => undefined); // the engine process coordinates shutdown
process.on('SIGTERM', () => void stop(0));
process.on('uncaughtException', (err) => {
  console.error(`gateway worker ${process.pid}: ${err.stack ?? String(err)}`);
  void stop(1);
});
