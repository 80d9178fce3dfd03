/** IPC between the live coordinator (sim/src/live/driver.ts) and its load processes (worker.ts). */
import type { HistogramData } from '../../../gateway/bench/histogram.js';
import type { HoldRequest } from '../../../engine/src/index.js';
import type { TicketOutlook } from '../../../gateway/src/protocol/queue-math.js';
import type { RefusalKind } from './door-refusals.js';

export interface WorkerInit {
  type: 'init';
  port: number;
  eventId: string;
  /** Loopback source addresses this process binds its sockets to (spread over them). */
  localAddresses: string[];
  /** Signs the payment webhook itself when set; otherwise pays through the demo checkout. */
  webhookSecret: string | undefined;
}

export type ToWorker =
  | WorkerInit
  | { type: 'join'; fan: number; fanId: string }
  | { type: 'leave'; fan: number }
  | { type: 'drop'; fan: number }
  | { type: 'resume'; fan: number }
  | { type: 'hold'; fan: number; request: HoldRequest; attempt: number }
  | { type: 'pay'; fan: number; attempt: number }
  | { type: 'release'; fan: number }
  | { type: 'settle'; fan: number; decision: 'approve' | 'decline'; failure?: 'error' | 'timeout' }
  /** The provider's late success for the fan's attempt `attempt` (the checkout had given up on it). */
  | { type: 'lateCharge'; fan: number; attempt: number }
  | { type: 'stop' };

export interface WorkerStats {
  type: 'stats';
  joinHist: HistogramData;
  updateHist: HistogramData;
  opened: number;
  peakOpen: number;
  /** Transport failures: connect errors, unexpected closes, protocol errors, refused upgrades, HTTP failures. */
  transport: Record<string, number>;
  /** Error codes the gateway answered, by code. */
  codes: Record<string, number>;
  /** Tickets each fan was told it bought ("fanId": n), and tickets by tier. */
  purchasedByFan: Record<string, number>;
  purchasedByTier: Record<string, number>;
  /** Payments settled whose outcome the fan never saw (offline for good). */
  unobserved: number;
  /** Requests retried with the same message after a retryable answer, and requests given up after every retry, by code. */
  retried: Record<string, number>;
  gaveUp: Record<string, number>;
  /** Per fan with a place: the grants, purchased holds and lapsed grants it was told of, and when its socket was gone ([from, to] wall-clock ms). */
  told: Array<{ fanId: string; grants: string[]; purchases: string[]; lapses: string[]; offline: Array<[number, number]> }>;
  /** What became of each fan's last leave: `ok`, the code it was refused with, `in flight`, or `not sent` (no place yet to leave). */
  leaves: Record<string, string>;
  /** Wall clock of this report: the end of every fan's record. */
  endedAt: number;
}

export type FromWorker =
  | { type: 'ready' }
  | { type: 'joined'; fan: number; code: string | undefined; number: number; postStart: boolean; outlook: TicketOutlook | null; awayAfter: number | null }
  /** The away horizon changed in this process's `queue` frames: places numbered above it may close the page. */
  | { type: 'awayAfter'; awayAfter: number | null }
  | { type: 'resumed'; fan: number; code: string | undefined; restored: boolean; number: number }
  | { type: 'admitted'; fan: number; number: number; expiresAt: number; postStart: boolean }
  | { type: 'soldOut'; at: number }
  | { type: 'waitlisted'; fan: number }
  | { type: 'called'; fan: number; expiresAt: number }
  /** Told its turn came and lapsed (`grantExpired`, or `joined.lapsedGrantId` on coming back). */
  | { type: 'lapsed'; fan: number }
  | { type: 'held'; fan: number; code: string | undefined; quantity: number }
  /** `queued`: the payment waits in the event's payment queue (`paymentQueued`). */
  | { type: 'payStarted'; fan: number; code: string | undefined; queued: boolean }
  /** The fan's queued payment started (`paymentReady`), and its `pay` again got the checkout. */
  | { type: 'payReady'; fan: number; code: string | undefined }
  /** The fan's queued payment never started: its hold expired. */
  | { type: 'payDropped'; fan: number }
  | { type: 'released'; fan: number; code: string | undefined }
  | { type: 'settled'; fan: number; kind: 'confirm' | 'fail' | 'late'; code: string | undefined }
  /** The gateway's door refused something from `address` (door-refusals.ts): the driver stops the run. */
  | { type: 'refused'; kind: RefusalKind; address: string }
  | WorkerStats;
