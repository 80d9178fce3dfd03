/**
 * Turns the engine process's broadcasts into what this process's fans see:
 * ONE topic publish per event per tick for the queue (clients compute their
 * own position), per-fan messages to that fan's socket only, and the closing
 * of connections whose fan resumed elsewhere.
 *
 * Topic publishes skip sockets whose send buffer is over the backpressure
 * limit (uWS does that; we count the skips as drops). A skipped queue update
 * loses nothing: every update carries the whole state, and the next one
 * catches the fan up. Memory per socket stays bounded by maxBackpressure.
 *
 * A queue state that moves somebody (nowServing, phase, on-sale time) goes
 * to every fan of the event at once. One that moves nobody — the line grew,
 * the rates changed, a heartbeat — goes to REFRESH_SLICES slices of them one
 * after another over refreshSpreadMs once this process holds many of the
 * event's fans: a write to 15,000 sockets in one burst is ~100 ms of a core,
 * and joins would wait behind every such burst.
 */
import type { TemplatedApp } from 'uWebSockets.js';
import { BreakwaterError, type JournalEntry } from '../../../engine/src/index.js';
import type { EventCatalog } from '../event-catalog.js';
import type { EngineBroadcast, EngineLink, QueueState } from '../../../engine/link/types.js';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';
import { CLOSE_CODES } from '../protocol/close-codes.js';
import { encodeMessage, queueTopic, REFRESH_SLICES, refreshSliceTopic, type ServerMessage } from '../protocol/messages.js';
import type { FanConnection, FanSender } from './connection.js';
import type { FanDirectory } from './fan-directory.js';
import type { FanHandlers } from './fan-handlers.js';
import { noticesOf } from './fan-notices.js';
import { FanResync } from './fan-resync.js';

export interface EventRelayDeps {
  app: TemplatedApp;
  link: EngineLink;
  catalog: EventCatalog;
  directory: FanDirectory;
  sender: FanSender;
  handlers: FanHandlers;
  metrics: GatewayMetrics;
  maxBackpressureBytes: number;
  staggerRefreshFromFans: number;
  refreshSpreadMs: number;
  log: (message: string) => void;
}

/** A refresh on its way through an event's slices: later refreshes replace `state` for the slices still to come. */
interface StaggeredRefresh {
  state: QueueState;
  nextSlice: number;
  timer: NodeJS.Timeout | undefined;
}

/** Entries that change an event's public info (times, the message to the queue, a pause before the sale). */
const PUBLIC_INFO_ENTRIES = new Set<JournalEntry['type']>(['configUpdated', 'saleStarted', 'announced', 'paused', 'resumed']);

/** Fan ids per request when asking the engine for the numbers the shuffle drew. */
const PLACES_BATCH = 5_000;

export class EventRelay {
  /** Per event, what the last published state said about positions: nowServing|phase|onSaleAt. */
  private readonly lastMove = new Map<string, string>();
  private readonly refreshing = new Map<string, StaggeredRefresh>();
  private readonly resync: FanResync;

  constructor(private readonly deps: EventRelayDeps) {
    const { link, directory, sender, handlers, log } = deps;
    this.resync = new FanResync({ link, directory, sender, unbind: (conn) => handlers.unbind(conn), log });
  }

  /** Drops the refreshes and catch-ups still on their way (the server is closing). */
  stop(): void {
    for (const refresh of this.refreshing.values()) clearTimeout(refresh.timer);
    this.refreshing.clear();
    this.resync.stop();
  }

  onBroadcast(broadcast: EngineBroadcast): void {
    switch (broadcast.type) {
      case 'queue':
        for (const state of broadcast.states) this.publishQueue(state, broadcast.sentAt);
        return;
      case 'entries':
        this.relayEntries(broadcast.eventId, broadcast.entries, broadcast.holdOwners);
        return;
      case 'sessionReplaced':
        this.closeReplaced(broadcast.session);
        return;
      case 'settings':
        this.deps.catalog.setSettings(broadcast.eventId, broadcast.settings);
        return;
      case 'takenOver':
        // The new owner learns whose fans these are; whatever the old one decided but never said, the fans learn now.
        this.resync.request(broadcast.eventIds, 'taken over');
        return;
      case 'resync':
        this.resync.request(broadcast.eventIds, broadcast.reason);
        return;
      case 'service':
        for (const eventId of broadcast.eventIds) this.publish(eventId, { t: 'service', eventId, available: broadcast.available, reason: broadcast.reason });
        return;
      case 'stats':
        return;
    }
  }

  private publishQueue(state: QueueState, sentAt: number): void {
    const { eventId } = state;
    const move = `${state.nowServing}|${state.phase}|${state.onSaleAt}`;
    const moved = this.lastMove.get(eventId) !== move;
    this.lastMove.set(eventId, move);
    const pending = this.refreshing.get(eventId);
    if (moved || this.deps.app.numSubscribers(queueTopic(eventId)) < this.deps.staggerRefreshFromFans) {
      // The whole state goes to everyone: slices still waiting would only repeat it.
      if (pending !== undefined) {
        clearTimeout(pending.timer);
        this.refreshing.delete(eventId);
      }
      if (this.publish(eventId, queueMessage(state))) this.deps.metrics.updateLatency.observe(Math.max(0, Date.now() - sentAt) / 1000);
      return;
    }
    if (pending !== undefined) {
      pending.state = state;
      return;
    }
    this.deps.metrics.updateLatency.observe(Math.max(0, Date.now() - sentAt) / 1000);
    this.refreshSlice(eventId, { state, nextSlice: 0, timer: undefined });
  }

