/**
 * The live driver: the same fan model as the simulated mode, on the wall
 * clock compressed by --time-scale, carrying its commands to a running
 * gateway through real WebSocket clients in forked load processes
 * (worker.ts). The scenario's event is created through the organizer API;
 * what fans observe comes back through FanEvents; the event's status is
 * sampled about once a real second for the charts, and the final state and
 * the journal (for the engine's invariant checks) are read from the
 * organizer API.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LatencyHistogram } from '../../../gateway/bench/histogram.js';
import { checkInvariants, PAYMENTS_DEFAULTS, type AdmissionPolicy, type EventStatus, type HoldRequest, type JournalEntry } from '../../../engine/src/index.js';
import type { Code, SaleCommands } from '../drivers/driver.js';
import { Fan } from '../model/fan-table.js';
import { Doorway } from '../model/doorway.js';
import { FanModel } from '../model/fan-model.js';
import { setUpSale } from '../model/sale-setup.js';
import { Ledger } from '../report/ledger.js';
import type { TicketOutlook } from '../../../gateway/src/protocol/queue-math.js';
import { Series } from '../report/series.js';
import { DOOR_OFF, doorTimesOf, eventConfigOf } from '../scenario/event-config.js';
import type { Scenario } from '../scenario/types.js';
import type { FromWorker, ToWorker, WorkerStats } from './messages.js';
import type { OrganizerWebhook } from '../../../engine/host/notify/organizer-webhook.js';
import { DoorRefusals, exemptFlags, LoadRefusedError } from './door-refusals.js';
import { startNotifyReceiver } from './notify-receiver.js';
import { checkTransit, notLeftAfterTurn, whyNotLeft, type TransitCheck } from './transit.js';

const HERE = dirname(fileURLToPath(import.meta.url));
export const PER_PROC_MAX = 15_000;
const PER_SOURCE_ADDRESS = 10_000;
/** How long the organizer API's reads are retried while the engine is out of reach. */
const API_RETRY_MS = 60_000;

export interface LiveOptions {
  url: string;
  apiKey: string;
  /** Model seconds per real second. */
  timeScale: number;
  procs?: number;
  webhookSecret?: string;
  /** Progress lines (--progress). */
  log?: (line: string) => void;
  /** Lines always shown: the addresses the gateway must exempt. */
  notice?: (line: string) => void;
}

/** The driver's own requests (organizer API, public event info) come from here. */
const DRIVER_ADDRESS = '127.0.0.1';

/** The loopback source addresses of load process `proc` (0-based): give them to the gateway's --exempt-ip. */
export function sourceAddresses(proc: number, share: number): string[] {
  return Array.from({ length: Math.max(1, Math.ceil(share / PER_SOURCE_ADDRESS)) }, (_, k) => `127.3.${proc + 1}.${k + 1}`);
}

export function procsFor(fans: number, requested?: number): number {
  return Math.max(requested ?? Math.max(2, Math.ceil(fans / 10_000)), Math.ceil(fans / PER_PROC_MAX));
}

/** Refuses anything but a gateway on 127.0.0.1. */
export function parseLiveUrl(url: string): { port: number } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`--live needs a URL like http://127.0.0.1:8080, got "${url}"`);
  }
  if (u.hostname !== '127.0.0.1') throw new Error(`--live only targets a gateway on 127.0.0.1 (got ${u.hostname})`);
  if (!['http:', 'ws:'].includes(u.protocol)) throw new Error('--live takes http:// or ws:// (plain, on loopback)');
  return { port: Number(u.port || 80) };
}

const stateNames = Object.fromEntries(Object.entries(Fan).map(([name, value]) => [value, name])) as Record<number, string>;

