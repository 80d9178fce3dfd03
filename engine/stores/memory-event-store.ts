import type { JournalEntry } from '../src/journal/entries.js';
import type { JournalBatch } from './event-store.js';
import { LocalEventStore } from './local-event-store.js';

/** Journals in this process's memory, fenced like every store: tests, and sales nobody needs to keep. */
export class MemoryEventStore extends LocalEventStore {
  private readonly journals = new Map<string, JournalEntry[]>();

  protected async keepEpoch(): Promise<void> {}

  protected async keepMembers(): Promise<void> {}

  protected async keepEntries(batches: readonly JournalBatch[]): Promise<void> {
    for (const { eventId, entries } of batches) {
      let journal = this.journals.get(eventId);
      if (journal === undefined) this.journals.set(eventId, (journal = []));
      for (const entry of entries) journal.push(entry);
    }
  }

  protected async keepSettings(): Promise<void> {}

  protected async readEntries(eventId: string): Promise<JournalEntry[]> {
    return [...(this.journals.get(eventId) ?? [])];
  }

  protected async release(): Promise<void> {}
}
