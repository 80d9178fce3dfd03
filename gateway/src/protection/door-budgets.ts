/**
 * The gateway's door: connection and join budgets per address and per subnet
 * (/24, /56), counted across every gateway process of a deployment.
 *
 * Each process counts its own connections and joins exactly, publishes the
 * counts that matter every `shareEveryMs` over a DoorExchange, and decides
 * synchronously (a uWS upgrade cannot await) on its own counts plus the other
 * processes' last reports. So a burst that lands on P processes within one
 * sharing period can overshoot a budget: each process still sees the others'
 * older counts, so together they may admit up to P × the headroom they all
 * saw, and a process reports a key only from 1/(8P) of its limit (keeping
 * reports small under a spray), which can hide up to 1/8 of it. From the next
 * report on every process sees the whole count and refuses. These budgets are
 * flood ceilings — what a flood can hold for a quarter of a second is bounded
 * by what P processes accept in that time — not fairness: ordinary over-budget
 * joins are the engine's slow lane's job.
 */
import { randomUUID } from 'node:crypto';
import { addressKeyOf, BreakwaterError, subnetOf } from '../../../engine/src/index.js';
import type { GatewayLimits } from '../config.js';
import { OpenCounts, RemoteCounts, WindowCounts } from './door-counts.js';
import { BUDGETS, type BudgetName, type DoorExchange, type DoorReport } from './door-exchange.js';

export type DoorLimits = Pick<
  GatewayLimits,
  'maxConnectionsPerIp' | 'maxConnectionsPerSubnet' | 'joinsPerIpPerSec' | 'joinBurstPerIp' | 'joinsPerSubnetPerSec' | 'joinBurstPerSubnet'
>;

export interface Refusal {
  budget: BudgetName;
  max: number;
  retryAfterMs: number;
}

const REFUSED: Record<BudgetName, string> = {
  connectionsPerIp: 'too many connections from this address',
  connectionsPerSubnet: 'too many connections from this subnet',
  joinsPerIp: 'too many joins from this address',
  joinsPerSubnet: 'too many joins from this subnet',
};

/** What the client is told: RATE_LIMITED, `details.limit` naming the budget. */
export function refusalError(refusal: Refusal): BreakwaterError {
  return new BreakwaterError('RATE_LIMITED', REFUSED[refusal.budget], {
    details: { limit: refusal.budget, max: refusal.max, retryAfterMs: refusal.retryAfterMs },
  });
}

/** The door's figures for /metrics and the dashboard. */
export interface DoorFigures {
  /** Connections and joins refused, per budget. */
  refused: Record<BudgetName, number>;
  /** Keys held, this process's and the reports' (bounded: see the counts). */
  trackedKeys: { address: number; subnet: number };
  /** Other gateway processes heard of lately. */
  peers: number;
  /** Age of the oldest report the decisions use: how stale the others' counts can be. */
  shareAgeMs: number;
}

/** A process without a door (e.g. a test of the metrics alone). */
export const NO_DOOR_FIGURES: DoorFigures = {
  refused: { connectionsPerIp: 0, connectionsPerSubnet: 0, joinsPerIp: 0, joinsPerSubnet: 0 }, trackedKeys: { address: 0, subnet: 0 }, peers: 0, shareAgeMs: 0,
};

export interface DoorBudgetsOptions {
  limits: DoorLimits;
  isExempt: (ip: string) => boolean;
  /** None: this process is the whole deployment. */
  exchange?: DoorExchange;
  now?: () => number;
  shareEveryMs?: number;
  /** A process not heard of for this long is forgotten. */
  peerTtlMs?: number;
  /** Keys each join window holds at most. */
  maxKeys?: number;
  /** Keys a report carries per budget at most (the largest counts first). */
  maxReportedKeys?: number;
}

const CONNECTION_RETRY_MS = 1_000;
/** A report carries a key from this fraction of its limit ÷ processes: what it leaves out stays under 1/8 of the limit. */
const REPORT_SHARE = 8;

