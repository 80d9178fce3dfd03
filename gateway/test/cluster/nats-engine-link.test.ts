/**
 * The NATS EngineLink against a real nats-server and real EngineHosts: two
 * "shards" (one NATS connection each) serve two of four partitions each,
 * their ownership written in the lease bucket the way shards write it.
 * Partition 4 of a five-partition link is served by nobody unless a test
 * serves it: the place for failovers and hand-made replies.
 */
import { jetstream } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BreakwaterError, SimulatedClock } from '../../../engine/src/index.js';
import { startNatsServer, type LocalServer } from '../../../launch/local-servers.js';
import { NatsEngineLink } from '../../../engine/link/nats-engine-link.js';
import { LEASE_BUCKET } from '../../../engine/shard/partition-leases.js';
import { ENGINE_METRICS_SUBJECT, partitionOf, requestSubject, SHARD_QUEUE_GROUP } from '../../../engine/link/partitions.js';
import { publishBroadcast, runEach, servePartition } from '../../../engine/shard/shard-server.js';
import { decodeRequests, encodeEngineMetrics, encodeReplies } from '../../../engine/link/wire.js';
import { aesSeedVault } from '../../../engine/stores/seed-vault.js';
import { EngineHost } from '../../../engine/host/engine-host.js';
import type { EngineBroadcast, EngineRequest, WorkerMetrics } from '../../../engine/link/types.js';
import { DEFAULT_EVENT_SETTINGS } from '../../../engine/host/event-settings.js';
import { eventConfig } from '../helpers/test-gateway.js';

const PARTITIONS = 4;
const NOW = 1_000_000;
const quiet = (): void => undefined;

/** An event id that lands in `partition` of `partitions`. */
function idIn(partition: number, partitions: number, prefix = 'ev'): string {
  for (let i = 0; ; i++) if (partitionOf(`${prefix}${i}`, partitions) === partition) return `${prefix}${i}`;
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<number> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return Date.now() - started;
}

const connections = (value: number) => ({ name: 'breakwater_gateway_connections', help: 'h', type: 'gauge', aggregator: 'sum', values: [{ value, labels: {} }] });

function workerMetrics(worker: string): WorkerMetrics {
  return { worker, pid: 1, at: Date.now(), families: [connections(3)] };
}

let server: LocalServer;
const shardConnections: NatsConnection[] = [];
const hosts = new Map<number, EngineHost>();
const links: NatsEngineLink[] = [];

let leases: KV;
/** Who serves partition 4 when a test serves it by hand. */
const HAND = 'hand.made';

/** Names the partition's owner in the lease bucket, as a shard taking it does; the links learn it from there. */
async function lease(partition: number, owner: string): Promise<void> {
  await leases.put(`p${partition}`, owner);
}

/** Serves `partition` on `nc` with a fresh EngineHost, the way a shard does. */
function serveWithHost(nc: NatsConnection, partition: number, owner: string): { host: EngineHost; stop(): Promise<void> } {
  const host = new EngineHost({ clock: new SimulatedClock(NOW), seeds: aesSeedVault('nats engine link test'), log: quiet });
  const unsubscribe = host.subscribe((broadcast) => publishBroadcast(nc, partition, broadcast));
  const server = servePartition(nc, partition, owner, async (requests, gateway) => runEach(requests, (request) => host.handle(request, gateway)), quiet);
  host.start();
  return {
    host,
    async stop() {
      host.stop();
      unsubscribe();
      await server.stop();
    },
  };
}

async function openLink(options: { partitions?: number; requestTimeoutMs?: number; owner?: string } = {}): Promise<NatsEngineLink> {
  const link = await NatsEngineLink.connect({
    servers: server.url, owner: options.owner ?? `gw-${links.length}`, partitions: options.partitions ?? PARTITIONS, log: quiet,
    ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }),
  });
  links.push(link);
  return link;
}

const shardNc = (): NatsConnection => shardConnections[0]!;
const stops: Array<() => Promise<void>> = [];

