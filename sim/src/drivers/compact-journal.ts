import type { JournalEntry, SyncJournal } from '../../../engine/src/index.js';
import { PRE_QUEUE_DRAW } from '../../../engine/src/queue/waiting-room.js';

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
 * A journal store for big simulations. The engine's MemoryJournalStore keeps
 * every entry as an object (~56 bytes for a `joined`, 8.2 M entries in the
 * stadium run); this store keeps the entries that come by the million —
 * joined, left, presence (kept away or not) — as columns (kind byte, time
 * offset, and the fan id string the engine already holds; a pre-queue join's
 * pseudonym as 16 bytes in a byte column), ~17 bytes each, and everything else as
 * the objects themselves. `read` returns a read-only array view that builds
 * each entry when it is looked at, equal field for field to what was
 * appended, so checkInvariants and Engine.restore read it like any journal.
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
  private at = new Int32Array(1 << 16);
  /** Per entry, where its pseudonym starts in `pseudonyms` (pre-queue joins only). */
  private pseudonymAt = new Int32Array(1 << 16);
  private pseudonyms = new Uint8Array(1 << 16);
  private pseudonymBytes = 0;
  /** The fan id (columnar kinds) or the entry itself (OTHER). */
  private readonly ref: Array<string | JournalEntry> = [];
  private base = NaN;
  length = 0;

  push(e: JournalEntry): void {
    if (this.length === this.kind.length) this.grow();
    const i = this.length++;
    if (Number.isNaN(this.base)) this.base = e.at;
    const offset = e.at - this.base;
    let kind = OTHER;
    if (Number.isInteger(offset) && offset >= -0x80000000 && offset <= 0x7fffffff) {
      // Only entries with exactly the fields we rebuild; anything richer is kept as it is.
      const fields = Object.keys(e).length;
      if (e.type === 'joined' && fields === 3) kind = JOINED;
      else if (e.type === 'joined' && fields === 5 && e.draw === PRE_QUEUE_DRAW && e.pseudonym?.length === PSEUDONYM_BYTES * 2) kind = JOINED_PRE_QUEUE;
      else if (e.type === 'left' && fields === 4) kind = e.reason === 'left' ? LEFT : LOST;
      else if (e.type === 'presence' && fields === 4) kind = e.connected ? ONLINE : OFFLINE;
      else if (e.type === 'presence' && fields === 5 && e.keptAway === true && !e.connected) kind = OFFLINE_KEPT;
    }
    if (kind === JOINED_PRE_QUEUE) this.pushPseudonym(i, (e as { pseudonym: string }).pseudonym);
    this.kind[i] = kind;
    this.at[i] = kind === OTHER ? 0 : offset;
    this.ref.push(kind === OTHER ? e : (e as { fanId: string }).fanId);
  }

  entry(i: number): JournalEntry {
    const kind = this.kind[i]!;
    if (kind === OTHER) return this.ref[i] as JournalEntry;
    const at = this.base + this.at[i]!;
    const fanId = this.ref[i] as string;
    switch (kind) {
      case JOINED:
        return { type: 'joined', at, fanId };
      case JOINED_PRE_QUEUE:
        return { type: 'joined', at, fanId, draw: PRE_QUEUE_DRAW, pseudonym: this.pseudonymOf(i) };
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

  private pushPseudonym(i: number, hex: string): void {
    if (this.pseudonymBytes + PSEUDONYM_BYTES > this.pseudonyms.length) {
      const grown = new Uint8Array(this.pseudonyms.length * 2);
      grown.set(this.pseudonyms);
      this.pseudonyms = grown;
    }
    this.pseudonyms.set(Buffer.from(hex, 'hex'), this.pseudonymBytes);
    this.pseudonymAt[i] = this.pseudonymBytes;
    this.pseudonymBytes += PSEUDONYM_BYTES;
  }

  private pseudonymOf(i: number): string {
    const start = this.pseudonymAt[i]!;
    return Buffer.from(this.pseudonyms.buffer, this.pseudonyms.byteOffset + start, PSEUDONYM_BYTES).toString('hex');
  }

  private grow(): void {
    const kind = new Uint8Array(this.kind.length * 2);
    kind.set(this.kind);
    const at = new Int32Array(this.at.length * 2);
    at.set(this.at);
    const pseudonymAt = new Int32Array(this.pseudonymAt.length * 2);
    pseudonymAt.set(this.pseudonymAt);
    this.kind = kind;
    this.at = at;
    this.pseudonymAt = pseudonymAt;
  }
}
