import type { JournalEntry } from '../src/journal/entries.js';
import { MemoryJournalStore } from '../src/journal/store.js';

/** New entries of one event, oldest first. */
export interface JournalBatch {
  eventId: string;
  entries: readonly JournalEntry[];
}

/** An async store the DurableJournal writes through. */
export interface DurableStore {
  /**
   * Writes every batch, in order per event, each event's part atomically; one
   * round trip where the store can. Rejects with FencedError when an event has
   * a newer owner; any other rejection is transient (retry the same batches).
   * Retrying after a lost reply must not append twice.
   */
  write(batches: readonly JournalBatch[]): Promise<void>;
  read(eventId: string): Promise<JournalEntry[]>;
}

/** Another writer took the event over: this one must stop writing it. */
export class FencedError extends Error {
  override readonly name = 'FencedError';

  constructor(readonly eventId: string, message = `event "${eventId}" has a newer owner`, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The memory journal behind the async interface: one process, no durability (tests, single-process mode). */
export class MemoryDurableStore implements DurableStore {
  private readonly journals = new MemoryJournalStore();

  async write(batches: readonly JournalBatch[]): Promise<void> {
    for (const { eventId, entries } of batches) this.journals.append(eventId, entries);
  }

  async read(eventId: string): Promise<JournalEntry[]> {
    return [...this.journals.read(eventId)];
  }
}
