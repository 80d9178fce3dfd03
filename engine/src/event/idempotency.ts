import { BreakwaterError } from '../errors.js';
import type { HoldView } from './views.js';

interface FirstResult {
  fanId: string;
  fingerprint: string;
  result: HoldView;
  /** Another fan who happened to pick the same key. */
  next: FirstResult | undefined;
}

/**
 * The first result of every keyed fan command. Keyed by the client's key
 * alone — no concatenated string to build and hash per command — with the
 * rare other fan using the same key chained behind it: keys are per fan.
 */
export class IdempotencyLedger {
  private readonly byKey = new Map<string, FirstResult>();
  /** The result stored last: what a command that just succeeded returns. */
  lastResult: HoldView | undefined;

  /** The first result for this key, undefined if the key is new; other content under the key is an error. */
  replay(fanId: string, key: string, fingerprint: string): HoldView | undefined {
    let seen = this.byKey.get(key);
    while (seen !== undefined && seen.fanId !== fanId) seen = seen.next;
    if (seen === undefined) return undefined;
    if (seen.fingerprint !== fingerprint) throw new BreakwaterError('IDEMPOTENCY_KEY_REUSED', undefined, { details: { key } });
    return seen.result;
  }

  /** Keeps a first result, frozen: every retry returns it exactly as it was. */
  remember(fanId: string, key: string, fingerprint: string, result: HoldView): void {
    if (result.seatIds !== undefined) Object.freeze(result.seatIds);
    this.byKey.set(key, { fanId, fingerprint, result: Object.freeze(result), next: this.byKey.get(key) });
    this.lastResult = result;
  }
}
