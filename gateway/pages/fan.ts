/**
 * The fan page: the waiting room, the queue, seat choice, the payment window
 * and the demo checkout, over one WebSocket speaking the shared protocol
 * module. It reconnects by itself with its queue token (jittered backoff) and
 * rebuilds its state from `joined`. In an event that verifies identities it
 * takes the identity token the organizer's site hands over in the fragment
 * (`#identity=<jwt>`, docs/identity.md). No framework: one state object and
 * one `render()` that shows the section matching it.
 */
import {
  accountFanId, CLOSE_CODES, decodeServerMessage, isAccountFanId, encodeMessage, estimateWait, positionOf, PROTOCOL_VERSION, sha256Hex, solvePow,
  ticketOutlook, type ClientMessage, type HoldMessage, type ServerMessage, type TicketOutlook, type TicketSupply, type WireHold,
} from '../src/protocol/index.js';
import { alertFan, alertPermission, askPermission, clearAlert, pageTitle, pushSubscription } from './lib/alerts.js';
import { $ } from './lib/dom.js';
import { applyBranding, showAnnouncement, showPausedBeforeSale, type EventLook } from './lib/event-look.js';
import { awayText, clock, dateTime, duration, etaText, money, numberedAtText, outlookText, timeOfDay } from './lib/format.js';
import { checkOwnDraw, type OwnDrawCheck } from './lib/own-draw.js';
import { renderOwnDraw } from './lib/own-draw-view.js';
import { showRegistration, type RegistrationInfo } from './lib/registration.js';
import { categoryColour, seatIndex, seatNames, type SeatPlace } from './lib/seats.js';

// ── Public event data (GET /api/public/events/:id) ────────────────────────
interface SeatInfo { id: string; label: string; category: string; rank: number; status: 'free' | 'held' | 'sold' }
interface PublicInfo {
  eventId: string; name: string; phase: string; preQueueOpensAt: number; onSaleAt: number; closesAt: number;
  commitment: string | null; seed: string | null; maxTicketsPerFan: number; paymentWindowMs: number; holdExtensionMs: number;
  /** How long a fan called or recalled has to come back. */
  callAnswerMs: number;
  /** The organizer's webhook hears of calls and recalls: it may e-mail or text its fans. */
  organizerNotifies: boolean;
  currency: string; powDifficulty: number;
  /** The deployment's VAPID public key for Web Push; null when it sends none. */
  pushKey: string | null;
  identity: { required: boolean; loginUrl: string | null } | null;
  /** The sale phases: the first one's draw is `preQueue`, a later one's `phase:<id>`. */
  phases: Array<{ id: string }>;
  registration: RegistrationInfo | null;
  tiers: Array<{ id: string; name: string; price: number; capacity: number; free: number }>;
  categories: Array<{ category: string; price: number; free: number }>;
  sections: Array<{ id: string; name: string; rows: Array<{ id: string; seats: SeatInfo[] }> }>;
  branding: EventLook['branding'];
  announcement: EventLook['announcement'];
  pausedBeforeSale: boolean;
}


// ── Identity ──────────────────────────────────────────────────────────────
const params = new URLSearchParams(location.search);
const eventId = params.get('event') ?? 'demo';
const IDENTITY_KEY = `breakwater.identity.${eventId}`;
const ACCOUNT_KEY = `breakwater.account.${eventId}`;

/** The organizer's site hands the identity token over in the fragment: kept for reconnects, out of the address bar at once. */
function takeIdentityFromFragment(): void {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const token = fragment.get('identity');
  if (token === null) return;
  sessionStorage.setItem(IDENTITY_KEY, token);
  fragment.delete('identity');
  const rest = fragment.toString();
  history.replaceState(history.state, '', `${location.pathname}${location.search}${rest === '' ? '' : `#${rest}`}`);
}

/** A JWT's claims, unverified: the page reads only `sub` (the fan id it proves work for) and `exp` (not to send a dead token). */
function claimsOf(token: string | null): { sub?: unknown; exp?: unknown } | null {
  try {
    const binary = atob(token!.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'));
    return JSON.parse(new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)))) as { sub?: unknown; exp?: unknown };
  } catch {
    return null;
  }
}

/** Set when the page dropped an expired token itself: a refusal then says "expired", not "sign in". */
let identityExpired = false;

/** The identity token to send, unless it has expired (then the queue token alone resumes a place). */
function identityToken(): string | null {
  const token = sessionStorage.getItem(IDENTITY_KEY);
  const exp = claimsOf(token)?.exp;
  if (token !== null && typeof exp === 'number' && exp * 1000 <= Date.now()) {
    sessionStorage.removeItem(IDENTITY_KEY);
    identityExpired = true;
    return null;
  }
  return token;
}

takeIdentityFromFragment();
const FAN_KEY = 'breakwater.fanId';
/** A signed-in fan's id is the account's (the server derives the same); otherwise a random id kept in this browser. */
const fanId = (() => {
  const sub = claimsOf(sessionStorage.getItem(IDENTITY_KEY))?.sub;
  if (typeof sub === 'string' && sub.length > 0) return accountFanId(sub);
  const account = localStorage.getItem(ACCOUNT_KEY);
  if (account !== null) return account;
  const stored = localStorage.getItem(FAN_KEY);
  if (stored !== null && stored.length > 0 && stored.length <= 128) return stored;
  const fresh = crypto.randomUUID();
  localStorage.setItem(FAN_KEY, fresh);
  return fresh;
})();
/**
 * Per event and fan. The queue token is in localStorage, shared by every tab
 * of this browser: a second tab resumes the place (and the first is told the
 * place moved), instead of being refused as another fan with the same id.
 */
const storageKey = (what: string) => `breakwater.${what}.${eventId}.${fanId}`;

/**
 * This browser's secret for the fan's place (128 random bits, kept beside the
 * token): a join that carries it takes the same place again even when the
 * `joined` with the token was lost, and nobody without it can.
 */
const joinKey = (() => {
  const stored = localStorage.getItem(storageKey('joinKey'));
  if (stored !== null && stored.length >= 22) return stored;
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  const fresh = btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  localStorage.setItem(storageKey('joinKey'), fresh);
  return fresh;
})();

// ── State ─────────────────────────────────────────────────────────────────
/** `degraded`: connected, but the sale's servers behind the gateway are unreachable for a moment. */
type Connection = 'connecting' | 'open' | 'reconnecting' | 'degraded' | 'proving' | 'stopped';
const state = {
  info: null as PublicInfo | null,
  connection: 'connecting' as Connection,
  /** Server wall clock minus ours, for countdowns. */
  offset: 0,
  /** Joined on the current connection. */
  joined: false,
  /** The page knows a place of this fan: shown (as stale) while the connection is being restored. */
  placeKept: false,
  /** Server time of the last frame: "as of" when the place is stale. */
  lastHeardAt: 0,
  /** Something answered the page's start (a place, a refusal, a prompt): the loading card goes. */
  settled: false,
  /** The place was resumed in another tab or device (close 4001): this tab shows only that. */
  elsewhere: false,
  /** When the unnumbered place gets its number (`joined.numberedAt`). */
  numberedAt: null as number | null,
  phase: null as string | null,
  onSaleAt: 0,
  number: 0,
  nowServing: 0,
  waiting: 0,
  rateLow: 0,
  rateHigh: 0,
  /** What is left to sell, from the last `queue` frame; until then the outlook `joined` gave. */
  supply: null as TicketSupply | null,
  joinedOutlook: null as TicketOutlook | null,
  firstPosition: Number(localStorage.getItem(storageKey('firstPosition')) ?? 0),
  commitment: null as string | null,
  seed: null as string | null,
  seedVerified: null as boolean | null,
  /** The place recomputed from the published draw, once numbered by one. */
  drawCheck: null as OwnDrawCheck | null,
  grant: null as { grantId: string; expiresAt: number } | null,
  hold: null as WireHold | null,
  payment: null as { paymentId: string; checkoutUrl: string | null; provider: string } | null,
  checkout: 'idle' as 'idle' | 'loading' | 'ready' | 'processing',
  /** The payment waits in the event's payment queue: its number there, and the queue's front as last heard. */
  payQueue: null as { holdId: string; number: number } | null,
  paymentsServing: 0,
  purchased: null as { holdId: string; paymentId: string } | null,
  /** The place ended (the turn passed, the hold released or ran out): what happened, and the one next step is joining again. */
  ended: null as { title: string; text: string } | null,
  /** The reason of the last failed payment of the current hold: its running out then says why. */
  paymentFailure: null as string | null,
  /** Why the fan must sign in first, and where (a verified event without a usable identity token). */
  signIn: null as { text: string; loginUrl: string | null } | null,
  /** Why the presale asks for an access code (the code form shows while set). */
  accessPrompt: null as string | null,
  accessCode: null as string | null,
  /** The away horizon: a waiting place numbered above it may be left (the page closed) and is kept; null: none. */
  awayAfter: null as number | null,
  /**
   * Standby and waitlist: places numbered above this are waitlisted (null: none); open while all is
   * taken, or early: tickets remain, but cannot reach those places.
   */
  waitlist: null as { after: number; upTo: number | null; open: boolean; early: boolean } | null,
  /** Web Push on this connection: not tried, being set up, kept by the server, or not possible in this browser. */
  push: 'none' as 'none' | 'pending' | 'on' | 'unavailable',
};

