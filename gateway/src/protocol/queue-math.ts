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
