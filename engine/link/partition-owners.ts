/**
 * Which shard owns each partition, as a gateway learns it: a watch on the
 * lease bucket (partition-leases.ts), whose key `p<n>` holds the owner's
 * shard id and is rewritten at every renewal and every takeover. Requests
 * are addressed to the owner (`requestSubject(partition, owner)`), so a
 * shard that only believes it still owns a partition — frozen, cut off —
 * gets no new request once another shard took the lease: NATS would
 * otherwise keep handing it its share of the partition's requests until the
 * server noticed the connection dead, minutes later.
 *
 * A lease that simply expires leaves no trace in the bucket (max_age removes
 * it silently), so the last owner is kept until a new one writes the key:
 * requests to a partition nobody took over yet still go to the shard that
 * had it, which is the only one that could answer.
 */
import { jetstream } from '@nats-io/jetstream';
import { Kvm, type KvWatchEntry } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { LEASE_BUCKET } from '../shard/partition-leases.js';

const RETRY_MS = 1_000;

export class PartitionOwners {
  private readonly owners = new Map<number, string>();
  private stopped = false;
  private stopWatch: (() => void) | undefined;

  constructor(private readonly nc: NatsConnection, private readonly log: (message: string) => void) {
    void this.watch();
  }

  /** The shard serving the partition, as far as this process has heard; undefined before anyone took it. */
  ownerOf(partition: number): string | undefined {
    return this.owners.get(partition);
  }

  stop(): void {
    this.stopped = true;
    this.stopWatch?.();
  }

  /** Watches the bucket for as long as the connection lives; waits for the shards to create it, and starts over after a failure. */
  private async watch(): Promise<void> {
    let complained = false;
    while (!this.stopped && !this.nc.isClosed()) {
      try {
        const kv = await new Kvm(jetstream(this.nc)).open(LEASE_BUCKET);
        const entries = await kv.watch({ key: '>' });
        this.stopWatch = () => entries.stop();
        complained = false;
        for await (const entry of entries) this.heard(entry);
      } catch (err) {
        if (!complained && !this.stopped) this.log(`partition owners not known yet (${(err as Error).message}); retrying`);
        complained = true;
      }
      if (!this.stopped) await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
  }

  private heard(entry: KvWatchEntry): void {
    const partition = Number(entry.key.slice(1));
    if (!entry.key.startsWith('p') || !Number.isInteger(partition)) return;
    // A lease given back is deleted: nobody owns the partition until the next `create`.
    if (entry.operation === 'PUT') this.owners.set(partition, entry.string());
    else this.owners.delete(partition);
  }
}
