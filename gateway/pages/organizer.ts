/**
 * The organizer page: lists the events (refreshed every 2 s), creates one from
 * a form or a JSON editor (INVALID_CONFIG issues shown beside their fields),
 * publishes / pauses (before the on-sale too) / resumes / closes, and retunes
 * a live event (admission rate, limits, proof of work). Tiers, the seat map
 * and category prices come from lib/event-editor.ts; times, tickets and
 * prices of a live event (locked fields say why) from lib/event-schedule.ts;
 * the message to the queue and the event's look from lib/fan-page-panel.ts;
 * orders and revenue from lib/orders-panel.ts; presale phases and access
 * codes from lib/presales.ts, registration draws from
 * lib/registration-panel.ts, API keys and the audit log from
 * lib/access-panel.ts. Talks to the organizer API with the key from
 * `#key=` or the key field.
 */
import { setupAccessPanel } from './lib/access-panel.js';
import { $, initialApiKey, rememberApiKey } from './lib/dom.js';
import { fillIdentity, identityPatch, type IdentityView } from './lib/identity-fields.js';
import { setupPresales, type SalePhase } from './lib/presales.js';
import { setupRegistration, type RegistrationEvent } from './lib/registration-panel.js';
import { figureItems } from './lib/figures.js';
import { FIGURE_HINTS } from './lib/figure-hints.js';
import { setupEventEditor } from './lib/event-editor.js';
import { setupSchedule, type ScheduleEvent } from './lib/event-schedule.js';
import { setupFanPagePanel, type FanPageEvent } from './lib/fan-page-panel.js';
import { setupOrders } from './lib/orders-panel.js';

interface Issue { field: string; reason: string }
interface ApiError { code: string; message: string; details?: { issues?: Issue[]; field?: string; reason?: string } }
interface EventDetails {
  config: ScheduleEvent['config'] & {
    id: string; name: string; preQueueOpensAt: number; onSaleAt: number; closesAt: number; maxTicketsPerFan: number;
    paymentWindowMs: number; holdExtensionMs: number; phases?: SalePhase[]; registration?: RegistrationEvent['config']['registration'];
    admission: { mode: string; fansPerMinute?: number; maxActiveShoppers?: number };
  };
  status: {
    phase: string; commitment?: string; seed?: string; nowServing: number; lastNumber: number; waiting: number; joined: number; admitted: number;
    openGrants: number; activeShoppers: number; tickets: { free: number; held: number; sold: number };
    holds: { active: number; paymentPending: number; expired: number; released: number; cancelled?: number };
    waitlist?: { state: string; standbySize: number; standby: number; waitlisted: number; called: number; lapsedCalls: number };
    pausedBeforeSale?: boolean;
  } & RegistrationEvent['status'] & FanPageEvent['status'];
  settings: { powDifficulty: number; currency: string; identity: IdentityView | null } & ScheduleEvent['settings'] & FanPageEvent['settings'];
  queue: { rateLow: number; rateHigh: number; ticketsPerFan: number };
  locks: ScheduleEvent['locks'];
}

let apiKey = initialApiKey();
let events: EventDetails[] = [];
let selected: string | null = null;
let settingsDirty = false;

class ApiFailure extends Error {
  constructor(readonly status: number, readonly error: ApiError) {
    super(error.message);
  }
}

