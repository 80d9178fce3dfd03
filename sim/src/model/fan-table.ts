/** Where a simulated fan is in its story. */
export const Fan = {
  UNBORN: 0,
  WAITING: 1,
  ADMITTED: 2,
  HOLDING: 3,
  PAYING: 4,
  BOUGHT: 5,
  /** Lost the place: away longer than the presence grace. */
  LOST: 6,
  /** Gave up the place (impatient, or told sold out). */
  LEFT: 7,
  /** Admitted but ended without tickets (grant unused or expired, hold lapsed, nothing left). */
  DONE: 8,
  /** Joining: solving the proof of work the door asked for, then trying again. */
  JOINING: 9,
  /** Told all tickets are taken and it is on the waitlist: the page is closed until a call. */
  WAITLISTED: 10,
  /** Called from the waitlist: coming back to the page to answer. */
  CALLED: 11,
  /** Told "unlikely" with the place kept while away (beyond the away horizon): the page is closed until a call. */
  AWAY: 12,
  /** Paid, and the payment waits in the sale's payment queue (docs/payments.md) until a channel can take it. */
  PAY_QUEUED: 13,
} as const;

/** The ticket outlook a fan was shown once its place had a number (queue-math's `ticketOutlook`). */
export const Outlook = { NONE: 0, LIKELY: 1, CLOSE: 2, UNLIKELY: 3 } as const;

export const ONLINE = -1;
export const GONE = 0x7fffffff;

/**
 * Per-fan state of the simulation as typed-array columns: ~60 bytes a fan,
 * so five million fans cost ~300 MB and no object each.
 */
export class FanTable {
  readonly state: Uint8Array;
  readonly bot: Uint8Array;
  /** 1 for a real fan behind the shared (NAT) address. */
  readonly nat: Uint8Array;
  /** Latest join instant (ms of simulated time): the first try, before any proof of work. */
  readonly joinedAt: Int32Array;
  /** The latest place's effective arrival, as the engine took it (later than the join in the slow lane). */
  readonly readyAt: Int32Array;
  /** Proof-of-work bits solved for the next try. */
  readonly powBits: Uint8Array;
  /** 1 once the fan (for a bot: the place) has been admitted. */
  readonly admittedOnce: Uint8Array;
  /** Order of the latest join among joins after the start; -1 for the pre-queue. */
  readonly joinSeq: Int32Array;
  /** ONLINE, the instant the fan comes back, or GONE. */
  readonly offlineUntil: Int32Array;
  /** Drops still to come. */
  readonly drops: Uint8Array;
  readonly grant: Int32Array;
  readonly hold: Int32Array;
  readonly holdQty: Uint8Array;
  /** Hold requests and payment attempts made. */
  readonly tries: Uint8Array;
  /** How the fan's payment in flight will end (PayOutcome). */
  readonly payOutcome: Uint8Array;
  /** Start of the latest stretch in the live queue (ms; max of the place's arrival and the start), -1 if none. */
  readonly waitFrom: Int32Array;
  /** End of that stretch (admitted, told waitlisted or sold out, left, lost), -1 while still waiting. */
  readonly waitUntil: Int32Array;
  /** Milliseconds spent in the live queue over every stretch that ended. */
  readonly waitedMs: Int32Array;
  /** First admission (not a call) instant, -1 if never. */
  readonly admittedAt: Int32Array;
  /** The first outlook shown (Outlook), and 1 in `leftOnOutlook` if the fan left because of it. */
  readonly outlook: Uint8Array;
  readonly leftOnOutlook: Uint8Array;
  /** For a fan away from a kept place and told to come back: when it is back (GONE: never), -1 if not told. */
  readonly backAt: Int32Array;
  /** When the fan's page first said it may close the page and keep its place (-1: never, or since recalled). */
  readonly mayCloseFrom: Int32Array;
  /** Of `waitedMs`, the milliseconds waited in line after the page said so. */
  readonly waitedMayCloseMs: Int32Array;
  /** 1 if the latest stretch in the live queue ended with the fan told it is waitlisted. */
  readonly endedWaitlisted: Uint8Array;

  constructor(readonly size: number, bot: Uint8Array, nat: Uint8Array) {
    this.bot = bot;
    this.nat = nat;
    this.readyAt = new Int32Array(size);
    this.powBits = new Uint8Array(size);
    this.admittedOnce = new Uint8Array(size);
    this.state = new Uint8Array(size);
    this.joinedAt = new Int32Array(size);
    this.joinSeq = new Int32Array(size).fill(-1);
    this.offlineUntil = new Int32Array(size).fill(ONLINE);
    this.drops = new Uint8Array(size);
    this.grant = new Int32Array(size);
    this.hold = new Int32Array(size);
    this.holdQty = new Uint8Array(size);
    this.tries = new Uint8Array(size);
    this.payOutcome = new Uint8Array(size);
    this.waitFrom = new Int32Array(size).fill(-1);
    this.waitUntil = new Int32Array(size).fill(-1);
    this.waitedMs = new Int32Array(size);
    this.admittedAt = new Int32Array(size).fill(-1);
    this.outlook = new Uint8Array(size);
    this.leftOnOutlook = new Uint8Array(size);
    this.backAt = new Int32Array(size).fill(-1);
    this.mayCloseFrom = new Int32Array(size).fill(-1);
    this.waitedMayCloseMs = new Int32Array(size);
    this.endedWaitlisted = new Uint8Array(size);
  }
}

/** Fan ids as the engine sees them: short and parseable back to the fan's number. */
export function fanIdOf(fan: number): string {
  return `f${fan.toString(36)}`;
}

export function fanOf(fanId: string): number {
  return parseInt(fanId.slice(1), 36);
}
