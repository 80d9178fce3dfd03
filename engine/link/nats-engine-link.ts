/**
 * The EngineLink of cluster mode: a gateway process reaches the engine shards
 * over NATS. A request goes to the shard owning its event's partition, as
 * the lease bucket names it (partition-owners.ts), or to every partition's
 * owner for listEvents and sync; broadcasts of every partition
 * come to every gateway; the shards' per-partition stats, the shards' runtime
 * metrics and the gateways' metrics are merged here into one stats broadcast
 * per second.
 *
 * Replies come to this link's own inbox subscription rather than through
 * `nc.request`, so replies and broadcasts pass one queue in arrival order and
 * keep the IPC link's rule (see `drain`). Fan requests made in the same
 * event-loop turn for the same partition go as one message (`BATCHED`): the
 * shard runs them in order, makes them durable with one write and answers
 * them in one reply.
 *
 * Core NATS delivers at most once: broadcasts published while this process
 * was cut off are gone. So the link tells the gateway when it may have missed
 * some — after every reconnect, and when an event's `entries` broadcasts skip
 * a number (`seq`) or come from a new engine host — with a `resync`
 * broadcast of its own, and the gateway catches its fans up from the owning
 * shard (fan/fan-resync.ts).
 */
import { connect, createInbox, type Msg, type NatsConnection } from '@nats-io/transport-node';
import { BreakwaterError } from '../src/index.js';
import type {
  BroadcastListener, EngineBroadcast, EngineLink, EngineMetrics, EngineRequest, EventDetails, EventStats, ResultOf, SyncState, WorkerMetrics,
} from './types.js';
import { fromWireError } from './wire-error.js';
import { PartitionOwners } from './partition-owners.js';
import { BROADCASTS, ENGINE_METRICS_SUBJECT, METRICS_SUBJECT, partitionOfRequest, requestSubject } from './partitions.js';
import { decodeBroadcast, decodeEngineMetrics, decodeMetrics, decodeReplies, encodeMetrics, encodeRequests, type WireReply } from './wire.js';
import { checkWireRequest } from './wire-bounds.js';

export interface NatsEngineLinkOptions {
  servers: string;
  /** This gateway process's unique id: sent with each request, it names the sessions the process opens. */
  owner: string;
  partitions: number;
  /** The overall bound of a request, retries included. */
  requestTimeoutMs?: number;
  log?: (message: string) => void;
}

/** While a partition has no owner (a failover, or its lease not heard of yet), requests retry this often, backing off. */
const RETRY_FIRST_MS = 100;
const RETRY_MAX_MS = 250;
const STATS_MS = 1_000;
/** A partition's or a gateway's figures not heard of for this long are dropped. */
const STATS_TTL_MS = 5_000;
const NO_OWNER = Symbol('noOwner');
/** The fan hot path: small requests and replies, many per turn. Anything else (a journal read may be megabytes) goes alone. */
const BATCHED = new Set<EngineRequest['op']>(['openSession', 'closeSession', 'leave', 'fanCommand']);
/** Requests per message, at most: ~100 B each, their replies well under NATS' 1 MB max_payload. */
const MAX_BATCH = 256;

type Inbound = { kind: 'reply'; msg: Msg } | { kind: 'broadcast'; broadcast: EngineBroadcast };

interface Pending {
  resolve: (reply: WireReply | typeof NO_OWNER) => void;
  reject: (error: BreakwaterError) => void;
  timer: NodeJS.Timeout;
  /** The message it went in (0 until sent). */
  batch: number;
}

/** Requests waiting for the end of the turn to be sent, per partition. */
interface Outgoing {
  requests: EngineRequest[];
  ids: number[];
}

