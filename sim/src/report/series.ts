import { GrowableF64 } from '../util/growable.js';

/** `payQueueSec` and `payUtilisation`: the busiest provider's; `payQueued`: payments waiting in the sale's payment queue. */
export const SERIES = ['t', 'waiting', 'admitted', 'held', 'sold', 'free', 'payQueueSec', 'payUtilisation', 'payQueued'] as const;
export type SeriesName = (typeof SERIES)[number];

/** The sale over time, one row per sample: seconds from the start, and the figures then. */
export class Series {
  readonly columns = Object.fromEntries(SERIES.map((name) => [name, new GrowableF64(4096)])) as Record<SeriesName, GrowableF64>;

  add(row: Record<SeriesName, number>): void {
    for (const name of SERIES) this.columns[name].push(row[name]);
  }

  get length(): number {
    return this.columns.t.length;
  }

  /** At most `points` rows, evenly picked (the last always kept), as plain arrays. */
  thin(points: number): Record<SeriesName, number[]> {
    const n = this.length;
    const step = Math.max(1, Math.ceil(n / points));
    const out = Object.fromEntries(SERIES.map((name) => [name, [] as number[]])) as Record<SeriesName, number[]>;
    for (let i = 0; i < n; i += step) for (const name of SERIES) out[name].push(this.columns[name].get(i));
    if (n > 0 && (n - 1) % step !== 0) for (const name of SERIES) out[name].push(this.columns[name].get(n - 1));
    return out;
  }
}