/** Waiting beyond the away horizon (and not waitlisted: that says it may close the page itself). */
function beyondHorizon(): boolean {
  return state.info !== null && state.awayAfter !== null && state.number > state.awayAfter && state.grant === null && waitlistNumber() === null
    && (state.phase === 'onSale' || state.phase === 'paused');
}

/** Why a waitlisted fan is called: on the early waitlist, tickets remained (fans ahead bought fewer); else they came back. */
function whyCalled(): string {
  return state.waitlist?.open === true && state.waitlist.early ? 'tickets remain for you' : 'tickets came back for you';
}

/** The place's number on the waitlist while it is on it, else null. */
function waitlistNumber(): number | null {
  const w = state.waitlist;
  if (w === null || state.grant !== null || state.number <= w.after || (w.upTo !== null && state.number > w.upTo)) return null;
  const k = state.number - Math.max(w.after, state.nowServing);
  return k > 0 ? k : null;
}

let ws: WebSocket | null = null;
/** Local time of the last frame on the current socket, and of the last ping sent: the heartbeat's watch. */
let lastFrameAt = 0;
let lastPingAt = 0;
let rid = 0;
let attempt = 0;
let reconnectTimer: ReturnType<typeof setTimeout> | undefined;
const payKeys = new Map<string, string>();

const serverNow = () => Date.now() + state.offset;

// ── Formatting ────────────────────────────────────────────────────────────
let seatPlaces: Map<string, SeatPlace> = new Map();

/** What a hold is for, as the event names it: seats by section, row and label, or tickets of a tier. */
function ticketsText(hold: WireHold): string {
  return hold.seatIds !== null && hold.seatIds.length > 0
    ? seatNames(hold.seatIds, seatPlaces)
    : `${hold.quantity} × ${state.info?.tiers.find((t) => t.id === hold.tierId)?.name ?? hold.tierId ?? 'ticket'}`;
}

function holdSummary(hold: WireHold): string {
  const seats = hold.seatIds !== null && hold.seatIds.length > 0 ? `${hold.quantity} seat${hold.quantity === 1 ? '' : 's'}: ` : '';
  return `${seats}${ticketsText(hold)} — ${money(hold.amount, hold.currency)}`;
}

// ── Notices ───────────────────────────────────────────────────────────────
function notify(text: string | null, kind: 'info' | 'bad' | 'ok' | 'warn' = 'info'): void {
  const element = $('#notice');
  element.hidden = text === null;
  element.className = `banner ${kind}`;
  element.textContent = text ?? '';
}

// ── Rendering ─────────────────────────────────────────────────────────────
const VIEWS = ['loading', 'elsewhere', 'ended', 'prequeue', 'queue', 'shop', 'hold', 'checkout', 'done'] as const;
type View = (typeof VIEWS)[number] | 'none';

/** The one card the fan sees: each state of the place has exactly one. */
function currentView(): View {
  if (state.elsewhere) return 'elsewhere';
  if (state.purchased !== null) return 'done';
  if (state.ended !== null) return 'ended';
  if (state.hold !== null && (state.hold.status === 'paymentPending' || state.hold.status === 'paymentQueued')) return 'checkout';
  if (state.hold !== null && state.hold.status === 'held') return 'hold';
  if (state.grant !== null) return 'shop';
  if (!state.placeKept) return state.settled || state.connection === 'stopped' ? 'none' : 'loading';
  // The server's phase decides, not this device's clock: a place in the start window is in line, not in the waiting room.
  if (state.number === 0 && (state.phase === 'preQueue' || state.phase === 'scheduled')) return 'prequeue';
  return 'queue';
}

const PHASE_NAMES: Record<string, string> = {
  draft: 'Draft', scheduled: 'Coming soon', preQueue: 'Waiting room open', onSale: 'On sale', paused: 'Paused', soldOut: 'Sold out', closed: 'Closed',
};

function render(): void {
  const view = currentView();
  for (const id of VIEWS) $(`#${id}`).hidden = id !== view;
  renderSignIn();

  const phase = $('#phase');
  phase.textContent = state.phase === null ? '' : (PHASE_NAMES[state.phase] ?? state.phase);
  phase.className = `pill ${state.phase ?? ''}`;

  const banner = $('#connection');
  // While the connection is being restored the place shown is the last one heard, greyed and dated.
  const stale = state.placeKept && (state.connection === 'reconnecting' || state.connection === 'degraded');
  $('main').classList.toggle('stale', stale);
  const asOf = stale && state.lastHeardAt > 0 ? ` What you see is as of ${timeOfDay(state.lastHeardAt)}.` : '';
  const bannerText: Record<Connection, string | null> = {
    connecting: view === 'loading' ? null : 'Connecting…',
    open: null,
    reconnecting: `Connection lost — reconnecting… your place is kept.${asOf}`,
    degraded: `The sale is reconnecting to its servers… your place, admission and seats are kept.${asOf}`,
    proving: 'Checking your browser (proof of work)… this takes a few seconds.',
    stopped: banner.textContent,
  };
  const text = bannerText[state.connection];
  banner.hidden = text === null || text === '';
  if (text !== null) banner.textContent = text;
  banner.className = `banner ${state.connection === 'stopped' ? 'bad' : 'warn'}`;
  if (view !== 'ended') $<HTMLButtonElement>('#rejoin').disabled = false;
  if (view === 'ended' && state.ended !== null) {
    $('#ended-title').textContent = state.ended.title;
    // A closed sale has no line to join again.
    $('#ended-text').textContent = state.phase === 'closed' ? `${state.ended.text} The sale has closed.` : state.ended.text;
    $('#ended-next').hidden = state.phase === 'closed';
  }
  if (view === 'prequeue') $('#prequeue-numbered').textContent = numberedText();

  // Fairness card: the commitment before the start, the seed after.
  $('#fairness').hidden = state.commitment === null;
  $('#commitment').textContent = state.commitment ?? '—';
  $('#seed-line').hidden = state.seed === null;
  $('#seed').textContent = state.seed ?? '';
  $('#seed-check').textContent = state.seedVerified === null ? '' : state.seedVerified ? '✓ matches the commitment' : '✗ does not match the commitment!';
  $('#seed-check').style.color = state.seedVerified === false ? 'var(--bad)' : 'var(--ok)';
  const kept = JSON.parse(localStorage.getItem(storageKey('receipt')) ?? '{}') as { receipt?: string };
  renderOwnDraw(state.drawCheck, eventId, fanId, kept.receipt ?? null);

  renderClocks();
  if (view === 'queue') renderQueue();
  // Each deadline also as a time of day with its zone, next to its countdown.
  if (view === 'shop' && state.grant !== null) $('#grant-deadline').textContent = `(until ${timeOfDay(state.grant.expiresAt)})`;
  if (view === 'hold' && state.hold !== null) {
    $('#hold-deadline').textContent = `(until ${timeOfDay(state.hold.expiresAt)})`;
    $('#hold-summary').textContent = holdSummary(state.hold);
    const extendable = (state.info?.holdExtensionMs ?? 0) > 0 && !state.hold.extended;
    $('#extend').hidden = !extendable;
    $('#extend').textContent = `Need more time? Extend by ${duration(Math.round((state.info?.holdExtensionMs ?? 0) / 1000))}`;
  }
  if (view === 'checkout') renderCheckout();
  if (view === 'done' && state.purchased !== null) renderConfirmation(state.purchased);
}

