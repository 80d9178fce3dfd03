/** What an organizer sets for one event. Times are epoch milliseconds. */
export interface EventConfig {
  id: string;
  name: string;
  /** When fans may start joining the pre-queue (shuffled with the start window when it closes): the first phase's. */
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
  /** Who gets through the door, and when: the start-window draw, join budgets, the slow lane, proof of work. */
  door: DoorConfig;
  /** Standby and waitlist once every ticket is taken (docs/architecture.md, "Standby and waitlist"). */
  waitlist: WaitlistConfig;
  /** The public beacon mixed into the pre-queue draw, and how long a draw waits for a named beacon (docs/fairness.md). */
  draw: DrawConfig;
  /** Registration for a coded presale, days ahead, and the draw that invites (docs/presales.md, "Registration"). */
  registration?: RegistrationConfig;
  /** The payment channels, their health and the pacing of payments and admission by it (docs/payments.md). */
  payments: PaymentsConfig;
}

/**
 * A payment channel: a provider adapter under its name (docs/payments.md),
 * with the capacity its provider says it takes.
 */
export interface PaymentChannelConfig {
  /** The provider's name (lowercase letters, digits, - and _), as the deployment registers it. */
  name: string;
  /** Payments a second the provider says it takes: payments never start faster on it; left out, only its measured health paces it. */
  capacityPerSec?: number;
}

/**
 * How payments are spread over the channels and paced by their measured
 * health (docs/payments.md, "Health, breakers and pacing"). Every decision is
 * journaled: a restored event steers, queues and admits the same way.
 */
export interface PaymentsConfig {
  /** The channels the event offers, first choice first; empty: the deployment's own provider, known by the name it gives. */
  channels: PaymentChannelConfig[];
  /**
   * `adaptive`: each channel's in-flight payments are bounded by a limit its
   * latency and errors adjust, payments that cannot start wait in an ordered
   * payment queue, open breakers take no payments, and admission follows the
   * channels' healthy throughput. `off`: payments start at once on the first
   * channel offered and admission follows `admission.paymentCapacityPerSec`
   * alone (Breakwater before #21); health is still measured and shown.
   */
  pacing: 'adaptive' | 'off';
  /** The sliding window a channel's health (rates, latency, breaker) is judged over. */
  healthWindowMs: number;
  /** A payment with no outcome this long after it started has timed out: a channel failure, no longer in flight. */
  timeoutMs: number;
  /** The longest a payment waiting in the payment queue pauses its hold's clock; then the hold's window runs again. */
  queuePauseMaxMs: number;
  breaker: BreakerConfig;
}

/** A channel's circuit breaker: closed, open (no payments), half-open (a few probes). */
export interface BreakerConfig {
  /** Channel failures (errors and timeouts, not declines) in percent of the window's outcomes that open it. */
  failurePercent: number;
  /** Outcomes the window must hold before it may open. */
  minOutcomes: number;
  /** How long it stays open before it lets probes through (half-open). */
  openMs: number;
  /** Probe payments a half-open breaker lets through; all of them succeeding (or declined) closes it, a failure opens it again. */
  probes: number;
}

export const PAYMENTS_DEFAULTS: PaymentsConfig = {
  channels: [],
  pacing: 'adaptive',
  healthWindowMs: 30_000,
  timeoutMs: 2 * 60_000,
  queuePauseMaxMs: 3 * 60_000,
  breaker: { failurePercent: 50, minOutcomes: 20, openMs: 15_000, probes: 3 },
};

/**
 * Verified accounts register between `opensAt` and `closesAt`; at `closesAt`
 * a draw (docs/fairness.md, the same construction as the queue's) ranks the
 * registrations, and the first ⌈seats × 100 ÷ (buyerSharePercent ×
 * ticketsPerBuyer)⌉ get an access code to the coded phase `phaseId`, bound to
 * their account; the rest are a waitlist in draw order, invited later on the
 * organizer's word.
 */
export interface RegistrationConfig {
  opensAt: number;
  /** Registrations and withdrawals end here, and the draw runs (after its beacon, when one is named). */
  closesAt: number;
  /** The sale phase the invitations open: its access is by code, and it opens after the draw. */
  phaseId: string;
  /** Percent of invitees expected to buy (Ticketmaster sized the Eras presale on 40). */
  buyerSharePercent: number;
  /** Tickets a buyer is expected to take (Eras: 3). */
  ticketsPerBuyer: number;
  /** Tickets the invitations are sized on; left out, the tickets free when the draw runs. */
  seats?: number;
  /** Tickets each invitation's code allows in all; left out, `maxTicketsPerFan`. */
  ticketCap?: number;
  /** A public beacon mixed into the registration draw (see DrawConfig.beacon). */
  beacon?: BeaconName;
}

/**
 * A public randomness value named before the draw's entries close (e.g. drand
 * quicknet round 12,345,678), whose value the organizer supplies when it is
 * published: nobody, the organizer included, can know the order before then.
 */
export interface BeaconName {
  /** What publishes it, for people checking the proof (e.g. "drand quicknet"). */
  name: string;
  round: number;
}

