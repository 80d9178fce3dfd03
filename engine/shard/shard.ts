/**
 * An engine shard: for every partition whose lease it holds, an EngineHost
 * restored from the event store it is given, serving that partition's
 * requests over NATS. Nothing leaves a partition — no reply, no broadcast —
 * before the journal entries behind it are durable (one store write per
 * batch, however many fans it carries). Events are fenced: once another
 * shard claims a partition, every later write of this one is refused, so a
 * shard that only thinks it still owns a partition can never fork an
 * event's journal.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import { setImmediate } from 'node:timers/promises';
import { BreakwaterError, Engine, systemClock, type Clock, type EngineOptions, type SeedVault } from '../src/index.js';
import { DurableJournal } from '../stores/durable-journal.js';
import type { EventStore, PartitionStore } from '../stores/event-store.js';
import { EngineHost } from '../host/engine-host.js';
import type { EngineBroadcast, EngineRequest } from '../link/types.js';
import type { EventSettings } from '../host/event-settings.js';
import type { PushSubscriptionKeys } from '../host/notify/push-subscriptions.js';
import type { WebPushConfig } from '../host/notify/web-push-config.js';
import { EngineRuntime } from '../host/engine-runtime.js';
import { Outbox } from './outbox.js';
import { PartitionLeases } from './partition-leases.js';
import type { PushSubscriptionStore } from '../stores/redis/push-store.js';
import { ENGINE_METRICS_SUBJECT } from '../link/partitions.js';
import { publishBroadcast, runEach, servePartition, watchGateways, type Outcome } from './shard-server.js';
import { encodeEngineMetrics } from '../link/wire.js';

export interface ShardOptions {
  nc: NatsConnection;
  /** Where each partition it takes is opened (a fresh epoch) and its events are read back and written. */
  store: EventStore;
  /** Opens the draw seeds sealed by whichever shard sealed them: every shard holds the same deployment secret. */
  seeds: SeedVault;
  shardId: string;
  partitions: number;
  clock?: Clock;
  tickMs?: number;
  statsMs?: number;
  /** A gateway silent this long is gone: its fans count as disconnected (their grace period runs). */
  gatewayTimeoutMs?: number;
  leaseTtlMs?: number;
  leaseRenewMs?: number;
  /** Web Push to fans, sent by whichever shard owns the event (subscriptions are kept in `pushSubscriptions` for the next one). */
  webPush?: WebPushConfig;
  pushSubscriptions?: PushSubscriptionStore;
  log?: (message: string) => void;
}

/** Requests that write no journal entry: served even while the store is unreachable. */
const READ_ONLY = new Set<EngineRequest['op']>(['listEvents', 'getEvent', 'publicInfo', 'codes', 'journal', 'payments', 'orders', 'order', 'revenue', 'drawProof', 'registrationOf', 'placesOf', 'fanViews', 'sync', 'reportMetrics']);
/** Session numbers of one epoch: a successor's start above every number its predecessor could issue. */
const SESSIONS_PER_EPOCH = 2 ** 32;
/**
 * Journal entries replayed between two turns of the event loop when a
 * partition is restored (a few ms of work): rebuilding a big sale must not
 * starve the lease renewals, which would give the partition up the moment
 * the restore ends.
 */
const RESTORE_STEP_ENTRIES = 2_000;

/** Engine.restore, letting timers and I/O run between steps. */
async function restoreYielding(journal: DurableJournal, options: Omit<EngineOptions, 'journal'>): Promise<Engine> {
  const restoring = Engine.restoring(journal, options, RESTORE_STEP_ENTRIES);
  for (;;) {
    const step = restoring.next();
    if (step.done === true) return step.value;
    await setImmediate();
  }
}

