/**
 * One load process of the live simulator (forked by live/driver.ts; never run
 * directly). It holds the sockets of its share of the fans (≤ 15,000, under
 * the 20,000-fd limit) with the bench's minimal WebSocket client
 * (gateway/bench/ws-wire.ts) bound to its own loopback source addresses, and
 * speaks the fan protocol through the shared module (gateway/src/protocol).
 * The coordinator decides what each fan does and when; this process carries
 * it out and reports what the fan saw.
 */
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { LatencyHistogram } from '../../../gateway/bench/histogram.js';
import { clientFrame, controlFrame, readFrames, readUpgradeResponse, upgradeRequest } from '../../../gateway/bench/ws-wire.js';
import { DemoPaymentProvider } from '../../../gateway/src/payments/demo-provider.js';
import { SIGNATURE_HEADER } from '../../../engine/host/notify/webhook-signature.js';
import { decodeServerMessage, encodeMessage, PROTOCOL_VERSION, type ClientMessage, type ServerMessage, type WireHold } from '../../../gateway/src/protocol/index.js';
import type { FromWorker, ToWorker, WorkerInit, WorkerStats } from './messages.js';
import { wallNow } from '../../../gateway/bench/wall-clock.js';

const now = wallNow;

type Pending = 'join' | 'resume' | 'hold' | 'pay' | 'payReady' | 'release' | 'leave';

interface FanConn {
  fan: number;
  fanId: string;
  sock: Socket | undefined;
  open: boolean;
  buf: Buffer | undefined;
  /** Closed on purpose (a drop the model asked for, or the end). */
  dropping: boolean;
  rid: number;
  /** The fan's secret for its place, sent with every join as the fan page does: it takes the place again when a `joined` was lost. */
  joinKey: string;
  pending: Map<number, { kind: Pending; sentAt: number; message: ClientMessage & { rid: number | null }; attempt: number }>;
  token: string | null;
  number: number;
  postStart: boolean;
  grantId: string | null;
  hold: WireHold | null;
  paymentId: string | null;
  checkoutUrl: string | null;
  /** The latest `pay` key, and whether that payment waits in the payment queue. */
  payKey: string | null;
  payQueued: boolean;
  /** Each attempt's payment (for a late charge of an attempt the checkout gave up on). */
  payments: Map<number, { paymentId: string; checkoutUrl: string | null; hold: WireHold }>;
  payAttempt: number;
  /** A payment whose outcome the fan is waiting to see (demo checkout). */
  awaiting: 'approve' | 'decline' | null;
  /** Told it is on the waitlist (by `joined` or a `waitlist` broadcast). */
  waitlisted: boolean;
  /** A resume (token join) is on its way: other requests wait for its answer, or they would reach an unbound socket. */
  resuming: boolean;
  afterResume: Array<() => void>;
  /** What the fan was told, for the coordinator's check against the journal: grants, purchased holds, grants that lapsed. */
  toldGrants: Set<string>;
  toldPurchases: Set<string>;
  toldLapses: Set<string>;
  /** When the fan's socket was gone, [from, to] wall-clock ms; `to` 0 while it still is. */
  offline: Array<[number, number]>;
  /** The loopback source address of its current (or last) socket. */
  address: string;
  /** The heartbeat's watch, as the fan page keeps it: the last frame (or the connect) on this socket, and the last ping. */
  lastFrameAt: number;
  pingAt: number;
  /** Reconnections in a row after sockets lost unasked (the backoff grows with them; a joined resets it). */
  reconnects: number;
}

/** Answers a real client retries with the same message (and so the same idempotency key), backing off. */
const RETRYABLE = new Set(['ENGINE_UNAVAILABLE', 'OVERLOADED', 'CONNECTION_LOST', 'CONNECT_FAILED']);
const RETRY_ATTEMPTS = 8;
const RETRY_FIRST_MS = 250;
const RETRY_MAX_MS = 4_000;

