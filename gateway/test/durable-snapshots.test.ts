/**
 * npm start's file-backed host with snapshots: it writes them as its policy
 * says, comes back from the latest one and the journal after it, and falls
 * back to the whole journal (saying so) when the snapshot is damaged.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../engine/src/index.js';
import { snapshotPath } from '../../engine/stores/file/snapshot-file.js';
import { aesSeedVault } from '../../engine/stores/seed-vault.js';
import { openFileBackedHost } from '../../engine/host/file-backed-host.js';
import { eventConfig, SIGNING_SECRET } from './helpers/test-gateway.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe('the file-backed host with snapshots', () => {
  it('restores from the latest snapshot and the entries after it, or from the whole journal when the snapshot is damaged', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bw-host-snapshots-'));
    dirs.push(dir);
    const clock = new SimulatedClock(1_000_000);
    const logs: string[] = [];
    const options = { clock, seeds: aesSeedVault(SIGNING_SECRET), log: (m: string) => logs.push(m), snapshots: { everyEntries: 10, everyMs: 3_600_000 } };
    const first = await openFileBackedHost(dir, options);
    first.host.handle({ op: 'createEvent', config: eventConfig(clock.now(), { id: 'snap', onSaleAt: clock.now() }), publish: true, settings: {} });
    const numbers = new Map<string, number>();
    for (let i = 0; i < 25; i++) numbers.set(`f${i}`, first.host.handle({ op: 'openSession', eventId: 'snap', fanId: `f${i}`, resume: false }).join.number!);
    await first.durable();
    await first.snapshots.settled();
    expect(first.snapshots.written).toBeGreaterThan(0);
    // After the last snapshot: only in the journal.
    numbers.set('late', first.host.handle({ op: 'openSession', eventId: 'snap', fanId: 'late', resume: false }).join.number!);
    await first.durable();
    await first.close();

    const second = await openFileBackedHost(dir, options);
    expect(second.restored).toMatchObject({ events: 1, fromSnapshots: 1 });
    for (const [fanId, number] of numbers) expect(second.host.handle({ op: 'openSession', eventId: 'snap', fanId, resume: true }).join.number).toBe(number);
    await second.durable();
    await second.close();

    const path = snapshotPath(join(dir, 'events'), 'snap');
    const bytes = await readFile(path);
    bytes[bytes.length - 1]! ^= 0xff;
    await writeFile(path, bytes);
    logs.length = 0;
    const third = await openFileBackedHost(dir, options);
    expect(third.restored).toMatchObject({ events: 1, fromSnapshots: 0 });
    expect(logs).toEqual([`snapshot ${path} refused (checksum mismatch); replaying the whole journal of "snap"`]);
    for (const [fanId, number] of numbers) expect(third.host.handle({ op: 'openSession', eventId: 'snap', fanId, resume: true }).join.number).toBe(number);
    await third.close();
  });
});
