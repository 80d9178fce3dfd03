/**
 * The audit log's entries: who (key id and name, role), what (route, path,
 * event, a summary of the change), when, from which address, and the
 * outcome. Entries are kept newest last; the API pages them newest first with
 * an opaque cursor (`before`). AuditList is the in-memory form the memory and
 * file stores share.
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

/** Entries in memory, numbered from 1 in the order they were added. */
export class AuditList {
  private readonly entries: AuditEntry[] = [];

  get size(): number {
    return this.entries.length;
  }

  add(record: AuditRecord): AuditEntry {
    const entry = { id: String(this.entries.length + 1), ...record };
    this.entries.push(entry);
    return entry;
  }

  query(query: AuditQuery): AuditPage {
    const found: AuditEntry[] = [];
    const before = query.before === undefined ? this.entries.length + 1 : Number.parseInt(query.before, 10);
    let index = Math.min(before - 1, this.entries.length) - 1;
    for (; index >= 0 && found.length < query.limit; index--) {
      const entry = this.entries[index]!;
      if (matches(entry, query)) found.push(entry);
    }
    return { entries: found, next: found.length === query.limit && index >= 0 ? found[found.length - 1]!.id : null };
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
