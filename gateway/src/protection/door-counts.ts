/**
 * What the door counts per key (an address or a subnet): this process's own
 * counts, exact, and the other processes' as of their last report.
 */
import { BoundedMap } from './bounded-map.js';
import { BUDGETS, type BudgetName, type DoorReport } from './door-exchange.js';

/** Open connections per key. Memory follows the open sockets: a key goes with its last connection. */
export class OpenCounts {
  private readonly counts = new Map<string, number>();

  add(key: string): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  remove(key: string): void {
    const count = (this.counts.get(key) ?? 1) - 1;
    if (count <= 0) this.counts.delete(key);
    else this.counts.set(key, count);
  }

  of(key: string): number {
    return this.counts.get(key) ?? 0;
  }

  /** The keys counted at least `min` (what a report carries). */
  atLeast(min: number): Array<[string, number]> {
    const keys: Array<[string, number]> = [];
    for (const [key, count] of this.counts) if (count >= min) keys.push([key, count]);
    return keys;
  }

  get size(): number {
    return this.counts.size;
  }
}

interface Window {
  index: number;
  current: number;
  previous: number;
}

/**
 * Events per key over a sliding window, estimated from two fixed windows (the
 * previous one weighted by how much of it the sliding window still covers).
 * At most `maxKeys` keys (see BoundedMap), so a spray of addresses cannot
 * grow memory, and a key counted lately survives it.
 */
export class WindowCounts {
  private readonly windows: BoundedMap<Window>;

  constructor(readonly windowMs: number, maxKeys: number) {
    this.windows = new BoundedMap(maxKeys);
  }

  add(key: string, now: number): void {
    const index = Math.floor(now / this.windowMs);
    let window = this.windows.touch(key);
    if (window === undefined) {
      window = { index, current: 0, previous: 0 };
      this.windows.set(key, window);
    }
    Object.assign(window, roll(window, index));
    window.current++;
  }

  of(key: string, now: number): number {
    const window = this.windows.peek(key);
    return window === undefined ? 0 : this.estimate(window, now);
  }

  /** The keys counted at least `min` now, rounded up (what a report carries). */
  atLeast(min: number, now: number): Array<[string, number]> {
    const keys: Array<[string, number]> = [];
    for (const [key, window] of this.windows.entries()) {
      // Most keys of a spray are far below `min`: skip them without estimating.
      if (window.current + window.previous < min) continue;
      const count = this.estimate(window, now);
      if (count >= min) keys.push([key, Math.ceil(count)]);
    }
    return keys;
  }

  /** Drops keys whose windows have passed: they count zero. */
  sweep(now: number): void {
    const index = Math.floor(now / this.windowMs);
    this.windows.sweep((window) => window.index < index - 1);
  }

  get size(): number {
    return this.windows.size;
  }

  private estimate(window: Window, now: number): number {
    const index = Math.floor(now / this.windowMs);
    const { current, previous } = roll(window, index);
    const covered = 1 - (now - index * this.windowMs) / this.windowMs;
    return current + previous * covered;
  }
}

function roll(window: Window, index: number): Window {
  if (window.index === index) return window;
  return { index, current: 0, previous: window.index === index - 1 ? window.current : 0 };
}

interface PeerCounts {
  heardAt: number;
  counts: Map<BudgetName, Map<string, number>>;
}

/**
 * What every other process of the deployment last reported, per budget. A
 * process not heard of for `ttlMs` is forgotten (it stopped, and its sockets
 * with it). Memory is bounded by the number of processes times the size of a
 * report, which its sender caps.
 */
export class RemoteCounts {
  private readonly peers = new Map<string, PeerCounts>();

  constructor(private readonly ttlMs: number) {}

  hear(report: DoorReport, now: number): void {
    const counts = new Map<BudgetName, Map<string, number>>();
    for (const budget of BUDGETS) counts.set(budget, new Map(report.counts[budget] ?? []));
    this.peers.set(report.from, { heardAt: now, counts });
  }

  of(budget: BudgetName, key: string, now: number): number {
    let total = 0;
    for (const peer of this.peers.values()) if (now - peer.heardAt < this.ttlMs) total += peer.counts.get(budget)!.get(key) ?? 0;
    return total;
  }

  sweep(now: number): void {
    for (const [from, peer] of this.peers) if (now - peer.heardAt >= this.ttlMs) this.peers.delete(from);
  }

  /** Processes heard of within the TTL. */
  live(now: number): number {
    let live = 0;
    for (const peer of this.peers.values()) if (now - peer.heardAt < this.ttlMs) live++;
    return live;
  }

  /** How old the oldest report still in use is (0 without peers): how stale the decisions can be. */
  oldestMs(now: number): number {
    let oldest = 0;
    for (const peer of this.peers.values()) if (now - peer.heardAt < this.ttlMs) oldest = Math.max(oldest, now - peer.heardAt);
    return oldest;
  }

  /** Keys held for these budgets, over every peer. */
  keys(budgets: readonly BudgetName[]): number {
    let keys = 0;
    for (const peer of this.peers.values()) for (const budget of budgets) keys += peer.counts.get(budget)!.size;
    return keys;
  }
}
