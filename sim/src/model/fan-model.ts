import type { Code, FanEvents, JoinAnswer, PaymentStart, SaleCommands } from '../drivers/driver.js';
import type { Scenario } from '../scenario/types.js';
import type { Venue } from '../scenario/venue.js';
import { GrowableF64 } from '../util/growable.js';
import type { DoorFigures, Doorway } from './doorway.js';
import type { EventQueue } from './event-queue.js';
import { Fan, type FanTable, GONE, ONLINE, Outlook } from './fan-table.js';
import { FanPayments } from './fan-payments.js';
import { PAY_REASONS, PayOutcome, type PaymentProviders } from './payment-provider.js';
import type { Rng } from './rng.js';

/** How each provider answer that is not a success fails, for the sale's channel health (a decline is no failure of the channel). */
const FAILURES: Record<PayOutcome, 'error' | 'timeout' | undefined> = {
  [PayOutcome.OK]: undefined, [PayOutcome.DECLINED]: undefined, [PayOutcome.PROVIDER_ERROR]: 'error', [PayOutcome.TIMEOUT]: 'timeout',
};

/** What a fan's next timed step is. */
export const Step = {
  PATIENCE: 1,
  DROP: 2,
  RECONNECT: 3,
  ACT: 4,
  PAY: 5,
  PAY_DONE: 6,
  RELEASE: 7,
  SOLD_OUT_LEAVE: 8,
  /** Try joining again, the proof of work solved. */
  JOIN: 9,
  /** The place has its number: the fan sees the ticket outlook. */
  OUTLOOK: 10,
  /** Told it is waitlisted, the fan closes the page. */
  CLOSE_PAGE: 11,
  /** Called from the waitlist, the fan is back on the page. */
  ANSWER: 12,
  /** Told its turn is near while away from a kept place, the fan is back in the queue. */
  RETURN: 13,
  /** Invited late (registration's waitlist), the fan arrives. */
  ARRIVE: 14,
  /** Something of the fan's payment comes due (FanPayments: a queued payment's start, a late charge). */
  PAYMENT_SIDE: 15,
} as const;

export interface FanCounters {
  joins: number;
  rejoins: number;
  joinRefused: number;
  /** Joins the door refused for want of proof of work (each answered by a solve and a new try). */
  powRequired: number;
  /** A verified farm's accounts trying again under the same fan id. */
  repeatJoins: number;
  leftImpatient: number;
  leftSoldOut: number;
  /** Left at once on being shown "unlikely". */
  leftUnlikely: number;
  /** Shown "unlikely" and told the place is kept while away: closed the page instead of leaving. */
  awayOnUnlikely: number;
  /** Of those, told their turn was near; back in the queue before their turn. */
  recalled: number;
  returned: number;
  lost: number;
  drops: number;
  reconnects: number;
  neverReturned: number;
  admitted: number;
  botsAdmitted: number;
  ignoredGrants: number;
  grantsLapsedOffline: number;
  holdRequests: number;
  holdsPlaced: number;
  gotNothing: number;
  neverPaid: number;
  paymentsStarted: number;
  paymentsConfirmed: number;
  paymentsFailed: number;
  paymentTooLate: number;
  refunds: number;
  released: number;
  ticketsBoughtAsTold: number;
  botTickets: number;
  unexpectedAdmissions: number;
  /** Fans told they are waitlisted; called from it; back in time to answer; back too late or never. */
  waitlisted: number;
  called: number;
  callsAnswered: number;
  callsMissed: number;
}

/** What the model saw that the report needs: waits and the order of admissions. */
export interface Observations {
  /** Join → admission, seconds, for every admitted fan. */
  waitSec: GrowableF64;
  /** max(join, start) → admission, seconds. */
  waitFromStartSec: GrowableF64;
  /** Order key (effective arrival, then join order) of each place outside the draws, in the order admitted. */
  admittedJoinSeq: GrowableF64;
  soldOutEpisodes: number;
  /** Longest time from a sell-out to the moment waiting fans heard of it. */
  toldSoldOutWithinMs: number;
  fansWaitingWhenToldSoldOut: number;
}

