import type { DoorConfig } from '../../../engine/src/config/types.js';
import type { AdmissionPolicy, WaitlistConfig } from '../../../engine/src/index.js';

/** A distribution given by its median and log-normal shape (sigma); times in seconds. */
export interface LogNormalSpec {
  medianSec: number;
  sigma: number;
}

/** General admission: interchangeable tickets; `weight` is how many fans want this tier first. */
export interface GaTierSpec {
  id: string;
  name: string;
  price: number;
  quantity: number;
  weight: number;
}

/** A venue generated on the fly: sections around a stage, rows going back, seats along each row. */
export interface GeneratedVenueSpec {
  sections: number;
  rowsPerSection: number;
  seatsPerRow: number;
  /** Categories from best to worst with the share of seats each gets, by rank. */
  categories: Array<{ name: string; share: number; weight: number }>;
}

export type InventorySpec =
  | { kind: 'ga'; tiers: GaTierSpec[] }
  | { kind: 'venue'; venue: GeneratedVenueSpec }
  /** A JSON file: `{ "sections": SectionConfig[] }` (or a whole `inventory`), plus optional `categoryWeights`. */
  | { kind: 'venueFile'; path: string };

export interface ArrivalSpec {
  /** Fans already waiting in the pre-queue before the start, arriving evenly while it is open. */
  preQueueFraction: number;
  /** Fans arriving in the burst just after the start. */
  burstFraction: number;
  /** Burst arrivals fall off exponentially with this time constant. */
  burstTauSec: number;
  /** The rest: a Poisson tail whose rate decays with this time constant ... */
  tailTauSec: number;
  /** ... cut off here (seconds after the start). */
  tailEndSec: number;
}

export interface FanSpec {
  /** Weights for wanting 1, 2, 3, ... tickets (capped by the per-fan limit). */
  ticketsWanted: number[];
  /** Admission → hold request. */
  think: LogNormalSpec;
  /** Hold → start paying. */
  payThink: LogNormalSpec;
  /** Admitted fans who never use the grant (walked away from the screen). */
  ignoreGrantFraction: number;
  /** Fans who hold and then never pay: the hold expires. */
  neverPayFraction: number;
  /** Fans who hold and let the tickets go early. */
  releaseFraction: number;
  /** When the preferred tier or category lacks enough, take fewer rather than switch. */
  acceptFewerFraction: number;
  /** Fans who give up waiting; patience counts from when the line starts moving (the start, or the join after it). */
  patience: { fraction: number } & LogNormalSpec;
  /** Waiting fans told "sold out" who leave the queue (the rest keep their place in case tickets return). */
  soldOutLeaveFraction: number;
  /** Fans shown "unlikely" (the ticket outlook) when their place gets its number who leave at once. */
  unlikelyLeaveFraction: number;
  /**
   * Waitlisted fans close the page; when called they come back after a
   * log-normal response time (noticing the notification, unlocking, opening
   * the page), and some never do. Too late past the call's answer time, and the call is lost.
   */
  callAnswer: { neverFraction: number } & LogNormalSpec;
  /** Fans on flaky networks: they drop and reconnect. */
  flaky: {
    fraction: number;
    /** Of the flaky: a second drop later. */
    secondDropFraction: number;
    /** Mean time from joining (or reconnecting) to a drop. */
    dropAfterMeanSec: number;
    /** Of the drops: away longer than the presence grace period. */
    beyondGraceFraction: number;
    /** Of the drops: never come back. */
    neverReturnFraction: number;
    /** A short drop lasts this long. */
    offline: LogNormalSpec;
    /** Of the fans who lost their place: join again at the back. */
    rejoinFraction: number;
  };
  /** After a failed payment. */
  retry: { fraction: number; maxAttempts: number; delay: LogNormalSpec };
}

/**
 * The bot farm: the adversary. It holds `accounts` (bought or registered);
 * in an anonymous event each account mints fan ids freely, in a verified one
 * a fan id is an account and the farm cannot mint more, so its extra
 * arrivals are the same accounts trying again from other addresses.
 */
export interface BotSpec {
  /** Share of all arrivals that come from the farm. */
  fraction: number;
  /** Accounts the farm holds; 0 means one account per arrival. */
  accounts: number;
  /** Addresses the farm joins from (0: one per arrival), spread evenly over `subnets` /24s (0: one per address). */
  addresses: number;
  subnets: number;
  /** The farm's proof-of-work compute, hashes per second across all its machines: a d-bit solve costs 2^d hashes. */
  hashesPerSec: number;
  /** Share of the farm's arrivals in the pre-queue (spread over it); the rest fire within `joinWindowMs` of the start. */
  preQueueFraction: number;
  /** Bots join within this many milliseconds of the start. */
  joinWindowMs: number;
  /** Admission → hold, and hold → pay. */
  reactMs: number;
  /** Tickets a bot asks for; 0 means the per-fan limit (asking for more probes the limit and is refused). */
  askFor: number;
}

