import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { JournalEntry } from '../../src/journal/entries.js';
import { DurableJournal } from '../../stores/durable-journal.js';
import { FileJournalStore } from '../../stores/file/file-journal-store.js';
import { CorruptJournalError, frameRecord, HEADER_BYTES, RecordKind, scanRecords } from '../../stores/file/frames.js';

const joined = (fanId: string): JournalEntry => ({ type: 'joined', at: 1, fanId });
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
const dirs: string[] = [];
const stores: FileJournalStore[] = [];

async function dataDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bw-file-store-'));
  dirs.push(dir);
  return dir;
}

async function openStore(dir: string, options: Parameters<typeof FileJournalStore.open>[1] = {}) {
  const opened = await FileJournalStore.open(dir, { log: () => undefined, ...options });
  stores.push(opened.store);
  return opened;
}

afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe('record framing', () => {
  it('reads back what it framed, kind, payload and offset', () => {
    const a = frameRecord(RecordKind.Entries, Buffer.from('first'));
    const b = frameRecord(RecordKind.Settings, Buffer.from('second!'));
    const scan = scanRecords(Buffer.concat([a, b]), 'f');
    expect(scan.records.map((r) => [r.kind, r.payload.toString(), r.offset])).toEqual([[RecordKind.Entries, 'first', 0], [RecordKind.Settings, 'second!', a.length]]);
    expect(scan).toMatchObject({ validBytes: a.length + b.length, torn: undefined });
  });

  it('takes a cut-short header, a cut-short record, a bad last checksum or a zero-filled end for a torn tail', () => {
    const good = frameRecord(RecordKind.Entries, Buffer.from('kept'));
    const last = frameRecord(RecordKind.Entries, Buffer.from('being written'));
    const badSum = Buffer.from(last);
    badSum[badSum.length - 1]! ^= 1;
    for (const tail of [last.subarray(0, 5), last.subarray(0, last.length - 1), badSum, Buffer.alloc(40)]) {
      const scan = scanRecords(Buffer.concat([good, tail]), 'f');
      expect(scan.records).toHaveLength(1);
      expect(scan).toMatchObject({ validBytes: good.length, torn: { offset: good.length, bytes: tail.length } });
    }
  });

  it('refuses a damaged record with good data after it, naming the file and the offset', () => {
    const first = frameRecord(RecordKind.Entries, Buffer.from('first'));
    const damaged = frameRecord(RecordKind.Entries, Buffer.from('damaged'));
    damaged[HEADER_BYTES + 2]! ^= 0xff;
    const after = frameRecord(RecordKind.Entries, Buffer.from('after'));
    const scan = () => scanRecords(Buffer.concat([first, damaged, after]), '/data/events/e.journal');
    expect(scan).toThrow(CorruptJournalError);
    expect(scan).toThrow(`journal file /data/events/e.journal is corrupt at byte offset ${first.length} (checksum mismatch)`);
    // Garbage that is not all zeros after the last good record is damage too, not a torn write.
    expect(() => scanRecords(Buffer.concat([first, Buffer.from('garbage, not a record')]), 'f')).toThrow('corrupt at byte offset');
  });
});

