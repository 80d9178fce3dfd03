/**
 * The organizer page's API keys and audit log (the #access section): who the
 * page's key is, the keys (create with a role and events, the secret shown
 * once; revoke) for an admin of every event, and the audit log — filtered by
 * event, key and time, paged from the newest — for any admin. organizer.ts
 * hands in its API call and its error display, and refreshes it when its key changes.
 */
import { $ } from './dom.js';

type Role = 'viewer' | 'operator' | 'admin';
interface Caller { keyId: string; name: string; role: Role; events: string[] | null }
interface KeyView { id: string; name: string; role: Role; events: string[] | null; createdAt: number; createdBy: string; revokedAt: number | null; revokedBy: string | null }
interface AuditEntry {
  id: string; at: number; keyId: string; keyName: string; role: Role; ip: string; method: string; route: string; path: string;
  eventId: string | null; summary: string; status: number; code: string | null;
}

export interface AccessPanelDeps {
  api<T>(method: string, path: string, body?: unknown): Promise<T>;
  showErrors(err: unknown, form: HTMLElement, list: HTMLElement): void;
  clearErrors(form: HTMLElement, list: HTMLElement): void;
  timeOf(form: HTMLFormElement, name: string): number | string | undefined;
}

const PAGE = 25;
/** What each audited route does, in words (the route itself is in the cell's title). */
const ACTIONS: Record<string, string> = {
  'POST /api/events': 'create event',
  'PATCH /api/events/:id': 'change settings',
  'POST /api/events/:id/publish': 'publish',
  'POST /api/events/:id/pause': 'pause',
  'POST /api/events/:id/resume': 'resume',
  'POST /api/events/:id/close': 'close sale',
  'POST /api/events/:id/draws/:draw/beacon': 'supply beacon',
  'GET /api/events/:id/journal': 'export journal',
  'POST /api/events/:id/codes/generate': 'generate codes',
  'POST /api/events/:id/codes': 'upload codes',
  'GET /api/events/:id/codes/export': 'export codes',
  'PUT /api/events/:id/registration': 'set registration',
  'POST /api/events/:id/registration/close': 'close registration',
  'POST /api/events/:id/registration/invite-next': 'invite from waitlist',
  'POST /api/events/:id/payments/confirm': 'confirm payment',
  'POST /api/events/:id/payments/fail': 'fail payment',
  'POST /api/keys': 'create key',
  'DELETE /api/keys/:keyId': 'revoke key',
};

function cell(text: string, title?: string, className?: string): HTMLTableCellElement {
  const td = document.createElement('td');
  td.textContent = text;
  if (title !== undefined) td.title = title;
  if (className !== undefined) td.className = className;
  return td;
}

/** A cell coloured as good or bad news. */
function verdict(text: string, good: boolean, title?: string): HTMLTableCellElement {
  const td = cell(text, title);
  td.style.color = good ? 'var(--ok)' : 'var(--bad)';
  td.dataset.outcome = good ? 'ok' : 'bad';
  return td;
}

const eventsText = (events: string[] | null) => (events === null ? 'every event' : events.join(', '));
const when = (at: number) => new Date(at).toLocaleString();

