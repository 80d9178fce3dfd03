/**
 * What a client computes from the one `queue` broadcast per tick: its own
 * position and wait. The server uses the same functions for `joined`, so the
 * first figure a fan sees and the next ones agree. Browser-safe.
 */

export interface QueueFigures {
  nowServing: number;
  /** Recent admissions per second: the slow and the fast estimate. */
  rateLow: number;
  rateHigh: number;
}

export interface WaitEstimate {
  /** Seconds, rounded up. */
  low: number;
  high: number;
}

/** Fans that can still be ahead: an upper bound, since some of them may leave. */
export function positionOf(number: number, nowServing: number): number {
  return number > 0 ? Math.max(0, number - nowServing) : 0;
}

/**
 * The wait range for a place, from the recent admission rate: the fast rate
 * gives the low end, the slow one the high end. Null when nobody was admitted
 * lately (before the sale, paused, sold out): there is no honest estimate.
 */
export function estimateWait(number: number, figures: QueueFigures): WaitEstimate | null {
  const position = positionOf(number, figures.nowServing);
  if (number > 0 && position === 0) return { low: 0, high: 0 };
  if (number === 0 || figures.rateHigh <= 0) return null;
  const slow = figures.rateLow > 0 ? figures.rateLow : figures.rateHigh;
  return { low: Math.ceil(position / figures.rateHigh), high: Math.ceil(position / slow) };
}

/** What is left to sell, as the `queue` broadcast carries it. */
export interface TicketSupply {
  /** Tickets neither held nor sold. */
  ticketsFree: number;
  /** Tickets in holds: they come back if their payment window ends unpaid. */
  ticketsHeld: number;
  /** Admitted fans who have not used their grant yet: they are served before anyone still in line. */
  openGrants: number;
  /** Tickets an admitted fan takes, on average so far (0: unknown). */
  ticketsPerFan: number;
}

/** Whether tickets should still be there when a place reaches the front. */
export type TicketOutlook = 'likely' | 'close' | 'unlikely';

/** Below 1: the estimate of tickets per fan is a guess, so `likely` and `unlikely` need this margin. */
const OUTLOOK_MARGIN = 0.8;

/**
 * Whether tickets should still be there when this place reaches the front:
 * `likely` when the free tickets alone cover the fans before it with a
 * margin, `unlikely` when even every held ticket coming back would not,
 * `close` between. Null when there is nothing to go on (no number yet,
 * already admitted, or no estimate of tickets per fan).
 */
export function ticketOutlook(number: number, nowServing: number, supply: TicketSupply): TicketOutlook | null {
  const position = positionOf(number, nowServing);
  if (position === 0 || supply.ticketsPerFan <= 0) return null;
  const servedByFree = supply.ticketsFree / supply.ticketsPerFan - supply.openGrants;
  const servedIfHeldReturn = (supply.ticketsFree + supply.ticketsHeld) / supply.ticketsPerFan - supply.openGrants;
  if (position <= servedByFree * OUTLOOK_MARGIN) return 'likely';
  if (position * OUTLOOK_MARGIN > servedIfHeldReturn) return 'unlikely';
  return 'close';
}
