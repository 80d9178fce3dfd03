import type { SyncJournal } from '../src/engine.js';
import type { JournalEntry } from '../src/journal/entries.js';
import { FencedError, type JournalBatch, type JournalWriter } from './event-store.js';

const MAX_RETRY_MS = 2_000;
const NO_ENTRIES: readonly JournalEntry[] = [];

export interface DurableJournalOptions {
  /** The first wait after a failed write, doubling up to 2 s (default 100 ms). */
  retryMs?: number;
  /** Another owner took an event over: this journal has stopped writing, the owner must drop the partition. */
  onFenced?: (err: FencedError) => void;
  log?: (message: string) => void;
}

interface Waiter {
  resolve: () => void;
  reject: (err: Error) => void;
}

/** Batches written in one store call, and whoever waits for them. */
interface Write {
  /** The same on every retry of this write, so the store applies it once. */
  id: number;
  batches: JournalBatch[];
  entries: number;
  waiters: Waiter[];
}

/**
 * The engine's journal when it must outlive the process: the engine appends
 * synchronously into memory, and a group commit writes everything appended
 * meanwhile to the store in one call, one call at a time. Whoever is about to
 * tell anyone about an entry awaits `durable()` first.
 */
export class DurableJournal implements SyncJournal {
  private readonly journals = new Map<string, JournalEntry[]>();
  /** Appended since the write in flight started, per event in order. */
  private queued = new Map<string, JournalEntry[]>();
  private queuedEntries = 0;
  private queuedWaiters: Waiter[] = [];
  private inFlight: Write | undefined;
  private flushScheduled = false;
  private failing = false;
  /** Why writing stopped for good (fenced or closed). */
  private stopped: Error | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  private lastTry = false;
  private writes = 0;
  private readonly retryMs: number;

  constructor(private readonly store: JournalWriter, private readonly options: DurableJournalOptions = {}) {
    this.retryMs = options.retryMs ?? 100;
    if (!(this.retryMs > 0)) throw new RangeError('retryMs must be positive');
  }

  /** The last write failed and is being retried: the store is unreachable. */
  get stalled(): boolean {
    return this.failing;
  }

  /** Entries appended and not yet durable. */
  get pendingEntries(): number {
    return this.queuedEntries + (this.inFlight?.entries ?? 0);
  }

  /** Entries that are already durable (read back after a claim); before any append for the event. */
  load(eventId: string, entries: readonly JournalEntry[]): void {
    if (entries.length > 0) this.journals.set(eventId, [...entries]);
  }

  append(eventId: string, entries: readonly JournalEntry[]): void {
    if (entries.length === 0) return;
    pushAll(this.journals, eventId, entries);
    if (this.stopped !== undefined) return;
    pushAll(this.queued, eventId, entries);
    this.queuedEntries += entries.length;
    // Everything appended in this turn of the event loop goes in the same write.
    if (this.inFlight === undefined && !this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        this.flush();
      });
    }
  }

  read(eventId: string): readonly JournalEntry[] {
    return this.journals.get(eventId) ?? NO_ENTRIES;
  }

  eventIds(): string[] {
    return [...this.journals.keys()];
  }

  /** Forgets the memory copy of an event; what was appended is still written. */
  drop(eventId: string): void {
    this.journals.delete(eventId);
  }

  /**
   * Resolves once everything appended before the call is durable. Never
   * rejects for a transient failure (writes are retried); rejects with the
   * FencedError when fenced, or when the journal is closed.
   */
  durable(): Promise<void> {
    if (this.stopped !== undefined) return Promise.reject(this.stopped);
    const waiters = this.queuedEntries > 0 ? this.queuedWaiters : this.inFlight?.waiters;
    if (waiters === undefined) return Promise.resolve();
    return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
  }

  /** Stops writing and retrying; whoever waits is rejected. Appends still go to memory. */
  close(): void {
    this.stop(new Error('the durable journal was closed'));
  }

  /**
   * Closes after one immediate last try at what is pending (not waiting for
   * the retry timer, and not retrying a failure). An owner that lost its
   * lease still offers what it decided: it lands if nobody claimed the
   * events since (the next owner reads it), or the fence refuses it
   * (`onFenced`). Resolves once settled.
   */
  async closeAfterLastTry(): Promise<void> {
    if (this.stopped !== undefined) return;
    this.lastTry = true;
    this.flush();
    this.wake?.();
    await this.durable().catch(() => undefined);
    this.close();
  }

  private flush(): void {
    if (this.inFlight !== undefined || this.stopped !== undefined || this.queuedEntries === 0) return;
    const write: Write = {
      id: ++this.writes,
      batches: [...this.queued].map(([eventId, entries]) => ({ eventId, entries })),
      entries: this.queuedEntries,
      waiters: this.queuedWaiters,
    };
    this.inFlight = write;
    this.queued = new Map();
    this.queuedEntries = 0;
    this.queuedWaiters = [];
    void this.write(write);
  }

  /** Writes the same batches under the same id until the store takes them (so it can recognise a retry), or until fenced or closed. */
  private async write(write: Write): Promise<void> {
    for (let delay = this.retryMs; ; delay = Math.min(2 * delay, MAX_RETRY_MS)) {
      try {
        await this.store.write(write.batches, write.id);
        break;
      } catch (err) {
        if (this.stopped !== undefined) return;
        if (err instanceof FencedError) {
          this.stop(err);
          this.options.onFenced?.(err);
          return;
        }
        if (this.lastTry) {
          this.stop(err as Error);
          return;
        }
        if (!this.failing) this.options.log?.(`journal write of ${write.entries} entries failed, retrying: ${(err as Error).message}`);
        this.failing = true;
        await this.sleep(delay);
        if (this.stopped !== undefined) return;
      }
    }
    if (this.stopped !== undefined) return;
    if (this.failing) this.options.log?.('journal writes resumed');
    this.failing = false;
    this.inFlight = undefined;
    for (const waiter of write.waiters) waiter.resolve();
    this.flush();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.retryTimer = setTimeout(resolve, ms);
    });
  }

  private stop(reason: Error): void {
    if (this.stopped !== undefined) return;
    this.stopped = reason;
    this.failing = false;
    clearTimeout(this.retryTimer);
    this.wake?.();
    const waiters = [...(this.inFlight?.waiters ?? []), ...this.queuedWaiters];
    this.inFlight = undefined;
    this.queued = new Map();
    this.queuedEntries = 0;
    this.queuedWaiters = [];
    for (const waiter of waiters) waiter.reject(reason);
  }
}

function pushAll(journals: Map<string, JournalEntry[]>, eventId: string, entries: readonly JournalEntry[]): void {
  let journal = journals.get(eventId);
  if (journal === undefined) journals.set(eventId, (journal = []));
  for (let i = 0; i < entries.length; i++) journal.push(entries[i]!);
}
