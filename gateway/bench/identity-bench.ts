/**
 * What verifying identity tokens costs a join (a benchmark, not a test):
 *
 *   node --import tsx gateway/bench/identity-bench.ts [--fans 2000] [--json]
 *
 * 1. The verifier alone: verifications per CPU-second of this process, for
 *    each algorithm, after the first (which imports the event's keys, cached
 *    from then on). CPU time, not wall time: the machine is shared.
 * 2. Joins end to end: one gateway process with the engine in process on
 *    127.0.0.1, `--fans` WebSocket clients connected, then every client joins
 *    at once; joins/s = fans ÷ (last `joined` − first join sent), and joins
 *    per CPU-second of this process (which runs the clients too). The same
 *    for an anonymous event and an event per algorithm, in one run, so the
 *    figures read as ratios.
 */
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { SimulatedClock } from '../../engine/src/index.js';
import { DEFAULT_LIMITS } from '../src/config.js';
import { aesSeedVault } from '../../engine/stores/seed-vault.js';
import { EngineHost } from '../../engine/host/engine-host.js';
import { InProcessEngineLink } from '../../engine/link/in-process.js';
import type { IdentitySettings } from '../../engine/host/identity-settings.js';
import { IdentityVerifier } from '../src/identity/verifier.js';
import { decodeServerMessage, encodeMessage, PROTOCOL_VERSION } from '../src/protocol/index.js';
import { startGatewayServer } from '../src/server.js';
import { HS256_SECRET, hs256Token, keyToken, signingKey } from '../test/helpers/identity-tokens.js';

const { values } = parseArgs({ options: { fans: { type: 'string', default: '2000' }, json: { type: 'boolean', default: false } } });
const FANS = Number(values.fans);
type Kind = 'anonymous' | 'HS256' | 'EdDSA' | 'ES256' | 'RS256';
const KINDS: Kind[] = ['anonymous', 'HS256', 'EdDSA', 'ES256', 'RS256'];

const keys = {
  EdDSA: await signingKey('EdDSA', 'ed'), ES256: await signingKey('ES256', 'es'), RS256: await signingKey('RS256', 'rs'),
};
function identityOf(kind: Kind): IdentitySettings | null {
  if (kind === 'anonymous') return null;
  if (kind === 'HS256') return { required: true, hs256Secret: HS256_SECRET };
  return { required: true, publicKeys: { keys: [keys[kind].publicJwk as never] } };
}
function tokenFor(kind: Kind, eventId: string, sub: string): Promise<string | null> {
  if (kind === 'anonymous') return Promise.resolve(null);
  if (kind === 'HS256') return hs256Token(eventId, { sub });
  return keyToken(keys[kind], kind, eventId, { sub });
}

function cpuSeconds(since: NodeJS.CpuUsage): number {
  const { user, system } = process.cpuUsage(since);
  return (user + system) / 1e6;
}

// ── 1. The verifier alone ──
const verifierPerSec: Partial<Record<Kind, number>> = {};
// Twice: the first round warms the JIT up; the second is reported.
for (const kind of [...KINDS.slice(1), ...KINDS.slice(1)]) {
  const verifier = new IdentityVerifier();
  const identity = identityOf(kind)!;
  const tokens = await Promise.all(Array.from({ length: 200 }, (_, i) => tokenFor(kind, 'bench', `fan-${i}`)));
  await verifier.verify(tokens[0]!, 'bench', identity);
  let done = 0;
  const started = performance.now();
  const cpu = process.cpuUsage();
  while (performance.now() - started < 1000) await verifier.verify(tokens[done++ % tokens.length]!, 'bench', identity);
  verifierPerSec[kind] = Math.round(done / cpuSeconds(cpu));
}

// ── 2. Joins end to end ──
const clock = new SimulatedClock(Date.now());
const host = new EngineHost({ clock, seeds: aesSeedVault('bench-signing-secret-0123456789'), log: () => undefined });
const link = new InProcessEngineLink(host);
const server = await startGatewayServer({
  link, serverId: 'bench', log: () => undefined,
  options: {
    host: '127.0.0.1', port: 0, apiKey: 'bench-api-key-0123456789', signingSecret: 'bench-signing-secret-0123456789', webhookSecret: 'bench-webhook-secret-0123456789',
    exemptIps: ['127.0.0.1'], trustProxy: 0, demoPayments: { decision: 'approve', delayMs: 0 }, limits: { ...DEFAULT_LIMITS },
  },
});

async function joinsPerSec(kind: Kind, round = 'measured'): Promise<{ wall: number; cpu: number }> {
  const eventId = `bench-${kind.toLowerCase()}-${round}`;
  const now = clock.now();
  host.handle({
    op: 'createEvent', publish: true, settings: { identity: identityOf(kind) },
    config: {
      id: eventId, name: eventId, preQueueOpensAt: now, onSaleAt: now + 3600_000, closesAt: now + 7200_000,
      inventory: { tiers: [{ id: 'ga', name: 'GA', price: 100, quantity: 100 }] }, admission: { mode: 'rate', fansPerMinute: 60 },
    },
  });
  const tokens = await Promise.all(Array.from({ length: FANS }, (_, i) => tokenFor(kind, eventId, `fan-${i}`)));
  const sockets = await Promise.all(Array.from({ length: FANS }, () => new Promise<WebSocket>((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws`);
    ws.once('open', () => {
      ws.send(encodeMessage({ t: 'hello', v: PROTOCOL_VERSION, client: 'identity-bench' }));
      resolve(ws);
    });
    ws.once('error', reject);
  })));
  let joined = 0;
  const allJoined = new Promise<number>((resolve, reject) => {
    for (const ws of sockets) {
      ws.on('message', (data: Buffer) => {
        const message = decodeServerMessage(new Uint8Array(data));
        if (message.t === 'error') reject(new Error(`${kind}: ${message.code}`));
        if (message.t === 'joined' && ++joined === FANS) resolve(performance.now());
      });
    }
  });
  const started = performance.now();
  const cpu = process.cpuUsage();
  sockets.forEach((ws, i) => ws.send(encodeMessage({
    t: 'join', rid: 1, eventId, fanId: `fan-${i}`, token: null, powChallenge: null, powNonce: null, identity: tokens[i]!, accessCode: null,
  })));
  const finished = await allJoined;
  const cpuUsed = cpuSeconds(cpu);
  for (const ws of sockets) ws.close();
  return { wall: Math.round(FANS / ((finished - started) / 1000)), cpu: Math.round(FANS / cpuUsed) };
}

const joins: Partial<Record<Kind, { wall: number; cpu: number }>> = {};
// A first anonymous round warms the server up; then each kind in turn.
await joinsPerSec('anonymous', 'warm-up');
for (const kind of KINDS) joins[kind] = await joinsPerSec(kind);
await server.close();
await link.close();

const report = { fans: FANS, verifierPerSec, joinsPerSec: joins };
if (values.json) console.log(JSON.stringify(report));
else {
  console.log(`identity verification, ${FANS} fans joining at once, one gateway process (engine in process)`);
  for (const kind of KINDS) {
    const verify = verifierPerSec[kind] === undefined ? '' : `   verifier alone ${verifierPerSec[kind]!.toLocaleString()} per CPU-s`;
    console.log(`  ${kind.padEnd(9)} joins ${joins[kind]!.wall.toLocaleString()}/s (${joins[kind]!.cpu.toLocaleString()} per CPU-s)${verify}`);
  }
}
process.exit(0);
