/**
 * `npm start`'s access store, in the data directory (kept by the engine
 * process, which holds the directory's lock; its workers reach it over their
 * fork channels, ipc-access-store.ts):
 *
 *   access/keys.json   every key's record (hashes only) and the change count, rewritten whole at each change:
 *                      written aside, fsynced and renamed, so a crash leaves the old file or the new one
 *   access/audit.log   one JSON line per entry (with its number), appended and fdatasynced before the request
 *                      is answered; entries that arrive during a sync share the next one
 *
 * A torn last line of the log (a crash mid-append, never answered) is cut off
 * at open; damage anywhere else refuses to start, like the journal. Both are
 * read whole at open and the log is held in memory (~400 bytes an entry).
 * Entries past the retention leave memory as new ones come; the file is
 * rewritten without them (aside, fsynced, renamed) at open and whenever the
 * lines trimmed outnumber those kept, so it stays under twice the retention.
 */
import { mkdir, open, readFile, rename, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { ChangeListeners, type AccessStore } from './access-store.js';
import type { ApiKeyRecord } from './api-keys.js';
import { AuditList, type AuditEntry, type AuditPage, type AuditQuery, type AuditRecord, type AuditRetention } from './audit.js';

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
  private readonly log: AuditList;
  /** Lines in the audit file: the entries kept and those trimmed since it was last rewritten. */
  private fileLines = 0;
  /** Key changes, one at a time. */
  private keyWrites: Promise<unknown> = Promise.resolve();
  private pending: PendingEntry[] = [];
  /** The append in progress, if any. */
  private writer: Promise<void> | undefined;
  /** Bytes of the log known good: a failed append is cut back to it. */
  private auditSize = 0;
  private closed = false;

  private constructor(
    private readonly dir: string, private records: Map<string, ApiKeyRecord>, private changes: number, private auditFile: FileHandle,
    retention: AuditRetention | undefined, now: (() => number) | undefined,
  ) {
    this.log = new AuditList(retention, now);
  }

  static async open(dataDir: string, retention?: AuditRetention, now?: () => number): Promise<FileAccessStore> {
    const dir = join(dataDir, ACCESS_DIR);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const kept = await readKeys(join(dir, KEYS_FILE));
    const auditPath = join(dir, AUDIT_FILE);
    const { records, goodBytes } = await readAudit(auditPath);
    const auditFile = await open(auditPath, 'a', 0o600);
    // A torn tail: cut off, so the next entry follows good data.
    if ((await auditFile.stat()).size !== goodBytes) await auditFile.truncate(goodBytes);
    const store = new FileAccessStore(dir, new Map(kept.keys.map((key) => [key.id, key])), kept.version, auditFile, retention, now);
    for (const { id, ...record } of records) store.log.add(record, id === undefined ? undefined : Number(id));
    store.auditSize = goodBytes;
    store.fileLines = records.length;
    // Cannot rewrite (a full disk): start on the longer file, tried again as entries come.
    if (store.fileLines > store.log.size) await store.rewriteAudit().catch(() => undefined);
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
      const first = this.log.nextId;
      const text = batch.map((entry, index) => auditLine({ id: String(first + index), ...entry.record })).join('');
      try {
        await this.auditFile.write(text);
        await this.auditFile.datasync();
        this.auditSize += Buffer.byteLength(text);
        this.fileLines += batch.length;
        for (const entry of batch) {
          this.log.add(entry.record);
          entry.resolve();
        }
      } catch (err) {
        await this.auditFile.truncate(this.auditSize).catch(() => undefined);
        for (const entry of batch) entry.reject(err as Error);
        continue;
      }
      // Before the next batch; a failed rewrite leaves the longer file, whose extra lines the next open trims.
      if (this.fileLines > 2 * this.log.size) await this.rewriteAudit().catch(() => undefined);
    }
  }

  /**
   * Rewrites the audit file with the entries kept: written aside and fsynced,
   * then renamed over the old one. The handle written through is the one
   * appended to afterwards (the same file once renamed), so no entry can go
   * to a file no longer in the directory.
   */
  private async rewriteAudit(): Promise<void> {
    const path = join(this.dir, AUDIT_FILE);
    const temp = `${path}.tmp`;
    const file = await open(temp, 'a', 0o600);
    let size = 0;
    try {
      await file.truncate(0);
      // A million entries are ~400 MB of text: written 10,000 lines at a time, never as one string.
      const kept = this.log.kept();
      for (let start = 0; start < kept.length; start += 10_000) {
        const piece = kept.slice(start, start + 10_000).map(auditLine).join('');
        await file.write(piece);
        size += Buffer.byteLength(piece);
      }
      await file.sync();
      await rename(temp, path);
    } catch (err) {
      await file.close();
      throw err;
    }
    await this.auditFile.close().catch(() => undefined);
    this.auditFile = file;
    this.auditSize = size;
    this.fileLines = this.log.size;
    await syncDirectory(this.dir);
  }
}

function auditLine(entry: AuditEntry): string {
  return `${JSON.stringify(entry)}\n`;
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
async function readAudit(path: string): Promise<{ records: Array<AuditRecord & { id?: string }>; goodBytes: number }> {
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
      return JSON.parse(line) as AuditRecord & { id?: string };
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
  await syncDirectory(dir);
}

/** Makes a rename in `dir` survive power loss. */
async function syncDirectory(dir: string): Promise<void> {
  const directory = await open(dir, 'r');
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}
