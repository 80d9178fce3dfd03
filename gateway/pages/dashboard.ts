/**
 * The dashboard: connects to /dashboard/ws (one JSON snapshot a second) with a
 * ticket its API key buys (POST /api/dashboard/ticket): never the key in the URL,
 * and draws, per event, queue length, admission rate, holds and sales over the
 * last five minutes as inline SVG line charts with a time axis, plus every
 * gateway process's figures, what every process costs (CPU, memory,
 * event-loop lag) and the door's (connections and joins refused per budget,
 * how the processes share their counts). Codes are said in words
 * (lib/operator-labels.ts); on a phone the tables stack. Reconnects by itself.
 */
import { $, initialApiKey, rememberApiKey } from './lib/dom.js';
import { figureItems } from './lib/figures.js';
import { drawLabel, phaseLabel, rejectedLabel } from './lib/operator-labels.js';

const WAITLIST_STATES: Record<string, string> = { early: 'early waitlist', open: 'all taken', ended: 'waitlist ended' };

/** Standby and waitlist figures, once the first place was waitlisted. */
function waitlistLine(waitlist: EventFigures['waitlist']): string {
  if (waitlist === undefined || waitlist.state === 'none') return '';
  return ` · ${WAITLIST_STATES[waitlist.state]}: ${number(waitlist.standby)} standing by, ` +
    `${number(waitlist.waitlisted)} waitlisted, ${number(waitlist.called)} called (${number(waitlist.lapsedCalls)} lapsed)`;
}

interface EventFigures {
  eventId: string; name: string; phase: string; nowServing: number; lastNumber: number; waiting: number; joined: number; admitted: number;
  openGrants: number; activeShoppers: number; tickets: { free: number; held: number; sold: number };
  holds: { active: number; paymentPending: number; expired: number; released: number };
  rateLow: number; rateHigh: number; powDifficulty: number;
  door?: { slowLaneJoins: number; powRefusals: number; difficultyNow: number; recentJoinsPerMin: number };
  draws?: Array<{ draw: string; pending: number; numbered: number | undefined }>;
  waitlist?: { state: string; standby: number; waitlisted: number; called: number; lapsedCalls: number };
  payments?: PaymentFigures;
}
/** The payment channels and the payment queue (engine `EventStatus.payments`). */
interface PaymentFigures {
  pacing: string;
  queue: { waiting: number; lastNumber: number };
  healthyPerSec: number | null;
  channels: Array<{
    name: string; breaker: string; limit: number; inFlight: number; healthyPerSec: number | null; capacityPerSec: number | null;
    window: { throughputPerSec: number; failureRate: number; latencyMs: { mean: number; p90: number } | null };
  }>;
}
interface WorkerFigures {
  worker: string; pid: number; connections: number; dashboardConnections: number; messagesIn: number; messagesOut: number;
  topicPublishes: number; backpressureDrops: number; rejected: Record<string, number>;
  joinMs: { p50: number | null; p95: number | null; p99: number | null };
  door: DoorFigures;
}
/** The door's budgets as one process sees them (gateway/src/protection/door-budgets.ts). */
interface DoorFigures {
  refused: { connectionsPerIp: number; connectionsPerSubnet: number; joinsPerIp: number; joinsPerSubnet: number };
  trackedKeys: { address: number; subnet: number };
  peers: number;
  shareAgeMs: number;
}
/** What one process costs the machine (gateway/src/dashboard-feed.ts). */
interface ProcessFigures {
  process: string; kind: 'gateway' | 'engine'; pid: number; cpuSeconds: number; residentBytes: number; heapUsedBytes: number; eventLoopLagP99Ms: number | null;
}
interface Snapshot { type: 'snapshot'; at: number; events: EventFigures[]; workers: WorkerFigures[]; processes?: ProcessFigures[] }

/** One sample per snapshot, per event. */
interface Sample { t: number; waiting: number; rate: number; rateLow: number; holds: number; paying: number; sold: number }

