import type { Allocation, EventConfig, JournalEntry } from '../../../engine/src/index.js';
import { seatId } from '../../../engine/src/index.js';
import { fanOf } from '../model/fan-table.js';

const FREE = 0;
const HELD = 1;
const SOLD = 2;

interface HoldRecord {
  fan: number;
  allocation: Allocation;
  /** GA tickets of this hold that came back from expired holds. */
  recycled: number;
  ended: boolean;
}

/**
 * The report's own books, kept from the journal as it is written and sharing
 * nothing with the engine: what was sold (and whether anything was sold
 * twice or beyond capacity), what each fan holds, which holds never ended,
 * and which tickets came back from expired holds and were sold again.
 */
export class Ledger {
  config!: EventConfig;
  private readonly seatIndex = new Map<string, number>();
  private seatState = new Uint8Array(0);
  /** Fan whose hold on the seat expired most recently, or -1. */
  private seatExpiredFan = new Int32Array(0);
  private readonly holds = new Map<string, HoldRecord>();
  private readonly ticketsOfFan = new Map<number, number>();
  private readonly soldByTier = new Map<string, number>();
  /** GA tickets that came back from expired holds and have not been held again. */
  private readonly recycledPool = new Map<string, number>();
  readonly n = {
    entries: 0, joined: 0, admitted: 0, holds: 0, purchases: 0, ticketsSold: 0, ticketsHeld: 0,
    holdsExpired: 0, ticketsExpired: 0, ticketsExpiredAfterPaying: 0, holdsReleased: 0, readmittedFromExpiredHolds: 0,
    seatsSoldTwice: 0, seatsHeldTwice: 0, unknownSeats: 0, perFanLimitViolations: 0, holdEndedTwice: 0,
    leftByFans: 0, lostPresence: 0, preQueueLeaves: 0, soldOutEntries: 0, reopened: 0,
    /** Fans called from the waitlist, and the tickets those fans bought. */
    called: 0, ticketsSoldToCalled: 0,
  };
  /** Holds a payment was started (or queued) for: their expiry is the payment side's doing, not a fan who never paid. */
  private readonly paidHolds = new Set<string>();
  /** Fans called from the waitlist (a called fan holds a grant like an admitted one). */
  private readonly calledFans = new Set<number>();
  /** Fans holding a grant not yet used: admitted or called, until they hold, the grant lapses, or they leave. */
  private readonly openGrantFans = new Set<number>();
  private started = false;
  firstSoldOutAt: number | undefined;
  /** The first moment every ticket was held or sold. */
  allTakenAt: number | undefined;
  /**
   * The first moment nothing was free to sell: every ticket held, sold or
   * promised to an open grant (free ≤ open grants × the per-fan limit, as the engine decides the standby).
   */
  nothingFreeAt: number | undefined;
  private capacity = 0;
  firstViolation: string | undefined;

  apply(entries: readonly JournalEntry[]): void {
    for (const e of entries) {
      this.applyOne(e);
      if (this.nothingFreeAt === undefined && this.started && this.capacity > 0) {
        const free = this.capacity - this.n.ticketsHeld - this.n.ticketsSold;
        if (free <= this.openGrantFans.size * this.config.maxTicketsPerFan) this.nothingFreeAt = e.at;
      }
    }
  }

  private applyOne(e: JournalEntry): void {
    const n = this.n;
    n.entries++;
    switch (e.type) {
      case 'created':
        this.config = e.config;
        this.indexSeats(e.config);
        this.capacity = this.seatIndex.size + e.config.inventory.tiers.reduce((sum, t) => sum + t.quantity, 0);
        break;
      case 'configUpdated':
        this.config = e.config;
        this.capacity = this.seatIndex.size + e.config.inventory.tiers.reduce((sum, t) => sum + t.quantity, 0);
        break;
      case 'joined':
        n.joined++;
        break;
      case 'saleStarted':
        this.started = true;
        break;
      case 'left':
        this.openGrantFans.delete(fanOf(e.fanId));
        if (e.reason === 'presenceLost') n.lostPresence++;
        else n.leftByFans++;
        if (!this.started) n.preQueueLeaves++;
        break;
      case 'admitted':
        n.admitted += e.fanIds.length;
        for (const fanId of e.fanIds) this.openGrantFans.add(fanOf(fanId));
        break;
      case 'called':
        n.called += e.fanIds.length;
        for (const fanId of e.fanIds) {
          this.calledFans.add(fanOf(fanId));
          this.openGrantFans.add(fanOf(fanId));
        }
        break;
      case 'grantExpired':
        this.openGrantFans.delete(fanOf(e.fanId));
        break;
      case 'soldOut':
        n.soldOutEntries++;
        this.firstSoldOutAt ??= e.at;
        break;
      case 'reopened':
        n.reopened++;
        break;
      case 'held':
        this.openGrantFans.delete(fanOf(e.fanId));
        this.held(e.holdId, fanOf(e.fanId), e.allocation);
        if (this.allTakenAt === undefined && this.n.ticketsHeld + this.n.ticketsSold >= this.capacity) this.allTakenAt = e.at;
        break;
      case 'paymentQueued':
      case 'paymentStarted':
        this.paidHolds.add(e.holdId);
        break;
      case 'purchased':
      case 'expired':
      case 'released':
        this.ended(e.holdId, e.type);
        break;
    }
  }

