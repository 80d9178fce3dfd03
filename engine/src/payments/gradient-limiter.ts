/**
 * How many payments a channel may have in flight, learnt from its own answers
 * in the manner of Netflix concurrency-limits' gradient limiter (Gradient2,
 * behind its WindowedLimit): answers are gathered into sample windows (at
 * least a second and ten outcomes), and each window moves the limit once.
 *
 * - Latency: `gradient = clamp(TOLERANCE × longRtt / rtt, 0.5, 1)`, where `rtt`
 *   is the window's mean answer time and `longRtt` its slow average (about a
 *   minute of windows): answers slower than the baseline by more than the
 *   tolerance shrink the limit in proportion — the provider is queueing.
 * - Errors: a window where more than ERROR_TOLERANCE of the outcomes were the
 *   channel failing (errors, timeouts; never a card declined) backs the limit
 *   off by BACKOFF, as AIMD does on a drop — from the payments that were in
 *   flight, when fewer than the limit (TCP halves its window from the data in
 *   flight, not from its window). A provider sheds load by failing before (or
 *   instead of) slowing down.
 * - Growth: a clean window in which the limit was used (in flight reached half
 *   of it) doubles the limit while in slow start — the first ramp, and after a
 *   breaker lets probes through — and adds QUEUE_SIZE afterwards, probing
 *   gently for more.
 *
 * Fed from journal entries (their times), so a replay learns the same limit.
 */
import type { OutcomeKind } from './health-window.js';

export const MIN_LIMIT = 2;
export const MAX_LIMIT = 5_000;
/** Netflix's default first limit. */
export const INITIAL_LIMIT = 20;
const TOLERANCE = 1.5;
const BACKOFF = 0.9;
const ERROR_TOLERANCE = 0.01;
const QUEUE_SIZE = 4;
/** Windows the slow latency average spans (its EWMA weight is 1/LONG_WINDOWS). */
const LONG_WINDOWS = 60;
/**
 * The first windows of a channel only learn its baseline (a plain average),
 * as Netflix's ExpAvgMeasurement warms up: answers taking seconds, the first
 * second of a fresh channel sees only its fastest ones, and a baseline taken
 * from them would read every later window as congestion.
 */
const WARMUP_WINDOWS = 10;
const WINDOW_MIN_MS = 1_000;
const WINDOW_MIN_OUTCOMES = 10;

interface SampleWindow {
  startedAt: number;
  outcomes: number;
  failures: number;
  answers: number;
  rttSumMs: number;
  /** The most payments in flight while it was open. */
  maxInFlight: number;
}

export class GradientLimiter {
  limit: number;
  private slowStart = true;
  /** The slow average of windows' answer times (undefined before the first), and the windows it has seen. */
  private longRtt: number | undefined;
  private windows = 0;
  private window: SampleWindow | undefined;

  constructor(initialLimit = INITIAL_LIMIT) {
    this.limit = clamp(initialLimit);
  }

  /** The payments it lets be in flight now. */
  get allowed(): number {
    return Math.floor(this.limit);
  }

  /** The latency the limit was last judged against (ms), if any. */
  get baselineRttMs(): number | undefined {
    return this.longRtt;
  }

  /** A payment started: `inFlight` counts it. */
  started(at: number, inFlight: number): void {
    const window = this.openWindow(at);
    window.maxInFlight = Math.max(window.maxInFlight, inFlight);
  }

  /** An outcome, `rttMs` after its payment started (none for a timeout); `inFlight` counts it still. */
  sample(at: number, kind: OutcomeKind, rttMs: number | undefined, inFlight: number): void {
    const window = this.openWindow(at);
    window.maxInFlight = Math.max(window.maxInFlight, inFlight);
    window.outcomes++;
    if (kind === 'error' || kind === 'timeout') window.failures++;
    else if (rttMs !== undefined) {
      window.answers++;
      window.rttSumMs += Math.max(1, rttMs);
    }
    if (at - window.startedAt >= WINDOW_MIN_MS && window.outcomes >= WINDOW_MIN_OUTCOMES) {
      this.adjust(window);
      this.window = undefined;
    }
  }

  /** After a breaker opened: start again small and ramp up (slow start) once probes pass. */
  restart(): void {
    this.limit = MIN_LIMIT;
    this.slowStart = true;
    this.window = undefined;
  }

  private openWindow(at: number): SampleWindow {
    this.window ??= { startedAt: at, outcomes: 0, failures: 0, answers: 0, rttSumMs: 0, maxInFlight: 0 };
    return this.window;
  }

  private adjust(window: SampleWindow): void {
    if (window.failures / window.outcomes > ERROR_TOLERANCE) {
      // From what was in flight when it failed, not from a limit the load never reached (TCP's ssthresh from FlightSize, RFC 5681).
      this.slowStart = false;
      this.limit = clamp(Math.min(this.limit, Math.max(window.maxInFlight, MIN_LIMIT)) * BACKOFF);
      return;
    }
    if (window.answers === 0) return;
    const rtt = window.rttSumMs / window.answers;
    const seen = ++this.windows;
    const weight = seen <= WARMUP_WINDOWS ? 1 / seen : 1 / LONG_WINDOWS;
    const longRtt = this.longRtt === undefined ? rtt : this.longRtt + (rtt - this.longRtt) * weight;
    // Back from a long overload, the baseline would keep the limit down for minutes: let it fall faster.
    this.longRtt = longRtt / rtt > 2 ? longRtt * 0.95 : longRtt;
    const gradient = seen <= WARMUP_WINDOWS ? 1 : Math.max(0.5, Math.min(1, (TOLERANCE * this.longRtt) / rtt));
    if (gradient < 1) {
      this.slowStart = false;
      this.limit = clamp(this.limit * gradient);
    } else if (window.maxInFlight >= this.limit / 2) {
      this.limit = clamp(this.slowStart ? this.limit * 2 : this.limit + QUEUE_SIZE);
    }
  }
}

function clamp(limit: number): number {
  return Math.min(MAX_LIMIT, Math.max(MIN_LIMIT, limit));
}
