/**
 * Where a deployment keeps its API keys (hashes only) and its audit log,
 * shared by every gateway process: in the data directory for `npm start`
 * (file-access-store.ts, kept by the engine process and reached by its
 * workers over their fork channels: ipc-access-store.ts), in Redis for a
 * cluster (redis-access-store.ts), in memory for `--memory` and tests.
 */
import type { ApiKeyRecord } from './api-keys.js';
import type { AuditPage, AuditQuery, AuditRecord } from './audit.js';

export interface AccessStore {
  /** Every key ever created, revoked ones included. */
  keys(): Promise<ApiKeyRecord[]>;
  /** Changes whenever a key is added or revoked: gateways poll it, in case a change notice was lost. */
  version(): Promise<number>;
  addKey(record: ApiKeyRecord): Promise<void>;
  /** Marks the key revoked; a second revocation keeps the first. The key as it is now; undefined when no key has this id. */
  revokeKey(id: string, by: string, at: number): Promise<ApiKeyRecord | undefined>;
  /** Resolves once the entry is as durable as the store is. */
  appendAudit(record: AuditRecord): Promise<void>;
  audit(query: AuditQuery): Promise<AuditPage>;
  /** Told (best effort) whenever a key is added or revoked, by this process or another. */
  onChange(listener: () => void): () => void;
  close(): Promise<void>;
}

/** The change listeners of a store. */
export class ChangeListeners {
  private readonly listeners = new Set<() => void>();

  add(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  notify(): void {
    for (const listener of this.listeners) listener();
  }
}
