/** The access store of `--memory` and of tests: this process only, gone when it stops. */
import type { AccessStore } from './access-store.js';
import { ChangeListeners } from './access-store.js';
import type { ApiKeyRecord } from './api-keys.js';
import { AuditList, type AuditPage, type AuditQuery, type AuditRecord, type AuditRetention } from './audit.js';

export class MemoryAccessStore implements AccessStore {
  private readonly records = new Map<string, ApiKeyRecord>();
  private readonly log: AuditList;
  private changes = 0;
  private readonly listeners = new ChangeListeners();

  constructor(retention?: AuditRetention, now?: () => number) {
    this.log = new AuditList(retention, now);
  }

  async keys(): Promise<ApiKeyRecord[]> {
    return [...this.records.values()].map((record) => ({ ...record }));
  }

  async version(): Promise<number> {
    return this.changes;
  }

  async addKey(record: ApiKeyRecord): Promise<void> {
    this.records.set(record.id, { ...record });
    await this.changed();
  }

  async revokeKey(id: string, by: string, at: number): Promise<ApiKeyRecord | undefined> {
    const record = this.records.get(id);
    if (record === undefined) return undefined;
    if (record.revokedAt === null) {
      this.records.set(id, { ...record, revokedAt: at, revokedBy: by });
      await this.changed();
    }
    return { ...this.records.get(id)! };
  }

  async appendAudit(record: AuditRecord): Promise<void> {
    this.log.add(record);
  }

  async audit(query: AuditQuery): Promise<AuditPage> {
    return this.log.query(query);
  }

  onChange(listener: () => void): () => void {
    return this.listeners.add(listener);
  }

  async close(): Promise<void> {}

  private async changed(): Promise<void> {
    this.changes++;
    this.listeners.notify();
  }
}
