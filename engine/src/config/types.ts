/** What an organizer sets for one event. Times are epoch milliseconds. */
export interface EventConfig {
  id: string;
  name: string;
  /** When fans may start joining the pre-queue (shuffled at the on-sale time). */
  preQueueOpensAt: number;
  /** When admission starts; fans joining from now on are first-come-first-served. */
  onSaleAt: number;
  /** When the sale ends for good. */
  closesAt: number;
  inventory: InventoryConfig;
  /** How long a hold lasts before its seats go back on sale. Default 10 minutes. */
  paymentWindowMs: number;
  /** A hold may be extended once by this much; 0 means no extension. */
  holdExtensionMs: number;
  /** Upper bound on how long a payment in flight pauses a hold's expiry. */
  paymentPendingMaxMs: number;
  /** Tickets one fan may hold and buy in total. */
  maxTicketsPerFan: number;
  admission: AdmissionPolicy;
  /** A fan whose connection is gone for longer than this loses the place. */
  presenceGraceMs: number;
  /** How long an admitted fan has to use the one-time admission grant. */
  grantTtlMs: number;
}

export interface InventoryConfig {
  tiers: TierConfig[];
  sections: SectionConfig[];
}

/** General admission: a quantity of interchangeable tickets. */
export interface TierConfig {
  id: string;
  name: string;
  /** Price in the currency's minor unit (cents). */
  price: number;
  quantity: number;
}

/** Reserved seating: sections → rows → seats. */
export interface SectionConfig {
  id: string;
  name: string;
  rows: RowConfig[];
}

export interface RowConfig {
  id: string;
  /** Seats in physical order along the row: neighbours in this list sit side by side. */
  seats: SeatConfig[];
}

export interface SeatConfig {
  /** Seat label within the row, e.g. "12". The full seat id is `${section}-${row}-${label}`. */
  label: string;
  /** Price category, e.g. "A". Best-available requests ask for a category. */
  category: string;
  /** Distance to the stage or focal point: lower is better. */
  rank: number;
}

export type AdmissionPolicy =
  | { mode: 'rate'; fansPerMinute: number; maxActiveShoppers?: number; paymentCapacityPerSec?: number }
  | { mode: 'concurrency'; maxActiveShoppers: number; paymentCapacityPerSec?: number }
  | { mode: 'auto'; maxActiveShoppers?: number; paymentCapacityPerSec?: number };

export const MINUTE = 60_000;

/** Defaults for every optional field of an event configuration. */
export const CONFIG_DEFAULTS = {
  paymentWindowMs: 10 * MINUTE,
  holdExtensionMs: 0,
  paymentPendingMaxMs: 15 * MINUTE,
  maxTicketsPerFan: 4,
  presenceGraceMs: MINUTE,
  grantTtlMs: 2 * MINUTE,
  admission: { mode: 'auto' } as AdmissionPolicy,
} as const;

/** What an organizer sends: everything with a default may be left out. */
export type EventConfigInput = Omit<EventConfig, keyof typeof CONFIG_DEFAULTS | 'inventory'> &
  Partial<Pick<EventConfig, keyof typeof CONFIG_DEFAULTS>> & {
    inventory: { tiers?: TierConfig[]; sections?: SectionConfig[] };
  };

export function seatId(sectionId: string, rowId: string, label: string): string {
  return `${sectionId}-${rowId}-${label}`;
}
