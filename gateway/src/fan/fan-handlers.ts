/**
 * What each client message does, once the socket layer has decoded and
 * checked it. The fan id a command acts for is always the one bound to the
 * connection by its `join` (from the verified token when resuming), never one
 * the client names later, so a copied grant or hold id is useless on another
 * fan's connection. Errors are thrown as registry errors; the socket layer
 * turns them into `error` frames.
 */
import { BreakwaterError, isBreakwaterError, type JoinContext } from '../../../engine/src/index.js';
import type { EventCatalog } from '../event-catalog.js';
import { verifiesIdentities, type IdentitySettings } from '../../../engine/host/index.js';
import { IdentityVerifier, type VerifiedIdentity } from '../identity/verifier.js';
import type { EngineLink, FanHoldCommand, PricedHold, SessionOpened } from '../../../engine/link/types.js';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';
import type { PaymentChannels } from '../payments/payment-channels.js';
import { refusalError, type DoorBudgets } from '../protection/door-budgets.js';
import { isAccountFanId } from '../protocol/account.js';
import { powSatisfied } from '../protocol/pow.js';
import { estimateWait, ticketOutlook } from '../protocol/queue-math.js';
import {
  queueTopic, REFRESH_SLICES, refreshSliceTopic, type ClientMessage, type ExtendMessage, type HoldMessage, type JoinMessage, type PayMessage, type PushSubscribeMessage, type ReleaseMessage, type WireHold,
} from '../protocol/messages.js';
import { checkPowChallenge, issuePowChallenge, issueQueueToken, joinKeyDigest, paymentIdFor, verifyQueueToken, type Signer } from '../tokens.js';
import type { Binding, FanConnection, FanSender } from './connection.js';
import type { FanDirectory } from './fan-directory.js';

export interface FanHandlerDeps {
  link: EngineLink;
  signer: Signer;
  catalog: EventCatalog;
  directory: FanDirectory;
  sender: FanSender;
  metrics: GatewayMetrics;
  payments: PaymentChannels;
  /** The deployment-wide join ceilings per address and subnet. */
  door: DoorBudgets;
  log: (message: string) => void;
}

export function toWireHold(hold: PricedHold): WireHold {
  return {
    holdId: hold.holdId, status: hold.status, tierId: hold.tierId ?? null, seatIds: hold.seatIds ?? null, quantity: hold.quantity,
    expiresAt: hold.expiresAt, extended: hold.extended, paymentId: hold.paymentId ?? null, pendingUntil: hold.pendingUntil ?? null,
    amount: hold.amount, currency: hold.currency,
  };
}

/** Who a join is for, and what the engine is told about it. */
interface Joiner {
  fanId: string;
  /** May take an existing place over (a queue token or a verified identity); otherwise only a place taken with the same join key. */
  resume: boolean;
  context: JoinContext;
}

/** Only the fields that have a value: the engine link does not carry `undefined`. */
function joinContext(groups: string[] | undefined, accessCode: string | undefined, joinKeyDigest?: string): JoinContext {
  const context: JoinContext = {};
  if (groups !== undefined) context.groups = groups;
  if (accessCode !== undefined) context.accessCode = accessCode;
  if (joinKeyDigest !== undefined) context.joinKeyDigest = joinKeyDigest;
  return context;
}

export class FanHandlers {
  private readonly identities = new IdentityVerifier();

  constructor(private readonly deps: FanHandlerDeps) {}

  /** Handles one checked message (other than hello and ping, which the socket layer answers itself). */
  async handle(conn: FanConnection, message: ClientMessage): Promise<void> {
    switch (message.t) {
      case 'join':
        return this.join(conn, message);
      case 'hold':
        return this.hold(conn, message);
      case 'extend':
        return this.extend(conn, message);
      case 'pay':
        return this.pay(conn, message);
      case 'release':
        return this.release(conn, message);
      case 'leave':
        return this.leave(conn, message.rid);
      case 'pushSubscribe':
        return this.pushSubscribe(conn, message);
      case 'hello':
      case 'ping':
        return;
    }
  }

  // ── join ────────────────────────────────────────────────────────────────