export interface LiveObservations {
  /** Admissions heard, with the engine's admission instant (grant expiry − TTL) and the fan's number. */
  admissions: Array<{ fan: number; number: number; admittedAt: number; postStart: boolean }>;
  /**
   * Admissions and calls heard by fans the model had already taken out of the
   * line (a leave crossing the admission on the wire), and how many of those
   * the journal contradicts: a leave before that turn or answered `left` yet
   * missing, or a turn it lacks (transit.ts, whyNotLeft; a leave that never
   * arrived, still in flight or refused, leaves the fan in line: its turn is its own).
   */
  admittedAfterLeaving: number;
  leavesUnconfirmed: number;
  /** Every turn heard after leaving that the journal does not show left after, by why. */
  leavesUnconfirmedWhy: Record<string, number>;
  /** A few of the contradicted, `fanId: its journal entries`. */
  leavesUnconfirmedExamples: string[];
  /** Admissions heard by fans the model did not hold as waiting (nor as left), by the model's state. */
  admittedNotWaiting: Record<string, number>;
  stats: WorkerStats[];
  joinHist: LatencyHistogram;
  updateHist: LatencyHistogram;
  /** Organizer webhooks heard by type (recalls and calls reach fans who closed the page), and posts refused. */
  organizerWebhooks: { received: Record<string, number>; refused: number };
  finalStatus: { phase: string; tickets: { free: number; held: number; sold: number }; holds: { active: number; paymentPending: number; expired: number; released: number }; admitted: number; joined: number };
  eventId: string;
  timeScale: number;
  procs: number;
  realSec: number;
  holdsSettledWithinSec: number | null;
  /** What fans were told against the journal. */
  transit: TransitCheck;
}

