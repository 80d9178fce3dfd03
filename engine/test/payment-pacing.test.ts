import { describe, expect, it } from 'vitest';
import type { EventConfigInput, PaymentsConfig } from '../src/config/types.js';
import type { HoldView } from '../src/event/views.js';
import { checkInvariants } from '../src/invariants.js';
import type { JournalEntry } from '../src/journal/entries.js';
import { Driver, MINUTE, ON_SALE_AT, PAYMENT_WINDOW, PENDING_MAX, SECOND, errorOf, gaConfig } from './fixtures.js';

const BREAKER = { failurePercent: 50, minOutcomes: 4, openMs: 10 * SECOND, probes: 2 };

function config(payments: Partial<Omit<PaymentsConfig, 'breaker'>> & { breaker?: Partial<PaymentsConfig['breaker']> } = {}, overrides: Partial<EventConfigInput> = {}): EventConfigInput {
  return gaConfig({
    quantity: 1_000,
    payments: { channels: [{ name: 'card' }, { name: 'wallet' }], breaker: BREAKER, ...payments },
    ...overrides,
  });
}

/** On sale with `n` fans admitted (a second at a time, as the admission budget allows), each holding one ticket. */
function holding(d: Driver, n: number): HoldView[] {
  d.startSale();
  const fans = d.joinMany(n);
  for (let i = 0; i < 10 && fans.some((fanId) => d.fanView(fanId).grant === undefined); i++) d.advance(SECOND);
  return fans.map((fanId) => d.holdTickets(fanId, 1));
}

function pay(d: Driver, hold: HoldView, options: { channel?: string; key?: string } = {}): HoldView {
  const { channel, key = `pay:${hold.holdId}` } = options;
  return d.exec({ type: 'startPayment', fanId: hold.fanId, holdId: hold.holdId, paymentId: `p-${hold.holdId}`, key, ...(channel === undefined ? {} : { channel }) }) as HoldView;
}

function fail(d: Driver, hold: HoldView, failure?: 'error' | 'timeout'): void {
  d.exec({ type: 'failPayment', holdId: hold.holdId, paymentId: `p-${hold.holdId}`, reason: failure ?? 'card declined', ...(failure === undefined ? {} : { failure }) });
}

function channel(d: Driver, name: string) {
  return d.status().payments.channels.find((c) => c.name === name)!;
}

function breakerEntries(d: Driver): Array<Pick<Extract<JournalEntry, { type: 'channelBreaker' }>, 'channel' | 'state'>> {
  return d.journal.filter((e) => e.type === 'channelBreaker').map((e) => ({ channel: (e as { channel: string }).channel, state: (e as { state: 'open' }).state }));
}

/** Opens card's breaker: four payments on it, three errors and a success. */
function openCard(d: Driver, holds: HoldView[]): void {
  holds.slice(0, 4).forEach((hold) => expect(pay(d, hold).channel).toBe('card'));
  holds.slice(0, 3).forEach((hold) => fail(d, hold, 'error'));
  d.confirm(holds[3]!.holdId, `p-${holds[3]!.holdId}`);
  d.advance(SECOND);
}

