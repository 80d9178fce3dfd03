/** Bytes of a join key's digest: the transport's keyed hash, cut to 128 bits. */
export const JOIN_KEY_DIGEST_BYTES = 16;

/**
 * The digest of the secret join key each place was taken with, by the room's
 * slot, so the fan who took it can take it again when the answer to its join
 * was lost before it learned its queue token (docs/protocol.md,
 * "Reconnecting"). One 16-byte cell per slot, allocated only once a place
 * comes with a key; all zeros means none.
 */
export class PlaceKeys {
  private digests = new Uint8Array(0);

  /** The digest of the place just taken in `slot` (undefined: taken without a key). Hex, JOIN_KEY_DIGEST_BYTES bytes. */
  set(slot: number, digest: string | undefined): void {
    const at = slot * JOIN_KEY_DIGEST_BYTES;
    if (digest === undefined) {
      // The slot may be recycled from a place that had a key.
      if (at < this.digests.length) this.digests.fill(0, at, at + JOIN_KEY_DIGEST_BYTES);
      return;
    }
    if (at + JOIN_KEY_DIGEST_BYTES > this.digests.length) {
      const grown = new Uint8Array(Math.max(at + JOIN_KEY_DIGEST_BYTES, Math.ceil(this.digests.length * 1.5), 1024 * JOIN_KEY_DIGEST_BYTES));
      grown.set(this.digests);
      this.digests = grown;
    }
    this.digests.set(Buffer.from(digest, 'hex'), at);
  }

  /** True when the place in `slot` was taken with a key of this digest (hex, as `set` takes it). */
  matches(slot: number, digest: string): boolean {
    const at = slot * JOIN_KEY_DIGEST_BYTES;
    if (at + JOIN_KEY_DIGEST_BYTES > this.digests.length) return false;
    const given = Buffer.from(digest, 'hex');
    if (given.length !== JOIN_KEY_DIGEST_BYTES) return false;
    // Every byte is read whatever differs: how long a refusal takes says nothing about the digest.
    let differ = 0;
    let kept = 0;
    for (let i = 0; i < JOIN_KEY_DIGEST_BYTES; i++) {
      differ |= this.digests[at + i]! ^ given[i]!;
      kept |= this.digests[at + i]!;
    }
    return kept !== 0 && differ === 0;
  }
}
