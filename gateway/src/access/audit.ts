/**
 * The audit log's entries: who (key id and name, role), what (route, path,
 * event, a summary of the change), when, from which address, and the
 * outcome. Entries are kept newest last; the API pages them newest first with
 * an opaque cursor (`before`). AuditList is the in-memory form the memory and
 * file stores share. Every store keeps the log within an AuditRetention (by
 * age and by count), trimming the oldest entries as new ones are added.
 */
import { BreakwaterError } from '../../../engine/src/index.js';
import type { RequestInfo } from '../http/router.js';
import type { Role } from './roles.js';

export interface AuditRecord {
  at: number;
  keyId: string;
  keyName: string;
  role: Role;
  /** The client address (through --trust-proxy proxies, see http/client-address.ts). */
  ip: string;
  method: string;
  /** The route's pattern, e.g. `POST /api/events/:id/pause`. */
  route: string;
  path: string;
  eventId: string | null;
  /** What was asked: the body with secrets left out, shortened; notes of the handler (e.g. the key created). */
  summary: string;
  status: number;
  /** The error code of a refusal or failure; null for a success. */
  code: string | null;
}

export interface AuditEntry extends AuditRecord {
  /** Opaque, increasing: the cursor of the next page. */
  id: string;
}

export interface AuditQuery {
  eventId?: string;
  keyId?: string;
  /** Epoch ms, inclusive. */
  from?: number;
  to?: number;
  /** Only entries older than this entry id. */
  before?: string;
  limit: number;
  /** A key limited to some events sees only their entries. */
  events?: readonly string[];
}

export interface AuditPage {
  entries: AuditEntry[];
  /** Pass as `before` for the next (older) page; null when there is none. */
  next: string | null;
}

/** How much of the log a store keeps: entries older than maxAgeMs, and the oldest beyond maxEntries, are dropped. */
export interface AuditRetention {
  maxAgeMs: number;
  maxEntries: number;
}

export const DAY_MS = 86_400_000;
export const DEFAULT_AUDIT_RETENTION: AuditRetention = { maxAgeMs: 90 * DAY_MS, maxEntries: 1_000_000 };

export const MAX_AUDIT_PAGE = 200;
const CURSOR = /^[0-9]{1,20}(-[0-9]{1,20})?$/;
const MAX_SUMMARY = 400;
/** Field names whose values never enter the log. */
const SECRET_FIELD = /secret|password|token|private/i;

function malformed(field: string, reason: string): BreakwaterError {
  return new BreakwaterError('MALFORMED_COMMAND', `${field} ${reason}`, { details: { field, reason } });
}

/** GET /api/audit's query string. */
export function parseAuditQuery(query: URLSearchParams): AuditQuery {
  const result: AuditQuery = { limit: 50 };
  const time = (name: 'from' | 'to') => {
    const raw = query.get(name);
    if (raw === null) return;
    if (!/^[0-9]{1,15}$/.test(raw)) throw malformed(name, 'must be a time in epoch milliseconds');
    result[name] = Number(raw);
  };
  time('from');
  time('to');
  const limit = query.get('limit');
  if (limit !== null) {
    if (!/^[0-9]{1,4}$/.test(limit) || Number(limit) < 1 || Number(limit) > MAX_AUDIT_PAGE) throw malformed('limit', `must be a whole number from 1 to ${MAX_AUDIT_PAGE}`);
    result.limit = Number(limit);
  }
  const before = query.get('before');
  if (before !== null) {
    if (!CURSOR.test(before)) throw malformed('before', 'must be the `next` of a page');
    result.before = before;
  }
  for (const name of ['eventId', 'keyId'] as const) {
    const value = query.get(name);
    if (value === null) continue;
    if (value.length === 0 || value.length > 64) throw malformed(name, 'must be 1 to 64 characters');
    result[name] = value;
  }
  return result;
}

