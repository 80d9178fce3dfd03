import type { BotSpec } from '../scenario/types.js';

/**
 * The bot farm: which account each of its arrivals belongs to, the fan id and
 * address it joins with, and its proof-of-work compute. Bot arrivals are
 * numbered 0, 1, 2, … in arrival order (their ordinal); ordinal k belongs to
 * account k mod accounts, joins from address k mod addresses, and address a
 * sits in subnet a mod subnets — so every account, address and subnet is used
 * as evenly as the counts allow, and early arrivals spread over all of them.
 */
export class BotFarm {
  readonly accounts: number;
  readonly addresses: number;
  readonly subnets: number;
  /** When the farm's compute is next free (ms of simulated time): solves queue for it. */
  private computeFreeAt = 0;
  /** Hashes the farm has spent on proofs of work. */
  hashesSpent = 0;
  solves = 0;

  constructor(
    private readonly spec: BotSpec,
    /** Bot arrivals in the run. */
    readonly arrivals: number,
    /** Verified event: a fan id is an account, so all arrivals of an account join under its one fan id. */
    readonly verified: boolean,
  ) {
    this.accounts = Math.max(1, Math.min(arrivals, spec.accounts > 0 ? spec.accounts : arrivals));
    this.addresses = spec.addresses > 0 ? spec.addresses : arrivals;
    this.subnets = Math.min(this.addresses, spec.subnets > 0 ? spec.subnets : this.addresses);
    if (this.subnets > 65_536 || this.addresses > 254 * this.subnets) {
      throw new Error(`bots: ${this.addresses} addresses do not fit in ${this.subnets} /24 subnets of the farm's 10.0.0.0/8`);
    }
  }

  accountOf(ordinal: number): number {
    return ordinal % this.accounts;
  }

  /** The address the arrival joins from: 10.x.y.z with the subnet in x.y and the host in z. */
  addressOf(ordinal: number): string {
    const address = ordinal % this.addresses;
    const subnet = address % this.subnets;
    return `10.${subnet >> 8}.${subnet & 0xff}.${1 + Math.floor(address / this.subnets)}`;
  }

  /**
   * Solves a `bits`-bit proof of work asked at `now`: 2^bits hashes on the
   * farm's compute, which works through solves one after another at
   * `hashesPerSec` (a queue in front of one server), so the farm finishes at
   * most hashesPerSec / 2^bits solves a second however many bots wait.
   * Returns the instant the solve is done.
   */
  solve(bits: number, now: number): number {
    const hashes = 2 ** bits;
    this.hashesSpent += hashes;
    this.solves++;
    const start = Math.max(now, this.computeFreeAt);
    this.computeFreeAt = start + (1000 * hashes) / this.spec.hashesPerSec;
    return Math.ceil(this.computeFreeAt);
  }
}

/** How long a real fan's browser takes on a `bits`-bit proof of work, in ms. */
export function fanSolveMs(bits: number, hashesPerSec: number): number {
  return Math.ceil((1000 * 2 ** bits) / hashesPerSec);
}
