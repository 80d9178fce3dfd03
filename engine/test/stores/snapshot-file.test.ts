/**
 * Snapshot files beside the file journal: written atomically, refused (with
 * a log line, the whole journal replayed instead) when damaged or of another
 * version, never ahead of the journal, and a kill -9 while one is written
 * loses nothing.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine.js';
import { SaleEvent } from '../../src/event/sale-event.js';
import { SimulatedClock } from '../../src/clock.js';
import { DurableJournal } from '../../stores/durable-journal.js';
import { FileJournalStore } from '../../stores/file/file-journal-store.js';
import { readSnapshotFile, readSnapshotFiles, snapshotPath, writeSnapshotFile } from '../../stores/file/snapshot-file.js';
import { SnapshotWriter } from '../../stores/file/snapshot-writer.js';
import { Driver, gaConfig, ON_SALE_AT, TEST_SEEDS } from '../fixtures.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});
async function eventsDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bw-snapshots-'));
  dirs.push(dir);
  return dir;
}

function sale(): Driver {
  const d = new Driver(gaConfig({ quantity: 5 }));
  d.startSale();
  for (const fan of d.joinMany(6)) d.presence(fan, true);
  d.engine.tick();
  return d;
}

describe('snapshot files', () => {
  it('reads back what was written, and a leftover temp file (a write the process died in) leaves the last snapshot standing', async () => {
    const dir = await eventsDir();
    const d = sale();
    const snapshot = d.engine.snapshot(d.eventId);
    await writeSnapshotFile(dir, snapshot);
    await writeFile(join(dir, `${d.eventId}.snapshot.tmp`), 'half a snapshot');
    const back = await readSnapshotFile(dir, d.eventId, () => expect.fail('nothing to refuse'));
    expect(back).toStrictEqual(snapshot);
    expect(await readdir(dir)).toEqual([`${d.eventId}.snapshot`]);
    expect(await readSnapshotFile(dir, 'no-such-event', () => expect.fail('no log for a missing snapshot'))).toBeUndefined();
  });

  it('refuses a damaged, cut or foreign snapshot with a log line naming the file and the reason', async () => {
    const dir = await eventsDir();
    const d = sale();
    await writeSnapshotFile(dir, d.engine.snapshot(d.eventId));
    const good = await readFile(snapshotPath(dir, d.eventId));
    const cases: Array<[string, (bytes: Buffer) => Buffer]> = [
      ['checksum mismatch', (b) => { b[b.length - 3]! ^= 1; return b; }],
      ['payload bytes, the header says', (b) => b.subarray(0, b.length - 10)],
      ['engine snapshot version 9', (b) => { b.writeUInt16BE(9, 6); return b; }],
      ['file format version 7', (b) => { b.writeUInt16BE(7, 4); return b; }],
      ['not a snapshot file', (b) => b.subarray(0, 5)],
    ];
    for (const [reason, damage] of cases) {
      await writeFile(snapshotPath(dir, d.eventId), damage(Buffer.from(good)));
      const logs: string[] = [];
      expect(await readSnapshotFile(dir, d.eventId, (m) => logs.push(m))).toBeUndefined();
      expect(logs).toHaveLength(1);
      expect(logs[0]).toContain(snapshotPath(dir, d.eventId));
      expect(logs[0]).toContain(reason);
      expect(logs[0]).toContain(`replaying the whole journal of "${d.eventId}"`);
    }
  });

  it('writes every N entries, only once the journal holds what the snapshot covers', async () => {
    const dir = await eventsDir();
    const d = sale();
    let release!: () => void;
    const durable = () => new Promise<void>((resolve) => (release = resolve));
    const writer = new SnapshotWriter({ engine: d.engine, eventsDir: dir, durable, policy: { everyEntries: 3, everyMs: 60_000 } });
    d.join('a');
    d.join('b');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await readdir(dir), 'two entries: not due').toEqual([]);
    const covered = d.journal.length + 1;
    d.join('c');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await readdir(dir), 'due, but the journal is not durable yet').toEqual([]);
    release();
    await writer.settled();
    expect((await readSnapshotFile(dir, d.eventId, expect.fail))?.entries).toBe(covered);
    expect(writer.written).toBe(1);
    await writer.close();
  });

  it('loses nothing when the process is killed (-9) while writing snapshots, and restores from the last one', async () => {
    const dir = await eventsDir();
    const child = fileURLToPath(new URL('./snapshot-crash-child.ts', import.meta.url));
    let told = -1;
    for (let round = 0; round < 3; round++) {
      const proc = spawn(process.execPath, ['--import', 'tsx', child, dir, String(told + 1)], { stdio: ['ignore', 'pipe', 'inherit'] });
      // Killed once it has written a few snapshots, a little later each round.
      await new Promise<void>((resolve, reject) => {
        let lines = '';
        proc.stdout.on('data', (chunk: Buffer) => {
          lines += chunk.toString();
          for (const match of lines.matchAll(/durable (\d+) snapshots (\d+)/g)) {
            told = Math.max(told, Number(match[1]));
            if (Number(match[2]) >= 3 + 5 * round) {
              proc.kill('SIGKILL');
              resolve();
            }
          }
          lines = lines.slice(lines.lastIndexOf('\n') + 1);
        });
        proc.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`the child ended by itself: ${code}`))));
      });
      await new Promise((resolve) => proc.on('close', resolve));
    }

    const { store, events } = await FileJournalStore.open(dir, { log: () => undefined });
    try {
      const journal = new DurableJournal(store);
      for (const [id, event] of events) journal.load(id, event.entries);
      const logs: string[] = [];
      const snapshots = await readSnapshotFiles(join(dir, 'events'), events.keys(), (m) => logs.push(m));
      expect(logs).toEqual([]);
      expect(snapshots.get('crash')!.entries).toBeGreaterThan(1);
      const clock = new SimulatedClock(ON_SALE_AT + 1);
      const engine = Engine.restore(journal, { clock, seeds: TEST_SEEDS }, { snapshots, onRefused: (_, reason) => expect.fail(reason) });
      const restored = engine.event('crash');
      for (let i = 0; i <= told; i++) expect(restored.room.isPresent(`fan-${i}`), `fan-${i} was told they joined`).toBe(true);
      const replayed = SaleEvent.fromJournal(journal.read('crash'), { clock, seeds: TEST_SEEDS, randomBytes: () => expect.fail('a replay draws nothing') as never });
      // The snapshot is of the live event, whose caches (token buckets, lookup caches) a replay does not rebuild: compare what it exposes.
      expect(restored.status()).toStrictEqual(replayed.status());
      for (let i = 0; i <= told; i++) expect(restored.fanView(`fan-${i}`)).toStrictEqual(replayed.fanView(`fan-${i}`));
    } finally {
      await store.close();
    }
  }, 120_000);
});