export function setupAccessPanel(deps: AccessPanelDeps) {
  const createForm = $<HTMLFormElement>('#key-create');
  const auditForm = $<HTMLFormElement>('#audit-filter');
  let caller: Caller | null = null;
  /** The `before` cursor of each page shown so far: the last is the page on screen. */
  let cursors: Array<string | null> = [null];
  let next: string | null = null;

  function deny(text: string | null): void {
    $('#access-denied').hidden = text === null;
    $('#access-denied').textContent = text ?? '';
  }

  async function refresh(): Promise<void> {
    try {
      caller = await deps.api<Caller>('GET', '/api/keys/current');
    } catch {
      caller = null;
    }
    $('#access-whoami').textContent = caller === null ? '' : `This page uses "${caller.name}": ${caller.role}, ${eventsText(caller.events)}`;
    const admin = caller?.role === 'admin';
    const everyEvent = caller?.events === null;
    $('#access-keys').hidden = !(admin && everyEvent);
    $('#access-audit').hidden = !admin;
    deny(caller === null ? null : !admin ? `Keys and the audit log need an admin key; this key is ${caller.role}.`
      : !everyEvent ? 'Keys are managed with an admin key for every event; this key sees the audit log of its events only.' : null);
    if (admin && everyEvent) await loadKeys();
    if (admin) await loadAudit(true);
  }

  async function loadKeys(): Promise<void> {
    const { keys } = await deps.api<{ keys: KeyView[] }>('GET', '/api/keys');
    const body = $('#keys-body');
    body.replaceChildren(...keys.map((key) => {
      const row = document.createElement('tr');
      row.dataset.key = key.id;
      const status = key.revokedAt === null ? verdict('active', true) : cell(`revoked ${when(key.revokedAt)}`, `by ${key.revokedBy}`, 'muted');
      const actions = document.createElement('td');
      if (key.revokedAt === null) {
        const button = document.createElement('button');
        button.type = 'button';
        button.className = 'danger';
        button.textContent = 'Revoke';
        button.setAttribute('aria-label', `Revoke ${key.name}`);
        button.onclick = () => void revoke(key);
        actions.append(button);
      }
      row.append(cell(key.id, undefined, 'mono'), cell(key.name), cell(key.role), cell(eventsText(key.events)), cell(when(key.createdAt), `by ${key.createdBy}`), status, actions);
      return row;
    }));
    if (keys.length === 0) body.innerHTML = '<tr><td colspan="7" class="muted">No keys yet besides the bootstrap key: create one per person or system.</td></tr>';
    const select = auditForm.elements.namedItem('keyId') as HTMLSelectElement;
    const chosen = select.value;
    select.replaceChildren(new Option('any', ''), new Option('bootstrap key', 'bootstrap'), ...keys.map((key) => new Option(`${key.name} (${key.id})`, key.id)));
    select.value = chosen;
  }

  async function revoke(key: KeyView): Promise<void> {
    if (!confirm(`Revoke "${key.name}"? Every gateway refuses it within a second, and it cannot be undone.`)) return;
    try {
      await deps.api('DELETE', `/api/keys/${encodeURIComponent(key.id)}`);
    } catch (err) {
      deps.showErrors(err, createForm, $('#key-create-errors'));
    }
    await loadKeys();
    await loadAudit(true);
  }

  function auditQuery(): string {
    const params = new URLSearchParams({ limit: String(PAGE) });
    const eventId = (auditForm.elements.namedItem('eventId') as HTMLInputElement).value.trim();
    const keyId = (auditForm.elements.namedItem('keyId') as HTMLSelectElement).value;
    if (eventId !== '') params.set('eventId', eventId);
    if (keyId !== '') params.set('keyId', keyId);
    for (const name of ['from', 'to'] as const) {
      const at = deps.timeOf(auditForm, name);
      if (at !== undefined) params.set(name, String(at));
    }
    const before = cursors[cursors.length - 1];
    if (before !== null && before !== undefined) params.set('before', before);
    return params.toString();
  }

  async function loadAudit(fromNewest: boolean): Promise<void> {
    if (fromNewest) cursors = [null];
    let page: { entries: AuditEntry[]; next: string | null };
    try {
      page = await deps.api('GET', `/api/audit?${auditQuery()}`);
      deps.clearErrors(auditForm, $('#audit-errors'));
    } catch (err) {
      deps.showErrors(err, auditForm, $('#audit-errors'));
      return;
    }
    next = page.next;
    const body = $('#audit-body');
    body.replaceChildren(...page.entries.map((entry) => {
      const row = document.createElement('tr');
      row.dataset.entry = entry.id;
      const ok = entry.status < 400;
      row.append(
        cell(when(entry.at)), cell(entry.keyName, `${entry.keyId} (${entry.role})`), cell(ACTIONS[entry.route] ?? entry.route, `${entry.method} ${entry.path}`),
        cell(entry.eventId ?? '—'), verdict(ok ? 'done' : entry.code ?? String(entry.status), ok, `HTTP ${entry.status}`), cell(entry.ip, undefined, 'mono'),
        cell(entry.summary, undefined, 'small mono'),
      );
      return row;
    }));
    if (page.entries.length === 0) body.innerHTML = '<tr><td colspan="7" class="muted">Nothing recorded for this filter.</td></tr>';
    $('#audit-range').textContent = `page ${cursors.length}`;
    $<HTMLButtonElement>('#audit-older').disabled = next === null;
  }

  createForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const name = (createForm.elements.namedItem('name') as HTMLInputElement).value.trim();
    const role = (createForm.elements.namedItem('role') as HTMLSelectElement).value;
    const listed = (createForm.elements.namedItem('events') as HTMLInputElement).value.split(',').map((id) => id.trim()).filter((id) => id !== '');
    void (async () => {
      try {
        const created = await deps.api<{ key: KeyView; secret: string }>('POST', '/api/keys', { name, role, events: listed.length === 0 ? null : listed });
        deps.clearErrors(createForm, $('#key-create-errors'));
        createForm.reset();
        $('#key-created').hidden = false;
        $('#key-created-note').textContent = `Key "${created.key.name}" (${created.key.role}, ${eventsText(created.key.events)}) — copy its secret now, it is not shown again:`;
        const secret = $<HTMLInputElement>('#key-created-secret');
        secret.value = created.secret;
        secret.select();
        await loadKeys();
        await loadAudit(true);
      } catch (err) {
        deps.showErrors(err, createForm, $('#key-create-errors'));
      }
    })();
  });

  auditForm.addEventListener('submit', (e) => {
    e.preventDefault();
    void loadAudit(true);
  });
  $('#audit-newest').addEventListener('click', () => void loadAudit(true));
  $('#audit-older').addEventListener('click', () => {
    if (next === null) return;
    cursors.push(next);
    void loadAudit(false);
  });

  return { refresh };
}
