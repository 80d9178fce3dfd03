import type { JoinAttempt } from '../drivers/driver.js';
import { GrowableF64 } from '../util/growable.js';
import { NAT_ADDRESS, ownAddressOf } from './crowd-addresses.js';
import { type BotFarm, fanSolveMs } from './farm.js';
import { Fan, fanIdOf, type FanTable } from './fan-table.js';

/** The raw figures of the door the report turns into `bots.*` and `nat.*` (see sim/README.md for their meaning). */
export interface DoorFigures {
  /** Accounts that got a place: the farm's, and real fans (one account each). */
  botAccounts: number;
  fanAccounts: number;
  /** Places created for the farm's fan ids (`joined` journal entries; undefined when the driver cannot see the journal). */
  botPlaces: number | undefined;
  /**
   * Accounts that first tried to join by the end of the start window, how
   * many of their places were admitted, and how many of the bots' places were
   * among the cohort's first that-many queue numbers (null when the driver
   * cannot read the numbers): what the draws alone would have given them.
   */
  cohort: { botAccounts: number; fanAccounts: number; botPlacesAdmitted: number; fanPlacesAdmitted: number; botPlacesInFirstNumbers: number | null };
  /** Accounts that bought, and the tickets they bought. */
  botBuyers: number;
  fanBuyers: number;
  fanTickets: number;
  /** Proofs of work solved, and the hashes the farm spent. */
  fanSolves: number;
  botSolves: number;
  botHashes: number;
  /**
   * Real fans behind the shared address: how many tried, how many got a
   * place, each one's extra delay in seconds, and of them the cohort's fans
   * and how many of those were admitted.
   */
  nat: { fans: number; placed: number; extraDelaySec: Float64Array; cohortFans: number; cohortAdmitted: number };
}

/** The instants (ms of simulated time) the door's figures hang on. */
export interface DoorTimes {
  onSaleMs: number;
  /** The draw of the pre-queue and the start window, as the event has it (the on-sale time when there is no window). */
  drawEndsMs: number;
  /** The end of the start window the scenario names, defences on or off: who tried by then is the fairness ratio's cohort. */
  cohortEndsMs: number;
  /** Past every instant of the run. */
  horizonMs: number;
}

/**
 * Where fans and bots meet the door: under which fan id and from which
 * address each arrival joins, how long the proof of work the door asks for
 * takes it (a fan's own browser; the farm's shared compute), and what the
 * door cost whom. What the door costs a real fan is how much later its place
 * is numbered than it would have been, had it been let in at its first try:
 * proof of work plus the slow lane, counted only where they change the place
 * (a window arrival that is a second late but still in the window loses nothing).
 */
export class Doorway {
  /** Bot arrivals numbered in arrival order (-1 for real fans). */
  private readonly botOrdinal: Int32Array;
  /** Per farm account: the fan (arrival) whose fan id the account joins under in a verified event. */
  private readonly ownerFan: Int32Array;
  private placesOfBots = 0;
  private fanSolves = 0;
  /** Own-address real fans' delays at the door, summed by the second of their first try: the baseline a NAT fan is compared with. */
  private readonly ownDelaySum: Float64Array;
  private readonly ownDelayCount: Uint32Array;
  /** NAT fans' first try (second) and delay (ms), to compare with the baseline at the end. */
  private readonly natSecond = new GrowableF64();
  private readonly natDelayMs = new GrowableF64();

  constructor(
    private readonly fans: FanTable,
    readonly farm: BotFarm,
    private readonly fanHashesPerSec: number,
    readonly times: DoorTimes,
  ) {
    const bots = farm.arrivals;
    this.botOrdinal = new Int32Array(bots > 0 ? fans.size : 0).fill(-1);
    this.ownerFan = new Int32Array(bots > 0 ? farm.accounts : 0).fill(-1);
    let ordinal = 0;
    for (let fan = 0; fan < this.botOrdinal.length; fan++) {
      if (fans.bot[fan] === 0) continue;
      const account = farm.accountOf(ordinal);
      if (this.ownerFan[account] === -1) this.ownerFan[account] = fan;
      this.botOrdinal[fan] = ordinal++;
    }
    const seconds = Math.ceil(times.horizonMs / 1000) + 1;
    this.ownDelaySum = new Float64Array(seconds);
    this.ownDelayCount = new Uint32Array(seconds);
  }

  /** The fan a bot arrival joins as: itself, or in a verified event its account's first arrival. */
  identityOf(fan: number): number {
    if (this.fans.bot[fan] === 0 || !this.farm.verified) return fan;
    return this.ownerFan[this.farm.accountOf(this.botOrdinal[fan]!)]!;
  }

  /** A verified farm's arrival that joins under another arrival's fan id: its account is already taken care of. */
  isRepeat(fan: number): boolean {
    return this.identityOf(fan) !== fan;
  }

  attempt(fan: number): JoinAttempt {
    const f = this.fans;
    const address = f.bot[fan] === 1 ? this.farm.addressOf(this.botOrdinal[fan]!) : f.nat[fan] === 1 ? NAT_ADDRESS : ownAddressOf(fan);
    return { fanId: fanIdOf(this.identityOf(fan)), address, powBits: f.powBits[fan]! };
  }

  /** The fan sets to work on a `bits`-bit proof of work at `now`; returns when it is done. */
  solve(fan: number, bits: number, now: number): number {
    this.fans.powBits[fan] = bits;
    if (this.fans.bot[fan] === 1) return this.farm.solve(bits, now);
    this.fanSolves++;
    return now + fanSolveMs(bits, this.fanHashesPerSec);
  }