  private async join(conn: FanConnection, message: JoinMessage): Promise<void> {
    const started = performance.now();
    const { eventId } = message;
    if (conn.binding !== undefined || conn.joining) {
      throw new BreakwaterError('ALREADY_JOINED', undefined, { details: { eventId: conn.binding?.eventId ?? eventId, fanId: conn.binding?.fanId ?? message.fanId } });
    }
    this.limitJoinRate(conn.ip);
    conn.joining = true;
    let joiner: Joiner;
    let opened: SessionOpened;
    try {
      joiner = await this.joinerOf(message);
      opened = await this.openThroughDoor(conn, message, joiner);
    } finally {
      conn.joining = false;
    }
    const { fanId } = joiner;
    if (conn.closed) {
      // The fan left while we waited: the session we just opened has no socket.
      this.closeSession({ eventId, fanId, session: opened.session, number: opened.join.number });
      return;
    }
    const { join, queue } = opened;
    // A join always leaves the fan with a place; anything else is not a place to bind to.
    if (join.status === 'left' || join.status === 'lost') throw new BreakwaterError('NOT_IN_QUEUE', undefined, { details: { fanId } });
    this.bind(conn, { eventId, fanId, session: opened.session, number: join.number }, opened);
    const eta = join.status === 'waiting' ? estimateWait(join.number, queue) : null;
    const outlook = join.status === 'waiting' ? ticketOutlook(join.number, queue.nowServing, queue) : null;
    this.deps.sender.send(conn, {
      t: 'joined', rid: message.rid, eventId, fanId,
      queueToken: issueQueueToken(this.deps.signer, { eventId, fanId, number: join.number, issuedAt: Date.now() }),
      number: join.number, position: join.position, status: join.status, phase: join.phase, nowServing: join.nowServing,
      etaLow: eta?.low ?? null, etaHigh: eta?.high ?? null, outlook, numberedAt: join.numberedAt ?? null,
      commitment: opened.commitment, seed: opened.seed, restored: opened.restored,
      grantId: join.grant?.grantId ?? null, grantExpiresAt: join.grant?.expiresAt ?? null,
      holds: opened.holds.map(toWireHold),
      waitlisted: join.waitlisted ?? null, waitlistAfter: join.waitlistAfter ?? null, called: join.called, receipt: join.receipt ?? null,
      awayAfter: queue.awayAfter, announcement: opened.announcement, lapsedGrantId: join.lapsed?.grantId ?? null, lapsedAt: join.lapsed?.expiresAt ?? null,
      waitlistEarly: join.waitlistEarly ?? null,
    });
    this.deps.metrics.joinLatency.observe((performance.now() - started) / 1000);
  }

  private limitJoinRate(ip: string): void {
    const refusal = this.deps.door.admitJoin(ip);
    if (refusal === undefined) return;
    this.deps.metrics.reject('joinRateLimited');
    throw refusalError(refusal);
  }

  /**
   * Who a join is for. In an event that verifies identities the place is the
   * account's: the fan id comes from the identity token (which may take the
   * account's place over from another tab or device), or from the queue token
   * of a verified place (a reconnect after the identity token expired): an
   * account's place is never resumed by a join key. Otherwise the client's
   * fan id, taken over with its queue token, or taken again with the join
   * key it was taken with (its `joined`, and so its token, may have been lost).
   */
  private async joinerOf(message: JoinMessage): Promise<Joiner> {
    const { eventId, fanId, token } = message;
    const accessCode = message.accessCode ?? undefined;
    const identity = this.deps.catalog.settingsOf(eventId).identity;
    if (verifiesIdentities(identity)) {
      if (message.identity !== null) {
        const verified = await this.verifyIdentity(message.identity, eventId, identity);
        return { fanId: verified.fanId, resume: true, context: joinContext(verified.groups, accessCode) };
      }
      if (token !== null && isAccountFanId(fanId)) return { fanId: this.resumedFanId(token, eventId, fanId), resume: true, context: joinContext(undefined, accessCode) };
      // An account's fan id is never anyone's to type in.
      if (identity.required || isAccountFanId(fanId)) {
        this.deps.metrics.reject('identityRefused');
        throw new BreakwaterError('IDENTITY_REQUIRED', undefined, { details: { loginUrl: identity.loginUrl ?? null } });
      }
    }
    // A new place after a lost one keeps the client's key with it, token or not. Never an account's (its identity resumes it).
    const keyDigest = message.joinKey == null || isAccountFanId(fanId) ? undefined : joinKeyDigest(this.deps.signer, eventId, fanId, message.joinKey);
    if (token !== null) return { fanId: this.resumedFanId(token, eventId, fanId), resume: true, context: joinContext(undefined, accessCode, keyDigest) };
    // Reserved everywhere, so an event that starts verifying identities later has nobody squatting on an account's place.
    if (isAccountFanId(fanId)) {
      throw new BreakwaterError('MALFORMED_COMMAND', 'fan ids starting "acct:" or "acct#" are reserved for verified accounts', { details: { field: 'fanId', reason: 'reserved' } });
    }
    return { fanId, resume: false, context: joinContext(undefined, accessCode, keyDigest) };
  }