describe('channels: health and the circuit breaker', () => {
  it('declines are no failure of the channel: a window of declines leaves the breaker closed', () => {
    const d = new Driver(config());
    const holds = holding(d, 6);
    holds.forEach((hold) => pay(d, hold));
    holds.forEach((hold) => fail(d, hold));
    d.advance(SECOND);
    expect(channel(d, 'card')).toMatchObject({ breaker: 'closed', window: { outcomes: 6, declined: 6, errors: 0, failureRate: 0, successRate: 1 } });
    expect(breakerEntries(d)).toEqual([]);
  });

  it('opens on errors at the threshold, steers new payments to the other channel, and refuses a fan who insists on it, changing nothing', () => {
    const d = new Driver(config());
    const holds = holding(d, 8);
    openCard(d, holds);
    expect(breakerEntries(d)).toEqual([{ channel: 'card', state: 'open' }]);
    expect(d.journal.find((e) => e.type === 'channelBreaker')).toMatchObject({ failurePercent: 75 });
    expect(channel(d, 'card')).toMatchObject({ breaker: 'open', healthyPerSec: 0 });

    expect(pay(d, holds[4]!)).toMatchObject({ status: 'paymentPending', channel: 'wallet' });
    const err = d.rejects(() => pay(d, holds[5]!, { channel: 'card' }), 'PAYMENT_CHANNEL_UNAVAILABLE');
    expect(err.details).toEqual({ channel: 'card', breaker: 'open', retryAt: d.journal.find((e) => e.type === 'channelBreaker')!.at + BREAKER.openMs, channels: ['wallet'] });
    expect(pay(d, holds[5]!, { channel: 'wallet' })).toMatchObject({ channel: 'wallet' });
    expect(errorOf(() => pay(d, holds[6]!, { channel: 'bank' })).code).toBe('PAYMENT_CHANNEL_NOT_OFFERED');
  });

  it('goes half-open after openMs, lets only `probes` payments through, and closes when they answer (a fresh window)', () => {
    const d = new Driver(config({ channels: [{ name: 'card' }] }));
    const holds = holding(d, 10);
    openCard(d, holds);
    // Open, and the only channel: payments wait in the queue.
    expect(pay(d, holds[4]!).status).toBe('paymentQueued');
    d.advance(BREAKER.openMs);
    expect(breakerEntries(d)).toEqual([{ channel: 'card', state: 'open' }, { channel: 'card', state: 'halfOpen' }]);
    // The tick that turned it half-open started the queued payment as its first probe.
    expect(d.fanView(holds[4]!.fanId).holds[0]).toMatchObject({ status: 'paymentPending', channel: 'card' });
    expect(pay(d, holds[5]!).status).toBe('paymentPending');
    expect(pay(d, holds[6]!).status).toBe('paymentQueued');
    d.confirm(holds[4]!.holdId, `p-${holds[4]!.holdId}`);
    fail(d, holds[5]!); // declined: the channel answered
    d.advance(SECOND);
    expect(breakerEntries(d).at(-1)).toEqual({ channel: 'card', state: 'closed' });
    expect(channel(d, 'card').window.outcomes).toBe(0);
    d.advance(SECOND);
    expect(d.fanView(holds[6]!.fanId).holds[0]!.status).toBe('paymentPending');
    expect(checkInvariants(d.journal)).toEqual([]);
  });

  it('opens again when a probe fails', () => {
    const d = new Driver(config({ channels: [{ name: 'card' }] }));
    const holds = holding(d, 6);
    openCard(d, holds);
    d.advance(BREAKER.openMs);
    pay(d, holds[4]!);
    fail(d, holds[4]!, 'timeout');
    d.advance(SECOND);
    expect(breakerEntries(d).map((e) => e.state)).toEqual(['open', 'halfOpen', 'open']);
  });

  it("measures a notification's lag from the provider's own instant, journaled with the outcome", () => {
    const d = new Driver(config({ channels: [{ name: 'card' }] }));
    const [hold] = holding(d, 1);
    pay(d, hold!);
    d.advance(5 * SECOND);
    d.exec({ type: 'confirmPurchase', holdId: hold!.holdId, paymentId: `p-${hold!.holdId}`, providerAt: d.clock.now() - 1_500 });
    expect(d.journal.at(-1)).toMatchObject({ type: 'purchased', providerAt: d.clock.now() - 1_500 });
    expect(channel(d, 'card').window).toMatchObject({ webhookLagMs: 1_500, latencyMs: { mean: 5_000 } });
    expect(errorOf(() => d.exec({ type: 'failPayment', holdId: hold!.holdId, paymentId: 'x', reason: 'r', providerAt: 'yesterday' })).code).toBe('MALFORMED_COMMAND');
  });

  it('times out a payment with no outcome past timeoutMs: a channel failure, no longer in flight; a late success still buys the hold', () => {
    const d = new Driver(config({ channels: [{ name: 'card' }], timeoutMs: 30 * SECOND }));
    const [hold] = holding(d, 1);
    const started = pay(d, hold!);
    d.advance(30 * SECOND);
    expect(d.journal.at(-1)).toMatchObject({ type: 'paymentTimedOut', holdId: hold!.holdId, paymentId: `p-${hold!.holdId}`, channel: 'card' });
    expect(channel(d, 'card')).toMatchObject({ inFlight: 0, window: { timeouts: 1 }, totals: { started: 1, timeouts: 1 } });
    expect(d.confirm(hold!.holdId, started.paymentId)).toMatchObject({ status: 'purchased' });
    expect(channel(d, 'card').totals).toMatchObject({ succeeded: 0, timeouts: 1 });
  });
});

