/**
 * Slow clients: a topic publish skips sockets whose buffer is over the limit
 * (uWS does the skipping; the relay counts it), and a per-fan message uWS had
 * to drop closes that connection so the fan resynchronizes on reconnect.
 * Fakes stand in for uWS here: filling a real socket's kernel buffers on
 * loopback takes megabytes.
 */
import type { TemplatedApp, WebSocket } from 'uWebSockets.js';
import { describe, expect, it, vi } from 'vitest';
import type { EngineLink } from '../../engine/link/types.js';
import { EventCatalog } from '../src/event-catalog.js';
import { FanSender, newConnection, type FanConnection } from '../src/fan/connection.js';
import { EventRelay } from '../src/fan/event-relay.js';
import { FanDirectory } from '../src/fan/fan-directory.js';
import type { FanHandlers } from '../src/fan/fan-handlers.js';
import { GatewayMetrics } from '../src/metrics/gateway-metrics.js';
import { metricValue } from './helpers/metric-values.js';
import { CLOSE_CODES, decodeServerMessage, REFRESH_SLICES } from '../src/protocol/index.js';

const MAX_BACKPRESSURE = 64 * 1024;
/** The ticket figures of a queue state; these tests are about who receives it, not what it says. */
const NO_SUPPLY = { ticketsFree: 0, ticketsHeld: 0, openGrants: 0, ticketsPerFan: 0, awayAfter: null, paymentsServing: 0 };

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

/** A uWS app whose topics hold the directory's fans: the event's topic all of them, a slice topic those of its slice. */
function relayWith(directory: FanDirectory, metrics: GatewayMetrics, limits: { staggerRefreshFromFans?: number; refreshSpreadMs?: number } = {}) {
  const published: Uint8Array[] = [];
  const topics: string[] = [];
  const subscribersOf = (topic: string) => {
    const slice = topic.match(/\/queue\/(\d+)$/)?.[1];
    return [...directory.connectionsOf('e')].filter((c) => slice === undefined || c.binding!.session % REFRESH_SLICES === Number(slice)).length;
  };
  const app = {
    numSubscribers: subscribersOf,
    publish: (topic: string, message: Uint8Array) => {
      topics.push(topic);
      published.push(message);
      return true;
    },
  } as unknown as TemplatedApp;
  const link = {} as EngineLink;
  const relay = new EventRelay({
    app, link, catalog: new EventCatalog(link), directory, sender: new FanSender(metrics), handlers: { unbind: () => undefined } as unknown as FanHandlers,
    metrics, maxBackpressureBytes: MAX_BACKPRESSURE, log: () => undefined,
    staggerRefreshFromFans: limits.staggerRefreshFromFans ?? 1_000, refreshSpreadMs: limits.refreshSpreadMs ?? 800,
  });
  return { relay, published, topics };
}

describe('slow clients', () => {
  it('one publish per queue update; congested sockets are skipped and counted, not buffered', async () => {
    const directory = new FanDirectory();
    const metrics = new GatewayMetrics();
    boundConnection(directory, 'f1', 0);
    boundConnection(directory, 'f2', MAX_BACKPRESSURE * 4);
    boundConnection(directory, 'f3', 100);
    const { relay, published } = relayWith(directory, metrics);
    const state = { eventId: 'e', phase: 'onSale' as const, nowServing: 5, lastNumber: 9, waiting: 4, rateLow: 1, rateHigh: 2, onSaleAt: 0, ...NO_SUPPLY, at: 0 };
    relay.onBroadcast({ type: 'queue', states: [state], sentAt: Date.now() });
    expect(published).toHaveLength(1);
    expect(decodeServerMessage(published[0]!)).toMatchObject({ t: 'queue', eventId: 'e', nowServing: 5 });
    expect(await metricValue(metrics.registry, 'breakwater_gateway_topic_publishes_total')).toBe(1);
    expect(await metricValue(metrics.registry, 'breakwater_gateway_messages_out_total')).toBe(2);
    expect(await metricValue(metrics.registry, 'breakwater_gateway_backpressure_drops_total')).toBe(1);
  });

  it('closes a connection whose per-fan message had to be dropped, so it reconnects and resynchronizes', async () => {
    const directory = new FanDirectory();
    const metrics = new GatewayMetrics();
    const slow = boundConnection(directory, 'f1', MAX_BACKPRESSURE * 4, 2);
    const socket = slow.ws!;
    const { relay } = relayWith(directory, metrics);
    relay.onBroadcast({ type: 'entries', eventId: 'e', entries: [{ type: 'admitted', at: 1, fanIds: ['f1'], firstGrant: 1, grantExpiresAt: 9 }], holdOwners: {}, origin: 'host', seq: 1 });
    expect(socket.end).toHaveBeenCalledWith(CLOSE_CODES.BACKPRESSURE, expect.any(String));
    expect(slow.closed).toBe(true);
    expect(await metricValue(metrics.registry, 'breakwater_gateway_backpressure_drops_total')).toBe(1);
  });
});

