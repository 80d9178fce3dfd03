/** What an organizer sets for one event. Times are epoch milliseconds. */
export interface EventConfig {
  id: string;
  name: string;
  /** When fans may start joining the pre-queue (shuffled at the on-sale time): the first phase's. */
  preQueueOpensAt: number;
  /** When admission starts; fans joining from now on are first-come-first-served: the first phase's. */
  onSaleAt: number;
  /**
   * The sale phases in order (e.g. fan-club presale, then public), each with
   * its own pre-queue, start and access rule. An event given none has one
   * open phase on its own times.
   */
  phases: SalePhase[];
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

/** One phase of a sale: who may take a new place from its pre-queue opening until the next phase's. */
export interface SalePhase {
  id: string;
  name: string;
  preQueueOpensAt: number;
  onSaleAt: number;
  access: PhaseAccess;
}

/** Open to all; to fans whose verified identity carries one of the groups; or to fans with an access code. */
export type PhaseAccess = { kind: 'open' } | { kind: 'groups'; groups: string[] } | { kind: 'code' };

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
export type EventConfigInput = Omit<EventConfig, keyof typeof CONFIG_DEFAULTS | 'inventory' | 'phases'> &
  Partial<Pick<EventConfig, keyof typeof CONFIG_DEFAULTS | 'phases'>> & {
    inventory: { tiers?: TierConfig[]; sections?: SectionConfig[] };
  };

export function seatId(sectionId: string, rowId: string, label: string): string {
  return `${sectionId}-${rowId}-${label}`;
}
