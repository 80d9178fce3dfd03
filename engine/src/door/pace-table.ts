/**
 * Per-key join pacing for the door: a virtual schedule (the generic cell rate
 * algorithm, i.e. a token bucket kept as one instant) and a decayed count of
 * recent joins. Pacing state, never journaled: a restored event starts with
 * every budget full and every rate at zero.
 *
 * The table is bounded: keys whose budget is full and whose recent count has
 * decayed away are forgotten, and when it is full anyway the oldest keys go
 * first, so a spray of fresh addresses cannot grow memory.
 */

/** Time constant of the decayed join count: it reads as "joins in about the last minute". */
export const RATE_WINDOW_MS = 60_000;
const MINUTE = 60_000;
/** A decayed count below this is nothing worth remembering. */
const FORGOTTEN = 0.05;

interface Pace {
  /** Theoretical arrival time: the budget is full when it is at or before now. */
  tat: number;
  /** Joins counted with exponential decay, as of `recentAt`. */
  recent: number;
  recentAt: number;
}

export class PaceTable {
  private readonly paces = new Map<string, Pace>();

  constructor(private readonly maxKeys: number) {}

  get size(): number {
    return this.paces.size;
  }

  /**
   * Charges one join to `key`'s budget of `perMinute` joins a minute (burst:
   * one minute's worth) and returns the instant the budget admits it: `now`
   * when within budget, otherwise k budget intervals on for the k-th join over
   * it, at most `maxDelayMs` away. The debt a key can run up is bounded too, so
   * it recovers within about `maxDelayMs` + a minute after it calms down.
   */
  charge(key: string, now: number, perMinute: number, maxDelayMs: number): number {
    const pace = this.paceOf(key, now);
    pace.recent = decayed(pace, now) + 1;
    pace.recentAt = now;
    if (perMinute <= 0) return now;
    const interval = MINUTE / perMinute;
    const tolerance = MINUTE - interval;
    const tat = Math.max(pace.tat, now);
    pace.tat = Math.min(tat + interval, now + maxDelayMs + tolerance + interval);
    return Math.min(Math.max(now, tat - tolerance), now + maxDelayMs);
  }

  /** `key`'s joins in about the last minute (decayed): its recent rate per minute. */
  recentRate(key: string, now: number): number {
    const pace = this.paces.get(key);
    return pace === undefined ? 0 : decayed(pace, now);
  }

  private paceOf(key: string, now: number): Pace {
    let pace = this.paces.get(key);
    if (pace === undefined) {
      if (this.paces.size >= this.maxKeys) this.forget(now);
      pace = { tat: now, recent: 0, recentAt: now };
      this.paces.set(key, pace);
    }
    return pace;
  }

  /** Forgets idle keys; if that frees less than a tenth of the table, the oldest keys too. */
  private forget(now: number): void {
    for (const [key, pace] of this.paces) if (pace.tat <= now && decayed(pace, now) < FORGOTTEN) this.paces.delete(key);
    let excess = this.paces.size - Math.floor(this.maxKeys * 0.9);
    for (const key of this.paces.keys()) {
      if (excess-- <= 0) break;
      this.paces.delete(key);
    }
  }
}

function decayed(pace: Pace, now: number): number {
  return pace.recent * Math.exp(-Math.max(0, now - pace.recentAt) / RATE_WINDOW_MS);
}

/** A count with exponential decay (time constant RATE_WINDOW_MS): how many in about the last minute. */
export class DecayingCount {
  private value = 0;
  private at = 0;

  add(now: number): void {
    this.value = now === this.at ? this.value + 1 : this.read(now) + 1;
    this.at = now;
  }

  read(now: number): number {
    return this.value * Math.exp(-Math.max(0, now - this.at) / RATE_WINDOW_MS);
  }
}
