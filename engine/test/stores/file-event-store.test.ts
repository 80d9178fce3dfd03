import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileEventStore } from '../../stores/file/file-event-store.js';
import { fileStores } from './event-store-fixtures.js';
import { describeEventStore } from './event-store.conformance.js';

describeEventStore(fileStores());

describe('the file event store\'s partition logs', () => {
  it('cut off a torn last line (never acknowledged), and refuse to open past a damaged line before it, naming the file and line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bw-partition-log-'));
    try {
      const store = await FileEventStore.open(dir, { log: () => undefined });
      const owner = await store.openPartition(3);
      await owner.write([{ eventId: 'a', entries: [{ type: 'joined', at: 1, fanId: 'f1' }] }], 1);
      await store.close();
      const log = join(dir, 'partitions', 'p3.log');
      await appendFile(log, 'event b');

      const reopened = await FileEventStore.open(dir, { log: () => undefined });
      const next = await reopened.openPartition(3);
      expect(next.epoch).toBe(owner.epoch + 1);
      expect(await next.partitionEvents()).toEqual(['a']);
      await reopened.close();
      const again = await FileEventStore.open(dir, { log: () => undefined });
      expect((await again.openPartition(3)).epoch).toBe(next.epoch + 1);
      await again.close();

      await writeFile(log, 'epoch 1\nevent a\ngarbage\nevent c\n');
      await expect(FileEventStore.open(dir, { log: () => undefined })).rejects.toThrow(`partition log ${log}: line 3 is damaged`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
