/**
 * `npm start`'s access store, in the data directory (kept by the engine
 * process, which holds the directory's lock; its workers reach it over their
 * fork channels, ipc-access-store.ts):
 *
 *   access/keys.json   every key's record (hashes only) and the change count, rewritten whole at each change:
 *                      written aside, fsynced and renamed, so a crash leaves the old file or the new one
 *   access/audit.log   one JSON line per entry, appended and fdatasynced before the request is answered;
 *                      entries that arrive during a sync share the next one
 *
 * A torn last line of the log (a crash mid-append, never answered) is cut off
 * at open; damage anywhere else refuses to start, like the journal. Both are
 * read whole at open and the log is held in memory (~400 bytes an entry).
 */
import { mkdir, open, readFile, rename, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { ChangeListeners, type AccessStore } from './access-store.js';
import type { ApiKeyRecord } from './api-keys.js';
import { AuditList, type AuditPage, type AuditQuery, type AuditRecord } from './audit.js';

export const ACCESS_DIR = 'access';
const KEYS_FILE = 'keys.json';
const AUDIT_FILE = 'audit.log';

interface KeysFile {
  version: number;
  keys: ApiKeyRecord[];
}

interface PendingEntry {
  record: AuditRecord;
  resolve: () => void;
  reject: (error: Error) => void;
}

export class FileAccessStore implements AccessStore {
  private readonly listeners = new ChangeListeners();
  private readonly log = new AuditList();
  /** Key changes, one at a time. */
  private keyWrites: Promise<unknown> = Promise.resolve();
  private pending: PendingEntry[] = [];
  /** The append in progress, if any. */
  private writer: Promise<void> | undefined;
  /** Bytes of the log known good: a failed append is cut back to it. */
  private auditSize = 0;
  private closed = false;

  private constructor(private readonly dir: string, private records: Map<string, ApiKeyRecord>, private changes: number, private readonly auditFile: FileHandle) {}

  static async open(dataDir: string): Promise<FileAccessStore> {
    const dir = join(dataDir, ACCESS_DIR);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const kept = await readKeys(join(dir, KEYS_FILE));
    const auditPath = join(dir, AUDIT_FILE);
    const { records, goodBytes } = await readAudit(auditPath);
    const auditFile = await open(auditPath, 'a', 0o600);
    // A torn tail: cut off, so the next entry follows good data.
    if ((await auditFile.stat()).size !== goodBytes) await auditFile.truncate(goodBytes);
    const store = new FileAccessStore(dir, new Map(kept.keys.map((key) => [key.id, key])), kept.version, auditFile);
    for (const record of records) store.log.add(record);
    store.auditSize = goodBytes;
    return store;
  }

  async keys(): Promise<ApiKeyRecord[]> {
    return [...this.records.values()].map((record) => ({ ...record }));
  }

  async version(): Promise<number> {
    return this.changes;
  }

  addKey(record: ApiKeyRecord): Promise<void> {
    return this.changeKeys((next) => void next.set(record.id, { ...record }));
  }

  async revokeKey(id: string, by: string, at: number): Promise<ApiKeyRecord | undefined> {
    await this.changeKeys((next) => {
      const record = next.get(id);
      if (record === undefined || record.revokedAt !== null) return false;
      next.set(id, { ...record, revokedAt: at, revokedBy: by });
      return true;
    });
    const record = this.records.get(id);
    return record === undefined ? undefined : { ...record };
  }

  appendAudit(record: AuditRecord): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the access store is closed'));
    return new Promise((resolve, reject) => {
      this.pending.push({ record, resolve, reject });
      this.kick();
    });
  }

  async audit(query: AuditQuery): Promise<AuditPage> {
    return this.log.query(query);
  }

  onChange(listener: () => void): () => void {
    return this.listeners.add(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.keyWrites.catch(() => undefined);
    while (this.writer !== undefined) await this.writer;
    await this.auditFile.close();
  }

  /** Applies `change` to a copy of the keys; when it changed something (not `false`), makes the copy durable, then current. */
  private changeKeys(change: (next: Map<string, ApiKeyRecord>) => boolean | void): Promise<void> {
    const run = async () => {
      if (this.closed) throw new Error('the access store is closed');
      const next = new Map(this.records);
      if (change(next) === false) return;
      const version = this.changes + 1;
      await writeAtomically(this.dir, KEYS_FILE, `${JSON.stringify({ version, keys: [...next.values()] } satisfies KeysFile, null, 1)}\n`);
      this.records = next;
      this.changes = version;
      this.listeners.notify();
    };
    const done = this.keyWrites.then(run, run);
    this.keyWrites = done.catch(() => undefined);
    return done;
  }

  private kick(): void {
    if (this.writer !== undefined) return;
    this.writer = this.writeAudit().finally(() => {
      this.writer = undefined;
      if (this.pending.length > 0) this.kick();
    });
  }

  private async writeAudit(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending;
      this.pending = [];
      const text = batch.map((entry) => `${JSON.stringify(entry.record)}\n`).join('');
      try {
        await this.auditFile.write(text);
        await this.auditFile.datasync();
        this.auditSize += Buffer.byteLength(text);
        for (const entry of batch) {
          this.log.add(entry.record);
          entry.resolve();
        }
      } catch (err) {
        await this.auditFile.truncate(this.auditSize).catch(() => undefined);
        for (const entry of batch) entry.reject(err as Error);
      }
    }
  }
}

async function readKeys(path: string): Promise<KeysFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 0, keys: [] };
    throw new Error(`cannot read ${path}: ${(err as Error).message}`);
  }
  const kept = JSON.parse(text) as Partial<KeysFile>;
  if (typeof kept.version !== 'number' || !Array.isArray(kept.keys)) throw new Error(`${path} is damaged: expected { version, keys }`);
  return kept as KeysFile;
}

/** The log's entries and how many bytes of it are whole lines. */
async function readAudit(path: string): Promise<{ records: AuditRecord[]; goodBytes: number }> {
  let data: Buffer;
  try {
    data = await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], goodBytes: 0 };
    throw new Error(`cannot read ${path}: ${(err as Error).message}`);
  }
  const goodBytes = data.lastIndexOf(10) + 1;
  const lines = data.subarray(0, goodBytes).toString('utf8').split('\n').slice(0, -1);
  const records = lines.map((line, index) => {
    try {
      return JSON.parse(line) as AuditRecord;
    } catch {
      throw new Error(`${path} is damaged at line ${index + 1}: not JSON`);
    }
  });
  return { records, goodBytes };
}

/** Writes `name` in `dir` so that a crash leaves the old file or the new one, and the new one survives power loss. */
async function writeAtomically(dir: string, name: string, text: string): Promise<void> {
  const path = join(dir, name);
  const temp = `${path}.tmp`;
  const file = await open(temp, 'w', 0o600);
  try {
    await file.writeFile(text);
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temp, path);
  const directory = await open(dir, 'r');
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}
