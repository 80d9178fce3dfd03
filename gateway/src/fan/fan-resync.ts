/**
 * Catches the fans connected to this process up with the journal, when the
 * link says broadcasts may have been lost (a NATS reconnect, a gap in an
 * event's `entries` seq, a new engine host) and when a shard took an event
 * over. For every fan bound here, in batches: the sessions are claimed again
 * (the owner learns they are this process's, and marks present a fan it
 * counted gone while it could not hear this gateway), then the owner's view
 * of each fan (`fanViews`) is compared with what this connection told it,
 * and only the difference is sent, as the messages that would have told it:
 * `admitted` / `called`, `numbered`, `held`, `purchased`, `paymentFailed`,
 * `holdExpired`, `released`, `grantExpired` (also for a grant that was
 * issued and lapsed while nobody could tell the fan), `placeLost`. A message that
 * crosses a broadcast telling the same is harmless: the page and the
 * simulator take every per-fan message idempotently.
 *
 * One catch-up per event at a time; asked again meanwhile, it runs once more
 * after. ENGINE_UNAVAILABLE (no owner yet, NATS still coming back) is
 * retried with backoff as long as the event has fans here.
 */
import { isBreakwaterError } from '../../../engine/src/index.js';
import type { EngineLink, FanView } from '../../../engine/link/types.js';
import type { ServerMessage, WireHold } from '../protocol/messages.js';
import type { FanConnection, FanSender } from './connection.js';
import type { FanDirectory } from './fan-directory.js';
import { toWireHold } from './fan-handlers.js';

export interface FanResyncDeps {
  link: EngineLink;
  directory: FanDirectory;
  sender: FanSender;
  /** Detaches a connection whose place is gone. */
  unbind: (conn: FanConnection) => void;
  log: (message: string) => void;
}

/** Fans per request: a view is ~200 bytes, so a reply stays well under NATS' payload limit. */
const BATCH = 2_000;
const RETRY_FIRST_MS = 250;
const RETRY_MAX_MS = 2_000;
/** A catch-up cannot say why a payment failed: the journal's reason went with the lost broadcast. */
const FAILED_REASON = 'the payment did not go through';

export class FanResync {
  private readonly running = new Map<string, { again: boolean }>();
  private stopped = false;

  constructor(private readonly deps: FanResyncDeps) {}

  /** Catches up the fans of these events (null: of every event with fans here). */
  request(eventIds: readonly string[] | null, reason: string): void {
    for (const eventId of eventIds ?? this.deps.directory.events()) {
      const run = this.running.get(eventId);
      if (run !== undefined) {
        run.again = true;
        continue;
      }
      const state = { again: false };
      this.running.set(eventId, state);
      void this.run(eventId, state, reason).finally(() => this.running.delete(eventId));
    }
  }

  stop(): void {
    this.stopped = true;
  }

