/**
 * `npm start`: the whole product on one machine with nothing else installed.
 * This process is the engine process (in-memory Engine, tick loop every
 * 250 ms); it forks the gateway workers (`--workers N`, default one per core)
 * that share the port. A demo event opens its pre-queue at once and goes on
 * sale a minute later.
 */
import { createServer } from 'node:net';
import { USAGE, parseOptions, type GatewayOptions } from './config.js';
import { startCluster } from './cluster.js';
import { DEMO_EVENT_ID, DEMO_SETTINGS, demoEventConfig } from './demo-event.js';
import { EngineHost } from './engine-link/engine-host.js';
import { loadNativeUws } from './native-uws.js';
import { buildPages } from './pages.js';

async function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function banner(options: GatewayOptions, port: number, workers: number): string {
  const base = `http://${options.host === '0.0.0.0' || options.host === '::' ? 'localhost' : options.host}:${port}`;
  const key = encodeURIComponent(options.apiKey);
  const lines = [
    '',
    `Breakwater is running on ${base} — engine in this process (pid ${process.pid}), ${workers === 0 ? 'gateway in this process too' : `${workers} gateway worker${workers === 1 ? '' : 's'}`}`,
    '',
    `  Fan page        ${base}/`,
    `  Organizer page  ${base}/organizer#key=${key}`,
    `  Dashboard       ${base}/dashboard#key=${key}`,
    `  Organizer API   ${base}/api/events   (Authorization: Bearer <key>; docs/openapi.yaml)`,
    `  Metrics         ${base}/metrics   health ${base}/healthz   ready ${base}/readyz`,
    '',
    options.generated.includes('apiKey') ? `  API key (generated; set BREAKWATER_API_KEY to fix it): ${options.apiKey}` : '  API key: from BREAKWATER_API_KEY',
  ];
  if (options.demoEvent) lines.push(`  Demo event "${DEMO_EVENT_ID}": pre-queue open now, on sale in 60 s`);
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  const parsed = parseOptions(process.argv.slice(2));
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

  const host = new EngineHost();
  if (options.demoEvent) host.handle({ op: 'createEvent', config: demoEventConfig(Date.now()), publish: true, settings: DEMO_SETTINGS });
  const bundles = await buildPages();
  host.start();
  const cluster = await startCluster({ host, options, workers: options.workers, bundles });
  process.stdout.write(banner(options, cluster.port, cluster.workers));

  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: closing connections and stopping\n`);
    await cluster.stop();
    host.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error((err as Error).stack ?? String(err));
  process.exit(1);
});