  private async verifyIdentity(token: string, eventId: string, identity: IdentitySettings): Promise<VerifiedIdentity> {
    try {
      return await this.identities.verify(token, eventId, identity);
    } catch (err) {
      this.deps.metrics.reject('identityRefused');
      throw err;
    }
  }

  /** The fan id a queue token resumes; it must be the one the join names. */
  private resumedFanId(token: string, eventId: string, fanId: string): string {
    const claims = this.verifyToken(token, eventId);
    if (claims.fanId !== fanId) throw new BreakwaterError('TOKEN_INVALID', 'this queue token is for another fan', { details: { reason: 'fan' } });
    return fanId;
  }

  private verifyToken(token: string, eventId: string): ReturnType<typeof verifyQueueToken> {
    try {
      return verifyQueueToken(this.deps.signer, token, eventId, Date.now());
    } catch (err) {
      this.deps.metrics.reject('tokenInvalid');
      throw err;
    }
  }

  /**
   * Opens the session, telling the engine's door the client address and the
   * difficulty of the proof of work verified here (0 when none came, or it
   * did not verify). The door decides whether that is enough for a new place;
   * when it asks for more (POW_REQUIRED with its difficulty), the fan gets a
   * fresh signed challenge at that difficulty, or POW_INVALID when the proof
   * it sent was wrong. Resuming a place that is still there needs no proof.
   */
  private async openThroughDoor(conn: FanConnection, message: JoinMessage, joiner: Joiner): Promise<SessionOpened> {
    const { eventId } = message;
    const { fanId, resume } = joiner;
    const proof = this.verifiedProof(eventId, fanId, message.powChallenge, message.powNonce);
    try {
      // An exempt address has no budget at the engine's door either (it still proves its work).
      const address = this.deps.door.isExempt(conn.ip) ? undefined : conn.ip;
      const context = { ...joiner.context, address, powBits: proof.bits };
      return await this.deps.link.execute({ op: 'openSession', eventId, fanId, resume, context });
    } catch (err) {
      if (!isBreakwaterError(err, 'POW_REQUIRED')) throw err;
      this.deps.metrics.reject('powRequired');
      const challenge = issuePowChallenge(this.deps.signer, eventId, Number(err.details.difficulty), Date.now());
      if (proof.invalid !== undefined) throw new BreakwaterError('POW_INVALID', undefined, { details: { reason: proof.invalid, ...challenge } });
      throw new BreakwaterError('POW_REQUIRED', undefined, { details: { ...challenge } });
    }
  }

  /** The difficulty of the fan's proof of work, or 0 with the reason it does not count. */
  private verifiedProof(eventId: string, fanId: string, challenge: string | null, nonce: string | null): { bits: number; invalid?: string } {
    if (challenge === null || nonce === null) return { bits: 0 };
    let difficulty: number;
    try {
      difficulty = checkPowChallenge(this.deps.signer, challenge, eventId, Date.now());
    } catch (err) {
      return { bits: 0, invalid: String((err as BreakwaterError).details.reason) };
    }
    return powSatisfied(challenge, fanId, nonce, difficulty) ? { bits: difficulty } : { bits: 0, invalid: 'nonce' };
  }

