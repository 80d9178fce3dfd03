import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import type { JournalEntry } from '../../src/index.js';
import { decodeEntries, encodeEntries } from '../../stores/redis/codec.js';

const held = (i: number): JournalEntry => ({
  type: 'held', at: 1_000 + i, fanId: `fan-${i}`, holdId: `h${i}`, grantId: `g${i}`, key: `k${i}`,
  fingerprint: `hold:g${i}:tickets:ga:1`, allocation: { tierId: 'ga', quantity: 1 }, expiresAt: 601_000 + i,
});
const purchased = (i: number): JournalEntry => ({ type: 'purchased', at: 2_000 + i, holdId: `h${i}`, paymentId: `pay-${i}` });

describe('the journal blob codec', () => {
  it('round-trips a write of many entries of a few shapes, in fewer bytes than plain maps', () => {
    const entries = Array.from({ length: 200 }, (_, i) => [held(i), purchased(i)]).flat();
    const blob = encodeEntries(entries);
    expect(decodeEntries(blob)).toEqual(entries);
    expect(blob.length).toBeLessThan(0.7 * new Packr({ useRecords: false }).pack(entries).length);
  });

  it('decodes every blob alone, whatever was encoded or decoded before it (as another process would)', () => {
    const first = encodeEntries([held(1), purchased(1)]);
    const second = encodeEntries([held(2), { type: 'joined', at: 3, fanId: 'f' }, purchased(2)]);
    expect(decodeEntries(second)).toEqual([held(2), { type: 'joined', at: 3, fanId: 'f' }, purchased(2)]);
    expect(decodeEntries(first)).toEqual([held(1), purchased(1)]);
    // A decoder that never saw this process's blobs, records switched off: the blob carries its own definitions.
    expect(new Packr({ useRecords: false }).unpack(second)).toEqual([held(2), { type: 'joined', at: 3, fanId: 'f' }, purchased(2)]);
  });

  it('keeps every string exact, whatever its characters and length (strings are bundled at the end of the blob)', () => {
    const names = ['', 'é', 'Zoë', '日本語のファン', '🎫 ticket', 'a\u0000b', 'x'.repeat(5_000), `${'ü'.repeat(70)}🎶`];
    const entries = names.map((fanId, i) => ({ ...held(i), fanId, key: names[names.length - 1 - i]! }));
    expect(decodeEntries(encodeEntries(entries))).toEqual(entries);
  });

  it('still reads blobs written as plain maps, and record blobs written without bundled strings', () => {
    const entries = [held(7), purchased(7)];
    expect(decodeEntries(new Packr({ useRecords: false }).pack(entries))).toEqual(entries);
    expect(decodeEntries(new Packr({ useRecords: true }).pack(entries))).toEqual(entries);
  });
});