/**
 * How fans behave: every decision of every fan, in simulated time. The model
 * never touches the engine; it sends commands through a driver and reacts to
 * what the driver reports, so the same model runs in-process or live.
 */
export class FanModel implements FanEvents {
  commands!: SaleCommands;
  readonly counters: FanCounters = {
    joins: 0, rejoins: 0, joinRefused: 0, powRequired: 0, repeatJoins: 0, leftImpatient: 0, leftSoldOut: 0, leftUnlikely: 0, awayOnUnlikely: 0, recalled: 0, returned: 0, lost: 0, drops: 0, reconnects: 0,
    neverReturned: 0, admitted: 0, botsAdmitted: 0, ignoredGrants: 0, grantsLapsedOffline: 0, holdRequests: 0,
    holdsPlaced: 0, gotNothing: 0, neverPaid: 0, paymentsStarted: 0, paymentsConfirmed: 0, paymentsFailed: 0,
    paymentTooLate: 0, refunds: 0, released: 0, ticketsBoughtAsTold: 0, botTickets: 0, unexpectedAdmissions: 0,
    waitlisted: 0, called: 0, callsAnswered: 0, callsMissed: 0,
  };
  readonly seen: Observations = {
    waitSec: new GrowableF64(), waitFromStartSec: new GrowableF64(), admittedJoinSeq: new GrowableF64(),
    soldOutEpisodes: 0, toldSoldOutWithinMs: 0, fansWaitingWhenToldSoldOut: 0,
  };
  /** Payments sent to a provider and not yet answered. */
  paymentsInFlight = 0;
  /** The payment side: providers, the payment queue as fans lived it, late charges, charges kept per hold. */
  readonly payments: FanPayments;
  private nextJoinSeq = 0;
  private readonly joins: Uint8Array;
  private readonly optionOrder: number[];
  private readonly optionWeights: number[];
  private readonly graceMs: number;
  private readonly limit: number;

  constructor(
    private readonly s: Scenario,
    private readonly venue: Venue,
    private readonly fans: FanTable,
    private readonly agenda: EventQueue,
    private readonly rng: Rng,
    providers: PaymentProviders,
    private readonly now: () => number,
    private readonly onSaleMs: number,
    private readonly closesMs: number,
    private readonly doorway: Doorway,
  ) {
    this.joins = new Uint8Array(fans.size);
    this.payments = new FanPayments(providers);
    this.optionWeights = venue.options.map((o) => o.weight);
    this.optionOrder = venue.options.map((_, i) => i).sort((a, b) => this.optionWeights[b]! - this.optionWeights[a]! || a - b);
    this.graceMs = s.event.presenceGraceSec * 1000;
    this.limit = s.event.maxTicketsPerFan;
  }

  /** A fan arrives (or comes back after losing the place) and joins the queue. */
  arrive(fan: number): void {
    const f = this.fans;
    f.state[fan] = Fan.JOINING;
    f.joinedAt[fan] = this.now();
    f.powBits[fan] = 0;
    this.commands.join(fan, this.doorway.attempt(fan));
  }

  /** The proof of work is solved: the fan tries again with it. */
  private joinAgain(fan: number): void {
    const f = this.fans;
    if (f.state[fan] !== Fan.JOINING) return;
    if (this.now() >= this.closesMs) {
      f.state[fan] = Fan.LEFT;
      this.counters.joinRefused++;
      return;
    }
    this.commands.join(fan, this.doorway.attempt(fan));
  }

  onJoin(fan: number, code: Code, answer: JoinAnswer = {}): void {
    const f = this.fans;
    if (f.state[fan] !== Fan.JOINING) return;
    const repeat = this.doorway.isRepeat(fan);
    if (code === 'POW_REQUIRED' && answer.difficulty !== undefined) {
      this.counters.powRequired++;
      // A verified account's repeat try leaves the solving to the account's own arrival.
      if (repeat) f.state[fan] = Fan.DONE;
      else this.agenda.push(this.doorway.solve(fan, answer.difficulty, this.now()), fan, Step.JOIN);
      return;
    }
    if (code !== undefined) {
      this.counters.joinRefused++;
      f.state[fan] = Fan.LEFT;
      return;
    }
    if (repeat) {
      // The account's one place (the engine answers a join under a taken id with the same place).
      this.counters.repeatJoins++;
      f.state[fan] = Fan.DONE;
      this.onJoin(this.doorway.identityOf(fan), undefined, answer);
      return;
    }
    this.takePlace(fan, answer.readyAt ?? this.now());
  }