const unavailable = (reason: string, details: Record<string, unknown> = {}, message?: string): BreakwaterError =>
  new BreakwaterError('ENGINE_UNAVAILABLE', message, { details: { reason, ...details } });
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class NatsEngineLink implements EngineLink {
  private readonly inboxPrefix = createInbox();
  private readonly pending = new Map<number, Pending>();
  /** Messages sent and not answered: the ids of their requests, in order. */
  private readonly batches = new Map<number, number[]>();
  private outgoing = new Map<number, Outgoing>();
  private flushScheduled = false;
  private nextBatch = 1;
  private readonly listeners = new Set<BroadcastListener>();
  private readonly partitionStats = new Map<number, { at: number; events: EventStats[]; heard: number }>();
  private readonly workerMetrics = new Map<string, { metrics: WorkerMetrics; heard: number }>();
  private readonly engineMetrics = new Map<string, { metrics: EngineMetrics; heard: number }>();
  /** Per event, the engine host its entries came from last and their seq. */
  private readonly entriesSeen = new Map<string, { origin: string; seq: number }>();
  private readonly timeoutMs: number;
  private readonly log: (message: string) => void;
  private readonly statsTimer: NodeJS.Timeout;
  private readonly owners: PartitionOwners;
  private inbox: Inbound[] = [];
  private inboxHead = 0;
  /** A reply settled a request during this turn of the event loop. */
  private replied = false;
  private up = true;
  private nextId = 1;

  static async connect(options: NatsEngineLinkOptions): Promise<NatsEngineLink> {
    const nc = await connect({
      servers: options.servers,
      name: `gateway ${options.owner}`,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      // A gateway (re)started while NATS is down comes up with it instead of failing.
      waitOnFirstConnect: true,
      // A server gone silent (not closed) is noticed in seconds, not the default minutes.
      pingInterval: 5_000,
    });
    return new NatsEngineLink(nc, options);
  }

  private constructor(private readonly nc: NatsConnection, private readonly options: NatsEngineLinkOptions) {
    this.timeoutMs = options.requestTimeoutMs ?? 5_000;
    this.log = options.log ?? ((message) => console.error(message));
    // NATS callbacks run inside the client's parser: a throw there would stop the connection's reader.
    nc.subscribe(`${this.inboxPrefix}.*`, { callback: (err, msg) => this.guard('reply', err, () => this.receive({ kind: 'reply', msg })) });
    nc.subscribe(BROADCASTS, { callback: (err, msg) => this.guard('broadcast', err, () => this.onBroadcast(msg)) });
    nc.subscribe(METRICS_SUBJECT, {
      callback: (err, msg) => this.guard('metrics', err, () => {
        const metrics = decodeMetrics(msg.data);
        this.workerMetrics.set(metrics.worker, { metrics, heard: Date.now() });
      }),
    });
    nc.subscribe(ENGINE_METRICS_SUBJECT, {
      callback: (err, msg) => this.guard('engine metrics', err, () => {
        const metrics = decodeEngineMetrics(msg.data);
        this.engineMetrics.set(metrics.engine, { metrics, heard: Date.now() });
      }),
    });
    this.statsTimer = setInterval(() => this.receive({ kind: 'broadcast', broadcast: this.mergedStats() }), STATS_MS);
    this.owners = new PartitionOwners(nc, this.log);
    void this.watchStatus();
  }

  get connected(): boolean {
    return this.up && !this.nc.isClosed();
  }

  execute<R extends EngineRequest>(request: R): Promise<ResultOf<R>> {
    try {
      checkWireRequest(request);
    } catch (err) {
      return Promise.reject(err);
    }
    const target = partitionOfRequest(request, this.options.partitions);
    if (target === 'none') {
      // Metrics are of the moment: while disconnected they are dropped, not queued.
      if (request.op === 'reportMetrics' && this.connected) this.nc.publish(METRICS_SUBJECT, encodeMetrics(request.metrics));
      return Promise.resolve(null as ResultOf<R>);
    }
    const deadline = Date.now() + this.timeoutMs;
    if (target !== 'all') return this.ask(target, request, deadline) as Promise<ResultOf<R>>;
    const asks = Array.from({ length: this.options.partitions }, (_, partition) => this.ask(partition, request, deadline));
    return Promise.all(asks).then((results) => merge(request.op, results) as ResultOf<R>);
  }

  subscribe(listener: BroadcastListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    clearInterval(this.statsTimer);
    this.owners.stop();
    this.up = false;
    this.failPending(unavailable('closed'));
    if (!this.nc.isClosed()) await this.nc.close();
  }

  // ── Requests ────────────────────────────────────────────────────────────

  /**
   * One partition's answer. No responders means nobody owns the partition
   * yet (a failover): retried until the deadline. A timeout is not retried:
   * the request may have run, and only the caller (with its idempotency key)
   * may repeat it.
   */
  private async ask(partition: number, request: EngineRequest, deadline: number): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      const reply = await this.send(partition, request, deadline);
      if (reply !== NO_OWNER) {
        if (reply.ok) return reply.result;
        throw fromWireError(reply.error);
      }
      const backoff = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** attempt);
      if (Date.now() + backoff >= deadline) throw unavailable('noOwner', { partition }, `no engine shard serves partition ${partition}; retry shortly`);
      await sleep(backoff);
    }
  }

  private send(partition: number, request: EngineRequest, deadline: number): Promise<WireReply | typeof NO_OWNER> {
    if (!this.connected) return Promise.reject(unavailable('disconnected'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.forget(id);
        reject(unavailable('timeout', { partition, timeoutMs: this.timeoutMs }, 'the engine shard did not answer in time'));
      }, Math.max(0, deadline - Date.now()));
      this.pending.set(id, { resolve, reject, timer, batch: 0 });
      if (!BATCHED.has(request.op)) return this.publish(partition, [request], [id]);
      let outgoing = this.outgoing.get(partition);
      if (outgoing === undefined) this.outgoing.set(partition, (outgoing = { requests: [], ids: [] }));
      outgoing.requests.push(request);
      outgoing.ids.push(id);
      if (outgoing.ids.length >= MAX_BATCH) {
        this.outgoing.delete(partition);
        this.publish(partition, outgoing.requests, outgoing.ids);
      } else if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Sends what this turn's requests left waiting. */
  private flush(): void {
    this.flushScheduled = false;
    const outgoing = this.outgoing;
    this.outgoing = new Map();
    for (const [partition, { requests, ids }] of outgoing) this.publish(partition, requests, ids);
  }

  private publish(partition: number, requests: EngineRequest[], ids: number[]): void {
    const owner = this.owners.ownerOf(partition);
    if (owner === undefined) {
      for (const id of ids) this.take(id)?.resolve(NO_OWNER);
      return;
    }
    const batch = this.nextBatch++;
    try {
      if (!this.connected) throw unavailable('disconnected');
      this.nc.publish(requestSubject(partition, owner), encodeRequests({ owner: this.options.owner, requests }), { reply: `${this.inboxPrefix}.${batch}` });
    } catch (err) {
      const error = err instanceof BreakwaterError ? err : new BreakwaterError('INTERNAL_ERROR');
      // E.g. a request above the server's max_payload.
      if (error.code === 'INTERNAL_ERROR') this.log(`cannot send a request to partition ${partition}: ${(err as Error).message}`);
      for (const id of ids) this.take(id)?.reject(error);
      return;
    }
    this.batches.set(batch, ids);
    for (const id of ids) {
      const pending = this.pending.get(id);
      if (pending !== undefined) pending.batch = batch;
    }
  }

  /** Removes a request that is settled now; undefined when it was already (answered after its deadline). */
  private take(id: number): Pending | undefined {
    const pending = this.pending.get(id);
    if (pending === undefined) return undefined;
    this.pending.delete(id);
    clearTimeout(pending.timer);
    return pending;
  }

  /** A request timed out: its message is forgotten once none of its requests waits any more. */
  private forget(id: number): void {
    const pending = this.pending.get(id);
    this.pending.delete(id);
    const ids = pending === undefined ? undefined : this.batches.get(pending.batch);
    if (ids !== undefined && ids.every((other) => !this.pending.has(other))) this.batches.delete(pending!.batch);
  }

  /** Settles the requests a reply answers; true when that lets code awaiting them run. */
  private settle(msg: Msg): boolean {
    const batch = Number(msg.subject.slice(this.inboxPrefix.length + 1));
    const ids = this.batches.get(batch);
    if (ids === undefined) return false; // answered after every deadline
    this.batches.delete(batch);
    if (msg.headers?.code === 503) {
      for (const id of ids) this.take(id)?.resolve(NO_OWNER);
      return false;
    }
    let replies: WireReply[];
    try {
      const decoded = decodeReplies(msg.data);
      if (decoded.ok && decoded.replies.length !== ids.length) throw new Error(`${decoded.replies.length} replies for ${ids.length} requests`);
      replies = decoded.ok ? decoded.replies : ids.map(() => decoded);
    } catch (err) {
      this.log(`undecodable engine reply: ${(err as Error).message}`);
      for (const id of ids) this.take(id)?.reject(new BreakwaterError('INTERNAL_ERROR'));
      return true;
    }
    let settled = false;
    ids.forEach((id, i) => {
      const pending = this.take(id);
      if (pending === undefined) return;
      pending.resolve(replies[i]!);
      settled = true;
    });
    return settled;
  }

  private failPending(error: BreakwaterError): void {
    this.batches.clear();
    this.outgoing = new Map();
    for (const id of [...this.pending.keys()]) this.take(id)!.reject(error);
  }

  private async watchStatus(): Promise<void> {
    for await (const status of this.nc.status()) {
      if (status.type === 'disconnect') {
        this.up = false;
        // Replies to requests in flight are lost with the connection.
        this.failPending(unavailable('disconnected'));
        this.log('NATS disconnected: engine requests fail until it is back');
      } else if (status.type === 'reconnect') {
        this.up = true;
        this.log('NATS reconnected: catching fans up on what they may have missed');
        // The catch-up covers every event: sequences start afresh, so the first broadcasts after it are no gap.
        this.entriesSeen.clear();
        this.receive({ kind: 'broadcast', broadcast: { type: 'resync', eventIds: null, reason: 'reconnected' } });
      }
    }
  }

  // ── Broadcasts ──────────────────────────────────────────────────────────

  private onBroadcast(msg: Msg): void {
    const broadcast = decodeBroadcast(msg.data);
    if (broadcast.type === 'entries') return this.receiveEntries(broadcast);
    if (broadcast.type !== 'stats') return this.receive({ kind: 'broadcast', broadcast });
    const partition = Number(msg.subject.slice(msg.subject.lastIndexOf('.') + 1));
    this.partitionStats.set(partition, { at: broadcast.at, events: broadcast.events, heard: Date.now() });
  }

  /** Delivers an event's entries; a skipped seq or a new origin (a takeover whose `takenOver` may be lost too) asks for a resync after them. */
  private receiveEntries(broadcast: Extract<EngineBroadcast, { type: 'entries' }>): void {
    const { eventId, origin, seq } = broadcast;
    const seen = this.entriesSeen.get(eventId);
    this.entriesSeen.set(eventId, { origin, seq });
    this.receive({ kind: 'broadcast', broadcast });
    if (seen === undefined || (seen.origin === origin && seen.seq + 1 === seq)) return;
    const reason = seen.origin === origin ? `entries ${seen.seq + 1}..${seq - 1} missed` : 'new engine host';
    this.receive({ kind: 'broadcast', broadcast: { type: 'resync', eventIds: [eventId], reason } });
  }

  /** Every partition's latest events and every gateway's latest metrics, as one broadcast. */
  private mergedStats(): EngineBroadcast {
    const now = Date.now();
    let at = 0;
    const events: EventStats[] = [];
    for (const [partition, stats] of this.partitionStats) {
      if (now - stats.heard > STATS_TTL_MS) this.partitionStats.delete(partition);
      else {
        at = Math.max(at, stats.at);
        events.push(...stats.events);
      }
    }
    events.sort((a, b) => compare(a.eventId, b.eventId));
    // `at` is engine time (a shard's clock); with no shard heard of, the wall clock.
    return { type: 'stats', at: at || now, events, workers: fresh(this.workerMetrics, now), engines: fresh(this.engineMetrics, now) };
  }

  private receive(item: Inbound): void {
    this.inbox.push(item);
    this.drain();
  }

  /**
   * Replies and broadcasts are handled strictly in arrival order, with the
   * IPC link's subtlety: once a reply settled a request, the code awaiting it
   * must run before the next broadcast is delivered. A join's reply followed
   * by the broadcast admitting that fan can arrive in one read; delivered at
   * once, the admission would find no socket yet (the join's continuation
   * binds it). So after a reply, the rest waits for the next turn.
   */
  private drain(): void {
    while (this.inboxHead < this.inbox.length) {
      const item = this.inbox[this.inboxHead]!;
      if (item.kind === 'broadcast' && this.replied) return;
      this.inboxHead++;
      if (item.kind === 'broadcast') this.deliver(item.broadcast);
      else if (this.settle(item.msg) && !this.replied) {
        this.replied = true;
        setImmediate(() => {
          this.replied = false;
          this.inbox = this.inbox.slice(this.inboxHead);
          this.inboxHead = 0;
          this.drain();
        });
      }
    }
    this.inbox = [];
    this.inboxHead = 0;
  }

  private deliver(broadcast: EngineBroadcast): void {
    for (const listener of this.listeners) this.guard('broadcast listener', null, () => listener(broadcast));
  }

  /** A failing callback is a bug to log, never a reason to stall the link. */
  private guard(what: string, error: Error | null, run: () => void): void {
    try {
      if (error) throw error;
      run();
    } catch (err) {
      this.log(`${what} failed: ${(err as Error)?.stack ?? String(err)}`);
    }
  }
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The reports heard within the TTL; older ones are forgotten. */
function fresh<M>(reports: Map<string, { metrics: M; heard: number }>, now: number): M[] {
  const out: M[] = [];
  for (const [name, { metrics, heard }] of reports) {
    if (now - heard > STATS_TTL_MS) reports.delete(name);
    else out.push(metrics);
  }
  return out;
}

/** The answers of every partition to a scatter-gather request, as one. */
function merge(op: EngineRequest['op'], results: unknown[]): unknown {
  if (op === 'listEvents') return (results as EventDetails[][]).flat().sort((a, b) => compare(a.status.eventId, b.status.eventId));
  const settings: SyncState['settings'] = {};
  for (const state of results as SyncState[]) Object.assign(settings, state.settings);
  return { settings } satisfies SyncState;
}
