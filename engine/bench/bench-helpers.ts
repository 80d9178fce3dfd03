/**
 * The sale set-up and the hold + confirm pair shared by the engine bench and
 * the cluster bench (gateway/bench/durable-holds.ts): a GA event on sale in
 * simulated time, fans admitted, then pairs through `engine.execute`.
 */
import { aesSeedVault } from '../stores/seed-vault.js';
import { Engine, SimulatedClock, type EventConfigInput, type HoldView, type JournalEntry, type SyncJournal } from '../src/index.js';

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const T0 = Date.UTC(2026, 5, 1, 9, 0, 0);
const PRE_QUEUE_OPENS = T0 + 30 * SECOND;
const ON_SALE = T0 + MINUTE;

/** Deterministic seed bytes, so every run shuffles (an empty pre-queue) the same way. */
export function seededRandomBytes(seed: number): (n: number) => Uint8Array {
  let state = seed >>> 0;
  return (n) => {
    const bytes = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      bytes[i] = state >>> 24;
    }
    return bytes;
  };
}

export function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`bench sanity check failed: ${message}`);
}

export function seconds(startMs: number): number {
  return (performance.now() - startMs) / 1000;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** An engine on a simulated clock at T0; the memory journal unless one is given. */
export function newEngine(seed: number, journal?: SyncJournal): { engine: Engine; clock: SimulatedClock } {
  const clock = new SimulatedClock(T0);
  return { engine: new Engine({ clock, randomBytes: seededRandomBytes(seed), seeds: aesSeedVault('engine bench'), ...(journal === undefined ? {} : { journal }) }), clock };
}

export function baseConfig(id: string, name: string): Omit<EventConfigInput, 'inventory'> {
  return {
    id,
    name,
    preQueueOpensAt: PRE_QUEUE_OPENS,
    onSaleAt: ON_SALE,
    closesAt: T0 + 12 * 60 * MINUTE,
    paymentWindowMs: 10 * MINUTE,
    grantTtlMs: 30 * MINUTE,
    admission: { mode: 'auto' },
    // Joins here measure the queue itself, numbered on arrival, as before the start window existed.
    door: { startWindowMs: 0 },
  };
}

/** Publishes the event and moves the clock to its on-sale time: pre-queue opened (empty), sale started. */
export function startSale(engine: Engine, clock: SimulatedClock, config: EventConfigInput): void {
  engine.execute({ type: 'createEvent', config });
  engine.execute({ type: 'publish', eventId: config.id });
  clock.set(ON_SALE);
  engine.tick();
  check(engine.event(config.id).phase === 'onSale', `${config.id} should be on sale, is ${engine.event(config.id).phase}`);
}

/** The fans and first grant number of the most recent admission. */
export function lastAdmission(journal: readonly JournalEntry[]): { fanIds: string[]; firstGrant: number } {
  for (let i = journal.length - 1; i >= 0; i--) {
    const entry = journal[i]!;
    if (entry.type === 'admitted') return { fanIds: entry.fanIds, firstGrant: entry.firstGrant };
  }
  throw new Error('no admission in the journal');
}

/** `fans` fans join an event on sale and one tick a second later admits them (auto admission). */
export function joinAndAdmit(engine: Engine, clock: SimulatedClock, eventId: string, fans: number): { fanIds: string[]; firstGrant: number } {
  for (let i = 0; i < fans; i++) engine.execute({ type: 'join', eventId, fanId: `fan-${i}` });
  clock.advance(SECOND);
  engine.tick();
  const admission = lastAdmission(engine.journal.read(eventId));
  check(admission.fanIds.length === fans, `expected ${fans} admitted, got ${admission.fanIds.length}`);
  return admission;
}

/** One admitted fan holds one GA ticket (its own idempotency key) and the purchase is confirmed straight from held. */
export function holdAndConfirm(engine: Engine, eventId: string, fanId: string, grantId: string, tierId: string): void {
  const hold = engine.execute({
    type: 'hold', eventId, fanId, grantId, key: `hold-${fanId}`,
    request: { kind: 'tickets', tierId, quantity: 1 },
  }) as HoldView;
  engine.execute({ type: 'confirmPurchase', eventId, holdId: hold.holdId, paymentId: `pay-${hold.holdId}` });
}