beforeAll(async () => {
  server = await startNatsServer();
  for (const [shard, served] of [['shard-a', [0, 1]], ['shard-b', [2, 3]]] as const) {
    const nc = await connect({ servers: server.url, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
    shardConnections.push(nc);
    leases ??= await new Kvm(jetstream(nc)).create(LEASE_BUCKET, { history: 1 });
    for (const partition of served) {
      const { host, stop } = serveWithHost(nc, partition, shard);
      await lease(partition, shard);
      hosts.set(partition, host);
      stops.push(stop);
    }
  }
  await Promise.all(shardConnections.map((nc) => nc.flush()));
});

afterAll(async () => {
  await Promise.all(links.map((link) => link.close()));
  await Promise.all(stops.map((stop) => stop()));
  await Promise.all(shardConnections.map((nc) => nc.close()));
  await server?.stop();
});

describe('the NATS engine link', () => {
  const eventIds = Array.from({ length: PARTITIONS }, (_, partition) => idIn(partition, PARTITIONS));

  it('routes each request to the shard owning its event\'s partition', async () => {
    const link = await openLink();
    for (const eventId of eventIds) {
      const details = await link.execute({ op: 'createEvent', config: eventConfig(NOW, { id: eventId }), publish: true, settings: {} });
      expect(details.status.eventId).toBe(eventId);
    }
    // An engine command creating an event goes by its config's id.
    const second = idIn(2, PARTITIONS, 'cmd');
    await link.execute({ op: 'command', command: { type: 'createEvent', config: eventConfig(NOW, { id: second }) } });
    for (const [partition, host] of hosts) {
      const expected = partition === 2 ? [eventIds[2], second].sort() : [eventIds[partition]];
      expect(host.engine.events().map((sale) => sale.id).sort()).toEqual(expected);
    }
    const opened = await link.execute({ op: 'openSession', eventId: eventIds[3]!, fanId: 'fan-1', resume: false });
    expect(opened.join).toMatchObject({ eventId: eventIds[3], fanId: 'fan-1' });
    expect(hosts.get(3)!.engine.event(eventIds[3]!).room.isPresent('fan-1')).toBe(true);
  });

  it("carries a join's context to the engine's door, and the door's refusal back with its details", async () => {
    const link = await openLink();
    const eventId = eventIds[2]!;
    await link.execute({ op: 'command', command: { type: 'updateEvent', eventId, patch: { door: { joinsPerAddressPerMin: 1, powFloor: 5, powCeiling: 5 } } } });
    const short = await link.execute({ op: 'openSession', eventId, fanId: 'ctx-1', resume: false, context: { address: '198.51.100.7', powBits: 4 } }).catch((err: unknown) => err);
    expect(short).toMatchObject({ code: 'POW_REQUIRED', details: { difficulty: 5, provided: 4 } });
    await link.execute({ op: 'openSession', eventId, fanId: 'ctx-1', resume: false, context: { address: '198.51.100.7', powBits: 5 } });
    // The address made it too: a second join from it is over its budget of one a minute.
    await link.execute({ op: 'openSession', eventId, fanId: 'ctx-2', resume: false, context: { address: '198.51.100.7', powBits: 5 } });
    expect(hosts.get(2)!.engine.journal.read(eventId).at(-1)).toMatchObject({ type: 'joined', fanId: 'ctx-2', readyAt: expect.any(Number) });
  });

  it("sends one turn's fan requests for a partition as one message, each answered with its own result or error", async () => {
    const link = await openLink();
    const eventId = eventIds[3]!;
    // A fresh link learns the owners from the lease bucket's watch; a request sent before that retries on its own timer, outside the batch.
    await link.execute({ op: 'openSession', eventId, fanId: 'warm-up', resume: false });
    const messages: string[][] = [];
    const counter = shardNc().subscribe(requestSubject(3, 'shard-b'), {
      callback: (_err, msg) => void messages.push(decodeRequests(msg.data).requests.map((r) => `${r.op}:${'fanId' in r ? r.fanId : 'command' in r ? (r.command as { fanId?: string }).fanId : ''}`)),
    });
    await shardNc().flush();
    const fans = Array.from({ length: 300 }, (_, i) => `batch-${i}`);
    const joins = fans.map((fanId) => link.execute({ op: 'openSession', eventId, fanId, resume: false }));
    // A bad request in the middle of the batch fails alone.
    const foreign = link.execute({
      op: 'fanCommand',
      command: { type: 'hold', eventId, fanId: fans[0]!, grantId: 'g999999', key: 'k', request: { kind: 'tickets', tierId: 'ga', quantity: 1 } },
    }).catch((err: unknown) => err);
    const opened = await Promise.all(joins);
    expect(await foreign).toMatchObject({ code: 'WRONG_PHASE' }); // the event is in its pre-queue
    expect(opened.map((o) => o.join.fanId)).toEqual(fans);
    // Run in the order they were made: the pre-queue lists them so.
    expect(hosts.get(3)!.engine.event(eventId).room.pendingIn('preQueue').filter((fanId) => fanId.startsWith('batch-'))).toEqual(fans);
    await shardNc().flush();
    counter.unsubscribe();
    expect(messages.map((requests) => requests.length)).toEqual([256, 45]); // at most MAX_BATCH per message
    expect(messages.flat().slice(0, 3)).toEqual(['openSession:batch-0', 'openSession:batch-1', 'openSession:batch-2']);
  });

  it('gathers listEvents and sync from every partition', async () => {
    const link = await openLink();
    await link.execute({ op: 'updateSettings', eventId: eventIds[1]!, patch: { powDifficulty: 3 } });
    const listed = await link.execute({ op: 'listEvents' });
    const all = [...eventIds, idIn(2, PARTITIONS, 'cmd')].sort();
    expect(listed.map((details) => details.status.eventId)).toEqual(all);
    const { settings } = await link.execute({ op: 'sync' });
    expect(Object.keys(settings).sort()).toEqual(all);
    expect(settings[eventIds[1]!]!.powDifficulty).toBe(3);
    expect(settings[eventIds[0]!]!.powDifficulty).toBe(0);
  });

  it('rejects with the engine\'s error, code and details intact', async () => {
    const link = await openLink();
    await expect(link.execute({ op: 'getEvent', eventId: 'nope' })).rejects.toMatchObject({ code: 'EVENT_NOT_FOUND', details: { eventId: 'nope' } });
    // No usable id: partition 0, whose engine refuses it as it would in one process.
    const bad: EngineRequest = { op: 'createEvent', config: { name: 'no id' }, publish: false, settings: {} };
    let expected: BreakwaterError | undefined;
    try {
      new EngineHost({ clock: new SimulatedClock(NOW), seeds: aesSeedVault('nats engine link test'), log: quiet }).handle(bad);
    } catch (err) {
      expected = err as BreakwaterError;
    }
    expect(expected).toBeInstanceOf(BreakwaterError);
    const refused = await link.execute(bad).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(BreakwaterError);
    expect(refused).toMatchObject({ code: expected!.code, message: expected!.message, details: expected!.details });
  });

  it('turns a reply above the server\'s max_payload into an error at once, not a timeout', async () => {
    const link = await openLink({ partitions: 5 });
    const huge = servePartition(shardNc(), 4, HAND, async (requests) => runEach(requests, () => 'x'.repeat(65 * 1024 * 1024)), quiet);
    await lease(4, HAND);
    await shardNc().flush();
    const started = Date.now();
    await expect(link.execute({ op: 'journal', eventId: idIn(4, 5) })).rejects.toMatchObject({ code: 'INTERNAL_ERROR' });
    expect(Date.now() - started).toBeLessThan(2_000);
    await huge.stop();
  });

  it('passes broadcasts through, and lets the code awaiting a reply run before the broadcast right behind it', async () => {
    const passing = await openLink();
    const seen: EngineBroadcast[] = [];
    passing.subscribe((broadcast) => {
      if (broadcast.type === 'settings') seen.push(broadcast);
    });
    await passing.execute({ op: 'updateSettings', eventId: eventIds[0]!, patch: { powDifficulty: 2 } });
    await until(() => seen.some((b) => b.type === 'settings' && b.eventId === eventIds[0]), 2_000, 'the settings broadcast');

    // A hand-made shard for partition 4 of 5 sends each reply and a broadcast in one write.
    const link = await openLink({ partitions: 5 });
    const order: string[] = [];
    link.subscribe((broadcast) => {
      if (broadcast.type === 'settings' && broadcast.eventId === 'probe') order.push('broadcast');
    });
    await lease(4, HAND);
    const sub = shardNc().subscribe(requestSubject(4, HAND), {
      queue: SHARD_QUEUE_GROUP,
      callback: (_err, msg) => {
        msg.respond(encodeReplies({ ok: true, replies: [{ ok: true, result: null }] }));
        publishBroadcast(shardNc(), 4, { type: 'settings', eventId: 'probe', settings: DEFAULT_EVENT_SETTINGS });
      },
    });
    await shardNc().flush();
    const eventId = idIn(4, 5);
    for (let round = 1; round <= 5; round++) {
      await link.execute({ op: 'getEvent', eventId });
      order.push('continuation');
      await until(() => order.length === 2 * round, 2_000, 'the probe broadcast');
    }
    sub.unsubscribe();
    expect(order).toEqual(Array.from({ length: 5 }, () => ['continuation', 'broadcast']).flat());
  });

  it('retries while a partition has no owner and gets the answer once one serves it', async () => {
    await leases.delete('p4');
    const link = await openLink({ partitions: 5 });
    const eventId = idIn(4, 5, 'late');
    const started = Date.now();
    const created = link.execute({ op: 'createEvent', config: eventConfig(NOW, { id: eventId }), publish: true, settings: {} });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const late = serveWithHost(shardNc(), 4, 'late-shard');
    await lease(4, 'late-shard');
    try {
      expect((await created).status.eventId).toBe(eventId);
      expect(Date.now() - started).toBeGreaterThanOrEqual(500);
      expect(late.host.engine.events().map((sale) => sale.id)).toEqual([eventId]);
    } finally {
      await late.stop();
    }
  });

  it('gives up with ENGINE_UNAVAILABLE (noOwner) when nobody serves the partition', async () => {
    await leases.delete('p4');
    const link = await openLink({ partitions: 5, requestTimeoutMs: 1_000 });
    const started = Date.now();
    await expect(link.execute({ op: 'getEvent', eventId: idIn(4, 5) })).rejects.toMatchObject({
      code: 'ENGINE_UNAVAILABLE', details: { reason: 'noOwner', partition: 4 },
    });
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(700);
    expect(elapsed).toBeLessThan(3_000);
  });

  it('addresses the owner the lease bucket names: a former owner still subscribed gets nothing new', async () => {
    const link = await openLink({ partitions: 5, requestTimeoutMs: 3_000 });
    let toFormer = 0;
    // The former owner: frozen, its subscription still there, never answering.
    const former = shardNc().subscribe(requestSubject(4, 'former'), { queue: SHARD_QUEUE_GROUP, callback: () => void toFormer++ });
    const current = shardNc().subscribe(requestSubject(4, 'current'), {
      queue: SHARD_QUEUE_GROUP,
      callback: (_err, msg) => void msg.respond(encodeReplies({ ok: true, replies: [{ ok: true, result: 'from current' }] })),
    });
    await shardNc().flush();
    await lease(4, 'former');
    await lease(4, 'current'); // the takeover: the new owner's lease
    await until(() => link.execute({ op: 'getEvent', eventId: idIn(4, 5) }).then(() => true, () => false), 10_000, 'the link hears the new owner');
    toFormer = 0;
    const answers = await Promise.all(Array.from({ length: 20 }, () => link.execute({ op: 'getEvent', eventId: idIn(4, 5) })));
    former.unsubscribe();
    current.unsubscribe();
    expect(answers).toEqual(Array.from({ length: 20 }, () => 'from current'));
    expect(toFormer).toBe(0);
  });

  it('does not repeat a request that was delivered but not answered', async () => {
    const link = await openLink({ partitions: 5, requestTimeoutMs: 800 });
    let received = 0;
    await lease(4, HAND);
    const sub = shardNc().subscribe(requestSubject(4, HAND), { queue: SHARD_QUEUE_GROUP, callback: () => void received++ });
    await shardNc().flush();
    await expect(link.execute({ op: 'getEvent', eventId: idIn(4, 5) })).rejects.toMatchObject({ code: 'ENGINE_UNAVAILABLE', details: { reason: 'timeout', partition: 4 } });
    await new Promise((resolve) => setTimeout(resolve, 300));
    sub.unsubscribe();
    expect(received).toBe(1);
  });

  it('merges the shards\' stats, the shards\' runtime and the gateways\' metrics into one broadcast per second', async () => {
    const link = await openLink({ owner: 'gw-a' });
    const other = await openLink({ owner: 'gw-b' });
    const stats: Array<Extract<EngineBroadcast, { type: 'stats' }>> = [];
    link.subscribe((broadcast) => {
      if (broadcast.type === 'stats') stats.push(broadcast);
    });
    await link.execute({ op: 'reportMetrics', metrics: workerMetrics('gw-a') });
    await other.execute({ op: 'reportMetrics', metrics: workerMetrics('gw-b') });
    const shardConnection = await connect({ servers: server.url });
    shardConnection.publish(ENGINE_METRICS_SUBJECT, encodeEngineMetrics({ engine: 'shard-x', pid: 2, at: Date.now(), families: [connections(0)] }));
    await shardConnection.drain();
    await until(() => stats.length > 0, 3_000, 'a first stats broadcast');
    const first = stats.length;
    const started = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    // Four partitions report every second each; the link still sends one merged broadcast a second.
    const perSecond = ((stats.length - first) * 1000) / (Date.now() - started);
    expect(perSecond).toBeGreaterThan(0.5);
    expect(perSecond).toBeLessThan(1.5);
    const last = stats.at(-1)!;
    const ids = last.events.map((event) => event.eventId);
    expect(ids).toEqual([...ids].sort());
    for (const eventId of eventIds) expect(ids).toContain(eventId); // both shards' events
    expect(last.workers.map((worker) => worker.worker).sort()).toEqual(['gw-a', 'gw-b']);
    expect(last.workers[0]!.families).toEqual([connections(3)]);
    expect(last.engines.map((engine) => engine.engine)).toEqual(['shard-x']);
  }, 15_000);

  it('is not connected while the NATS server is down, and serves again once it is back', async () => {
    const link = await openLink();
    expect(link.connected).toBe(true);
    await server.stop();
    await until(() => !link.connected, 5_000, 'the link notices');
    await expect(link.execute({ op: 'getEvent', eventId: eventIds[0]! })).rejects.toMatchObject({ code: 'ENGINE_UNAVAILABLE', details: { reason: 'disconnected' } });
    await server.start();
    await until(() => link.connected, 10_000, 'the link reconnects');
    // The shards reconnect too; then requests go through again.
    await until(() => link.execute({ op: 'getEvent', eventId: eventIds[0]! }).then(() => true, () => false), 10_000, 'a request answered');
  }, 30_000);
});

// Last: it adds an event, which the listings above do not expect.
describe('the NATS engine link and access codes', () => {
  it('carries access codes: generated and uploaded as engine commands, listed by the read-only codes op, redeemed by a join', async () => {
    const link = await openLink();
    const eventId = idIn(1, PARTITIONS, 'coded');
    const config = eventConfig(NOW, { id: eventId });
    const { preQueueOpensAt, onSaleAt } = config;
    await link.execute({ op: 'createEvent', config: { ...config, phases: [{ id: 'presale', name: 'Presale', preQueueOpensAt, onSaleAt, access: { kind: 'code' } }] }, publish: true, settings: {} });
    const generated = await link.execute({ op: 'command', command: { type: 'generateCodes', eventId, count: 2, uses: 1, ticketCap: 2 } }) as { codes: string[] };
    await link.execute({ op: 'command', command: { type: 'uploadCodes', eventId, csv: 'CLUSTER-1,2,4,presale\n' } });
    await link.execute({ op: 'openSession', eventId, fanId: 'coded-fan', resume: false, context: { accessCode: 'cluster-1' } });
    await expect(link.execute({ op: 'openSession', eventId, fanId: 'no-code', resume: false })).rejects.toMatchObject({ code: 'ACCESS_CODE_REQUIRED' });
    const page = await link.execute({ op: 'codes', eventId, offset: 1, limit: 5 });
    expect(page).toEqual({
      total: 3, offset: 1,
      codes: [
        { code: generated.codes[1], phaseId: null, uses: 1, ticketCap: 2, accounts: [], ticketsUsed: 0 },
        { code: 'CLUSTER1', phaseId: 'presale', uses: 2, ticketCap: 4, accounts: ['coded-fan'], ticketsUsed: 0 },
      ],
    });
    expect(hosts.get(1)!.engine.event(eventId).codes.size).toBe(3);
  });
});
