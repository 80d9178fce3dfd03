/**
 * One load-generator process of the gateway bench (forked by
 * gateway-bench.ts; never run directly). It holds up to ~15,000 fan sockets
 * (each process stays under the 20,000-fd limit) using a minimal WebSocket
 * client on plain `net` sockets: the upgrade request, masked (zero-key)
 * binary frames out, unmasked frames in, pong for ping. Frames are encoded
 * and decoded with the shared protocol module (gateway/src/protocol).
 *
 * The parent drives it over IPC: connect → join (paced, open loop) → watch
 * queue broadcasts (and admissions) → close. Times are a Date.now()-calibrated
 * `performance.now()` (epoch ms, sub-ms), comparable with the servers'
 * `serverTime` (Date.now(), integer ms) on the same machine.
 */
import { connect, type Socket } from 'node:net';
import { decodeServerMessage, encodeMessage, PROTOCOL_VERSION, type ServerMessage } from '../src/protocol/index.js';
import { LatencyHistogram } from './histogram.js';
import { clientFrame, controlFrame, readFrames, readUpgradeResponse, upgradeRequest } from './ws-wire.js';
import { wallNow } from './wall-clock.js';

export type LoadCommand =
  | { type: 'connect'; port: number; count: number; localAddresses: string[]; concurrency: number; timeoutMs: number }
  | { type: 'join'; eventId: string; fanPrefix: string; ratePerSec: number; timeoutMs: number }
  | { type: 'watch'; on: boolean; /** The event's grant TTL: an `admitted` frame's expiry − it = when the engine admitted. */ grantTtlMs?: number }
  | { type: 'close' };

export interface TickStat {
  nowServing: number;
  phase: string;
  count: number;
  minServerTime: number;
  maxServerTime: number;
  minRecv: number;
  maxRecv: number;
}

export type LoadReport =
  | { type: 'ready'; pid: number }
  | { type: 'connected'; open: number; failed: number; failures: Record<string, number>; elapsedMs: number }
  | { type: 'joined'; joined: number; errors: Record<string, number>; unanswered: number; firstSend: number; lastReply: number; hist: ReturnType<LatencyHistogram['toData']> }
  | { type: 'watched'; ticks: TickStat[]; open: number; admit: ReturnType<LatencyHistogram['toData']> }
  | { type: 'closed' };

const now = wallNow;

const enum State { CONNECTING, UPGRADING, OPEN, CLOSED }

interface Client {
  sock: Socket;
  state: State;
  buf: Buffer | undefined;
  welcomed: boolean;
  joinSentAt: number;
  joined: boolean;
  /** The tick this client last counted: a refresh repeating it (staggered, or a heartbeat) is not a new arrival. */
  lastTickKey: string | undefined;
}

const clients: Client[] = [];
let watching = false;
let ticks = new Map<string, TickStat>();
let grantTtlMs: number | undefined;
let admitHist = new LatencyHistogram();
let onWelcome: (() => void) | undefined;
let onConnectFailed: ((reason: string) => void) | undefined;
let joinHist = new LatencyHistogram();
let joinErrors: Record<string, number> = {};
let joinedCount = 0;
let lastReply = 0;
let onJoinReply: (() => void) | undefined;

function send(report: LoadReport): void {
  process.send!(report);
}

const UPGRADE = (port: number) => upgradeRequest('127.0.0.1', port);

const HELLO = clientFrame(encodeMessage({ t: 'hello', v: PROTOCOL_VERSION, client: 'bench' }));

function onMessage(c: Client, message: ServerMessage, recvAt: number): void {
  switch (message.t) {
    case 'welcome':
      c.welcomed = true;
      onWelcome?.();
      return;
    case 'joined':
      if (c.joined) return;
      c.joined = true;
      joinedCount++;
      lastReply = recvAt;
      joinHist.recordMs(recvAt - c.joinSentAt);
      onJoinReply?.();
      return;
    case 'error':
      if (!c.joined && c.joinSentAt > 0 && message.rid === 1) {
        joinErrors[message.code] = (joinErrors[message.code] ?? 0) + 1;
        c.joined = true; // answered, not joined
        onJoinReply?.();
      }
      return;
    case 'admitted':
      // Engine clock (Date.now(), whole ms) at admission → this fan reading the frame.
      if (watching && grantTtlMs !== undefined) admitHist.recordMs(Math.max(0, recvAt - (message.expiresAt - grantTtlMs)));
      return;
    case 'queue': {
      if (!watching) return;
      const key = `${message.nowServing}|${message.phase}`;
      if (c.lastTickKey === key) return;
      c.lastTickKey = key;
      let t = ticks.get(key);
      if (t === undefined) {
        t = { nowServing: message.nowServing, phase: message.phase, count: 0, minServerTime: Infinity, maxServerTime: 0, minRecv: Infinity, maxRecv: 0 };
        ticks.set(key, t);
      }
      t.count++;
      if (message.serverTime < t.minServerTime) t.minServerTime = message.serverTime;
      if (message.serverTime > t.maxServerTime) t.maxServerTime = message.serverTime;
      if (recvAt < t.minRecv) t.minRecv = recvAt;
      if (recvAt > t.maxRecv) t.maxRecv = recvAt;
      return;
    }
    default:
      return;
  }
}

