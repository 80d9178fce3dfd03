/**
 * The event store in a data directory, for one process (the directory is
 * locked): journals and settings in the FileJournalStore's files, epochs and
 * partition members in the partition logs, fences in memory — a writer of an
 * earlier process cannot exist while this one holds the lock.
 */
import type { JournalEntry } from '../../src/journal/entries.js';
import type { JournalBatch } from '../event-store.js';
import { LocalEventStore } from '../local-event-store.js';
import { FileJournalStore, type FileJournalStoreOptions } from './file-journal-store.js';
import { PartitionLogs } from './partition-logs.js';

export class FileEventStore extends LocalEventStore {
  private constructor(private readonly files: FileJournalStore, private readonly logs: PartitionLogs) {
    super();
  }

  /** Locks the data directory and reads it back (see FileJournalStore.open for damaged files). */
  static async open(dataDir: string, options: FileJournalStoreOptions = {}): Promise<FileEventStore> {
    const { store: files, events } = await FileJournalStore.open(dataDir, options);
    try {
      const { logs, partitions } = await PartitionLogs.open(dataDir);
      const store = new FileEventStore(files, logs);
      for (const { partition, epoch, eventIds } of partitions) store.loaded(partition, epoch, eventIds);
      for (const [eventId, { settings }] of events) if (settings !== undefined) store.loadedSettings(eventId, settings);
      return store;
    } catch (err) {
      await files.close();
      throw err;
    }
  }

  protected keepEpoch(partition: number, epoch: number): Promise<void> {
    return this.logs.appendEpoch(partition, epoch);
  }

  protected keepMembers(partition: number, eventIds: readonly string[]): Promise<void> {
    return this.logs.appendEvents(partition, eventIds);
  }

  protected keepEntries(batches: readonly JournalBatch[]): Promise<void> {
    return this.files.write(batches);
  }

  protected keepSettings(eventId: string, settings: unknown): Promise<void> {
    return this.files.saveSettings(eventId, settings);
  }

  protected readEntries(eventId: string): Promise<JournalEntry[]> {
    return this.files.read(eventId);
  }

  protected release(): Promise<void> {
    return this.files.close();
  }
}
