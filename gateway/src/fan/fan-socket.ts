/**
 * The fans' WebSocket endpoint (`/ws`): admission of the connection, frame
 * decoding and checks, rate limits, and the connection's life cycle. Nothing
 * a client sends can throw out of here or reach another fan's state: every
 * frame is decoded and checked before anything acts on it, and every failure
 * becomes an `error` frame (or a close code for floods and version mismatch).
 */
import type { TemplatedApp, WebSocketBehavior } from 'uWebSockets.js';
import { BreakwaterError } from '../../../engine/src/index.js';
import type { GatewayLimits } from '../config.js';
import { asBreakwaterError } from '../../../engine/link/wire-error.js';
import { forwardedForOf, remoteAddress } from '../http/client-address.js';
import { statusLine } from '../http/status-text.js';
import type { GatewayMetrics, RejectReason } from '../metrics/gateway-metrics.js';
import { refusalError, type DoorBudgets } from '../protection/door-budgets.js';
import { retryAfterMs, take } from '../protection/token-bucket.js';
import { CLOSE_CODES } from '../protocol/close-codes.js';
import { decodeFrame, PROTOCOL_VERSION, type ClientMessage } from '../protocol/messages.js';
import { parseClientMessage, requestIdOf } from '../protocol/validate.js';
import { newConnection, type FanConnection, type FanSender } from './connection.js';
import type { FanHandlers } from './fan-handlers.js';

export interface FanSocketDeps {
  limits: GatewayLimits;
  serverId: string;
  /** Trusted proxies in front (0: none). */
  trustProxy: number;
  /** Connection budgets per address and subnet, deployment-wide. */
  door: DoorBudgets;
  handlers: FanHandlers;
  sender: FanSender;
  metrics: GatewayMetrics;
  /** Every open fan connection of this process (for shutdown). */
  open: Set<FanConnection>;
  log: (message: string) => void;
}

/** Frames past this multiple of the limit are cut off by uWS itself, before we see them. */
const HARD_PAYLOAD_FACTOR = 4;

const REJECT_REASON: Partial<Record<string, RejectReason>> = {
  BAD_FRAME: 'badFrame',
  UNKNOWN_MESSAGE_TYPE: 'unknownType',
  MALFORMED_COMMAND: 'malformed',
  HELLO_REQUIRED: 'malformed',
  ENGINE_UNAVAILABLE: 'engineUnavailable',
};

