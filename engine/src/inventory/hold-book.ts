import { sequenceId, sequenceOf } from '../util/sequence-id.js';
import type { Allocation } from '../journal/entries.js';
import { DeadlineHeap } from '../util/deadline-heap.js';
import type { FanAccount } from '../event/fan-accounts.js';

/** `paymentQueued`: its payment waits in the payment queue (docs/payments.md), its clock paused up to a bound; `cancelled`: a purchase the organizer cancelled, its tickets back on sale. */
export type HoldStatus = 'held' | 'paymentQueued' | 'paymentPending' | 'purchased' | 'expired' | 'released' | 'cancelled';

export interface Hold {
  readonly id: string;
  readonly fanId: string;
  /** The fan's account: its tickets, open holds and hold list. */
  readonly account: FanAccount;
  readonly allocation: Allocation;
  readonly createdAt: number;
  status: HoldStatus;
  /** When a `held` hold expires. */
  expiresAt: number;
  extended: boolean;
  /** The payment in flight (paymentPending) or that bought it (purchased). */
  paymentId?: string;
  /** When a payment in flight (or waiting in the payment queue) stops pausing the expiry: the hold's deadline then. */
  pendingUntil?: number;
  /** Payment window left when the payment started (or was queued): given back if the payment fails. */
  remainingMs?: number;
  /** The channel of the payment in flight or that bought it. */
  channel?: string;
  /** Its number in the payment queue while `paymentQueued`. */
  queueNumber?: number;
  endedAt?: number;
}

const ACTIVE: ReadonlySet<HoldStatus> = new Set(['held', 'paymentQueued', 'paymentPending']);

export function isActive(hold: Hold): boolean {
  return ACTIVE.has(hold.status);
}

function sequenceOfHold(hold: Hold): number {
  return sequenceOf(hold.id, 'h');
}

/** The instant an active hold ends unless something happens first. */
export function deadlineOf(hold: Hold): number {
  return hold.status === 'held' ? hold.expiresAt : hold.pendingUntil!;
}

/**
 * Every hold of an event, with what the admission and the per-fan limit need
 * kept as running counts rather than recomputed per request.
 */
export class HoldBook {
  /** Every hold ever made, by its sequence number (hold `h42` is at 42). */
  private readonly bySequence: Hold[] = [];
  private readonly active = new Set<Hold>();
  private readonly deadlines = new DeadlineHeap<Hold>();
  /** Fans with at least one hold still open. */
  shoppers = 0;
  /** Holds in the `held` state: the ones that can still come back. */
  heldCount = 0;
  /** Tickets bought (and not cancelled), holds that ended without a purchase, and purchases cancelled. */
  sold = 0;
  expired = 0;
  released = 0;
  cancelled = 0;
  private sequence = 0;

  get(holdId: string): Hold | undefined {
    const sequence = sequenceOf(holdId, 'h');
    return sequence < 0 ? undefined : this.bySequence[sequence];
  }

  nextId(): string {
    return sequenceId('h', this.sequence + 1);
  }

  get activeCount(): number {
    return this.active.size;
  }

  activeHolds(): IterableIterator<Hold> {
    return this.active.values();
  }

  add(hold: Hold): void {
    this.sequence++;
    this.bySequence[sequenceOf(hold.id, 'h')] = hold;
    this.active.add(hold);
    this.heldCount++;
    const account = hold.account;
    account.holds = account.holds.length === 0 ? [hold] : [...account.holds, hold];
    account.tickets += hold.allocation.quantity;
    if (account.openHolds++ === 0) this.shoppers++;
    this.deadlines.push(hold.expiresAt, hold);
  }

  /** A new deadline for an active hold (extension, payment queued, started or failed). */
  reschedule(hold: Hold, status: 'held' | 'paymentQueued' | 'paymentPending'): void {
    // Only moves into or out of `held` change the count: a queued payment that starts stays out of it.
    if (status === 'held' && hold.status !== 'held') this.heldCount++;
    else if (status !== 'held' && hold.status === 'held') this.heldCount--;
    hold.status = status;
    this.deadlines.push(deadlineOf(hold), hold);
  }

  /** Ends an active hold exactly once. */
  end(hold: Hold, outcome: 'purchased' | 'expired' | 'released', at: number): void {
    if (!isActive(hold)) throw new Error(`hold ${hold.id} already ended (${hold.status})`);
    if (hold.status === 'held') this.heldCount--;
    hold.status = outcome;
    hold.endedAt = at;
    this.active.delete(hold);
    const account = hold.account;
    if (--account.openHolds === 0) this.shoppers--;
    if (outcome === 'purchased') {
      this.sold += hold.allocation.quantity;
    } else {
      if (outcome === 'expired') this.expired++;
      else this.released++;
      account.tickets -= hold.allocation.quantity;
    }
  }

  /** A purchase cancelled by the organizer: its tickets no longer count as sold, nor against its fan's limit. */
  cancel(hold: Hold, at: number): void {
    if (hold.status !== 'purchased') throw new Error(`hold ${hold.id} cancelled while ${hold.status}`);
    hold.status = 'cancelled';
    hold.endedAt = at;
    this.sold -= hold.allocation.quantity;
    this.cancelled++;
    hold.account.tickets -= hold.allocation.quantity;
  }

  /** Active holds whose deadline has passed, earliest first; changes nothing. */
  due(now: number): Hold[] {
    const due: Hold[] = [];
    const seen = new Set<Hold>();
    for (let hold = this.deadlines.popDue(now); hold !== undefined; hold = this.deadlines.popDue(now)) {
      if (!isActive(hold) || seen.has(hold)) continue;
      // A stale heap entry: the hold was extended or its payment started since.
      if (deadlineOf(hold) > now) continue;
      seen.add(hold);
      due.push(hold);
    }
    // The heap's order among equal deadlines depends on its history, which a
    // restored book does not share: break ties by hold sequence (h1, h2, …).
    return due.sort((a, b) => deadlineOf(a) - deadlineOf(b) || sequenceOfHold(a) - sequenceOfHold(b));
  }

  /** Tickets in `held` holds that expire by `horizon`: likely to come back soon. */
  ticketsExpiringBy(horizon: number): number {
    let tickets = 0;
    for (const hold of this.active) {
      if (hold.status === 'held' && hold.expiresAt <= horizon) tickets += hold.allocation.quantity;
    }
    return tickets;
  }
}
