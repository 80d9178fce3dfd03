/** A seeded random source (mulberry32): a failing fuzz run is replayed from its seed. */
export class Random {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }

  /** Text of `n` characters, now and then outside ASCII or the BMP. */
  text(n: number): string {
    let out = '';
    for (let i = 0; i < n; i++) out += this.chance(0.9) ? String.fromCharCode(32 + this.int(95)) : String.fromCodePoint(this.pick([0, 0x7f, 0xe9, 0x2028, 0xfffd, 0x1f600]));
    return out;
  }
}