function onData(c: Client, chunk: Buffer): void {
  const recvAt = now();
  let buf = c.buf === undefined ? chunk : Buffer.concat([c.buf, chunk]);
  c.buf = undefined;
  if (c.state === State.UPGRADING) {
    const answer = readUpgradeResponse(buf);
    if ('incomplete' in answer) {
      c.buf = buf;
      return;
    }
    if ('refused' in answer) {
      fail(c, `upgrade ${answer.refused}`);
      return;
    }
    c.state = State.OPEN;
    c.sock.write(HELLO);
    buf = answer.rest;
  }
  let closed = false;
  const off = readFrames(buf, 0, (opcode, payload) => {
    if (opcode === 2) onMessage(c, decodeServerMessage(payload), recvAt);
    else if (opcode === 9) c.sock.write(controlFrame(0xa, Buffer.from(payload)));
    else if (opcode === 8) {
      fail(c, `closed ${payload.length >= 2 ? payload.readUInt16BE(0) : ''}`);
      closed = true;
      return false;
    }
    return true;
  });
  if (closed) return;
  if (off < buf.length) c.buf = Buffer.from(buf.subarray(off));
}

function fail(c: Client, reason: string): void {
  if (c.state === State.CLOSED) return;
  const wasOpen = c.welcomed;
  c.state = State.CLOSED;
  c.sock.destroy();
  if (!wasOpen) onConnectFailed?.(reason);
  else closedAfterOpen[reason] = (closedAfterOpen[reason] ?? 0) + 1;
}
const closedAfterOpen: Record<string, number> = {};

async function connectAll(cmd: Extract<LoadCommand, { type: 'connect' }>): Promise<void> {
  const started = now();
  let open = 0;
  let failed = 0;
  let started_ = 0;
  let inFlight = 0;
  const failures: Record<string, number> = {};
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      failures.timeout = cmd.count - open - failed;
      resolve();
    }, cmd.timeoutMs);
    const settle = () => {
      inFlight--;
      if (open + failed >= cmd.count) {
        clearTimeout(timer);
        resolve();
      } else pump();
    };
    onWelcome = () => {
      open++;
      settle();
    };
    onConnectFailed = (reason) => {
      failed++;
      failures[reason] = (failures[reason] ?? 0) + 1;
      settle();
    };
    const pump = () => {
      while (inFlight < cmd.concurrency && started_ < cmd.count) {
        const localAddress = cmd.localAddresses[started_ % cmd.localAddresses.length]!;
        started_++;
        inFlight++;
        const sock = connect({ host: '127.0.0.1', port: cmd.port, localAddress, noDelay: true });
        const c: Client = { sock, state: State.CONNECTING, buf: undefined, welcomed: false, joinSentAt: 0, joined: false, lastTickKey: undefined };
        clients.push(c);
        sock.on('connect', () => {
          c.state = State.UPGRADING;
          sock.write(UPGRADE(cmd.port));
        });
        sock.on('data', (chunk: Buffer) => onData(c, chunk));
        sock.on('error', (err: NodeJS.ErrnoException) => fail(c, err.code ?? 'error'));
        sock.on('close', () => fail(c, 'closed'));
      }
    };
    pump();
  });
  onWelcome = undefined;
  onConnectFailed = undefined;
  send({ type: 'connected', open, failed, failures, elapsedMs: now() - started });
}

/** Open-loop joins at a fixed rate: each due join is sent whether or not earlier ones were answered. */
async function joinAll(cmd: Extract<LoadCommand, { type: 'join' }>): Promise<void> {
  joinHist = new LatencyHistogram();
  joinErrors = {};
  joinedCount = 0;
  const targets = clients.filter((c) => c.state === State.OPEN && c.welcomed);
  let answered = 0;
  let sent = 0;
  const firstSend = now();
  await new Promise<void>((resolve) => {
    const deadline = setTimeout(resolve, cmd.timeoutMs);
    onJoinReply = () => {
      answered++;
      if (answered >= targets.length) {
        clearTimeout(deadline);
        resolve();
      }
    };
    if (targets.length === 0) {
      clearTimeout(deadline);
      resolve();
      return;
    }
    const pace = () => {
      const due = Math.min(targets.length, Math.floor(((now() - firstSend) * cmd.ratePerSec) / 1000) + 1);
      while (sent < due) {
        const c = targets[sent]!;
        const i = sent++;
        if (c.state !== State.OPEN) {
          answered++;
          continue;
        }
        c.joinSentAt = now();
        c.sock.write(clientFrame(encodeMessage({ t: 'join', rid: 1, eventId: cmd.eventId, fanId: `${cmd.fanPrefix}-${i}`, token: null, powChallenge: null, powNonce: null, identity: null, accessCode: null })));
      }
      if (sent < targets.length) setTimeout(pace, 1);
    };
    pace();
  });
  onJoinReply = undefined;
  send({ type: 'joined', joined: joinedCount, errors: joinErrors, unanswered: targets.length - answered, firstSend, lastReply, hist: joinHist.toData() });
}

process.on('message', (cmd: LoadCommand) => {
  switch (cmd.type) {
    case 'connect':
      void connectAll(cmd);
      return;
    case 'join':
      void joinAll(cmd);
      return;
    case 'watch':
      if (cmd.on) {
        ticks = new Map();
        admitHist = new LatencyHistogram();
        grantTtlMs = cmd.grantTtlMs;
        watching = true;
      } else {
        watching = false;
        send({ type: 'watched', ticks: [...ticks.values()], open: clients.filter((c) => c.state === State.OPEN).length, admit: admitHist.toData() });
      }
      return;
    case 'close':
      for (const c of clients) {
        c.state = State.CLOSED;
        c.sock.destroy();
      }
      clients.length = 0;
      send({ type: 'closed' });
      return;
  }
});

process.on('disconnect', () => process.exit(0));
send({ type: 'ready', pid: process.pid });
