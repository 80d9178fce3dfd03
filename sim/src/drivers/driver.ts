import type { TicketOutlook } from '../../../gateway/src/protocol/queue-math.js';

/**
 * The seam between the fan model and a sale. The model decides what each fan
 * does and when; a driver carries the commands to a sale and brings back
 * results and notifications. `in-process.ts` drives an Engine on a simulated
 * clock; a live driver (`--live URL`) would carry the same commands over the
 * gateway on the wall clock and call the same FanEvents when answers arrive.
 * Results come back through FanEvents rather than as return values so that
 * both can share the model: in-process they simply arrive at once.
 */
export interface SaleCommands {
  /** The fan joins as `attempt.fanId` (a verified farm's account tries again under one id) from an address, with the proof of work it solved. */
  join(fan: number, attempt: JoinAttempt): void;
  leave(fan: number): void;
  presence(fan: number, connected: boolean): void;
  /** Uses the fan's grant to hold `quantity` of option `option` (a tier or a seat category). */
  hold(fan: number, grant: number, option: number, quantity: number, attempt: number): void;
  startPayment(fan: number, hold: number, attempt: number): void;
  release(fan: number, hold: number): void;
  /** The payment side answering for a payment; `failure`: the channel failed (`error`, `timeout`), not the card. */
  confirm(fan: number, hold: number, attempt: number): void;
  fail(fan: number, hold: number, attempt: number, reason: string, failure?: 'error' | 'timeout'): void;
  /** The provider's success for an earlier attempt the checkout had given up on (its notification arrives late). */
  lateCharge(fan: number, hold: number, attempt: number): void;
  /** Tickets free in an option now, as the fan's page shows it. */
  available(option: number): number;
  /** The ticket outlook the fan's page shows now (gateway queue-math `ticketOutlook`), null with nothing to go on. */
  outlook(fan: number): TicketOutlook | null;
  /** The fan's page says it may close the page and keep its place (a waiting place beyond the away horizon, `awayAfter`). */
  mayCloseThePage(fan: number): boolean;
}

export interface JoinAttempt {
  fanId: string;
  address: string;
  powBits: number;
}

/** What the door said about a join: the proof of work it asks for (POW_REQUIRED), or when the place counts as arriving. */
export interface JoinAnswer {
  /** Bits of proof of work the door requires, when it refused the join for want of them. */
  difficulty?: number;
  /** The place's effective arrival (ms of simulated time): later than the join when the slow lane delays it. */
  readyAt?: number;
}

/** An error code (the engine's, or the transport's), or undefined for success. */
export type Code = string | undefined;

/** A payment the sale accepted: started on a channel, or waiting in its payment queue. */
export type PaymentStart = { channel: string; queued?: undefined } | { queued: true; channel?: undefined };

export interface FanEvents {
  onJoin(fan: number, code: Code, answer?: JoinAnswer): void;
  /** A place was created for the fan (a `joined` journal entry): how many places each account really got. */
  onPlaceTaken(fan: number): void;
  onHold(fan: number, code: Code, hold: number, quantity: number): void;
  onPaymentStarted(fan: number, code: Code, start?: PaymentStart): void;
  /** A queued payment started on `channel`; the fan hears at `heardAt`. */
  onPaymentReady(fan: number, channel: string, heardAt: number): void;
  /** A queued payment never started: its hold ended. */
  onQueuedPaymentDropped(fan: number): void;
  onLateCharge(fan: number, code: Code, hold: number): void;
  onConfirm(fan: number, code: Code): void;
  onFail(fan: number, code: Code): void;
  onRelease(fan: number, code: Code): void;
  /** The engine admitted the fan at `at`; the fan hears of it at `heardAt`. */
  onAdmitted(fan: number, grant: number, at: number, heardAt: number): void;
  /** The engine dropped the fan for being away past the grace period. */
  onLost(fan: number): void;
  /** The sale sold out (final: nothing can come back) at `at`; waiting and waitlisted fans hear of it at `heardAt`. */
  onSoldOut(at: number, heardAt: number): void;
  /** All tickets are taken and the fan's place is beyond the standby: it hears it is waitlisted at `heardAt`. */
  onWaitlisted(fan: number, heardAt: number): void;
  /** The fan was called from the waitlist with a grant to answer by `answerBy`. */
  onCalled(fan: number, grant: number, heardAt: number, answerBy: number): void;
}