  /** `readyAt`: when the place is numbered (its draw's instant, its slow-lane arrival, or now). */
  private takePlace(fan: number, readyAt: number): void {
    const f = this.fans;
    f.state[fan] = Fan.WAITING;
    f.readyAt[fan] = readyAt;
    f.waitFrom[fan] = Math.max(readyAt, this.onSaleMs);
    f.waitUntil[fan] = -1;
    f.endedWaitlisted[fan] = 0;
    // Places numbered up to the start window's draw are numbered by a draw; the rest by arrival.
    f.joinSeq[fan] = readyAt > this.doorway.times.drawEndsMs ? this.nextJoinSeq++ : -1;
    const first = this.joins[fan] === 0;
    if (!first) {
      this.counters.rejoins++;
      return;
    }
    this.joins[fan] = 1;
    this.counters.joins++;
    this.doorway.placed(fan, readyAt);
    if (f.bot[fan] === 1) return;
    const { patience, flaky } = this.s.behaviour;
    const now = this.now();
    // A place numbered later (a draw, the slow lane) shows its outlook once its number comes (the next tick).
    if (readyAt <= now) this.seeOutlook(fan);
    else this.agenda.push(readyAt + this.s.tickMs, fan, Step.OUTLOOK);
    if (f.state[fan] !== Fan.WAITING) return;
    if (this.rng.chance(patience.fraction)) {
      const from = Math.max(now, this.onSaleMs);
      this.agenda.push(from + Math.round(1000 * this.rng.logNormal(patience.medianSec, patience.sigma)), fan, Step.PATIENCE);
    }
    if (this.rng.chance(flaky.fraction)) {
      f.drops[fan] = this.rng.chance(flaky.secondDropFraction) ? 2 : 1;
      this.agenda.push(now + Math.round(this.rng.exp(flaky.dropAfterMeanSec * 1000)), fan, Step.DROP);
    }
  }

  /** A timed step comes due. */
  step(fan: number, step: number): void {
    switch (step) {
      case Step.PATIENCE:
        return this.leaveIfWaiting(fan, 'impatient');
      case Step.SOLD_OUT_LEAVE:
        return this.leaveIfWaiting(fan, 'soldOut');
      case Step.DROP:
        return this.drop(fan);
      case Step.RECONNECT:
        return this.reconnect(fan);
      case Step.ACT:
        return this.act(fan);
      case Step.PAY:
        return this.pay(fan);
      case Step.PAY_DONE:
        return this.payDone(fan);
      case Step.RELEASE:
        return this.release(fan);
      case Step.JOIN:
        return this.joinAgain(fan);
      case Step.OUTLOOK:
        return this.seeOutlook(fan);
      case Step.CLOSE_PAGE:
        return this.closePage(fan);
      case Step.ANSWER:
        return this.answerCall(fan);
      case Step.RETURN:
        return this.returnToQueue(fan);
      case Step.ARRIVE:
        return this.arrive(fan);
      case Step.PAYMENT_SIDE:
        return this.paymentSide(fan);
    }
  }

  /**
   * The first outlook the fan is shown: on "unlikely" a share give up
   * watching. Where the page says the place is kept while the fan is away,
   * they close the page and answer if called; otherwise they leave.
   */
  private seeOutlook(fan: number): void {
    const f = this.fans;
    if (f.state[fan] !== Fan.WAITING || f.outlook[fan] !== Outlook.NONE) return;
    const shown = this.commands.outlook(fan);
    if (shown === null) return;
    f.outlook[fan] = shown === 'likely' ? Outlook.LIKELY : shown === 'close' ? Outlook.CLOSE : Outlook.UNLIKELY;
    const mayClose = this.commands.mayCloseThePage(fan);
    if (mayClose) f.mayCloseFrom[fan] = this.now();
    if (shown !== 'unlikely' || !this.rng.chance(this.s.behaviour.unlikelyLeaveFraction)) return;
    if (f.offlineUntil[fan] === ONLINE && this.now() < this.closesMs && mayClose) {
      f.state[fan] = Fan.AWAY;
      this.counters.awayOnUnlikely++;
      this.endWait(fan, this.now());
      this.commands.presence(fan, false);
      return;
    }
    f.leftOnOutlook[fan] = 1;
    this.leaveIfWaiting(fan, 'unlikely');
  }

