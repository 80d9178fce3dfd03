import { beforeAll, describe, expect, it } from 'vitest';
import type { EventConfig, JournalEntry } from '../../engine/src/index.js';
import { Fan, FanTable, Outlook } from '../src/model/fan-table.js';
import type { Report } from '../src/report/build.js';
import { Ledger } from '../src/report/ledger.js';
import { noTicketFigures, outlookFigures } from '../src/report/no-ticket.js';
import { run, scenario } from './helpers.js';

/** A table of `n` real fans, none of whom took a place yet. */
function table(n: number): FanTable {
  return new FanTable(n, new Uint8Array(n), new Uint8Array(n));
}

/** A fan whose one stretch in the live queue ran from `from` to `until` (-1: still waiting), ending in `state`. */
function waited(f: FanTable, fan: number, from: number, until: number, state: number): void {
  f.waitFrom[fan] = from;
  f.waitUntil[fan] = until;
  f.waitedMs[fan] = until === -1 ? 0 : until - from;
  f.state[fan] = state;
}

describe('noTicket figures on hand-built fans', () => {
  it('counts fans without a ticket, times their news from the moment nothing was free, and sums their waits', () => {
    const f = table(6);
    waited(f, 0, 0, 30_000, Fan.BOUGHT); // bought: not counted
    waited(f, 1, 0, 5_000, Fan.LEFT); // left while tickets were free: waited 5 s, no news time
    waited(f, 2, 0, 70_000, Fan.DONE); // told 10 s after nothing was free (60 s)
    waited(f, 3, 80_000, 90_000, Fan.DONE); // joined after: 10 s from its own start
    waited(f, 4, 0, -1, Fan.WAITING); // never told: waits to the run's end (180 s)
    f.bot[5] = 1;
    waited(f, 5, 0, 100_000, Fan.DONE); // a bot: not a fan
    // Fan 2's page said it may close it at 20 s (it kept it open 50 s more); fan 4's at 60 s, still open at the end (120 s).
    f.mayCloseFrom[2] = 20_000;
    f.waitedMayCloseMs[2] = 50_000;
    f.mayCloseFrom[4] = 60_000;
    const figures = noTicketFigures(f, 60_000, 180_000);
    expect(figures.fans).toBe(4);
    expect(figures.fanMinutesAfterMayClose).toBe(Math.round(170 / 60));
    // News times 10, 10, 120 s: the median 10, the 95th percentile 120.
    expect(figures.toldAfterAllTakenSec).toEqual({ p50: 10, p95: 120 });
    // 5 + 70 + 10 + 180 s = 265 s.
    expect(figures.fanMinutesWaited).toBe(Math.round(265 / 60));
  });

  it('counts a fan told it was waitlisted before nothing was free (the early waitlist) as told at once; one who left then, not at all', () => {
    const f = table(3);
    waited(f, 0, 0, 20_000, Fan.DONE); // waitlisted early at 20 s, nothing free at 60 s
    f.endedWaitlisted[0] = 1;
    waited(f, 1, 0, 30_000, Fan.LEFT); // left at 30 s
    waited(f, 2, 0, 100_000, Fan.DONE); // told 40 s after nothing was free
    expect(noTicketFigures(f, 60_000, 180_000).toldAfterAllTakenSec).toEqual({ p50: 0, p95: 40 });
    f.endedWaitlisted[0] = 0;
    expect(noTicketFigures(f, 60_000, 180_000).toldAfterAllTakenSec).toEqual({ p50: 40, p95: 40 });
  });

  it('has no news times when something was always free', () => {
    const f = table(1);
    waited(f, 0, 0, 40_000, Fan.LEFT);
    expect(noTicketFigures(f, undefined, 100_000)).toEqual({ fans: 1, toldAfterAllTakenSec: { p50: 0, p95: 0 }, fanMinutesWaited: 1, fanMinutesAfterMayClose: 0 });
  });
});

describe('the outlook against the truth', () => {
  it('judges "unlikely" on fans who stayed and "likely" on fans who stayed for their turn', () => {
    const f = table(7);
    f.outlook.set([Outlook.UNLIKELY, Outlook.UNLIKELY, Outlook.UNLIKELY, Outlook.LIKELY, Outlook.LIKELY, Outlook.LIKELY, Outlook.CLOSE]);
    f.leftOnOutlook[0] = 1; // left on it: not judged
    waited(f, 1, 0, 60_000, Fan.DONE); // got nothing: right
    waited(f, 2, 0, 40_000, Fan.BOUGHT); // bought: wrong
    waited(f, 3, 0, 10_000, Fan.BOUGHT);
    f.admittedAt[3] = 10_000; // admitted before nothing was free (50 s): right
    waited(f, 4, 0, 70_000, Fan.DONE);
    f.admittedAt[4] = 70_000; // admitted after: wrong
    waited(f, 5, 0, 20_000, Fan.LEFT); // gave up while tickets remained: not judged
    expect(outlookFigures(f, 50_000)).toEqual({
      unlikely: { shown: 3, leftOnIt: 1, judged: 2, right: 0.5 },
      likely: { shown: 3, judged: 2, right: 0.5 },
    });
  });
});