/** Real fans' side of the door: their addresses and their devices' proof-of-work speed. */
export interface CrowdDoorSpec {
  /** Hashes per second a fan's browser manages on the proof of work (an assumption: see sim/README.md). */
  hashesPerSec: number;
  /** Real fans behind one shared address (a campus or carrier NAT); the others each have their own. */
  natFans: number;
}

/** The event's door as the engine takes it (`EventConfig.door`): fields left out take the engine's defaults. */
export type DoorSpec = Partial<DoorConfig>;

export interface PaymentSpec {
  /** The first payment channel's name (the event offers it first). */
  channel: string;
  /** Payments per second its provider can process; the event declares this capacity for it. */
  capacityPerSec: number;
  /** Network and processing latency when idle (every channel's provider). */
  latency: { medianMs: number; sigma: number };
  /** Cards declined when idle. */
  baseFailureRate: number;
  /** Extra provider errors at full utilisation (rises with the square of utilisation above 70%). */
  overloadFailureRate: number;
  /** The checkout gives up on a payment unanswered this long and reports it failed (the provider may still charge it). */
  timeoutMs: number;
  /** The first channel's capacity changes mid-sale (a brownout; 0: the provider is down). */
  capacityChanges: CapacityChange[];
  /** Channels offered after the first, each its own provider with the same latency and failure model. */
  moreChannels: Array<{ name: string; capacityPerSec: number; capacityChanges: CapacityChange[] }>;
  /** The event's `payments.pacing`: `adaptive` (steering, breakers, the payment queue, admission by health) or `off` (Breakwater before #21). */
  pacing: 'adaptive' | 'off';
}

export interface CapacityChange {
  atSec: number;
  capacityPerSec: number;
}

/**
 * Registration for the presale, Ticketmaster Verified Fan style
 * (docs/presales.md, "Registration"): every account registers days ahead;
 * the draw invites ⌈tickets ÷ (share × tickets per buyer)⌉; only invitees
 * come to the presale (the sale is one coded phase), some of them never;
 * later the organizer invites as many from the waitlist as invitees who had
 * not come, who then arrive as the organizer's e-mail reaches them.
 */
export interface RegistrationSpec {
  enabled: boolean;
  /** Days before the presale's waiting room opens that registration opens, and closes (the draw). */
  opensDaysBefore: number;
  closesDaysBefore: number;
  buyerSharePercent: number;
  ticketsPerBuyer: number;
  /** Real invitees who come to the presale; the rest never use their codes (the farm's always come). */
  showUpFraction: number;
  /** This long after the start the organizer invites as many from the waitlist as invitees who have not joined (0: never). */
  inviteNextAfterSec: number;
  /** How long an account invited later takes to arrive (reading the organizer's e-mail). */
  lateArrival: LogNormalSpec;
}

/** The organizer retunes the live event (e.g. the declared payment capacity after a brownout). */
export interface ConfigChangeSpec {
  atSec: number;
  admission: AdmissionPolicy;
}

export interface EventSpec {
  preQueueMinutes: number;
  /** The sale closes this long after the start. */
  closeAfterMinutes: number;
  paymentWindowSec: number;
  holdExtensionSec: number;
  paymentPendingMaxSec: number;
  maxTicketsPerFan: number;
  presenceGraceSec: number;
  grantTtlSec: number;
  admission: AdmissionPolicy;
  /** Standby and waitlist once nothing is free to sell (`enabled: false`: the baseline, every fan waits until sold out). */
  waitlist: WaitlistConfig;
}

export interface Scenario {
  name: string;
  description: string;
  seed: number;
  /** Every identity that joins, bots included. */
  fans: number;
  inventory: InventorySpec;
  event: EventSpec;
  arrivals: ArrivalSpec;
  behaviour: FanSpec;
  bots: BotSpec;
  crowd: CrowdDoorSpec;
  /** `verified`: a fan id is an account the organizer vouches for (one place each); `anonymous`: any string. */
  identity: 'anonymous' | 'verified';
  /** `off`: today's door (no start-window draw, no budgets, no proof of work); `on`: `door` over the engine's defaults. */
  defences: 'on' | 'off';
  door: DoorSpec;
  payments: PaymentSpec;
  configChanges: ConfigChangeSpec[];
  registration: RegistrationSpec;
  /** How often the host ticks the engine (the gateway: every few hundred ms). */
  tickMs: number;
  /** Time-series resolution for the report. */
  sampleMs: number;
}

/** A scenario file gives only what differs from the defaults. */
export type ScenarioPatch = DeepPartial<Scenario> & { name: string };

export type DeepPartial<T> = T extends readonly unknown[] ? T : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;
