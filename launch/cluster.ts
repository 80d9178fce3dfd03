/**
 * `npm run cluster -- --gateways 2 --shards 2`: a whole cluster on this
 * machine. With no NATS and Redis URLs it starts nats-server (JetStream) and
 * redis-server (append-only file) on free ports itself, and stops them on
 * exit. Takes every `npm start` option too.
 */
import { USAGE, parseOptions } from '../gateway/src/config.js';
import { loadNativeUws } from '../gateway/src/native-uws.js';
import { freePort, startNatsServer, startRedisServer, type LocalServer } from './local-servers.js';
import { runCluster } from './run-cluster.js';

async function main(): Promise<void> {
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions(['--shards', '2', '--gateways', '2', ...process.argv.slice(2)]);
  } catch (err) {
    console.error((err as Error).message);
    process.exitCode = 2;
    return;
  }
  if (parsed === 'help') {
    console.log(USAGE);
    return;
  }
  loadNativeUws();
  const options = parsed;
  options.storage = { mode: 'redis' };
  if (options.port === 0) options.port = await freePort(options.host);
  const servers: LocalServer[] = [];
  if (options.natsUrl === undefined) servers.push(await startNatsServer());
  if (options.redisUrl === undefined) servers.push(await startRedisServer());
  const urlOf = (name: LocalServer['name']) => servers.find((s) => s.name === name)?.url;
  await runCluster(options, { natsUrl: options.natsUrl ?? urlOf('nats')!, redisUrl: options.redisUrl ?? urlOf('redis')! }, servers);
}

main().catch((err: unknown) => {
  console.error((err as Error).stack ?? String(err));
  process.exit(1);
});
