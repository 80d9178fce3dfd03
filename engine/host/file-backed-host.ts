/**
 * `npm start`'s engine when it keeps every sale: the EngineHost restored from
 * the data directory's journal files, writing through the DurableJournal (the
 * same group commit the cluster's shards use) into the FileJournalStore. The
 * links wait for `durable()` before anything leaves this process, so a crash
 * loses nothing a fan or organizer was told.
 */
import { join } from 'node:path';
import { Engine, type SeedVault } from '../src/index.js';
import { DurableJournal } from '../stores/durable-journal.js';
import { FileJournalStore } from '../stores/file/file-journal-store.js';
import { readSnapshotFiles } from '../stores/file/snapshot-file.js';
import { SnapshotWriter, type SnapshotPolicy } from '../stores/file/snapshot-writer.js';
import type { EventSettings } from './event-settings.js';
import { EngineHost, type EngineHostOptions } from './engine-host.js';

const SETTINGS_RETRY_MS = 500;

export interface FileBackedHost {
  host: EngineHost;
  /** Resolves once every entry and settings change made before the call is durable. */
  durable(): Promise<void>;
  /**
   * What was read back at start: `fromSnapshots`, events restored from a
   * snapshot and the journal after it; `readMs`, of `ms`, reading and decoding
   * the journal files (whole: the journal stays the record the organizer reads).
   */
  restored: { events: number; entries: number; fromSnapshots: number; readMs: number; ms: number };
  snapshots: SnapshotWriter;
  /** Finishes writing, then closes the files and unlocks the directory. */
  close(): Promise<void>;
}

export type FileBackedHostOptions = Omit<EngineHostOptions, 'engine' | 'seeds'> & { seeds: SeedVault; snapshots?: SnapshotPolicy };

export async function openFileBackedHost(dataDir: string, options: FileBackedHostOptions): Promise<FileBackedHost> {
  const log = options.log ?? ((message: string) => console.error(message));
  const started = performance.now();
  const { store, events } = await FileJournalStore.open(dataDir, { log });
  const readMs = Math.round(performance.now() - started);
  const journal = new DurableJournal(store, { log });
  let entries = 0;
  for (const [eventId, event] of events) {
    journal.load(eventId, event.entries);
    entries += event.entries.length;
  }
  const eventsDir = join(dataDir, 'events');
  const snapshots = await readSnapshotFiles(eventsDir, events.keys(), log);
  let refused = 0;
  const onRefused = (eventId: string, reason: string) => {
    refused++;
    log(`snapshot of "${eventId}" refused (${reason}); replayed its whole journal`);
  };
  const { seeds, snapshots: policy, ...settings } = options;
  const engine = Engine.restore(journal, { ...(options.clock === undefined ? {} : { clock: options.clock }), seeds }, { snapshots, onRefused });
  const host = new EngineHost({ ...settings, engine });
  for (const [eventId, event] of events) if (event.settings !== undefined) host.restoreSettings(eventId, event.settings as EventSettings);
  const restored = { events: events.size, entries, fromSnapshots: snapshots.size - refused, readMs, ms: Math.round(performance.now() - started) };
  const snapshotWriter = new SnapshotWriter({ engine, eventsDir, durable: () => journal.durable(), log, ...(policy === undefined ? {} : { policy }) });

  let closed = false;
  /** Settings saves not yet durable: the next reply or broadcast waits for them. */
  const savingSettings = new Set<Promise<void>>();
  const saveSettings = async (eventId: string, settings: EventSettings): Promise<void> => {
    // Retried like journal writes: a settings change the organizer was told of must not vanish.
    for (let failures = 0; !closed; failures++) {
      try {
        return await store.saveSettings(eventId, settings);
      } catch (err) {
        if (closed) return;
        if (failures === 0) log(`saving the settings of "${eventId}" failed, retrying: ${(err as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, SETTINGS_RETRY_MS));
      }
    }
  };
  host.subscribe((broadcast) => {
    if (broadcast.type !== 'settings') return;
    const saving = saveSettings(broadcast.eventId, broadcast.settings);
    savingSettings.add(saving);
    void saving.finally(() => savingSettings.delete(saving));
  });

  return {
    host,
    restored,
    snapshots: snapshotWriter,
    durable: () => (savingSettings.size === 0 ? journal.durable() : Promise.all([journal.durable(), ...savingSettings]).then(() => undefined)),
    async close() {
      await snapshotWriter.close();
      await journal.durable().catch(() => undefined);
      await Promise.all(savingSettings);
      closed = true;
      journal.close();
      await store.close();
    },
  };
}