  /** When a place arriving at `at` is numbered with an open door: by the draw of the pre-queue and the start window, or at once. */
  numberedWithoutDoor(at: number): number {
    return Math.max(at, this.times.drawEndsMs);
  }

  /** A real fan's first place, numbered at `numberedAt`: what the door cost it. */
  placed(fan: number, numberedAt: number): void {
    const f = this.fans;
    if (f.bot[fan] === 1) return;
    const second = Math.floor(f.joinedAt[fan]! / 1000);
    const delayMs = Math.max(0, numberedAt - this.numberedWithoutDoor(f.joinedAt[fan]!));
    if (f.nat[fan] === 1) {
      this.natSecond.push(second);
      this.natDelayMs.push(delayMs);
    } else if (second < this.ownDelaySum.length) {
      this.ownDelaySum[second]! += delayMs;
      this.ownDelayCount[second]!++;
    }
  }

  placeTaken(fan: number): void {
    if (this.fans.bot[fan] === 1) this.placesOfBots++;
  }

  /**
   * The figures at the end of the run. `arrivedAt` is each arrival's first
   * try; `placed[fan]` is 1 when the fan ever got a place; `fanTickets` are
   * what real fans bought. `sawJournal`: the driver reported every place.
   * `numberOf` reads the queue number of a fan's (latest) place, 0 if it has none.
   */
  figures(arrivedAt: Int32Array, placed: Uint8Array, fanTickets: number, sawJournal: boolean, numberOf?: (fan: number) => number): DoorFigures {
    const f = this.fans;
    const accountPlaced = new Uint8Array(this.farm.accounts);
    const accountInCohort = new Uint8Array(this.farm.accounts);
    const cohort: DoorFigures['cohort'] = { botAccounts: 0, fanAccounts: 0, botPlacesAdmitted: 0, fanPlacesAdmitted: 0, botPlacesInFirstNumbers: null };
    // The cohort's numbered places, as 2·number + bot: sorted, the first ones are the front of the cohort's queue.
    const numbered = new GrowableF64();
    let fanAccounts = 0;
    let botBuyers = 0;
    let fanBuyers = 0;
    let natFans = 0;
    let natPlaced = 0;
    let natCohort = 0;
    let natCohortAdmitted = 0;
    for (let fan = 0; fan < f.size; fan++) {
      const early = arrivedAt[fan]! <= this.times.cohortEndsMs;
      const bought = f.state[fan] === Fan.BOUGHT;
      if (f.bot[fan] === 0) {
        if (placed[fan] === 1) fanAccounts++;
        if (bought) fanBuyers++;
        if (f.nat[fan] === 1) {
          natFans++;
          if (placed[fan] === 1) natPlaced++;
        }
        if (early) {
          cohort.fanAccounts++;
          if (f.admittedOnce[fan] === 1) cohort.fanPlacesAdmitted++;
          if (f.nat[fan] === 1) {
            natCohort++;
            natCohortAdmitted += f.admittedOnce[fan]!;
          }
          const number = numberOf?.(fan) ?? 0;
          if (number > 0) numbered.push(2 * number);
        }
        continue;
      }
      const account = this.farm.accountOf(this.botOrdinal[fan]!);
      if (bought) botBuyers++;
      // A place is the fan id's: a repeat arrival of a verified account has none of its own.
      const owner = this.identityOf(fan);
      if (placed[owner] === 1 && owner === fan) accountPlaced[account] = 1;
      if (early && accountInCohort[account] === 0) {
        accountInCohort[account] = 1;
        cohort.botAccounts++;
      }
      if (early && owner === fan) {
        if (f.admittedOnce[fan] === 1) cohort.botPlacesAdmitted++;
        const number = numberOf?.(fan) ?? 0;
        if (number > 0) numbered.push(2 * number + 1);
      }
    }
    if (numberOf !== undefined) {
      const front = numbered.toArray().sort();
      const admitted = Math.min(front.length, cohort.botPlacesAdmitted + cohort.fanPlacesAdmitted);
      let bots = 0;
      for (let i = 0; i < admitted; i++) bots += front[i]! % 2;
      cohort.botPlacesInFirstNumbers = bots;
    }
    let botAccounts = 0;
    for (const p of accountPlaced) botAccounts += p;
    const natCount = this.natSecond.length;
    const extra = new Float64Array(natCount);
    const seconds = this.natSecond.toArray();
    const delays = this.natDelayMs.toArray();
    for (let i = 0; i < natCount; i++) {
      const s = seconds[i]!;
      const baseline = s < this.ownDelayCount.length && this.ownDelayCount[s]! > 0 ? this.ownDelaySum[s]! / this.ownDelayCount[s]! : 0;
      extra[i] = Math.max(0, delays[i]! - baseline) / 1000;
    }
    return {
      botAccounts,
      fanAccounts,
      botPlaces: sawJournal ? this.placesOfBots : undefined,
      cohort,
      botBuyers,
      fanBuyers,
      fanTickets,
      fanSolves: this.fanSolves,
      botSolves: this.farm.solves,
      botHashes: this.farm.hashesSpent,
      nat: { fans: natFans, placed: natPlaced, extraDelaySec: extra, cohortFans: natCohort, cohortAdmitted: natCohortAdmitted },
    };
  }
}