export async function runLive(s: Scenario, options: LiveOptions) {
  const log = options.log ?? (() => undefined);
  const wallStart = performance.now();
  const cpuStart = process.cpuUsage();
  const { port } = parseLiveUrl(options.url);
  const base = `http://127.0.0.1:${port}`;
  const scale = options.timeScale;

  // Every address this run sends from, named before anything is sent: the gateway must exempt them all.
  const procs = procsFor(s.fans, options.procs);
  const shares = Array.from({ length: procs }, (_, i) => Math.floor(s.fans / procs) + (i < s.fans % procs ? 1 : 0));
  if (shares.some((n) => n > PER_PROC_MAX)) throw new Error(`more than ${PER_PROC_MAX} sockets per load process: use --procs ≥ ${Math.ceil(s.fans / PER_PROC_MAX)}`);
  const addresses = shares.map((share, i) => sourceAddresses(i, share));
  const everyAddress = [DRIVER_ADDRESS, ...addresses.flat()];
  (options.notice ?? log)(`live: this run sends from ${everyAddress.join(', ')}; start the gateway with ${exemptFlags(everyAddress)}`);
  const refusals = new DoorRefusals();
  const progress = { arrived: 0, fans: s.fans, joined: 0 };
  const refused = () => new LoadRefusedError(refusals, everyAddress, progress);

  const api = async (method: string, path: string, body?: unknown): Promise<any> => {
    // Reads are retried while the engine is out of reach (503) or the connection fails, as an organizer's tool would:
    // a fault injected near the end of a sale must not cost the run its report.
    const retryUntil = method === 'GET' ? Date.now() + API_RETRY_MS : 0;
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        response = await fetch(`${base}${path}`, {
          method, headers: { authorization: `Bearer ${options.apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(30_000),
        });
      } catch (err) {
        if (Date.now() > retryUntil) throw err;
        await sleep(Math.min(2_000, 100 * 2 ** attempt));
        continue;
      }
      if (response.status === 429) {
        refusals.note('http', DRIVER_ADDRESS);
        throw refused();
      }
      const text = await response.text();
      if (response.status === 503 && Date.now() <= retryUntil) {
        await sleep(Math.min(2_000, 100 * 2 ** attempt));
        continue;
      }
      const parsed = text.length > 0 ? JSON.parse(text) : null;
      if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${text.slice(0, 300)}`);
      return parsed;
    }
  };

  // Registering days ahead has no live counterpart here: the registration draw is simulated in-process.
  if (s.registration.enabled) throw new Error(`scenario ${s.name}: registration runs in-process only (drop --live, or --set registration.enabled=false)`);
  // The gateway's demo provider is the live sale's one payment channel: the model's first channel plays its provider.
  if (s.payments.moreChannels.length > 0) throw new Error(`scenario ${s.name}: live mode offers one payment channel (the demo provider); run it in-process`);
  const { rng, times, venue, arrivals, fans, farm, agenda, providers } = setUpSale(s);
  let cursor = 0;
  // Every fan joins from the load processes' few addresses: the door's budgets would measure the load generator, so it stays open.
  const doorway = new Doorway(fans, farm, s.crowd.hashesPerSec, { ...doorTimesOf(s, times), drawEndsMs: times.onSaleMs });
  const model = new FanModel(s, venue, fans, agenda, rng.fork('fans'), providers, () => cursor, times.onSaleMs, times.closesMs, doorway);

  // The event, in real time: every duration divided by the scale, every rate multiplied.
  const eventId = `sim-${s.name.replace(/[^a-z0-9-]/gi, '')}-${randomBytes(4).toString('hex')}`;
  const t0 = Date.now() + 1500;
  const config = eventConfigOf(s, venue, eventId);
  const real = (modelMs: number) => Math.max(1, Math.round(modelMs / scale));
  const scaleAdmission = (a: AdmissionPolicy): AdmissionPolicy => {
    const out = { ...a } as AdmissionPolicy & { fansPerMinute?: number };
    if (out.mode === 'rate') out.fansPerMinute = out.fansPerMinute * scale;
    if (out.paymentCapacityPerSec !== undefined) out.paymentCapacityPerSec = out.paymentCapacityPerSec * scale;
    return out;
  };
  const liveConfig = {
    ...config,
    name: `Live simulation: ${s.name}`,
    preQueueOpensAt: t0,
    onSaleAt: t0 + real(times.onSaleMs),
    closesAt: t0 + real(times.closesMs),
    // The engine's floors (10 s window, 1 s grace, 5 s grant): a high scale cannot go below them.
    paymentWindowMs: Math.max(10_000, real(config.paymentWindowMs ?? 600_000)),
    holdExtensionMs: config.holdExtensionMs === 0 ? 0 : real(config.holdExtensionMs ?? 0),
    paymentPendingMaxMs: Math.max(1_000, real(config.paymentPendingMaxMs ?? 900_000)),
    presenceGraceMs: Math.max(1_000, real(config.presenceGraceMs ?? 60_000)),
    grantTtlMs: Math.max(5_000, real(config.grantTtlMs ?? 120_000)),
    admission: scaleAdmission(config.admission ?? { mode: 'auto' }),
    door: DOOR_OFF,
    payments: { pacing: s.payments.pacing },
  };
  // The demo channel, at the first channel's capacity in real time.
  const demoChannel = s.payments.capacityPerSec > 0 ? { name: 'demo', capacityPerSec: s.payments.capacityPerSec * scale } : 'demo';
  // What a fan who closed the page hears (recalls, calls) comes by the organizer webhook, as an organizer's e-mail would.
  let onOrganizerHook: (hook: OrganizerWebhook) => void = () => undefined;
  const notifyReceiver = await startNotifyReceiver((hook) => onOrganizerHook(hook));
  await api('POST', '/api/events', { config: liveConfig, publish: true, settings: { notifyWebhook: notifyReceiver.webhook, payments: { channels: [demoChannel] } } }).catch(async (err: unknown) => {
    await notifyReceiver.close();
    throw err;
  });
  log(`live: event ${eventId} created; pre-queue at +1.5 s, on sale at +${((liveConfig.onSaleAt - Date.now()) / 1000).toFixed(1)} s, closes at +${((liveConfig.closesAt - Date.now()) / 1000).toFixed(1)} s (time scale ×${scale})`);

  // Load processes.
  const children: ChildProcess[] = [];
  const kill = () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  };
  process.once('exit', kill);
  try {
    await Promise.all(shares.map(async (_, i) => {
      const child = fork(join(HERE, 'worker.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      children.push(child);
      await new Promise<void>((resolve, reject) => {
        child.once('message', () => resolve());
        child.once('exit', (code) => reject(new Error(`load process exited (${code}) at start`)));
        child.send({ type: 'init', port, eventId, localAddresses: addresses[i]!, webhookSecret: options.webhookSecret } satisfies ToWorker);
      });
    }));
    const worker = (fan: number) => children[fan % procs]!;
    const to = (fan: number, m: ToWorker) => worker(fan).send(m);

    // Tickets free per option, as the fan page shows them: polled from the public event info.
    const free = venue.options.map((o) => (o.kind === 'tier' ? venue.tiers.find((t) => t.id === o.id)?.quantity ?? 0 : Infinity));
    const pollFree = async () => {
      try {
        const response = await fetch(`${base}/api/public/events/${eventId}`, { signal: AbortSignal.timeout(5000) });
        if (response.status === 429) refusals.note('http', DRIVER_ADDRESS);
        const info = await response.json() as { tiers: Array<{ id: string; free: number }>; categories: Array<{ category: string; free: number }> };
        venue.options.forEach((o, i) => {
          free[i] = o.kind === 'tier' ? info.tiers.find((t) => t.id === o.id)?.free ?? 0 : info.categories.find((c) => c.category === o.id)?.free ?? 0;
        });
      } catch {
        /* keep the last figures */
      }
    };

    // A place taken anew by a fan's token join after it was lost: the model's rejoin answers at once.
    const freshPlace = new Uint8Array(s.fans);
    const requests = venue.options.map((o) => (quantity: number): HoldRequest => (o.kind === 'tier' ? { kind: 'tickets', tierId: o.id, quantity } : { kind: 'best', category: o.id, quantity }));
    let commands = 0;
    const outlooks = new Map<number, TicketOutlook | null>();
    // The away horizon the fans' pages last showed, and each fan's number from `joined` (the only outlook live fans see is
    // that frame's, so a place numbered later at a draw is never asked about): a fan numbered beyond it may close the page.
    let awayAfter: number | null = null;
    const numbers = new Int32Array(s.fans);
    const fanOfId = new Map<string, number>();
    const fanIdOfFan = new Map<number, string>();
    const commandsImpl: SaleCommands = {
      join(fan, attempt) {
        commands++;
        if (freshPlace[fan] === 1) {
          freshPlace[fan] = 0;
          model.onJoin(fan, undefined);
          return;
        }
        fanOfId.set(attempt.fanId, fan);
        fanIdOfFan.set(fan, attempt.fanId);
        to(fan, { type: 'join', fan, fanId: attempt.fanId });
      },
      leave(fan) {
        commands++;
        to(fan, { type: 'leave', fan });
      },
      presence(fan, connected) {
        commands++;
        to(fan, { type: connected ? 'resume' : 'drop', fan });
      },
      hold(fan, _grant, option, quantity, attempt) {
        commands++;
        to(fan, { type: 'hold', fan, request: requests[option]!(quantity), attempt });
      },
      startPayment(fan, _hold, attempt) {
        commands++;
        to(fan, { type: 'pay', fan, attempt });
      },
      release(fan) {
        commands++;
        to(fan, { type: 'release', fan });
      },
      confirm(fan) {
        commands++;
        to(fan, { type: 'settle', fan, decision: 'approve' });
      },
      fail(fan, _hold, _attempt, _reason, failure) {
        commands++;
        to(fan, { type: 'settle', fan, decision: 'decline', ...(failure === undefined ? {} : { failure }) });
      },
      lateCharge(fan, _hold, attempt) {
        // Only a webhook can bring a provider's late success: paying through the demo checkout, there is none.
        if (options.webhookSecret === undefined) return;
        commands++;
        to(fan, { type: 'lateCharge', fan, attempt });
      },
      available: (option) => free[option]!,
      // The outlook the gateway sent with `joined` (a place numbered later, at a draw, sees none: the worker does not compute one from queue frames).
      outlook: (fan) => outlooks.get(fan) ?? null,
      // As the fan page decides it: the place's number beyond the horizon of the latest `joined` or `queue` frame.
      mayCloseThePage: (fan) => awayAfter !== null && numbers[fan]! > awayAfter,
    };
    model.commands = commandsImpl;

    const modelNow = () => (Date.now() - t0) * scale;
    const modelAt = (epochMs: number) => (epochMs - t0) * scale;
    const obs: LiveObservations['admissions'] = [];
    const soldOutAts = new Set<number>();
    const errors: Record<string, number> = {};
    const code = (c: Code): Code => {
      if (c !== undefined) errors[c] = (errors[c] ?? 0) + 1;
      return c;
    };
    const grantTtl = liveConfig.grantTtlMs;
    let pending = 0;
    /** Fans whose turn (an admission or a call) crossed their leave on the wire: the journal must show them left afterwards. */
    const crossedLeaves: number[] = [];
    /** Admissions heard by fans the model held in another state than waiting, by that state. */
    const admittedNotWaiting: Record<string, number> = {};
    // A call can reach a fan twice (its socket, and the webhook or a resumed `joined`): the model hears each call once.
    const callHeardFor = new Map<number, number>();
    const heardCall = (fan: number, expiresAt: number) => {
      if (callHeardFor.get(fan) === expiresAt) return;
      callHeardFor.set(fan, expiresAt);
      if (fans.state[fan] === Fan.LEFT) crossedLeaves.push(fan);
      else model.onCalled(fan, 0, cursor, modelAt(expiresAt));
    };
    onOrganizerHook = (hook) => {
      cursor = Math.max(cursor, modelNow());
      for (const entry of hook.fans) {
        const fan = fanOfId.get(entry.fanId);
        if (fan === undefined) continue;
        if (hook.type === 'fan.recalled') model.onRecalled(fan, cursor);
        else if (hook.type === 'fan.called') heardCall(fan, (entry as { expiresAt: number }).expiresAt);
      }
    };

    const onWorker = (m: FromWorker) => {
      cursor = Math.max(cursor, modelNow());
      switch (m.type) {
        case 'refused':
          refusals.note(m.kind, m.address);
          return;
        case 'joined':
          pending--;
          if (m.code === undefined) progress.joined++;
          outlooks.set(m.fan, m.outlook);
          numbers[m.fan] = m.number;
          if (m.code === undefined) awayAfter = m.awayAfter;
          return model.onJoin(m.fan, code(m.code));
        case 'awayAfter':
          awayAfter = m.awayAfter;
          return;
        case 'resumed':
          numbers[m.fan] = m.number;
          code(m.code);
          if (m.code === undefined && !m.restored && fans.state[m.fan] === Fan.WAITING) {
            // Away past the grace: the token join took a new place at the back.
            model.onLost(m.fan);
            freshPlace[m.fan] = 1;
            model.arrive(m.fan);
          }
          return;
        case 'admitted':
          if (fans.state[m.fan] === Fan.LEFT) {
            // Live, a leave and the fan's admission can cross on the wire: the engine admitted it before the leave arrived.
            crossedLeaves.push(m.fan);
            return;
          }
          if (fans.state[m.fan] !== Fan.WAITING) {
            const state = stateNames[fans.state[m.fan]!] ?? String(fans.state[m.fan]);
            admittedNotWaiting[state] = (admittedNotWaiting[state] ?? 0) + 1;
          }
          obs.push({ fan: m.fan, number: m.number, admittedAt: m.expiresAt - grantTtl, postStart: m.postStart });
          return model.onAdmitted(m.fan, 0, Math.min(cursor, modelAt(m.expiresAt - grantTtl)), cursor);
        case 'waitlisted':
          return model.onWaitlisted(m.fan, cursor);
        case 'called':
          return heardCall(m.fan, m.expiresAt);
        case 'lapsed':
          return model.onLapsed(m.fan, cursor);
        case 'soldOut':
          if (soldOutAts.has(m.at)) return;
          soldOutAts.add(m.at);
          return model.onSoldOut(modelAt(m.at), cursor);
        case 'held':
          return model.onHold(m.fan, code(m.code), 0, m.quantity);
        case 'payStarted':
          return model.onPaymentStarted(m.fan, code(m.code), m.queued ? { queued: true } : { channel: s.payments.channel });
        case 'payReady':
          if (code(m.code) !== undefined) return model.onQueuedPaymentDropped(m.fan);
          return model.onPaymentReady(m.fan, s.payments.channel, cursor);
        case 'payDropped':
          return model.onQueuedPaymentDropped(m.fan);
        case 'released':
          return model.onRelease(m.fan, code(m.code));
        case 'settled':
          if (m.kind === 'late') return model.onLateCharge(m.fan, code(m.code), 0);
          return m.kind === 'confirm' ? model.onConfirm(m.fan, code(m.code)) : model.onFail(m.fan, code(m.code));
        default:
          return;
      }
    };
    for (const c of children) c.on('message', onWorker);

    // Wait for the pre-queue (or the sale) to open before the first arrival.
    for (let i = 0; ; i++) {
      const details = await api('GET', `/api/events/${eventId}`);
      if (details.status.phase !== 'scheduled' && details.status.phase !== 'draft') break;
      if (i > 200) throw new Error(`event did not open: ${details.status.phase}`);
      await sleep(50);
    }

    // The clock: every due arrival and timed step, in time order, every few ms.
    const at = arrivals.at;
    let ai = 0;
    let lastPoll = 0;
    let lastStatus = 0;
    let soldOutQuiet = false;
    const controls = s.configChanges.map((c) => ({ at: times.onSaleMs + c.atSec * 1000, admission: c.admission }));
    let ci = 0;
    const agendaControl: Array<{ at: number; run: () => void }> = [];
    for (const change of providers.changes(s.payments)) {
      agendaControl.push({ at: times.onSaleMs + change.atSec * 1000, run: () => change.provider.setCapacity(change.capacityPerSec, modelNow()) });
    }
    agendaControl.sort((a, b) => a.at - b.at);
    let progressAt = 0;
    // The sale over time, for --html: the event's status about once a real second, at model time.
    const series = new Series();
    let lastSample = 0;
    let sampling = false;
    const sample = async () => {
      sampling = true;
      const t = modelNow();
      try {
        const st = await api('GET', `/api/events/${eventId}/status`) as EventStatus;
        series.add({
          t: (t - times.onSaleMs) / 1000, waiting: st.waiting, admitted: st.admitted, held: st.tickets.held, sold: st.tickets.sold, free: st.tickets.free,
          payQueueSec: providers.queueMs(t) / 1000, payUtilisation: providers.utilisation(t), payQueued: st.payments.queue.waiting,
        });
      } catch {
        /* a missed sample */
      } finally {
        sampling = false;
      }
    };
    for (;;) {
      const nowModel = modelNow();
      for (;;) {
        const ta = ai < s.fans ? at[ai]! : Infinity;
        const te = agenda.peekTime();
        const tk = agendaControl.length > 0 ? agendaControl[0]!.at : Infinity;
        const t = Math.min(ta, te, tk);
        if (t > nowModel) break;
        cursor = Math.max(cursor, t);
        if (t === tk) agendaControl.shift()!.run();
        else if (t === te) {
          const fan = agenda.topFan();
          const step = agenda.topStep();
          agenda.pop();
          model.step(fan, step);
        } else {
          pending++;
          model.arrive(ai++);
          progress.arrived = ai;
        }
      }
      // Refused by the door: a second more to count what it refuses, then stop loudly.
      if (refusals.total > 0 && Date.now() - refusals.firstAt >= 1000) throw refused();
      while (ci < controls.length && controls[ci]!.at <= nowModel) {
        const admission = scaleAdmission(controls[ci++]!.admission);
        void api('PATCH', `/api/events/${eventId}`, { config: { admission } }).catch((err: Error) => log(`live: retune failed: ${err.message}`));
      }
      const realNow = Date.now();
      if (realNow - lastPoll > 300) {
        lastPoll = realNow;
        void pollFree();
      }
      if (realNow - lastSample >= 1000 && !sampling) {
        lastSample = realNow;
        void sample();
      }
      if (realNow - progressAt > 2000) {
        progressAt = realNow;
        log(`live: t${nowModel < times.onSaleMs ? '-' : '+'}${Math.round(Math.abs(nowModel - times.onSaleMs) / 1000)} s (model) arrived ${ai}/${s.fans} joined ${progress.joined} ` +
          `refused ${refusals.total} admitted ${model.counters.admitted} bought ${model.counters.ticketsBoughtAsTold} tickets`);
      }
      // Done: past the close; or every fan arrived, the sale sold out and nothing is held or being paid.
      if (nowModel > times.closesMs) break;
      if (ai >= s.fans && soldOutAts.size > 0 && model.paymentsInFlight === 0 && realNow - lastStatus > 500) {
        lastStatus = realNow;
        const status = (await api('GET', `/api/events/${eventId}`)).status;
        if (status.phase === 'soldOut' && status.holds.active === 0 && pending <= 0) {
          if (soldOutQuiet) break;
          soldOutQuiet = true;
        } else soldOutQuiet = false;
      }
      await sleep(5);
    }
    const simEndMs = cursor;
    const simulateSec = (performance.now() - wallStart) / 1000;

    // Close the sale and wait for every hold to end (windows are short in real time).
    const checkStart = performance.now();
    const settleStart = Date.now();
    await api('POST', `/api/events/${eventId}/close`).catch(() => undefined);
    // A hold waiting in the payment queue has its clock paused, up to queuePauseMaxMs (not scaled: the engine's default).
    const maxWait = liveConfig.paymentWindowMs + liveConfig.holdExtensionMs + PAYMENTS_DEFAULTS.queuePauseMaxMs + liveConfig.paymentPendingMaxMs + 5000;
    let status = (await api('GET', `/api/events/${eventId}`)).status;
    while (status.holds.active > 0 && Date.now() - settleStart < maxWait) {
      await sleep(200);
      status = (await api('GET', `/api/events/${eventId}`)).status;
    }
    const holdsSettledWithinSec = status.holds.active === 0 ? (Date.now() - settleStart) / 1000 : null;
    await sleep(300);
    await sample();

    // The engine's own invariants over the event's whole journal, and the report's books kept from it.
    const { entries: journal } = await api('GET', `/api/events/${eventId}/journal`) as { entries: JournalEntry[] };
    const engineViolations = checkInvariants(journal, { requireAllHoldsEnded: true });
    const ledger = new Ledger();
    ledger.apply(journal);

    const stats = await Promise.all(children.map((c) => new Promise<WorkerStats>((resolve, reject) => {
      const onMessage = (m: FromWorker) => {
        if (m.type !== 'stats') return;
        c.off('message', onMessage);
        resolve(m);
      };
      c.on('message', onMessage);
      c.once('exit', () => reject(new Error('load process exited before its report')));
      c.send({ type: 'stop' } satisfies ToWorker);
    })));
    // A refusal after the loop (a late arrival, a payment post): each process reported it before its stats.
    if (refusals.total > 0) throw refused();
    const joinHist = new LatencyHistogram();
    const updateHist = new LatencyHistogram();
    for (const st of stats) {
      joinHist.add(st.joinHist);
      updateHist.add(st.updateHist);
    }
    const transit = checkTransit(journal, stats.flatMap((st) => st.told), Math.min(...stats.map((st) => st.endedAt)));
    const unconfirmed = notLeftAfterTurn(journal, crossedLeaves.map((fan) => fanIdOfFan.get(fan) ?? ''));
    const { why: leavesUnconfirmedWhy, contradicted: leavesUnconfirmed, examples: leavesUnconfirmedExamples } = whyNotLeft(journal, unconfirmed, Object.assign({}, ...stats.map((st) => st.leaves)));
    const checkSec = (performance.now() - checkStart) / 1000;
    const live: LiveObservations = {
      admissions: obs, admittedAfterLeaving: crossedLeaves.length, leavesUnconfirmed, leavesUnconfirmedWhy, leavesUnconfirmedExamples, admittedNotWaiting, organizerWebhooks: notifyReceiver.counts(), stats, joinHist, updateHist, eventId, timeScale: scale, procs, realSec: (performance.now() - wallStart) / 1000, holdsSettledWithinSec, transit,
      finalStatus: { phase: status.phase, tickets: status.tickets, holds: status.holds, admitted: status.admitted, joined: status.joined },
    };
    const { at: _at, bot: _bot, nat: _nat, ...arrivalCounts } = arrivals;
    const cpu = process.cpuUsage(cpuStart);
    return {
      scenario: s, venue, arrivals: arrivalCounts, onSaleMs: times.onSaleMs, closesMs: times.closesMs, simEndMs, counters: model.counters, seen: model.seen, fans,
      payments: model.payments, errors, commands, live, series, ledger, engineViolations, journalEntries: journal.length, door: model.doorFigures(arrivals.at, false),
      timings: { setupSec: 0, simulateSec, checkSec, wallSec: (performance.now() - wallStart) / 1000, cpuSec: (cpu.user + cpu.system) / 1e6 },
    };
  } finally {
    await notifyReceiver.close();
    for (const c of children) if (c.connected) c.disconnect();
    await sleep(100);
    kill();
    process.off('exit', kill);
  }
}

export type LiveRunOutput = Awaited<ReturnType<typeof runLive>>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
