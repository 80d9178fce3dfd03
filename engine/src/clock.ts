/**
 * Time enters the engine only through a Clock, so the same code runs on the
 * wall clock in production and on a simulated clock in tests and in `sim/`.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that moves only when told to. */
export class SimulatedClock implements Clock {
  constructor(private current = 0) {}

  now(): number {
    return this.current;
  }

  set(ms: number): void {
    if (ms < this.current) throw new RangeError(`time cannot go backwards (${ms} < ${this.current})`);
    this.current = ms;
  }

  advance(ms: number): void {
    this.set(this.current + ms);
  }
}
