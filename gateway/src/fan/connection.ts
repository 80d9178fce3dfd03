/**
 * A fan's WebSocket and what the gateway knows about it. A uWS socket must
 * not be touched after its close event (it throws), and replies come back
 * after awaits, so every send goes through `FanSender`, which checks `closed`.
 */
import type { WebSocket } from 'uWebSockets.js';
import { encodeMessage, type ServerMessage, type WireHold } from '../protocol/messages.js';
import { CLOSE_CODES } from '../protocol/close-codes.js';
import type { BucketState } from '../protection/token-bucket.js';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';

/** The place this connection holds, once `join` succeeded. */
export interface Binding {
  eventId: string;
  fanId: string;
  /** The engine process's session number: a newer session of the same fan replaces this one. */
  session: number;
  number: number;
}

export interface FanConnection {
  readonly id: number;
  readonly ip: string;
  ws: WebSocket<FanConnection> | undefined;
  closed: boolean;
  greeted: boolean;
  /** Message budget (token bucket) and how many messages in a row were refused for it. */
  bucket: BucketState;
  refusedInARow: number;
  inFlight: number;
  joining: boolean;
  binding: Binding | undefined;
  /** The admission grant the gateway last told this fan about: `hold` uses it by default. */
  grant: { grantId: string; expiresAt: number } | undefined;
  /** The grant this connection's last hold used: a retry of that hold (same key) replays its first result. */
  spentGrantId: string | undefined;
  /** Set when the fan resumed on another connection: closing this one must not mark the fan gone. */
  replaced: boolean;
  /** What this fan was told of each of its holds (by FanSender): a catch-up sends only what changed since. */
  holdsTold: Map<string, WireHold['status']> | undefined;
  /** The grant whose lapse this fan was told of (by FanSender: `grantExpired`, or `joined.lapsedGrantId`). */
  lapseTold: string | undefined;
}

const enum SendStatus {
  BACKPRESSURE = 0,
  SUCCESS = 1,
  DROPPED = 2,
}

export function newConnection(id: number, ip: string, burst: number, now: number): FanConnection {
  return {
    id, ip, ws: undefined, closed: false, greeted: false, bucket: { tokens: burst, refilledAt: now }, refusedInARow: 0,
    inFlight: 0, joining: false, binding: undefined, grant: undefined, spentGrantId: undefined, replaced: false, holdsTold: undefined,
    lapseTold: undefined,
  };
}

export class FanSender {
  constructor(private readonly metrics: GatewayMetrics) {}

  /**
   * Sends one message to one fan. A message uWS had to drop (the socket's
   * buffer is full) closes the connection: the fan would otherwise miss
   * something only it is told (an admission, an expiry); reconnecting with
   * the queue token resynchronizes everything.
   */
  send(conn: FanConnection, message: ServerMessage): boolean {
    if (conn.closed || conn.ws === undefined) return false;
    const status = conn.ws.send(encodeMessage(message), true) as SendStatus;
    if (status === SendStatus.DROPPED) {
      this.metrics.backpressureDrops.inc();
      this.metrics.reject('backpressureClosed');
      this.close(conn, CLOSE_CODES.BACKPRESSURE, 'too slow: reconnect with your queue token');
      return false;
    }
    this.metrics.messagesOut.inc();
    noteHoldsTold(conn, message);
    if (message.t === 'grantExpired') conn.lapseTold = message.grantId;
    else if (message.t === 'joined') conn.lapseTold = message.lapsedGrantId ?? undefined;
    return true;
  }

  close(conn: FanConnection, code: number, reason: string): void {
    if (conn.closed || conn.ws === undefined) return;
    // end() runs the close handler synchronously, which marks the connection closed.
    conn.ws.end(code, reason.slice(0, 120));
  }
}

/** The state of a hold a message tells its fan, if it tells one. */
function noteHoldsTold(conn: FanConnection, message: ServerMessage): void {
  const note = (holdId: string, status: WireHold['status']): void => void (conn.holdsTold ??= new Map()).set(holdId, status);
  switch (message.t) {
    case 'joined':
      for (const hold of message.holds) note(hold.holdId, hold.status);
      return;
    case 'held':
    case 'paymentStarted':
    case 'paymentQueued':
      return note(message.hold.holdId, message.hold.status);
    case 'paymentReady':
      return note(message.holdId, 'paymentPending');
    case 'purchased':
      return note(message.holdId, 'purchased');
    case 'holdExpired':
      return note(message.holdId, 'expired');
    case 'paymentFailed':
      return note(message.holdId, 'held');
    case 'released':
      return note(message.holdId, 'released');
    default:
      return;
  }
}
