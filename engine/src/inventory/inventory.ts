import type { InventoryConfig, TierConfig } from '../config/types.js';
import { BreakwaterError } from '../errors.js';
import type { Allocation } from '../journal/entries.js';
import { SeatMap } from './seat-map.js';
import { GaTiers } from './tiers.js';

/** What a fan asks to hold. */
export type HoldRequest =
  | { kind: 'tickets'; tierId: string; quantity: number }
  | { kind: 'seats'; seatIds: string[] }
  | { kind: 'best'; category: string; quantity: number };

/** Every ticket of an event, general admission and reserved, with one count of what is free. */
export class Inventory {
  readonly tiers: GaTiers;
  readonly seats: SeatMap;

  constructor(config: InventoryConfig) {
    this.tiers = new GaTiers(config.tiers);
    this.seats = new SeatMap(config.sections);
  }

  /** Tickets nobody holds or has bought. */
  get free(): number {
    return this.tiers.free + this.seats.free;
  }

  /** Tickets in holds (held or in payment). */
  get held(): number {
    return this.tiers.held + this.seats.held;
  }

  /** Decides what a request would take, or throws why it cannot; changes nothing. */
  allocate(request: HoldRequest): Allocation {
    switch (request.kind) {
      case 'tickets': {
        if (!this.tiers.has(request.tierId)) {
          throw new BreakwaterError('TIER_NOT_FOUND', `no tier "${request.tierId}"`, { details: { tierId: request.tierId } });
        }
        const available = this.tiers.freeIn(request.tierId);
        if (available < request.quantity) throw notEnough(available);
        return { tierId: request.tierId, quantity: request.quantity };
      }
      case 'seats':
        this.seats.assertFree(request.seatIds);
        return { seatIds: [...request.seatIds], quantity: request.seatIds.length };
      case 'best': {
        if (!this.seats.hasCategory(request.category)) {
          throw new BreakwaterError('CATEGORY_NOT_FOUND', `no seats in category "${request.category}"`, {
            details: { category: request.category },
          });
        }
        const seatIds = this.seats.findBest(request.category, request.quantity);
        if (seatIds === null) throw notEnough(this.seats.freeIn(request.category));
        return { seatIds, quantity: seatIds.length };
      }
    }
  }

  hold(allocation: Allocation): void {
    if (allocation.tierId !== undefined) this.tiers.hold(allocation.tierId, allocation.quantity);
    else this.seats.hold(allocation.seatIds!);
  }

  sell(allocation: Allocation): void {
    if (allocation.tierId !== undefined) this.tiers.sell(allocation.tierId, allocation.quantity);
    else this.seats.sell(allocation.seatIds!);
  }

  release(allocation: Allocation): void {
    if (allocation.tierId !== undefined) this.tiers.release(allocation.tierId, allocation.quantity);
    else this.seats.release(allocation.seatIds!);
  }

  /** Sold tickets back on sale (a cancelled purchase). */
  returnSold(allocation: Allocation): void {
    if (allocation.tierId !== undefined) this.tiers.returnSold(allocation.tierId, allocation.quantity);
    else this.seats.returnSold(allocation.seatIds!);
  }

  resizeTiers(tiers: readonly TierConfig[]): void {
    for (const tier of tiers) this.tiers.resize(tier);
  }
}

function notEnough(available: number): BreakwaterError {
  return new BreakwaterError('NOT_ENOUGH_INVENTORY', `only ${available} left`, { details: { available } });
}
