/**
 * How records sit in a journal file: each one framed by a 12-byte header —
 * magic (2 bytes), kind (1), reserved (1), payload length (4), CRC-32 of kind
 * and payload (4) — so a start-up scan can tell a record the process was
 * writing when it died (a torn tail: dropped) from a record damaged later
 * (corruption: the start refuses, naming the file and offset).
 */
import { crc32 } from 'node:zlib';

export const HEADER_BYTES = 12;
const MAGIC = 0xb7a1;
/** Far above any batch the journal writes; a larger length is damage, not data. */
const MAX_PAYLOAD_BYTES = 1 << 30;

export const RecordKind = {
  /** A batch of journal entries of the file's event. */
  Entries: 1,
  /** The event's gateway settings as they are now (the last one counts). */
  Settings: 2,
} as const;
export type RecordKind = (typeof RecordKind)[keyof typeof RecordKind];

export interface FileRecord {
  kind: RecordKind;
  payload: Buffer;
  offset: number;
}

/** What a scan found: the good records, where they end, and a torn tail if there was one. */
export interface Scan {
  records: FileRecord[];
  /** Bytes of good records from the start: where the next append belongs. */
  validBytes: number;
  /** A record the process died writing: its offset and the bytes after it. */
  torn: { offset: number; bytes: number } | undefined;
}

/** A damaged record with good data after it: starting would silently lose that data. */
export class CorruptJournalError extends Error {
  override readonly name = 'CorruptJournalError';

  constructor(readonly file: string, readonly offset: number, reason: string) {
    super(`journal file ${file} is corrupt at byte offset ${offset} (${reason}), with records after it; refusing to start. Restore the file from a backup, or truncate it at offset ${offset} to give up everything from there on.`);
  }
}

export function frameRecord(kind: RecordKind, payload: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(HEADER_BYTES + payload.length);
  frame.writeUInt16BE(MAGIC, 0);
  frame.writeUInt8(kind, 2);
  frame.writeUInt8(0, 3);
  frame.writeUInt32BE(payload.length, 4);
  payload.copy(frame, HEADER_BYTES);
  frame.writeUInt32BE(checksum(kind, payload), 8);
  return frame;
}

/**
 * Reads every record of a file's contents. A bad record is a torn tail when
 * it may be the last write the process began: its header is cut short, its
 * length runs past the end, its checksum fails and it ends exactly at the
 * end, or only zeros follow it (a file extended but never written). Any other
 * bad record throws CorruptJournalError.
 */
export function scanRecords(data: Buffer, file: string): Scan {
  const records: FileRecord[] = [];
  let offset = 0;
  while (offset < data.length) {
    const problem = badRecordAt(data, offset);
    if (problem === undefined) {
      const length = data.readUInt32BE(offset + 4);
      records.push({ kind: data.readUInt8(offset + 2) as RecordKind, payload: data.subarray(offset + HEADER_BYTES, offset + HEADER_BYTES + length), offset });
      offset += HEADER_BYTES + length;
      continue;
    }
    if (problem.torn || allZero(data, offset)) return { records, validBytes: offset, torn: { offset, bytes: data.length - offset } };
    throw new CorruptJournalError(file, offset, problem.reason);
  }
  return { records, validBytes: offset, torn: undefined };
}

function badRecordAt(data: Buffer, offset: number): { reason: string; torn: boolean } | undefined {
  if (data.length - offset < HEADER_BYTES) return { reason: 'header cut short', torn: true };
  if (data.readUInt16BE(offset) !== MAGIC) return { reason: 'no record header', torn: false };
  const kind = data.readUInt8(offset + 2);
  if (kind !== RecordKind.Entries && kind !== RecordKind.Settings) return { reason: `unknown record kind ${kind}`, torn: false };
  const length = data.readUInt32BE(offset + 4);
  if (length > MAX_PAYLOAD_BYTES) return { reason: `impossible length ${length}`, torn: false };
  const end = offset + HEADER_BYTES + length;
  if (end > data.length) return { reason: 'record cut short', torn: true };
  if (checksum(kind, data.subarray(offset + HEADER_BYTES, end)) !== data.readUInt32BE(offset + 8)) return { reason: 'checksum mismatch', torn: end === data.length };
  return undefined;
}

function checksum(kind: number, payload: Buffer): number {
  return crc32(payload, crc32(Buffer.of(kind)));
}

function allZero(data: Buffer, from: number): boolean {
  for (let i = from; i < data.length; i++) if (data[i] !== 0) return false;
  return true;
}
