/**
 * The recent admission rate of each event, from its `admitted` journal
 * entries: what the wait estimates are made of. One-second buckets over the
 * last minute; the short window reacts, the long one steadies, and the pair
 * gives the fast and slow ends of the estimate.
 */

const SHORT_WINDOW_S = 10;
const LONG_WINDOW_S = 60;

interface Series {
  /** Admissions per second, indexed by epoch second modulo the window. */
  buckets: Float64Array;
  /** Epoch second each bucket belongs to. */
  seconds: Float64Array;
  firstAt: number;
}

export class AdmissionRate {
  private readonly series = new Map<string, Series>();

  record(eventId: string, at: number, count: number): void {
    let series = this.series.get(eventId);
    if (series === undefined) {
      series = { buckets: new Float64Array(LONG_WINDOW_S), seconds: new Float64Array(LONG_WINDOW_S).fill(-1), firstAt: at };
      this.series.set(eventId, series);
    }
    const second = Math.floor(at / 1000);
    const i = second % LONG_WINDOW_S;
    if (series.seconds[i] !== second) {
      series.seconds[i] = second;
      series.buckets[i] = 0;
    }
    series.buckets[i]! += count;
  }

  /** Fans per second over the short and long windows, as [slow, fast]. */
  rates(eventId: string, now: number): { rateLow: number; rateHigh: number } {
    const series = this.series.get(eventId);
    if (series === undefined) return { rateLow: 0, rateHigh: 0 };
    const short = this.rateOver(series, now, SHORT_WINDOW_S);
    const long = this.rateOver(series, now, LONG_WINDOW_S);
    return { rateLow: round(Math.min(short, long)), rateHigh: round(Math.max(short, long)) };
  }

  forget(eventId: string): void {
    this.series.delete(eventId);
  }

  private rateOver(series: Series, now: number, windowS: number): number {
    const nowSecond = Math.floor(now / 1000);
    let count = 0;
    for (let i = 0; i < LONG_WINDOW_S; i++) {
      const second = series.seconds[i]!;
      if (second > nowSecond - windowS && second <= nowSecond) count += series.buckets[i]!;
    }
    // A young series is averaged over the time it has existed, not over the whole window.
    const elapsedS = Math.min(windowS, Math.max(1, (now - series.firstAt) / 1000));
    return count / elapsedS;
  }
}

/** Two significant digits: finer changes would republish the queue every tick and tell nobody anything. */
function round(rate: number): number {
  return rate === 0 ? 0 : Number(rate.toPrecision(2));
}