describe('the ledger on the waitlist', () => {
  it('counts called fans and the tickets they bought, and nothing for plain admissions', () => {
    const config = { onSaleAt: 0, maxTicketsPerFan: 4, inventory: { tiers: [{ id: 'ga', quantity: 10 }], sections: [] } } as unknown as EventConfig;
    const ledger = new Ledger();
    const entries = [
      { type: 'created', at: 0, config },
      { type: 'saleStarted', at: 0, seed: '', shuffled: 0 },
      { type: 'admitted', at: 1, fanIds: ['f1'], firstGrant: 1 },
      { type: 'called', at: 2, fanIds: ['f2', 'f3'], firstGrant: 2, grantExpiresAt: 600_002 },
      { type: 'held', at: 3, holdId: 'h1', fanId: 'f1', allocation: { tierId: 'ga', quantity: 2 } },
      { type: 'held', at: 3, holdId: 'h2', fanId: 'f2', allocation: { tierId: 'ga', quantity: 3 } },
      { type: 'purchased', at: 4, holdId: 'h1' },
      { type: 'purchased', at: 4, holdId: 'h2' },
    ] as unknown as JournalEntry[];
    ledger.apply(entries);
    expect(ledger.n.called).toBe(2);
    expect(ledger.n.ticketsSoldToCalled).toBe(3);
    expect(ledger.n.ticketsSold).toBe(5);
    // One open grant promises 4 of the 10 tickets; with the two calls 12: nothing is free from then.
    expect(ledger.nothingFreeAt).toBe(2);
    expect(ledger.allTakenAt).toBeUndefined();
    expect(ledger.supply()).toEqual({ admitted: 3, openGrants: 1, tickets: { free: 5, held: 0, sold: 5 } });
  });
});

describe('a tiny run with the waitlist on and off', () => {
  let on: Report;
  let off: Report;
  beforeAll(() => {
    on = run(scenario('tiny', { seed: 11 })).report;
    off = run(scenario('tiny', { seed: 11, event: { waitlist: { enabled: false } } })).report;
  });

  it('sells every ticket and breaks nothing either way', () => {
    for (const report of [on, off]) {
      expect(report.ok, report.failures.join('\n')).toBe(true);
      expect(report.ticketsSold).toBe(report.seats);
      expect(report.soldOutAtSec).not.toBeNull();
    }
  });

  it('tells the crowd at once with the waitlist, and keeps it waiting for nothing without', () => {
    expect(on.behaviour.waitlisted).toBeGreaterThan(0);
    expect(off.behaviour.waitlisted).toBe(0);
    expect(off.waitlist).toEqual({ called: 0, ticketsSold: 0 });
    expect(on.waitlist.called).toBe(on.behaviour.called);
    expect(on.waitlist.ticketsSold).toBeLessThanOrEqual(on.ticketsSold);
    // Without it every fan still in line hears only at the final sold out, minutes after the last ticket went.
    expect(on.noTicket.toldAfterAllTakenSec.p95).toBeLessThan(off.noTicket.toldAfterAllTakenSec.p95);
    expect(on.noTicket.fanMinutesWaited).toBeLessThan(off.noTicket.fanMinutesWaited);
  });
});

describe('called fans answer', () => {
  // Nobody leaves on "unlikely" here, so tickets that come back go to the waitlist by calls.
  const stay = { behaviour: { unlikelyLeaveFraction: 0 } };

  it('buy what comes back: the sale sells out within the run', () => {
    const { report } = run(scenario('tiny-seats', { seed: 7, ...stay }));
    expect(report.ok, report.failures.join('\n')).toBe(true);
    expect(report.waitlist.called).toBeGreaterThan(0);
    expect(report.behaviour.callsAnswered).toBeGreaterThan(0);
    expect(report.waitlist.ticketsSold).toBeGreaterThan(0);
    expect(report.ticketsSold).toBe(report.seats);
    expect(report.soldOutAtSec).not.toBeNull();
  });

  it('and a called bot probing the limit is caught when the engine checks another one', () => {
    const s = scenario('tiny', { seed: 3, bots: { fraction: 0.3, askFor: 6 }, ...stay });
    const { report } = run(s, (sale) => {
      sale.config = { ...sale.config, maxTicketsPerFan: 10 };
    });
    // Every bot is on the waitlist here: only calls bring them to the limit check.
    expect(report.behaviour.botsAdmitted).toBe(0);
    expect(report.perFanLimitViolations).toBeGreaterThan(0);
    expect(report.engineInvariants.byInvariant.perFanLimit).toBe(report.perFanLimitViolations);
  });
});
