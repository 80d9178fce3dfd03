/**
 * Each gateway process's gatekeeper of the organizer API and the dashboard
 * feed: who a request's key is, whether its role and events allow the route
 * (route-roles.ts), and the audit entry of what it did. Keys are checked
 * against this process's copy of the store's list, reloaded when the store
 * says it changed (a pub/sub or fork-channel notice, milliseconds) and, in
 * case a notice was lost, whenever the store's version moved (polled every
 * second): a revoked key is refused by every gateway within that. A key this
 * process does not know yet (made a moment ago elsewhere) triggers a reload.
 */
import { BreakwaterError } from '../../../engine/src/index.js';
import type { RequestInfo, RequestOutcome, RouteOptions } from '../http/router.js';
import type { Signer } from '../tokens.js';
import { ChangeListeners, type AccessStore } from './access-store.js';
import {
  BOOTSTRAP_CALLER, BOOTSTRAP_KEY_ID, callerOf, hashMatches, isBootstrapKey, keyIdOf, newApiKey, type ApiKeyRecord, type NewKeyRequest,
} from './api-keys.js';
import { summarize, type AuditPage, type AuditQuery } from './audit.js';
import { covers, roleAllows, type Caller } from './roles.js';
import { routeName, ruleOf } from './route-roles.js';

export const KEYS_POLL_MS = 1_000;
/** A key unknown here reloads the list at most this often (a stream of wrong keys costs the store little). */
const MISS_RELOAD_MS = 250;
const TICKET_TTL_MS = 60_000;
/** The dashboard's WebSocket subprotocols: the one the server answers, and the prefix of the one carrying the ticket. */
export const DASHBOARD_PROTOCOL = 'breakwater.dashboard';
export const TICKET_PROTOCOL_PREFIX = 'breakwater.ticket.';

export interface OrganizerAccessOptions {
  store: AccessStore;
  /** The deployment's bootstrap key (BREAKWATER_API_KEY or generated): admin for every event. */
  bootstrapKey: string;
  /** Signs the dashboard's tickets (every gateway of a deployment shares the secret). */
  signer: Signer;
  log: (message: string) => void;
  pollMs?: number;
  now?: () => number;
}

export interface DashboardTicket {
  ticket: string;
  expiresAt: number;
  /** The subprotocols to open /dashboard/ws with. */
  protocols: string[];
}

function unauthorized(reason?: string): BreakwaterError {
  return new BreakwaterError('UNAUTHORIZED', undefined, reason === undefined ? {} : { details: { reason } });
}