let init: WorkerInit;
let demo: DemoPaymentProvider | undefined;
const fans = new Map<number, FanConn>();
const joinHist = new LatencyHistogram();
const updateHist = new LatencyHistogram();
const transport: Record<string, number> = {};
const codes: Record<string, number> = {};
/** Requests retried after a retryable answer, and requests given up after every retry, by code. */
const retried: Record<string, number> = {};
const gaveUp: Record<string, number> = {};
const purchasedByFan: Record<string, number> = {};
const purchasedByTier: Record<string, number> = {};
const soldOutSeen = new Set<number>();
/** The away horizon last reported to the coordinator. */
let awayAfterSent: number | null = null;
let opened = 0;
let openNow = 0;
let peakOpen = 0;
let addressIndex = 0;

const send = (m: FromWorker): void => void process.send!(m);
const count = (table: Record<string, number>, key: string): void => void (table[key] = (table[key] ?? 0) + 1);
const HELLO = clientFrame(encodeMessage({ t: 'hello', v: PROTOCOL_VERSION, client: 'sim-live' }));
const PING = clientFrame(encodeMessage({ t: 'ping', rid: null, clientTime: null }));

/**
 * The fan page's heartbeat (gateway/pages/fan.ts), kept by the fans waiting
 * for something — an answer, or the connection itself (the others hear a
 * queue frame at least every 5 s, and 20,000 pinging fans would double what
 * the load processes and gateways read): a socket silent for 3 s is pinged,
 * one whose ping goes 5 s without any frame back is dead, and so is one still
 * connecting after 8 s (a cut network, or a connection the server never
 * accepted, closes nothing). A dead socket is lost like a closed one: its
 * requests are retried and the place resumed.
 */
const PING_AFTER_MS = 3_000;
const PONG_WITHIN_MS = 5_000;
const CONNECT_WITHIN_MS = 8_000;

const WATCH_EVERY_MS = 250;
let lastWatchAt = 0;

function watchHeartbeats(): void {
  const t = now();
  // Running late, this process is behind on its own sockets: their frames may be waiting to be read. No judging then.
  const late = t - lastWatchAt > 4 * WATCH_EVERY_MS;
  lastWatchAt = t;
  if (late) return;
  for (const c of fans.values()) {
    const sock = c.sock;
    if (sock === undefined || c.dropping || (c.open && c.pending.size === 0) || t - c.lastFrameAt < PING_AFTER_MS) continue;
    const pingUnanswered = c.pingAt > c.lastFrameAt;
    const dead = !c.open ? t - c.lastFrameAt >= CONNECT_WITHIN_MS : pingUnanswered && t - c.pingAt >= PONG_WITHIN_MS;
    if (dead) {
      count(transport, 'socket silent');
      lost(c, sock, c.open ? 'CONNECTION_LOST' : 'CONNECT_FAILED');
    } else if (c.open && !pingUnanswered) {
      c.pingAt = t;
      sock.write(PING);
    }
  }
}
setInterval(watchHeartbeats, WATCH_EVERY_MS).unref();

function fanOf(fan: number, fanId = `fan-${fan}`): FanConn {
  let c = fans.get(fan);
  if (c === undefined) {
    c = {
      fan, fanId, sock: undefined, open: false, buf: undefined, dropping: false, rid: 0, joinKey: randomBytes(16).toString('base64url'), pending: new Map(), token: null,
      number: 0, postStart: false, grantId: null, hold: null, paymentId: null, checkoutUrl: null, payKey: null, payQueued: false, payments: new Map(), payAttempt: 0,
      awaiting: null, waitlisted: false, resuming: false, afterResume: [],
      toldGrants: new Set(), toldPurchases: new Set(), toldLapses: new Set(), offline: [], address: '', lastFrameAt: 0, pingAt: 0, reconnects: 0,
    };
    fans.set(fan, c);
  }
  return c;
}

/**
 * Sends a request now, or opens the socket first (hello, then the request).
 * A fan with a place whose socket is gone resumes it first (token join) and
 * sends the request once that is answered, as the fan page does.
 */
