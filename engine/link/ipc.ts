/**
 * The EngineLink over child_process fork channels: gateway workers are forked
 * children of the engine process. Messages are batched per event-loop turn
 * (one `send` per turn carries every request, reply and broadcast queued in
 * it), which is what makes IPC keep up with a flash crowd.
 *
 * Wire messages (with the channel's 'advanced' serialization):
 *   worker → engine   { k: 'req', id, request }
 *   engine → worker   { k: 'res', id, ok: true, result } | { k: 'res', id, ok: false, error }
 *                     { k: 'bc', broadcast }
 *   either way        { k: 'ctl', control }   (process control: init, ready, shutdown)
 *
 * The gateway's own messages share the channel under kinds of their own, each
 * read only by its own BatchedChannel: { k: 'door', report } (door counts,
 * relayed between workers: gateway/src/protection/door-exchange.ts) and
 * { k: 'access', message } (API keys and the audit log, kept by the engine
 * process: gateway/src/access/ipc-access-store.ts). The link reads only its
 * own kinds and types nothing of theirs; what a worker is started with comes
 * from its launcher (launch/workers.ts) as the type parameter `Start`.
 */
import type { ChildProcess, Serializable } from 'node:child_process';
import { BreakwaterError, isBreakwaterError } from '../src/index.js';
import { throttledLog } from './throttled-log.js';
import type { EngineHost } from '../host/engine-host.js';
import type { BroadcastListener, EngineBroadcast, EngineLink, EngineRequest, ResultOf, WireError } from './types.js';
import { checkWireRequest } from './wire-bounds.js';
import { fromWireError, toWireError } from './wire-error.js';

/** Process control; `Start` is what a worker is started with (its launcher's type: launch/workers.ts). */
export type ControlMessage<Start extends object = object> =
  /** Engine → worker, once: what to serve and how. */
  | ({ type: 'init' } & Start)
  /** Worker → engine: listening. */
  | { type: 'ready'; worker: string; port: number }
  /** Worker → engine: could not start (the engine process stops retrying it). */
  | { type: 'failed'; worker: string; message: string }
  /** Engine → worker: close every socket and exit. */
  | { type: 'shutdown' }
  /** Engine → worker, whenever it changes: the workers of this machine that are not serving (for /readyz). */
  | { type: 'workersDown'; down: WorkerDown[] };

/** A worker of this machine that is not serving: crashed and waiting to be forked again, or starting. */
export interface WorkerDown {
  worker: string;
  /** Crashes in a row: more than one means it crashes again as soon as it serves. */
  crashesInARow: number;
  /** When it is forked again (ms since the epoch); null while it starts. */
  restartAt: number | null;
}

/** Cluster mode: the worker reaches the engine shards over NATS; the fork channel carries only process control. */
export interface ClusterLinkOptions {
  natsUrl: string;
  /** Where the cluster keeps its API keys and audit log (access/redis-access-store.ts). */
  redisUrl: string;
  partitions: number;
}

/** Any message of a fork channel: its kind says whose it is. */
export interface ChannelMessage {
  k: string;
}

/** The link's own messages. */
export type IpcMessage<Start extends object = object> =
  | { k: 'req'; id: number; request: EngineRequest }
  | { k: 'res'; id: number; ok: true; result: unknown }
  | { k: 'res'; id: number; ok: false; error: WireError }
  | { k: 'bc'; broadcast: EngineBroadcast }
  | { k: 'ctl'; control: ControlMessage<Start> };

/** Either end of a fork channel: the child's `process`, or the parent's ChildProcess. */
export interface ForkEnd {
  send?: (message: Serializable, callback: (error: Error | null) => void) => boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  off(event: 'message', listener: (message: unknown) => void): unknown;
  readonly connected?: boolean;
}

/** Bugs the link meets: logged, at a rate no input can turn into a flood. */
const logFailure = throttledLog((message) => console.error(message));

/** A failing listener is a bug to log, never a reason to stall the link. */
function guarded(run: () => void): void {
  try {
    run();
  } catch (err) {
    logFailure(`engine link listener failed: ${(err as Error)?.stack ?? String(err)}`);
  }
}

/**
 * Resolves once everything the engine decided before the call is durable
 * (the file journal's group commit); rejects when it never will be (closed).
 */
export type DurableGate = () => Promise<void>;