  private indexSeats(config: EventConfig): void {
    for (const section of config.inventory.sections) {
      for (const row of section.rows) {
        for (const seat of row.seats) this.seatIndex.set(seatId(section.id, row.id, seat.label), this.seatIndex.size);
      }
    }
    this.seatState = new Uint8Array(this.seatIndex.size);
    this.seatExpiredFan = new Int32Array(this.seatIndex.size).fill(-1);
  }

  private held(holdId: string, fan: number, allocation: Allocation): void {
    const n = this.n;
    n.holds++;
    n.ticketsHeld += allocation.quantity;
    let recycled = 0;
    if (allocation.tierId !== undefined) {
      const pool = this.recycledPool.get(allocation.tierId) ?? 0;
      recycled = Math.min(pool, allocation.quantity);
      this.recycledPool.set(allocation.tierId, pool - recycled);
    }
    for (const id of allocation.seatIds ?? []) {
      const s = this.seatIndex.get(id);
      if (s === undefined) this.violation('unknownSeats', `hold ${holdId} takes seat ${id}, which does not exist`);
      else if (this.seatState[s] !== FREE) this.violation('seatsHeldTwice', `seat ${id} held by ${holdId} while already taken`);
      else this.seatState[s] = HELD;
    }
    this.holds.set(holdId, { fan, allocation, recycled, ended: false });
    const tickets = (this.ticketsOfFan.get(fan) ?? 0) + allocation.quantity;
    this.ticketsOfFan.set(fan, tickets);
    if (tickets > this.config.maxTicketsPerFan) {
      this.violation('perFanLimitViolations', `fan ${fan} has ${tickets} tickets, limit ${this.config.maxTicketsPerFan}`);
    }
  }

  private ended(holdId: string, how: 'purchased' | 'expired' | 'released'): void {
    const n = this.n;
    const hold = this.holds.get(holdId);
    if (hold === undefined || hold.ended) {
      this.violation('holdEndedTwice', `hold ${holdId} ${how} ${hold === undefined ? 'without being held' : 'after it ended'}`);
      return;
    }
    hold.ended = true;
    const { allocation, fan } = hold;
    n.ticketsHeld -= allocation.quantity;
    const tierId = allocation.tierId;
    if (how === 'purchased') {
      n.purchases++;
      n.ticketsSold += allocation.quantity;
      if (this.calledFans.has(fan)) n.ticketsSoldToCalled += allocation.quantity;
      if (tierId !== undefined) {
        this.soldByTier.set(tierId, (this.soldByTier.get(tierId) ?? 0) + allocation.quantity);
        n.readmittedFromExpiredHolds += hold.recycled;
      }
    } else {
      this.ticketsOfFan.set(fan, this.ticketsOfFan.get(fan)! - allocation.quantity);
      if (how === 'expired') {
        n.holdsExpired++;
        n.ticketsExpired += allocation.quantity;
        if (this.paidHolds.has(holdId)) n.ticketsExpiredAfterPaying += allocation.quantity;
      } else {
        n.holdsReleased++;
      }
      // Expired tickets go back as recycled; a released hold gives back only what was recycled already.
      if (tierId !== undefined) {
        const back = how === 'expired' ? allocation.quantity : hold.recycled;
        this.recycledPool.set(tierId, (this.recycledPool.get(tierId) ?? 0) + back);
      }
    }
    for (const id of allocation.seatIds ?? []) {
      const s = this.seatIndex.get(id);
      if (s === undefined) continue;
      if (how === 'purchased') {
        if (this.seatState[s] === SOLD) this.violation('seatsSoldTwice', `seat ${id} sold twice (hold ${holdId})`);
        this.seatState[s] = SOLD;
        if (this.seatExpiredFan[s]! >= 0 && this.seatExpiredFan[s] !== fan) n.readmittedFromExpiredHolds++;
      } else {
        this.seatState[s] = FREE;
        if (how === 'expired') this.seatExpiredFan[s] = fan;
      }
    }
  }

  private violation(kind: 'unknownSeats' | 'seatsHeldTwice' | 'seatsSoldTwice' | 'perFanLimitViolations' | 'holdEndedTwice', message: string): void {
    this.n[kind]++;
    this.firstViolation ??= message;
  }

  /** Tickets sold beyond each tier's capacity (in the final configuration). */
  ticketsBeyondCapacity(): number {
    let beyond = 0;
    for (const tier of this.config.inventory.tiers) beyond += Math.max(0, (this.soldByTier.get(tier.id) ?? 0) - tier.quantity);
    for (const [tierId, sold] of this.soldByTier) {
      if (!this.config.inventory.tiers.some((t) => t.id === tierId)) beyond += sold;
    }
    return beyond;
  }

  /** Seats sold twice, seats that do not exist, and tickets beyond capacity. */
  oversold(): number {
    return this.n.seatsSoldTwice + this.n.unknownSeats + this.ticketsBeyondCapacity();
  }

  /** What is left to sell, as the gateway's queue state has it (status() figures, from these books). */
  supply(): { admitted: number; openGrants: number; tickets: { free: number; held: number; sold: number } } {
    const n = this.n;
    return {
      admitted: n.admitted + n.called,
      openGrants: this.openGrantFans.size,
      tickets: { free: this.capacity - n.ticketsHeld - n.ticketsSold, held: n.ticketsHeld, sold: n.ticketsSold },
    };
  }

  unresolvedHolds(): number {
    let open = 0;
    for (const hold of this.holds.values()) if (!hold.ended) open++;
    return open;
  }

  soldInTier(tierId: string): number {
    return this.soldByTier.get(tierId) ?? 0;
  }

  seatsSold(): number {
    let sold = 0;
    for (const s of this.seatState) if (s === SOLD) sold++;
    return sold;
  }
}
