/**
 * A restore longer than the lease, against real nats-server: a shard (in
 * this process) takes over a partition whose sale takes longer to rebuild
 * than the lease lasts. Every journal entry the store hands over costs
 * 0.3 ms the first time it is read — as much as a journal dozens of times bigger,
 * in 20,000 entries — so the replay alone lasts longer than a
 * lease lives unrenewed. The shard keeps its lease all along (the
 * restore lets the renewals run between steps): it serves the partition
 * at its first epoch, answers requests, and never loses or retakes it.
 */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine, MemoryJournal, SimulatedClock, type JournalEntry } from '../../../engine/src/index.js';
import { MemoryEventStore } from '../../../engine/stores/memory-event-store.js';
import { aesSeedVault } from '../../../engine/stores/seed-vault.js';
import { startNatsServer, type LocalServer } from '../../../launch/local-servers.js';
import { NatsEngineLink } from '../../../engine/link/nats-engine-link.js';
import { Shard } from '../../../engine/shard/shard.js';
import { eventConfig, eventually } from '../helpers/test-gateway.js';

const EVENT = 'slow-restore';
const FANS = 20_000;
const COST_PER_ENTRY_MS = 0.3;
const LEASE_TTL_MS = 4_000; // given up 3 s after the last renewal answered: a loaded CI machine stalls for 1 s, not 3
const LEASE_RENEW_MS = 1_000;
const seeds = aesSeedVault('slow restore test secret 0123456789');
const clock = new SimulatedClock(1_000_000);

/** Busy for `ms`: the cost of a bigger journal, without building one. */
function spin(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

/** The entry, costing COST_PER_ENTRY_MS the first time its type is read (its replay). */
function costly(entry: JournalEntry): JournalEntry {
  let paid = false;
  return new Proxy(entry, {
    get(target, key, receiver) {
      if (key === 'type' && !paid) {
        paid = true;
        spin(COST_PER_ENTRY_MS);
      }
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
}

/** Hands every claimed journal over with each entry costly to replay. */
class CostlyEntriesStore extends MemoryEventStore {
  protected override async readEntries(eventId: string): Promise<JournalEntry[]> {
    return (await super.readEntries(eventId)).map(costly);
  }
}

let nats: LocalServer;
let nc: NatsConnection;
let link: NatsEngineLink;
let shard: Shard;
const logged: string[] = [];

beforeAll(async () => {
  nats = await startNatsServer();
  // The sale as a former owner left it: FANS fans joined.
  const journal = new MemoryJournal();
  const engine = new Engine({ clock, seeds, journal });
  engine.createEvent(eventConfig(clock.now(), { id: EVENT, onSaleAt: clock.now() }), { publish: true });
  for (let i = 0; i < FANS; i++) engine.execute({ type: 'join', eventId: EVENT, fanId: `fan-${i}` });
  const store = new CostlyEntriesStore();
  const former = await store.openPartition(0);
  await former.write([{ eventId: EVENT, entries: journal.read(EVENT) }], 1);

  nc = await connect({ servers: nats.url, name: 'slow-restore-shard' });
  shard = new Shard({
    nc, store, seeds, clock, shardId: 's1', partitions: 1,
    leaseTtlMs: LEASE_TTL_MS, leaseRenewMs: LEASE_RENEW_MS, log: (line) => logged.push(line),
  });
  await shard.start();
  link = await NatsEngineLink.connect({ servers: nats.url, owner: 'slow-restore-test', partitions: 1, requestTimeoutMs: 10_000, log: () => undefined });
}, 120_000);

afterAll(async () => {
  await link?.close();
  await shard?.stop();
  await nc?.close();
  await nats?.stop();
}, 30_000);

describe('a shard restoring a sale that takes longer than the lease', () => {
  it('keeps its lease and serves the partition at the epoch it took it with', async () => {
    expect(FANS * COST_PER_ENTRY_MS).toBeGreaterThan(LEASE_TTL_MS);
    await eventually(() => expect(logged.join('\n')).toMatch(/serving partition 0 \(epoch \d+, 1 events restored\)/), 60_000);
    const joined = await link.execute({ op: 'openSession', eventId: EVENT, fanId: 'after-restore', resume: false });
    expect(joined).toBeDefined();
    // Two more lease periods: a lease lost to the restore would have been given up and taken again by now.
    await new Promise((resolve) => setTimeout(resolve, 2 * LEASE_TTL_MS));
    const lines = logged.join('\n');
    expect(lines).not.toMatch(/lost partition 0/);
    expect(lines).not.toMatch(/stopped serving partition 0/);
    expect(logged.filter((line) => /serving partition 0 \(/.test(line))).toHaveLength(1);
    const entries = await link.execute({ op: 'journal', eventId: EVENT });
    expect(entries.filter((entry) => entry.type === 'joined')).toHaveLength(FANS + 1);
  }, 120_000);
});
