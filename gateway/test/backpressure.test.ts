/**
 * Slow clients: a topic publish skips sockets whose buffer is over the limit
 * (uWS does the skipping; the relay counts it), and a per-fan message uWS had
 * to drop closes that connection so the fan resynchronizes on reconnect.
 * Fakes stand in for uWS here: filling a real socket's kernel buffers on
 * loopback takes megabytes.
 */
import type { TemplatedApp, WebSocket } from 'uWebSockets.js';
import { describe, expect, it, vi } from 'vitest';
import type { EngineLink } from '../src/engine-link/types.js';
import { EventCatalog } from '../src/event-catalog.js';
import { FanSender, newConnection, type FanConnection } from '../src/fan/connection.js';
import { EventRelay } from '../src/fan/event-relay.js';
import { FanDirectory } from '../src/fan/fan-directory.js';
import type { FanHandlers } from '../src/fan/fan-handlers.js';
import { GatewayMetrics } from '../src/metrics/gateway-metrics.js';
import { CLOSE_CODES, decodeServerMessage } from '../src/protocol/index.js';

const MAX_BACKPRESSURE = 64 * 1024;

function fakeSocket(conn: FanConnection, buffered: number, sendStatus = 1): WebSocket<FanConnection> {
  return {
    getBufferedAmount: () => buffered,
    send: vi.fn(() => sendStatus),
    end: vi.fn(() => {
      conn.closed = true;
    }),
    subscribe: () => true,
    unsubscribe: () => true,
  } as unknown as WebSocket<FanConnection>;
}

function boundConnection(directory: FanDirectory, fanId: string, buffered: number, sendStatus = 1): FanConnection {
  const conn = newConnection(Number(fanId.slice(1)), '127.0.0.1', 10, 0);
  conn.ws = fakeSocket(conn, buffered, sendStatus);
  conn.binding = { eventId: 'e', fanId, session: Number(fanId.slice(1)), number: 1 };
  directory.add(conn);
  return conn;
}

function relayWith(directory: FanDirectory, metrics: GatewayMetrics, subscribers: number) {
  const published: Uint8Array[] = [];
  const app = {
    numSubscribers: () => subscribers,
    publish: (_topic: string, message: Uint8Array) => {
      published.push(message);
      return true;
    },
  } as unknown as TemplatedApp;
  const link = {} as EngineLink;
  const relay = new EventRelay({
    app, link, catalog: new EventCatalog(link), directory, sender: new FanSender(metrics), handlers: { unbind: () => undefined } as unknown as FanHandlers,
    metrics, maxBackpressureBytes: MAX_BACKPRESSURE, log: () => undefined,
  });
  return { relay, published };
}

describe('slow clients', () => {
  it('one publish per queue update; congested sockets are skipped and counted, not buffered', () => {
    const directory = new FanDirectory();
    const metrics = new GatewayMetrics();
    boundConnection(directory, 'f1', 0);
    boundConnection(directory, 'f2', MAX_BACKPRESSURE * 4);
    boundConnection(directory, 'f3', 100);
    const { relay, published } = relayWith(directory, metrics, 3);
    const state = { eventId: 'e', phase: 'onSale' as const, nowServing: 5, lastNumber: 9, waiting: 4, rateLow: 1, rateHigh: 2, onSaleAt: 0, at: 0 };
    relay.onBroadcast({ type: 'queue', states: [state], sentAt: Date.now() });
    expect(published).toHaveLength(1);
    expect(decodeServerMessage(published[0]!)).toMatchObject({ t: 'queue', eventId: 'e', nowServing: 5 });
    expect(metrics).toMatchObject({ topicPublishes: 1, messagesOut: 2, backpressureDrops: 1 });
  });

  it('closes a connection whose per-fan message had to be dropped, so it reconnects and resynchronizes', () => {
    const directory = new FanDirectory();
    const metrics = new GatewayMetrics();
    const slow = boundConnection(directory, 'f1', MAX_BACKPRESSURE * 4, 2);
    const socket = slow.ws!;
    const { relay } = relayWith(directory, metrics, 1);
    relay.onBroadcast({ type: 'entries', eventId: 'e', entries: [{ type: 'admitted', at: 1, fanIds: ['f1'], firstGrant: 1, grantExpiresAt: 9 }], holdOwners: {} });
    expect(socket.end).toHaveBeenCalledWith(CLOSE_CODES.BACKPRESSURE, expect.any(String));
    expect(slow.closed).toBe(true);
    expect(metrics.backpressureDrops).toBe(1);
  });
});
