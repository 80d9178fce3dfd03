/**
 * Which shard serves which partition: one lease per partition, a key `p<n>`
 * in the NATS KV bucket `breakwater-leases` holding the owner's shard id.
 *
 * - A lease is taken with `create` (fails while anyone holds the key) and
 *   renewed with `update` against the revision this shard wrote last, every
 *   `renewMs`. If the revision moved and the key names another shard (or is
  gone), someone else has it: lost at once. If it still names this shard, the
  server applied a renewal whose answer was lost (NATS stalled): renewed from
  that revision. A renewal that failed is sent again at once, not a round later.
 * - The bucket's max_age is `ttlMs`: a key not renewed for that long
 *   disappears (nats-server 2.9 expires it within a few ms of max_age), and
 *   another shard's `create` succeeds. The owner gives the partition up
 *   earlier, once it could not renew for `ttlMs − renewMs`, so two shards
 *   serve one partition only if their clocks or event loops stall by more
 *   than `renewMs` (the event store's fencing covers even that).
 * - Fair share: every shard sends a heartbeat each period; with N live shards
 *   a shard takes free partitions while it holds fewer than ⌈P / N⌉, and hands
 *   one over per period while it holds more: the lightest (`weight`), so a
 *   survivor that took a killed shard's partitions gives the restarted one
 *   its quiet partitions, not the running sale a second outage.
 *
 * Liveness only: correctness against split brain comes from the event store's
 * fencing, not from here.
 */
