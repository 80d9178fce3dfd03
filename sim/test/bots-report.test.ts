import { describe, expect, it } from 'vitest';
import { Doorway } from '../src/model/doorway.js';
import { BotFarm } from '../src/model/farm.js';
import { Fan, FanTable } from '../src/model/fan-table.js';
import { botReport, natReport } from '../src/report/bots.js';
import { DEFAULT_SCENARIO } from '../src/scenario/defaults.js';

const WINDOW_END = 30_000;

/**
 * Ten accounts try by the end of the start window (arrivals 0–9: bots 0 and
 * 5, fans the rest) and two fans come later (10, 11). `admitted` lists who was
 * admitted; `bought` who bought, and how many tickets.
 */
function outcome(admitted: number[], bought: Record<number, number>, numbers?: number[]) {
  const size = 12;
  const bot = new Uint8Array(size);
  bot[0] = bot[5] = 1;
  const fans = new FanTable(size, bot, new Uint8Array(size));
  const farm = new BotFarm({ ...DEFAULT_SCENARIO.bots, fraction: 0.2 }, 2, false);
  const door = new Doorway(fans, farm, 2 ** 20, { onSaleMs: 0, drawEndsMs: WINDOW_END, cohortEndsMs: WINDOW_END, horizonMs: 60_000 });
  const arrivedAt = Int32Array.from({ length: size }, (_, f) => (f < 10 ? 1_000 * f : WINDOW_END + 1));
  const placed = new Uint8Array(size).fill(1);
  for (const f of admitted) fans.admittedOnce[f] = 1;
  let fanTickets = 0;
  let botTickets = 0;
  for (const [f, n] of Object.entries(bought)) {
    fans.state[Number(f)] = Fan.BOUGHT;
    if (bot[Number(f)] === 1) botTickets += n;
    else fanTickets += n;
  }
  for (let f = 0; f < size; f++) if (fans.bot[f] === 1) door.placeTaken(f);
  const figures = door.figures(arrivedAt, placed, fanTickets, true, numbers === undefined ? undefined : (fan) => numbers[fan]!);
  return { figures, report: botReport(figures, 2, fanTickets + botTickets, botTickets) };
}

describe('the bots figures', () => {
  it('a fair outcome: bots are admitted in proportion to their accounts, ratio 1', () => {
    // 2 of the 10 early accounts are bots; 1 of the 5 early places admitted is a bot's. Late fan 10 admitted too: not in the cohort.
    const { figures, report } = outcome([0, 1, 2, 3, 4, 10], { 0: 4, 1: 2, 2: 2, 3: 1, 4: 3, 10: 2 });
    expect(figures.cohort).toEqual({ botAccounts: 2, fanAccounts: 8, botPlacesAdmitted: 1, fanPlacesAdmitted: 4, botPlacesInFirstNumbers: null });
    expect(report.fairnessRatio).toBe(1);
    expect(report.identityShare).toBe(Math.round((2 / 12) * 1e4) / 1e4);
    expect(report.ticketShare).toBe(Math.round((4 / 14) * 1e4) / 1e4);
    expect(report.placesPerAccount).toBe(1);
    // A bot account that buys the limit: 4 tickets against the fans' 10 in 5 purchases.
    expect(report.ticketsPerBuyer).toBe(4);
    expect(report.fanTicketsPerBuyer).toBe(2);
    expect(report.outBuys).toBe(2);
  });

  it('an unfair outcome: both bots admitted with 3 of 8 fans, ratio 2', () => {
    const { figures, report } = outcome([0, 5, 1, 2, 3], { 0: 4, 5: 4, 1: 2 });
    expect(figures.cohort).toEqual({ botAccounts: 2, fanAccounts: 8, botPlacesAdmitted: 2, fanPlacesAdmitted: 3, botPlacesInFirstNumbers: null });
    expect(report.fairnessRatio).toBe(2);
    expect(report.ticketShare).toBe(0.8);
    expect(report.outBuys).toBe(2);
  });

  it('from the queue numbers: the bots\' share of the front of the cohort, whoever then gave up', () => {
    // The draw put bot 0 first and bot 5 sixth; fan 9 left before it (no number); late fan 10 is not in the cohort.
    const numbers = [1, 3, 2, 4, 5, 6, 7, 8, 9, 0, 10, 11];
    // Five admitted: bot 0 and fans 1–4 (the front five numbers are 0, 2, 1, 3, 4): one bot in the front five.
    expect(outcome([0, 1, 2, 3, 4], {}, numbers).report).toMatchObject({ fairnessRatio: 1, drawRatio: 1 });
    // Fans 2 and 3 gave up and bot 5 (number 6) came through instead: the draw gave bots 1 of 5, never giving up 2 of 5.
    const { figures, report } = outcome([0, 1, 4, 5, 6], {}, numbers);
    expect(figures.cohort.botPlacesInFirstNumbers).toBe(1);
    expect(report).toMatchObject({ fairnessRatio: 2, drawRatio: 1 });
  });

  it('no bots, or nobody admitted: no ratio', () => {
    const { report } = outcome([], {});
    expect(report.fairnessRatio).toBeNull();
    expect(report.drawRatio).toBeNull();
    expect(report.ticketShare).toBeNull();
    expect(report.outBuys).toBeNull();
  });

  it('places per account counts every place the engine made for the farm', () => {
    const { figures } = outcome([], {});
    // Two bot accounts, three places: one account got a second place.
    const report = botReport({ ...figures, botPlaces: 3 }, 2, 0, 0);
    expect(report.placesPerAccount).toBe(1.5);
    expect(botReport({ ...figures, botPlaces: undefined }, 2, 0, 0).placesPerAccount).toBeNull();
  });
});

