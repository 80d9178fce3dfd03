import { Fan, type FanTable, Outlook } from '../model/fan-table.js';
import { nearestRank } from './stats.js';

/** Fans who ended without a ticket, and how long the sale kept them waiting for nothing (sim/README.md). */
export interface NoTicketFigures {
  /** Real fans who took a place and bought nothing. */
  fans: number;
  /**
   * Seconds from max(nothing was free, the fan's last stretch in the live queue began) to the moment it ended: told waitlisted or sold out, admitted, left or lost (or the run's end).
   * A fan told it was waitlisted before nothing was free (the early waitlist) counts 0.
   */
  toldAfterAllTakenSec: { p50: number; p95: number };
  /** Minutes those fans spent in the live queue (from the start or their place's arrival), every stretch. */
  fanMinutesWaited: number;
  /** Of those minutes, the ones spent after the fan's page said it may close the page and keep its place (the away horizon). */
  fanMinutesAfterMayClose: number;
}

/** The ticket outlook against what happened (sim/README.md). */
export interface OutlookFigures {
  /** Shown "unlikely"; of them, left on it; judged (the rest); share of those judged who got no ticket (null: none judged). */
  unlikely: { shown: number; leftOnIt: number; judged: number; right: number | null };
  /** Shown "likely"; judged (admitted, or still in the queue when nothing was free); share of those admitted before nothing was free. */
  likely: { shown: number; judged: number; right: number | null };
}

/**
 * `nothingFreeAt`: the first moment nothing was free to sell (the report's
 * own ledger), undefined if never; `endAt`: the run's end. Times in ms of simulated time.
 */
export function noTicketFigures(f: FanTable, nothingFreeAt: number | undefined, endAt: number): NoTicketFigures {
  let fans = 0;
  let waitedMs = 0;
  let afterMayCloseMs = 0;
  const told: number[] = [];
  for (let fan = 0; fan < f.size; fan++) {
    if (f.bot[fan] === 1 || f.waitFrom[fan]! < 0 || f.state[fan] === Fan.BOUGHT) continue;
    fans++;
    const until = f.waitUntil[fan] === -1 ? endAt : f.waitUntil[fan]!;
    waitedMs += f.waitedMs[fan]! + (f.waitUntil[fan] === -1 ? Math.max(0, endAt - f.waitFrom[fan]!) : 0);
    afterMayCloseMs += f.waitedMayCloseMs[fan]! + (f.waitUntil[fan] === -1 && f.mayCloseFrom[fan]! >= 0 ? Math.max(0, endAt - Math.max(f.waitFrom[fan]!, f.mayCloseFrom[fan]!)) : 0);
    if (nothingFreeAt !== undefined && until > nothingFreeAt) told.push((until - Math.max(nothingFreeAt, f.waitFrom[fan]!)) / 1000);
    else if (nothingFreeAt !== undefined && f.endedWaitlisted[fan] === 1) told.push(0);
  }
  const sorted = Float64Array.from(told).sort();
  return {
    fans,
    toldAfterAllTakenSec: { p50: nearestRank(sorted, 0.5), p95: nearestRank(sorted, 0.95) },
    fanMinutesWaited: Math.round(waitedMs / 60_000),
    fanMinutesAfterMayClose: Math.round(afterMayCloseMs / 60_000),
  };
}

export function outlookFigures(f: FanTable, nothingFreeAt: number | undefined): OutlookFigures {
  const unlikely = { shown: 0, leftOnIt: 0, judged: 0, right: 0 };
  const likely = { shown: 0, judged: 0, right: 0 };
  const taken = nothingFreeAt ?? Infinity;
  for (let fan = 0; fan < f.size; fan++) {
    const shown = f.outlook[fan];
    if (shown === Outlook.UNLIKELY) {
      unlikely.shown++;
      if (f.leftOnOutlook[fan] === 1) {
        unlikely.leftOnIt++;
        continue;
      }
      unlikely.judged++;
      if (f.state[fan] !== Fan.BOUGHT) unlikely.right++;
    } else if (shown === Outlook.LIKELY) {
      likely.shown++;
      const admitted = f.admittedAt[fan]!;
      // A fan who gave up before its turn while tickets remained cannot tell whether "likely" was right.
      if (admitted < 0 && f.waitUntil[fan] !== -1 && f.waitUntil[fan]! < taken) continue;
      likely.judged++;
      if (admitted >= 0 && admitted <= taken) likely.right++;
    }
  }
  const share = (right: number, judged: number) => (judged === 0 ? null : Math.round((right / judged) * 1000) / 1000);
  return {
    unlikely: { ...unlikely, right: share(unlikely.right, unlikely.judged) },
    likely: { shown: likely.shown, judged: likely.judged, right: share(likely.right, likely.judged) },
  };
}
