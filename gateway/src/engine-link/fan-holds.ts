import type { JournalEntry } from '../../../engine/src/index.js';

/**
 * Each fan's hold ids, kept from the journal so a reconnecting fan's holds are
 * found without scanning every hold of the event.
 */
export class FanHolds {
  private readonly byFan = new Map<string, string[]>();

  observe(eventId: string, entry: JournalEntry): void {
    if (entry.type !== 'held') return;
    const key = `${eventId}\u0000${entry.fanId}`;
    const ids = this.byFan.get(key);
    if (ids === undefined) this.byFan.set(key, [entry.holdId]);
    else ids.push(entry.holdId);
  }

  of(eventId: string, fanId: string): readonly string[] {
    return this.byFan.get(`${eventId}\u0000${fanId}`) ?? [];
  }
}
