/** The figures of one gateway process, reported every second to the engine process. */
import type { WorkerMetrics } from '../engine-link/types.js';
import type { HttpFault } from '../http/router.js';
import { NO_DOOR_FIGURES, type DoorFigures } from '../protection/door-budgets.js';
import { Histogram } from './histogram.js';

export type RejectReason =
  | 'badFrame' | 'tooBig' | 'unknownType' | 'malformed' | 'rateLimited' | 'floodClosed' | 'tooManyConnections'
  | 'joinRateLimited' | 'protocolVersion' | 'unauthorized' | 'httpRateLimited' | 'powRequired' | 'tokenInvalid' | 'identityRefused' | 'backpressureClosed'
  /** The engine could not be reached (cluster mode: no shard serves the partition yet, NATS or Redis down). */
  | 'engineUnavailable';

export class GatewayMetrics {
  connections = 0;
  dashboardConnections = 0;
  messagesIn = 0;
  messagesOut = 0;
  topicPublishes = 0;
  /** Messages not delivered because a socket's buffer was full. */
  backpressureDrops = 0;
  readonly rejected = new Map<RejectReason, number>();
  readonly httpFaults = new Map<HttpFault, number>();
  /** From a join frame arriving to the `joined` frame leaving. */
  readonly joinLatency = new Histogram();
  /** From the engine tick to the queue update being published to the sockets. */
  readonly updateLatency = new Histogram();

  /**
   * `door`: the door's own figures (its budgets count their refusals), read at each snapshot;
   * `logLinesSuppressed`: what the process's throttled log left out.
   */
  constructor(private readonly door: () => DoorFigures = () => NO_DOOR_FIGURES, private readonly logLinesSuppressed: () => number = () => 0) {}

  reject(reason: RejectReason): void {
    this.rejected.set(reason, (this.rejected.get(reason) ?? 0) + 1);
  }

  httpFault(fault: HttpFault): void {
    this.httpFaults.set(fault, (this.httpFaults.get(fault) ?? 0) + 1);
  }

  snapshot(worker: string): WorkerMetrics {
    return {
      worker,
      pid: process.pid,
      at: Date.now(),
      connections: this.connections,
      dashboardConnections: this.dashboardConnections,
      messagesIn: this.messagesIn,
      messagesOut: this.messagesOut,
      topicPublishes: this.topicPublishes,
      backpressureDrops: this.backpressureDrops,
      rejected: Object.fromEntries(this.rejected),
      httpFaults: Object.fromEntries(this.httpFaults),
      logLinesSuppressed: this.logLinesSuppressed(),
      joinLatency: this.joinLatency.snapshot(),
      updateLatency: this.updateLatency.snapshot(),
      door: this.door(),
    };
  }
}