export function registerFanSocket(app: TemplatedApp, pattern: string, deps: FanSocketDeps): void {
  let nextId = 1;
  const { limits, sender, metrics } = deps;
  const messageRate = { perSecond: limits.messagesPerSec, burst: limits.messageBurst };

  const sendError = (conn: FanConnection, rid: number | null, err: BreakwaterError): void => {
    sender.send(conn, { t: 'error', rid, code: err.code, message: err.message, details: err.details });
  };

  const refuse = (conn: FanConnection, rid: number | null, err: unknown): void => {
    const error = asBreakwaterError(err, deps.log);
    const reason = REJECT_REASON[error.code];
    if (reason !== undefined) metrics.reject(reason);
    sendError(conn, rid, error);
  };

  /** The connection's message budget. Refused messages are answered once per episode; a flood is closed. */
  const admitMessage = (conn: FanConnection): boolean => {
    if (take(conn.bucket, messageRate, Date.now())) {
      conn.refusedInARow = 0;
      return true;
    }
    conn.refusedInARow++;
    metrics.reject('rateLimited');
    if (conn.refusedInARow > limits.floodCloseAfter) {
      metrics.reject('floodClosed');
      sender.close(conn, CLOSE_CODES.RATE_LIMITED, 'rate limited');
    } else if (conn.refusedInARow === 1) {
      sendError(conn, null, new BreakwaterError('RATE_LIMITED', 'too many messages on this connection', {
        details: { limit: 'messages', perSecond: messageRate.perSecond, retryAfterMs: retryAfterMs(conn.bucket, messageRate) },
      }));
    }
    return false;
  };

  const hello = (conn: FanConnection, version: number): void => {
    if (version !== PROTOCOL_VERSION) {
      metrics.reject('protocolVersion');
      sendError(conn, null, new BreakwaterError('PROTOCOL_VERSION', `this server speaks protocol version ${PROTOCOL_VERSION}`, {
        details: { version, supported: [PROTOCOL_VERSION] },
      }));
      sender.close(conn, CLOSE_CODES.PROTOCOL_VERSION, 'protocol version mismatch');
      return;
    }
    conn.greeted = true;
    sender.send(conn, { t: 'welcome', v: PROTOCOL_VERSION, serverId: deps.serverId, serverTime: Date.now() });
  };

  const dispatch = (conn: FanConnection, message: ClientMessage): void => {
    if (message.t === 'hello') return hello(conn, message.v);
    if (!conn.greeted) return refuse(conn, message.rid, new BreakwaterError('HELLO_REQUIRED'));
    if (message.t === 'ping') {
      sender.send(conn, { t: 'pong', rid: message.rid, clientTime: message.clientTime, serverTime: Date.now() });
      return;
    }
    if (conn.inFlight >= limits.maxInFlightPerConnection) {
      metrics.reject('rateLimited');
      return sendError(conn, message.rid, new BreakwaterError('RATE_LIMITED', 'too many requests in flight on this connection', {
        details: { limit: 'inFlight', max: limits.maxInFlightPerConnection, retryAfterMs: 100 },
      }));
    }
    conn.inFlight++;
    deps.handlers
      .handle(conn, message)
      .catch((err: unknown) => sendError(conn, message.rid, asBreakwaterError(err, deps.log)))
      .finally(() => conn.inFlight--);
  };

  /** One frame: decoded, checked, dispatched. */
  const receive = (conn: FanConnection, data: ArrayBuffer, isBinary: boolean): void => {
    metrics.messagesIn.inc();
    if (conn.closed || !admitMessage(conn)) return;
    if (data.byteLength > limits.maxPayloadBytes) {
      metrics.reject('tooBig');
      sendError(conn, null, new BreakwaterError('PAYLOAD_TOO_LARGE', `frames are limited to ${limits.maxPayloadBytes} bytes`, {
        details: { limit: limits.maxPayloadBytes, size: data.byteLength },
      }));
      return sender.close(conn, CLOSE_CODES.TOO_BIG, 'message too big');
    }
    if (!isBinary) return refuse(conn, null, new BreakwaterError('BAD_FRAME', 'frames must be binary msgpack', { details: { reason: 'text' } }));
    let value: unknown;
    try {
      // Decoded before this callback returns: uWS neuters `data` afterwards.
      value = decodeFrame(Buffer.from(data));
    } catch {
      return refuse(conn, null, new BreakwaterError('BAD_FRAME', 'the frame is not one msgpack value', { details: { reason: 'msgpack' } }));
    }
    let message: ClientMessage;
    try {
      message = parseClientMessage(value);
    } catch (err) {
      return refuse(conn, requestIdOf(value), err);
    }
    dispatch(conn, message);
  };

  const behavior: WebSocketBehavior<FanConnection> = {
    // uWS drops a frame past its limit by cutting the connection, with no close frame. So it gets a
    // hard ceiling above ours: frames between the two get a proper error frame and close code 1009.
    maxPayloadLength: limits.maxPayloadBytes * HARD_PAYLOAD_FACTOR,
    idleTimeout: limits.idleTimeoutS,
    maxBackpressure: limits.maxBackpressureBytes,
    closeOnBackpressureLimit: 0,
    sendPingsAutomatically: true,

    upgrade: (res, req, context) => {
      // Read everything from req before anything else: it is invalid afterwards.
      const key = req.getHeader('sec-websocket-key');
      const protocol = req.getHeader('sec-websocket-protocol');
      const extensions = req.getHeader('sec-websocket-extensions');
      const ip = remoteAddress(res, deps.trustProxy > 0 ? forwardedForOf(req) : '', deps.trustProxy);
      const refusal = deps.door.admitConnection(ip);
      if (refusal !== undefined) {
        metrics.reject('tooManyConnections');
        const error = refusalError(refusal);
        res.cork(() => {
          res.writeStatus(statusLine(429)).writeHeader('content-type', 'application/json').end(JSON.stringify(error.toJSON()), true);
        });
        return;
      }
      res.upgrade(newConnection(nextId++, ip, messageRate.burst, Date.now()), key, protocol, extensions, context);
    },

    open: (ws) => {
      const conn = ws.getUserData();
      conn.ws = ws;
      deps.door.opened(conn.ip);
      deps.open.add(conn);
      metrics.connections.inc();
    },

    message: (ws, data, isBinary) => {
      const conn = ws.getUserData();
      // A bug met by one frame answers that frame with INTERNAL_ERROR; thrown into uWS it would end the process.
      try {
        receive(conn, data, isBinary);
      } catch (err) {
        refuse(conn, null, err);
      }
    },

    close: (ws) => {
      const conn = ws.getUserData();
      conn.closed = true;
      conn.ws = undefined;
      deps.open.delete(conn);
      deps.door.closed(conn.ip);
      metrics.connections.dec();
      const binding = conn.binding;
      if (binding === undefined) return;
      deps.handlers.unbind(conn);
      if (!conn.replaced) deps.handlers.closeSession(binding);
    },
  };
  app.ws<FanConnection>(pattern, behavior);
}
