/**
 * One machine's access store over the fork channels: the engine process
 * keeps the store (the data directory's files, or memory with --memory) and
 * serves it to its gateway workers (AccessRelay); each worker's
 * IpcAccessStore forwards its calls and hears every change, whichever worker
 * made it, so a key revoked through one worker is refused by all of them.
 */
import { BreakwaterError } from '../../../engine/src/index.js';
import { BatchedChannel, type ForkEnd } from '../../../engine/link/ipc.js';
import { ChangeListeners, type AccessStore } from './access-store.js';
import type { ApiKeyRecord } from './api-keys.js';
import type { AuditPage, AuditQuery, AuditRecord } from './audit.js';

export type AccessCall =
  | { op: 'keys' }
  | { op: 'version' }
  | { op: 'addKey'; record: ApiKeyRecord }
  | { op: 'revokeKey'; id: string; by: string; at: number }
  | { op: 'appendAudit'; record: AuditRecord }
  | { op: 'audit'; query: AuditQuery };

/** What the store's side of a fork channel says. */
type AccessWireMessage =
  | { t: 'call'; id: number; call: AccessCall }
  | { t: 'result'; id: number; ok: true; result: unknown }
  | { t: 'result'; id: number; ok: false; message: string }
  | { t: 'changed' };

/** The store's messages on a fork channel, beside the engine link's (engine/link/ipc.ts). */
interface AccessMessage {
  k: 'access';
  message: AccessWireMessage;
}

const CALL_TIMEOUT_MS = 5_000;

interface PendingCall {
  resolve: (result: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/** A gateway worker's side. */
export class IpcAccessStore implements AccessStore {
  private readonly channel: BatchedChannel<AccessMessage>;
  private readonly listeners = new ChangeListeners();
  private readonly pending = new Map<number, PendingCall>();
  private nextId = 1;

  constructor(end: ForkEnd) {
    this.channel = new BatchedChannel<AccessMessage>(end, (batch) => {
      for (const message of batch) if (message.k === 'access') this.receive(message.message);
    });
  }

  keys(): Promise<ApiKeyRecord[]> {
    return this.call({ op: 'keys' }) as Promise<ApiKeyRecord[]>;
  }

  version(): Promise<number> {
    return this.call({ op: 'version' }) as Promise<number>;
  }

  async addKey(record: ApiKeyRecord): Promise<void> {
    await this.call({ op: 'addKey', record });
  }

  async revokeKey(id: string, by: string, at: number): Promise<ApiKeyRecord | undefined> {
    return ((await this.call({ op: 'revokeKey', id, by, at })) as ApiKeyRecord | null) ?? undefined;
  }

  async appendAudit(record: AuditRecord): Promise<void> {
    await this.call({ op: 'appendAudit', record });
  }

  audit(query: AuditQuery): Promise<AuditPage> {
    return this.call({ op: 'audit', query }) as Promise<AuditPage>;
  }

  onChange(listener: () => void): () => void {
    return this.listeners.add(listener);
  }

  async close(): Promise<void> {
    this.channel.flush();
    this.channel.detach();
    for (const [id, pending] of this.pending) {
      this.pending.delete(id);
      clearTimeout(pending.timer);
      pending.reject(unavailable('closed'));
    }
  }

  private call(call: AccessCall): Promise<unknown> {
    if (!this.channel.connected) return Promise.reject(unavailable('disconnected'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(unavailable('timeout'));
      }, CALL_TIMEOUT_MS);
      this.pending.set(id, { resolve, reject, timer });
      this.channel.post({ k: 'access', message: { t: 'call', id, call } });
    });
  }

  private receive(message: AccessWireMessage): void {
    if (message.t === 'changed') return this.listeners.notify();
    if (message.t !== 'result') return;
    const pending = this.pending.get(message.id);
    if (pending === undefined) return;
    this.pending.delete(message.id);
    clearTimeout(pending.timer);
    if (message.ok) pending.resolve(message.result);
    else pending.reject(new Error(`access store: ${message.message}`));
  }
}

function unavailable(reason: string): BreakwaterError {
  return new BreakwaterError('ENGINE_UNAVAILABLE', 'the engine process, which keeps the API keys and the audit log, did not answer', { details: { reason } });
}

/** The engine process's side: serves the store to each worker and tells every worker of every change. */
export class AccessRelay {
  private readonly channels = new Set<BatchedChannel<AccessMessage>>();
  private readonly unsubscribe: () => void;

  constructor(private readonly store: AccessStore) {
    this.unsubscribe = store.onChange(() => {
      for (const channel of this.channels) channel.post({ k: 'access', message: { t: 'changed' } });
    });
  }

  /** Serves one worker until the returned function is called (it exited). */
  attach(worker: ForkEnd): () => void {
    const channel: BatchedChannel<AccessMessage> = new BatchedChannel<AccessMessage>(worker, (batch) => {
      for (const message of batch) if (message.k === 'access' && message.message.t === 'call') this.serve(channel, message.message.id, message.message.call);
    });
    this.channels.add(channel);
    return () => {
      this.channels.delete(channel);
      channel.detach();
    };
  }

  stop(): void {
    this.unsubscribe();
  }

  private serve(channel: BatchedChannel<AccessMessage>, id: number, call: AccessCall): void {
    const reply = (message: AccessWireMessage) => channel.post({ k: 'access', message });
    this.run(call).then(
      (result) => reply({ t: 'result', id, ok: true, result: result ?? null }),
      (err: unknown) => reply({ t: 'result', id, ok: false, message: (err as Error)?.message ?? String(err) }),
    );
  }

  private run(call: AccessCall): Promise<unknown> {
    switch (call.op) {
      case 'keys': return this.store.keys();
      case 'version': return this.store.version();
      case 'addKey': return this.store.addKey(call.record);
      case 'revokeKey': return this.store.revokeKey(call.id, call.by, call.at);
      case 'appendAudit': return this.store.appendAudit(call.record);
      case 'audit': return this.store.audit(call.query);
    }
  }
}
