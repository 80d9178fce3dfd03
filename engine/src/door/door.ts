import type { DoorConfig } from '../config/types.js';
import { BreakwaterError } from '../errors.js';
import { DecayingCount, PaceTable } from './pace-table.js';
import { addressKeyOf, subnetOf } from './subnet.js';

/**
 * The event's load at which the proof of work starts rising for everyone:
 * 1,000 joins a second (60,000 in the last minute). Below it the engine and
 * the gateways are far from busy and a crowd of real fans should not pay for
 * being a crowd; above it each doubling adds a bit, so a farm spread thinly
 * over many subnets (each within its budget) still pays for the load it makes.
 */
export const LOAD_BASELINE_PER_MIN = 60_000;
/** Addresses and subnets the door remembers per event (each table), at most. */
export const MAX_TRACKED_KEYS = 50_000;

/** What a transport tells the door about a join (see JoinContext). */
export interface DoorRequest {
  address?: string;
  powBits?: number;
}

/** The door's figures for operators (EventStatus.door adds the journaled ones). */
export interface DoorFigures {
  /** Joins refused for too little proof of work since the engine process started. */
  powRefusals: number;
  /** Difficulty a join from a quiet subnet needs now: the floor plus the load's share. */
  difficultyNow: number;
  /** The event's joins in about the last minute (decayed; rebuilt by a restore). */
  recentJoinsPerMin: number;
}

/**
 * The door of one event: every join that creates a new place passes it. It
 * asks for a proof of work whose difficulty rises with the subnet's recent
 * join rate and with the event's load (`requiredBits`), and charges the
 * address's and the subnet's join budgets, delaying a join over budget to the
 * instant its budget would have admitted it (the slow lane). Pure and
 * clock-free: `now` comes from the event. Its per-address and per-subnet
 * state is pacing, not journaled (a restored event starts with full budgets
 * and quiet subnets): what it decided, a join's `readyAt`, is.
 */
export class Door {
  private readonly addresses = new PaceTable(MAX_TRACKED_KEYS);
  private readonly subnets = new PaceTable(MAX_TRACKED_KEYS);
  private readonly load = new DecayingCount();
  private refusals = 0;

  /**
   * Leading zero bits a join from `address` must prove now:
   *   clamp(powFloor + subnetExtra + loadExtra, powFloor, powCeiling)
   * with subnetExtra = ⌈log2(subnet rate ÷ subnet budget)⌉ when the subnet's
   * joins in about the last minute exceed its budget (+1 bit per doubling),
   * and loadExtra = ⌈log2(event rate ÷ LOAD_BASELINE_PER_MIN)⌉ above the
   * baseline. Both rates decay with a one-minute time constant, so the
   * requirement falls back as they calm down.
   */
  requiredBits(door: DoorConfig, address: string | undefined, now: number): number {
    const subnetRate = address === undefined ? 0 : this.subnets.recentRate(subnetOf(address), now);
    const extra = doublingsOver(subnetRate, door.joinsPerSubnetPerMin) + doublingsOver(this.load.read(now), LOAD_BASELINE_PER_MIN);
    return Math.max(door.powFloor, Math.min(door.powCeiling, door.powFloor + extra));
  }

  /**
   * Lets a join through: throws POW_REQUIRED (changing nothing) when its proof
   * of work is short of `requiredBits`, otherwise charges the budgets and
   * returns the instant the join counts as arriving: `now`, or later when its
   * address or subnet is over budget (at most `slowLaneMaxDelayMs` later).
   * A join without an address (an in-process caller) has no address or subnet budget.
   */
  pass(door: DoorConfig, request: DoorRequest, now: number): number {
    const required = this.requiredBits(door, request.address, now);
    const proven = request.powBits ?? 0;
    if (proven < required) {
      this.refusals++;
      throw new BreakwaterError('POW_REQUIRED', `this join needs a proof of work of ${required} bits`, {
        details: { difficulty: required, provided: proven },
      });
    }
    if (request.address === undefined) return now;
    const { address } = request;
    const byAddress = this.addresses.charge(addressKeyOf(address), now, door.joinsPerAddressPerMin, door.slowLaneMaxDelayMs);
    const bySubnet = this.subnets.charge(subnetOf(address), now, door.joinsPerSubnetPerMin, door.slowLaneMaxDelayMs);
    return Math.max(byAddress, bySubnet);
  }

  /**
   * Counts a join into the event's load. Called as the `joined` entry is
   * applied, so the load (and the difficulty it adds) is rebuilt exactly by a
   * restore; the address and subnet tables are not.
   */
  noteJoin(at: number): void {
    this.load.add(at);
  }

  figures(door: DoorConfig, now: number): DoorFigures {
    return {
      powRefusals: this.refusals,
      difficultyNow: this.requiredBits(door, undefined, now),
      recentJoinsPerMin: Math.round(this.load.read(now)),
    };
  }
}

/** Whole doublings of `rate` over `budget`, rounded up; 0 within budget or without one. */
function doublingsOver(rate: number, budget: number): number {
  return budget > 0 && rate > budget ? Math.ceil(Math.log2(rate / budget)) : 0;
}
