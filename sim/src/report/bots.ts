import type { DoorFigures } from '../model/doorway.js';
import { nearestRank } from './stats.js';

/** What the bot farm got, against what real fans got (sim/README.md defines each figure). */
export interface BotReport {
  /** Bot arrivals (join attempts from the farm, each its own fan id in an anonymous event). */
  arrivals: number;
  /** The farm's accounts that got a place. */
  accounts: number;
  /** Bot accounts ÷ all accounts that got a place. */
  identityShare: number | null;
  /** Tickets bots bought ÷ tickets sold. */
  ticketShare: number | null;
  /** Places created for the farm's fan ids ÷ its accounts that got one (null when the driver cannot see the journal). */
  placesPerAccount: number | null;
  /** Among accounts that first tried by the end of the start window: bots' share of the places admitted ÷ their share of the accounts. */
  fairnessRatio: number | null;
  /**
   * The same ratio from the queue numbers alone: bots' share of the cohort's
   * first (places admitted) numbers ÷ their share of the accounts. What the
   * draws gave them; fairnessRatio above it is what never giving up adds.
   */
  drawRatio: number | null;
  cohort: DoorFigures['cohort'];
  /** Tickets per account that bought: bots, real fans, and how many times more a bot account buys. */
  ticketsPerBuyer: number | null;
  fanTicketsPerBuyer: number | null;
  outBuys: number | null;
  /** Proofs of work the farm solved and the hashes it spent; proofs of work real fans solved. */
  powSolves: number;
  hashesSpent: number;
  fanPowSolves: number;
}

/** Real fans behind the shared address. */
export interface NatReport {
  fans: number;
  /** Of them, fans that got a place. */
  placed: number;
  /** Fans the door delayed by more than a second beyond fans on their own address who tried in the same second. */
  delayedJoins: number;
  /** Extra delay (seconds), nearest-rank p95 and the maximum, over the fans that got a place. */
  p95DelaySec: number;
  maxDelaySec: number;
  /**
   * Among real fans who first tried by the end of the start window: the NAT
   * fans' share of the places admitted ÷ their share of those fans. 1.0: the
   * shared address cost them nothing; a slow lane that pushes a window
   * arrival past the draw shows here more than in the delay.
   */
  admittedRatio: number | null;
}

/** A delay the door adds beyond this counts the join as delayed: smaller is the noise of the baseline. */
export const DELAYED_JOIN_SEC = 1;

const ratio = (part: number, whole: number, digits = 4): number | null => (whole === 0 ? null : Math.round((part / whole) * 10 ** digits) / 10 ** digits);

export function botReport(door: DoorFigures, arrivals: number, ticketsSold: number, botTickets: number): BotReport {
  const c = door.cohort;
  const placeShare = ratio(c.botPlacesAdmitted, c.botPlacesAdmitted + c.fanPlacesAdmitted, 12);
  const accountShare = ratio(c.botAccounts, c.botAccounts + c.fanAccounts, 12);
  const over = (share: number | null): number | null =>
    share === null || accountShare === null || accountShare === 0 ? null : Math.round((share / accountShare) * 1000) / 1000;
  const admitted = c.botPlacesAdmitted + c.fanPlacesAdmitted;
  const drawShare = c.botPlacesInFirstNumbers === null ? null : ratio(c.botPlacesInFirstNumbers, admitted, 12);
  const perBot = ratio(botTickets, door.botBuyers, 3);
  const perFan = ratio(door.fanTickets, door.fanBuyers, 3);
  return {
    arrivals,
    accounts: door.botAccounts,
    identityShare: ratio(door.botAccounts, door.botAccounts + door.fanAccounts),
    ticketShare: ratio(botTickets, ticketsSold),
    placesPerAccount: door.botPlaces === undefined ? null : ratio(door.botPlaces, door.botAccounts, 3),
    fairnessRatio: over(placeShare),
    drawRatio: over(drawShare),
    cohort: c,
    ticketsPerBuyer: perBot,
    fanTicketsPerBuyer: perFan,
    outBuys: perBot === null || perFan === null ? null : ratio(perBot, perFan, 2),
    powSolves: door.botSolves,
    hashesSpent: door.botHashes,
    fanPowSolves: door.fanSolves,
  };
}

export function natReport(door: DoorFigures): NatReport {
  const c = door.cohort;
  const admittedShare = ratio(door.nat.cohortAdmitted, c.fanPlacesAdmitted, 12);
  const fanShare = ratio(door.nat.cohortFans, c.fanAccounts, 12);
  const delays = Float64Array.from(door.nat.extraDelaySec).sort();
  let delayed = 0;
  for (const d of delays) if (d > DELAYED_JOIN_SEC) delayed++;
  return {
    fans: door.nat.fans,
    placed: door.nat.placed,
    delayedJoins: delayed,
    p95DelaySec: nearestRank(delays, 0.95),
    maxDelaySec: nearestRank(delays, 1),
    admittedRatio: admittedShare === null || fanShare === null || fanShare === 0 ? null : Math.round((admittedShare / fanShare) * 1000) / 1000,
  };
}