interface Partition {
  index: number;
  host: EngineHost;
  journal: DurableJournal;
  store: PartitionStore;
  outbox: Outbox;
  /** Broadcasts the host made during the current synchronous step. */
  made: EngineBroadcast[];
  stopServing: () => Promise<void>;
  timers: NodeJS.Timeout[];
  /** The store was unreachable at the last tick (fans were told). */
  stalled: boolean;
  /** Writes of push subscriptions not yet waited for: the next reply or broadcast goes out after them. */
  pushSaves: Array<Promise<void>>;
}

export class Shard {
  private readonly partitions = new Map<number, Partition>();
  private readonly gatewaysSeen = new Map<string, number>();
  private readonly leases: PartitionLeases;
  private readonly clock: Clock;
  private readonly log: (message: string) => void;
  private readonly options: Required<Pick<ShardOptions, 'tickMs' | 'statsMs' | 'gatewayTimeoutMs'>>;
  private stopWatching: (() => void) | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  private natsDown = false;
  /** This process's runtime metrics, published to every gateway's /metrics once a second (not per partition). */
  private readonly runtime: EngineRuntime;

  constructor(private readonly shard: ShardOptions) {
    if (shard.webPush !== undefined && shard.pushSubscriptions === undefined) throw new Error('webPush needs pushSubscriptions, where the next owner finds them');
    this.clock = shard.clock ?? systemClock;
    this.log = shard.log ?? ((message) => console.error(`[${shard.shardId}] ${message}`));
    this.options = { tickMs: shard.tickMs ?? 250, statsMs: shard.statsMs ?? 1000, gatewayTimeoutMs: shard.gatewayTimeoutMs ?? 5000 };
    this.runtime = new EngineRuntime(shard.shardId, (metrics) => {
      // Metrics are of the moment: while cut off from NATS they are dropped, not queued.
      if (this.natsDown) return;
      try {
        shard.nc.publish(ENGINE_METRICS_SUBJECT, encodeEngineMetrics(metrics));
      } catch {
        /* the connection is closing */
      }
    });
    this.leases = new PartitionLeases({
      nc: shard.nc,
      shardId: shard.shardId,
      partitions: shard.partitions,
      // 4 s: a loaded 2-core machine can miss a 1 s renewal now and then without the partition moving.
      ttlMs: shard.leaseTtlMs ?? 4000,
      renewMs: shard.leaseRenewMs ?? 1000,
      log: this.log,
      acquired: (index) => this.take(index),
      lost: (index) => this.drop(index, 'lease lost', { lastTry: true }),
      release: (index) => this.handOver(index),
      // A partition's journal is what its next owner replays, and a busy one is what its fans would wait for.
      weight: (index) => this.journalLength(index),
    });
  }

  async start(): Promise<void> {
    const watcher = watchGateways(this.shard.nc, (metrics) => this.gatewaysSeen.set(metrics.worker, Date.now()));
    this.stopWatching = () => watcher.stop();
    void this.watchNats();
    this.sweeper = setInterval(() => this.dropSilentGateways(), 1000);
    this.runtime.start(this.options.statsMs);
    await this.leases.start();
  }

  /** Hands every partition over (finishing its writes first) and stops. */
  async stop(): Promise<void> {
    clearInterval(this.sweeper);
    this.runtime.stop();
    this.stopWatching?.();
    await this.leases.stop();
    for (const index of [...this.partitions.keys()]) this.drop(index, 'stopped');
  }

  // ── Taking a partition over ─────────────────────────────────────────────