function request(c: FanConn, kind: Pending, message: ClientMessage & { rid: number | null }, attempt = 1): void {
  if (kind !== 'join' && kind !== 'resume' && (c.resuming || (c.sock === undefined && c.token !== null))) {
    c.afterResume.push(() => request(c, kind, message, attempt));
    resume(c);
    return;
  }
  const rid = ++c.rid;
  c.pending.set(rid, { kind, sentAt: 0, message, attempt });
  const bytes = clientFrame(encodeMessage({ ...message, rid } as ClientMessage));
  const write = (): void => {
    c.pending.get(rid)!.sentAt = now();
    c.sock!.write(bytes);
  };
  if (c.open) write();
  else if (c.sock !== undefined) queued.set(c, [...(queued.get(c) ?? []), write]);
  else {
    queued.set(c, [write]);
    open(c);
  }
}
/** The fate of each fan's last leave, for the report (messages.ts, `leaves`). */
const leaves: Record<string, string> = {};
const queued = new Map<FanConn, Array<() => void>>();

function open(c: FanConn): void {
  const localAddress = init.localAddresses[addressIndex++ % init.localAddresses.length]!;
  const sock = connect({ host: '127.0.0.1', port: init.port, localAddress, noDelay: true });
  c.sock = sock;
  c.address = localAddress;
  c.open = false;
  c.dropping = false;
  c.buf = undefined;
  c.lastFrameAt = now();
  let upgraded = false;
  sock.on('connect', () => sock.write(upgradeRequest('127.0.0.1', init.port)));
  sock.on('data', (chunk: Buffer) => {
    if (c.sock !== sock) return;
    c.lastFrameAt = now();
    let buf = c.buf === undefined ? chunk : Buffer.concat([c.buf, chunk]);
    c.buf = undefined;
    if (!upgraded) {
      const answer = readUpgradeResponse(buf);
      if ('incomplete' in answer) {
        c.buf = buf;
        return;
      }
      if ('refused' in answer) {
        count(transport, `upgrade refused ${answer.refused}`);
        if (answer.refused === '429') send({ type: 'refused', kind: 'connection', address: localAddress });
        lost(c, sock, 'CONNECT_FAILED');
        return;
      }
      upgraded = true;
      c.open = true;
      opened++;
      openNow++;
      peakOpen = Math.max(peakOpen, openNow);
      sock.write(HELLO);
      for (const write of queued.get(c) ?? []) write();
      queued.delete(c);
      buf = answer.rest;
    }
    const recvAt = now();
    const off = readFrames(buf, 0, (opcode, payload) => {
      if (opcode === 2) {
        let message: ServerMessage;
        try {
          message = decodeServerMessage(payload);
        } catch {
          count(transport, 'protocol: undecodable frame');
          return true;
        }
        onMessage(c, message, recvAt);
      } else if (opcode === 9) sock.write(controlFrame(0xa, Buffer.from(payload)));
      else if (opcode === 8) {
        if (!c.dropping) count(transport, `unexpected close ${payload.length >= 2 ? payload.readUInt16BE(0) : ''}`.trim());
        c.dropping = true;
        sock.destroy();
        return false;
      } else if (opcode === 1) count(transport, 'protocol: text frame');
      return true;
    });
    if (off < buf.length && c.sock === sock) c.buf = Buffer.from(buf.subarray(off));
  });
  sock.on('error', (err: NodeJS.ErrnoException) => {
    if (!c.dropping) count(transport, upgraded ? `socket ${err.code ?? 'error'}` : `connect ${err.code ?? 'error'}`);
    lost(c, sock, upgraded ? 'CONNECTION_LOST' : 'CONNECT_FAILED');
  });
  sock.on('close', () => {
    if (!c.dropping && upgraded) count(transport, 'unexpected close');
    lost(c, sock, 'CONNECTION_LOST');
  });
}