describe('pacing: the payment queue', () => {
  it('bounds the payments in flight by the limit: the next waits in the queue, starts in its turn, and the same pay returns it started', () => {
    const d = new Driver(config({ channels: [{ name: 'card' }] }));
    const holds = holding(d, 22);
    holds.slice(0, 20).forEach((hold) => expect(pay(d, hold).status).toBe('paymentPending'));
    const queued = pay(d, holds[20]!);
    expect(queued).toMatchObject({ status: 'paymentQueued', paymentQueueNumber: 1 });
    expect(queued.channel).toBeUndefined();
    expect(pay(d, holds[21]!).paymentQueueNumber).toBe(2);
    expect(d.status().payments.queue).toEqual({ waiting: 2, lastNumber: 2, serving: 0 });
    expect(d.status().holds).toMatchObject({ paymentPending: 22, paymentQueued: 2 });

    d.confirm(holds[0]!.holdId, `p-${holds[0]!.holdId}`);
    const mark = d.journal.length;
    d.advance(SECOND);
    expect(d.entriesSince(mark).filter((e) => e.type === 'paymentStarted')).toEqual([{
      type: 'paymentStarted', at: d.clock.now(), holdId: holds[20]!.holdId, key: `pay:${holds[20]!.holdId}`, paymentId: `p-${holds[20]!.holdId}`,
      pendingUntil: d.clock.now() + PENDING_MAX, channel: 'card', queued: true,
    }]);
    expect(d.status().payments.queue).toEqual({ waiting: 1, lastNumber: 2, serving: 1 });
    // The fan's page, told, sends the same pay again: the same attempt, now with its channel.
    expect(pay(d, holds[20]!)).toMatchObject({ status: 'paymentPending', paymentId: `p-${holds[20]!.holdId}`, channel: 'card' });
  });

  it('queues behind payments already waiting even when a slot is free, and a second pay with another key is refused', () => {
    const d = new Driver(config({ channels: [{ name: 'card' }] }));
    const holds = holding(d, 23);
    holds.slice(0, 21).forEach((hold) => pay(d, hold));
    d.confirm(holds[0]!.holdId, `p-${holds[0]!.holdId}`); // a slot frees before the tick
    expect(pay(d, holds[21]!).status).toBe('paymentQueued');
    expect(errorOf(() => pay(d, holds[21]!, { key: 'another' })).code).toBe('HOLD_NOT_ACTIVE');
    expect(checkInvariants(d.journal)).toEqual([]);
  });

  it("pauses a queued hold's clock up to queuePauseMaxMs, then its window runs again: it expires then, leaving the queue", () => {
    const pause = 2 * MINUTE;
    const d = new Driver(config({ channels: [{ name: 'card' }], queuePauseMaxMs: pause }));
    const holds = holding(d, 21);
    holds.slice(0, 20).forEach((hold) => pay(d, hold));
    d.advance(MINUTE);
    const queuedAt = d.clock.now();
    const queued = pay(d, holds[20]!);
    const left = holds[20]!.expiresAt - queuedAt;
    expect(queued.pendingUntil).toBe(queuedAt + pause + left);
    d.at(holds[20]!.expiresAt + SECOND); // the window alone would have ended
    expect(d.fanView(holds[20]!.fanId).holds[0]!.status).toBe('paymentQueued');
    d.at(queuedAt + pause + left);
    expect(d.fanView(holds[20]!.fanId).holds[0]!.status).toBe('expired');
    expect(d.status().payments.queue.waiting).toBe(0);
    expect(checkInvariants(d.journal)).toEqual([]);
  });

  it('a payment started from the queue after the pause keeps only the window it has left: a failure gives back that much', () => {
    const pause = 30 * SECOND;
    const d = new Driver(config({ channels: [{ name: 'card' }], queuePauseMaxMs: pause }));
    const holds = holding(d, 21);
    holds.slice(0, 20).forEach((hold) => pay(d, hold));
    const queuedAt = d.clock.now();
    pay(d, holds[20]!);
    const left = holds[20]!.expiresAt - queuedAt;
    d.at(queuedAt + pause + MINUTE); // a minute of the window spent in the queue
    fail(d, holds[0]!);
    d.advance(SECOND);
    const startedAt = d.clock.now();
    fail(d, holds[20]!);
    expect(d.fanView(holds[20]!.fanId).holds[0]).toMatchObject({ status: 'held', expiresAt: startedAt + left - (startedAt - queuedAt - pause) });
  });

  it("a late success of an earlier attempt buys a hold whose retry is still queued: the queued payment never reached a provider", () => {
    const d = new Driver(config({ channels: [{ name: 'card' }] }));
    const holds = holding(d, 21);
    holds.slice(0, 20).forEach((hold) => pay(d, hold));
    const target = holds[0]!;
    fail(d, target, 'error');
    holds.slice(20).forEach((hold) => pay(d, hold)); // takes the freed slot: the retry waits in the queue
    d.exec({ type: 'startPayment', fanId: target.fanId, holdId: target.holdId, paymentId: 'retry', key: 'retry' });
    expect(d.fanView(target.fanId).holds[0]!.status).toBe('paymentQueued');
    expect(d.confirm(target.holdId, `p-${target.holdId}`)).toMatchObject({ status: 'purchased', paymentId: `p-${target.holdId}` });
    expect(d.status().payments.queue.waiting).toBe(0);
    d.advance(SECOND);
    expect(d.journal.some((e) => e.type === 'paymentStarted' && e.paymentId === 'retry')).toBe(false);
    expect(checkInvariants(d.journal)).toEqual([]);
  });

  it('paces starts to a declared capacity: one second of it at once, then its rate', () => {
    const d = new Driver(config({ channels: [{ name: 'card', capacityPerSec: 2 }] }));
    const holds = holding(d, 6);
    // capacity 2/s and a burst of one second: three at once (the third is due within the second)
    expect(holds.map((hold) => pay(d, hold).status)).toEqual(['paymentPending', 'paymentPending', 'paymentPending', 'paymentQueued', 'paymentQueued', 'paymentQueued']);
    d.advance(500);
    expect(d.status().payments.queue.waiting).toBe(2);
    d.advance(500);
    expect(d.status().payments.queue.waiting).toBe(1);
  });

  it('pacing off: every payment starts at once on the first channel offered, whatever its breaker; no breaker changes', () => {
    const d = new Driver(config({ channels: [{ name: 'card' }, { name: 'wallet' }], pacing: 'off' }));
    const holds = holding(d, 30);
    holds.slice(0, 4).forEach((hold) => pay(d, hold));
    holds.slice(0, 4).forEach((hold) => fail(d, hold, 'error'));
    d.advance(SECOND);
    expect(holds.slice(4).map((hold) => pay(d, hold).channel)).toEqual(Array(26).fill('card'));
    expect(breakerEntries(d)).toEqual([]);
    expect(channel(d, 'card')).toMatchObject({ breaker: 'closed', window: { errors: 4 } });
  });

  it('turning pacing off drains the queue at the next tick', () => {
    const d = new Driver(config({ channels: [{ name: 'card' }] }));
    const holds = holding(d, 25);
    holds.forEach((hold) => pay(d, hold));
    expect(d.status().payments.queue.waiting).toBe(5);
    d.exec({ type: 'updateEvent', patch: { payments: { pacing: 'off' } } });
    d.advance(SECOND);
    expect(d.status().payments.queue.waiting).toBe(0);
    expect(channel(d, 'card').inFlight).toBe(25);
    expect(checkInvariants(d.journal)).toEqual([]);
  });
});