  /** The live-queue stretch ends (admitted, told, left or lost): its time counts as waited. */
  private endWait(fan: number, at: number): void {
    const f = this.fans;
    if (f.waitUntil[fan] !== -1 || f.waitFrom[fan]! < 0) return;
    f.waitUntil[fan] = Math.max(at, f.waitFrom[fan]!);
    f.waitedMs[fan]! += f.waitUntil[fan]! - f.waitFrom[fan]!;
    if (f.mayCloseFrom[fan]! >= 0) f.waitedMayCloseMs[fan]! += Math.max(0, f.waitUntil[fan]! - Math.max(f.waitFrom[fan]!, f.mayCloseFrom[fan]!));
  }

  private leaveIfWaiting(fan: number, why: 'impatient' | 'soldOut' | 'unlikely'): void {
    const f = this.fans;
    if (f.state[fan] !== Fan.WAITING || f.offlineUntil[fan] !== ONLINE || this.now() >= this.closesMs) return;
    f.state[fan] = Fan.LEFT;
    if (why === 'impatient') this.counters.leftImpatient++;
    else if (why === 'soldOut') this.counters.leftSoldOut++;
    else this.counters.leftUnlikely++;
    this.endWait(fan, this.now());
    this.commands.leave(fan);
  }

  private drop(fan: number): void {
    const f = this.fans;
    const st = f.state[fan]!;
    if (st === Fan.UNBORN || st >= Fan.BOUGHT || f.offlineUntil[fan] !== ONLINE || this.now() >= this.closesMs) return;
    const { flaky } = this.s.behaviour;
    f.drops[fan]!--;
    this.counters.drops++;
    this.commands.presence(fan, false);
    const r = this.rng.next();
    if (r < flaky.neverReturnFraction) {
      f.offlineUntil[fan] = GONE;
      this.counters.neverReturned++;
      return;
    }
    const away = r < flaky.neverReturnFraction + flaky.beyondGraceFraction
      ? this.graceMs + 1000 + this.rng.exp(this.graceMs / 2)
      : Math.min(0.9 * this.graceMs, 1000 * this.rng.logNormal(flaky.offline.medianSec, flaky.offline.sigma));
    const back = this.now() + Math.max(1, Math.round(away));
    f.offlineUntil[fan] = back;
    this.agenda.push(back, fan, Step.RECONNECT);
  }

  private reconnect(fan: number): void {
    const f = this.fans;
    f.offlineUntil[fan] = ONLINE;
    this.counters.reconnects++;
    const st = f.state[fan]!;
    if (st === Fan.LOST) {
      if (this.now() < this.closesMs && this.rng.chance(this.s.behaviour.flaky.rejoinFraction)) this.arrive(fan);
      return;
    }
    if (st >= Fan.WAITING && st <= Fan.PAYING) this.commands.presence(fan, true);
    if (f.drops[fan]! > 0) this.agenda.push(this.now() + Math.round(this.rng.exp(this.s.behaviour.flaky.dropAfterMeanSec * 1000)), fan, Step.DROP);
  }

  /** Offline fans act when they are back; a fan who never comes back never acts. Returns true if postponed. */
  private postponeIfOffline(fan: number, step: number): boolean {
    const back = this.fans.offlineUntil[fan]!;
    if (back === ONLINE) return false;
    if (back !== GONE) this.agenda.push(back + 500, fan, step);
    return true;
  }

