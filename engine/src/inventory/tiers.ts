import type { TierConfig } from '../config/types.js';

interface TierCount {
  config: TierConfig;
  free: number;
  held: number;
  sold: number;
}

/** General-admission tiers: interchangeable tickets, only counts. */
export class GaTiers {
  private readonly tiers = new Map<string, TierCount>();
  free = 0;
  held = 0;

  constructor(tiers: readonly TierConfig[]) {
    for (const config of tiers) {
      this.tiers.set(config.id, { config, free: config.quantity, held: 0, sold: 0 });
      this.free += config.quantity;
    }
  }

  has(tierId: string): boolean {
    return this.tiers.has(tierId);
  }

  freeIn(tierId: string): number {
    return this.tiers.get(tierId)?.free ?? 0;
  }

  counts(): Array<{ id: string; name: string; price: number; capacity: number; free: number; held: number; sold: number }> {
    return [...this.tiers.values()].map(({ config, free, held, sold }) => ({
      id: config.id, name: config.name, price: config.price, capacity: config.quantity, free, held, sold,
    }));
  }

  hold(tierId: string, quantity: number): void {
    const tier = this.require(tierId);
    if (tier.free < quantity) throw new Error(`tier ${tierId}: holding ${quantity} with ${tier.free} free`);
    tier.free -= quantity;
    tier.held += quantity;
    this.free -= quantity;
    this.held += quantity;
  }

  sell(tierId: string, quantity: number): void {
    const tier = this.require(tierId);
    if (tier.held < quantity) throw new Error(`tier ${tierId}: selling ${quantity} with ${tier.held} held`);
    tier.held -= quantity;
    tier.sold += quantity;
    this.held -= quantity;
  }

  release(tierId: string, quantity: number): void {
    const tier = this.require(tierId);
    if (tier.held < quantity) throw new Error(`tier ${tierId}: releasing ${quantity} with ${tier.held} held`);
    tier.held -= quantity;
    tier.free += quantity;
    this.free += quantity;
    this.held -= quantity;
  }

  /** Sold tickets back on sale: a cancelled purchase. */
  returnSold(tierId: string, quantity: number): void {
    const tier = this.require(tierId);
    if (tier.sold < quantity) throw new Error(`tier ${tierId}: returning ${quantity} with ${tier.sold} sold`);
    tier.sold -= quantity;
    tier.free += quantity;
    this.free += quantity;
  }

  /** A live capacity change: never below what is already held or sold. Returns the change in free tickets. */
  resize(config: TierConfig): number {
    const tier = this.tiers.get(config.id);
    if (tier === undefined) {
      this.tiers.set(config.id, { config, free: config.quantity, held: 0, sold: 0 });
      this.free += config.quantity;
      return config.quantity;
    }
    const free = config.quantity - tier.held - tier.sold;
    if (free < 0) throw new Error(`tier ${config.id}: capacity below held + sold`);
    const delta = free - tier.free;
    tier.config = config;
    tier.free = free;
    this.free += delta;
    return delta;
  }

  private require(tierId: string): TierCount {
    const tier = this.tiers.get(tierId);
    if (tier === undefined) throw new Error(`unknown tier ${tierId}`);
    return tier;
  }
}