  private async take(index: number): Promise<boolean> {
    try {
      const store = await this.shard.store.openPartition(index);
      const epoch = store.epoch;
      const journal = new DurableJournal(store, {
        onFenced: () => {
          // Logged even when the lease was given up first: the fence refused a write this shard still tried.
          this.log(`partition ${index}: a write was refused: fenced by a newer owner (this shard's epoch ${epoch})`);
          this.drop(index, 'fenced by a newer owner');
        },
        log: this.log,
      });
      const pushStore = this.shard.pushSubscriptions;
      const settings = new Map<string, EventSettings>();
      const subscriptions = new Map<string, Map<string, PushSubscriptionKeys[]>>();
      for (const eventId of await store.partitionEvents()) {
        const claimed = await store.claim(eventId);
        if (claimed.entries.length > 0) journal.load(eventId, claimed.entries);
        if (claimed.settings !== undefined) settings.set(eventId, claimed.settings as EventSettings);
        if (pushStore !== undefined) subscriptions.set(eventId, await pushStore.load(eventId));
      }
      const engine = await restoreYielding(journal, { clock: this.clock, seeds: this.shard.seeds });
      const host = new EngineHost({
        engine, clock: this.clock, firstSession: epoch * SESSIONS_PER_EPOCH, log: this.log,
        ...(this.shard.webPush === undefined || pushStore === undefined ? {} : {
          webPush: this.shard.webPush,
          pushSubscriptionsChanged: (eventId, fanId, list) => partition.pushSaves.push(pushStore.save(eventId, fanId, list)),
        }),
      });
      for (const [eventId, eventSettings] of settings) host.restoreSettings(eventId, eventSettings);
      for (const [eventId, fans] of subscriptions) for (const [fanId, list] of fans) host.restorePushSubscriptions(eventId, fanId, list);
      const partition: Partition = {
        index, host, journal, store, made: [], timers: [], stalled: false, pushSaves: [],
        outbox: new Outbox(
          (broadcast) => publishBroadcast(this.shard.nc, index, broadcast),
          (err) => this.log(`partition ${index}: broadcast lost: ${(err as Error).message}`),
        ),
        stopServing: async () => undefined,
      };
      host.subscribe((broadcast) => partition.made.push(broadcast));
      this.partitions.set(index, partition);
      const server = servePartition(this.shard.nc, index, this.shard.shardId, (requests, owner) => this.handle(partition, requests, owner), this.log);
      partition.stopServing = () => server.stop();
      partition.timers.push(setInterval(() => this.tick(partition), this.options.tickMs));
      partition.timers.push(setInterval(() => this.step(partition, () => partition.host.publishStats()), this.options.statsMs));
      // Gateways that started while nobody owned the partition learn its events' settings now,
      // and every gateway tells which of their fans it holds (sessions are not journaled).
      this.step(partition, () => {
        for (const sale of engine.events()) partition.made.push({ type: 'settings', eventId: sale.id, settings: host.settingsOf(sale.id) });
        partition.made.push({ type: 'takenOver', eventIds: engine.events().map((sale) => sale.id) });
      });
      this.log(`serving partition ${index} (epoch ${epoch}, ${engine.events().length} events restored)`);
      return true;
    } catch (err) {
      this.log(`cannot take partition ${index}: ${(err as Error).message}`);
      this.drop(index, 'take failed');
      return false;
    }
  }

  private journalLength(index: number): number {
    const journal = this.partitions.get(index)?.journal;
    return journal === undefined ? 0 : journal.eventIds().reduce((sum, eventId) => sum + journal.read(eventId).length, 0);
  }

  private async handOver(index: number): Promise<void> {
    const partition = this.partitions.get(index);
    if (partition === undefined) return;
    await partition.stopServing();
    for (const timer of partition.timers) clearInterval(timer);
    // What was decided is written before the next owner reads the journal.
    await partition.journal.durable().catch(() => undefined);
    await partition.outbox.send(Promise.resolve(), [], false).catch(() => undefined);
    this.drop(index, 'handed over');
  }

  /**
   * Stops serving at once: nothing more is told about the partition.
   * `lastTry`: its pending journal batch is still offered to the store (a shard
   * waking from a freeze), where it lands if nobody claimed the events yet,
   * and is refused by the epoch fence otherwise.
   */
  private drop(index: number, why: string, { lastTry = false } = {}): void {
    const partition = this.partitions.get(index);
    if (partition === undefined) return;
    this.partitions.delete(index);
    for (const timer of partition.timers) clearInterval(timer);
    void partition.stopServing().catch(() => undefined);
    partition.outbox.close(new BreakwaterError('ENGINE_UNAVAILABLE', 'the shard gave this partition up', { details: { reason: 'handOver' } }));
    if (lastTry) void partition.journal.closeAfterLastTry();
    else partition.journal.close();
    this.log(`stopped serving partition ${index}: ${why}`);
  }