  onAdmitted(fan: number, grant: number, at: number, heardAt: number): void {
    const f = this.fans;
    if (f.state[fan] !== Fan.WAITING) this.counters.unexpectedAdmissions++;
    this.counters.admitted++;
    const joined = f.joinedAt[fan]!;
    this.seen.waitSec.push((at - joined) / 1000);
    this.seen.waitFromStartSec.push((at - Math.max(joined, this.onSaleMs)) / 1000);
    this.endWait(fan, at);
    if (f.admittedAt[fan] === -1) f.admittedAt[fan] = at;
    this.grantTo(fan, grant);
    const bot = f.bot[fan] === 1;
    if (bot) this.counters.botsAdmitted++;
    else if (this.rng.chance(this.s.behaviour.ignoreGrantFraction)) {
      f.state[fan] = Fan.DONE;
      this.counters.ignoredGrants++;
      return;
    }
    const think = bot ? this.s.bots.reactMs : 1000 * this.rng.logNormal(this.s.behaviour.think.medianSec, this.s.behaviour.think.sigma);
    this.agenda.push(heardAt + Math.round(think), fan, Step.ACT);
  }

  /** The fan holds a grant (admitted or called), in the admission order the fairness check follows. */
  private grantTo(fan: number, grant: number): void {
    const f = this.fans;
    f.state[fan] = Fan.ADMITTED;
    f.grant[fan] = grant;
    f.tries[fan] = 0;
    f.admittedOnce[fan] = 1;
    // Effective arrival first, join order among equals: the order the engine numbers places outside the draws.
    if (f.joinSeq[fan]! >= 0) this.seen.admittedJoinSeq.push(f.readyAt[fan]! * 2 ** 23 + f.joinSeq[fan]!);
  }

  onWaitlisted(fan: number, heardAt: number): void {
    const f = this.fans;
    if (f.state[fan] !== Fan.WAITING) return;
    f.state[fan] = Fan.WAITLISTED;
    this.counters.waitlisted++;
    this.endWait(fan, heardAt);
    f.endedWaitlisted[fan] = 1;
    // A bot keeps its page open; a fan reads the news and closes the page.
    if (f.bot[fan] === 0) this.agenda.push(heardAt + Math.round(1000 * this.rng.logNormal(5, 0.8)), fan, Step.CLOSE_PAGE);
  }

  private closePage(fan: number): void {
    const f = this.fans;
    if (f.state[fan] === Fan.WAITLISTED && f.offlineUntil[fan] === ONLINE) this.commands.presence(fan, false);
  }

  onCalled(fan: number, grant: number, heardAt: number, answerBy: number): void {
    const f = this.fans;
    const st = f.state[fan]!;
    if (st !== Fan.WAITING && st !== Fan.WAITLISTED && st !== Fan.AWAY) {
      this.counters.unexpectedAdmissions++;
      return;
    }
    this.counters.called++;
    this.grantTo(fan, grant);
    const bot = f.bot[fan] === 1;
    if (st === Fan.WAITING || bot) {
      // Still on the page: the call reads like an admission.
      this.endWait(fan, heardAt);
      const think = bot ? this.s.bots.reactMs : 1000 * this.rng.logNormal(this.s.behaviour.think.medianSec, this.s.behaviour.think.sigma);
      this.agenda.push(heardAt + Math.round(think), fan, Step.ACT);
      return;
    }
    // A fan told to come back already decided when it would (or that it would not).
    const back = f.backAt[fan] !== -1 ? Math.max(heardAt, f.backAt[fan]!) : this.timeToAnswer(heardAt);
    if (back > answerBy) {
      // Never saw the call, or came back to find it lapsed: the engine calls the next.
      f.state[fan] = Fan.DONE;
      this.counters.callsMissed++;
      return;
    }
    f.state[fan] = Fan.CALLED;
    this.agenda.push(back, fan, Step.ANSWER);
  }

  /** When a fan who closed the page is back after hearing at `heardAt` (GONE: never: it did not see it, or gave up). */
  private timeToAnswer(heardAt: number): number {
    const answer = this.s.behaviour.callAnswer;
    if (this.rng.chance(answer.neverFraction)) return GONE;
    return heardAt + Math.round(1000 * this.rng.logNormal(answer.medianSec, answer.sigma));
  }

