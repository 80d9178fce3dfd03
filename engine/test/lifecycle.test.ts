import { describe, expect, it } from 'vitest';
import { commitmentOf } from '../src/fairness/shuffle.js';
import type { Phase } from '../src/lifecycle/sale-machine.js';
import {
  CLOSES_AT, Driver, GRANT_TTL, HOUR, MINUTE, ON_SALE_AT, PRE_QUEUE_AT, SECOND, SEED, T0, TEST_SEEDS, gaConfig,
} from './fixtures.js';

describe('draft and scheduled', () => {
  it('starts in draft; publishing schedules it', () => {
    const d = new Driver(gaConfig(), { publish: false });
    expect(d.phase).toBe('draft');
    expect(d.typesSince(0)).toEqual(['created']);

    d.exec({ type: 'publish' });
    expect(d.phase).toBe('scheduled');
    expect(d.entriesSince(1)).toEqual([{ type: 'published', at: T0 }]);
  });

  it('time does not move a draft; publishing late catches up with the schedule at once', () => {
    const d = new Driver(gaConfig(), { publish: false });
    d.at(ON_SALE_AT + MINUTE);
    expect(d.phase).toBe('draft');
    expect(d.journal).toHaveLength(1);

    d.exec({ type: 'publish' });
    expect(d.phase).toBe('onSale');
    expect(d.typesSince(1)).toEqual(['published', 'preQueueOpened', 'saleStarted', 'drawn']);
  });
});

describe('pre-queue and on-sale', () => {
  it('opens the pre-queue at preQueueOpensAt: commitment published, seed still hidden', () => {
    const d = new Driver();
    d.at(PRE_QUEUE_AT - 1);
    expect(d.phase).toBe('scheduled');
    expect(d.status().commitment).toBeUndefined();

    d.at(PRE_QUEUE_AT);
    expect(d.phase).toBe('preQueue');
    expect(d.status().commitment).toBe(commitmentOf(SEED));
    expect(d.status().seed).toBeUndefined();
    // The seed is in the journal only sealed by the host's vault: neither in hex nor in any other form of its bytes.
    expect(d.journal.at(-1)).toEqual({ type: 'preQueueOpened', at: PRE_QUEUE_AT, commitment: commitmentOf(SEED), sealedSeed: TEST_SEEDS.seal(SEED) });
    const written = JSON.stringify(d.journal);
    for (const form of [SEED, SEED.toUpperCase(), Buffer.from(SEED, 'hex').toString('base64'), Buffer.from(SEED, 'hex').toString('base64url')]) expect(written).not.toContain(form);
    expect(TEST_SEEDS.open(TEST_SEEDS.seal(SEED))).toBe(SEED);
    expect(d.join('fan1')).toMatchObject({ number: 0, position: 0, status: 'preQueue', phase: 'preQueue' });
  });

  it('starts the sale at onSaleAt and, with no start window, draws the pre-queue then, revealing the seed behind the commitment', () => {
    const d = new Driver();
    d.at(PRE_QUEUE_AT);
    d.joinMany(3);
    d.at(ON_SALE_AT - 1);
    expect(d.phase).toBe('preQueue');
    expect(d.status().seed).toBeUndefined();

    const mark = d.journal.length;
    d.at(ON_SALE_AT);
    expect(d.phase).toBe('onSale');
    const { seed, commitment } = d.status();
    expect(seed).toBe(SEED);
    expect(commitmentOf(seed!)).toBe(commitment);
    expect(d.entriesSince(mark).slice(0, 2)).toEqual([
      { type: 'saleStarted', at: ON_SALE_AT },
      { type: 'drawn', at: ON_SALE_AT, draw: 'preQueue', seed: SEED, count: 3 },
    ]);
    expect(d.typesSince(mark)).toEqual(['saleStarted', 'drawn', 'admitted']);
  });
});

