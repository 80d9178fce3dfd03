import { describe, expect, it } from 'vitest';
import { verifyDrawProof } from '../src/fairness/draw-proof.js';
import { Driver, GRACE, HOUR, ON_SALE_AT, PRE_QUEUE_AT, SECOND, gaConfig } from './fixtures.js';

/** Admission held back to `slots` fans at a time, so the queue stays put. */
const withSlots = (slots: number) => new Driver(gaConfig({ admission: { mode: 'concurrency', maxActiveShoppers: slots } }));

/** Fans admitted so far, in admission order, from the journal. */
function admissions(d: Driver): string[] {
  return d.journal.flatMap((e) => (e.type === 'admitted' ? e.fanIds : []));
}

describe('the pre-queue', () => {
  it('is numbered at the on-sale time in the order its draw gives pendingIn("preQueue")', () => {
    const d = withSlots(1);
    d.at(PRE_QUEUE_AT);
    const fans = d.joinMany(10);
    d.leave('fan3');
    for (const fanId of ['fan1', 'fan10']) expect(d.fanView(fanId)).toMatchObject({ number: 0, position: 0, status: 'preQueue' });

    const entries = d.sale.room.pendingIn('preQueue');
    expect(entries).toEqual(fans.filter((f) => f !== 'fan3'));
    expect(d.sale.room.pendingCount('preQueue')).toBe(9);
    d.startSale();

    const order = d.drawOrder(entries);
    expect(order).not.toEqual(entries); // the seed really reorders these ten
    order.forEach((fanId, k) => expect(d.fanView(fanId).number, fanId).toBe(k + 1));
    expect(d.status()).toMatchObject({ lastNumber: 9, nowServing: 1, admitted: 1, waiting: 8 });
    expect(admissions(d)).toEqual([order[0]]);
    expect(d.fanView(order[5]!)).toMatchObject({ number: 6, position: 5, status: 'waiting' });

    // Anyone can check the published proof against the commitment.
    expect(d.sale.drawProof('preQueue')).toMatchObject({ commitment: d.status().commitment, seed: d.status().seed });
    expect(verifyDrawProof(d.sale.drawProof('preQueue'))).toEqual({ ok: true, count: 9 });
  });

  it('fans who join after the start are numbered on arrival behind the pre-queue and admitted first come, first served', () => {
    const d = new Driver(gaConfig({ admission: { mode: 'rate', fansPerMinute: 60 } }));
    d.at(PRE_QUEUE_AT);
    d.joinMany(2, 'early');
    d.startSale();
    expect(d.join('late1').number).toBe(3);
    expect(d.join('late2').number).toBe(4);
    expect(d.join('late3').number).toBe(5);
    for (let s = 1; s <= 5; s++) d.advance(SECOND);

    expect(admissions(d)).toEqual([...d.drawOrder(['early1', 'early2']), 'late1', 'late2', 'late3']);
  });
});

describe('places', () => {
  it('joining again returns the same place and records nothing', () => {
    const d = withSlots(1);
    d.at(PRE_QUEUE_AT);
    expect(d.join('fan1')).toMatchObject({ number: 0, status: 'preQueue' });
    const length = d.journal.length;
    expect(d.join('fan1')).toMatchObject({ number: 0, status: 'preQueue' });
    expect(d.journal).toHaveLength(length);

    d.startSale();
    d.join('fan2');
    const first = d.join('fan3');
    expect(d.join('fan3')).toEqual(first);
    expect(first).toMatchObject({ number: 3, position: 2, status: 'waiting', nowServing: 1 });
  });

  it('an admitted fan joining again gets the admission back', () => {
    const d = withSlots(1);
    d.startSale();
    d.join('fan1');
    d.advance(SECOND);
    expect(d.join('fan1')).toMatchObject({ number: 1, position: 0, status: 'admitted', grant: { grantId: 'g1' } });
  });

  it('leave gives the place up; leaving again is NOT_IN_QUEUE', () => {
    const d = withSlots(1);
    d.startSale();
    d.joinMany(2);
    const mark = d.journal.length;
    d.leave('fan1');
    expect(d.entriesSince(mark)).toEqual([{ type: 'left', at: ON_SALE_AT, fanId: 'fan1', reason: 'left' }]);
    expect(d.status().waiting).toBe(1);

    const err = d.rejects(() => d.leave('fan1'), 'NOT_IN_QUEUE');
    expect(err.details).toEqual({ fanId: 'fan1' });
    d.rejects(() => d.presence('fan1', false), 'NOT_IN_QUEUE');
    d.rejects(() => d.leave('nobody'), 'NOT_IN_QUEUE');

    d.advance(SECOND);
    expect(admissions(d)).toEqual(['fan2']);
  });

  it('rejoining after leaving gets a new place at the back', () => {
    const d = withSlots(1);
    d.startSale();
    d.exec({ type: 'pause' });
    d.joinMany(3);
    d.leave('fan2');
    expect(d.join('fan2')).toMatchObject({ number: 4, position: 4, status: 'waiting' });

    d.exec({ type: 'resume' });
    d.advance(SECOND);
    d.leave('fan1'); // frees the only slot
    d.advance(SECOND);
    d.leave('fan3');
    d.advance(SECOND);
    expect(admissions(d)).toEqual(['fan1', 'fan3', 'fan2']);
  });

  it('position is number − nowServing', () => {
    const d = withSlots(2);
    d.startSale();
    d.joinMany(5);
    d.advance(SECOND);
    expect(d.status()).toMatchObject({ nowServing: 2, lastNumber: 5, waiting: 3 });
    expect(d.join('fan3')).toMatchObject({ number: 3, position: 1, nowServing: 2 });
    expect(d.join('fan5')).toMatchObject({ number: 5, position: 3, nowServing: 2 });

    // Fans ahead who leave still count until the cursor passes them.
    d.leave('fan3');
    expect(d.join('fan5').position).toBe(3);
    d.leave('fan1');
    d.advance(SECOND); // fan4 is admitted, passing over fan3
    expect(d.join('fan5')).toMatchObject({ number: 5, position: 1, nowServing: 4 });
  });
});