  private refreshSlice(eventId: string, refresh: StaggeredRefresh): void {
    const slice = refresh.nextSlice++;
    this.publish(eventId, queueMessage(refresh.state), slice);
    if (refresh.nextSlice >= REFRESH_SLICES) {
      this.refreshing.delete(eventId);
      return;
    }
    refresh.timer = setTimeout(() => this.refreshSlice(eventId, refresh), this.deps.refreshSpreadMs / REFRESH_SLICES);
    refresh.timer.unref();
    this.refreshing.set(eventId, refresh);
  }

  /**
   * One publish to every fan of the event connected here (or to one slice of
   * them), skipping (and counting) the congested. False when nobody is here.
   */
  private publish(eventId: string, message: ServerMessage, slice?: number): boolean {
    const { app, directory, metrics, maxBackpressureBytes } = this.deps;
    const topic = slice === undefined ? queueTopic(eventId) : refreshSliceTopic(eventId, slice);
    const subscribers = app.numSubscribers(topic);
    if (subscribers === 0) return false;
    const inTopic = (conn: FanConnection) => slice === undefined || (conn.binding?.session ?? -1) % REFRESH_SLICES === slice;
    let congested = 0;
    for (const conn of directory.connectionsOf(eventId)) {
      if (!conn.closed && conn.ws !== undefined && inTopic(conn) && conn.ws.getBufferedAmount() > maxBackpressureBytes) congested++;
    }
    app.publish(topic, encodeMessage(message), true);
    metrics.topicPublishes.inc();
    metrics.messagesOut.inc(subscribers - congested);
    metrics.backpressureDrops.inc(congested);
    return true;
  }

  private relayEntries(eventId: string, entries: JournalEntry[], holdOwners: Record<string, string>): void {
    const { directory, sender, catalog, handlers } = this.deps;
    for (const { fanId, message } of noticesOf(eventId, entries, holdOwners)) {
      if (fanId === undefined) {
        this.publish(eventId, message);
        continue;
      }
      const conn = directory.get(eventId, fanId);
      if (conn === undefined) continue;
      if (message.t === 'admitted' || message.t === 'called') conn.grant = { grantId: message.grantId, expiresAt: message.expiresAt };
      if (message.t === 'grantExpired' && conn.grant?.grantId === message.grantId) conn.grant = undefined;
      sender.send(conn, message);
      // A lost place frees the connection to join again.
      if (message.t === 'placeLost') handlers.unbind(conn);
    }
    // What the public event info shows changed: the next fan to load the page reads it fresh.
    if (entries.some((entry) => PUBLIC_INFO_ENTRIES.has(entry.type))) catalog.invalidate(eventId);
    if (entries.some((entry) => entry.type === 'saleStarted' || entry.type === 'drawn' || entry.type === 'numbered')) void this.tellShuffledNumbers(eventId);
  }

  /**
   * When a draw runs (the pre-queue's at the on-sale time, the start window's
   * at its end) or slow-lane places reach their readyAt, each unnumbered fan
   * connected here learns the number it got.
   */
  private async tellShuffledNumbers(eventId: string): Promise<void> {
    const { directory, link, sender } = this.deps;
    const waiting = [...directory.connectionsOf(eventId)].filter((conn) => conn.binding?.number === 0);
    for (let i = 0; i < waiting.length; i += PLACES_BATCH) {
      const batch = waiting.slice(i, i + PLACES_BATCH);
      try {
        const places = await link.execute({ op: 'placesOf', eventId, fanIds: batch.map((conn) => conn.binding!.fanId) });
        for (const conn of batch) {
          const binding = conn.binding;
          const number = binding === undefined ? 0 : (places[binding.fanId] ?? 0);
          if (binding === undefined || number === 0) continue;
          binding.number = number;
          sender.send(conn, { t: 'numbered', eventId, number });
        }
      } catch (err) {
        this.deps.log(`could not tell shuffled numbers for ${eventId}: ${String(err)}`);
      }
    }
  }

  private closeReplaced(session: number): void {
    const conn = this.deps.directory.bySessionNumber(session);
    if (conn === undefined || conn.closed) return;
    conn.replaced = true;
    const error = new BreakwaterError('SESSION_REPLACED');
    this.deps.sender.send(conn, { t: 'error', rid: null, code: error.code, message: error.message, details: error.details });
    this.deps.sender.close(conn, CLOSE_CODES.SESSION_REPLACED, 'session replaced');
  }
}

/** A queue frame stamped with the time it leaves this process. */
function queueMessage(state: QueueState): ServerMessage {
  return {
    t: 'queue', eventId: state.eventId, phase: state.phase, nowServing: state.nowServing, lastNumber: state.lastNumber, waiting: state.waiting,
    rateLow: state.rateLow, rateHigh: state.rateHigh, onSaleAt: state.onSaleAt, serverTime: Date.now(),
    ticketsFree: state.ticketsFree, ticketsHeld: state.ticketsHeld, openGrants: state.openGrants, ticketsPerFan: state.ticketsPerFan,
    awayAfter: state.awayAfter, paymentsServing: state.paymentsServing,
  };
}