  /** Away from a kept place, the fan hears its turn is near (push, e-mail): it comes back as it would to a call. */
  onRecalled(fan: number, heardAt: number): void {
    const f = this.fans;
    if (f.state[fan] !== Fan.AWAY || f.backAt[fan] !== -1) return;
    this.counters.recalled++;
    f.backAt[fan] = this.timeToAnswer(heardAt);
    if (f.backAt[fan] !== GONE) this.agenda.push(f.backAt[fan]!, fan, Step.RETURN);
  }

  private returnToQueue(fan: number): void {
    const f = this.fans;
    if (f.state[fan] !== Fan.AWAY) return;
    f.state[fan] = Fan.WAITING;
    this.counters.returned++;
    // Recalled: the page no longer says it may be closed.
    f.mayCloseFrom[fan] = -1;
    f.waitFrom[fan] = this.now();
    f.waitUntil[fan] = -1;
    f.endedWaitlisted[fan] = 0;
    if (f.offlineUntil[fan] === ONLINE) this.commands.presence(fan, true);
  }

  private answerCall(fan: number): void {
    const f = this.fans;
    if (f.state[fan] !== Fan.CALLED) return;
    f.state[fan] = Fan.ADMITTED;
    this.counters.callsAnswered++;
    if (f.offlineUntil[fan] === ONLINE) this.commands.presence(fan, true);
    this.agenda.push(this.now() + Math.round(1000 * this.rng.logNormal(this.s.behaviour.think.medianSec, this.s.behaviour.think.sigma)), fan, Step.ACT);
  }

  /** An admitted fan picks tickets: the preferred tier or category first, then the others. */
  private act(fan: number): void {
    const f = this.fans;
    if (f.state[fan] !== Fan.ADMITTED) return;
    if (this.postponeIfOffline(fan, Step.ACT)) {
      if (f.offlineUntil[fan] === GONE) {
        f.state[fan] = Fan.DONE;
        this.counters.grantsLapsedOffline++;
      }
      return;
    }
    const bot = f.bot[fan] === 1;
    const want = bot ? this.s.bots.askFor || this.limit : Math.min(this.limit, 1 + this.rng.weighted(this.s.behaviour.ticketsWanted));
    const preferred = this.optionOrder.length === 1 ? 0 : this.rng.weighted(this.optionWeights);
    const acceptFewer = bot || this.rng.chance(this.s.behaviour.acceptFewerFraction);
    let option = -1;
    let quantity = 0;
    for (let k = -1; k < this.optionOrder.length; k++) {
      const o = k < 0 ? preferred : this.optionOrder[k]!;
      if (k >= 0 && o === preferred) continue;
      const free = this.commands.available(o);
      if (free >= want) {
        option = o;
        quantity = want;
        break;
      }
      if (free > 0 && option < 0 && acceptFewer) {
        option = o;
        quantity = free;
      }
    }
    if (option < 0) {
      // Nothing that suits on the page: ask anyway and let the sale answer (sold out, not enough).
      option = preferred;
      quantity = want;
    }
    this.counters.holdRequests++;
    this.commands.hold(fan, f.grant[fan]!, option, quantity, ++f.tries[fan]!);
  }

  onHold(fan: number, code: Code, hold: number, quantity: number): void {
    const f = this.fans;
    const now = this.now();
    if (code !== undefined) {
      if (code === 'NOT_ENOUGH_INVENTORY' && f.tries[fan]! < 3) {
        this.agenda.push(now + 1000, fan, Step.ACT);
        return;
      }
      f.state[fan] = Fan.DONE;
      this.counters.gotNothing++;
      return;
    }
    f.state[fan] = Fan.HOLDING;
    f.hold[fan] = hold;
    f.holdQty[fan] = quantity;
    f.tries[fan] = 0;
    this.counters.holdsPlaced++;
    const b = this.s.behaviour;
    if (f.bot[fan] === 1) {
      this.agenda.push(now + this.s.bots.reactMs, fan, Step.PAY);
      return;
    }
    const r = this.rng.next();
    if (r < b.neverPayFraction) {
      this.counters.neverPaid++;
    } else if (r < b.neverPayFraction + b.releaseFraction) {
      this.agenda.push(now + Math.round(this.rng.uniform(10_000, (this.s.event.paymentWindowSec * 1000) / 2)), fan, Step.RELEASE);
    } else {
      this.agenda.push(now + Math.round(1000 * this.rng.logNormal(b.payThink.medianSec, b.payThink.sigma)), fan, Step.PAY);
    }
  }