describe('pause and resume', () => {
  const concurrency2 = () => new Driver(gaConfig({ admission: { mode: 'concurrency', maxActiveShoppers: 2 } }));

  it('admits nobody while paused, and again from the first tick after resuming', () => {
    const d = concurrency2();
    d.startSale();
    d.exec({ type: 'pause' });
    expect(d.phase).toBe('paused');
    expect(d.journal.at(-1)).toEqual({ type: 'paused', at: ON_SALE_AT });

    d.joinMany(3);
    d.advance(10 * SECOND).advance(10 * SECOND);
    expect(d.status()).toMatchObject({ admitted: 0, waiting: 3, openGrants: 0 });

    d.exec({ type: 'resume' });
    expect(d.phase).toBe('onSale');
    expect(d.journal.at(-1)).toEqual({ type: 'resumed', at: ON_SALE_AT + 20 * SECOND });
    expect(d.status().admitted).toBe(0);

    d.advance(SECOND);
    expect(d.journal.at(-1)).toMatchObject({ type: 'admitted', fanIds: ['fan1', 'fan2'] });
  });

  it('pauses at the on-sale instant, before the tick has started the sale', () => {
    const d = concurrency2();
    d.at(PRE_QUEUE_AT).joinMany(2);
    d.clock.set(ON_SALE_AT);
    d.exec({ type: 'pause' });
    expect(d.phase).toBe('paused');
    expect(d.typesSince(0).slice(-3)).toEqual(['saleStarted', 'drawn', 'paused']);
    d.advance(SECOND);
    expect(d.status().admitted).toBe(0);
  });

  it('lets fans admitted before the pause hold and pay while paused', () => {
    const d = concurrency2();
    d.startSale();
    d.joinMany(3);
    d.advance(SECOND);
    d.exec({ type: 'pause' });

    const hold = d.holdTickets('fan1', 2);
    expect(hold.status).toBe('held');
    d.startPayment('fan1', hold.holdId);
    expect(d.confirm(hold.holdId).status).toBe('purchased');
    d.advance(MINUTE);
    expect(d.phase).toBe('paused');
    // fan1's slot is free again, but the pause keeps fan3 waiting.
    expect(d.status()).toMatchObject({ admitted: 2, waiting: 1, tickets: { free: 98, held: 0, sold: 2 } });
  });
});

describe('all taken, then sold out for good', () => {
  it('is not sold out while a payment in flight can still fail; sold out for good the moment nothing can come back', () => {
    const d = new Driver(gaConfig({ quantity: 4 }));
    d.startSale();
    d.joinMany(2);
    d.advance(SECOND); // 4 tickets, limit 4: fan1 alone is admitted, fan2 stands by
    const hold = d.holdTickets('fan1', 4);
    d.advance(MINUTE);
    d.startPayment('fan1', hold.holdId);
    expect(d.phase).toBe('onSale');
    expect(d.status().waitlist).toMatchObject({ state: 'open', standby: 1, waitlisted: 0 });

    const mark = d.journal.length;
    d.confirm(hold.holdId);
    expect(d.typesSince(mark)).toEqual(['purchased', 'soldOut']);
    expect(d.phase).toBe('soldOut');
    expect(d.status().soldOutAt).toBe(d.clock.now());
    expect(d.join('fan2')).toMatchObject({ phase: 'soldOut', status: 'waiting' });
  });

  it('is not sold out while an admitted fan may still hold: only once its grant lapses', () => {
    const d = new Driver(gaConfig({ quantity: 4 }));
    d.startSale();
    d.joinMany(2);
    d.advance(SECOND);
    const hold = d.holdTickets('fan1', 4);
    d.at(hold.expiresAt - 15 * SECOND); // fan2 admitted against the hold about to expire ...
    expect(d.fanView('fan2').grant).toBeDefined();
    d.startPayment('fan1', hold.holdId);
    d.confirm(hold.holdId); // ... which is bought instead
    expect(d.phase).toBe('onSale');

    const mark = d.journal.length;
    d.advance(GRANT_TTL);
    expect(d.typesSince(mark)).toEqual(['grantExpired', 'soldOut']);
  });

  it('a failed payment and an expired hold go to the standby fan', () => {
    const d = new Driver(gaConfig({ quantity: 4 }));
    d.startSale();
    d.joinMany(2);
    d.advance(SECOND);
    const t1 = d.clock.now();
    const hold = d.holdTickets('fan1', 4);
    d.advance(MINUTE);
    d.startPayment('fan1', hold.holdId);
    d.advance(MINUTE);
    // 4 of the 5 minutes were left when the payment started.
    expect(d.failPayment(hold.holdId)).toMatchObject({ status: 'held', expiresAt: t1 + 2 * MINUTE + 4 * MINUTE });
    const mark = d.journal.length;
    d.at(t1 + 6 * MINUTE);
    expect(d.typesSince(mark)).toEqual(['expired', 'admitted']);
    expect(d.journal.at(-1)).toMatchObject({ fanIds: ['fan2'] });
    expect(d.phase).toBe('onSale');
  });

  it('reopens when the organizer raises a tier capacity', () => {
    const d = new Driver(gaConfig({ quantity: 4 }));
    d.startSale();
    d.joinMany(2);
    d.advance(SECOND);
    d.buy('fan1', 4);
    expect(d.phase).toBe('soldOut');

    const mark = d.journal.length;
    d.exec({ type: 'updateEvent', patch: { inventory: { tiers: [{ id: 'ga', name: 'General admission', price: 5_000, quantity: 6 }] } } });
    expect(d.typesSince(mark).slice(0, 4)).toEqual(['configUpdated', 'waitlistEnded', 'reopened', 'admitted']);
    expect(d.journal[mark + 3]).toMatchObject({ fanIds: ['fan2'] });
    expect(d.phase).toBe('onSale');
    expect(d.status().tickets).toEqual({ free: 2, held: 0, sold: 4 });
    expect(d.status().soldOutAt).toBeUndefined();
  });

  it('a sale paused when it sold out is still paused when it reopens', () => {
    const d = new Driver(gaConfig({ quantity: 4 }));
    d.startSale();
    d.joinMany(2);
    d.advance(SECOND);
    const hold = d.holdTickets('fan1', 4);
    d.exec({ type: 'pause' });
    d.startPayment('fan1', hold.holdId);
    d.confirm(hold.holdId);
    expect(d.phase).toBe('soldOut');

    const mark = d.journal.length;
    d.exec({ type: 'updateEvent', patch: { inventory: { tiers: [{ id: 'ga', name: 'General admission', price: 5_000, quantity: 6 }] } } });
    expect(d.typesSince(mark)).toEqual(['configUpdated', 'waitlistEnded', 'reopened', 'paused']);
    expect(d.phase).toBe('paused');
    expect(d.status()).toMatchObject({ waiting: 1, openGrants: 0 });

    d.exec({ type: 'resume' });
    d.advance(SECOND);
    expect(d.journal.find((e) => e.type === 'admitted' && e.fanIds[0] === 'fan2')).toBeDefined();
  });
});