const WINDOW_MS = 5 * 60_000;
const SVG = 'http://www.w3.org/2000/svg';

let key = initialApiKey();
const history = new Map<string, Sample[]>();
let previous: { at: number; workers: Map<string, WorkerFigures> } | null = null;
let previousCpu: { at: number; seconds: Map<string, number> } | null = null;
let attempt = 0;
let socket: WebSocket | null = null;

const number = (n: number) => n.toLocaleString(undefined, { maximumFractionDigits: 1 });
/** "1 fan", "2 fans". */
const count = (n: number, noun: string) => `${number(n)} ${noun}${n === 1 ? '' : 's'}`;

function record(snapshot: Snapshot): void {
  const t = Date.now();
  for (const event of snapshot.events) {
    const samples = history.get(event.eventId) ?? [];
    samples.push({
      t, waiting: event.waiting, rate: event.rateHigh, rateLow: event.rateLow,
      holds: event.holds.active, paying: event.holds.paymentPending, sold: event.tickets.sold,
    });
    while (samples.length > 0 && samples[0]!.t < t - WINDOW_MS) samples.shift();
    history.set(event.eventId, samples);
  }
}

/** Ticks of the time axis: a round step giving at most four labels over the span (they must fit a phone's chart). */
const TICK_STEPS_MS = [10_000, 15_000, 30_000, 60_000, 120_000, 300_000];

function timeTicks(start: number, end: number): number[] {
  const step = TICK_STEPS_MS.find((ms) => (end - start) / ms <= 4) ?? TICK_STEPS_MS.at(-1)!;
  const ticks: number[] = [];
  for (let t = Math.ceil(start / step) * step; t <= end; t += step) ticks.push(t);
  return ticks;
}

/** 24-hour clock time, the operator's zone: short enough for four labels on a phone. */
const tickText = (at: number, withSeconds: boolean) =>
  new Date(at).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', ...(withSeconds ? { second: '2-digit' } : {}) });