/** A confirmation to keep (and print): the event, what was bought, the amount and the order reference. */
function renderConfirmation(purchased: { holdId: string; paymentId: string }): void {
  const hold = state.hold;
  $('#done-event').textContent = state.info?.name ?? eventId;
  $('#done-tickets').textContent = hold === null ? '—' : ticketsText(hold);
  $('#done-amount').textContent = hold === null ? '—' : money(hold.amount, hold.currency);
  $('#done-reference').textContent = purchased.paymentId === '' ? purchased.holdId : purchased.paymentId;
  $('#done-hold').textContent = purchased.holdId;
}

const numberedText = () => numberedAtText(state.number, state.numberedAt, state.onSaleAt);

function renderSignIn(): void {
  $('#signin').hidden = state.signIn === null;
  $('#access').hidden = state.accessPrompt === null || state.joined;
  $('#access-text').textContent = state.accessPrompt ?? '';
  if (state.signIn === null) return;
  $('#signin-text').textContent = state.signIn.text;
  const link = $<HTMLAnchorElement>('#signin-link');
  // The event's details may arrive after the refusal (the join goes first on a slow link).
  const loginUrl = state.signIn.loginUrl ?? state.info?.identity?.loginUrl ?? null;
  // Only a web address becomes a link (the server checks it too).
  const url = loginUrl !== null && /^https?:\/\//i.test(loginUrl) ? loginUrl : null;
  link.hidden = url === null;
  if (url !== null) link.href = url;
}

function baseTitle(): string {
  return state.info === null ? 'Breakwater — waiting room' : `${state.info.name} — Breakwater waiting room`;
}

/** Notifications: a button to turn them on (the only place permission is asked), or what they will do. */
function renderAlerts(waitlisted: boolean, away: boolean): void {
  const permission = alertPermission();
  $('#alerts-enable').hidden = permission !== 'default';
  const open = 'Keep this page open: its title changes when it is your turn.';
  const text: Record<typeof permission, string> = {
    default: waitlisted
      ? 'Turn on notifications and this device tells you if tickets come back for you, even with this page closed.'
      : away
        ? 'Turn on notifications and this device tells you if tickets may reach your place, even with this page closed.'
        : 'Turn on notifications to be told when it is your turn, even while you are in another tab.',
    granted: state.push === 'on'
      ? 'Notifications are on: this device tells you when it is your turn, even with this page closed.'
      : `Notifications are on while this page is open. ${open}`,
    denied: `Notifications are blocked for this site. ${open}`,
    unsupported: `This browser cannot notify you. ${open}`,
  };
  $('#alerts-text').textContent = text[permission];
}

/** Hands this browser's push subscription to the server, once per connection, when the fan has allowed notifications. */
function offerPush(): void {
  const key = state.info?.pushKey;
  if (!state.joined || state.push !== 'none' || key === null || key === undefined || alertPermission() !== 'granted') return;
  state.push = 'pending';
  const socket = ws;
  void pushSubscription(key).then((keys) => {
    if (ws !== socket) {
      state.push = 'none'; // the connection changed meanwhile: the next join offers it again
      return;
    }
    if (keys === null) state.push = 'unavailable';
    else send({ t: 'pushSubscribe', rid: ++rid, ...keys });
    render();
  });
}

async function enableAlerts(): Promise<void> {
  await askPermission();
  offerPush();
  render();
}

function renderQueue(): void {
  const position = positionOf(state.number, state.nowServing);
  if (state.number > 0 && position > state.firstPosition) {
    state.firstPosition = position;
    localStorage.setItem(storageKey('firstPosition'), String(position));
  }
  $('#position').textContent = state.number > 0 ? position.toLocaleString() : '—';
  $('#number').textContent = state.number > 0 ? String(state.number) : 'not given yet';
  $('#now-serving').textContent = state.nowServing.toLocaleString();
  $('#waiting').textContent = state.waiting.toLocaleString();
  const progress = $<HTMLProgressElement>('#progress');
  progress.value = state.firstPosition > 0 ? Math.min(1, 1 - position / state.firstPosition) : 0;

  const eta = estimateWait(state.number, { nowServing: state.nowServing, rateLow: state.rateLow, rateHigh: state.rateHigh });
  const etaElement = $('#eta');
  const line = $('#queue-state');
  line.className = 'small';
  const waitlisted = waitlistNumber();
  if (state.phase === 'soldOut') {
    etaElement.innerHTML = '<strong>—</strong>';
    line.className = 'banner bad';
    line.textContent = 'Sold out: every ticket is sold and none can come back.';
  } else if (waitlisted !== null) {
    etaElement.innerHTML = '<strong>—</strong>';
    line.className = 'banner warn';
    line.dataset.waitlisted = String(waitlisted);
    const k = waitlisted.toLocaleString();
    line.textContent = !state.waitlist!.open
      ? `Tickets came back. You are number ${k} on the waitlist and will be called in turn. You may close this page — your place is kept.`
      : state.waitlist!.early
        ? `The tickets left cannot reach your place, even if every fan ahead of you buys only one. You are number ${k} on the waitlist: you will be called if tickets remain when the line reaches you. You may close this page — your place is kept.`
        : `All tickets are taken. You are number ${k} on the waitlist: you will be called if tickets come back. You may close this page — your place is kept.`;
  } else if (state.phase === 'paused') {
    etaElement.innerHTML = '<strong>—</strong>';
    line.className = 'banner warn';
    line.textContent = 'Paused by the organizer. You keep your place; the line moves again when sales resume.';
  } else if (state.phase === 'closed') {
    etaElement.innerHTML = '<strong>—</strong>';
    line.className = 'banner bad';
    line.textContent = 'The sale has closed.';
  } else if (state.number === 0) {
    etaElement.innerHTML = '<strong>—</strong>';
    line.textContent = numberedText();
  } else {
    const strong = document.createElement('strong');
    strong.textContent = eta === null ? 'not yet known' : etaText(eta.low, eta.high);
    etaElement.replaceChildren(strong);
    line.textContent = eta === null
      ? 'No estimate until the line has been moving for a moment — we would rather show none than a wrong one.'
      : 'Estimated from how fast the line moved recently; keep this page open.';
  }
  renderOutlook();
  const away = beyondHorizon();
  renderAway(away);
  renderAlerts(waitlisted !== null, away);
}

/** Far back: the fan may close the page, and is told how it will hear if its turn may come. */
function renderAway(away: boolean): void {
  const element = $('#away');
  element.hidden = !away;
  if (!away) return;
  const channels = { device: state.push === 'on', organizer: state.info!.organizerNotifies };
  element.textContent = awayText(state.number, state.awayAfter!, state.info!.callAnswerMs, channels);
}

const OUTLOOK_STYLE: Record<TicketOutlook, string> = { likely: 'ok', close: 'warn', unlikely: 'bad' };