/** The socket is gone: requests in flight get a transport code; a close nobody asked for reconnects like a real client. */
function lost(c: FanConn, sock: Socket, code: string): void {
  if (c.sock !== sock) return;
  const wasOpen = c.open;
  const unexpected = !c.dropping;
  if (wasOpen) openNow--;
  c.sock = undefined;
  c.open = false;
  c.dropping = true;
  sock.destroy();
  queued.delete(c);
  if (c.offline.at(-1)?.[1] !== 0) c.offline.push([now(), 0]);
  const pending = [...c.pending];
  c.pending.clear();
  // A drop the model asked for while a request was in flight: the fan went offline mid-request (no transport error).
  for (const [, p] of pending) failed(c, p, unexpected ? code : 'OFFLINE', undefined);
  if (unexpected && wasOpen && !stopping && c.token !== null) {
    // Jittered and growing like the fan page's backoff, but from 250 ms: the presence grace is compressed by the time scale
    // (6 s at ×10) while a reconnection is not, so the page's first 1-2 s would cost places a real page keeps.
    const base = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** c.reconnects++);
    setTimeout(() => resume(c), base + Math.random() * base);
  }
}

/**
 * A request was answered with an error: retried with the same message (the
 * same idempotency key) after a backoff when a real client would, else
 * reported to the coordinator (a code given up on after every retry counts apart).
 */
function failed(c: FanConn, p: { kind: Pending; message: ClientMessage & { rid: number | null }; attempt: number }, code: string, m: ServerMessage | undefined): void {
  if (RETRYABLE.has(code) && !stopping) {
    if (p.attempt < RETRY_ATTEMPTS) {
      count(retried, code);
      const backoff = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** (p.attempt - 1)) * (0.5 + Math.random() / 2);
      setTimeout(() => (p.kind === 'resume' ? resume(c, p.attempt + 1) : request(c, p.kind, p.message, p.attempt + 1)), backoff);
      return;
    }
    count(gaveUp, code);
  }
  if (p.kind === 'resume') resumed(c);
  answer(c, p.kind, code, m);
}

/** The resume was answered (or given up on): what waited for it goes now. */
function resumed(c: FanConn): void {
  c.resuming = false;
  for (const run of c.afterResume.splice(0)) run();
}

/** Told its turn lapsed (live, or on coming back): the coordinator tells the model once. */
function toldLapsed(c: FanConn, grantId: string): void {
  if (c.toldLapses.has(grantId)) return;
  c.toldLapses.add(grantId);
  send({ type: 'lapsed', fan: c.fan });
}

function toldWaitlisted(c: FanConn): void {
  if (c.waitlisted) return;
  c.waitlisted = true;
  send({ type: 'waitlisted', fan: c.fan });
}

function answer(c: FanConn, kind: Pending, code: string | undefined, m: ServerMessage | undefined): void {
  if (code !== undefined) count(codes, code);
  if (code === 'RATE_LIMITED') send({ type: 'refused', kind: kind === 'join' || kind === 'resume' ? 'join' : 'request', address: c.address });
  switch (kind) {
    case 'join':
      send({
        type: 'joined', fan: c.fan, code, number: c.number, postStart: c.postStart,
        outlook: m?.t === 'joined' ? m.outlook : null, awayAfter: m?.t === 'joined' ? m.awayAfter : null,
      });
      return;
    case 'resume': {
      const restored = m?.t === 'joined' && m.restored;
      send({ type: 'resumed', fan: c.fan, code, restored, number: c.number });
      if (m?.t === 'joined') afterResume(c, m);
      return;
    }
    case 'hold':
      send({ type: 'held', fan: c.fan, code, quantity: c.hold?.quantity ?? 0 });
      return;
    case 'pay':
      send({ type: 'payStarted', fan: c.fan, code, queued: m?.t === 'paymentQueued' });
      return;
    case 'payReady':
      send({ type: 'payReady', fan: c.fan, code });
      return;
    case 'release':
      send({ type: 'released', fan: c.fan, code });
      return;
    case 'leave':
      leaves[c.fanId] = code ?? 'ok';
      // Gone for good (the model's leave is a fan giving up): a socket lost later must not take a new place with the token.
      if (code === undefined) c.token = null;
      return;
  }
}

