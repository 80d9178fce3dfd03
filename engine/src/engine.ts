import { randomBytes as cryptoRandomBytes } from 'node:crypto';
import { systemClock, type Clock } from './clock.js';
import { joinContextOf, parseCommand, type Command } from './commands.js';
import { validateConfigUpdate, validateEventConfig } from './config/validate.js';
import { BreakwaterError } from './errors.js';
import { SaleEvent, type PaymentChoice, type SaleEventDeps, type SeedVault } from './event/sale-event.js';
import type { EventStatus } from './event/views.js';
import type { JournalEntry } from './journal/entries.js';
import { MemoryJournal } from './journal/memory-journal.js';
import { restoreEvent, snapshotEvent, SnapshotRefused, type EventSnapshot } from './snapshot/event-snapshot.js';
import { pooledRandomBytes } from './util/random-pool.js';
import { finish } from './util/steps.js';

export interface EngineOptions {
  clock?: Clock;
  /** The random source of seeds, receipts and codes: node:crypto's, pooled, by default. */
  randomBytes?: (n: number) => Uint8Array;
  /** Seals draw seeds in the journal: the host's, keyed by its deployment secret (engine/stores/seed-vault.ts). */
  seeds: SeedVault;
  /** The synchronous journal of this process; the memory store by default. */
  journal?: SyncJournal;
}

/** A journal the in-process engine can write without waiting. */
export interface SyncJournal {
  append(eventId: string, entries: readonly JournalEntry[]): void;
  read(eventId: string): readonly JournalEntry[];
  eventIds(): string[];
}

/** Snapshots to restore events from instead of their whole journals, and who hears of one refused. */
export interface RestoreFrom {
  snapshots?: ReadonlyMap<string, EventSnapshot>;
  /** A snapshot that does not fit this engine or its journal: that event was replayed in full instead. */
  onRefused?: (eventId: string, reason: string) => void;
}

/** Called synchronously after each command or tick; `entries` is reused afterwards, so copy what you keep. */
export type EntryListener = (eventId: string, entries: readonly JournalEntry[]) => void;

/**
 * Every event of this process, and the single entry point for commands from
 * any transport. After each command or tick the new journal entries go to the
 * journal first, then to listeners (the gateway's notifications), so nothing
 * is told that is not recorded.
 */
export class Engine {
  readonly clock: Clock;
  readonly journal: SyncJournal;
  private readonly deps: SaleEventDeps;
  private readonly sales = new Map<string, SaleEvent>();
  /** An array, not a Set: it is walked after every command, a Set iterator would be allocated each time. */
  private listeners: EntryListener[] = [];

  constructor(options: EngineOptions) {
    this.clock = options.clock ?? systemClock;
    this.journal = options.journal ?? new MemoryJournal();
    this.deps = { clock: this.clock, randomBytes: options.randomBytes ?? pooledRandomBytes(cryptoRandomBytes), seeds: options.seeds };
  }

  /** Rebuilds every event found in the journal: from its snapshot and the entries after it, or from the whole journal. */
  static restore(journal: SyncJournal, options: Omit<EngineOptions, 'journal'>, from: RestoreFrom = {}): Engine {
    return finish(Engine.restoring(journal, options, Infinity, from));
  }

  /**
   * `restore` a step at a time: pauses (yields) after every `entriesPerStep`
   * entries replayed (counted per event) and returns the engine, the same
   * however the steps are spaced. A host restoring a big journal lets its
   * other work (lease renewals, other partitions) run between steps.
   */
  static *restoring(journal: SyncJournal, options: Omit<EngineOptions, 'journal'>, entriesPerStep: number, from: RestoreFrom = {}): Generator<void, Engine, void> {
    const engine = new Engine({ ...options, journal });
    for (const eventId of journal.eventIds()) {
      const entries = journal.read(eventId);
      const sale = Engine.fromSnapshot(eventId, entries, engine.deps, from) ?? (yield* SaleEvent.replaying(entries, engine.deps, entriesPerStep));
      engine.sales.set(eventId, sale);
    }
    return engine;
  }

  /** The event restored from its snapshot and the entries after it; undefined without one, or when it is refused (then replayed whole). */
  private static fromSnapshot(eventId: string, entries: readonly JournalEntry[], deps: SaleEventDeps, from: RestoreFrom): SaleEvent | undefined {
    const snapshot = from.snapshots?.get(eventId);
    if (snapshot === undefined) return undefined;
    try {
      return restoreEvent(snapshot, entries, deps);
    } catch (err) {
      if (!(err instanceof SnapshotRefused)) throw err;
      from.onRefused?.(eventId, err.message);
      return undefined;
    }
  }