/** A line chart: one polyline per series, y from 0 to a rounded maximum (both written), x over the window with a time axis. */
function chart(title: string, samples: Sample[], series: Array<{ label: string; color: string; value: (s: Sample) => number }>, format = number): HTMLElement {
  const box = document.createElement('figure');
  box.className = 'chart';
  box.style.margin = '0';
  const heading = document.createElement('h3');
  const last = samples.at(-1);
  heading.textContent = title;
  const current = document.createElement('b');
  current.textContent = last === undefined ? '—' : series.map((s) => format(s.value(last))).join(' / ');
  heading.append(current);
  const width = 300;
  const height = 70;
  const max = niceMax(Math.max(1, ...samples.flatMap((s) => series.map((line) => line.value(s)))));
  const end = last?.t ?? Date.now();
  // The x axis spans the data seen so far, at least a minute and at most the five-minute window.
  const span = Math.min(WINDOW_MS, Math.max(60_000, end - (samples[0]?.t ?? end)));
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('preserveAspectRatio', 'none');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', `${title}: ${current.textContent}, scale 0 to ${format(max)}, ${tickText(end - span, false)} to ${tickText(end, false)}`);
  for (const fraction of [0, 0.5, 1]) {
    const grid = document.createElementNS(SVG, 'line');
    const y = String(height - 2 - fraction * (height - 6));
    grid.setAttribute('x1', '0');
    grid.setAttribute('x2', String(width));
    grid.setAttribute('y1', y);
    grid.setAttribute('y2', y);
    grid.setAttribute('stroke', '#e3e7eb');
    grid.setAttribute('vector-effect', 'non-scaling-stroke');
    svg.append(grid);
  }
  const ticks = timeTicks(end - span, end);
  for (const t of ticks) {
    const tick = document.createElementNS(SVG, 'line');
    const x = String(width - ((end - t) / span) * width);
    tick.setAttribute('x1', x);
    tick.setAttribute('x2', x);
    tick.setAttribute('y1', '0');
    tick.setAttribute('y2', String(height));
    tick.setAttribute('stroke', '#eef0f3');
    tick.setAttribute('vector-effect', 'non-scaling-stroke');
    svg.append(tick);
  }
  for (const line of series) {
    const polyline = document.createElementNS(SVG, 'polyline');
    polyline.setAttribute('stroke', line.color);
    polyline.setAttribute('data-series', line.label);
    polyline.setAttribute('points', samples.map((s) => {
      const x = width - ((end - s.t) / span) * width;
      const y = height - 2 - (line.value(s) / max) * (height - 6);
      return `${x.toFixed(1)},${y.toFixed(1)}`;
    }).join(' '));
    svg.append(polyline);
  }
  const plot = document.createElement('div');
  plot.className = 'plot';
  const top = document.createElement('span');
  top.className = 'y-max';
  top.textContent = format(max);
  const zero = document.createElement('span');
  zero.className = 'y-zero';
  zero.textContent = '0';
  plot.append(svg, top, zero);
  const axis = document.createElement('div');
  axis.className = 'x-axis';
  axis.setAttribute('aria-hidden', 'true');
  for (const t of ticks) {
    const label = document.createElement('span');
    const at = (100 * (t - (end - span))) / span;
    label.style.left = `${at}%`;
    // Centred on its tick, but never past the chart's edges.
    label.style.transform = at < 10 ? 'none' : at > 90 ? 'translateX(-100%)' : 'translateX(-50%)';
    label.textContent = tickText(t, span <= 60_000 || t % 60_000 !== 0);
    axis.append(label);
  }
  const legend = document.createElement('figcaption');
  legend.className = 'legend';
  legend.append(...series.map((s) => {
    const item = document.createElement('span');
    item.style.setProperty('--swatch', s.color);
    item.textContent = s.label;
    return item;
  }));
  box.append(heading, plot, axis, legend);
  return box;
}

function niceMax(value: number): number {
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (value <= step * power) return step * power;
  return 10 * power;
}

function renderEvents(snapshot: Snapshot): void {
  const container = $('#events');
  if (snapshot.events.length === 0) {
    container.innerHTML = '<p class="muted">No events.</p>';
    return;
  }
  container.replaceChildren(...snapshot.events.map((event) => {
    const samples = history.get(event.eventId) ?? [];
    const card = document.createElement('article');
    card.className = 'card';
    card.style.margin = '0';
    card.dataset.event = event.eventId;
    const head = document.createElement('div');
    head.className = 'spread';
    const title = document.createElement('h2');
    title.textContent = event.name;
    const pill = document.createElement('span');
    pill.className = `pill ${event.phase}`;
    pill.dataset.phase = event.phase;
    pill.textContent = phaseLabel(event.phase);
    head.append(title, pill);
    const line = document.createElement('p');
    line.className = 'small muted';
    line.textContent = `${event.eventId} · serving number ${number(event.nowServing)} of ${number(event.lastNumber)} · ${number(event.activeShoppers)} shopping · ` +
      `${number(event.tickets.free)} tickets free · ${number(event.holds.expired)} holds expired` +
      `${event.powDifficulty > 0 ? ` · proof of work ${event.powDifficulty} bits` : ''}` + waitlistLine(event.waitlist);
    const door = document.createElement('p');
    door.className = 'small muted';
    door.dataset.figure = 'door';
    door.textContent = doorLine(event);
    const payments = document.createElement('p');
    payments.className = 'small muted';
    payments.dataset.figure = 'payments';
    payments.textContent = paymentsLine(event.payments);
    const charts = document.createElement('div');
    charts.className = 'charts';
    charts.append(
      chart('Fans waiting', samples, [{ label: 'waiting', color: '#0b5cad', value: (s) => s.waiting }]),
      chart('Admissions per second', samples, [
        { label: 'last 10 s', color: '#137333', value: (s) => s.rate },
        { label: 'last minute', color: '#7cb48b', value: (s) => s.rateLow },
      ], (n) => n.toFixed(1)),
      chart('Holds', samples, [
        { label: 'active', color: '#9a5b00', value: (s) => s.holds },
        { label: 'paying', color: '#d39b3c', value: (s) => s.paying },
      ]),
      chart('Tickets sold', samples, [{ label: 'sold', color: '#b3261e', value: (s) => s.sold }]),
    );
    card.append(head, line, door, payments, charts);
    return card;
  }));
}