  private pay(fan: number): void {
    const f = this.fans;
    if (f.state[fan] !== Fan.HOLDING || this.postponeIfOffline(fan, Step.PAY)) return;
    this.commands.startPayment(fan, f.hold[fan]!, ++f.tries[fan]!);
  }

  /** The sale answered the fan's pay: started on a channel, or waiting in the payment queue. */
  onPaymentStarted(fan: number, code: Code, start?: PaymentStart): void {
    const f = this.fans;
    if (code !== undefined) {
      f.state[fan] = Fan.DONE;
      this.counters.paymentTooLate++;
      return;
    }
    if (start?.queued === true) {
      f.state[fan] = Fan.PAY_QUEUED;
      this.payments.enqueue(fan, this.now());
      return;
    }
    this.submit(fan, start?.channel ?? this.s.payments.channel);
  }

  /** The fan's queued payment started on `channel`: its page hears at `heardAt` and opens the checkout. */
  onPaymentReady(fan: number, channel: string, heardAt: number): void {
    if (this.fans.state[fan] !== Fan.PAY_QUEUED) return;
    this.payments.schedule(fan, { kind: 'submit', at: heardAt, channel });
    this.agenda.push(heardAt, fan, Step.PAYMENT_SIDE);
  }

  /** The fan's queued payment never started: its hold ended (its paused clock ran out). */
  onQueuedPaymentDropped(fan: number): void {
    if (this.fans.state[fan] !== Fan.PAY_QUEUED) return;
    this.fans.state[fan] = Fan.DONE;
    this.payments.dequeued(fan);
  }

  private submit(fan: number, channel: string): void {
    const f = this.fans;
    this.counters.paymentsStarted++;
    f.state[fan] = Fan.PAYING;
    this.paymentsInFlight++;
    const now = this.now();
    const answer = this.payments.submit(fan, channel, now);
    f.payOutcome[fan] = answer.outcome;
    this.agenda.push(answer.at, fan, Step.PAY_DONE);
    if (answer.lateChargeAt !== undefined) {
      this.payments.schedule(fan, { kind: 'lateCharge', at: answer.lateChargeAt, hold: f.hold[fan]!, attempt: f.tries[fan]! });
      this.agenda.push(answer.lateChargeAt, fan, Step.PAYMENT_SIDE);
    }
  }

  private paymentSide(fan: number): void {
    const due = this.payments.take(fan);
    if (due === undefined) return;
    if (due.kind === 'lateCharge') this.commands.lateCharge(fan, due.hold, due.attempt);
    else if (this.fans.state[fan] === Fan.PAY_QUEUED) this.submit(fan, due.channel);
  }

  private payDone(fan: number): void {
    const f = this.fans;
    this.paymentsInFlight--;
    if (f.state[fan] !== Fan.PAYING) return;
    const outcome = f.payOutcome[fan]!;
    if (outcome === PayOutcome.OK) this.commands.confirm(fan, f.hold[fan]!, f.tries[fan]!);
    else this.commands.fail(fan, f.hold[fan]!, f.tries[fan]!, PAY_REASONS[outcome]!, FAILURES[outcome as PayOutcome]);
  }

  onConfirm(fan: number, code: Code): void {
    const f = this.fans;
    if (code !== undefined) {
      // The hold ended (or was bought) before the money arrived: the payment is refunded.
      if (f.state[fan] !== Fan.BOUGHT) f.state[fan] = Fan.DONE;
      this.counters.refunds++;
      return;
    }
    this.bought(fan);
  }

  /** A charge the checkout had given up on arrived: it bought the hold, or is refunded. */
  onLateCharge(fan: number, code: Code, hold: number): void {
    if (code !== undefined) {
      this.counters.refunds++;
      return;
    }
    // The fan had moved on (a retry queued, or waiting to retry): the late charge bought its hold.
    if (this.fans.state[fan] === Fan.PAY_QUEUED) this.payments.dequeued(fan);
    this.bought(fan, hold);
  }

