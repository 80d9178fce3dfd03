/**
 * Takes each event's snapshot every `everyEntries` journal entries, or every
 * `everyMs` while it has new entries, one write at a time. A snapshot is
 * taken between commands (in its own turn of the event loop), then written
 * only once the journal holds every entry it covers: a snapshot never gets
 * ahead of the journal it is replayed against.
 */
import type { FileHandle } from 'node:fs/promises';
import type { Engine } from '../../src/index.js';
import { writeSnapshotFile } from './snapshot-file.js';

export interface SnapshotPolicy {
  /** New journal entries of an event that make its next snapshot due. */
  everyEntries: number;
  /** An event with new entries gets a snapshot at least this often. */
  everyMs: number;
}

/** Rare by default: taking one blocks the engine (about 3 s for a million fans, docs/benchmarks.md). */
export const SNAPSHOT_DEFAULTS: SnapshotPolicy = { everyEntries: 1_000_000, everyMs: 60 * 60_000 };

export interface SnapshotWriterOptions {
  engine: Engine;
  eventsDir: string;
  /** Resolves once every entry appended before the call is in the journal files. */
  durable: () => Promise<void>;
  policy?: SnapshotPolicy;
  log?: (message: string) => void;
  sync?: (file: FileHandle) => Promise<void>;
}

export class SnapshotWriter {
  private readonly policy: SnapshotPolicy;
  /** Entries appended per event since its last snapshot was taken. */
  private readonly since = new Map<string, number>();
  private readonly due = new Set<string>();
  private writing: Promise<void> | undefined;
  private readonly timer: NodeJS.Timeout;
  private readonly unsubscribe: () => void;
  private closed = false;
  /** Snapshots written (tests and the benchmark read it). */
  written = 0;

  constructor(private readonly options: SnapshotWriterOptions) {
    this.policy = options.policy ?? SNAPSHOT_DEFAULTS;
    if (!(this.policy.everyEntries >= 1) || !(this.policy.everyMs > 0)) throw new RangeError('snapshots need everyEntries ≥ 1 and everyMs > 0');
    this.unsubscribe = options.engine.onEntries((eventId, entries) => {
      const since = (this.since.get(eventId) ?? 0) + entries.length;
      this.since.set(eventId, since);
      if (since >= this.policy.everyEntries) this.schedule(eventId);
    });
    this.timer = setInterval(() => {
      for (const [eventId, since] of this.since) if (since > 0) this.schedule(eventId);
    }, this.policy.everyMs);
    this.timer.unref();
  }

  /** Stops taking snapshots; resolves once the one being written is on disk. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    this.unsubscribe();
    this.due.clear();
    await this.writing;
  }

  /** Resolves once the snapshots due now are written (tests). */
  async settled(): Promise<void> {
    while (this.writing !== undefined) await this.writing;
  }

  private schedule(eventId: string): void {
    if (this.closed) return;
    this.due.add(eventId);
    // Not from inside the entries listener: the event is mid-command there.
    if (this.writing === undefined) this.writing = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.writeDue());
  }

  private async writeDue(): Promise<void> {
    try {
      while (this.due.size > 0 && !this.closed) {
        const eventId = this.due.values().next().value!;
        this.due.delete(eventId);
        try {
          // Taken between commands: it covers every entry appended so far.
          const snapshot = this.options.engine.snapshot(eventId);
          this.since.set(eventId, 0);
          await this.options.durable();
          await writeSnapshotFile(this.options.eventsDir, snapshot, this.options.sync);
          this.written++;
        } catch (err) {
          // The journal still has everything: the next snapshot is simply due again.
          this.options.log?.(`snapshot of "${eventId}" not written: ${(err as Error).message}`);
          this.since.set(eventId, this.policy.everyEntries);
        }
      }
    } finally {
      this.writing = undefined;
    }
  }
}
