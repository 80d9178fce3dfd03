import { Packr, Unpackr } from 'msgpackr';
import type { JournalEntry } from '../../src/journal/entries.js';

/** Plain maps: what settings and the earliest journal blobs are written in. */
const packr = new Packr({ useRecords: false });
/**
 * Journal blobs: msgpackr records defined inside each blob. A write holds
 * hundreds of entries of a few shapes, so each shape's keys are written once
 * per blob instead of once per entry (half the bytes, ~40% less packing
 * time), and the blob still decodes alone, in any process: no structure is
 * shared between blobs or learned from an earlier one. Strings are bundled:
 * written together at the end of the blob in one native UTF-8 write instead
 * of msgpackr's per-character loop, which dominated packing on the shard's
 * hot path (~11% more durable holds/s, docs/benchmarks.md). Blobs of plain
 * maps and unbundled blobs decode the same way.
 */
const entryPackr = new Packr({ useRecords: true, bundleStrings: true });

export function encodeEntries(entries: readonly JournalEntry[]): Buffer {
  return entryPackr.pack(entries);
}

export function decodeEntries(blob: Buffer): JournalEntry[] {
  // A fresh decoder per blob: nothing a blob defines may leak into the reading of the next.
  const entries: unknown = new Unpackr({ useRecords: true, mapsAsObjects: true }).unpack(blob);
  if (!Array.isArray(entries)) throw new Error('a journal blob does not hold an array of entries');
  return entries as JournalEntry[];
}

export function encodeValue(value: unknown): Buffer {
  return packr.pack(value);
}

export function decodeValue(blob: Buffer): unknown {
  return packr.unpack(blob);
}