describe('pacing: admission', () => {
  it("admission's payment term is the channels' healthy throughput: nothing while the only channel's breaker is open", () => {
    const d = new Driver(config({ channels: [{ name: 'card', capacityPerSec: 5 }] }));
    const holds = holding(d, 6);
    expect(d.status().payments.healthyPerSec).toBe(5);
    openCard(d, holds);
    expect(d.status().payments.healthyPerSec).toBe(0);
    const before = d.status().admitted;
    d.joinMany(10, 'late');
    d.advance(5 * SECOND);
    expect(d.status().admitted).toBe(before);
  });

  it('pacing off: admission follows only the organizer\'s paymentCapacityPerSec, whatever the channels do', () => {
    const d = new Driver(config({ channels: [{ name: 'card', capacityPerSec: 5 }], pacing: 'off' }));
    const holds = holding(d, 6);
    openCard(d, holds);
    const before = d.status().admitted;
    d.joinMany(10, 'late');
    d.advance(5 * SECOND);
    expect(d.status().admitted).toBe(before + 10);
  });
});

describe('replay', () => {
  it('an event restored from its journal has the same channels, breakers, limits and queue, and goes on deciding the same', () => {
    const d = new Driver(config());
    const holds = holding(d, 40);
    openCard(d, holds);
    holds.slice(4, 30).forEach((hold) => pay(d, hold));
    for (let i = 4; i < 12; i++) d.confirm(holds[i]!.holdId, `p-${holds[i]!.holdId}`);
    d.advance(SECOND);
    const copy = d.restored();
    expect(copy.status().payments).toEqual(d.status().payments);
    const steps = (x: Driver) => {
      holds.slice(30).forEach((hold) => pay(x, hold));
      x.advance(BREAKER.openMs);
      for (let i = 12; i < 20; i++) x.confirm(holds[i]!.holdId, `p-${holds[i]!.holdId}`);
      x.advance(3 * MINUTE);
    };
    const mark = d.journal.length;
    steps(d);
    steps(copy);
    expect(copy.entriesSince(mark)).toEqual(d.entriesSince(mark));
    expect(copy.status().payments).toEqual(d.status().payments);
    expect(d.entriesSince(mark).some((e) => e.type === 'paymentStarted' && e.queued === true)).toBe(true);
    expect(checkInvariants(d.journal)).toEqual([]);
  });
});