/** Whether tickets should remain at the front: from the last `queue` frame, or the `joined` one before it. */
function renderOutlook(): void {
  const element = $('#outlook');
  const outlook = state.phase !== 'onSale' && state.phase !== 'paused' ? null
    : state.supply !== null ? ticketOutlook(state.number, state.nowServing, state.supply) : state.joinedOutlook;
  element.hidden = outlook === null;
  if (outlook === null) return;
  element.className = `banner ${OUTLOOK_STYLE[outlook]}`;
  element.dataset.outlook = outlook;
  element.textContent = outlookText(outlook, state.supply);
}

function renderClocks(): void {
  const now = serverNow();
  $('#countdown').textContent = state.onSaleAt > now ? clock(state.onSaleAt - now) : 'Starting…';
  if (state.grant !== null) $('#grant-countdown').textContent = clock(state.grant.expiresAt - now);
  if (state.hold !== null) $('#hold-countdown').textContent = clock(state.hold.expiresAt - now);
}

function renderInfo(): void {
  const info = state.info;
  if (info === null) return;
  document.title = pageTitle(baseTitle());
  // A verified event has no fan id to choose: the place is the account's.
  $('#fan-id-field').hidden = info.identity !== null;
  $('#fan-id-note').hidden = info.identity !== null;
  $('#account-note').hidden = info.identity === null;
  $('#event-name').textContent = info.name;
  applyBranding(info);
  showPausedBeforeSale(info.pausedBeforeSale && (state.phase === 'scheduled' || state.phase === 'preQueue'));
  $('#event-times').textContent = `On sale ${dateTime(info.onSaleAt)} · sale closes ${dateTime(info.closesAt)}`;
  seatPlaces = seatIndex(info);
  const quantities = Array.from({ length: Math.max(1, Math.min(info.maxTicketsPerFan, 10)) }, (_, i) => i + 1);
  const fill = (select: HTMLSelectElement, options: Array<[string, string, boolean?]>) => {
    const previous = select.value;
    select.replaceChildren(...options.map(([value, label, disabled]) => {
      const option = new Option(label, value);
      option.disabled = disabled === true;
      return option;
    }));
    if (options.some(([value]) => value === previous)) select.value = previous;
  };
  fill($<HTMLSelectElement>('#best-category'), info.categories.map((c) => [c.category, `Category ${c.category} — ${money(c.price, info.currency)} (${c.free} left)`, c.free === 0]));
  fill($<HTMLSelectElement>('#ga-tier'), info.tiers.map((t) => [t.id, `${t.name} — ${money(t.price, info.currency)} (${t.free} left)`, t.free === 0]));
  for (const id of ['#best-quantity', '#ga-quantity']) fill($<HTMLSelectElement>(id), quantities.map((q) => [String(q), String(q)]));
  const tabs: Array<[string, boolean]> = [['best', info.categories.length > 0], ['ga', info.tiers.length > 0], ['map', info.sections.length > 0]];
  for (const [name, available] of tabs) $(`#tab-${name}`).hidden = !available;
  const selected = tabs.find(([name]) => $(`#tab-${name}`).getAttribute('aria-selected') === 'true');
  if (selected === undefined || !selected[1]) selectTab(tabs.find(([, available]) => available)?.[0] ?? 'best');
  renderSeatMap();
  renderLegend();
}

/** The map's legend: the event's own categories with their prices and colours, then selected and taken. */
function renderLegend(): void {
  const info = state.info;
  if (info === null) return;
  const codes = info.categories.map((c) => c.category);
  const entry = (text: string, swatch: string) => {
    const span = document.createElement('span');
    span.style.setProperty('--swatch', swatch);
    span.textContent = text;
    return span;
  };
  $('#legend').replaceChildren(
    ...info.categories.map((c) => entry(`Category ${c.category} — ${money(c.price, info.currency)}`, categoryColour(codes, c.category))),
    entry('Selected', 'var(--accent)'),
    entry('Taken', '#e4e6e9'),
  );
}

// ── Seat choice ───────────────────────────────────────────────────────────
const selectedSeats = new Set<string>();

function selectTab(name: string): void {
  for (const tab of ['best', 'ga', 'map']) {
    $(`#tab-${tab}`).setAttribute('aria-selected', String(tab === name));
    $(`#pane-${tab}`).hidden = tab !== name;
  }
}

function renderSeatMap(): void {
  const info = state.info;
  const map = $('#seatmap');
  if (info === null || info.sections.length === 0) {
    map.replaceChildren();
    return;
  }
  const stage = document.createElement('div');
  stage.className = 'stage';
  stage.textContent = 'Stage';
  const sections = document.createElement('div');
  sections.className = 'sections';
  for (const section of info.sections) {
    const box = document.createElement('div');
    box.setAttribute('role', 'group');
    box.setAttribute('aria-label', section.name);
    const title = document.createElement('h3');
    title.textContent = section.name;
    box.append(title);
    for (const row of section.rows) {
      const line = document.createElement('div');
      line.className = 'seatrow';
      const label = document.createElement('span');
      label.className = 'rowlabel';
      label.textContent = row.id;
      label.title = `Row ${row.id}`;
      line.append(label);
      for (const seat of row.seats) {
        const button = document.createElement('button');
        button.type = 'button';
        button.className = 'seat';
        button.style.setProperty('--seat', categoryColour(info.categories.map((c) => c.category), seat.category));
        button.dataset.seat = seat.id;
        button.textContent = seat.label;
        const price = info.categories.find((c) => c.category === seat.category)?.price ?? 0;
        button.setAttribute('aria-label', `${section.name}, row ${row.id}, seat ${seat.label}, category ${seat.category}, ${money(price, info.currency)}${seat.status === 'free' ? '' : ', taken'}`);
        button.disabled = seat.status !== 'free';
        if (button.disabled) selectedSeats.delete(seat.id);
        button.setAttribute('aria-pressed', String(selectedSeats.has(seat.id)));
        line.append(button);
      }
      box.append(line);
    }
    sections.append(box);
  }
  map.replaceChildren(stage, sections);
  renderSelection();
}

function renderSelection(): void {
  const info = state.info;
  const total = [...selectedSeats].reduce((sum, id) => {
    const category = info?.sections.flatMap((s) => s.rows.flatMap((r) => r.seats)).find((s) => s.id === id)?.category;
    return sum + (info?.categories.find((c) => c.category === category)?.price ?? 0);
  }, 0);
  $<HTMLButtonElement>('#hold-seats').disabled = selectedSeats.size === 0;
  $('#seat-selection').textContent = selectedSeats.size === 0
    ? `Choose up to ${info?.maxTicketsPerFan ?? 0} seats.`
    : `${selectedSeats.size} selected: ${seatNames([...selectedSeats], seatPlaces)} — ${money(total, info?.currency ?? 'EUR')}`;
}

// ── Socket ────────────────────────────────────────────────────────────────
function send(message: ClientMessage): boolean {
  if (ws === null || ws.readyState !== WebSocket.OPEN) {
    notify('Not connected right now — try again in a moment.', 'warn');
    return false;
  }
  ws.send(encodeMessage(message));
  return true;
}

function join(pow: { challenge: string; nonce: string } | null = null): void {
  send({
    t: 'join', rid: ++rid, eventId, fanId, token: localStorage.getItem(storageKey('token')), powChallenge: pow?.challenge ?? null, powNonce: pow?.nonce ?? null,
    identity: identityToken(), accessCode: state.accessCode, joinKey,
  });
}

/** The socket index.html opened before this script arrived, taken once, while it is connecting or open. */
function takeEarlySocket(): { socket: WebSocket; early: MessageEvent[] } | undefined {
  const handover = window as unknown as { breakwaterEarlySocket?: { socket: WebSocket; early: MessageEvent[] } };
  const early = handover.breakwaterEarlySocket;
  delete handover.breakwaterEarlySocket;
  return early !== undefined && early.socket.readyState <= WebSocket.OPEN ? early : undefined;
}

