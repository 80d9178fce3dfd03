import { Packr } from 'msgpackr';
import type { JournalEntry } from '../../src/journal/entries.js';

/** Plain maps, never records: a blob must decode in any process, without structures learned at run time. */
const packr = new Packr({ useRecords: false });

export function encodeEntries(entries: readonly JournalEntry[]): Buffer {
  return packr.pack(entries);
}

export function decodeEntries(blob: Buffer): JournalEntry[] {
  const entries: unknown = packr.unpack(blob);
  if (!Array.isArray(entries)) throw new Error('a journal blob does not hold an array of entries');
  return entries as JournalEntry[];
}

export function encodeValue(value: unknown): Buffer {
  return packr.pack(value);
}

export function decodeValue(blob: Buffer): unknown {
  return packr.unpack(blob);
}
