/**
 * Where event journals outlive their owner. A store holds partitions of
 * events; whoever serves a partition opens it and becomes its owner with a
 * fresh epoch, greater than every earlier owner's. Events are fenced by epoch:
 * once an owner claims an event, every write of an older owner to it is
 * refused, so an owner that only thinks it still serves a partition can never
 * fork an event's journal. The memory, file and Redis stores all pass the one
 * conformance suite (engine/test/stores/event-store.conformance.ts).
 */
import type { JournalEntry } from '../src/journal/entries.js';

/** New entries of one event, oldest first. */
export interface JournalBatch {
  eventId: string;
  entries: readonly JournalEntry[];
}

/** Where a DurableJournal writes: the one call it makes. */
export interface JournalWriter {
  /**
   * Writes every batch, in order per event, each event's part atomically.
   * `writeId` names this write among its owner's: the same batches are
   * retried with the same id, and an id already applied to an event is not
   * applied again (a retry after a lost reply): so one owner has one writer
   * (one DurableJournal), whose ids only grow. Rejects with FencedError when
   * an event has a newer owner; any other rejection is transient.
   */
  write(batches: readonly JournalBatch[], writeId: number): Promise<void>;
}

/** An event as a claim hands it to its new owner. */
export interface ClaimedEvent {
  entries: JournalEntry[];
  /** The settings saved last, or undefined. */
  settings: unknown;
}

/** One partition as one owner (one epoch) sees it. */
export interface PartitionStore extends JournalWriter {
  readonly partition: number;
  readonly epoch: number;
  /**
   * Every event ever written in this partition, sorted. A partition given a
   * newer owner takes no new event from an older one (FencedError), so what
   * the new owner lists here it claims, and nothing is missed.
   */
  partitionEvents(): Promise<string[]>;
  /** Takes an event over for this epoch (FencedError if a greater one holds it) and reads it back. */
  claim(eventId: string): Promise<ClaimedEvent>;
  /** Keeps what the gateway needs beside an event's journal; FencedError if a greater epoch holds the event. */
  saveSettings(eventId: string, settings: unknown): Promise<void>;
  /** An event's journal, oldest first; no fence needed. */
  read(eventId: string): Promise<JournalEntry[]>;
}

/** A store of partitioned event journals: what a shard is given, whatever the backend. */
export interface EventStore {
  /** Becomes the next owner of a partition: a fresh epoch, greater than every earlier one of it. */
  openPartition(partition: number): Promise<PartitionStore>;
  /** Finishes what was begun and lets go of what the store holds (files, locks); not a connection it was given. */
  close(): Promise<void>;
}

/** Another writer took the event over: this one must stop writing it. */
export class FencedError extends Error {
  override readonly name = 'FencedError';

  constructor(readonly eventId: string, message = `event "${eventId}" has a newer owner`, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export function checkedPartition(partition: number): number {
  if (!Number.isSafeInteger(partition) || partition < 0) throw new Error(`partition ${partition} is not a non-negative integer`);
  return partition;
}