describe('closed', () => {
  it('closes at closesAt; a payment in flight can still complete, nobody can join or hold', () => {
    const closesAt = ON_SALE_AT + 5 * MINUTE;
    const d = new Driver(gaConfig({ closesAt, grantTtlMs: 10 * MINUTE }));
    d.startSale();
    d.joinMany(2);
    d.advance(SECOND);
    const paying = d.holdTickets('fan1', 2);
    d.advance(3 * MINUTE);
    d.startPayment('fan1', paying.holdId);

    d.at(closesAt - 1);
    expect(d.phase).toBe('onSale');
    d.at(closesAt);
    expect(d.phase).toBe('closed');
    expect(d.journal.at(-1)).toEqual({ type: 'closed', at: closesAt });

    expect(d.confirm(paying.holdId).status).toBe('purchased');
    d.rejects(() => d.join('late'), 'WRONG_PHASE');
    const grantId = d.grantOf('fan2');
    d.rejects(() => d.exec({ type: 'hold', fanId: 'fan2', grantId, key: 'k', request: { kind: 'tickets', tierId: 'ga', quantity: 1 } }), 'WRONG_PHASE');
  });

  it('the organizer can close early', () => {
    const d = new Driver();
    d.startSale();
    d.exec({ type: 'close' });
    expect(d.phase).toBe('closed');
    expect(d.journal.at(-1)).toEqual({ type: 'closed', at: ON_SALE_AT });
    d.at(CLOSES_AT);
    expect(d.journal.at(-1)).toEqual({ type: 'closed', at: ON_SALE_AT });
  });
});

describe('wrong phase', () => {
  /** A driver whose event is in `phase`, with fan1 admitted (grant g1) where the phase allows it. */
  function inPhase(phase: Phase): Driver {
    const d = new Driver(gaConfig({ quantity: 4 }), { publish: phase !== 'draft' });
    if (phase === 'draft' || phase === 'scheduled') return d;
    d.at(PRE_QUEUE_AT);
    if (phase === 'preQueue') return d;
    d.startSale();
    d.join('fan1');
    d.advance(SECOND);
    if (phase === 'paused') d.exec({ type: 'pause' });
    if (phase === 'soldOut') d.buy('fan1', 4);
    if (phase === 'closed') d.exec({ type: 'close' });
    expect(d.phase).toBe(phase);
    return d;
  }

  const hold = { type: 'hold', fanId: 'fan1', grantId: 'g1', key: 'k1', request: { kind: 'tickets', tierId: 'ga', quantity: 1 } };
  const cases: Array<[Phase, Array<Record<string, unknown>>]> = [
    ['draft', [{ type: 'join', fanId: 'x' }, { type: 'pause' }, { type: 'resume' }, hold]],
    // Before the sale a pause holds its start (see "pausing before the on-sale"): resuming what is not paused is wrong.
    ['scheduled', [{ type: 'publish' }, { type: 'join', fanId: 'x' }, { type: 'resume' }, hold]],
    ['preQueue', [{ type: 'publish' }, { type: 'resume' }, hold]],
    ['onSale', [{ type: 'publish' }, { type: 'resume' }]],
    ['paused', [{ type: 'publish' }, { type: 'pause' }]],
    ['soldOut', [{ type: 'publish' }, { type: 'pause' }, { type: 'resume' }]],
    ['closed', [{ type: 'publish' }, { type: 'pause' }, { type: 'resume' }, { type: 'close' }, { type: 'join', fanId: 'x' }, hold]],
  ];

  it.each(cases)('in %s the wrong commands get WRONG_PHASE and change nothing', (phase, commands) => {
    const d = inPhase(phase);
    for (const command of commands) {
      const err = d.rejects(() => d.exec(command), 'WRONG_PHASE');
      expect(err.status).toBe(409);
      expect(err.details.phase).toBe(phase);
    }
    expect(d.phase).toBe(phase);
  });

  it('a hold once sold out is SOLD_OUT, not WRONG_PHASE', () => {
    const d = new Driver(gaConfig({ quantity: 4 }));
    d.startSale();
    d.joinMany(2);
    d.advance(SECOND);
    const first = d.holdTickets('fan1', 4);
    // fan2 is admitted against the hold about to expire ...
    d.at(first.expiresAt - 15 * SECOND);
    const grantId = d.grantOf('fan2');
    // ... which is bought instead.
    d.startPayment('fan1', first.holdId);
    d.confirm(first.holdId);
    // ... and its grant lapses: only then can nothing come back.
    d.advance(GRANT_TTL);
    expect(d.phase).toBe('soldOut');
    d.rejects(() => d.hold('fan2', { kind: 'tickets', tierId: 'ga', quantity: 1 }, { grantId }), 'SOLD_OUT');
  });
});

