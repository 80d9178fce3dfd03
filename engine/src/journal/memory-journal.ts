import type { SyncJournal } from '../engine.js';
import type { JournalEntry } from './entries.js';

/** The engine's journal when nothing needs to outlive the process (the default; the durable journal lives in engine/stores). */
export class MemoryJournal implements SyncJournal {
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