describe('FileJournalStore', () => {
  it('keeps each event in its own file, entries in order and the last settings, across a reopen', async () => {
    const dir = await dataDir();
    const { store } = await openStore(dir);
    await store.write([{ eventId: 'a', entries: [joined('1'), joined('2')] }, { eventId: 'b', entries: [joined('3')] }]);
    await store.saveSettings('a', { price: 1 });
    await store.write([{ eventId: 'a', entries: [joined('4')] }]);
    await store.saveSettings('a', { price: 2 });
    expect(await store.read('a')).toEqual([joined('1'), joined('2'), joined('4')]);
    await store.close();

    const { events } = await openStore(dir);
    expect([...events.keys()]).toEqual(['a', 'b']);
    expect(events.get('a')).toEqual({ entries: [joined('1'), joined('2'), joined('4')], settings: { price: 2 } });
    expect(events.get('b')).toEqual({ entries: [joined('3')], settings: undefined });
  });

  it('drops a torn last record with a log line, cuts it off the file and appends after the good records', async () => {
    const dir = await dataDir();
    const { store } = await openStore(dir);
    await store.write([{ eventId: 'a', entries: [joined('1')] }]);
    await store.write([{ eventId: 'a', entries: [joined('2')] }]);
    await store.close();
    const file = join(dir, 'events', 'a.journal');
    const size = (await readFile(file)).length;
    await truncate(file, size - 3);

    const logs: string[] = [];
    const reopened = await openStore(dir, { log: (line) => logs.push(line) });
    expect(reopened.events.get('a')!.entries).toEqual([joined('1')]);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(/a\.journal: dropped a torn last record \(\d+ bytes at offset \d+\)/);
    await reopened.store.write([{ eventId: 'a', entries: [joined('3')] }]);
    await reopened.store.close();
    expect((await openStore(dir)).events.get('a')!.entries).toEqual([joined('1'), joined('3')]);
  });

  it('refuses to open over a corrupt record in the middle of a file, naming the file and offset', async () => {
    const dir = await dataDir();
    const { store } = await openStore(dir);
    await store.write([{ eventId: 'a', entries: [joined('1')] }]);
    await store.write([{ eventId: 'a', entries: [joined('2')] }]);
    await store.close();
    const file = join(dir, 'events', 'a.journal');
    const data = await readFile(file);
    data[HEADER_BYTES + 1]! ^= 0xff;
    await writeFile(file, data);
    await expect(openStore(dir)).rejects.toThrow(`journal file ${file} is corrupt at byte offset 0 (checksum mismatch)`);
  });

  it('resolves a write only after every file it touched was synced, and the DurableJournal holds durable() until then', async () => {
    const dir = await dataDir();
    const order: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let bothStarted!: () => void;
    const started = new Promise<void>((resolve) => (bothStarted = resolve));
    const sync = async (file: FileHandle) => {
      const stat = await file.stat();
      if (!stat.isFile()) return file.datasync();
      order.push('sync started');
      if (order.length === 2) bothStarted();
      await held;
      await file.datasync();
      order.push('synced');
    };
    const { store } = await openStore(dir, { sync });
    const journal = new DurableJournal(store);
    journal.append('a', [joined('1')]);
    journal.append('b', [joined('2')]);
    const durable = journal.durable().then(() => order.push('durable'));
    await started;
    for (let i = 0; i < 20; i++) await nextTurn();
    expect(order).toEqual(['sync started', 'sync started']);
    release();
    await durable;
    expect(order).toEqual(['sync started', 'sync started', 'synced', 'synced', 'durable']);
    // Two new files (their directory synced once each) and the two files of the write.
    expect(store.syncs).toBe(4);
  });

  it('cuts a file back when its sync fails, so the journal retrying the same batch never appends it twice', async () => {
    const dir = await dataDir();
    let failures = 1;
    const sync = async (file: FileHandle) => {
      if ((await file.stat()).isFile() && failures-- > 0) throw new Error('EIO');
      return file.datasync();
    };
    const { store } = await openStore(dir, { sync });
    const journal = new DurableJournal(store, { retryMs: 1 });
    journal.append('a', [joined('1'), joined('2')]);
    await journal.durable();
    expect(await store.read('a')).toEqual([joined('1'), joined('2')]);
  });
});

describe('the data directory lock', () => {
  it('refuses a directory a running process holds, and takes over one left by a process that is gone', async () => {
    const dir = await dataDir();
    const sleeper = spawn('sleep', ['30']);
    try {
      await writeFile(join(dir, 'LOCK'), `${sleeper.pid}\n`);
      await expect(openStore(dir)).rejects.toThrow(`in use by process ${sleeper.pid}`);
    } finally {
      sleeper.kill('SIGKILL');
    }
    const gone = spawnSync('true').pid;
    await writeFile(join(dir, 'LOCK'), `${gone}\n`);
    const { store } = await openStore(dir);
    expect((await readFile(join(dir, 'LOCK'), 'utf8')).trim()).toBe(String(process.pid));
    await store.close();
    await expect(readFile(join(dir, 'LOCK'))).rejects.toThrow('ENOENT');
  });
});
