/**
 * The fencing of a store that lives in one process (memory, a locked data
 * directory): epochs, partition members, each event's fence and last write,
 * kept in memory and checked and applied one operation at a time, so a check
 * and what it guards never interleave with another owner's claim. Subclasses
 * only keep the data.
 */
import type { JournalEntry } from '../src/journal/entries.js';
import { checkedPartition, FencedError, type ClaimedEvent, type EventStore, type JournalBatch, type PartitionStore } from './event-store.js';

interface EventFence {
  /** The epoch of the event's owner: older ones are refused. */
  fence: number;
  /** `<epoch>:<writeId>` of the last write applied to the event. */
  lastWrite: string | undefined;
}

export abstract class LocalEventStore implements EventStore {
  private readonly epochs = new Map<number, number>();
  private readonly members = new Map<number, Set<string>>();
  private readonly fences = new Map<string, EventFence>();
  private readonly settings = new Map<string, unknown>();
  private chain: Promise<unknown> = Promise.resolve();
  private closed = false;

  /** Keeps a partition's newest epoch. */
  protected abstract keepEpoch(partition: number, epoch: number): Promise<void>;
  /** Keeps new members of a partition. */
  protected abstract keepMembers(partition: number, eventIds: readonly string[]): Promise<void>;
  /** Appends every batch, all or nothing. */
  protected abstract keepEntries(batches: readonly JournalBatch[]): Promise<void>;
  protected abstract keepSettings(eventId: string, settings: unknown): Promise<void>;
  protected abstract readEntries(eventId: string): Promise<JournalEntry[]>;
  protected abstract release(): Promise<void>;

  /** What the data already held (a subclass reading it back at start). */
  protected loaded(partition: number, epoch: number, eventIds: Iterable<string>): void {
    if (epoch > (this.epochs.get(partition) ?? 0)) this.epochs.set(partition, epoch);
    const members = this.membersOf(partition);
    for (const eventId of eventIds) members.add(eventId);
  }

  protected loadedSettings(eventId: string, settings: unknown): void {
    this.settings.set(eventId, settings);
  }

  async openPartition(partition: number): Promise<PartitionStore> {
    checkedPartition(partition);
    return this.serially(async () => {
      const epoch = (this.epochs.get(partition) ?? 0) + 1;
      await this.keepEpoch(partition, epoch);
      this.epochs.set(partition, epoch);
      return this.owner(partition, epoch);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.chain.catch(() => undefined);
    await this.release();
  }

  private owner(partition: number, epoch: number): PartitionStore {
    return {
      partition,
      epoch,
      partitionEvents: async () => [...this.membersOf(partition)].sort(),
      claim: (eventId) => this.serially(() => this.claim(eventId, epoch)),
      write: (batches, writeId) => this.serially(() => this.write(partition, epoch, batches, writeId)),
      saveSettings: (eventId, settings) => this.serially(() => this.saveSettings(eventId, epoch, settings)),
      read: (eventId) => this.readEntries(eventId),
    };
  }

  private async claim(eventId: string, epoch: number): Promise<ClaimedEvent> {
    this.take(eventId, epoch);
    return { entries: await this.readEntries(eventId), settings: structuredClone(this.settings.get(eventId)) };
  }

  private async write(partition: number, epoch: number, written: readonly JournalBatch[], writeId: number): Promise<void> {
    const writeKey = `${epoch}:${writeId}`;
    const batches = written.filter((b) => b.entries.length > 0);
    const members = this.membersOf(partition);
    const newcomers = [...new Set(batches.filter((b) => !members.has(b.eventId)).map((b) => b.eventId))];
    const newest = this.epochs.get(partition) ?? 0;
    if (newcomers.length > 0 && newest > epoch) throw new FencedError(newcomers[0]!, `partition ${partition} has a newer owner (epoch ${newest}, this writer has ${epoch})`);
    for (const { eventId } of batches) this.check(eventId, epoch);
    // A replay of the last write applied to an event is applied once.
    const fresh = batches.filter(({ eventId }) => this.fences.get(eventId)?.lastWrite !== writeKey);
    if (newcomers.length > 0) {
      await this.keepMembers(partition, newcomers);
      for (const eventId of newcomers) members.add(eventId);
    }
    if (fresh.length === 0) return;
    await this.keepEntries(fresh);
    for (const { eventId } of fresh) this.fences.set(eventId, { fence: epoch, lastWrite: writeKey });
  }

  private async saveSettings(eventId: string, epoch: number, settings: unknown): Promise<void> {
    this.check(eventId, epoch);
    const copy = structuredClone(settings);
    await this.keepSettings(eventId, copy);
    this.take(eventId, epoch);
    this.settings.set(eventId, copy);
  }

  private check(eventId: string, epoch: number): void {
    const fence = this.fences.get(eventId)?.fence ?? 0;
    if (fence > epoch) throw new FencedError(eventId, `event "${eventId}" is held by epoch ${fence}, this writer has epoch ${epoch}`);
  }

  private take(eventId: string, epoch: number): void {
    this.check(eventId, epoch);
    const fence = this.fences.get(eventId);
    if (fence === undefined) this.fences.set(eventId, { fence: epoch, lastWrite: undefined });
    else fence.fence = epoch;
  }

  private membersOf(partition: number): Set<string> {
    let members = this.members.get(partition);
    if (members === undefined) this.members.set(partition, (members = new Set()));
    return members;
  }

  private serially<T>(run: () => Promise<T>): Promise<T> {
    const next = this.chain.then(() => {
      if (this.closed) throw new Error('the event store is closed');
      return run();
    });
    this.chain = next.catch(() => undefined);
    return next;
  }
}
