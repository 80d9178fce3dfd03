/**
 * The event store of `npm start`: each event's journal in one append-only
 * file under the data directory (events/<event id>.journal), records framed
 * by frames.ts. A write appends one record per event and fdatasyncs every
 * file it touched before it resolves; the DurableJournal makes that a group
 * commit (one write in flight, everything appended meanwhile in the next),
 * and whoever tells a fan anything waits for it.
 */
import { mkdir, open, readdir, readFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { JournalEntry } from '../../src/journal/entries.js';
import type { JournalBatch, JournalWriter } from '../event-store.js';
import { decodeEntries, decodeValue, encodeEntries, encodeValue } from '../redis/codec.js';
import { CorruptJournalError, frameRecord, RecordKind, scanRecords } from './frames.js';
import { lockDataDir } from './data-dir-lock.js';

const SUFFIX = '.journal';

export interface FileJournalStoreOptions {
  log?: (message: string) => void;
  /** Makes a file's appended bytes durable; tests inject one to watch the order of things. */
  sync?: (file: FileHandle) => Promise<void>;
}

/** An event as its file holds it. */
export interface RecoveredEvent {
  entries: JournalEntry[];
  /** The last settings saved, if any. */
  settings: unknown;
}

interface JournalFile {
  handle: FileHandle;
  /** Bytes known to be in the file: where a failed write is cut back to. */
  size: number;
}

interface Append {
  eventId: string;
  frame: Buffer;
}

export class FileJournalStore implements JournalWriter {
  private readonly files = new Map<string, JournalFile>();
  private readonly sync: (file: FileHandle) => Promise<void>;
  /** Every append waits for the one before: a failed write is cut back before the next begins. */
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  /** fdatasync calls made (the benchmark reports them per second). */
  syncs = 0;

  private constructor(private readonly dir: string, private readonly unlock: () => Promise<void>, options: FileJournalStoreOptions) {
    this.sync = options.sync ?? ((file) => file.datasync());
  }

  /**
   * Locks the data directory (one process at a time), reads every event's
   * file, drops a torn last record (logged, and cut off the file so appends
   * follow good data) and throws CorruptJournalError for damage anywhere else.
   */
  static async open(dataDir: string, options: FileJournalStoreOptions = {}): Promise<{ store: FileJournalStore; events: Map<string, RecoveredEvent> }> {
    const log = options.log ?? ((message: string) => console.error(message));
    const dir = join(dataDir, 'events');
    await mkdir(dir, { recursive: true });
    const unlock = await lockDataDir(dataDir);
    const store = new FileJournalStore(dir, unlock, options);
    const events = new Map<string, RecoveredEvent>();
    try {
      for (const name of (await readdir(dir)).filter((n) => n.endsWith(SUFFIX)).sort()) {
        const eventId = name.slice(0, -SUFFIX.length);
        const event = await store.recover(eventId, log);
        if (event.entries.length > 0) events.set(eventId, event);
      }
    } catch (err) {
      await store.close();
      throw err;
    }
    return { store, events };
  }

  write(batches: readonly JournalBatch[]): Promise<void> {
    const appends = batches.filter((b) => b.entries.length > 0).map(({ eventId, entries }) => ({ eventId, frame: frameRecord(RecordKind.Entries, encodeEntries(entries)) }));
    return this.serially(() => this.append(appends));
  }

  /** Keeps an event's gateway settings with its journal; resolves once durable. */
  saveSettings(eventId: string, settings: unknown): Promise<void> {
    const frame = frameRecord(RecordKind.Settings, encodeValue(settings));
    return this.serially(() => this.append([{ eventId, frame }]));
  }

  /** Resolves once every write and save begun before the call has settled. */
  settled(): Promise<void> {
    return this.chain;
  }

  async read(eventId: string): Promise<JournalEntry[]> {
    await this.chain;
    return (await this.decode(eventId, await readFile(this.pathOf(eventId)).catch(() => Buffer.alloc(0)))).event.entries;
  }

  /** Finishes what was begun, closes every file and unlocks the directory. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.chain;
    await Promise.all([...this.files.values()].map((file) => file.handle.close().catch(() => undefined)));
    this.files.clear();
    await this.unlock();
  }

  private serially(run: () => Promise<void>): Promise<void> {
    const next = this.chain.then(() => {
      if (this.closed) throw new Error('the file journal store is closed');
      return run();
    });
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** One record per event, then every file touched is synced; on failure each file is cut back, so a retry never appends twice. */
  private async append(appends: readonly Append[]): Promise<void> {
    const touched = new Map<JournalFile, number>();
    try {
      for (const { eventId, frame } of appends) {
        const file = await this.fileOf(eventId);
        if (!touched.has(file)) touched.set(file, file.size);
        await file.handle.write(frame, 0, frame.length, null);
        file.size += frame.length;
      }
      await Promise.all([...touched.keys()].map((file) => {
        this.syncs++;
        return this.sync(file.handle);
      }));
    } catch (err) {
      for (const [file, size] of touched) {
        file.size = size;
        await file.handle.truncate(size).catch(() => undefined);
      }
      throw err;
    }
  }

  private async fileOf(eventId: string): Promise<JournalFile> {
    let file = this.files.get(eventId);
    if (file !== undefined) return file;
    const handle = await open(this.pathOf(eventId), 'a');
    file = { handle, size: (await handle.stat()).size };
    this.files.set(eventId, file);
    // A new file's name must be durable too, or a crash could lose the whole file.
    const dir = await open(this.dir, 'r');
    try {
      this.syncs++;
      await this.sync(dir);
    } finally {
      await dir.close();
    }
    return file;
  }

  private async recover(eventId: string, log: (message: string) => void): Promise<RecoveredEvent> {
    const path = this.pathOf(eventId);
    const { event, validBytes, torn } = await this.decode(eventId, await readFile(path));
    if (torn !== undefined) {
      log(`journal ${path}: dropped a torn last record (${torn.bytes} bytes at offset ${torn.offset}), written when the process stopped and never acknowledged`);
      const file = await this.fileOf(eventId);
      await file.handle.truncate(validBytes);
      await this.sync(file.handle);
      file.size = validBytes;
    }
    return event;
  }

  private async decode(eventId: string, data: Buffer): Promise<{ event: RecoveredEvent; validBytes: number; torn: { offset: number; bytes: number } | undefined }> {
    const path = this.pathOf(eventId);
    const scan = scanRecords(data, path);
    const event: RecoveredEvent = { entries: [], settings: undefined };
    for (const record of scan.records) {
      try {
        if (record.kind === RecordKind.Settings) event.settings = decodeValue(record.payload);
        else for (const entry of decodeEntries(record.payload)) event.entries.push(entry);
      } catch (err) {
        throw new CorruptJournalError(path, record.offset, `undecodable record: ${(err as Error).message}`);
      }
    }
    return { event, validBytes: scan.validBytes, torn: scan.torn };
  }

  private pathOf(eventId: string): string {
    return join(this.dir, `${eventId}${SUFFIX}`);
  }
}