function onMessage(c: FanConn, m: ServerMessage, recvAt: number): void {
  if ('rid' in m && m.rid !== null && c.pending.has(m.rid)) {
    const p = c.pending.get(m.rid)!;
    c.pending.delete(m.rid);
    if (m.t === 'error') return failed(c, p, m.code, m);
    if (m.t === 'joined') {
      const gone = c.offline.at(-1);
      if (gone !== undefined && gone[1] === 0) gone[1] = recvAt;
      if (m.grantId !== null) c.toldGrants.add(m.grantId);
      if (m.lapsedGrantId !== null) toldLapsed(c, m.lapsedGrantId);
      for (const hold of m.holds) if (hold.status === 'purchased') c.toldPurchases.add(hold.holdId);
      c.token = m.queueToken;
      c.number = m.number;
      c.reconnects = 0;
      if (p.kind === 'join' || !m.restored) c.postStart = m.status !== 'preQueue';
      if (p.kind === 'join') joinHist.recordMs(recvAt - p.sentAt);
    } else if (m.t === 'held') c.hold = m.hold;
    else if (m.t === 'paymentStarted') {
      c.hold = m.hold;
      c.paymentId = m.paymentId;
      c.checkoutUrl = m.checkoutUrl;
      c.payQueued = false;
      c.payments.set(c.payAttempt, { paymentId: m.paymentId, checkoutUrl: m.checkoutUrl, hold: m.hold });
    } else if (m.t === 'paymentQueued') {
      c.hold = m.hold;
      c.payQueued = true;
    }
    answer(c, p.kind, undefined, m);
    if (p.kind === 'resume') resumed(c);
    // Straight onto the waitlist (or still on it after a resume): the fan hears it with its place.
    if (m.t === 'joined' && m.waitlisted !== null) toldWaitlisted(c);
    return;
  }
  switch (m.t) {
    case 'queue':
      updateHist.recordMs(Math.max(0, recvAt - m.serverTime));
      if (m.awayAfter !== awayAfterSent) {
        awayAfterSent = m.awayAfter;
        send({ type: 'awayAfter', awayAfter: m.awayAfter });
      }
      return;
    case 'numbered':
      c.number = m.number;
      return;
    case 'admitted':
      // Told twice (a catch-up crossing the broadcast): the model hears it once.
      if (c.toldGrants.has(m.grantId)) return;
      c.toldGrants.add(m.grantId);
      c.grantId = m.grantId;
      send({ type: 'admitted', fan: c.fan, number: c.number, expiresAt: m.expiresAt, postStart: c.postStart });
      return;
    case 'waitlist':
      if (m.open && c.number > m.waitlistAfter) toldWaitlisted(c);
      return;
    case 'called':
      if (c.toldGrants.has(m.grantId)) return;
      c.toldGrants.add(m.grantId);
      c.grantId = m.grantId;
      send({ type: 'called', fan: c.fan, expiresAt: m.expiresAt });
      return;
    case 'grantExpired':
      toldLapsed(c, m.grantId);
      return;
    case 'soldOut':
      if (!soldOutSeen.has(m.at)) {
        soldOutSeen.add(m.at);
        send({ type: 'soldOut', at: m.at });
      }
      return;
    case 'purchased':
      c.toldPurchases.add(m.holdId);
      if (c.hold?.holdId === m.holdId) settledAs(c, 'purchased');
      return;
    case 'paymentFailed':
      if (c.hold?.holdId === m.holdId) settledAs(c, 'held');
      return;
    case 'holdExpired':
      if (c.hold?.holdId === m.holdId && c.payQueued) {
        c.payQueued = false;
        send({ type: 'payDropped', fan: c.fan });
      }
      if (c.hold?.holdId === m.holdId) settledAs(c, 'expired');
      return;
    case 'paymentReady':
      // Its turn in the payment queue: the same pay (same key) gets the checkout.
      if (c.hold?.holdId === m.holdId && c.payKey !== null && c.payQueued) request(c, 'payReady', { t: 'pay', rid: null, holdId: m.holdId, key: c.payKey });
      return;
    case 'error':
      // Errors without a request of ours: rate limits, session replaced, …
      count(codes, m.code);
      if (m.code === 'SESSION_REPLACED') c.dropping = true;
      return;
    default:
      return;
  }
}

