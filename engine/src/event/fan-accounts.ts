import { BreakwaterError } from '../errors.js';
import type { Hold } from '../inventory/hold-book.js';
import type { Grant } from './grant-book.js';
import type { HoldView } from './views.js';

/** The holds of a fan who has none, shared by every such account (exported for snapshots, which keep it shared). */
export const NO_HOLDS: readonly Hold[] = Object.freeze([]);

/** The first result of a keyed fan command: what every retry with the same key gets. */
interface KeyedResult {
  readonly key: string;
  readonly fingerprint: string;
  readonly result: HoldView;
  readonly previous: KeyedResult | undefined;
}

/**
 * What one admitted fan has in a sale besides the place: the open grant, the
 * holds, and the first result of every keyed command. A fan command finds it
 * with one lookup, and the idempotency check, the grant check and the per-fan
 * limit all read it; a fan who leaves and comes back keeps it, so the limit
 * counts across places.
 */
export class FanAccount {
  openGrant: Grant | undefined = undefined;
  /** The last grant issued to the fan, whatever became of it. */
  latestGrant: Grant | undefined = undefined;
  /** Tickets held or bought: what the per-fan limit counts. */
  tickets = 0;
  /** Holds still held or payment-pending. */
  openHolds = 0;
  /** Every hold of the fan, oldest first; replaced, never grown, so most fans keep a one-element array. */
  holds: readonly Hold[] = NO_HOLDS;
  /** Keyed results, newest first: a fan issues a handful, so a list beats a table. */
  private lastKeyed: KeyedResult | undefined = undefined;

  constructor(readonly fanId: string) {}

  /** The result of the keyed command that succeeded last. */
  get latestResult(): HoldView | undefined {
    return this.lastKeyed?.result;
  }

  /** The first result for this key, undefined if the key is new; other content under the key is an error. */
  replay(key: string, fingerprint: string): HoldView | undefined {
    let seen = this.lastKeyed;
    while (seen !== undefined && seen.key !== key) seen = seen.previous;
    if (seen === undefined) return undefined;
    if (seen.fingerprint !== fingerprint) throw new BreakwaterError('IDEMPOTENCY_KEY_REUSED', undefined, { details: { key } });
    return seen.result;
  }

  /** Keeps a first result, frozen: every retry returns it exactly as it was. */
  remember(key: string, fingerprint: string, result: HoldView): void {
    if (result.seatIds !== undefined) Object.freeze(result.seatIds);
    this.lastKeyed = { key, fingerprint, result: Object.freeze(result), previous: this.lastKeyed };
  }
}

/** The accounts of an event, by fan id. */
export class FanAccounts {
  private readonly byFan = new Map<string, FanAccount>();

  get(fanId: string): FanAccount | undefined {
    return this.byFan.get(fanId);
  }

  /** The fan's account, opened on its first admission. */
  open(fanId: string): FanAccount {
    let account = this.byFan.get(fanId);
    if (account === undefined) this.byFan.set(fanId, (account = new FanAccount(fanId)));
    return account;
  }

  /** Tickets a fan holds or has bought: what the per-fan limit counts. */
  ticketsOf(account: FanAccount | undefined): number {
    return account === undefined ? 0 : account.tickets;
  }
}