  // ── Serving ─────────────────────────────────────────────────────────────

  /** A gateway's batch: each request runs in turn, then one durable write covers them all before any reply. */
  private async handle(partition: Partition, requests: EngineRequest[], owner: string): Promise<Outcome[]> {
    if (!this.gatewaysSeen.has(owner)) this.gatewaysSeen.set(owner, Date.now());
    const stalled = partition.journal.stalled;
    const outcomes = runEach(requests, (request) => {
      if (stalled && !READ_ONLY.has(request.op)) {
        throw new BreakwaterError('ENGINE_UNAVAILABLE', 'the event store is unreachable; retry shortly', { details: { reason: 'storage' } });
      }
      return partition.host.handle(request, owner);
    });
    await this.release(partition, true);
    return outcomes;
  }

  /** Runs one synchronous step of the host and sends what it made once durable. */
  private step(partition: Partition, run: () => void): void {
    try {
      run();
    } catch (err) {
      this.log(`partition ${partition.index}: ${(err as Error).stack ?? String(err)}`);
    }
    this.release(partition, false).catch(() => undefined);
  }

  private tick(partition: Partition): void {
    const stalled = partition.journal.stalled;
    if (stalled !== partition.stalled) {
      partition.stalled = stalled;
      // Straight out, not through the outbox: it is about the store being out of reach, so it cannot wait for it.
      const eventIds = partition.host.engine.events().map((sale) => sale.id);
      const reason = stalled ? 'event store unreachable' : 'event store reachable';
      try {
        publishBroadcast(this.shard.nc, partition.index, { type: 'service', eventIds, available: !stalled, reason });
      } catch (err) {
        this.log(`partition ${partition.index}: cannot tell gateways: ${(err as Error).message}`);
      }
      this.log(`partition ${partition.index}: ${reason}`);
    }
    // While the store is unreachable time waits too: deadlines are absolute, the first tick after fires what fell due.
    if (stalled) return;
    this.step(partition, () => partition.host.tick());
  }

  private release(partition: Partition, replies: boolean): Promise<void> {
    const made = partition.made;
    const pushSaves = partition.pushSaves.splice(0);
    if (made.length === 0 && pushSaves.length === 0) return partition.outbox.send(partition.journal.durable(), [], replies);
    partition.made = [];
    const saves = made.flatMap((b) => (b.type === 'settings' ? [partition.store.saveSettings(b.eventId, b.settings)] : []));
    return partition.outbox.send(Promise.all([partition.journal.durable(), ...saves, ...pushSaves]), made, replies);
  }

  /**
   * While this shard is cut off from NATS it hears no gateway: that says
   * nothing about them. Their silence counts from the reconnect, not from
   * before, so an outage longer than gatewayTimeoutMs does not mark every
   * connected fan gone.
   */
  private async watchNats(): Promise<void> {
    for await (const status of this.shard.nc.status()) {
      if (status.type === 'disconnect') this.natsDown = true;
      else if (status.type === 'reconnect') {
        this.natsDown = false;
        const now = Date.now();
        for (const gateway of this.gatewaysSeen.keys()) this.gatewaysSeen.set(gateway, now);
      }
    }
  }

  private dropSilentGateways(): void {
    if (this.natsDown) return;
    const now = Date.now();
    for (const [gateway, seen] of this.gatewaysSeen) {
      if (now - seen < this.options.gatewayTimeoutMs) continue;
      this.gatewaysSeen.delete(gateway);
      for (const partition of this.partitions.values()) this.step(partition, () => partition.host.dropOwner(gateway));
    }
  }
}