async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(path, {
    method,
    headers: { authorization: `Bearer ${apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const data = text.length > 0 ? (JSON.parse(text) as unknown) : null;
  if (!response.ok) throw new ApiFailure(response.status, (data ?? { code: `HTTP_${response.status}`, message: response.statusText }) as ApiError);
  return data as T;
}

function message(text: string | null, kind: 'ok' | 'bad' | 'info' = 'info'): void {
  const element = $('#message');
  element.hidden = text === null;
  element.className = `banner ${kind}`;
  element.textContent = text ?? '';
}

const PHASE_NAMES: Record<string, string> = {
  draft: 'draft', scheduled: 'scheduled', preQueue: 'waiting room', onSale: 'on sale', paused: 'paused', soldOut: 'sold out', closed: 'closed',
};
/** Before the on-sale time a pause holds the sale's start (it starts paused); resume lifts it. */
const ACTIONS: Record<string, string[]> = {
  draft: ['publish'], scheduled: ['pause', 'close'], preQueue: ['pause', 'close'], onSale: ['pause', 'close'], paused: ['resume', 'close'], soldOut: ['close'], closed: [],
};

function actionsOf(status: EventDetails['status']): string[] {
  const actions = ACTIONS[status.phase] ?? [];
  return status.pausedBeforeSale === true ? actions.map((action) => (action === 'pause' ? 'resume' : action)) : actions;
}

function cell(text: string, className?: string): HTMLTableCellElement {
  const td = document.createElement('td');
  td.textContent = text;
  if (className !== undefined) td.className = className;
  return td;
}

function admissionText(admission: EventDetails['config']['admission']): string {
  const parts = [admission.mode];
  if (admission.fansPerMinute !== undefined) parts.push(`${admission.fansPerMinute}/min`);
  if (admission.maxActiveShoppers !== undefined) parts.push(`≤ ${admission.maxActiveShoppers} shopping`);
  return parts.join(' · ');
}

function renderEvents(): void {
  const body = $('#events');
  if (events.length === 0) {
    body.innerHTML = '<tr><td colspan="7" class="muted">No events yet — create one below.</td></tr>';
    return;
  }
  body.replaceChildren(...events.map((event) => {
    const { config, status } = event;
    const row = document.createElement('tr');
    row.dataset.event = config.id;
    const name = document.createElement('td');
    const link = document.createElement('a');
    link.href = '#';
    link.textContent = config.name;
    link.onclick = (e) => {
      e.preventDefault();
      select(config.id);
    };
    const id = document.createElement('div');
    id.className = 'muted small mono';
    id.textContent = config.id;
    name.append(link, id);
    const phase = document.createElement('td');
    const pill = document.createElement('span');
    pill.className = `pill ${status.phase}`;
    pill.dataset.phase = status.phase;
    pill.textContent = PHASE_NAMES[status.phase] ?? status.phase;
    phase.append(pill);
    if (status.pausedBeforeSale === true) phase.append(Object.assign(document.createElement('div'), { className: 'small muted', textContent: 'paused: will start paused' }));
    const actions = document.createElement('td');
    const buttons = document.createElement('div');
    buttons.className = 'row';
    for (const action of actionsOf(status)) {
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = action[0]!.toUpperCase() + action.slice(1);
      button.className = action === 'close' ? 'danger' : '';
      button.setAttribute('aria-label', `${action} ${config.name}`);
      button.onclick = () => void lifecycle(config.id, action, config.name);
      buttons.append(button);
    }
    const fan = document.createElement('a');
    fan.href = `/?event=${encodeURIComponent(config.id)}`;
    fan.target = '_blank';
    fan.rel = 'noopener';
    fan.className = 'small';
    fan.textContent = 'Fan page';
    buttons.append(fan);
    actions.append(buttons);
    row.append(
      name, phase, cell(status.waiting.toLocaleString(), 'figure'), cell(`${status.nowServing} / ${status.lastNumber}`, 'figure'),
      cell(`${status.tickets.free} / ${status.tickets.held} / ${status.tickets.sold}`, 'figure'), cell(admissionText(config.admission)), actions,
    );
    if (config.id === selected) row.style.background = '#f1f6fc';
    return row;
  }));
}

async function lifecycle(eventId: string, action: string, name: string): Promise<void> {
  if (action === 'close' && !confirm(`Close the sale of "${name}" for good?`)) return;
  try {
    await api('POST', `/api/events/${encodeURIComponent(eventId)}/${action}`);
    message(`${name}: ${action} done.`, 'ok');
  } catch (err) {
    message(describe(err), 'bad');
  }
  await refresh();
}

function describe(err: unknown): string {
  if (err instanceof ApiFailure) {
    if (err.error.code === 'UNAUTHORIZED') return 'The API key is missing, wrong or revoked. Enter it above (npm start prints the bootstrap key).';
    return `${err.error.message} (${err.error.code})`;
  }
  return (err as Error).message;
}

// ── The selected event ────────────────────────────────────────────────────
function select(eventId: string): void {
  selected = eventId;
  settingsDirty = false;
  clearErrors($('#settings-form'), $('#settings-errors'));
  renderEvents();
  renderDetail();
  $('#detail').scrollIntoView({ behavior: 'smooth', block: 'nearest' });
}

const WAITLIST_STATES: Record<string, string> = { early: 'early: tickets left cannot reach the rest', open: 'open: all taken', ended: 'ended' };

/** Standby and waitlist figures, once the first place was waitlisted. */
function waitlistFigures(waitlist: EventDetails['status']['waitlist']): Array<[string, string]> {
  if (waitlist === undefined || waitlist.state === 'none') return [];
  return [
    ['Waitlist', WAITLIST_STATES[waitlist.state]!], ['Standby', `${waitlist.standby} of ${waitlist.standbySize}`],
    ['Waitlisted', waitlist.waitlisted.toLocaleString()], ['Called', String(waitlist.called)], ['Calls lapsed', String(waitlist.lapsedCalls)],
  ];
}

function renderDetail(): void {
  const event = events.find((e) => e.config.id === selected);
  $('#detail').hidden = event === undefined;
  if (event === undefined) return;
  const { config, status, settings, queue } = event;
  $('#detail-title').textContent = `${config.name} (${config.id})`;
  $('#detail-phase').textContent = PHASE_NAMES[status.phase] ?? status.phase;
  $('#detail-phase').className = `pill ${status.phase}`;
  const figures: Array<[string, string]> = [
    ['Waiting', status.waiting.toLocaleString()], ['Joined', status.joined.toLocaleString()], ['Now serving', String(status.nowServing)],
    ['Admitted', String(status.admitted)], ['Open grants', String(status.openGrants)], ['Shopping now', String(status.activeShoppers)],
    ['Admission rate', `${queue.rateLow.toFixed(1)}–${queue.rateHigh.toFixed(1)}/s`], ['Tickets free', String(status.tickets.free)],
    ['Tickets held', String(status.tickets.held)], ['Tickets sold', String(status.tickets.sold)], ['Holds active', String(status.holds.active)],
    ['Paying', String(status.holds.paymentPending)], ['Holds expired', String(status.holds.expired)],
    ['Orders cancelled', String(status.holds.cancelled ?? 0)],
    ['Tickets per admitted fan', queue.ticketsPerFan.toFixed(2)],
    ...waitlistFigures(status.waitlist),
    ['On sale', new Date(config.onSaleAt).toLocaleString()],
    ...(status.pausedBeforeSale === true ? [['Paused before the sale', 'yes'] as [string, string]] : []),
  ];
  $('#detail-figures').replaceChildren(...figureItems(figures.map(([label, value]) => [label, value, FIGURE_HINTS[label]] as const)));
  $('#detail-commitment').textContent = status.commitment ?? '(not yet)';
  presales.show(event);
  registration.show(event);
  schedule.show(event);
  fanPage.show(event);
  orders.show(event);
  if (!settingsDirty) {
    const form = $<HTMLFormElement>('#settings-form');
    const set = (name: string, value: string) => ((form.elements.namedItem(name) as HTMLInputElement).value = value);
    set('admission.mode', config.admission.mode);
    set('admission.fansPerMinute', config.admission.fansPerMinute?.toString() ?? '');
    set('admission.maxActiveShoppers', config.admission.maxActiveShoppers?.toString() ?? '');
    set('maxTicketsPerFan', String(config.maxTicketsPerFan));
    set('paymentWindowMs', String(config.paymentWindowMs / 1000));
    set('holdExtensionMs', String(config.holdExtensionMs / 1000));
    set('settings.powDifficulty', String(settings.powDifficulty));
    fillIdentity(form, settings.identity);
  }
}

// ── Forms ─────────────────────────────────────────────────────────────────
function value(form: HTMLFormElement, name: string): string {
  return (form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement).value.trim();
}

/** A number field: empty → undefined; not a number → the text, so the server names the field. */
function numberOf(form: HTMLFormElement, name: string): number | string | undefined {
  const input = form.elements.namedItem(name) as HTMLInputElement;
  const text = input.value.trim();
  if (text === '') return undefined;
  const n = Number(text);
  if (!Number.isFinite(n)) return text;
  const scale = Number(input.dataset.scale ?? 1);
  return Math.round(n * scale);
}

function timeOf(form: HTMLFormElement, name: string): number | string | undefined {
  const text = value(form, name);
  if (text === '') return undefined;
  const at = new Date(text).getTime();
  return Number.isNaN(at) ? text : at;
}

function localInput(at: number): string {
  const d = new Date(at);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

function admissionOf(form: HTMLFormElement): Record<string, unknown> {
  const admission: Record<string, unknown> = { mode: value(form, 'admission.mode') };
  const fansPerMinute = numberOf(form, 'admission.fansPerMinute');
  const maxActiveShoppers = numberOf(form, 'admission.maxActiveShoppers');
  if (fansPerMinute !== undefined && admission.mode !== 'concurrency' && admission.mode !== 'auto') admission.fansPerMinute = fansPerMinute;
  if (maxActiveShoppers !== undefined) admission.maxActiveShoppers = maxActiveShoppers;
  return admission;
}

function createRequest(form: HTMLFormElement): { config: Record<string, unknown>; publish: boolean; settings: Record<string, unknown> } {
  const config: Record<string, unknown> = {
    id: value(form, 'id'),
    name: value(form, 'name'),
    preQueueOpensAt: timeOf(form, 'preQueueOpensAt'),
    onSaleAt: timeOf(form, 'onSaleAt'),
    closesAt: timeOf(form, 'closesAt'),
    inventory: editor.inventory(),
    maxTicketsPerFan: numberOf(form, 'maxTicketsPerFan'),
    paymentWindowMs: numberOf(form, 'paymentWindowMs'),
    admission: admissionOf(form),
    phases: presales.phasesOf(form),
  };
  const prices = editor.categoryPrices();
  const settings: Record<string, unknown> = {
    currency: value(form, 'settings.currency') || undefined, powDifficulty: numberOf(form, 'settings.powDifficulty'),
    categoryPrices: Object.keys(prices).length === 0 ? undefined : prices,
  };
  const drop = (object: Record<string, unknown>) => {
    for (const key of Object.keys(object)) if (object[key] === undefined) delete object[key];
  };
  drop(config);
  drop(settings);
  return { config, publish: (form.elements.namedItem('publish') as HTMLInputElement).checked, settings };
}

function clearErrors(form: HTMLElement, list: HTMLElement): void {
  for (const element of form.querySelectorAll('[aria-invalid]')) element.removeAttribute('aria-invalid');
  for (const element of form.querySelectorAll('.field-error[data-for]')) element.remove();
  list.replaceChildren();
}

/** Puts each issue under its field when the form has it, in the list otherwise. */
function showErrors(err: unknown, form: HTMLElement, list: HTMLElement): void {
  clearErrors(form, list);
  const issues: Issue[] = err instanceof ApiFailure
    ? err.error.details?.issues ?? (err.error.details?.field !== undefined ? [{ field: err.error.details.field, reason: err.error.details.reason ?? err.error.message }] : [])
    : [];
  if (issues.length === 0) {
    const li = document.createElement('li');
    li.textContent = describe(err);
    list.append(li);
    return;
  }
  let first: HTMLElement | null = null;
  for (const issue of issues) {
    const input = form.querySelector<HTMLInputElement>(`[data-field="${CSS.escape(issue.field)}"]`);
    if (input === null) {
      const li = document.createElement('li');
      li.textContent = `${issue.field}: ${issue.reason}`;
      list.append(li);
      continue;
    }
    input.setAttribute('aria-invalid', 'true');
    const note = document.createElement('div');
    note.className = 'field-error';
    note.dataset.for = issue.field;
    note.id = `error-${form.id}-${issue.field.replace(/[^A-Za-z0-9_-]/g, '_')}`;
    note.textContent = issue.reason;
    input.setAttribute('aria-describedby', note.id);
    input.closest('label')!.append(note);
    first ??= input;
  }
  first?.focus();
}

async function create(body: unknown, form: HTMLElement, list: HTMLElement, result: HTMLElement): Promise<void> {
  result.textContent = 'Creating…';
  try {
    const details = await api<EventDetails>('POST', '/api/events', body);
    clearErrors(form, list);
    result.textContent = `Created "${details.config.name}" (${details.config.id}), ${PHASE_NAMES[details.status.phase] ?? details.status.phase}.`;
    message(`Event ${details.config.id} created.`, 'ok');
    await refresh();
    select(details.config.id);
  } catch (err) {
    result.textContent = 'Not created — see the errors.';
    showErrors(err, form, list);
  }
}

function resetCreateForm(): void {
  const form = $<HTMLFormElement>('#create-form');
  const now = Date.now();
  const set = (name: string, text: string) => ((form.elements.namedItem(name) as HTMLInputElement).value = text);
  set('preQueueOpensAt', localInput(now));
  set('onSaleAt', localInput(now + 5 * 60_000));
  set('closesAt', localInput(now + 6 * 3600_000));
}

// ── Refresh ───────────────────────────────────────────────────────────────
async function refresh(): Promise<void> {
  if (apiKey === '') {
    $('#events').innerHTML = '<tr><td colspan="7" class="muted">Enter the API key above.</td></tr>';
    return;
  }
  try {
    events = (await api<{ events: EventDetails[] }>('GET', '/api/events')).events;
    $('#events-updated').textContent = `updated ${new Date().toLocaleTimeString()}`;
    renderEvents();
    renderDetail();
  } catch (err) {
    message(describe(err), 'bad');
  }
}

// ── Wiring ────────────────────────────────────────────────────────────────
$<HTMLInputElement>('#api-key').value = apiKey;
const updateDashboardLink = () => ($<HTMLAnchorElement>('#dashboard-link').href = `/dashboard#key=${encodeURIComponent(apiKey)}`);
updateDashboardLink();
$('#key-form').addEventListener('submit', (e) => {
  e.preventDefault();
  apiKey = $<HTMLInputElement>('#api-key').value.trim();
  rememberApiKey(apiKey);
  updateDashboardLink();
  message(null);
  void refresh();
  void access.refresh();
});

$('#create-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const form = e.currentTarget as HTMLFormElement;
  void create(createRequest(form), form, $('#create-errors'), $('#create-result'));
});

$('#json-from-form').addEventListener('click', () => {
  $<HTMLTextAreaElement>('#json').value = JSON.stringify(createRequest($<HTMLFormElement>('#create-form')), null, 2);
});
$('#json-create').addEventListener('click', () => {
  const list = $('#json-errors');
  let body: unknown;
  try {
    body = JSON.parse($<HTMLTextAreaElement>('#json').value);
  } catch (err) {
    clearErrors($('#json'), list);
    const li = document.createElement('li');
    li.textContent = `Not valid JSON: ${(err as Error).message}`;
    list.append(li);
    return;
  }
  // The JSON editor has no per-field inputs: every issue is listed with its field path.
  void create(body, $('#json').parentElement!, list, $('#create-result'));
});

const settingsForm = $<HTMLFormElement>('#settings-form');
settingsForm.addEventListener('input', () => (settingsDirty = true));
settingsForm.addEventListener('submit', (e) => {
  e.preventDefault();
  if (selected === null) return;
  const config: Record<string, unknown> = {
    admission: admissionOf(settingsForm),
    maxTicketsPerFan: numberOf(settingsForm, 'maxTicketsPerFan'),
    paymentWindowMs: numberOf(settingsForm, 'paymentWindowMs'),
    holdExtensionMs: numberOf(settingsForm, 'holdExtensionMs'),
  };
  for (const key of Object.keys(config)) if (config[key] === undefined) delete config[key];
  const powDifficulty = numberOf(settingsForm, 'settings.powDifficulty');
  const identity = identityPatch(settingsForm, events.find((e) => e.config.id === selected)?.settings.identity ?? null);
  const settings = { ...(powDifficulty === undefined ? {} : { powDifficulty }), ...(identity === undefined ? {} : { identity }) };
  const body = { config, settings };
  const eventId = selected;
  void (async () => {
    try {
      await api('PATCH', `/api/events/${encodeURIComponent(eventId)}`, body);
      clearErrors(settingsForm, $('#settings-errors'));
      settingsDirty = false;
      $('#settings-result').textContent = `Applied at ${new Date().toLocaleTimeString()}.`;
      await refresh();
    } catch (err) {
      $('#settings-result').textContent = 'Not applied.';
      showErrors(err, settingsForm, $('#settings-errors'));
    }
  })();
});

const presales = setupPresales({ api, showErrors, clearErrors, timeOf, localInput, apiKey: () => apiKey });
const registration = setupRegistration({ api, showErrors, clearErrors, timeOf, localInput, apiKey: () => apiKey });
const access = setupAccessPanel({ api, showErrors, clearErrors, timeOf });
const editor = setupEventEditor($<HTMLFormElement>('#create-form'), () => value($<HTMLFormElement>('#create-form'), 'settings.currency') || 'EUR');
const schedule = setupSchedule({ api, showErrors, clearErrors, timeOf, localInput, refresh });
const fanPage = setupFanPagePanel({ api, showErrors, clearErrors, describe, apiKey: () => apiKey, refresh });
const orders = setupOrders({ api, describe, apiKey: () => apiKey });

resetCreateForm();
void refresh();
if (apiKey !== '') void access.refresh();
setInterval(() => void refresh(), 2000);