function connect(): void {
  clearTimeout(reconnectTimer);
  const early = takeEarlySocket();
  const socket = early?.socket ?? new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
  socket.binaryType = 'arraybuffer';
  ws = socket;
  lastFrameAt = Date.now();
  socket.onopen = () => {
    socket.send(encodeMessage({ t: 'hello', v: PROTOCOL_VERSION, client: 'breakwater-fan-page' }));
    join();
  };
  socket.onmessage = (frame) => {
    if (!(frame.data instanceof ArrayBuffer)) return;
    lastFrameAt = Date.now();
    let message: ServerMessage;
    try {
      message = decodeServerMessage(new Uint8Array(frame.data));
    } catch {
      return;
    }
    onMessage(message);
    render();
  };
  socket.onclose = (close) => onClosed(socket, close.code);
  // Frames the early socket got before this script ran, and its open if it already happened.
  for (const frame of early?.early ?? []) socket.onmessage(frame);
  if (socket.readyState === WebSocket.OPEN) socket.onopen(new Event('open'));
}

function onClosed(socket: WebSocket, code: number): void {
  if (ws !== socket) return;
  ws = null;
  state.joined = false;
  if (code === CLOSE_CODES.SESSION_REPLACED) {
    // Not reconnecting by itself: the two tabs would take the place from each other forever.
    state.elsewhere = true;
    state.connection = 'stopped';
    $('#connection').textContent = '';
  } else if (code === CLOSE_CODES.PROTOCOL_VERSION) {
    stop('This page is out of date. Please reload it.');
  } else {
    state.connection = 'reconnecting';
    // Jittered, growing backoff: after a gateway restart everyone reconnects at once.
    const base = Math.min(15_000, 1000 * 2 ** attempt) * (code === CLOSE_CODES.RATE_LIMITED ? 4 : 1);
    attempt++;
    reconnectTimer = setTimeout(connect, base + Math.random() * base);
  }
  render();
}

/**
 * The heartbeat's watch (with the countdowns, four times a second). The server sends a queue frame at
 * least every 5 s of its clock; a socket silent for 3 s is pinged, and one
 * whose ping goes 5 s without any frame back is given up (a cut network often
 * closes nothing), so a dead connection is noticed within 10 s and the page
 * reconnects with its token. Only an unanswered ping condemns an open socket:
 * a background tab whose timers the browser slowed is not mistaken for one.
 */
const PING_AFTER_MS = 3000;
const PONG_WITHIN_MS = 5000;
const CONNECT_WITHIN_MS = 8000;

function watchHeartbeat(): void {
  const socket = ws;
  if (socket === null || socket.readyState === WebSocket.CLOSED || Date.now() - lastFrameAt < PING_AFTER_MS) return;
  const pingUnanswered = lastPingAt > lastFrameAt;
  const dead = socket.readyState === WebSocket.CONNECTING
    ? Date.now() - lastFrameAt >= CONNECT_WITHIN_MS
    : pingUnanswered && Date.now() - lastPingAt >= PONG_WITHIN_MS;
  if (dead) {
    socket.onclose = null;
    socket.onmessage = null;
    socket.close();
    onClosed(socket, 1006); // as the browser reports a connection lost without a close frame
  } else if (!pingUnanswered && socket.readyState === WebSocket.OPEN) {
    lastPingAt = Date.now();
    socket.send(encodeMessage({ t: 'ping', rid: ++rid, clientTime: Date.now() }));
  }
}

/** Back in this tab: resume the place with the queue token (the other tab is told it moved). */
function takeBack(): void {
  state.elsewhere = false;
  state.connection = 'connecting';
  attempt = 0;
  render();
  connect();
}

function stop(reason: string): void {
  state.connection = 'stopped';
  $('#connection').textContent = reason;
}

