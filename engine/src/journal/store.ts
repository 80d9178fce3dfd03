import type { JournalEntry } from './entries.js';

/**
 * Where journals live. The memory store is the default; a Redis store sits
 * beside it behind the same interface.
 */
export interface JournalStore {
  append(eventId: string, entries: readonly JournalEntry[]): void | Promise<void>;
  read(eventId: string): readonly JournalEntry[] | Promise<readonly JournalEntry[]>;
  eventIds(): string[] | Promise<string[]>;
}

export class MemoryJournalStore implements JournalStore {
  private readonly journals = new Map<string, JournalEntry[]>();

  append(eventId: string, entries: readonly JournalEntry[]): void {
    let journal = this.journals.get(eventId);
    if (journal === undefined) this.journals.set(eventId, (journal = []));
    for (const entry of entries) journal.push(entry);
  }

  read(eventId: string): readonly JournalEntry[] {
    return this.journals.get(eventId) ?? [];
  }

  eventIds(): string[] {
    return [...this.journals.keys()];
  }
}
