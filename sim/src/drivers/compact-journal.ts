import type { JournalEntry, SyncJournal } from '../../../engine/src/index.js';
import { PRE_QUEUE_DRAW } from '../../../engine/src/queue/waiting-room.js';
import { ensureCapacity, grownLength } from '../../../engine/src/util/growable.js';
import { fanIdOf, fanOf } from '../model/fan-table.js';

const OTHER = 0;
const JOINED = 1;
const LEFT = 2;
const LOST = 3;
const ONLINE = 4;
const OFFLINE = 5;
/** Joins numbered by the pre-queue draw (the pre-queue and the start window together), with their pseudonyms. */
const JOINED_PRE_QUEUE = 6;
/** A fan going away from a place kept while it is away (beyond the away horizon). */
const OFFLINE_KEPT = 7;
const PSEUDONYM_BYTES = 16;

/**
 * A journal store for big simulations. The engine's MemoryJournal keeps
 * every entry as an object (~56 bytes for a `joined`, 8.2 M entries in the
 * stadium run); this store keeps the entries that come by the million —
 * joined, left, presence (kept away or not) of fans with the simulator's ids
 * (`fanIdOf`) — as columns (kind byte, time offset, fan number: 9 bytes
 * each, and for a pre-queue join its time offset and pseudonym in columns of
 * their own, 20 bytes more; no string: a fan's id is spelled anew for each
 * presence command, and those copies would outlive the command here), and
 * everything else as the objects themselves. `read` returns a read-only array view that builds each entry
 * when it is looked at, equal field for field to what was appended, so
 * checkInvariants and Engine.restore read it like any journal.
 */
export class CompactJournal implements SyncJournal {
  private readonly journals = new Map<string, Columns>();

  append(eventId: string, entries: readonly JournalEntry[]): void {
    let journal = this.journals.get(eventId);
    if (journal === undefined) this.journals.set(eventId, (journal = new Columns()));
    for (const entry of entries) journal.push(entry);
  }

  read(eventId: string): readonly JournalEntry[] {
    return this.journals.get(eventId)?.view() ?? [];
  }

  eventIds(): string[] {
    return [...this.journals.keys()];
  }
}

class Columns {
  private kind = new Uint8Array(1 << 16);
  /** The time offset from the first entry (columnar kinds), the index in `others` (OTHER), or in the pre-queue join columns (JOINED_PRE_QUEUE). */
  private at = new Int32Array(1 << 16);
  /** The fan's number, `fanOf` its id (columnar kinds). */
  private fan = new Int32Array(1 << 16);
  /** The entries kept as they are. */
  private readonly others: JournalEntry[] = [];
  /** Pre-queue joins, in journal order: each one's time offset and pseudonym (a few millions of an entry's ten). */
  private preQueueAt = new Int32Array(1 << 12);
  private pseudonyms = new Uint8Array(PSEUDONYM_BYTES << 12);
  private preQueueJoins = 0;
  private base = NaN;
  length = 0;

  push(e: JournalEntry): void {
    if (this.length === this.kind.length) this.grow();
    const i = this.length++;
    if (Number.isNaN(this.base)) this.base = e.at;
    const offset = e.at - this.base;
    const kind = Number.isInteger(offset) && offset >= -0x80000000 && offset <= 0x7fffffff ? columnarKind(e) : OTHER;
    const fan = kind === OTHER ? undefined : simulatorFanOf((e as { fanId: string }).fanId);
    if (fan === undefined) {
      this.kind[i] = OTHER;
      this.at[i] = this.others.length;
      this.others.push(e);
    } else {
      this.kind[i] = kind;
      this.at[i] = kind === JOINED_PRE_QUEUE ? this.pushPreQueueJoin(offset, (e as { pseudonym: string }).pseudonym) : offset;
      this.fan[i] = fan;
    }
  }