  private bind(conn: FanConnection, binding: Binding, opened: SessionOpened): void {
    conn.binding = binding;
    conn.grant = opened.join.grant === undefined ? undefined : { ...opened.join.grant };
    this.deps.directory.add(conn);
    conn.ws?.subscribe(queueTopic(binding.eventId));
    conn.ws?.subscribe(refreshSliceTopic(binding.eventId, binding.session % REFRESH_SLICES));
  }

  /** Detaches the connection from its place (after leave, or when the place was lost); it may join again. */
  unbind(conn: FanConnection): void {
    const binding = conn.binding;
    if (binding === undefined) return;
    this.deps.directory.remove(conn);
    if (!conn.closed) {
      conn.ws?.unsubscribe(queueTopic(binding.eventId));
      conn.ws?.unsubscribe(refreshSliceTopic(binding.eventId, binding.session % REFRESH_SLICES));
    }
    conn.binding = undefined;
    conn.grant = undefined;
    conn.spentGrantId = undefined;
  }

  /** The connection closed: the fan counts as disconnected (unless it already resumed elsewhere). */
  closeSession(binding: Binding): void {
    this.deps.link.execute({ op: 'closeSession', eventId: binding.eventId, fanId: binding.fanId, session: binding.session }).catch((err: unknown) => {
      this.deps.log(`closeSession for ${binding.fanId} failed: ${String(err)}`);
    });
  }

  // ── holds and payments ──────────────────────────────────────────────────

  private bindingOf(conn: FanConnection): Binding {
    if (conn.binding === undefined) throw new BreakwaterError('NOT_JOINED');
    return conn.binding;
  }

  private fanCommand(command: FanHoldCommand): Promise<PricedHold> {
    return this.deps.link.execute({ op: 'fanCommand', command });
  }

  private async hold(conn: FanConnection, message: HoldMessage): Promise<void> {
    const { eventId, fanId } = this.bindingOf(conn);
    const grantId = message.grantId ?? conn.grant?.grantId ?? conn.spentGrantId;
    if (grantId === undefined) {
      throw new BreakwaterError('GRANT_INVALID', 'this connection has no admission grant', { details: { grantId: null } });
    }
    const hold = await this.fanCommand({ type: 'hold', eventId, fanId, grantId, key: message.key, request: message.request });
    if (conn.grant?.grantId === grantId) {
      conn.grant = undefined;
      conn.spentGrantId = grantId;
    }
    this.deps.sender.send(conn, { t: 'held', rid: message.rid, eventId, hold: toWireHold(hold) });
  }

  private async extend(conn: FanConnection, message: ExtendMessage): Promise<void> {
    const { eventId, fanId } = this.bindingOf(conn);
    const hold = await this.fanCommand({ type: 'extendHold', eventId, fanId, holdId: message.holdId, key: message.key });
    this.deps.sender.send(conn, { t: 'held', rid: message.rid, eventId, hold: toWireHold(hold) });
  }

  /**
   * Starts paying: the engine puts the payment on a healthy channel (the
   * fan's choice, or its own) and the hold goes payment-pending while that
   * channel's provider opens a checkout — or, when no channel can take it
   * yet, into the payment queue (`paymentQueued`; `paymentReady` tells the
   * fan when to pay again with the same key). The purchase itself is
   * confirmed only by the payment side.
   */
  private async pay(conn: FanConnection, message: PayMessage): Promise<void> {
    const { eventId, fanId } = this.bindingOf(conn);
    const { holdId, key } = message;
    // Known before the engine hears of it: an event without a channel refuses with nothing changed.
    const channels = this.deps.payments.usable(eventId);
    const { hold, paymentId, joined } = await this.startOrJoinPayment(eventId, fanId, holdId, key, { channels, channel: message.channel ?? undefined });
    if (hold.status === 'paymentQueued') {
      const number = hold.paymentQueueNumber!;
      this.deps.sender.send(conn, { t: 'paymentQueued', rid: message.rid, eventId, hold: toWireHold(hold), paymentId, number, position: hold.paymentQueuePosition ?? number - 1 });
      return;
    }
    // The channel the engine chose (a payment started before channels were journaled has none: the first usable).
    const provider = (hold.channel === undefined ? undefined : this.deps.payments.provider(hold.channel)) ?? this.deps.payments.provider(channels[0]!)!;
    let checkout;
    try {
      // The payment id is the provider's idempotency key: the same attempt opens the same checkout, however often asked.
      checkout = await provider.createCheckout({
        eventId, holdId, fanId, paymentId, amount: hold.amount, currency: hold.currency,
        description: `${hold.quantity} ticket${hold.quantity === 1 ? '' : 's'} for ${eventId}`,
      });
    } catch (err) {
      this.deps.log(`payment provider ${provider.name}: checkout for ${paymentId} failed: ${String(err)}`);
      // Give the fan the hold back with the window it had left; an attempt started elsewhere may have its checkout open, so it stays.
      // The channel failed (not the card): it counts against the channel's health.
      if (!joined) await this.deps.link.execute({ op: 'command', command: { type: 'failPayment', eventId, holdId, paymentId, reason: 'checkout could not start', failure: 'error' } }).catch(() => undefined);
      throw new BreakwaterError('PAYMENT_PROVIDER_ERROR', undefined, { details: { provider: provider.name } });
    }
    this.deps.sender.send(conn, {
      t: 'paymentStarted', rid: message.rid, eventId, hold: toWireHold(hold), paymentId, provider: checkout.provider, checkoutUrl: checkout.checkoutUrl,
    });
  }