  /** One event's whole state and the journal position it covers; taken between commands. */
  snapshot(eventId: string): EventSnapshot {
    const sale = this.event(eventId);
    return snapshotEvent(sale, this.journal.read(sale.id), this.deps);
  }

  onEntries(listener: EntryListener): () => void {
    this.listeners = [...this.listeners, listener];
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  createEvent(input: unknown, options: { publish?: boolean } = {}): EventStatus {
    const config = validateEventConfig(input);
    if (this.sales.has(config.id)) throw new BreakwaterError('EVENT_EXISTS', undefined, { details: { eventId: config.id } });
    const sale = SaleEvent.create(config, this.deps);
    this.sales.set(config.id, sale);
    if (options.publish === true) sale.publish();
    this.flush(sale);
    return sale.status();
  }

  event(eventId: string): SaleEvent {
    const sale = this.sales.get(eventId);
    if (sale === undefined) throw new BreakwaterError('EVENT_NOT_FOUND', `no event "${eventId}"`, { details: { eventId } });
    return sale;
  }

  events(): SaleEvent[] {
    return [...this.sales.values()];
  }

  /**
   * Parses and runs one command; its result, or a BreakwaterError that changed
   * nothing — except a payment success refused, whose refund instruction
   * (`refundDue`) is recorded all the same.
   */
  execute(input: unknown): unknown {
    const command = parseCommand(input);
    if (command.type === 'createEvent') return this.createEvent(command.config);
    const sale = this.event(command.eventId);
    try {
      return run(sale, command);
    } finally {
      this.flush(sale);
    }
  }

  /** Lets time act on every event: phases, expiries, presence, admission. */
  tick(): void {
    for (const sale of this.sales.values()) {
      sale.tick();
      this.flush(sale);
    }
  }

  private flush(sale: SaleEvent): void {
    const entries = sale.pendingEntries();
    if (entries.length === 0) return;
    try {
      this.journal.append(sale.id, entries);
      const listeners = this.listeners;
      for (let i = 0; i < listeners.length; i++) listeners[i]!(sale.id, entries);
    } finally {
      sale.clearEntries();
    }
  }
}

/** The channel fields of a checked startPayment, copied (the engine keeps the list in the payment queue). */
function paymentChoiceOf(command: Extract<Command, { type: 'startPayment' }>): PaymentChoice {
  const choice: PaymentChoice = {};
  if (command.channel !== undefined) choice.channel = command.channel;
  if (command.channels !== undefined) choice.channels = [...command.channels];
  return choice;
}

function run(sale: SaleEvent, command: Exclude<Command, { type: 'createEvent' }>): unknown {
  switch (command.type) {
    case 'join':
      return sale.join(command.fanId, joinContextOf(command));
    case 'leave':
      return sale.leave(command.fanId);
    case 'presence':
      return sale.setPresence(command.fanId, command.connected);
    case 'hold':
      return sale.hold(command.fanId, command.grantId, command.request, command.key);
    case 'extendHold':
      return sale.extendHold(command.fanId, command.holdId, command.key);
    case 'startPayment':
      return sale.startPayment(command.fanId, command.holdId, command.paymentId, command.key, paymentChoiceOf(command));
    case 'releaseHold':
      return sale.releaseHold(command.fanId, command.holdId, command.key);
    case 'confirmPurchase':
      return sale.confirmPurchase(command.holdId, command.paymentId, command.providerAt, command.providerPaymentId);
    case 'failPayment':
      return sale.failPayment(command.holdId, command.paymentId, command.reason, command.failure, command.providerAt);
    case 'refusePayment':
      return sale.refusePayment(command.holdId, command.paymentId, command.providerAt);
    case 'recordRefund':
      return sale.recordRefund(command.holdId, command.paymentId);
    case 'generateCodes':
      return sale.generateCodes(command);
    case 'uploadCodes':
      return sale.uploadCodes(command.csv);
    case 'supplyBeacon':
      return sale.supplyBeacon(command.draw, command.value);
    case 'register':
      return sale.register(command.fanId);
    case 'withdrawRegistration':
      return sale.withdrawRegistration(command.fanId);
    case 'inviteNext':
      return sale.inviteNext(command.count);
    case 'closeRegistration':
      return sale.closeRegistration();
    case 'announce':
      return sale.announce(command.text);
    case 'cancelOrder':
      return sale.cancelOrder(command.holdId, command.refund, command.reason);
    case 'updateEvent':
      return sale.updateConfig(validateConfigUpdate(sale.config, command.patch));
    case 'publish':
      return sale.publish();
    case 'pause':
      return sale.pause();
    case 'resume':
      return sale.resume();
    case 'close':
      return sale.close();
  }
}