function renderWorkers(snapshot: Snapshot): void {
  const seconds = previous === null ? 0 : (Date.now() - previous.at) / 1000;
  const rate = (worker: WorkerFigures, field: 'messagesIn' | 'messagesOut' | 'topicPublishes'): string => {
    const before = previous?.workers.get(worker.worker);
    if (before === undefined || seconds <= 0) return number(worker[field]);
    return `${number(worker[field])} (${number(Math.max(0, worker[field] - before[field]) / seconds)}/s)`;
  };
  const rows = snapshot.workers.map((worker) => {
    const row = document.createElement('tr');
    const rejected = Object.entries(worker.rejected).filter(([, n]) => n > 0);
    const cells = [
      `${worker.worker} (pid ${worker.pid})`, `${count(worker.connections, 'fan')} + ${count(worker.dashboardConnections, 'dashboard')}`,
      rate(worker, 'messagesIn'), rate(worker, 'messagesOut'), rate(worker, 'topicPublishes'), number(worker.backpressureDrops),
      rejected.length === 0 ? 'none' : rejected.map(([reason, n]) => `${number(n)} ${rejectedLabel(reason)}`).join(', '),
      `${worker.joinMs.p50 ?? '—'} / ${worker.joinMs.p95 ?? '—'} ms`,
    ];
    row.append(...stackedCells('#workers', cells));
    return row;
  });
  $('#workers').replaceChildren(...rows);
  const sum = (f: (w: WorkerFigures) => number) => snapshot.workers.reduce((total, w) => total + f(w), 0);
  const totals: Array<[string, string]> = [
    ['Processes', String(snapshot.workers.length)], ['Connections', number(sum((w) => w.connections))],
    ['Messages in', number(sum((w) => w.messagesIn))], ['Messages out', number(sum((w) => w.messagesOut))],
    ['Dropped (slow socket)', number(sum((w) => w.backpressureDrops))], ['Events', String(snapshot.events.length)],
    ['Waiting (all events)', number(snapshot.events.reduce((t, e) => t + e.waiting, 0))],
  ];
  renderFigures('#totals', totals);
  previous = { at: Date.now(), workers: new Map(snapshot.workers.map((w) => [w.worker, w])) };
}

/** Table cells that carry their column's heading, shown beside the figure when a narrow screen stacks the table. */
function stackedCells(body: string, texts: string[]): HTMLElement[] {
  const headings = [...$(body).closest('table')!.querySelectorAll('thead th')].map((th) => th.textContent ?? '');
  return texts.map((text, i) => {
    const td = document.createElement('td');
    td.textContent = text;
    td.className = 'figure';
    td.dataset.label = headings[i] ?? '';
    return td;
  });
}

