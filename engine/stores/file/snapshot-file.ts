/**
 * An event's snapshot beside its journal file (events/<event id>.snapshot):
 * a 16-byte header — magic "BWSN", file format version (2 bytes), engine
 * snapshot version (2), payload length (4), CRC-32 of the payload (4) — then
 * the snapshot through v8's serializer. Written whole to a temp file, synced,
 * then renamed over the last one (and the directory synced), so a crash at
 * any point leaves the previous snapshot or the new one, never a mix. One
 * that fails its checksum or was written by another version is refused with
 * a log line and the event is replayed from its whole journal: a snapshot
 * only ever saves time, the journal stays the record.
 */
import { open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { crc32 } from 'node:zlib';
import type { FileHandle } from 'node:fs/promises';
import { SNAPSHOT_VERSION, type EventSnapshot } from '../../src/index.js';

const MAGIC = 0x4257534e; // "BWSN"
/** Bump when the header or the payload's encoding changes. */
export const SNAPSHOT_FILE_VERSION = 1;
const HEADER_BYTES = 16;
const SUFFIX = '.snapshot';
const TEMP_SUFFIX = '.snapshot.tmp';

export function snapshotPath(eventsDir: string, eventId: string): string {
  return join(eventsDir, `${eventId}${SUFFIX}`);
}

export async function writeSnapshotFile(eventsDir: string, snapshot: EventSnapshot, sync: (file: FileHandle) => Promise<void> = (file) => file.datasync()): Promise<void> {
  const payload = serialize(snapshot);
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt32BE(MAGIC, 0);
  header.writeUInt16BE(SNAPSHOT_FILE_VERSION, 4);
  header.writeUInt16BE(snapshot.version, 6);
  header.writeUInt32BE(payload.length, 8);
  header.writeUInt32BE(crc32(payload), 12);
  const temp = join(eventsDir, `${snapshot.eventId}${TEMP_SUFFIX}`);
  const file = await open(temp, 'w');
  try {
    await file.writev([header, payload]);
    await sync(file);
  } finally {
    await file.close();
  }
  await rename(temp, snapshotPath(eventsDir, snapshot.eventId));
  const dir = await open(eventsDir, 'r');
  try {
    await sync(dir);
  } finally {
    await dir.close();
  }
}

/** The event's snapshot if it has a usable one; undefined (logged, unless there is none) otherwise. */
export async function readSnapshotFile(eventsDir: string, eventId: string, log: (message: string) => void): Promise<EventSnapshot | undefined> {
  const path = snapshotPath(eventsDir, eventId);
  // A temp file is a write the process died in: the snapshot before it still stands.
  await rm(join(eventsDir, `${eventId}${TEMP_SUFFIX}`), { force: true });
  let data: Buffer;
  try {
    data = await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const problem = problemOf(data, eventId);
  if (typeof problem === 'string') {
    log(`snapshot ${path} refused (${problem}); replaying the whole journal of "${eventId}"`);
    return undefined;
  }
  return problem.snapshot;
}

function problemOf(data: Buffer, eventId: string): string | { snapshot: EventSnapshot } {
  if (data.length < HEADER_BYTES || data.readUInt32BE(0) !== MAGIC) return 'not a snapshot file';
  const fileVersion = data.readUInt16BE(4);
  if (fileVersion !== SNAPSHOT_FILE_VERSION) return `file format version ${fileVersion}, this build reads ${SNAPSHOT_FILE_VERSION}`;
  const engineVersion = data.readUInt16BE(6);
  if (engineVersion !== SNAPSHOT_VERSION) return `engine snapshot version ${engineVersion}, this engine reads ${SNAPSHOT_VERSION}`;
  const payload = data.subarray(HEADER_BYTES);
  if (payload.length !== data.readUInt32BE(8)) return `${payload.length} payload bytes, the header says ${data.readUInt32BE(8)}`;
  if (crc32(payload) !== data.readUInt32BE(12)) return 'checksum mismatch';
  let snapshot: EventSnapshot;
  try {
    snapshot = deserialize(payload) as EventSnapshot;
  } catch (err) {
    return `undecodable: ${(err as Error).message}`;
  }
  if (snapshot?.eventId !== eventId) return `it holds event "${String(snapshot?.eventId)}"`;
  return { snapshot };
}

/** The usable snapshot of each of these events that has one. */
export async function readSnapshotFiles(eventsDir: string, eventIds: Iterable<string>, log: (message: string) => void): Promise<Map<string, EventSnapshot>> {
  const snapshots = new Map<string, EventSnapshot>();
  for (const eventId of eventIds) {
    const snapshot = await readSnapshotFile(eventsDir, eventId, log);
    if (snapshot !== undefined) snapshots.set(eventId, snapshot);
  }
  return snapshots;
}