  private bought(fan: number, hold = this.fans.hold[fan]!): void {
    const f = this.fans;
    this.payments.kept(hold);
    f.state[fan] = Fan.BOUGHT;
    this.counters.paymentsConfirmed++;
    this.counters.ticketsBoughtAsTold += f.holdQty[fan]!;
    if (f.bot[fan] === 1) this.counters.botTickets += f.holdQty[fan]!;
  }

  onFail(fan: number, code: Code): void {
    const f = this.fans;
    this.counters.paymentsFailed++;
    if (code !== undefined) {
      f.state[fan] = Fan.DONE;
      return;
    }
    f.state[fan] = Fan.HOLDING;
    const { retry } = this.s.behaviour;
    if (f.tries[fan]! < retry.maxAttempts && (f.bot[fan] === 1 || this.rng.chance(retry.fraction))) {
      this.agenda.push(this.now() + Math.round(1000 * this.rng.logNormal(retry.delay.medianSec, retry.delay.sigma)), fan, Step.PAY);
    }
  }

  private release(fan: number): void {
    const f = this.fans;
    if (f.state[fan] !== Fan.HOLDING || this.postponeIfOffline(fan, Step.RELEASE)) return;
    this.commands.release(fan, f.hold[fan]!);
  }

  onRelease(fan: number, code: Code): void {
    if (code !== undefined) return;
    this.fans.state[fan] = Fan.DONE;
    this.counters.released++;
  }

  /**
   * Back on the page (or still on it while broadcasts were lost), a fan who
   * never heard its turn learns it came and lapsed: the place is over. A fan
   * that heard its turn finds out when it tries to hold.
   */
  onLapsed(fan: number, heardAt: number): void {
    const f = this.fans;
    const st = f.state[fan]!;
    if (st !== Fan.WAITING && st !== Fan.WAITLISTED && st !== Fan.AWAY) return;
    f.state[fan] = Fan.DONE;
    this.counters.grantsLapsedOffline++;
    this.endWait(fan, heardAt);
  }

  onLost(fan: number): void {
    if (this.fans.state[fan] !== Fan.WAITING && this.fans.state[fan] !== Fan.AWAY) return;
    this.fans.state[fan] = Fan.LOST;
    this.counters.lost++;
    this.endWait(fan, this.now());
  }

  onPlaceTaken(fan: number): void {
    this.doorway.placeTaken(fan);
  }

  /**
   * The door's figures at the end of the run (`sawJournal`: the driver
   * reported every place through onPlaceTaken; `numberOf`: a fan's queue number, when the driver can read it).
   */
  doorFigures(arrivedAt: Int32Array, sawJournal: boolean, numberOf?: (fan: number) => number): DoorFigures {
    return this.doorway.figures(arrivedAt, this.joins, this.counters.ticketsBoughtAsTold - this.counters.botTickets, sawJournal, numberOf);
  }

  onSoldOut(at: number, heardAt: number): void {
    const seen = this.seen;
    seen.toldSoldOutWithinMs = Math.max(seen.toldSoldOutWithinMs, heardAt - at);
    if (seen.soldOutEpisodes++ > 0) return;
    // The first time fans hear it, waitlisted fans are done and some waiting fans give up their place;
    // the rest keep it (it costs them nothing), but they know: their wait for a ticket ends here.
    const f = this.fans;
    const p = this.s.behaviour.soldOutLeaveFraction;
    let waiting = 0;
    for (let fan = 0; fan < f.size; fan++) {
      if (f.state[fan] === Fan.WAITLISTED || f.state[fan] === Fan.AWAY) f.state[fan] = Fan.DONE;
      if (f.state[fan] !== Fan.WAITING) continue;
      waiting++;
      this.endWait(fan, heardAt);
      if (f.bot[fan] === 0 && this.rng.chance(p)) this.agenda.push(heardAt + Math.round(1000 * this.rng.logNormal(5, 0.8)), fan, Step.SOLD_OUT_LEAVE);
    }
    seen.fansWaitingWhenToldSoldOut = waiting;
  }
}