describe('the NAT figures', () => {
  it('counts the delayed joins and takes the p95 of the extra delay', () => {
    const extra = Float64Array.from({ length: 100 }, (_, i) => (i < 60 ? 0 : i - 59)); // 0 × 60, then 1 … 40 s
    const { figures } = outcome([0, 1, 2, 3, 4], {});
    const nat = natReport({ ...figures, nat: { fans: 120, placed: 100, extraDelaySec: extra, cohortFans: 2, cohortAdmitted: 1 } });
    expect(nat).toEqual({ fans: 120, placed: 100, delayedJoins: 39, p95DelaySec: 35, maxDelaySec: 40, admittedRatio: 1 });
  });

  it('compares how often NAT fans of the cohort were admitted with the other real fans of the cohort', () => {
    // 8 real fans in the cohort, 4 of them admitted; 4 of the 8 behind the NAT.
    const { figures } = outcome([0, 1, 2, 3, 4], {});
    const with_ = (cohortAdmitted: number) => natReport({ ...figures, nat: { fans: 4, placed: 4, extraDelaySec: new Float64Array(4), cohortFans: 4, cohortAdmitted } });
    expect(with_(2).admittedRatio).toBe(1);
    expect(with_(0).admittedRatio).toBe(0);
    expect(with_(4).admittedRatio).toBe(2);
  });

  it('measures what the door cost a NAT fan against fans on their own address who tried in the same second', () => {
    const size = 7;
    const nat = new Uint8Array(size);
    nat[0] = nat[1] = nat[4] = nat[5] = 1;
    const fans = new FanTable(size, new Uint8Array(size), nat);
    // On sale at 5 s; the draw of the pre-queue and the start window at 8 s.
    const door = new Doorway(fans, new BotFarm(DEFAULT_SCENARIO.bots, 0, false), 2 ** 20, { onSaleMs: 5_000, drawEndsMs: 8_000, cohortEndsMs: 8_000, horizonMs: 60_000 });
    fans.joinedAt.set([10_100, 20_000, 10_500, 20_900, 1_000, 4_000, 4_500]);
    door.placed(2, 11_500); // own address, second 10: 1 s of proof of work
    door.placed(3, 20_900); // own address, second 20: nothing
    door.placed(6, 8_000); // own address, second 4: slow-laned from the pre-queue into the window, still in the draw: nothing
    door.placed(0, 16_100); // NAT, second 10: 6 s, of which 5 s beyond the baseline
    door.placed(1, 20_000); // NAT, second 20: nothing
    door.placed(4, 8_000); // NAT, in the pre-queue: numbered by the draw, nothing lost
    door.placed(5, 12_000); // NAT, second 4: the slow lane pushed it past the draw, numbered at 12 s: 4 s
    const figures = door.figures(Int32Array.from(fans.joinedAt), new Uint8Array(size).fill(1), 0, true);
    expect(Array.from(figures.nat.extraDelaySec)).toEqual([5, 0, 0, 4]);
    expect(figures.nat).toMatchObject({ fans: 4, placed: 4 });
  });
});