export class OrganizerAccess {
  private keys = new Map<string, ApiKeyRecord>();
  private version = -1;
  private loading: Promise<void> | undefined;
  private reloadAgain = false;
  private lastMissReload = -Infinity;
  private readonly callers = new WeakMap<RequestInfo, Caller>();
  private readonly notes = new WeakMap<RequestInfo, string[]>();
  private readonly changed = new ChangeListeners();
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly options: OrganizerAccessOptions) {
    this.now = options.now ?? Date.now;
  }

  async start(): Promise<void> {
    await this.reload();
    this.unsubscribe = this.options.store.onChange(() => void this.reload().catch((err: unknown) => this.options.log(`reloading the API keys failed: ${(err as Error).message}`)));
    this.timer = setInterval(() => void this.poll(), this.options.pollMs ?? KEYS_POLL_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.unsubscribe?.();
  }

  /** The organizer routes' options: the key and its rule checked from the headers, the outcome audited before the reply. */
  routeOptions(maxBodyBytes: number): RouteOptions {
    return { authorize: (request) => this.authorize(request), settle: (request, outcome) => this.settle(request, outcome), maxBodyBytes };
  }

  /** The caller of `Authorization: Bearer <key>`, or UNAUTHORIZED. */
  authenticate(authorization: string | undefined): Caller {
    const given = /^Bearer\s+(.+)$/i.exec(authorization ?? '')?.[1]?.trim();
    if (given === undefined || given.length === 0) throw unauthorized();
    const id = keyIdOf(given);
    const record = id === undefined ? undefined : this.keys.get(id);
    if (record !== undefined && hashMatches(given, record.hash)) {
      if (record.revokedAt !== null) throw unauthorized('revoked');
      return callerOf(record);
    }
    if (isBootstrapKey(given, this.options.bootstrapKey)) return BOOTSTRAP_CALLER;
    if (id !== undefined && record === undefined) this.reloadOnMiss();
    throw unauthorized();
  }

  /** The key, then the route's role and events (FORBIDDEN, with what was needed). Runs on the headers, before any body is read. */
  authorize(request: RequestInfo): void {
    const caller = this.authenticate(request.headers.authorization);
    this.callers.set(request, caller);
    const rule = ruleOf(request.method, request.route);
    const route = routeName(request.method, request.route);
    if (!roleAllows(caller.role, rule.role)) {
      throw new BreakwaterError('FORBIDDEN', `${route} needs the ${rule.role} role; this key is ${caller.role}`, {
        details: { reason: 'role', required: rule.role, role: caller.role, route },
      });
    }
    if (rule.events === 'event' && !covers(caller, request.params[0]!)) {
      throw new BreakwaterError('FORBIDDEN', `this key may not act on event "${request.params[0]}"`, {
        details: { reason: 'event', eventId: request.params[0], events: caller.events, route },
      });
    }
    if (rule.events === 'every' && caller.events !== null) {
      throw new BreakwaterError('FORBIDDEN', `${route} needs a key for every event; this key is limited to some`, {
        details: { reason: 'allEvents', events: caller.events, route },
      });
    }
  }

  /** The caller of a request `authorize` let through. */
  callerOf(request: RequestInfo): Caller {
    const caller = this.callers.get(request);
    if (caller === undefined) throw new Error(`${request.route} is not an organizer route`);
    return caller;
  }

  /** Adds to what the audit entry of `request` says (e.g. the id of a key it created). */
  note(request: RequestInfo, text: string): void {
    const notes = this.notes.get(request) ?? [];
    notes.push(text);
    this.notes.set(request, notes);
  }

  /** Records the request in the audit log (if its rule says so, or it was refused for role or events); a request without a valid key is not. */
  async settle(request: RequestInfo, outcome: RequestOutcome): Promise<void> {
    const caller = this.callers.get(request);
    if (caller === undefined) return;
    const rule = ruleOf(request.method, request.route);
    if (!rule.audit && outcome.code !== 'FORBIDDEN') return;
    await this.options.store.appendAudit({
      at: this.now(), keyId: caller.keyId, keyName: caller.name, role: caller.role, ip: request.ip,
      method: request.method.toUpperCase(), route: routeName(request.method, request.route), path: request.path,
      eventId: rule.events === 'event' ? request.params[0]! : createdEventId(request),
      summary: summarize(request, this.notes.get(request) ?? []), status: outcome.status, code: outcome.code,
    });
  }

  /** A key that works now: the bootstrap key, or a stored one not revoked. */
  isValid(keyId: string): boolean {
    if (keyId === BOOTSTRAP_KEY_ID) return true;
    const record = this.keys.get(keyId);
    return record !== undefined && record.revokedAt === null;
  }

  /** Told after this process's copy of the keys changed. */
  onKeysChanged(listener: () => void): () => void {
    return this.changed.add(listener);
  }

  async createKey(caller: Caller, request: NewKeyRequest): Promise<{ record: ApiKeyRecord; key: string }> {
    const created = newApiKey(request, caller.keyId, this.now());
    await this.options.store.addKey(created.record);
    await this.reload();
    return created;
  }

  async revokeKey(caller: Caller, keyId: string): Promise<ApiKeyRecord | undefined> {
    const record = await this.options.store.revokeKey(keyId, caller.keyId, this.now());
    await this.reload();
    return record;
  }

  keyList(): Promise<ApiKeyRecord[]> {
    return this.options.store.keys();
  }

  audit(query: AuditQuery): Promise<AuditPage> {
    return this.options.store.audit(query);
  }

  /** A ticket for /dashboard/ws, good for a minute: a browser cannot set headers on a WebSocket, and a URL is logged everywhere. */
  issueTicket(caller: Caller): DashboardTicket {
    const expiresAt = this.now() + TICKET_TTL_MS;
    const ticket = this.options.signer.seal('dashboard-ticket', 'dt1', { k: caller.keyId, x: expiresAt });
    return { ticket, expiresAt, protocols: [DASHBOARD_PROTOCOL, `${TICKET_PROTOCOL_PREFIX}${ticket}`] };
  }

  /**
   * Who opens the dashboard feed: a ticket in the subprotocols (browsers), or an
   * `Authorization` header (scripts). The feed shows every event: a viewer key for every event.
   */
  dashboardCaller(authorization: string, protocols: string): Caller {
    const offered = protocols.split(',').map((p) => p.trim()).find((p) => p.startsWith(TICKET_PROTOCOL_PREFIX));
    const caller = offered !== undefined ? this.openTicket(offered.slice(TICKET_PROTOCOL_PREFIX.length)) : this.authenticate(authorization);
    if (caller.events !== null) {
      throw new BreakwaterError('FORBIDDEN', 'the dashboard shows every event: it needs a key for every event', { details: { reason: 'allEvents', events: caller.events } });
    }
    return caller;
  }

  private openTicket(ticket: string): Caller {
    const claims = this.options.signer.open('dashboard-ticket', 'dt1', ticket);
    if (claims === undefined || typeof claims.k !== 'string' || typeof claims.x !== 'number') throw unauthorized('ticket');
    if (claims.x < this.now()) throw unauthorized('ticketExpired');
    if (claims.k === BOOTSTRAP_KEY_ID) return BOOTSTRAP_CALLER;
    const record = this.keys.get(claims.k);
    if (record === undefined || record.revokedAt !== null) throw unauthorized('revoked');
    return callerOf(record);
  }

  private reloadOnMiss(): void {
    const now = this.now();
    if (now - this.lastMissReload < MISS_RELOAD_MS) return;
    this.lastMissReload = now;
    void this.reload().catch(() => undefined);
  }

  private async poll(): Promise<void> {
    try {
      if ((await this.options.store.version()) !== this.version) await this.reload();
    } catch (err) {
      // The store is away: so is any revocation, which goes through it. The keys known last stay in force.
      this.options.log(`checking the API keys failed: ${(err as Error).message}`);
    }
  }

  /** One load at a time; asked during one, another follows it. */
  private reload(): Promise<void> {
    if (this.loading !== undefined) {
      this.reloadAgain = true;
      return this.loading;
    }
    this.loading = (async () => {
      do {
        this.reloadAgain = false;
        // The version first: a change between the two reads is seen again at the next poll.
        const version = await this.options.store.version();
        const keys = await this.options.store.keys();
        this.keys = new Map(keys.map((record) => [record.id, record]));
        this.version = version;
        this.changed.notify();
      } while (this.reloadAgain);
    })().finally(() => (this.loading = undefined));
    return this.loading;
  }
}

/** The event a POST /api/events names, for its audit entry (created or refused). */
function createdEventId(request: RequestInfo): string | null {
  if (request.body.byteLength === 0 || !/json/i.test(request.headers['content-type'] ?? '')) return null;
  try {
    const id = (JSON.parse(new TextDecoder().decode(request.body)) as { config?: { id?: unknown } })?.config?.id;
    return typeof id === 'string' ? id.slice(0, 64) : null;
  } catch {
    return null;
  }
}