export class DoorBudgets {
  /** This process in the reports: unique per start. */
  readonly id = randomUUID();
  private readonly connections = { connectionsPerIp: new OpenCounts(), connectionsPerSubnet: new OpenCounts() };
  private readonly joins: { joinsPerIp: WindowCounts; joinsPerSubnet: WindowCounts };
  private readonly remote: RemoteCounts;
  private readonly refused: Record<BudgetName, number> = { connectionsPerIp: 0, connectionsPerSubnet: 0, joinsPerIp: 0, joinsPerSubnet: 0 };
  private readonly now: () => number;
  private readonly maxReportedKeys: number;
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly options: DoorBudgetsOptions) {
    const { limits } = options;
    const maxKeys = options.maxKeys ?? 100_000;
    this.joins = {
      joinsPerIp: new WindowCounts((limits.joinBurstPerIp / limits.joinsPerIpPerSec) * 1000, maxKeys),
      joinsPerSubnet: new WindowCounts((limits.joinBurstPerSubnet / limits.joinsPerSubnetPerSec) * 1000, maxKeys),
    };
    this.now = options.now ?? Date.now;
    this.remote = new RemoteCounts(options.peerTtlMs ?? 2_000);
    this.maxReportedKeys = options.maxReportedKeys ?? 4_096;
    this.unsubscribe = options.exchange?.subscribe((report) => this.hear(report));
  }

  /** Starts sharing this process's counts (and forgetting what expired) every `shareEveryMs`. */
  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => this.share(), this.options.shareEveryMs ?? 250);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  /** An exempt address (a load balancer's probe, a load test's own process) is neither counted nor refused anywhere. */
  isExempt(ip: string): boolean {
    return this.options.isExempt(ip);
  }

  /** May a connection from `ip` open now? Counted only once it opens (`opened`). */
  admitConnection(ip: string): Refusal | undefined {
    if (this.options.isExempt(ip)) return undefined;
    const now = this.now();
    const key = addressKeyOf(ip);
    return this.over('connectionsPerIp', key, this.connections.connectionsPerIp.of(key), now)
      ?? this.over('connectionsPerSubnet', subnetOf(ip), this.connections.connectionsPerSubnet.of(subnetOf(ip)), now);
  }

  opened(ip: string): void {
    if (this.options.isExempt(ip)) return;
    this.connections.connectionsPerIp.add(addressKeyOf(ip));
    this.connections.connectionsPerSubnet.add(subnetOf(ip));
  }

  closed(ip: string): void {
    if (this.options.isExempt(ip)) return;
    this.connections.connectionsPerIp.remove(addressKeyOf(ip));
    this.connections.connectionsPerSubnet.remove(subnetOf(ip));
  }

  /** May `ip` join now? An admitted join is counted. */
  admitJoin(ip: string): Refusal | undefined {
    if (this.options.isExempt(ip)) return undefined;
    const now = this.now();
    const [key, subnet] = [addressKeyOf(ip), subnetOf(ip)];
    const refusal = this.over('joinsPerIp', key, this.joins.joinsPerIp.of(key, now), now)
      ?? this.over('joinsPerSubnet', subnet, this.joins.joinsPerSubnet.of(subnet, now), now);
    if (refusal !== undefined) return refusal;
    this.joins.joinsPerIp.add(key, now);
    this.joins.joinsPerSubnet.add(subnet, now);
    return undefined;
  }

  /** Forgets what expired and publishes this process's counts now (the timer does it every period). */
  share(): void {
    const now = this.now();
    this.remote.sweep(now);
    this.joins.joinsPerIp.sweep(now);
    this.joins.joinsPerSubnet.sweep(now);
    this.options.exchange?.publish(this.report(now));
  }

  /**
   * The keys worth telling: a key counted below 1/(8P) of its limit here
   * (P = the processes known) cannot tip a decision, however many processes
   * hold as much; leaving it out keeps a spray of addresses out of the reports.
   */
  report(now = this.now()): DoorReport {
    const processes = 1 + this.remote.live(now);
    const counts: DoorReport['counts'] = {};
    for (const budget of BUDGETS) {
      const from = Math.max(1, Math.floor(this.limitOf(budget) / (REPORT_SHARE * processes)));
      let keys = budget === 'joinsPerIp' || budget === 'joinsPerSubnet' ? this.joins[budget].atLeast(from, now) : this.connections[budget].atLeast(from);
      if (keys.length > this.maxReportedKeys) keys = keys.sort((a, b) => b[1] - a[1]).slice(0, this.maxReportedKeys);
      if (keys.length > 0) counts[budget] = keys;
    }
    return { from: this.id, counts };
  }

  hear(report: DoorReport): void {
    if (report.from !== this.id) this.remote.hear(report, this.now());
  }

  figures(): DoorFigures {
    const now = this.now();
    return {
      refused: { ...this.refused },
      trackedKeys: {
        address: this.connections.connectionsPerIp.size + this.joins.joinsPerIp.size + this.remote.keys(['connectionsPerIp', 'joinsPerIp']),
        subnet: this.connections.connectionsPerSubnet.size + this.joins.joinsPerSubnet.size + this.remote.keys(['connectionsPerSubnet', 'joinsPerSubnet']),
      },
      peers: this.remote.live(now),
      shareAgeMs: this.remote.oldestMs(now),
    };
  }

  private over(budget: BudgetName, key: string, local: number, now: number): Refusal | undefined {
    const max = this.limitOf(budget);
    const total = local + this.remote.of(budget, key, now);
    if (total < max) return undefined;
    this.refused[budget]++;
    return { budget, max, retryAfterMs: this.retryAfterMs(budget, total - max) };
  }

  /** Connections: try again in a second. Joins: the window drains at the budget's rate. */
  private retryAfterMs(budget: BudgetName, excess: number): number {
    const { limits } = this.options;
    if (budget === 'joinsPerIp') return Math.ceil(((excess + 1) * 1000) / limits.joinsPerIpPerSec);
    if (budget === 'joinsPerSubnet') return Math.ceil(((excess + 1) * 1000) / limits.joinsPerSubnetPerSec);
    return CONNECTION_RETRY_MS;
  }

  private limitOf(budget: BudgetName): number {
    const { limits } = this.options;
    switch (budget) {
      case 'connectionsPerIp':
        return limits.maxConnectionsPerIp;
      case 'connectionsPerSubnet':
        return limits.maxConnectionsPerSubnet;
      case 'joinsPerIp':
        return limits.joinBurstPerIp;
      case 'joinsPerSubnet':
        return limits.joinBurstPerSubnet;
    }
  }
}