describe('the invariant checker', () => {
  const started = (at: number, holdId: string, channel: string, queued?: true): JournalEntry => ({
    type: 'paymentStarted', at, holdId, key: holdId, paymentId: `p-${holdId}`, pendingUntil: at + PENDING_MAX, channel, ...(queued ? { queued } : {}),
  });

  function journalWithHolds(n: number): JournalEntry[] {
    const d = new Driver(config());
    holding(d, n);
    return [...d.journal];
  }

  it('catches a payment started on a channel whose breaker is open, and a probe too many', () => {
    const journal = journalWithHolds(5);
    const at = ON_SALE_AT + 2 * SECOND;
    journal.push({ type: 'channelBreaker', at, channel: 'card', state: 'open', failurePercent: 80 }, started(at, 'h1', 'card'));
    journal.push({ type: 'channelBreaker', at, channel: 'card', state: 'halfOpen', failurePercent: 0 }, started(at, 'h2', 'card'), started(at, 'h3', 'card'), started(at, 'h4', 'card'));
    expect(checkInvariants(journal).map((v) => v.invariant)).toEqual(['paymentOnOpenChannel', 'paymentOnOpenChannel']);
  });

  it('catches a payment that jumps the payment queue, and queued payments for the same channels started out of order', () => {
    const journal = journalWithHolds(4);
    const at = ON_SALE_AT + 2 * SECOND;
    const queued = (holdId: string, number: number): JournalEntry => ({
      type: 'paymentQueued', at, holdId, key: holdId, paymentId: `p-${holdId}`, number, channels: ['card', 'wallet'], pausedUntil: at + MINUTE,
    });
    journal.push(queued('h1', 1), queued('h2', 2), started(at, 'h3', 'card'), started(at, 'h2', 'card', true));
    expect(checkInvariants(journal).map((v) => v.invariant)).toEqual(['paymentQueueOrder', 'paymentQueueOrder']);
  });

  it('lets a hold expire out of the queue and the next start', () => {
    const journal = journalWithHolds(3);
    const at = ON_SALE_AT + 2 * SECOND;
    journal.push(
      { type: 'paymentQueued', at, holdId: 'h1', key: 'h1', paymentId: 'p-h1', number: 1, channels: ['card'], pausedUntil: at + MINUTE },
      { type: 'paymentQueued', at, holdId: 'h2', key: 'h2', paymentId: 'p-h2', number: 2, channels: ['card'], pausedUntil: at + MINUTE },
      { type: 'expired', at: at + PAYMENT_WINDOW + MINUTE, holdId: 'h1' },
      started(at + PAYMENT_WINDOW + MINUTE, 'h2', 'card', true),
    );
    expect(checkInvariants(journal)).toEqual([]);
  });
});