  entry(i: number): JournalEntry {
    const kind = this.kind[i]!;
    if (kind === OTHER) return this.others[this.at[i]!]!;
    const fanId = fanIdOf(this.fan[i]!);
    if (kind === JOINED_PRE_QUEUE) {
      const join = this.at[i]!;
      return { type: 'joined', at: this.base + this.preQueueAt[join]!, fanId, draw: PRE_QUEUE_DRAW, pseudonym: this.pseudonymOf(join) };
    }
    const at = this.base + this.at[i]!;
    switch (kind) {
      case JOINED:
        return { type: 'joined', at, fanId };
      case LEFT:
        return { type: 'left', at, fanId, reason: 'left' };
      case LOST:
        return { type: 'left', at, fanId, reason: 'presenceLost' };
      case ONLINE:
        return { type: 'presence', at, fanId, connected: true };
      case OFFLINE_KEPT:
        return { type: 'presence', at, fanId, connected: false, keptAway: true };
      default:
        return { type: 'presence', at, fanId, connected: false };
    }
  }

  /** A read-only array of the entries so far: indexing and iteration build entries on demand. */
  view(): readonly JournalEntry[] {
    const length = this.length;
    const columns = this;
    function* entries(): Generator<JournalEntry> {
      for (let i = 0; i < length; i++) yield columns.entry(i);
    }
    return new Proxy([] as JournalEntry[], {
      get(target, prop, receiver) {
        if (prop === 'length') return length;
        if (prop === Symbol.iterator) return entries;
        if (typeof prop === 'string' && /^(0|[1-9]\d*)$/.test(prop)) {
          const i = Number(prop);
          return i < length ? columns.entry(i) : undefined;
        }
        return Reflect.get(target, prop, receiver);
      },
      has(_target, prop) {
        if (typeof prop === 'string' && /^(0|[1-9]\d*)$/.test(prop)) return Number(prop) < length;
        return prop === 'length';
      },
      set() {
        throw new TypeError('a journal view is read-only');
      },
    });
  }

  /** Keeps a pre-queue join's time offset and pseudonym; returns its index in their columns. */
  private pushPreQueueJoin(offset: number, hex: string): number {
    const join = this.preQueueJoins++;
    this.preQueueAt = ensureCapacity(this.preQueueAt, join + 1);
    this.pseudonyms = ensureCapacity(this.pseudonyms, (join + 1) * PSEUDONYM_BYTES);
    this.preQueueAt[join] = offset;
    this.pseudonyms.set(Buffer.from(hex, 'hex'), join * PSEUDONYM_BYTES);
    return join;
  }

  private pseudonymOf(join: number): string {
    return Buffer.from(this.pseudonyms.buffer, this.pseudonyms.byteOffset + join * PSEUDONYM_BYTES, PSEUDONYM_BYTES).toString('hex');
  }

  private grow(): void {
    const length = grownLength(this.kind.length, this.length + 1);
    this.kind = ensureCapacity(this.kind, length);
    this.at = ensureCapacity(this.at, length);
    this.fan = ensureCapacity(this.fan, length);
  }
}

/** The column kind of an entry with exactly the fields it rebuilds; anything richer is kept as it is (OTHER). */
function columnarKind(e: JournalEntry): number {
  const fields = Object.keys(e).length;
  if (e.type === 'joined' && fields === 3) return JOINED;
  if (e.type === 'joined' && fields === 5 && e.draw === PRE_QUEUE_DRAW && e.pseudonym?.length === PSEUDONYM_BYTES * 2) return JOINED_PRE_QUEUE;
  if (e.type === 'left' && fields === 4) return e.reason === 'left' ? LEFT : LOST;
  if (e.type === 'presence' && fields === 4) return e.connected ? ONLINE : OFFLINE;
  if (e.type === 'presence' && fields === 5 && e.keptAway === true && !e.connected) return OFFLINE_KEPT;
  return OTHER;
}

/** The fan's number if the id is one the simulator hands out (spelled exactly as `fanIdOf` does), else undefined. */
function simulatorFanOf(fanId: string): number | undefined {
  const fan = fanOf(fanId);
  return fan === (fan | 0) && fanIdOf(fan) === fanId ? fan : undefined;
}
