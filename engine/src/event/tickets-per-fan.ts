import type { EventStatus } from './views.js';

/**
 * How many admissions the per-fan limit counts for before any fan has
 * bought: the first estimates lean on the most a fan may take, later ones
 * on what admitted fans took.
 */
const PRIOR_ADMISSIONS = 20;

/**
 * Tickets an admitted fan takes on average: sold and held tickets over the
 * admissions already used or lapsed (a grant that ran out took nothing),
 * blended with the per-fan limit so the first figures are not noise. The
 * ticket outlook a fan is shown and the away horizon both count with it.
 */
export function ticketsPerFanOf(status: Pick<EventStatus, 'admitted' | 'openGrants' | 'tickets'>, maxTicketsPerFan: number): number {
  const settled = Math.max(0, status.admitted - status.openGrants);
  const taken = status.tickets.sold + status.tickets.held;
  return Math.round(((taken + maxTicketsPerFan * PRIOR_ADMISSIONS) / (settled + PRIOR_ADMISSIONS)) * 100) / 100;
}