  /**
   * One payment attempt in flight per hold. A `pay` under a key the engine
   * has not seen, for a hold already paying (the reply to the first was lost,
   * or the fan came back through another gateway), joins the attempt in
   * flight (or waiting in the payment queue) instead of being refused; the
   * same key is replayed by the engine.
   */
  private async startOrJoinPayment(
    eventId: string, fanId: string, holdId: string, key: string, choice: { channels: string[]; channel: string | undefined },
  ): Promise<{ hold: PricedHold; paymentId: string; joined: boolean }> {
    const paymentId = paymentIdFor(this.deps.signer, eventId, fanId, holdId, key);
    try {
      const { channels, channel } = choice;
      const hold = await this.fanCommand({ type: 'startPayment', eventId, fanId, holdId, paymentId, key, channels, ...(channel === undefined ? {} : { channel }) });
      return { hold, paymentId: hold.paymentId ?? paymentId, joined: false };
    } catch (err) {
      const paying = (status: unknown): boolean => status === 'paymentPending' || status === 'paymentQueued';
      if (!isBreakwaterError(err) || err.code !== 'HOLD_NOT_ACTIVE' || !paying(err.details?.outcome)) throw err;
      const views = await this.deps.link.execute({ op: 'fanViews', eventId, fanIds: [fanId] });
      const hold = views[fanId]?.holds.find((candidate) => candidate.holdId === holdId);
      if (hold === undefined || !paying(hold.status) || hold.paymentId === undefined) throw err;
      return { hold, paymentId: hold.paymentId, joined: true };
    }
  }

  private async release(conn: FanConnection, message: ReleaseMessage): Promise<void> {
    const { eventId, fanId } = this.bindingOf(conn);
    await this.fanCommand({ type: 'releaseHold', eventId, fanId, holdId: message.holdId, key: message.key });
    this.deps.sender.send(conn, { t: 'released', rid: message.rid, eventId, holdId: message.holdId });
  }

  /** The subscription is kept for the fan bound to this connection, never one the client names. */
  private async pushSubscribe(conn: FanConnection, message: PushSubscribeMessage): Promise<void> {
    const { eventId, fanId } = this.bindingOf(conn);
    const subscription = { endpoint: message.endpoint, p256dh: message.p256dh, auth: message.auth };
    await this.deps.link.execute({ op: 'pushSubscribe', eventId, fanId, subscription });
    this.deps.sender.send(conn, { t: 'pushSubscribed', rid: message.rid, eventId });
  }

  private async leave(conn: FanConnection, rid: number | null): Promise<void> {
    const binding = this.bindingOf(conn);
    try {
      await this.deps.link.execute({ op: 'leave', eventId: binding.eventId, fanId: binding.fanId, session: binding.session });
    } catch (err) {
      // A place that is already gone is left all the same.
      if (!(err instanceof BreakwaterError && err.code === 'NOT_IN_QUEUE')) throw err;
    }
    if (conn.binding === binding) this.unbind(conn);
    this.deps.sender.send(conn, { t: 'left', rid, eventId: binding.eventId });
  }
}