/** A demo-checkout payment's outcome, as the fan saw it (a push, or its hold's status on resuming). */
function settledAs(c: FanConn, status: WireHold['status']): void {
  const decision = c.awaiting;
  if (decision === null || status === 'paymentPending') return;
  c.awaiting = null;
  if (status === 'purchased') {
    told(c);
    send({ type: 'settled', fan: c.fan, kind: 'confirm', code: undefined });
  } else if (status === 'held') send({ type: 'settled', fan: c.fan, kind: 'fail', code: decision === 'approve' ? 'PAYMENT_FAILED' : undefined });
  else send({ type: 'settled', fan: c.fan, kind: decision === 'approve' ? 'confirm' : 'fail', code: status === 'expired' ? 'HOLD_EXPIRED' : 'HOLD_NOT_ACTIVE' });
}

function told(c: FanConn): void {
  const hold = c.hold!;
  c.toldPurchases.add(hold.holdId);
  purchasedByFan[c.fanId] = (purchasedByFan[c.fanId] ?? 0) + hold.quantity;
  const tier = hold.tierId ?? 'seats';
  purchasedByTier[tier] = (purchasedByTier[tier] ?? 0) + hold.quantity;
}

function afterResume(c: FanConn, m: Extract<ServerMessage, { t: 'joined' }>): void {
  if (m.restored && m.grantId !== null && m.grantId !== c.grantId && m.grantExpiresAt !== null) {
    c.grantId = m.grantId;
    // Called while the page was closed: the coordinator may have heard the call already (organizer webhook).
    if (m.called) send({ type: 'called', fan: c.fan, expiresAt: m.grantExpiresAt });
    else send({ type: 'admitted', fan: c.fan, number: c.number, expiresAt: m.grantExpiresAt, postStart: c.postStart });
  }
  const hold = c.hold === null ? undefined : m.holds.find((h) => h.holdId === c.hold!.holdId);
  if (hold !== undefined) {
    c.hold = hold;
    settledAs(c, hold.status);
  }
}

/** Resumes the fan's place (its token join); a first attempt does nothing while one is on its way or the socket is there. */
function resume(c: FanConn, attempt = 1): void {
  if (stopping || (attempt === 1 && (c.sock !== undefined || c.resuming))) return;
  c.resuming = true;
  const join: ClientMessage & { rid: null } = {
    t: 'join', rid: null, eventId: init.eventId, fanId: c.fanId, token: c.token, powChallenge: null, powNonce: null, identity: null, accessCode: null, joinKey: c.joinKey,
  };
  request(c, 'resume', join, attempt);
}

/**
 * POSTs like a provider or a fan's browser would: a 5xx or a connection
 * failure is sent again (the payment id makes it the same payment), backing
 * off; the last answer or failure after every attempt is the result.
 */
async function postRetried(path: string, body: () => { body: string; headers: Record<string, string> }): Promise<{ status: number; body: string }> {
  for (let attempt = 1; ; attempt++) {
    let code: string;
    try {
      const request = body();
      const res = await post(path, request.body, request.headers);
      if (res.status === 429) send({ type: 'refused', kind: 'http', address: init.localAddresses[0]! });
      if (res.status < 500) return res;
      code = `HTTP_${res.status}`;
      if (attempt >= RETRY_ATTEMPTS || stopping) {
        count(gaveUp, code);
        return res;
      }
    } catch (err) {
      code = 'HTTP_ERROR';
      if (attempt >= RETRY_ATTEMPTS || stopping) {
        count(gaveUp, code);
        throw err;
      }
    }
    count(retried, code);
    await new Promise((resolve) => setTimeout(resolve, Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2)));
  }
}