export function matches(entry: AuditRecord, query: AuditQuery): boolean {
  if (query.eventId !== undefined && entry.eventId !== query.eventId) return false;
  if (query.keyId !== undefined && entry.keyId !== query.keyId) return false;
  if (query.from !== undefined && entry.at < query.from) return false;
  if (query.to !== undefined && entry.at > query.to) return false;
  if (query.events !== undefined && (entry.eventId === null || !query.events.includes(entry.eventId))) return false;
  return true;
}

/**
 * Entries in memory, numbered from 1 in the order they were added (numbers go
 * on across trims and, in the file store, across restarts), oldest dropped
 * past the retention.
 */
export class AuditList {
  private entries: AuditEntry[] = [];
  /** Entries before this index are trimmed; the array is compacted once they are half of it. */
  private head = 0;
  private next = 1;

  constructor(private readonly retention: AuditRetention = DEFAULT_AUDIT_RETENTION, private readonly now: () => number = Date.now) {}

  get size(): number {
    return this.entries.length - this.head;
  }

  /** The number the next entry gets. */
  get nextId(): number {
    return this.next;
  }

  /** Adds an entry with the next number, or with `id` (the file store's kept numbers, increasing), then trims. */
  add(record: AuditRecord, id = this.next): AuditEntry {
    const entry = { id: String(id), ...record };
    this.entries.push(entry);
    this.next = Math.max(this.next, id + 1);
    this.trim();
    return entry;
  }

  /** The entries kept, oldest first. */
  kept(): AuditEntry[] {
    return this.entries.slice(this.head);
  }

  /** Drops what the retention no longer keeps; returns how many. */
  trim(): number {
    const cutoff = this.now() - this.retention.maxAgeMs;
    const start = this.head;
    while (this.size > this.retention.maxEntries) this.head++;
    while (this.head < this.entries.length && this.entries[this.head]!.at < cutoff) this.head++;
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
    return this.head - start;
  }

  query(query: AuditQuery): AuditPage {
    const found: AuditEntry[] = [];
    let index = query.before === undefined ? this.entries.length - 1 : this.indexBefore(Number.parseInt(query.before, 10));
    for (; index >= this.head && found.length < query.limit; index--) {
      const entry = this.entries[index]!;
      if (matches(entry, query)) found.push(entry);
    }
    return { entries: found, next: found.length === query.limit && index >= this.head ? found[found.length - 1]!.id : null };
  }

  /** The index of the newest entry numbered below `id` (head − 1 when none is). */
  private indexBefore(id: number): number {
    let low = this.head;
    let high = this.entries.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (Number(this.entries[middle]!.id) < id) low = middle + 1;
      else high = middle;
    }
    return low - 1;
  }
}

/** Secrets out, nested values kept. */
function redacted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => redacted(item));
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, SECRET_FIELD.test(key) ? '…' : redacted(item)]));
}

/** What a request asked, in at most MAX_SUMMARY characters: its query, and its body (JSON with secrets left out, or its size). */
export function summarize(request: RequestInfo, notes: readonly string[]): string {
  const parts: string[] = [];
  const query = request.query.toString();
  if (query.length > 0) parts.push(`?${query}`);
  const announced = Number(request.headers['content-length'] ?? 0);
  // Refused on its headers: the body was never read.
  if (request.body.byteLength === 0 && announced > 0) parts.push(`${announced} bytes not read`);
  if (request.body.byteLength > 0) {
    const type = request.headers['content-type'] ?? '';
    if (/json/i.test(type)) {
      try {
        parts.push(JSON.stringify(redacted(JSON.parse(new TextDecoder().decode(request.body)))));
      } catch {
        parts.push(`${request.body.byteLength} bytes (not JSON)`);
      }
    } else {
      const lines = request.body.reduce((n, byte) => n + (byte === 10 ? 1 : 0), 0);
      parts.push(`${request.body.byteLength} bytes of ${type.split(';')[0] || 'data'} (${lines} lines)`);
    }
  }
  parts.push(...notes);
  const text = parts.join(' · ');
  return text.length > MAX_SUMMARY ? `${text.slice(0, MAX_SUMMARY - 1)}…` : text;
}