describe('clock jumps', () => {
  it('a jump from scheduled past the on-sale time lands on sale, passing through the pre-queue', () => {
    const d = new Driver();
    d.at(ON_SALE_AT + 5 * MINUTE);
    expect(d.phase).toBe('onSale');
    expect(d.entriesSince(2)).toEqual([
      { type: 'preQueueOpened', at: ON_SALE_AT + 5 * MINUTE, commitment: commitmentOf(SEED), sealedSeed: TEST_SEEDS.seal(SEED) },
      { type: 'saleStarted', at: ON_SALE_AT + 5 * MINUTE },
      { type: 'drawn', at: ON_SALE_AT + 5 * MINUTE, draw: 'preQueue', seed: SEED, count: 0 },
    ]);
  });

  it('a jump from scheduled past closesAt lands closed', () => {
    const d = new Driver();
    d.at(CLOSES_AT + HOUR);
    expect(d.phase).toBe('closed');
    expect(d.typesSince(2)).toEqual(['preQueueOpened', 'saleStarted', 'drawn', 'closed']);
  });

  it('a jump on sale past closesAt closes, then ends every hold and grant that came due', () => {
    const d = new Driver(gaConfig({ admission: { mode: 'concurrency', maxActiveShoppers: 2 } }));
    d.startSale();
    d.joinMany(3);
    d.advance(SECOND);
    const hold = d.holdTickets('fan1', 3);
    const mark = d.journal.length;
    d.at(CLOSES_AT + 1);
    expect(d.entriesSince(mark)).toEqual([
      { type: 'closed', at: CLOSES_AT + 1 },
      { type: 'expired', at: CLOSES_AT + 1, holdId: hold.holdId },
      { type: 'grantExpired', at: CLOSES_AT + 1, fanId: 'fan2', grantId: 'g2' },
    ]);
    expect(d.status()).toMatchObject({ phase: 'closed', waiting: 1, openGrants: 0, tickets: { free: 100, held: 0, sold: 0 } });
  });

  it('a fan joining after onSaleAt, before any tick, fires the due phase changes first and is not shuffled', () => {
    const d = new Driver();
    d.at(PRE_QUEUE_AT);
    d.join('early');
    d.clock.set(ON_SALE_AT + 1);
    const mark = d.journal.length;
    expect(d.join('late')).toMatchObject({ number: 2, position: 2, status: 'waiting', phase: 'onSale' });
    expect(d.typesSince(mark)).toEqual(['saleStarted', 'drawn', 'joined']);
    expect(d.fanView('early').number).toBe(1);
  });

  it('a fan command refused at a due phase change records nothing; the next tick records the change', () => {
    const d = new Driver();
    d.clock.set(CLOSES_AT);
    const err = d.rejects(() => d.join('late'), 'WRONG_PHASE');
    expect(err.details.phase).toBe('closed');
    expect(d.phase).toBe('scheduled');
    d.advance(0);
    expect(d.typesSince(2)).toEqual(['preQueueOpened', 'saleStarted', 'drawn', 'closed']);
  });

  it('a hold refused right after the on-sale time does not record the start of the sale', () => {
    const d = new Driver();
    d.at(PRE_QUEUE_AT);
    d.join('fan1');
    d.clock.set(ON_SALE_AT);
    d.rejects(() => d.hold('fan1', { kind: 'tickets', tierId: 'ga', quantity: 1 }, { grantId: 'g1' }), 'GRANT_INVALID');
    expect(d.phase).toBe('preQueue');
  });
});