function post(path: string, body: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({
      host: '127.0.0.1', port: init.port, path, method: 'POST', localAddress: init.localAddresses[0],
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers }, timeout: 30_000,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * The payment side answers: a signed webhook (when the secret is known), else
 * the fan's decision at the demo checkout. `late`: the provider's success for
 * an earlier attempt of the fan (`payment`), arriving after the checkout gave up.
 */
async function settle(c: FanConn, decision: 'approve' | 'decline', failure?: 'error' | 'timeout', late?: { paymentId: string; checkoutUrl: string | null; hold: WireHold }): Promise<void> {
  const hold = late?.hold ?? c.hold;
  const paymentId = late?.paymentId ?? c.paymentId;
  const kind = late !== undefined ? 'late' : decision === 'approve' ? 'confirm' : 'fail';
  if (hold === null || paymentId === null) {
    send({ type: 'settled', fan: c.fan, kind, code: 'NO_PAYMENT' });
    return;
  }
  try {
    if (demo !== undefined) {
      const signed = () => {
        const { body, signature } = demo!.webhookFor({ paymentId, eventId: init.eventId, holdId: hold.holdId, amount: hold.amount, currency: hold.currency }, decision, Date.now(), failure);
        return { body, headers: { [SIGNATURE_HEADER]: signature } };
      };
      const res = await postRetried('/webhooks/payments/demo', signed);
      const parsed = JSON.parse(res.body) as { status?: string; code?: string; error?: { code: string } };
      if (res.status !== 200) {
        count(transport, `webhook HTTP ${res.status} ${parsed.code ?? ''}`.trim());
        send({ type: 'settled', fan: c.fan, kind, code: parsed.code ?? `HTTP_${res.status}` });
      } else if (parsed.status === 'refund') {
        count(codes, parsed.error?.code ?? 'REFUND');
        send({ type: 'settled', fan: c.fan, kind, code: parsed.error?.code ?? 'REFUND' });
      } else {
        if (parsed.status === 'confirmed') told(c);
        send({ type: 'settled', fan: c.fan, kind, code: undefined });
      }
      return;
    }
    // Without the webhook secret the fan decides at the checkout (the coordinator sends no late charge then).
    if (c.checkoutUrl === null) throw new Error('no checkout URL');
    c.awaiting = decision;
    const res = await postRetried(c.checkoutUrl, () => ({ body: JSON.stringify({ decision }), headers: {} }));
    const parsed = JSON.parse(res.body) as { status?: string; code?: string; error?: { code: string } };
    if (res.status !== 200) {
      c.awaiting = null;
      count(transport, `checkout HTTP ${res.status} ${parsed.code ?? ''}`.trim());
      send({ type: 'settled', fan: c.fan, kind, code: parsed.code ?? `HTTP_${res.status}` });
    } else if (parsed.status === 'refund') {
      c.awaiting = null;
      count(codes, parsed.error?.code ?? 'REFUND');
      send({ type: 'settled', fan: c.fan, kind, code: parsed.error?.code ?? 'REFUND' });
    } else {
      // The checkout answers once the engine recorded the outcome; the socket may have told the fan first.
      settledAs(c, parsed.status === 'confirmed' ? 'purchased' : 'held');
    }
  } catch (err) {
    c.awaiting = null;
    count(transport, `payment HTTP ${(err as Error).message}`);
    send({ type: 'settled', fan: c.fan, kind, code: 'HTTP_ERROR' });
  }
}

let stopping = false;

process.on('message', (cmd: ToWorker) => {
  switch (cmd.type) {
    case 'init':
      init = cmd;
      if (cmd.webhookSecret !== undefined) {
        // Only webhookFor() is used: it needs the webhook secret, not the checkout signer.
        demo = new DemoPaymentProvider({ signer: undefined as never, webhookSecret: cmd.webhookSecret, decision: 'approve', delayMs: 0 });
      }
      send({ type: 'ready' });
      return;
    case 'join': {
      const c = fanOf(cmd.fan, cmd.fanId);
      // A new place: with the token when the fan had one (a place lost comes back at the end of the line).
      request(c, 'join', {
        t: 'join', rid: null, eventId: init.eventId, fanId: c.fanId, token: c.token, powChallenge: null, powNonce: null, identity: null, accessCode: null, joinKey: c.joinKey,
      });
      return;
    }
    case 'leave': {
      const c = fanOf(cmd.fan);
      // A socket coming back (a gateway died under it) takes the leave once the place is resumed, as a fan taps "leave" again.
      if (c.sock !== undefined || c.token !== null) {
        leaves[c.fanId] = 'in flight';
        request(c, 'leave', { t: 'leave', rid: null });
      } else leaves[c.fanId] = 'not sent';
      return;
    }
    case 'drop': {
      const c = fanOf(cmd.fan);
      // Gone at once, not when the socket's close event comes: a `resume` right behind (this process may be behind on
      // its messages) must find no socket, or it would be ignored and the fan left without one.
      if (c.sock !== undefined) {
        c.dropping = true;
        lost(c, c.sock, 'OFFLINE');
      }
      return;
    }
    case 'resume':
      resume(fanOf(cmd.fan));
      return;
    case 'hold': {
      const c = fanOf(cmd.fan);
      request(c, 'hold', { t: 'hold', rid: null, grantId: c.grantId, request: cmd.request, key: `hold-${c.grantId}-${cmd.attempt}` });
      return;
    }
    case 'pay': {
      const c = fanOf(cmd.fan);
      if (c.hold === null) return send({ type: 'payStarted', fan: c.fan, code: 'NO_HOLD', queued: false });
      c.payKey = `pay-${c.hold.holdId}-${cmd.attempt}`;
      c.payAttempt = cmd.attempt;
      request(c, 'pay', { t: 'pay', rid: null, holdId: c.hold.holdId, key: c.payKey });
      return;
    }
    case 'release': {
      const c = fanOf(cmd.fan);
      if (c.hold === null) return send({ type: 'released', fan: c.fan, code: 'NO_HOLD' });
      request(c, 'release', { t: 'release', rid: null, holdId: c.hold.holdId, key: `release-${c.hold.holdId}` });
      return;
    }
    case 'settle':
      void settle(fanOf(cmd.fan), cmd.decision, cmd.failure);
      return;
    case 'lateCharge': {
      const c = fanOf(cmd.fan);
      const payment = c.payments.get(cmd.attempt);
      if (payment === undefined) return send({ type: 'settled', fan: c.fan, kind: 'late', code: 'NO_PAYMENT' });
      void settle(c, 'approve', undefined, payment);
      return;
    }
    case 'stop': {
      stopping = true;
      let unobserved = 0;
      for (const c of fans.values()) {
        if (c.awaiting !== null) unobserved++;
        c.dropping = true;
        c.sock?.destroy();
      }
      const end = now();
      const told: WorkerStats['told'] = [];
      for (const c of fans.values()) {
        if (c.token === null) continue;
        told.push({
          fanId: c.fanId, grants: [...c.toldGrants], purchases: [...c.toldPurchases], lapses: [...c.toldLapses], offline: c.offline.map(([from, to]) => [from, to === 0 ? end : to]),
        });
      }
      const stats: WorkerStats = {
        type: 'stats', joinHist: joinHist.toData(), updateHist: updateHist.toData(), opened, peakOpen, transport, codes, purchasedByFan, purchasedByTier, unobserved,
        retried, gaveUp, told, leaves, endedAt: end,
      };
      send(stats);
      return;
    }
  }
});

process.on('disconnect', () => process.exit(0));