/**
 * Batches messages per event-loop turn onto one fork channel. Several
 * channels may share a fork end, each posting and reading its own kinds `M`
 * (every batch reaches each of them: a receiver skips the kinds it does not
 * know). With a gate,
 * each batch waits for it first, and batches leave in order: nothing a
 * worker hears (a reply, a broadcast) can be lost by a crash of this process.
 */
export class BatchedChannel<M extends ChannelMessage = IpcMessage> {
  private queue: M[] = [];
  private scheduled = false;
  private readonly onMessage: (batch: unknown) => void;
  /** The last gated batch's send. */
  private sending: Promise<void> = Promise.resolve();

  constructor(private readonly end: ForkEnd, receive: (batch: M[]) => void, private readonly gate?: DurableGate) {
    this.onMessage = (batch) => {
      if (Array.isArray(batch)) receive(batch as M[]);
    };
    end.on('message', this.onMessage);
  }

  get connected(): boolean {
    return this.end.connected === true;
  }

  post(message: M): void {
    this.queue.push(message);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  flush(): void {
    this.scheduled = false;
    if (this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    if (this.gate === undefined) return this.send(batch);
    const durable = this.gate();
    // Never sent when it cannot be made durable (the journal closed at shutdown): the worker's requests time out.
    this.sending = this.sending.then(() => durable).then(() => this.send(batch), () => undefined);
  }

  private send(batch: M[]): void {
    // A closed channel drops the batch: the other side is gone and its requests time out.
    if (!this.connected) return;
    try {
      this.end.send?.(batch as unknown as Serializable, () => undefined);
    } catch (err) {
      // Requests are bounded before they are posted (wire-bounds.ts), so this is a bug: the batch is lost and its requests time out.
      logFailure(`engine link could not send a batch of ${batch.length}: ${(err as Error)?.stack ?? String(err)}`);
    }
  }

  detach(): void {
    this.end.off('message', this.onMessage);
  }
}

interface Pending {
  resolve: (result: unknown) => void;
  reject: (error: BreakwaterError) => void;
  deadline: number;
}

export interface IpcLinkOptions<Start extends object = object> {
  /** A request unanswered this long fails with ENGINE_UNAVAILABLE. */
  timeoutMs?: number;
  /** Requests in flight beyond this fail at once with OVERLOADED. */
  maxInFlight?: number;
  onControl?: (control: ControlMessage<Start>) => void;
}

/** The worker's side: an EngineLink to the parent engine process, which starts it with a `Start`. */
export class IpcEngineLink<Start extends object = object> implements EngineLink {
  private readonly channel: BatchedChannel<IpcMessage<Start>>;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<BroadcastListener>();
  private inbox: IpcMessage<Start>[] = [];
  private inboxHead = 0;
  private draining = false;
  private nextId = 1;
  private readonly timeoutMs: number;
  private readonly maxInFlight: number;
  private readonly sweeper: NodeJS.Timeout;

  constructor(end: ForkEnd, private readonly options: IpcLinkOptions<Start> = {}) {
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.maxInFlight = options.maxInFlight ?? 20_000;
    this.channel = new BatchedChannel(end, (batch) => this.receive(batch));
    // One sweep over the oldest requests instead of a timer per request.
    this.sweeper = setInterval(() => this.expire(Date.now()), Math.min(500, this.timeoutMs));
    this.sweeper.unref();
  }

  get connected(): boolean {
    return this.channel.connected;
  }

  execute<R extends EngineRequest>(request: R): Promise<ResultOf<R>> {
    if (!this.channel.connected) return Promise.reject(new BreakwaterError('ENGINE_UNAVAILABLE', undefined, { details: { reason: 'disconnected' } }));
    if (this.pending.size >= this.maxInFlight) return Promise.reject(new BreakwaterError('OVERLOADED', undefined, { details: { inFlight: this.pending.size } }));
    try {
      checkWireRequest(request);
    } catch (err) {
      return Promise.reject(err);
    }
    const id = this.nextId++;
    return new Promise<ResultOf<R>>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (result: unknown) => void, reject, deadline: Date.now() + this.timeoutMs });
      this.channel.post({ k: 'req', id, request });
    });
  }

  subscribe(listener: BroadcastListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Process control to the engine process (e.g. ready). */
  sendControl(control: ControlMessage<Start>): void {
    this.channel.post({ k: 'ctl', control });
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.channel.flush();
    this.channel.detach();
    for (const [id, pending] of this.pending) {
      this.pending.delete(id);
      pending.reject(new BreakwaterError('ENGINE_UNAVAILABLE', undefined, { details: { reason: 'closed' } }));
    }
  }

  /**
   * Messages are handled strictly in order, with one subtlety: after a reply
   * resolves a request, the code awaiting it must run before the next
   * broadcast is delivered. A batch can carry [reply to a join, broadcast
   * admitting that fan]; delivered in one go, the admission would find no
   * socket yet, because the join's continuation binds it only after the
   * current task. So a broadcast that follows a reply waits for the next turn.
   */
  private receive(batch: IpcMessage<Start>[]): void {
    for (const message of batch) this.inbox.push(message);
    if (!this.draining) this.drain();
  }

  private drain(): void {
    this.draining = true;
    let resolved = false;
    while (this.inboxHead < this.inbox.length) {
      const message = this.inbox[this.inboxHead]!;
      if (message.k === 'bc' && resolved) {
        // Drop what was handled, so a busy link's inbox never grows with it.
        this.inbox = this.inbox.slice(this.inboxHead);
        this.inboxHead = 0;
        setImmediate(() => this.drain());
        return;
      }
      this.inboxHead++;
      if (message.k === 'res') resolved = this.settle(message) || resolved;
      else if (message.k === 'bc') for (const listener of this.listeners) guarded(() => listener(message.broadcast));
      else if (message.k === 'ctl') guarded(() => this.options.onControl?.(message.control));
    }
    this.inbox = [];
    this.inboxHead = 0;
    this.draining = false;
  }

  private settle(message: Extract<IpcMessage<Start>, { k: 'res' }>): boolean {
    const pending = this.pending.get(message.id);
    if (pending === undefined) return false;
    this.pending.delete(message.id);
    if (message.ok) pending.resolve(message.result);
    else pending.reject(fromWireError(message.error));
    return true;
  }

  private expire(now: number): void {
    for (const [id, pending] of this.pending) {
      if (pending.deadline > now) break; // insertion order is deadline order
      this.pending.delete(id);
      pending.reject(new BreakwaterError('ENGINE_UNAVAILABLE', 'the engine process did not answer in time', { details: { reason: 'timeout', timeoutMs: this.timeoutMs } }));
    }
  }
}