  private async run(eventId: string, state: { again: boolean }, reason: string): Promise<void> {
    for (let attempt = 0; !this.stopped;) {
      state.again = false;
      try {
        const caughtUp = await this.catchUp(eventId);
        if (caughtUp > 0) this.deps.log(`caught ${caughtUp} fans of ${eventId} up (${reason})`);
        if (!state.again) return;
      } catch (err) {
        if (!isBreakwaterError(err, 'ENGINE_UNAVAILABLE')) {
          this.deps.log(`catching fans of ${eventId} up failed: ${String(err)}`);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** attempt++)));
      }
    }
  }

  /**
   * One pass over the event's fans here; how many were told something. Each
   * batch is the connections' places as they are when it is sent: a fan that
   * leaves, loses its place or joins again while the requests are on their
   * way is skipped (what the view says is not about its place any more).
   */
  private async catchUp(eventId: string): Promise<number> {
    const { link, directory } = this.deps;
    const conns = [...directory.connectionsOf(eventId)];
    let told = 0;
    for (let i = 0; i < conns.length; i += BATCH) {
      const batch = conns.slice(i, i + BATCH).flatMap((conn) => (conn.closed || conn.binding === undefined ? [] : [{ conn, binding: conn.binding }]));
      if (batch.length === 0) continue;
      await link.execute({ op: 'claimSessions', eventId, sessions: batch.map(({ binding }) => ({ fanId: binding.fanId, session: binding.session })) });
      const views = await link.execute({ op: 'fanViews', eventId, fanIds: batch.map(({ binding }) => binding.fanId) });
      for (const { conn, binding } of batch) {
        if (conn.closed || conn.binding !== binding || !(binding.fanId in views)) continue;
        if (this.catchUpFan(conn, eventId, views[binding.fanId]!)) told++;
      }
    }
    return told;
  }

  /** Sends the fan what its view says and this connection did not tell; true when anything was sent. */
  private catchUpFan(conn: FanConnection, eventId: string, view: FanView | null): boolean {
    const { sender } = this.deps;
    const binding = conn.binding!;
    if (view === null || view.status === 'left' || view.status === 'lost') {
      sender.send(conn, { t: 'placeLost', eventId, reason: view?.status === 'left' ? 'left' : 'presenceLost' });
      this.deps.unbind(conn);
      return true;
    }
    const messages: ServerMessage[] = [];
    if (binding.number === 0 && view.number > 0) {
      binding.number = view.number;
      messages.push({ t: 'numbered', eventId, number: view.number });
    }
    let untoldHold = false;
    for (const hold of view.holds) {
      const before = conn.holdsTold?.get(hold.holdId);
      if (before === undefined && hold.status !== 'expired' && hold.status !== 'released') untoldHold = true;
      const message = before === hold.status ? undefined : catchUpMessage(eventId, toWireHold(hold), before, hold.channel);
      if (message !== undefined) messages.push(message);
    }
    if (view.grant !== null) {
      if (conn.grant?.grantId !== view.grant.grantId && conn.spentGrantId !== view.grant.grantId) {
        conn.grant = { ...view.grant };
        messages.push({ t: view.called ? 'called' : 'admitted', eventId, grantId: view.grant.grantId, expiresAt: view.grant.expiresAt });
      }
    } else {
      let lapseTold = conn.lapseTold;
      if (conn.grant !== undefined) {
        // Closed without a hold this connection made: it expired (or a hold it never heard of used it).
        if (untoldHold) conn.spentGrantId = conn.grant.grantId; // a retried hold replays with it
        else messages.push({ t: 'grantExpired', eventId, grantId: (lapseTold = conn.grant.grantId) });
        conn.grant = undefined;
      }
      // Admitted and lapsed while the broadcasts were lost: the fan learns its turn came and went.
      if (view.lapsed !== null && view.lapsed.grantId !== lapseTold) messages.push({ t: 'grantExpired', eventId, grantId: view.lapsed.grantId });
    }
    for (const message of messages) sender.send(conn, message);
    return messages.length > 0;
  }
}

/** What tells a fan that its hold is now as `hold` says, having last told it `before`; undefined when nothing needs telling. */
function catchUpMessage(eventId: string, hold: WireHold, before: WireHold['status'] | undefined, channel: string | undefined): ServerMessage | undefined {
  switch (hold.status) {
    case 'purchased':
      return { t: 'purchased', eventId, holdId: hold.holdId, paymentId: hold.paymentId ?? '' };
    case 'expired':
      return before === undefined ? undefined : { t: 'holdExpired', eventId, holdId: hold.holdId };
    case 'released':
      return before === undefined ? undefined : { t: 'released', rid: null, eventId, holdId: hold.holdId };
    case 'held':
      if (before === 'paymentPending' || before === 'paymentQueued') {
        return { t: 'paymentFailed', eventId, holdId: hold.holdId, paymentId: hold.paymentId ?? '', reason: FAILED_REASON, expiresAt: hold.expiresAt };
      }
      return { t: 'held', rid: null, eventId, hold };
    case 'paymentPending':
      // Out of the payment queue: the page pays again with its key for the checkout.
      if (before === 'paymentQueued') return { t: 'paymentReady', eventId, holdId: hold.holdId, paymentId: hold.paymentId ?? '', channel: channel ?? '' };
      // The fan's own `pay` (retried with its key) answers with the checkout; before it, the hold is news.
      return before === undefined ? { t: 'held', rid: null, eventId, hold } : undefined;
    case 'cancelled':
      // The reason is in the journal, not in the fan's view.
      return { t: 'orderCancelled', eventId, holdId: hold.holdId, reason: '' };
    case 'paymentQueued':
      return before === undefined ? { t: 'held', rid: null, eventId, hold } : undefined;
  }
}
