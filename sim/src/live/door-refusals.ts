/**
 * A live run measures nothing once the gateway's door refuses its load: the
 * per-address budgets count the load processes' few addresses as a flood.
 * The load processes report each refusal (a WebSocket upgrade answered 429,
 * a request answered RATE_LIMITED, an HTTP 429) with the address it came
 * from; the driver stops the run and fails with the counts and every address
 * the gateway must exempt (`--exempt-ip`).
 */
export type RefusalKind = 'connection' | 'join' | 'request' | 'http';

const WHAT: Record<RefusalKind, string> = {
  connection: 'connections refused (HTTP 429)',
  join: 'joins rate-limited (RATE_LIMITED)',
  request: 'other requests rate-limited (RATE_LIMITED)',
  http: 'HTTP requests rate-limited (429)',
};

/** `--exempt-ip` for each address, ready to paste onto the gateway's command line. */
export const exemptFlags = (addresses: readonly string[]): string => addresses.map((address) => `--exempt-ip ${address}`).join(' ');

export class DoorRefusals {
  /** Per kind, per source address. */
  private readonly counts = new Map<RefusalKind, Map<string, number>>();
  /** When the first refusal was heard (wall clock), 0 before. */
  firstAt = 0;

  note(kind: RefusalKind, address: string, at = Date.now()): void {
    if (this.firstAt === 0) this.firstAt = at;
    const byAddress = this.counts.get(kind) ?? new Map<string, number>();
    byAddress.set(address, (byAddress.get(address) ?? 0) + 1);
    this.counts.set(kind, byAddress);
  }

  get total(): number {
    let total = 0;
    for (const byAddress of this.counts.values()) for (const n of byAddress.values()) total += n;
    return total;
  }

  /** Per kind, per address: for the JSON line. */
  toJSON(): Partial<Record<RefusalKind, Record<string, number>>> {
    return Object.fromEntries([...this.counts].map(([kind, byAddress]) => [kind, Object.fromEntries(byAddress)]));
  }

  /** One line per kind: "1,600 connections refused (HTTP 429): 127.3.1.1 ×800, 127.3.2.1 ×800". */
  lines(): string[] {
    return [...this.counts].map(([kind, byAddress]) => {
      const n = [...byAddress.values()].reduce((a, b) => a + b, 0);
      const from = [...byAddress].map(([address, count]) => `${address} ×${count.toLocaleString('en-US')}`).join(', ');
      return `${n.toLocaleString('en-US')} ${WHAT[kind]}: ${from}`;
    });
  }
}

/** The run stopped because the door refused its load. */
export class LoadRefusedError extends Error {
  constructor(readonly refusals: DoorRefusals, readonly addresses: readonly string[], readonly progress: { arrived: number; fans: number; joined: number }) {
    super([
      `live: the gateway refused the load generator (its door's per-address budgets): the run stopped, its figures would measure the door.`,
      ...refusals.lines().map((line) => `  ${line}`),
      `  arrived ${progress.arrived.toLocaleString('en-US')}/${progress.fans.toLocaleString('en-US')}, joined ${progress.joined.toLocaleString('en-US')}`,
      `Start the gateway with every address of this run exempt:`,
      `  ${exemptFlags(addresses)}`,
    ].join('\n'));
    this.name = 'LoadRefusedError';
  }
}