/** What every process costs: CPU as a share of one core since the last snapshot, memory, event-loop lag. */
function renderProcesses(snapshot: Snapshot): void {
  const processes = snapshot.processes ?? [];
  const now = Date.now();
  const seconds = previousCpu === null ? 0 : (now - previousCpu.at) / 1000;
  const mb = (bytes: number) => `${number(bytes / 2 ** 20)} MB`;
  const rows = processes.map((p) => {
    const before = previousCpu?.seconds.get(p.process);
    const cpu = before === undefined || seconds <= 0 ? '—' : `${Math.round((100 * Math.max(0, p.cpuSeconds - before)) / seconds)} %`;
    const row = document.createElement('tr');
    row.dataset.process = p.process;
    row.append(...stackedCells('#processes', [
      `${p.process} (pid ${p.pid})`, p.kind === 'engine' ? 'engine' : 'gateway', cpu, mb(p.residentBytes), mb(p.heapUsedBytes),
      p.eventLoopLagP99Ms === null ? '—' : `${number(p.eventLoopLagP99Ms)} ms`,
    ]));
    return row;
  });
  $('#processes').replaceChildren(...rows);
  previousCpu = { at: now, seconds: new Map(processes.map((p) => [p.process, p.cpuSeconds])) };
}

/** The door, deployment-wide: refusals summed over the processes; keys, sharing and staleness of the worst-off process. */
function renderDoor(snapshot: Snapshot): void {
  const doors = snapshot.workers.map((w) => w.door);
  const sum = (f: (d: DoorFigures) => number) => doors.reduce((total, d) => total + f(d), 0);
  const max = (f: (d: DoorFigures) => number) => doors.reduce((most, d) => Math.max(most, f(d)), 0);
  const fewestPeers = doors.length === 0 ? 0 : Math.min(...doors.map((d) => d.peers));
  renderFigures('#door', [
    ['Connections refused · address', number(sum((d) => d.refused.connectionsPerIp))],
    ['Connections refused · subnet', number(sum((d) => d.refused.connectionsPerSubnet))],
    ['Joins refused · address', number(sum((d) => d.refused.joinsPerIp))],
    ['Joins refused · subnet', number(sum((d) => d.refused.joinsPerSubnet))],
    ['Keys tracked · address / subnet', `${number(max((d) => d.trackedKeys.address))} / ${number(max((d) => d.trackedKeys.subnet))}`],
    ['Processes heard', `${fewestPeers} of ${Math.max(0, doors.length - 1)}`],
    ['Counts shared within', `${number(max((d) => d.shareAgeMs))} ms`],
  ]);
}

function renderFigures(selector: string, figures: Array<[string, string]>): void {
  $(selector).replaceChildren(...figureItems(figures));
}

/** Asks for the key again: it is wrong, revoked, or not allowed the dashboard. */
function askForKey(text: string): void {
  $('#feed-state').textContent = text;
  $('#key-form').hidden = false;
}

function reconnectLater(): void {
  const delay = Math.min(15_000, 1000 * 2 ** attempt++) * (0.5 + Math.random());
  $('#feed-state').textContent = `Disconnected — reconnecting in ${Math.round(delay / 1000)} s…`;
  setTimeout(() => void connect(), delay);
}

/** The subprotocols carrying a fresh ticket for the feed (a browser cannot set headers on a WebSocket); null when the key is refused. */
async function ticketProtocols(): Promise<string[] | null | 'retry'> {
  let response: Response;
  try {
    response = await fetch('/api/dashboard/ticket', { method: 'POST', headers: { authorization: `Bearer ${key}` } });
  } catch {
    return 'retry';
  }
  if (response.ok) return ((await response.json()) as { protocols: string[] }).protocols;
  if (response.status !== 401 && response.status !== 403) return 'retry';
  const error = (await response.json().catch(() => ({}))) as { code?: string; message?: string };
  askForKey(error.code === 'FORBIDDEN' ? `This key may not open the dashboard: ${error.message ?? 'it needs a key for every event'}.` : 'The API key is wrong or revoked: enter another (npm start prints a dashboard link with one).');
  return null;
}

