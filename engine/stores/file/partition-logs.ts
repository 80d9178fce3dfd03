/**
 * Who owned each partition and which events it holds, for the file event
 * store: one append-only text file per partition (partitions/p<N>.log), a
 * line per fact — `epoch <n>` when an owner opened it, `event <id>` when an
 * event joined it — each fdatasynced before it counts. A last line without
 * its newline was being written when the process stopped: it is cut off.
 */
import { mkdir, open, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

const FILE = /^p(\d+)\.log$/;
const LINE = /^(epoch|event) (\S+)$/;
const EVENT_ID = /^[A-Za-z0-9_.-]+$/;

export interface PartitionLog {
  partition: number;
  /** The newest epoch issued (0: never opened). */
  epoch: number;
  eventIds: string[];
}

export class PartitionLogs {
  private constructor(private readonly dir: string) {}

  /** Reads every partition's log; a damaged line before the last stops with the file and line. */
  static async open(dataDir: string): Promise<{ logs: PartitionLogs; partitions: PartitionLog[] }> {
    const dir = join(dataDir, 'partitions');
    await mkdir(dir, { recursive: true });
    const partitions: PartitionLog[] = [];
    for (const name of (await readdir(dir)).sort()) {
      const match = FILE.exec(name);
      if (match === null) continue;
      const log: PartitionLog = { partition: Number(match[1]), epoch: 0, eventIds: [] };
      const path = join(dir, name);
      const text = await readFile(path, 'utf8');
      const lines = text.split('\n');
      // After the last newline: nothing, or a torn line never acknowledged, cut off so appends follow whole lines.
      if (lines.pop() !== '') await truncate(path, Buffer.byteLength(text) - Buffer.byteLength(text.slice(text.lastIndexOf('\n') + 1)));
      for (const [i, line] of lines.entries()) {
        const fact = LINE.exec(line);
        if (fact === null) throw new Error(`partition log ${path}: line ${i + 1} is damaged: ${JSON.stringify(line.slice(0, 80))}`);
        if (fact[1] === 'epoch') log.epoch = Math.max(log.epoch, Number(fact[2]));
        else log.eventIds.push(fact[2]!);
      }
      partitions.push(log);
    }
    return { logs: new PartitionLogs(dir), partitions };
  }

  appendEpoch(partition: number, epoch: number): Promise<void> {
    return this.append(partition, `epoch ${epoch}\n`);
  }

  appendEvents(partition: number, eventIds: readonly string[]): Promise<void> {
    for (const eventId of eventIds) if (!EVENT_ID.test(eventId)) throw new Error(`event id "${eventId}" cannot name a journal file`);
    return this.append(partition, eventIds.map((eventId) => `event ${eventId}\n`).join(''));
  }

  private async append(partition: number, lines: string): Promise<void> {
    const path = join(this.dir, `p${partition}.log`);
    const created = await open(path, 'wx').then((file) => file.close().then(() => true), (err: NodeJS.ErrnoException) => {
      if (err.code === 'EEXIST') return false;
      throw err;
    });
    // A new file's name must be durable too, or a crash could lose the whole file.
    if (created) await syncPath(this.dir);
    const file = await open(path, 'a');
    try {
      await file.write(lines);
      await file.datasync();
    } finally {
      await file.close();
    }
  }
}

async function truncate(path: string, bytes: number): Promise<void> {
  const file = await open(path, 'r+');
  try {
    await file.truncate(bytes);
    await file.datasync();
  } finally {
    await file.close();
  }
}

async function syncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.datasync();
  } finally {
    await handle.close();
  }
}