/**
 * The engine process's side of one worker's channel: runs its requests on the
 * host (as `owner`), sends it every broadcast, each batch once `gate` says
 * what it tells is durable. Returns a function that detaches
 * it; when the worker is gone, also call `host.dropOwner(owner)`.
 */
export function serveEngineOverIpc(host: EngineHost, child: ChildProcess, owner: string, onControl: (control: ControlMessage) => void = () => undefined, gate?: DurableGate): () => void {
  const channel = new BatchedChannel(child, (batch) => {
    for (const message of batch) {
      if (message.k === 'ctl') guarded(() => onControl(message.control));
      if (message.k !== 'req') continue;
      try {
        channel.post({ k: 'res', id: message.id, ok: true, result: host.handle(message.request, owner) });
      } catch (err) {
        if (!isBreakwaterError(err)) logFailure(`engine request ${message.request.op} failed: ${(err as Error)?.stack ?? String(err)}`);
        channel.post({ k: 'res', id: message.id, ok: false, error: toWireError(err) });
      }
    }
  }, gate);
  const unsubscribe = host.subscribe((broadcast) => channel.post({ k: 'bc', broadcast }));
  return () => {
    unsubscribe();
    channel.flush();
    channel.detach();
  };
}

/** Listens to a worker's process control only (cluster mode: its engine requests go over NATS). Returns a function that detaches. */
export function listenForControl(child: ChildProcess, onControl: (control: ControlMessage) => void): () => void {
  const channel = new BatchedChannel(child, (batch) => {
    for (const message of batch) if (message.k === 'ctl') guarded(() => onControl(message.control));
  });
  return () => channel.detach();
}

/** Sends process control to a worker (`init` with the `Start` its launcher names). */
export function sendControl<Start extends object = object>(child: ChildProcess, control: ControlMessage<Start>): void {
  if (child.connected) child.send([{ k: 'ctl', control } satisfies IpcMessage<Start>] as unknown as Serializable, () => undefined);
}