describe('presence', () => {
  it('a fan gone longer than the grace period loses the place, and the admission goes to the next fan', () => {
    const d = withSlots(1);
    d.startSale();
    d.joinMany(3);
    d.presence('fan1', false);
    expect(d.journal.at(-1)).toEqual({ type: 'presence', at: ON_SALE_AT, fanId: 'fan1', connected: false });

    const mark = d.journal.length;
    d.at(ON_SALE_AT + GRACE + 1);
    expect(d.entriesSince(mark)).toEqual([
      { type: 'left', at: ON_SALE_AT + GRACE + 1, fanId: 'fan1', reason: 'presenceLost' },
      { type: 'admitted', at: ON_SALE_AT + GRACE + 1, fanIds: ['fan2'], firstGrant: 1, grantExpiresAt: ON_SALE_AT + GRACE + 1 + 2 * 60 * SECOND },
    ]);
    d.rejects(() => d.leave('fan1'), 'NOT_IN_QUEUE');
    expect(d.join('fan1')).toMatchObject({ number: 4, position: 2, status: 'waiting' });
  });

  it('a fan gone exactly the grace period still has the place; one millisecond more and it is lost', () => {
    const d = withSlots(1);
    d.startSale();
    d.join('first');
    d.advance(SECOND); // `first` takes the only slot
    d.join('fan1');
    d.presence('fan1', false);
    d.advance(GRACE);
    expect(d.fanView('fan1').status).toBe('waiting');
    d.advance(1);
    expect(d.fanView('fan1').status).toBe('lost');
  });

  it('a disconnection at clock time 0 counts like any other', () => {
    const d = new Driver(gaConfig({ preQueueOpensAt: 0, onSaleAt: 60 * SECOND, closesAt: HOUR }), { now: 0 });
    d.join('fan1');
    d.presence('fan1', false);
    expect(d.journal.at(-1)).toEqual({ type: 'presence', at: 0, fanId: 'fan1', connected: false });
    d.advance(GRACE + 1);
    expect(d.fanView('fan1').status).toBe('lost');
  });

  it('a fan who reconnects within the grace period keeps the place', () => {
    const d = withSlots(1);
    d.startSale();
    d.join('first');
    d.advance(SECOND); // `first` takes the only slot
    d.joinMany(2);
    d.presence('fan1', false);
    d.advance(GRACE - SECOND);
    d.presence('fan1', true);
    d.advance(10 * SECOND); // well past the first disconnection's deadline
    expect(d.fanView('fan1')).toMatchObject({ status: 'waiting', position: 1 });

    d.leave('first');
    d.advance(SECOND);
    expect(admissions(d)).toEqual(['first', 'fan1']);
  });

  it('the grace period runs from the latest disconnection', () => {
    const d = withSlots(1);
    d.startSale();
    d.join('first');
    d.advance(SECOND);
    d.join('fan1');
    d.presence('fan1', false);
    d.advance(20 * SECOND);
    d.presence('fan1', true);
    d.presence('fan1', false);
    const droppedAgainAt = d.clock.now();
    d.advance(GRACE - SECOND);
    expect(d.fanView('fan1').status).toBe('waiting');
    d.at(droppedAgainAt + GRACE + 1);
    expect(d.journal.at(-1)).toEqual({ type: 'left', at: droppedAgainAt + GRACE + 1, fanId: 'fan1', reason: 'presenceLost' });
  });

  it('reporting the same presence twice records it once', () => {
    const d = withSlots(1);
    d.startSale();
    d.join('fan1');
    const length = d.journal.length;
    d.presence('fan1', true);
    expect(d.journal).toHaveLength(length);
    d.presence('fan1', false);
    d.presence('fan1', false);
    expect(d.journal).toHaveLength(length + 1);
  });

  it('a pre-queue fan who drops out is left out of the shuffle', () => {
    const d = withSlots(1);
    d.at(PRE_QUEUE_AT);
    d.joinMany(4);
    d.presence('fan2', false);
    d.advance(GRACE + 1);
    expect(d.journal.at(-1)).toMatchObject({ type: 'left', fanId: 'fan2', reason: 'presenceLost' });
    d.startSale();
    expect(d.journal.find((e) => e.type === 'drawn')).toMatchObject({ draw: 'preQueue', count: 3 });
    const order = d.drawOrder(['fan1', 'fan3', 'fan4']);
    order.forEach((fanId, k) => expect(d.fanView(fanId).number).toBe(k + 1));
  });

  it('an admitted fan does not lose the admission by disconnecting', () => {
    const d = withSlots(1);
    d.startSale();
    d.joinMany(2);
    d.advance(SECOND);
    d.presence('fan1', false);
    d.advance(GRACE + SECOND);
    expect(d.fanView('fan1')).toMatchObject({ status: 'admitted', grant: { grantId: 'g1' } });
    expect(d.journal.some((e) => e.type === 'left')).toBe(false);
  });
});