describe('staggered queue refreshes', () => {
  const base = { eventId: 'e', phase: 'onSale' as const, nowServing: 5, lastNumber: 40, waiting: 35, rateLow: 1, rateHigh: 2, onSaleAt: 0, ...NO_SUPPLY, at: 0 };

  function crowdedRelay() {
    vi.useFakeTimers();
    const directory = new FanDirectory();
    const metrics = new GatewayMetrics();
    for (let i = 1; i <= 2 * REFRESH_SLICES; i++) boundConnection(directory, `f${i}`, 0);
    const relayed = relayWith(directory, metrics, { staggerRefreshFromFans: 10, refreshSpreadMs: 800 });
    const send = (change: Partial<typeof base>) => relayed.relay.onBroadcast({ type: 'queue', states: [{ ...base, ...change }], sentAt: Date.now() });
    send({});
    relayed.topics.length = 0;
    relayed.published.length = 0;
    metrics.messagesOut.reset();
    return { ...relayed, metrics, send };
  }

  /** Between two slices of a refresh: refreshSpreadMs (800 here) over the slices. */
  const gap = 800 / REFRESH_SLICES;
  const sliceTopics = Array.from({ length: REFRESH_SLICES }, (_, slice) => `evt/e/queue/${slice}`);

  it('a state that moves nobody reaches the slices one after another, each fan once', async () => {
    const { topics, published, metrics, send } = crowdedRelay();
    try {
      send({ waiting: 36, lastNumber: 41 });
      expect(topics).toEqual(['evt/e/queue/0']);
      vi.advanceTimersByTime(gap * (REFRESH_SLICES - 1));
      expect(topics).toEqual(sliceTopics);
      expect(published.map((frame) => decodeServerMessage(frame))).toEqual(Array(REFRESH_SLICES).fill(expect.objectContaining({ waiting: 36 })));
      expect(await metricValue(metrics.registry, 'breakwater_gateway_messages_out_total')).toBe(2 * REFRESH_SLICES);
      vi.advanceTimersByTime(10_000);
      expect(topics).toHaveLength(REFRESH_SLICES);
    } finally {
      vi.useRealTimers();
    }
  });

  it('a newer refresh replaces the state for the slices still to come, without starting over', () => {
    const { topics, published, send } = crowdedRelay();
    try {
      send({ waiting: 36 });
      vi.advanceTimersByTime(2 * gap);
      send({ waiting: 37 });
      vi.advanceTimersByTime(1_000);
      expect(topics).toEqual(sliceTopics);
      const waiting = published.map((frame) => (decodeServerMessage(frame) as { waiting: number }).waiting);
      expect(waiting).toEqual([36, 36, 36, ...Array(REFRESH_SLICES - 3).fill(37)]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('a move goes to every fan at once and cancels the slices still to come', () => {
    const { topics, published, send } = crowdedRelay();
    try {
      send({ waiting: 36 });
      vi.advanceTimersByTime(gap);
      send({ nowServing: 6, waiting: 35 });
      vi.advanceTimersByTime(1_000);
      expect(topics).toEqual(['evt/e/queue/0', 'evt/e/queue/1', 'evt/e/queue']);
      expect(decodeServerMessage(published[2]!)).toMatchObject({ nowServing: 6 });
    } finally {
      vi.useRealTimers();
    }
  });

  it('below the threshold a refresh goes to the whole topic at once', () => {
    vi.useFakeTimers();
    try {
      const directory = new FanDirectory();
      const metrics = new GatewayMetrics();
      for (let i = 1; i <= 2 * REFRESH_SLICES; i++) boundConnection(directory, `f${i}`, 0);
      const { relay, topics } = relayWith(directory, metrics, { staggerRefreshFromFans: 2 * REFRESH_SLICES + 1 });
      relay.onBroadcast({ type: 'queue', states: [base], sentAt: Date.now() });
      relay.onBroadcast({ type: 'queue', states: [{ ...base, waiting: 36 }], sentAt: Date.now() });
      vi.advanceTimersByTime(1_000);
      expect(topics).toEqual(['evt/e/queue', 'evt/e/queue']);
    } finally {
      vi.useRealTimers();
    }
  });
});