import { hostname } from 'node:os';
import { jetstream, JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { SHARD_HEARTBEAT_SUBJECT } from '../link/partitions.js';

export const LEASE_BUCKET = 'breakwater-leases';

/** A shard process's id: unique per process, so a restarted shard is a new holder, never mistaken for its predecessor. */
export const shardIdOf = (name: string, pid: number): string => `${hostname()}/${name}/${pid}`;

export interface PartitionLeasesOptions {
  nc: NatsConnection;
  shardId: string;
  partitions: number;
  /** The bucket's max_age: how long an unrenewed lease lasts. Every shard must use the same. */
  ttlMs?: number;
  renewMs?: number;
  log?: (message: string) => void;
  /** Called when this shard gets a partition; resolve true once it serves it, false to give it back (e.g. storage unreachable). Never called twice concurrently for one partition. */
  acquired: (partition: number) => Promise<boolean>;
  /**
   * Called when this shard must stop serving a partition at once: its lease
   * was lost (taken or expired) or could not be renewed in time. Synchronous.
   * If that happens while `acquired` is pending, it is called again once
   * `acquired` resolves true.
   */
  lost: (partition: number) => void;
  /** What moving a partition costs (e.g. its journal's length): rebalancing hands the lightest over first. */
  weight?: (partition: number) => number;
  /** Called before a voluntary hand-over (rebalancing, shutdown): stop taking requests and finish writing, then the lease is deleted. */
  release: (partition: number) => Promise<void>;
}

interface Lease {
  /** The revision this shard wrote last: the next write must match it. */
  revision: number;
  /** `acquired` said yes. */
  serving: boolean;
  /** Settles with `acquired`'s answer. */
  taken: Promise<boolean>;
  renewal: Promise<void> | undefined;
  /** Fires `lost` when no renewal succeeded for ttlMs − renewMs. */
  deadline: NodeJS.Timeout | undefined;
  handOver: Promise<void> | undefined;
}

interface Heartbeat {
  shardId: string;
  owned: number[];
  /** Sent by a stopping shard, so the others need not wait ttlMs to count it out. */
  leaving: boolean;
}

const keyOf = (partition: number): string => `p${partition}`;
const describe = (err: unknown): string => (err as Error)?.message ?? String(err);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

function isWrongRevision(err: unknown): boolean {
  return err instanceof JetStreamApiError
    && (err.code === JetStreamApiCodes.StreamWrongLastSequence || err.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown);
}

/**
 * Frees the leases of a shard its supervisor saw exit (kill -9, a crash):
 * deletes every lease still naming it and tells the other shards it left, so
 * they take its partitions at their next round (≤ renewMs) rather than once
 * the leases expire and its heartbeats are counted out (ttlMs). Safe because
 * the process is gone: it writes nothing more (and the event store's fence
 * would refuse it). Returns the partitions freed.
 */
export async function freeLeasesOf(nc: NatsConnection, shardId: string, partitions: number): Promise<number[]> {
  const gone: Heartbeat = { shardId, owned: [], leaving: true };
  nc.publish(SHARD_HEARTBEAT_SUBJECT, JSON.stringify(gone));
  const kv = await new Kvm(jetstream(nc)).open(LEASE_BUCKET);
  const freed: number[] = [];
  for (let partition = 0; partition < partitions; partition++) {
    const entry = await kv.get(keyOf(partition));
    if (entry === null || entry.operation !== 'PUT' || entry.string() !== shardId) continue;
    try {
      // Only that revision: a lease another shard took meanwhile stays.
      await kv.delete(keyOf(partition), { previousSeq: entry.revision });
      freed.push(partition);
    } catch (err) {
      if (!isWrongRevision(err)) throw err;
    }
  }
  return freed;
}

export class PartitionLeases {
  private readonly ttlMs: number;
  private readonly renewMs: number;
  private readonly log: (message: string) => void;
  private readonly leases = new Map<number, Lease>();
  /** Partitions whose `acquired` is still pending, even if the lease is gone: not to be taken again meanwhile. */
  private readonly taking = new Set<number>();
  /** Partitions `acquired` refused: left to other shards until then. */
  private readonly refusedUntil = new Map<number, number>();
  /** Other shards, by when they were last heard of. */
  private readonly peers = new Map<string, number>();
  private kv: KV | undefined;
  private heartbeats: Subscription | undefined;
  private timer: NodeJS.Timeout | undefined;
  private balancing: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private running = false;

  constructor(private readonly options: PartitionLeasesOptions) {
    this.ttlMs = options.ttlMs ?? 3_000;
    this.renewMs = options.renewMs ?? 1_000;
    this.log = options.log ?? ((message) => console.error(message));
    if (this.ttlMs < 2 * this.renewMs) throw new Error('ttlMs must be at least twice renewMs: a lease is given up after ttlMs − renewMs without renewal');
  }

  async start(): Promise<void> {
    const { nc } = this.options;
    const kv = await new Kvm(jetstream(nc, { timeout: this.renewMs })).create(LEASE_BUCKET, { history: 1, ttl: this.ttlMs, storage: 'file' });
    // An existing bucket is opened as it is: a shorter max_age than ours would expire leases we still serve.
    const { ttl } = await kv.status();
    if (ttl !== this.ttlMs) throw new Error(`the ${LEASE_BUCKET} bucket expires leases after ${ttl} ms, this shard expects ${this.ttlMs} ms`);
    this.kv = kv;
    this.heartbeats = nc.subscribe(SHARD_HEARTBEAT_SUBJECT, {
      callback: (err, msg) => {
        if (!err) this.heard(msg.string());
      },
    });
    this.running = true;
    this.heartbeat();
    // The first round comes a period later, once the other shards' heartbeats were heard.
    this.timer = setInterval(() => this.round(), this.renewMs);
  }

  /** Hands every partition over (release, then delete the lease) and stops. */
  stop(): Promise<void> {
    this.stopping ??= this.stopOnce();
    return this.stopping;
  }

  /** The partitions this shard serves (sorted). */
  owned(): number[] {
    return [...this.leases].filter(([, lease]) => lease.serving).map(([partition]) => partition).sort((a, b) => a - b);
  }

  private async stopOnce(): Promise<void> {
    this.running = false;
    this.heartbeat();
    await this.balancing;
    // Rounds go on renewing while partitions finish writing.
    await Promise.all([...this.leases].map(([partition, lease]) => this.handOver(partition, lease)));
    clearInterval(this.timer);
    if (this.heartbeats !== undefined && !this.heartbeats.isClosed()) this.heartbeats.unsubscribe();
  }

  private round(): void {
    this.heartbeat();
    for (const [partition, lease] of this.leases) lease.renewal ??= this.renew(partition, lease);
    if (this.running) {
      this.balancing ??= this.balance()
        .catch((err: unknown) => this.log(`partition leases: ${describe(err)}`))
        .finally(() => (this.balancing = undefined));
    }
  }

  // ── Shards ──────────────────────────────────────────────────────────────

  private heartbeat(): void {
    const heartbeat: Heartbeat = { shardId: this.options.shardId, owned: [...this.leases.keys()], leaving: !this.running };
    try {
      this.options.nc.publish(SHARD_HEARTBEAT_SUBJECT, JSON.stringify(heartbeat));
    } catch {
      // Connection closed: the other shards count this one out after ttlMs.
    }
  }

  private heard(text: string): void {
    try {
      const { shardId, leaving } = JSON.parse(text) as Heartbeat;
      if (shardId === this.options.shardId) return;
      if (leaving) this.peers.delete(shardId);
      else this.peers.set(shardId, Date.now());
    } catch (err) {
      this.log(`bad shard heartbeat: ${describe(err)}`);
    }
  }

  private liveShards(): number {
    const now = Date.now();
    for (const [shardId, heard] of this.peers) if (now - heard > this.ttlMs) this.peers.delete(shardId);
    return 1 + this.peers.size;
  }

  // ── Leases ──────────────────────────────────────────────────────────────

  private async balance(): Promise<void> {
    const fair = Math.ceil(this.options.partitions / this.liveShards());
    if (this.leases.size > fair) {
      const surplus = this.lightest();
      if (surplus !== undefined) await this.handOver(...surplus);
      return;
    }
    for (const partition of this.candidates()) {
      if (!this.running || this.leases.size >= fair) return;
      if (!(await this.tryTake(partition))) return;
    }
  }

  /** The served partition cheapest to move; of equals, the one taken last. */
  private lightest(): [number, Lease] | undefined {
    const weight = this.options.weight ?? (() => 0);
    let lightest: [number, Lease, number] | undefined;
    for (const [partition, lease] of [...this.leases].reverse()) {
      if (!lease.serving || lease.handOver !== undefined) continue;
      const cost = weight(partition);
      if (lightest === undefined || cost < lightest[2]) lightest = [partition, lease, cost];
    }
    return lightest === undefined ? undefined : [lightest[0], lightest[1]];
  }

  /** Partitions this shard may try to take, in random order so shards starting together spread out. */
  private candidates(): number[] {
    const now = Date.now();
    const free: number[] = [];
    for (let partition = 0; partition < this.options.partitions; partition++) {
      if (this.leases.has(partition) || this.taking.has(partition) || (this.refusedUntil.get(partition) ?? 0) > now) continue;
      free.push(partition);
    }
    for (let i = free.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [free[i], free[j]] = [free[j]!, free[i]!];
    }
    return free;
  }

  /** False when NATS failed (not merely: someone holds it), to end this round's attempts. */
  private async tryTake(partition: number): Promise<boolean> {
    const sentAt = Date.now();
    let revision: number;
    try {
      revision = await this.kv!.create(keyOf(partition), this.options.shardId);
    } catch (err) {
      if (isWrongRevision(err)) return true;
      this.log(`cannot take partition leases now: ${describe(err)}`);
      return false;
    }
    if (!this.running) {
      await this.kv!.delete(keyOf(partition), { previousSeq: revision }).catch(() => undefined);
      return false;
    }
    const lease: Lease = { revision, serving: false, taken: Promise.resolve(false), renewal: undefined, deadline: undefined, handOver: undefined };
    this.leases.set(partition, lease);
    this.arm(partition, lease, sentAt);
    this.taking.add(partition);
    lease.taken = this.take(partition, lease);
    return true;
  }

  private async take(partition: number, lease: Lease): Promise<boolean> {
    let serving = false;
    try {
      serving = await this.options.acquired(partition);
    } catch (err) {
      this.log(`taking partition ${partition} failed: ${describe(err)}`);
    }
    this.taking.delete(partition);
    if (this.leases.get(partition) !== lease) {
      if (serving) this.callLost(partition);
      return false;
    }
    if (serving) {
      lease.serving = true;
      return true;
    }
    this.refusedUntil.set(partition, Date.now() + this.ttlMs);
    await this.giveBack(partition, lease);
    return false;
  }

  /**
   * Renews until it succeeds or the lease is gone. A renewal that timed out
   * (NATS stalled, not down) is sent again at once rather than a round
   * later, which could be past the deadline; the server may still have
   * applied the one that timed out, so a wrong revision whose key still
   * names this shard is that write of ours: its revision is adopted and the
   * renewal goes on from it.
   */
  private async renew(partition: number, lease: Lease): Promise<void> {
    try {
      while (this.leases.get(partition) === lease) {
        const sentAt = Date.now();
        try {
          const revision = await this.kv!.update(keyOf(partition), this.options.shardId, lease.revision);
          if (this.leases.get(partition) !== lease) return;
          lease.revision = revision;
          this.arm(partition, lease, sentAt);
          return;
        } catch (err) {
          if (this.leases.get(partition) !== lease) return;
          if (isWrongRevision(err)) {
            const ours = await this.ownRevision(partition);
            if (this.leases.get(partition) !== lease) return;
            if (ours === null) return this.lose(partition, 'taken over or expired');
            if (ours !== undefined) lease.revision = ours;
            else await sleep(sentAt + this.renewMs / 2 - Date.now());
          } else {
            // NATS unreachable or slow: tried again (never more often than twice a period) until the deadline decides.
            await sleep(sentAt + this.renewMs / 2 - Date.now());
          }
        }
      }
    } finally {
      lease.renewal = undefined;
    }
  }

  /** The lease's revision if its key still names this shard (a write of ours whose answer was lost), null if not, undefined if NATS could not tell. */
  private async ownRevision(partition: number): Promise<number | null | undefined> {
    try {
      const entry = await this.kv!.get(keyOf(partition));
      return entry !== null && entry.operation === 'PUT' && entry.string() === this.options.shardId ? entry.revision : null;
    } catch {
      return undefined;
    }
  }

  /** The server expires the key ttlMs after it stored the write sent at `sentAt`, so this is always before. */
  private arm(partition: number, lease: Lease, sentAt: number): void {
    clearTimeout(lease.deadline);
    const giveUpIn = sentAt + this.ttlMs - this.renewMs - Date.now();
    lease.deadline = setTimeout(() => this.lose(partition, `not renewed for ${this.ttlMs - this.renewMs} ms`), giveUpIn);
  }

  private lose(partition: number, why: string): void {
    const lease = this.leases.get(partition);
    if (lease === undefined) return;
    this.forget(partition, lease);
    this.log(`lost partition ${partition}: ${why}`);
    this.callLost(partition);
  }

  private callLost(partition: number): void {
    try {
      this.options.lost(partition);
    } catch (err) {
      this.log(`lost(${partition}) failed: ${describe(err)}`);
    }
  }

  private handOver(partition: number, lease: Lease): Promise<void> {
    lease.handOver ??= (async () => {
      // A refused or lost take has nothing to release.
      if (!(await lease.taken) || this.leases.get(partition) !== lease) return;
      try {
        await this.options.release(partition);
      } catch (err) {
        this.log(`release(${partition}) failed: ${describe(err)}`);
      }
      await this.giveBack(partition, lease);
    })();
    return lease.handOver;
  }

  /** Deletes the lease, so the next owner need not wait for it to expire. */
  private async giveBack(partition: number, lease: Lease): Promise<void> {
    // The delete must name the revision of the last renewal.
    while (lease.renewal !== undefined) await lease.renewal;
    if (this.leases.get(partition) !== lease) return;
    this.forget(partition, lease);
    try {
      await this.kv!.delete(keyOf(partition), { previousSeq: lease.revision });
    } catch (err) {
      this.log(`partition ${partition}: lease not deleted (it expires in ${this.ttlMs} ms): ${describe(err)}`);
    }
  }

  private forget(partition: number, lease: Lease): void {
    clearTimeout(lease.deadline);
    this.leases.delete(partition);
  }
}