export interface DrawConfig {
  /** The pre-queue draw's beacon (a later phase names its own: `phases[i].beacon`). */
  beacon?: BeaconName;
  /**
   * How long past its instant a draw whose beacon was named but not supplied
   * waits for it; then it runs without one and its proof says so (value null).
   */
  beaconWaitMs: number;
}

export const DRAW_DEFAULTS: DrawConfig = { beaconWaitMs: 60_000 };

/** One phase of a sale: who may take a new place from its pre-queue opening until the next phase's. */
export interface SalePhase {
  id: string;
  name: string;
  preQueueOpensAt: number;
  onSaleAt: number;
  access: PhaseAccess;
  /** A later phase's draw's beacon (the first phase's draw is the event's pre-queue draw: `draw.beacon`). */
  beacon?: BeaconName;
}

/** Open to all; to fans whose verified identity carries one of the groups; or to fans with an access code. */
export type PhaseAccess = { kind: 'open' } | { kind: 'groups'; groups: string[] } | { kind: 'code' };

/**
 * What happens once nothing is free to sell: the first S waiting places stand
 * by for tickets that may come back, S = ⌈R × (100 + standbyMarginPercent) / 100 / maxTicketsPerFan⌉
 * with R the returnable tickets (held + free); every place beyond is told it is
 * waitlisted, may close the page, and is called (a grant answered within
 * callAnswerMs) if tickets come back once the standby has run dry.
 */
export interface WaitlistConfig {
  /** false: no standby or waitlist, every fan waits in the live queue until sold out (final). */
  enabled: boolean;
  /** Extra standby places, in percent of the fans the returnable tickets serve, for standby fans who leave. */
  standbyMarginPercent: number;
  /** How long a called fan has to use its grant: long enough to come back to a closed page. */
  callAnswerMs: number;
  /**
   * Before nothing is free: waitlist at once the places the tickets left
   * cannot reach even at one ticket per fan ahead (the early waitlist,
   * docs/architecture.md). false: only once nothing is free.
   */
  early: boolean;
}

export const WAITLIST_DEFAULTS: WaitlistConfig = {
  enabled: true,
  standbyMarginPercent: 25,
  callAnswerMs: 10 * 60_000,
  early: true,
};

/** The highest proof-of-work difficulty (leading zero bits) an event may ask for. */
export const MAX_POW_DIFFICULTY = 28;

/**
 * The event's door: what a join that creates a new place goes through
 * (docs/architecture.md, "The door"). Budgets count joins per client address
 * and per subnet (/24, /56); a join over budget is delayed (the slow lane),
 * never refused. The proof of work asked of a join rises from the floor with
 * its subnet's join rate and the event's load, up to the ceiling.
 */
export interface DoorConfig {
  /** Arrivals in this long after the on-sale time are shuffled together with the pre-queue at its end; 0 = the pre-queue is drawn at the on-sale time, then first come, first served. */
  startWindowMs: number;
  /** Joins per minute one address may make before its joins are delayed; 0 = no per-address budget. */
  joinsPerAddressPerMin: number;
  /** Joins per minute one subnet may make before its joins are delayed; 0 = no per-subnet budget. */
  joinsPerSubnetPerMin: number;
  /** The longest the slow lane delays a join. */
  slowLaneMaxDelayMs: number;
  /** Proof-of-work difficulty every new place needs (leading zero bits; 0 = none). */
  powFloor: number;
  /** The most the adaptive difficulty may rise to; at least powFloor, at most MAX_POW_DIFFICULTY. */
  powCeiling: number;
}

export const DOOR_DEFAULTS: DoorConfig = {
  startWindowMs: 30_000,
  joinsPerAddressPerMin: 30,
  joinsPerSubnetPerMin: 300,
  slowLaneMaxDelayMs: 45_000,
  powFloor: 0,
  powCeiling: 0,
};

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
  /** Where the seat is drawn on a seat map (any unit; y grows away from the top): only pages use it. */
  x?: number;
  y?: number;
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
  door: DOOR_DEFAULTS,
  waitlist: WAITLIST_DEFAULTS,
  draw: DRAW_DEFAULTS,
  payments: PAYMENTS_DEFAULTS,
} as const;

/** What an organizer sends: everything with a default may be left out. */
export type EventConfigInput = Omit<EventConfig, keyof typeof CONFIG_DEFAULTS | 'inventory' | 'phases'> &
  Partial<Pick<EventConfig, Exclude<keyof typeof CONFIG_DEFAULTS, 'door' | 'waitlist' | 'draw' | 'payments'> | 'phases'>> & {
    inventory: { tiers?: TierConfig[]; sections?: SectionConfig[] };
    /** Every field optional: the ones left out take their defaults. */
    door?: Partial<DoorConfig>;
    /** Every field optional: the ones left out take their defaults. */
    waitlist?: Partial<WaitlistConfig>;
    /** Every field optional: the ones left out take their defaults. */
    draw?: Partial<DrawConfig>;
    /** Every field optional: the ones left out take their defaults. */
    payments?: Partial<Omit<PaymentsConfig, 'breaker'>> & { breaker?: Partial<BreakerConfig> };
  };

export function seatId(sectionId: string, rowId: string, label: string): string {
  return `${sectionId}-${rowId}-${label}`;
}