/** Proof of work in slices, so the page stays responsive. */
async function prove(challenge: string, difficulty: number): Promise<void> {
  state.connection = 'proving';
  render();
  const slice = 20_000;
  const limit = 2 ** (difficulty + 6);
  for (let start = 0; start < limit; start += slice) {
    const nonce = solvePow(challenge, fanId, difficulty, { startAt: start, maxTries: slice });
    if (nonce !== null) {
      join({ challenge, nonce });
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  notify('Could not complete the browser check. Reload to try again.', 'bad');
}

async function verifySeed(): Promise<void> {
  if (state.seed === null || state.commitment === null || !/^[0-9a-f]*$/i.test(state.seed) || state.seed.length % 2 !== 0) return;
  const bytes = new Uint8Array(state.seed.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(state.seed.slice(i * 2, i * 2 + 2), 16);
  state.seedVerified = sha256Hex(bytes) === state.commitment.toLowerCase();
}

/**
 * The receipt of a place in a draw, with the commitment shown when it was
 * given (before the draw): only with it does this fan find its entry in the
 * published draw. A new place without one is in no draw.
 */
function keepReceipt(message: Extract<ServerMessage, { t: 'joined' }>): void {
  if (message.receipt !== null) {
    localStorage.setItem(storageKey('receipt'), JSON.stringify({ receipt: message.receipt, commitment: message.commitment }));
  } else if (!message.restored) {
    localStorage.removeItem(storageKey('receipt'));
  }
  if (!message.restored) state.drawCheck = null;
}

/** Once numbered by a draw: the place recomputed from the published draw, once per place (again if it could not be fetched). */
async function checkDraw(): Promise<void> {
  const kept = localStorage.getItem(storageKey('receipt'));
  if (kept === null || state.number === 0 || state.info === null) return;
  if (state.drawCheck !== null && state.drawCheck.kind !== 'unavailable') return;
  const { receipt, commitment } = JSON.parse(kept) as { receipt: string; commitment: string | null };
  state.drawCheck = { kind: 'checking' };
  render();
  const draws = ['preQueue', ...state.info.phases.slice(1).map((phase) => `phase:${phase.id}`)];
  state.drawCheck = await checkOwnDraw({ eventId, draws, receipt, fanId, queueNumber: state.number, commitmentSeen: commitment });
  render();
}

function adoptHolds(holds: WireHold[]): void {
  const active = holds.find((h) => h.status === 'purchased') ?? holds.find((h) => h.status === 'paymentPending' || h.status === 'paymentQueued') ?? holds.find((h) => h.status === 'held');
  if (active === undefined) return;
  state.hold = active;
  if (active.status === 'purchased') state.purchased = { holdId: active.holdId, paymentId: active.paymentId ?? '' };
  if (active.status === 'paymentPending' || active.status === 'paymentQueued') {
    // Same key, same payment: the reply carries the checkout URL again (or the place in the payment queue).
    const key = localStorage.getItem(storageKey(`pay.${active.holdId}`));
    if (key !== null) send({ t: 'pay', rid: ++rid, holdId: active.holdId, key });
  }
}

function onMessage(message: ServerMessage): void {
  if (message.t === 'service') {
    if (message.eventId === null || message.eventId === eventId) onService(message.available);
    return;
  }
  if ('eventId' in message && message.eventId !== eventId) return;
  state.lastHeardAt = serverNow();
  switch (message.t) {
    case 'welcome':
      state.offset = message.serverTime - Date.now();
      break;
    case 'joined': {
      localStorage.setItem(storageKey('token'), message.queueToken);
      keepReceipt(message);
      if (isAccountFanId(message.fanId)) localStorage.setItem(ACCOUNT_KEY, message.fanId);
      state.signIn = null;
      state.accessPrompt = null;
      const wasReconnecting = state.connection === 'reconnecting' || state.connection === 'degraded';
      state.connection = 'open';
      attempt = 0;
      state.joined = true;
      state.placeKept = true;
      state.settled = true;
      state.numberedAt = message.numberedAt;
      if (!message.restored) {
        state.firstPosition = 0;
        localStorage.removeItem(storageKey('firstPosition'));
        state.hold = null;
        state.purchased = null;
        state.payment = null;
      }
      state.number = message.number;
      state.phase = message.phase;
      state.nowServing = message.nowServing;
      state.joinedOutlook = message.outlook;
      state.commitment = message.commitment ?? state.commitment;
      state.seed = message.seed ?? state.seed;
      state.grant = message.grantId !== null && message.grantExpiresAt !== null ? { grantId: message.grantId, expiresAt: message.grantExpiresAt } : null;
      state.waitlist = message.waitlistAfter === null ? null : { after: message.waitlistAfter, upTo: null, open: true, early: message.waitlistEarly === true };
      state.awayAfter = message.awayAfter;
      showAnnouncement(message.announcement);
      if (message.called) notify(`You were called from the waitlist: ${whyCalled()}. Choose them before your time runs out.`, 'ok');
      adoptHolds(message.holds);
      // Admitted, with the turn used and nothing held or bought (a reload after a release): the place is over.
      const over = message.status === 'admitted' && state.grant === null && state.hold === null && state.purchased === null;
      state.ended = !over ? null : message.lapsedAt !== null
        ? { title: 'Your turn passed', text: `Your turn came while you were away, and the time to choose tickets ran out at ${timeOfDay(message.lapsedAt)}.` }
        : (state.ended ?? { title: 'Your turn is over', text: 'You hold no tickets from it.' });
      void verifySeed().then(render);
      void checkDraw();
      state.push = 'none';
      offerPush();
      if (wasReconnecting) notify(message.restored ? 'Reconnected — your place was kept.' : 'Reconnected, but your place had expired: you have a new place at the back.', message.restored ? 'ok' : 'warn');
      break;
    }
    case 'queue':
      if (state.connection === 'degraded') state.connection = 'open'; // the engine is evidently back
      state.phase = message.phase;
      state.nowServing = message.nowServing;
      state.waiting = message.waiting;
      state.rateLow = message.rateLow;
      state.rateHigh = message.rateHigh;
      state.supply = message;
      state.awayAfter = message.awayAfter;
      state.paymentsServing = message.paymentsServing;
      state.onSaleAt = message.onSaleAt;
      state.offset = message.serverTime - Date.now();
      break;
    case 'numbered':
      state.number = message.number;
      state.numberedAt = null;
      void checkDraw();
      break;
    case 'admitted':
      // Per-fan messages may come twice (a catch-up after an outage crossing the broadcast): each is taken once.
      if (state.grant?.grantId === message.grantId) break;
      state.grant = { grantId: message.grantId, expiresAt: message.expiresAt };
      notify(null);
      if (document.hidden) alertFan({ title: 'It is your turn', body: `Choose your tickets by ${timeOfDay(message.expiresAt)}.`, eventId }, baseTitle());
      void loadInfo();
      break;
    case 'waitlist':
      state.waitlist = { after: message.waitlistAfter, upTo: message.waitlistUpTo, open: message.open, early: message.early };
      break;
    case 'called':
      if (state.grant?.grantId === message.grantId) break;
      state.grant = { grantId: message.grantId, expiresAt: message.expiresAt };
      notify(`You were called from the waitlist: ${whyCalled()}. Choose them before your time runs out.`, 'ok');
      alertFan({ title: 'It is your turn', body: `${whyCalled().replace(/^t/, 'T')}: choose them by ${timeOfDay(message.expiresAt)}.`, eventId }, baseTitle());
      void loadInfo();
      break;
    case 'grantExpired':
      if (state.grant !== null && state.grant.grantId !== message.grantId) break;
      state.grant = null;
      clearAlert(baseTitle());
      endPlace('Your turn passed', 'The time to choose tickets ran out before you held any.');
      break;
    case 'held':
      state.grant = null;
      clearAlert(baseTitle());
      state.hold = message.hold;
      selectedSeats.clear();
      notify(null);
      break;
    case 'paymentQueued':
      state.hold = message.hold;
      state.payQueue = { holdId: message.hold.holdId, number: message.number };
      state.paymentsServing = Math.max(state.paymentsServing, message.number - message.position - 1);
      state.checkout = 'idle';
      break;
    case 'paymentReady': {
      // Its turn in the payment queue: the same key again opens the checkout of the same payment.
      const key = localStorage.getItem(storageKey(`pay.${message.holdId}`));
      state.payQueue = null;
      if (key !== null && state.hold?.holdId === message.holdId) {
        state.checkout = 'loading';
        send({ t: 'pay', rid: ++rid, holdId: message.holdId, key });
      }
      break;
    }
    case 'paymentStarted': {
      state.payQueue = null;
      // The fan pressed "pay" (not a resumed page asking again, after maybe paying already): a provider's page opens at once.
      const fanAsked = state.checkout === 'loading';
      state.hold = message.hold;
      state.payment = { paymentId: message.paymentId, checkoutUrl: message.checkoutUrl, provider: message.provider };
      if (message.provider !== 'demo' && fanAsked && message.checkoutUrl !== null) location.assign(message.checkoutUrl);
      void openCheckout();
      break;
    }
    case 'purchased':
      if (state.purchased?.holdId === message.holdId) break;
      state.purchased = { holdId: message.holdId, paymentId: message.paymentId };
      if (state.hold?.holdId === message.holdId) state.hold = { ...state.hold, status: 'purchased' };
      notify(null);
      break;
    case 'paymentFailed':
      if (state.hold?.holdId !== message.holdId) break;
      state.payQueue = null;
      state.payment = null;
      state.checkout = 'idle';
      state.paymentFailure = message.reason;
      if (message.expiresAt <= serverNow()) {
        // Failed with no time left to try again: the hold ends here (holdExpired confirms it).
        state.hold = null;
        endPlace('Your payment did not go through', `The bank said: ${message.reason}. The payment window has closed and the tickets went back on sale.`);
      } else {
        if (state.hold !== null) state.hold = { ...state.hold, status: 'held', expiresAt: message.expiresAt, paymentId: null, pendingUntil: null };
        notify(`Payment failed (${message.reason}). Your tickets are still held — you can try again.`, 'bad');
      }
      break;
    case 'holdExpired':
      if (state.hold?.holdId !== message.holdId) break;
      state.hold = null;
      state.payment = null;
      endPlace(
        state.paymentFailure === null ? 'Your payment window ran out' : 'Your payment did not go through',
        `${state.paymentFailure === null ? '' : `The bank said: ${state.paymentFailure}. `}The payment window has closed and the tickets went back on sale.`,
      );
      break;
    case 'released':
      if (state.hold?.holdId !== message.holdId) break;
      state.hold = null;
      endPlace('You released your tickets', 'They went back on sale at once.');
      break;
    case 'placeLost':
      state.joined = false;
      state.placeKept = false;
      localStorage.removeItem(storageKey('token'));
      notify('You were away too long and lost your place. Joining again at the back…', 'warn');
      join();
      break;
    case 'left':
      localStorage.removeItem(storageKey('token'));
      state.joined = false;
      state.placeKept = false;
      join();
      break;
    case 'preQueueOpened':
      state.commitment = message.commitment;
      break;
    case 'saleStarted':
      state.seed = message.seed;
      state.phase = 'onSale';
      showPausedBeforeSale(false);
      void verifySeed().then(render);
      break;
    case 'paused':
      state.phase = 'paused';
      break;
    case 'resumed':
      state.phase = 'onSale';
      break;
    case 'soldOut':
      state.phase = 'soldOut';
      if (state.hold === null && state.purchased === null) notify('Sold out — every ticket is sold.', 'bad');
      break;
    case 'reopened':
      state.phase = 'onSale';
      notify('Tickets came back — sales reopened!', 'ok');
      break;
    case 'closed':
      state.phase = 'closed';
      break;
    case 'announcement':
      showAnnouncement(message.text);
      break;
    case 'orderCancelled':
      if (state.purchased?.holdId !== message.holdId && state.hold?.holdId !== message.holdId) break;
      state.purchased = null;
      state.hold = null;
      endPlace(
        'The organizer cancelled your order',
        `${message.reason === '' ? '' : `${message.reason}. `}Its tickets went back on sale. If it is refunded, the money goes back the way you paid.`,
      );
      break;
    case 'pong':
      break;
    case 'pushSubscribed':
      state.push = 'on';
      break;
    case 'error':
      onError(message.code, message.message, message.details);
      break;
  }
}

/** The place is used up: one card says what happened, and its one button joins again at the back. */
function endPlace(title: string, text: string): void {
  state.ended = { title, text };
  state.paymentFailure = null;
  notify(null);
}

function joinAgain(): void {
  // Leaving the used-up place first: the join that follows `left` takes a new one at the back.
  if (!send({ t: 'leave', rid: ++rid })) return;
  $<HTMLButtonElement>('#rejoin').disabled = true;
}

const ERROR_TEXT: Record<string, string> = {
  SOLD_OUT: 'Sold out — nothing left to hold.',
  SEAT_TAKEN: 'Someone was quicker for one of those seats. The map is refreshed: pick again.',
  NOT_ENOUGH_INVENTORY: 'Not enough tickets left for that choice. Try fewer or another category.',
  LIMIT_EXCEEDED: 'That is more than the tickets allowed per fan.',
  GRANT_EXPIRED: 'Your turn passed before you chose tickets.',
  HOLD_EXPIRED: 'Your payment window ran out.',
  EXTENSION_NOT_ALLOWED: 'This hold cannot be extended (again).',
  FAN_ID_IN_USE: 'This place in line is open in another browser. Continue there: this browser does not hold the key to that place.',
  ACCESS_DENIED: 'This part of the sale is not open to your account. Check the presale you signed up for, or wait for the public sale.',
  EVENT_NOT_FOUND: 'There is no such event.',
  RATE_LIMITED: 'Slow down a little — too many requests.',
};

function onService(available: boolean): void {
  if (!available) {
    state.connection = 'degraded';
    return;
  }
  state.connection = 'open';
  // A join that failed meanwhile is tried again now.
  if (!state.joined) join();
}

/** What each refused identity token means to a fan (docs/errors.md). */
const IDENTITY_TEXT: Record<string, string> = {
  IDENTITY_REQUIRED: 'This sale is for signed-in fans. Sign in at the organizer\'s site: it brings you back here to join the line.',
  IDENTITY_EXPIRED: 'Your sign-in has expired. Sign in again to join the line.',
  IDENTITY_AUDIENCE: 'Your sign-in was for another event. Sign in again from this event\'s page.',
  IDENTITY_UNSIGNED: 'Your sign-in could not be checked (it was not signed). Sign in again.',
  IDENTITY_SIGNATURE: 'Your sign-in could not be checked (its signature does not match). Sign in again.',
  IDENTITY_INVALID: 'Your sign-in could not be read. Sign in again.',
};

function onIdentityError(code: string, details: Record<string, unknown>): void {
  // A refused token is no use for reconnects either.
  if (code !== 'IDENTITY_REQUIRED') sessionStorage.removeItem(IDENTITY_KEY);
  // An expired sign-in still resumes a place with its queue token.
  if (code === 'IDENTITY_EXPIRED' && localStorage.getItem(storageKey('token')) !== null) {
    join();
    return;
  }
  state.connection = 'open';
  if (code === 'IDENTITY_REQUIRED' && identityExpired) code = 'IDENTITY_EXPIRED';
  const loginUrl = typeof details.loginUrl === 'string' ? details.loginUrl : null;
  state.signIn = { text: IDENTITY_TEXT[code]!, loginUrl };
}

function onError(code: string, message: string, details: Record<string, unknown>): void {
  if (code !== 'POW_REQUIRED' && code !== 'POW_INVALID') state.settled = true;
  if (code in IDENTITY_TEXT) return onIdentityError(code, details);
  switch (code) {
    case 'ACCESS_CODE_REQUIRED':
    case 'ACCESS_CODE_INVALID':
      state.connection = 'open';
      state.accessPrompt = code === 'ACCESS_CODE_REQUIRED' ? 'This presale needs an access code. Enter the one you were sent.' : 'That access code is not valid for this sale. Check it and try again.';
      return;
    case 'ACCESS_DENIED':
      state.connection = 'open';
      break;
    case 'ENGINE_UNAVAILABLE':
      // Nothing was done twice: a retry carries the same idempotency key. A join is simply tried again.
      state.connection = 'degraded';
      if (!state.joined) {
        clearTimeout(reconnectTimer);
        reconnectTimer = setTimeout(() => join(), 2000 + Math.random() * 2000);
      }
      return;
    case 'POW_REQUIRED':
    case 'POW_INVALID':
      void prove(String(details.challenge), Number(details.difficulty));
      return;
    case 'TOKEN_INVALID':
      localStorage.removeItem(storageKey('token'));
      join();
      return;
    case 'ALREADY_JOINED':
    case 'SESSION_REPLACED': // the close that follows (4001) says it
      return;
    case 'PUSH_SUBSCRIPTION_INVALID':
      // This browser's push service is not one the sale sends to: notifications stay on while the page is open.
      state.push = 'unavailable';
      return;
    case 'RATE_LIMITED':
      // A join over the door's flood ceiling (a busy shared address) is tried again, not given up.
      if (!state.joined && typeof details.retryAfterMs === 'number') {
        clearTimeout(reconnectTimer);
        reconnectTimer = setTimeout(() => join(), details.retryAfterMs + Math.random() * 1000);
      }
      break;
    case 'WRONG_PHASE':
      if (!state.joined) {
        state.connection = 'open';
        notify(state.info?.phase === 'closed' ? 'The sale has closed.' : 'The waiting room is not open yet. This page joins by itself when it opens.', 'warn');
        clearTimeout(reconnectTimer);
        reconnectTimer = setTimeout(() => join(), 10_000);
        return;
      }
      break;
    case 'SEAT_TAKEN':
    case 'NOT_ENOUGH_INVENTORY':
      void loadInfo();
      break;
    case 'EVENT_NOT_FOUND':
    case 'FAN_ID_IN_USE':
      state.connection = 'open';
      break;
  }
  notify(ERROR_TEXT[code] ?? `${message} (${code})`, 'bad');
}

// ── Commands ──────────────────────────────────────────────────────────────
function hold(request: HoldMessage['request']): void {
  send({ t: 'hold', rid: ++rid, grantId: state.grant?.grantId ?? null, request, key: crypto.randomUUID() });
}

function pay(): void {
  if (state.hold === null) return;
  const key = crypto.randomUUID();
  localStorage.setItem(storageKey(`pay.${state.hold.holdId}`), key);
  payKeys.set(state.hold.holdId, key);
  state.checkout = 'loading';
  send({ t: 'pay', rid: ++rid, holdId: state.hold.holdId, key });
}

async function openCheckout(): Promise<void> {
  const url = state.payment?.checkoutUrl;
  if (url === null || url === undefined) {
    $('#checkout-summary').textContent = 'Waiting for the payment provider…';
    return;
  }
  if (state.checkout === 'processing') return;
  const demo = state.payment?.provider === 'demo';
  $('#checkout-title').textContent = demo ? 'Demo checkout' : 'Payment';
  $('#checkout-demo-note').hidden = !demo;
  $('#checkout-actions').hidden = !demo;
  $('#checkout-provider').hidden = demo;
  if (!demo) {
    // A real provider's hosted page: the fan pays there and comes back here, where the confirmation arrives by itself.
    $<HTMLAnchorElement>('#checkout-link').href = url;
    const hold = state.hold;
    $('#checkout-summary').textContent = hold === null ? 'Your tickets' : `${hold.quantity} ticket${hold.quantity === 1 ? '' : 's'} — ${money(hold.amount, hold.currency)}`;
    state.checkout = 'ready';
    render();
    return;
  }
  try {
    const response = await fetch(url);
    const session = (await response.json()) as { amount?: number; currency?: string; description?: string; code?: string; message?: string };
    if (!response.ok) throw new Error(session.message ?? session.code ?? `HTTP ${response.status}`);
    $('#checkout-summary').textContent = `${session.description ?? 'Tickets'} — ${money(session.amount ?? 0, session.currency ?? 'EUR')}`;
    state.checkout = 'ready';
  } catch (err) {
    $('#checkout-summary').textContent = `The checkout could not be opened: ${(err as Error).message}`;
  }
  render();
}

async function decide(decision: 'approve' | 'decline'): Promise<void> {
  const url = state.payment?.checkoutUrl;
  if (url === null || url === undefined) return;
  state.checkout = 'processing';
  render();
  try {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ decision }) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
  } catch (err) {
    state.checkout = 'ready';
    notify(`The checkout did not answer (${(err as Error).message}). Try again.`, 'bad');
  }
  render();
}

function renderCheckout(): void {
  const queue = state.payQueue;
  if (queue !== null && state.hold?.holdId === queue.holdId) {
    const ahead = Math.max(0, queue.number - state.paymentsServing - 1);
    const until = state.hold.pendingUntil === null ? '' : ` Your tickets stay held meanwhile (until ${timeOfDay(state.hold.pendingUntil)} at the latest).`;
    $('#checkout-summary').textContent = `The payment providers are busy: your payment is in line, ${ahead === 0 ? 'next' : `${ahead} ahead of it`}. It opens here by itself.${until}`;
    for (const id of ['#approve', '#decline']) $<HTMLButtonElement>(id).disabled = true;
    $('#checkout-state').textContent = '';
    return;
  }
  const processing = state.checkout === 'processing';
  for (const id of ['#approve', '#decline']) $<HTMLButtonElement>(id).disabled = processing || state.checkout !== 'ready';
  $('#checkout-state').textContent = processing ? 'Processing your payment… the confirmation appears here by itself.' : '';
  if (state.checkout === 'idle' && state.payment !== null) void openCheckout();
}

// ── Public data ───────────────────────────────────────────────────────────
async function loadInfo(): Promise<void> {
  try {
    const response = await fetch(`/api/public/events/${encodeURIComponent(eventId)}`);
    if (!response.ok) {
      const error = (await response.json().catch(() => ({}))) as { code?: string };
      if (error.code === 'EVENT_NOT_FOUND') {
        state.connection = 'stopped';
        $('#connection').textContent = `There is no event "${eventId}". Choose one under "Event and identity".`;
        render();
      }
      return;
    }
    state.info = (await response.json()) as PublicInfo;
    offerPush();
    void checkDraw();
    state.onSaleAt = state.onSaleAt || state.info.onSaleAt;
    state.phase ??= state.info.phase;
    state.commitment ??= state.info.commitment;
    state.seed ??= state.info.seed;
    if (state.info.announcement !== undefined && !state.joined) showAnnouncement(state.info.announcement?.text);
    renderInfo();
    render();
    void showRegistration(eventId, state.info.registration, identityToken());
  } catch {
    // Offline for a moment: the socket's reconnect covers it; seats load on admission.
  }
}

async function loadEventList(): Promise<void> {
  const select = $<HTMLSelectElement>('#event-select');
  let events: Array<{ eventId: string; name: string }> = [];
  try {
    events = ((await (await fetch('/api/public/events')).json()) as { events: typeof events }).events;
  } catch {
    // keep the current one only
  }
  if (!events.some((e) => e.eventId === eventId)) events.unshift({ eventId, name: eventId });
  select.replaceChildren(...events.map((e) => new Option(`${e.name} (${e.eventId})`, e.eventId)));
  select.value = eventId;
}

// ── Wiring ────────────────────────────────────────────────────────────────
$<HTMLInputElement>('#fan-id').value = fanId;
$('#identity').addEventListener('submit', (event) => {
  event.preventDefault();
  const nextFan = $<HTMLInputElement>('#fan-id').value.trim();
  if (nextFan.length === 0 || nextFan.length > 128) {
    notify('A fan id is 1 to 128 characters.', 'bad');
    return;
  }
  localStorage.setItem(FAN_KEY, nextFan);
  const url = new URL(location.href);
  url.searchParams.set('event', $<HTMLSelectElement>('#event-select').value || eventId);
  location.assign(url.toString());
});
// A token handed over to this page while it is open (a same-page link): start again with it.
window.addEventListener('hashchange', () => {
  if (new URLSearchParams(location.hash.slice(1)).has('identity')) {
    takeIdentityFromFragment();
    location.reload();
  }
});
$('#access').addEventListener('submit', (event) => {
  event.preventDefault();
  const code = $<HTMLInputElement>('#access-code').value.trim();
  if (code.length === 0 || code.length > 128) return;
  state.accessCode = code;
  state.accessPrompt = null;
  render();
  join();
});
for (const tab of ['best', 'ga', 'map']) $(`#tab-${tab}`).addEventListener('click', () => selectTab(tab));
$('#pane-best').addEventListener('submit', (event) => {
  event.preventDefault();
  hold({ kind: 'best', category: $<HTMLSelectElement>('#best-category').value, quantity: Number($<HTMLSelectElement>('#best-quantity').value) });
});
$('#pane-ga').addEventListener('submit', (event) => {
  event.preventDefault();
  hold({ kind: 'tickets', tierId: $<HTMLSelectElement>('#ga-tier').value, quantity: Number($<HTMLSelectElement>('#ga-quantity').value) });
});
$('#seatmap').addEventListener('click', (event) => {
  const button = (event.target as HTMLElement).closest<HTMLButtonElement>('button[data-seat]');
  if (button === null || button.disabled) return;
  const id = button.dataset.seat!;
  if (selectedSeats.has(id)) selectedSeats.delete(id);
  else if (selectedSeats.size < (state.info?.maxTicketsPerFan ?? 1)) selectedSeats.add(id);
  else notify(`You can choose up to ${state.info?.maxTicketsPerFan} seats.`, 'warn');
  button.setAttribute('aria-pressed', String(selectedSeats.has(id)));
  renderSelection();
});
$('#hold-seats').addEventListener('click', () => hold({ kind: 'seats', seatIds: [...selectedSeats] }));
$('#pay').addEventListener('click', pay);
$('#extend').addEventListener('click', () => {
  if (state.hold !== null) send({ t: 'extend', rid: ++rid, holdId: state.hold.holdId, key: `extend-${state.hold.holdId}` });
});
$('#release').addEventListener('click', () => {
  if (state.hold !== null && confirm('Release these tickets? They go back on sale at once.')) {
    send({ t: 'release', rid: ++rid, holdId: state.hold.holdId, key: `release-${state.hold.holdId}` });
  }
});
$('#approve').addEventListener('click', () => void decide('approve'));
$('#rejoin').addEventListener('click', joinAgain);
$('#alerts-enable').addEventListener('click', () => void enableAlerts());
$('#take-back').addEventListener('click', takeBack);
$('#print').addEventListener('click', () => print());
$('#decline').addEventListener('click', () => void decide('decline'));

// Countdowns tick locally between server messages.
setInterval(() => {
  watchHeartbeat();
  renderClocks();
  if (currentView() === 'prequeue' && state.onSaleAt <= serverNow()) render();
}, 250);

// A small hook for tests and support: drop the connection as a flaky network would.
(window as unknown as { breakwater: object }).breakwater = {
  dropConnection: () => ws?.close(),
  get state() {
    return { ...state, info: undefined };
  },
};

render();
// The join first: on a slow link it must not queue behind the event's details.
connect();
void loadEventList();
void loadInfo();
