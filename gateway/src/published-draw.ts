/**
 * A draw's public proof as a gateway process keeps it once asked: compact
 * columns instead of millions of JSON objects, an index of the pseudonyms
 * for the per-fan lookup, and the whole proof as gzipped JSON built once, on
 * the libuv pool, for downloads (docs/fairness.md, "The proof").
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { createGzip, gunzip } from 'node:zlib';
import type { DrawProof } from '../../engine/src/index.js';

/** Everything of a proof but its entries and order, and how many entries it has: what a fan's own check needs. */
export type DrawSummary = Omit<DrawProof, 'entries' | 'order'> & { count: number };

/** One entry and its index in the proof's `entries` (join order): the fan's place follows from it and the summary. */
export interface DrawEntryView {
  index: number;
  pseudonym: string;
  joinNumber: number;
}

const PSEUDONYM_BYTES = 16;
/** Entries per piece of JSON handed to gzip. */
const ENTRIES_PER_PIECE = 8192;
const gunzipAsync = promisify(gunzip);

export class PublishedDraw {
  readonly summary: DrawSummary;
  private readonly pseudonyms: Buffer;
  private readonly joinNumbers: Float64Array;
  private readonly order: Float64Array;
  /**
   * Entry indices grouped by the top `bucketBits` bits of their pseudonym
   * (HMAC output, so uniform): bucket b is byBucket[starts[b] .. starts[b+1]).
   * About two entries a bucket; 5 M entries take 28 MB.
   */
  private readonly bucketBits: number;
  private readonly starts: Uint32Array;
  private readonly byBucket: Uint32Array;
  private gzipped: Promise<Buffer> | undefined;

  constructor(proof: DrawProof) {
    const { entries, order, ...header } = proof;
    const count = entries.length;
    this.summary = { ...header, count };
    this.pseudonyms = Buffer.alloc(count * PSEUDONYM_BYTES);
    this.joinNumbers = new Float64Array(count);
    for (let i = 0; i < count; i++) {
      this.pseudonyms.write(entries[i]!.pseudonym, i * PSEUDONYM_BYTES, 'hex');
      this.joinNumbers[i] = entries[i]!.joinNumber;
    }
    this.order = Float64Array.from(order);
    this.bucketBits = Math.min(24, Math.max(1, Math.floor(Math.log2(count + 1))));
    this.starts = new Uint32Array((1 << this.bucketBits) + 1);
    for (let i = 0; i < count; i++) this.starts[this.bucketOf(i) + 1]!++;
    for (let b = 0; b < this.starts.length - 1; b++) this.starts[b + 1]! += this.starts[b]!;
    const filled = this.starts.slice(0, -1);
    this.byBucket = new Uint32Array(count);
    for (let i = 0; i < count; i++) this.byBucket[filled[this.bucketOf(i)]!++] = i;
  }

  /** The entry carrying this pseudonym (32 hexadecimal characters), if any. */
  entry(pseudonymHex: string): DrawEntryView | undefined {
    const wanted = Buffer.from(pseudonymHex, 'hex');
    const bucket = wanted.readUInt32BE(0) >>> (32 - this.bucketBits);
    for (let k = this.starts[bucket]!; k < this.starts[bucket + 1]!; k++) {
      const i = this.byBucket[k]!;
      if (wanted.equals(this.pseudonyms.subarray(i * PSEUDONYM_BYTES, (i + 1) * PSEUDONYM_BYTES))) {
        return { index: i, pseudonym: pseudonymHex.toLowerCase(), joinNumber: this.joinNumbers[i]! };
      }
    }
    return undefined;
  }

  /** The whole proof, gzipped JSON (a 5 M-entry draw: ~380 MB of JSON, about a third of it gzipped). */
  gzippedJson(): Promise<Buffer> {
    this.gzipped ??= gzipPieces(this.jsonPieces());
    return this.gzipped;
  }

  /** The whole proof as JSON bytes, for a client that takes no gzip. */
  async plainJson(): Promise<Buffer> {
    return gunzipAsync(await this.gzippedJson());
  }

  private bucketOf(i: number): number {
    return this.pseudonyms.readUInt32BE(i * PSEUDONYM_BYTES) >>> (32 - this.bucketBits);
  }

  /** The proof's JSON a piece at a time, as JSON.stringify would write it: never one string of hundreds of megabytes. */
  private *jsonPieces(): Generator<string> {
    const { count, ...header } = this.summary;
    yield `${JSON.stringify(header).slice(0, -1)},"entries":[`;
    for (let start = 0; start < count; start += ENTRIES_PER_PIECE) {
      const end = Math.min(count, start + ENTRIES_PER_PIECE);
      const parts: string[] = [];
      for (let i = start; i < end; i++) {
        const pseudonym = this.pseudonyms.toString('hex', i * PSEUDONYM_BYTES, (i + 1) * PSEUDONYM_BYTES);
        parts.push(`{"pseudonym":"${pseudonym}","joinNumber":${this.joinNumbers[i]}}`);
      }
      yield (start === 0 ? '' : ',') + parts.join(',');
    }
    yield '],"order":[';
    for (let start = 0; start < count; start += ENTRIES_PER_PIECE) {
      yield (start === 0 ? '' : ',') + Array.from(this.order.subarray(start, Math.min(count, start + ENTRIES_PER_PIECE))).join(',');
    }
    yield ']}';
  }
}

function gzipPieces(pieces: Iterable<string>): Promise<Buffer> {
  const out: Buffer[] = [];
  return pipeline(Readable.from(pieces), createGzip(), async (gzipped: AsyncIterable<Buffer>) => {
    for await (const chunk of gzipped) out.push(chunk);
  }).then(() => Buffer.concat(out));
}