async function connect(): Promise<void> {
  if (key === '') return askForKey('Enter the API key (npm start prints a dashboard link with it).');
  const asked = key;
  const protocols = await ticketProtocols();
  if (asked !== key) return; // another key was entered meanwhile: its own connect runs
  if (protocols === null) return;
  if (protocols === 'retry') return reconnectLater();
  const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/dashboard/ws`, protocols);
  socket = ws;
  ws.onopen = () => {
    attempt = 0;
    $('#feed-state').textContent = 'Live';
  };
  ws.onmessage = (frame) => {
    if (typeof frame.data !== 'string') return;
    const snapshot = JSON.parse(frame.data) as Snapshot;
    if (snapshot.type !== 'snapshot') return;
    record(snapshot);
    renderEvents(snapshot);
    renderWorkers(snapshot);
    renderProcesses(snapshot);
    renderDoor(snapshot);
    $('#feed-at').textContent = `engine time ${new Date(snapshot.at).toLocaleTimeString()}`;
  };
  ws.onclose = (event) => {
    if (socket !== ws) return;
    if (event.code === 4003) return askForKey('The API key was revoked: enter another.');
    reconnectLater();
  };
}

$<HTMLInputElement>('#api-key').value = key;
$('#key-form').addEventListener('submit', (e) => {
  e.preventDefault();
  key = $<HTMLInputElement>('#api-key').value.trim();
  rememberApiKey(key);
  attempt = 0;
  const old = socket;
  socket = null;
  old?.close();
  void connect();
});
void connect();
void showStorage();

/** Whether this deployment keeps its sales (/healthz says which mode runs): an organizer must not learn it from a crash. */
async function showStorage(): Promise<void> {
  let storage: string;
  try {
    storage = ((await (await fetch('/healthz')).json()) as { storage?: string }).storage ?? 'memory';
  } catch {
    return;
  }
  const line = $('#storage');
  const kept = storage !== 'memory';
  line.className = `banner ${kept ? 'ok' : 'bad'}`;
  line.textContent = storage === 'durable' ? 'Storage: durable — every sale is kept on this machine\'s disk, written before any fan is told.'
    : storage === 'redis' ? 'Storage: cluster — every sale is kept in Redis.'
    : 'Storage: in memory only — every event, place, hold and purchase is lost when the server stops.';
  line.hidden = false;
}

/** The door's figures: joins delayed by the slow lane, proofs refused, the load, places waiting for a draw. */
function doorLine(event: EventFigures): string {
  const door = event.door;
  if (door === undefined) return '';
  const pending = (event.draws ?? []).filter((d) => d.numbered === undefined && d.pending > 0).map((d) => ` · ${number(d.pending)} waiting for ${drawLabel(d.draw)}`);
  return `door: ${number(door.slowLaneJoins)} joins slowed (over an address budget) · ${number(door.powRefusals)} proofs of work refused · ` +
    `${count(door.recentJoinsPerMin, 'join')} a minute · proof of work now ${door.difficultyNow} bits${pending.join('')}`;
}

const BREAKER_NAMES: Record<string, string> = { closed: 'healthy', halfOpen: 'probing', open: 'OPEN (no payments)' };

/** Each payment channel: breaker, throughput against what it takes while healthy, limit, failures, latency; then the payment queue. */
function paymentsLine(payments: PaymentFigures | undefined): string {
  if (payments === undefined || payments.channels.length === 0) return '';
  const channels = payments.channels.map((c) => {
    const latency = c.window.latencyMs === null ? '' : ` · p90 ${number(c.window.latencyMs.p90 / 1000)} s`;
    const healthy = c.healthyPerSec === null ? '' : ` of ${number(c.healthyPerSec)}/s healthy`;
    return `${c.name}: ${BREAKER_NAMES[c.breaker] ?? c.breaker} · ${number(c.window.throughputPerSec)}/s${healthy} · ${c.inFlight} in flight, limit ${c.limit}` +
      ` · ${number(c.window.failureRate * 100)} % failing${latency}`;
  });
  const pacing = payments.pacing === 'off' ? ' (pacing off)' : '';
  return `payments${pacing}: ${channels.join(' | ')} · ${number(payments.queue.waiting)} waiting to pay (${number(payments.queue.lastNumber)} queued so far)`;
}
