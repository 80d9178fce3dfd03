import type { CodeBatch } from '../access/code-book.js';
import type { EventConfig } from '../config/types.js';

/** What a hold covers: a quantity of one tier, or named seats. */
export interface Allocation {
  tierId?: string;
  seatIds?: string[];
  quantity: number;
}

/**
 * Every state change of an event, in order. Entries carry every decision that
 * was not a pure function of earlier entries (ids, chosen seats, who was
 * admitted, the seed), so replaying them rebuilds the event exactly.
 */
export type JournalEntry =
  | { type: 'created'; at: number; config: EventConfig }
  | { type: 'configUpdated'; at: number; config: EventConfig }
  | { type: 'published'; at: number }
  /**
   * The pre-queue draw's seed is chosen: only its commitment is readable; the
   * seed is in `sealedSeed`, encrypted by the host's seed vault (the
   * deployment secret), until the draw opens it.
   */
  | { type: 'preQueueOpened'; at: number; commitment: string; sealedSeed: string }
  /** On sale from here; the pre-queue is drawn (a `drawn` entry for `preQueue`) when the start window closes. */
  | { type: 'saleStarted'; at: number }
  /**
   * The organizer paused (or resumed) the sale. `beforeSale`: before the
   * on-sale time: the phase stays, and a sale starting while paused starts
   * paused (a `paused` entry right after `saleStarted`).
   */
  | { type: 'paused'; at: number; beforeSale?: true }
  | { type: 'resumed'; at: number; beforeSale?: true }
  /** The organizer's message to everyone in the event's queue, shown until replaced; '' takes it down. */
  | { type: 'announced'; at: number; text: string }
  | { type: 'soldOut'; at: number }
  | { type: 'reopened'; at: number }
  | { type: 'closed'; at: number }
  /**
   * A new place. `draw`: unnumbered until that draw runs, entered in it under
   * `pseudonym` (32 hex characters, docs/fairness.md); otherwise `readyAt`
   * (only when later than `at`: the slow lane): unnumbered until then;
   * otherwise numbered at once. `joinKeyDigest`: the digest of the secret
   * join key the place was taken with (see `PlaceKeys`).
   */
  | { type: 'joined'; at: number; fanId: string; draw?: string; pseudonym?: string; readyAt?: number; joinKeyDigest?: string }
  /** A later phase's draw's seed is chosen, sealed like the pre-queue's (see `preQueueOpened`). */
  | { type: 'drawSealed'; at: number; draw: string; commitment: string; sealedSeed: string }
  /**
   * Registration opens: the registration draw's seed is chosen, sealed like
   * the pre-queue's (see `preQueueOpened`).
   */
  | { type: 'registrationOpened'; at: number; commitment: string; sealedSeed: string }
  /**
   * A verified account registered, under `pseudonym` (HMAC of the receipt it
   * alone was given, docs/fairness.md). Its registration number is the count
   * of `registered` entries so far.
   */
  | { type: 'registered'; at: number; fanId: string; pseudonym: string }
  | { type: 'registrationWithdrawn'; at: number; fanId: string }
  /**
   * The registration draw ranked the `count` registrations held, in the order
   * its seed, their entries and `beacon` dictate; the first `invitations`
   * (sized on `seats` tickets) are invited: the `codesAdded` entries that
   * follow bind one code to each, in rank order.
   */
  | { type: 'registrationDrawn'; at: number; seed: string; beacon?: string; count: number; seats: number; invitations: number }
  /** The organizer invites the next `count` on the registration waitlist, in rank order; their codes follow (`codesAdded`). */
  | { type: 'invitedNext'; at: number; count: number }
  /** The organizer supplied the value of the beacon the event named for the draw. */
  | { type: 'beaconSupplied'; at: number; draw: string; value: string }
  /**
   * The draw numbers the `count` places pending in it, in the order its seed,
   * their entries and `beacon` (absent: none named, or not supplied in time) dictate.
   */
  | { type: 'drawn'; at: number; draw: string; seed: string; beacon?: string; count: number }
  /** Places whose `readyAt` came are numbered, in this order (by readyAt, ties in join order). */
  | { type: 'numbered'; at: number; fanIds: string[] }
  | { type: 'left'; at: number; fanId: string; reason: 'left' | 'presenceLost' }
  /** Access codes the organizer generated or uploaded (one entry per shared uses, cap and phase), or a registration draw's invitations (`accounts`). */
  | ({ type: 'codesAdded'; at: number } & CodeBatch)
  /** The fan's new place (the `joined` just before) was taken with this code: binds the account to it if it is not yet. */
  | { type: 'codeRedeemed'; at: number; fanId: string; code: string }
  /**
   * A fan's connection came or went. `keptAway`: it went while the place was
   * beyond the away horizon, so the place is kept however long the fan is
   * away, and called (not admitted) if the fan is still away at its turn.
   */
  | { type: 'presence'; at: number; fanId: string; connected: boolean; keptAway?: true }
  /**
   * Fans away from places kept for them that the away horizon has come to
   * cover (they may be served after all): told to come back by `answerBy`
   * (`waitlist.callAnswerMs` on). One still away at its turn is called; one
   * still away after `answerBy` loses the place.
   */
  | { type: 'recalled'; at: number; fanIds: string[]; answerBy: number }
  | { type: 'admitted'; at: number; fanIds: string[]; firstGrant: number; grantExpiresAt: number }
  | { type: 'grantExpired'; at: number; fanId: string; grantId: string }
  /**
   * Nothing is free to sell: the first `standby` waiting places (up to number
   * `waitlistAfter`) stand by for the `returnable` tickets (held + free) that
   * may come back; every place numbered above is waitlisted. Recorded again
   * when the standby shrinks (fewer tickets can come back).
   */
  | { type: 'standby'; at: number; returnable: number; standby: number; waitlistAfter: number }
  /**
   * The early waitlist, while tickets are still free: the tickets left
   * (free + held) less one for each open grant cannot reach past the
   * `places`-th waiting place even at one ticket per fan ahead, places =
   * ⌈(tickets − openGrants) × (100 + standbyMarginPercent) / 100⌉; every place
   * numbered above `waitlistAfter` is waitlisted. Recorded again when the line moves earlier.
   */
  | { type: 'earlyWaitlist'; at: number; tickets: number; openGrants: number; places: number; waitlistAfter: number }
  /** Waitlisted fans called in queue order: grants answered by `grantExpiresAt` (the event's callAnswerMs). */
  | { type: 'called'; at: number; fanIds: string[]; firstGrant: number; grantExpiresAt: number }
  /**
   * Tickets are free again (or the organizer turned the waitlist off): no new
   * place is waitlisted; the places numbered up to `waitlistUpTo` still on it are called in order.
   */
  | { type: 'waitlistEnded'; at: number; waitlistAfter: number; waitlistUpTo: number; reason: 'ticketsAdded' | 'nobodyWaitlisted' | 'disabled' }
  | { type: 'held'; at: number; fanId: string; holdId: string; grantId: string; key: string; fingerprint: string; allocation: Allocation; expiresAt: number }
  | { type: 'extended'; at: number; holdId: string; key: string; expiresAt: number }
  /**
   * A payment that could not start yet (every channel it may use at its
   * limit or its breaker open, or payments queued ahead) waits in the payment
   * queue, `number` in order. Its hold's clock is paused until `pausedUntil`
   * (`payments.queuePauseMaxMs`); after that the window it had left runs
   * again. `channels`: where it may start, first choice first (the fan's one
   * channel, or those the transport offered).
   */
  | { type: 'paymentQueued'; at: number; holdId: string; key: string; paymentId: string; number: number; channels: string[]; pausedUntil: number }
  /**
   * A payment in flight on `channel` (absent in journals written before
   * channels: the default one). `queued`: it waited in the payment queue
   * (its `paymentQueued` has the same key).
   */
  | { type: 'paymentStarted'; at: number; holdId: string; key: string; paymentId: string; pendingUntil: number; channel?: string; queued?: true }
  /**
   * The payment failed: `failure` says how — `error` and `timeout` are the
   * channel failing (its health counts them); absent, the provider declined
   * it (a business decline: the channel worked).
   */
  | { type: 'paymentFailed'; at: number; holdId: string; paymentId: string; reason: string; expiresAt: number; failure?: PaymentFailure; providerAt?: number }
  /**
   * No outcome came for a payment in flight within `payments.timeoutMs`: a
   * channel failure, and no longer counted in flight. Its hold still waits on
   * it (up to its pendingUntil): a late answer is taken as any other.
   */
  | { type: 'paymentTimedOut'; at: number; holdId: string; paymentId: string; channel: string }
  /**
   * A channel's circuit breaker changed state: `open` (its failures in the
   * window reached `payments.breaker.failurePercent`, or a probe failed; no
   * payment starts on it), `halfOpen` (`breaker.openMs` later: a few probes
   * may start), `closed` (every probe answered). `failurePercent`: the
   * window's when it changed.
   */
  | { type: 'channelBreaker'; at: number; channel: string; state: 'open' | 'halfOpen' | 'closed'; failurePercent: number }
  /**
   * `providerAt` (here and on `paymentFailed`): when the provider says it happened, if it said; `at − providerAt` is its
   * notification's lag. `providerPaymentId`: the provider's own id of the charge, if it named one (what a refund gives back).
   */
  | { type: 'purchased'; at: number; holdId: string; paymentId: string; providerAt?: number; providerPaymentId?: string }
  /**
   * A provider's success the hold cannot take: the hold had ended
   * (`holdEnded`), was bought with another payment (`alreadyPaid`), or waits
   * on another payment of its own (`otherAttempt`), or its amount or
   * currency was not the hold's price (`amountMismatch`); or the organizer
   * cancelled the order it bought and gives the money back (`orderCancelled`).
   * The money must go back; one entry per payment id however often the
   * success is repeated.
   */
  | { type: 'refundDue'; at: number; holdId: string; paymentId: string; reason: RefundReason }
  /** The payment side reports the refund of a `refundDue` payment done. */
  | { type: 'refunded'; at: number; holdId: string; paymentId: string }
  /**
   * The organizer cancelled a purchase: its tickets go back on sale (the
   * fan's per-fan count and an access code's cap with them); a `refundDue`
   * (reason `orderCancelled`) follows when its payment is to be refunded.
   */
  | { type: 'orderCancelled'; at: number; holdId: string; paymentId: string; reason: string }
  | { type: 'expired'; at: number; holdId: string }
  | { type: 'released'; at: number; holdId: string; key: string };

/** A success the hold refused (`holdEnded`, `alreadyPaid`, `otherAttempt`, `amountMismatch`), or a purchase the organizer cancelled with its refund. */
export type RefundReason = 'holdEnded' | 'alreadyPaid' | 'otherAttempt' | 'amountMismatch' | 'orderCancelled';

/** How a payment failed on the channel's side (a decline is no failure of the channel). */
export type PaymentFailure = 'error' | 'timeout';

export type JournalEntryType = JournalEntry['type'];
