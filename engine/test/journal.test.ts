import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../src/engine.js';
import { checkInvariants } from '../src/invariants.js';
import type { JournalEntryType } from '../src/journal/entries.js';
import { DurableJournal } from '../stores/durable-journal.js';
import {
  Driver, GRACE, GRANT_TTL, HOUR, MINUTE, ON_SALE_AT, PAYMENT_WINDOW, PRE_QUEUE_AT, SECOND, T0, TEST_SEEDS, countingBytes, deterministicBytes, gaConfig, venue,
} from './fixtures.js';
import { fileStores, memoryStores, redisStores } from './stores/event-store-fixtures.js';

const E = 'busy-night';
/** 4 GA tickets, 4 seats of category A, 2 of B; 2 tickets a fan; 4 shoppers at a time; no waitlist (the waitlist scenario below has one). */
const config = () => gaConfig({
  id: E,
  inventory: { tiers: [{ id: 'ga', name: 'General admission', price: 5_000, quantity: 4 }], sections: [venue({ 1: 'AAAA', 2: 'BB' })] },
  maxTicketsPerFan: 2,
  admission: { mode: 'auto', maxActiveShoppers: 4 },
  waitlist: { enabled: false },
});

/** The k-th fan of the shuffled pre-queue, as admitted at the on-sale time. */
function pre(d: Driver, k: number): string {
  const first = d.journal.find((e) => e.type === 'admitted');
  if (first?.type !== 'admitted') throw new Error('nobody admitted yet');
  return first.fanIds[k]!;
}
const expiryOf = (d: Driver, fanId: string, holdId: string): number => d.fanView(fanId).holds.find((h) => h.holdId === holdId)!.expiresAt;

/** A sale that goes through everything, one small step at a time. */
const steps: Array<[label: string, run: (d: Driver) => void]> = [
  ['six fans join the pre-queue', (d) => {
    d.at(PRE_QUEUE_AT);
    d.joinMany(6, 'p');
  }],
  ['the organizer pauses before the sale, puts a message up for the queue, and resumes', (d) => {
    d.exec({ type: 'pause' });
    d.exec({ type: 'announce', text: 'Two tickets per fan tonight' });
    d.exec({ type: 'resume' });
  }],
  ['p2 leaves, p3 and p4 drop', (d) => {
    d.leave('p2');
    d.presence('p3', false);
    d.presence('p4', false);
  }],
  ['p4 comes back within the grace period', (d) => {
    d.advance(10 * SECOND);
    d.presence('p4', true);
  }],
  ['p3 is lost', (d) => {
    d.advance(GRACE);
  }],
  ['the sale starts: four fans admitted in shuffled order', (d) => {
    d.startSale();
    expect(d.journal.at(-1)).toMatchObject({ type: 'admitted', firstGrant: 1 });
  }],
  ['late fans join, w2 leaves', (d) => {
    d.joinMany(4, 'w');
    d.leave('w2');
  }],
  ['the first fan holds 2 GA and extends', (d) => {
    d.hold(pre(d, 0), { kind: 'tickets', tierId: 'ga', quantity: 2 }, { key: 'first-hold' });
    d.extend(pre(d, 0), 'h1');
  }],
  ['the second holds the best 2 A seats and starts paying', (d) => {
    d.hold(pre(d, 1), { kind: 'best', category: 'A', quantity: 2 });
    d.startPayment(pre(d, 1), 'h2', 'pay-h2-a');
  }],
  ['the third holds both B seats, the fourth 2 GA', (d) => {
    d.hold(pre(d, 2), { kind: 'seats', seatIds: ['S-2-1', 'S-2-2'] });
    d.holdTickets(pre(d, 3), 2);
  }],
  ['the first buys', (d) => {
    d.advance(SECOND);
    d.startPayment(pre(d, 0), 'h1');
    d.confirm('h1');
  }],
  ['the third releases the B seats', (d) => {
    d.release(pre(d, 2), 'h3');
  }],
  ['the next tick admits w1 and w3', (d) => {
    d.at(ON_SALE_AT + 10 * SECOND);
    expect(d.journal.at(-1)).toMatchObject({ type: 'admitted', fanIds: ['w1', 'w3'] });
  }],
  ['w1 drops but keeps the admission, and buys both B seats', (d) => {
    d.presence('w1', false);
    d.hold('w1', { kind: 'best', category: 'B', quantity: 2 });
    d.startPayment('w1', 'h5');
    d.confirm('h5');
  }],
  ['the organizer pauses for a minute', (d) => {
    d.exec({ type: 'pause' });
    d.advance(MINUTE);
    d.exec({ type: 'resume' });
  }],
  ["the second fan's payment fails", (d) => {
    d.failPayment('h2', 'pay-h2-a');
  }],
  ["w3's grant expires; w4 is admitted", (d) => {
    d.at(ON_SALE_AT + 10 * SECOND + GRANT_TTL);
    expect(d.typesSince(d.journal.length - 2)).toEqual(['grantExpired', 'admitted']);
  }],
  ['w4 holds the last 2 A seats and buys them', (d) => {
    d.hold('w4', { kind: 'best', category: 'A', quantity: 2 });
    d.startPayment('w4', 'h6');
    d.confirm('h6');
  }],
  ['the fourth buys', (d) => {
    d.startPayment(pre(d, 3), 'h4');
    d.confirm('h4');
  }],
  ['the second pays again: every ticket is taken, but that payment can still fail', (d) => {
    d.startPayment(pre(d, 1), 'h2', 'pay-h2-b');
    expect(d.status().tickets.free).toBe(0);
    expect(d.phase).toBe('onSale');
  }],
  ['retries of earlier commands return their first results', (d) => {
    expect(d.hold(pre(d, 0), { kind: 'tickets', tierId: 'ga', quantity: 2 }, { grantId: 'g1', key: 'first-hold' })).toMatchObject({ holdId: 'h1', status: 'held', extended: false });
    expect(d.confirm('h1')).toMatchObject({ holdId: 'h1', status: 'purchased' });
  }],
  ['x1 and x2 join while every ticket is taken', (d) => {
    d.join('x1');
    d.join('x2');
  }],
  ['that payment fails too; the hold expires; x1 is admitted', (d) => {
    d.advance(SECOND);
    d.failPayment('h2', 'pay-h2-b');
    d.at(expiryOf(d, pre(d, 1), 'h2'));
    expect(d.journal.at(-1)).toMatchObject({ type: 'admitted', fanIds: ['x1'] });
  }],
  ['late successes: one for the expired hold, twice, and a second one for a bought hold; the payment side refunds both', (d) => {
    for (let i = 0; i < 2; i++) expect(() => d.exec({ type: 'confirmPurchase', holdId: 'h2', paymentId: 'pay-h2-b' })).toThrow(/expired/i);
    expect(() => d.exec({ type: 'confirmPurchase', holdId: 'h1', paymentId: 'pay-h1-again' })).toThrow(/payment id/i);
    expect(d.journal.slice(-2)).toMatchObject([
      { type: 'refundDue', holdId: 'h2', paymentId: 'pay-h2-b', reason: 'holdEnded' },
      { type: 'refundDue', holdId: 'h1', paymentId: 'pay-h1-again', reason: 'alreadyPaid' },
    ]);
    d.exec({ type: 'recordRefund', holdId: 'h2', paymentId: 'pay-h2-b' });
    d.exec({ type: 'recordRefund', holdId: 'h2', paymentId: 'pay-h2-b' });
    d.exec({ type: 'recordRefund', holdId: 'h1', paymentId: 'pay-h1-again' });
    expect(d.typesSince(d.journal.length - 2)).toEqual(['refunded', 'refunded']);
  }],
  ['x1 holds the 2 A seats', (d) => {
    d.hold('x1', { kind: 'best', category: 'A', quantity: 2 });
  }],
  ['the organizer adds 2 GA tickets: x2 is admitted', (d) => {
    d.advance(SECOND);
    d.exec({ type: 'updateEvent', patch: { inventory: { ...config().inventory, tiers: [{ id: 'ga', name: 'General admission', price: 5_000, quantity: 6 }] } } });
    expect(d.journal.at(-1)).toMatchObject({ type: 'admitted', fanIds: ['x2'] });
  }],
  ['x2 holds 2 GA', (d) => {
    d.holdTickets('x2', 2);
  }],
  ['the organizer closes the sale', (d) => {
    d.exec({ type: 'close' });
  }],
  ['the last holds expire after the close', (d) => {
    d.advance(PAYMENT_WINDOW);
  }],
  ["the organizer cancels w1's order with its refund, and the payment side refunds it", (d) => {
    d.exec({ type: 'cancelOrder', holdId: 'h5', refund: true, reason: 'duplicate' });
    d.exec({ type: 'recordRefund', holdId: 'h5', paymentId: 'pay-h5' });
    expect(d.typesSince(d.journal.length - 3)).toEqual(['orderCancelled', 'refundDue', 'refunded']);
  }],
];

/** The door at work: a start window, budgets tight enough for the slow lane, a re-join after leaving. */
const DOOR_EVENT = 'door-night';
const doorConfig = () => gaConfig({
  id: DOOR_EVENT,
  admission: { mode: 'concurrency', maxActiveShoppers: 2 },
  door: { startWindowMs: 30 * SECOND, joinsPerAddressPerMin: 4, joinsPerSubnetPerMin: 4, slowLaneMaxDelayMs: MINUTE },
});
const joinFrom = (d: Driver, fanId: string, address: string) => d.exec({ type: 'join', fanId, address });
const doorSteps: Array<[label: string, run: (d: Driver) => void]> = [
  ['five fans join the pre-queue from one address: the fifth is in the slow lane, still before the start', (d) => {
    d.at(PRE_QUEUE_AT);
    for (const fanId of ['p1', 'p2', 'p3', 'p4', 'p5']) joinFrom(d, fanId, '198.51.100.7');
    expect(d.journal.at(-1)).toMatchObject({ type: 'joined', draw: 'preQueue', readyAt: PRE_QUEUE_AT + 15 * SECOND });
  }],
  ['the sale starts; six fans of one subnet arrive in the window, two of them over budget', (d) => {
    d.startSale();
    for (const [i, fanId] of ['w1', 'w2', 'w3', 'w4', 'w5', 'w6'].entries()) joinFrom(d, fanId, `203.0.113.${i % 2}`);
    expect(d.journal.at(-1)).toMatchObject({ type: 'joined', fanId: 'w6', readyAt: ON_SALE_AT + 30 * SECOND });
    expect(d.journal.at(-1)).not.toHaveProperty('draw');
    // On sale, yet nobody is numbered or admitted before the draw.
    expect(d.status()).toMatchObject({ lastNumber: 0, admitted: 0 });
  }],
  ['w2 leaves during the window', (d) => {
    d.advance(10 * SECOND);
    d.leave('w2');
  }],
  ['the window closes: the one draw of the pre-queue and the window, then w6 from the slow lane, then the first admissions', (d) => {
    d.at(ON_SALE_AT + 30 * SECOND);
    expect(d.typesSince(d.journal.length - 3)).toEqual(['drawn', 'numbered', 'admitted']);
  }],
  ['a pre-queue fan leaves and joins again: a new place at the back', (d) => {
    d.leave('p3');
    joinFrom(d, 'p3', '198.51.100.7');
  }],
  ['the shoppers buy and the queue moves on', (d) => {
    for (const fanId of d.journal.flatMap((e) => (e.type === 'admitted' ? e.fanIds : []))) {
      if (d.fanView(fanId).grant !== undefined) d.buy(fanId, 1);
    }
    d.advance(SECOND);
  }],
  ['the organizer closes the sale', (d) => {
    d.exec({ type: 'close' });
  }],
];

/** Standby and waitlist: 4 GA tickets, 2 a fan, no standby margin, a minute to answer a call. */
const waitlistConfig = () => gaConfig({
  id: 'waitlist-night',
  quantity: 4,
  maxTicketsPerFan: 2,
  waitlist: { standbyMarginPercent: 0, callAnswerMs: MINUTE },
});
const waitlistSteps: Array<[label: string, run: (d: Driver) => void]> = [
  ['six fans join; two are admitted for all 4 tickets: fan3 and fan4 stand by, fan5 and fan6 are waitlisted', (d) => {
    d.startSale();
    d.joinMany(6);
    d.advance(SECOND);
    expect(d.journal.at(-1)).toMatchObject({ type: 'standby', returnable: 4, standby: 2, waitlistAfter: 4 });
    expect(d.fanView('fan5').waitlisted).toBe(1);
  }],
  ['fan1 buys 2, fan2 holds 2: only 2 tickets can come back, the standby shrinks to fan3', (d) => {
    d.buy('fan1', 2);
    d.holdTickets('fan2', 2);
    d.advance(SECOND); // the standby is decided again on the next tick
    expect(d.journal.findLast((e) => e.type === 'standby')).toMatchObject({ returnable: 2, standby: 1, waitlistAfter: 3 });
  }],
  ['fan6 closes the page and keeps its waitlisted place', (d) => {
    d.presence('fan6', false);
    d.advance(2 * GRACE);
    expect(d.fanView('fan6').status).toBe('waiting');
  }],
  ["fan2's hold expires: the standby fan3 is admitted", (d) => {
    d.advance(PAYMENT_WINDOW);
    expect(d.journal.at(-1)).toMatchObject({ type: 'admitted', fanIds: ['fan3'] });
  }],
  ["fan3's grant lapses: the standby ran dry, fan4 is called", (d) => {
    d.advance(GRANT_TTL);
    expect(d.journal.at(-1)).toMatchObject({ type: 'called', fanIds: ['fan4'] });
    expect(d.fanView('fan4').called).toBe(true);
  }],
  ["fan4's call lapses unanswered: fan5 is called", (d) => {
    d.advance(MINUTE);
    expect(d.typesSince(d.journal.length - 2)).toEqual(['grantExpired', 'called']);
  }],
  ['fan5 buys the last 2: nothing can come back, sold out for good', (d) => {
    d.buy('fan5', 2);
    expect(d.phase).toBe('soldOut');
  }],
  ['x1 joins while sold out', (d) => {
    d.join('x1');
  }],
  ['the organizer adds 2 tickets: the waitlist ends and fan6, still on it, is called', (d) => {
    d.advance(SECOND);
    d.exec({ type: 'updateEvent', patch: { inventory: { tiers: [{ id: 'ga', name: 'General admission', price: 5_000, quantity: 6 }] } } });
    expect(d.typesSince(d.journal.length - 5).slice(0, 3)).toEqual(['configUpdated', 'waitlistEnded', 'reopened']);
    expect(d.journal.find((e) => e.type === 'called' && e.fanIds[0] === 'fan6')).toBeDefined();
  }],
  ['fan6 buys them: sold out again', (d) => {
    d.buy('fan6', 2);
    expect(d.phase).toBe('soldOut');
  }],
  ['the organizer closes the sale', (d) => {
    d.exec({ type: 'close' });
  }],
];

/**
 * The away horizon: 20 GA tickets, 2 a fan, two shoppers at a time, a
 * minute to answer: fans far back close the page and keep their places.
 */
const awayConfig = () => gaConfig({
  id: 'away-night',
  quantity: 20,
  maxTicketsPerFan: 2,
  admission: { mode: 'auto', maxActiveShoppers: 2 },
  // The away horizon alone: with the early waitlist on, fan24 on would be waitlisted instead (earlySteps).
  waitlist: { callAnswerMs: MINUTE, early: false },
});
const awaySteps: Array<[label: string, run: (d: Driver) => void]> = [
  ['thirty fans join; two are admitted; places beyond the horizon may be away', (d) => {
    d.startSale();
    d.joinMany(30);
    d.advance(SECOND);
    expect(d.status().awayAfter).toBeLessThan(25);
  }],
  ['fan25, fan26 and fan27 close the page: kept', (d) => {
    for (const fanId of ['fan25', 'fan26', 'fan27']) d.presence(fanId, false);
    expect(d.journal.filter((e) => e.type === 'presence' && e.keptAway === true)).toHaveLength(3);
  }],
  ['fans ahead leave: the horizon reaches the kept places, their fans are recalled', (d) => {
    for (let n = 3; n <= 20; n++) d.leave(`fan${n}`);
    d.advance(SECOND);
    expect(d.journal.findLast((e) => e.type === 'recalled')).toMatchObject({ fanIds: ['fan25', 'fan26', 'fan27'] });
  }],
  ['fan25 comes back; the shoppers let their grants lapse', (d) => {
    d.presence('fan25', true);
    d.advance(GRANT_TTL);
    d.advance(GRANT_TTL);
  }],
  ['fan26 and fan27 never come back: lost after the answer time, unless called first', (d) => {
    d.advance(MINUTE);
    d.advance(SECOND);
    expect(checkInvariants(d.journal)).toEqual([]);
  }],
  ['the organizer closes the sale', (d) => {
    d.exec({ type: 'close' });
  }],
];

/**
 * The early waitlist: 6 GA tickets, 2 a fan, no margin, one shopper at a
 * time: with fan1's grant open, the tickets reach at most 5 more places at one
 * ticket a fan, so fan7 on are waitlisted while tickets are still free.
 */
const earlyConfig = () => gaConfig({
  id: 'early-night',
  quantity: 6,
  maxTicketsPerFan: 2,
  admission: { mode: 'auto', maxActiveShoppers: 1 },
  waitlist: { standbyMarginPercent: 0, callAnswerMs: MINUTE },
});
const earlySteps: Array<[label: string, run: (d: Driver) => void]> = [
  ['ten fans join; fan1 is admitted; fan7 on are waitlisted early', (d) => {
    d.startSale();
    d.joinMany(10);
    d.advance(SECOND);
    expect(d.journal.at(-1)).toMatchObject({ type: 'earlyWaitlist', tickets: 6, openGrants: 1, places: 5, waitlistAfter: 6 });
  }],
  ['fan3 and fan4 leave; fan8 closes the page and keeps its place', (d) => {
    d.leave('fan3');
    d.leave('fan4');
    d.presence('fan8', false);
    d.advance(2 * GRACE);
  }],
  ['fan1, fan2, fan5 and fan6 buy one each: tickets are left at the line, fan7 is called', (d) => {
    for (const fanId of ['fan1', 'fan2', 'fan5', 'fan6']) {
      d.buy(fanId, 1);
      d.advance(SECOND);
    }
    expect(d.journal.findLast((e) => e.type === 'called')).toMatchObject({ fanIds: ['fan7'] });
  }],
  ['fan7 buys one; its call over, fan8 is called for the last', (d) => {
    d.buy('fan7', 1);
    d.advance(SECOND);
    expect(d.journal.findLast((e) => e.type === 'called')).toMatchObject({ fanIds: ['fan8'] });
  }],
  ['the organizer closes the sale', (d) => {
    d.exec({ type: 'close' });
  }],
];

/**
 * Registration for a coded presale: 12 verified accounts register (one
 * withdraws, one withdraws and comes back), the draw at the close invites
 * ⌈6 tickets ÷ (40 % × 3)⌉ = 5, an invitee joins and buys, the organizer
 * invites the next 3.
 */
const REGISTRATION_OPENS_AT = T0 + MINUTE;
const REGISTRATION_CLOSES_AT = T0 + 5 * MINUTE;
const registrationConfig = () => gaConfig({
  id: 'verified-night',
  quantity: 6,
  phases: [
    { id: 'presale', name: 'Verified fan presale', preQueueOpensAt: PRE_QUEUE_AT, onSaleAt: ON_SALE_AT, access: { kind: 'code' } },
    { id: 'public', name: 'Public sale', preQueueOpensAt: ON_SALE_AT + HOUR, onSaleAt: ON_SALE_AT + HOUR, access: { kind: 'open' } },
  ],
  registration: {
    opensAt: REGISTRATION_OPENS_AT, closesAt: REGISTRATION_CLOSES_AT, phaseId: 'presale', buyerSharePercent: 40, ticketsPerBuyer: 3,
    beacon: { name: 'drand quicknet', round: 4_242 },
  },
});
const registered = (d: Driver) => [...new Set(d.journal.flatMap((e) => (e.type === 'registered' ? [e.fanId] : [])))];
const invitedFans = (d: Driver) => d.journal.flatMap((e) => (e.type === 'codesAdded' ? e.accounts ?? [] : []));
const registrationSteps: Array<[label: string, run: (d: Driver) => void]> = [
  ['registration opens; twelve accounts register', (d) => {
    d.at(REGISTRATION_OPENS_AT);
    for (let i = 1; i <= 12; i++) d.exec({ type: 'register', fanId: `acct:r${i}` });
  }],
  ['r3 withdraws and registers again; r5 withdraws', (d) => {
    d.advance(MINUTE);
    d.exec({ type: 'withdrawRegistration', fanId: 'acct:r3' });
    d.exec({ type: 'register', fanId: 'acct:r3' });
    d.exec({ type: 'withdrawRegistration', fanId: 'acct:r5' });
  }],
  ['registration closes: the draw waits for its beacon', (d) => {
    d.at(REGISTRATION_CLOSES_AT + SECOND);
    expect(d.status().registration?.stage).toBe('open');
  }],
  ['the beacon is supplied: the draw invites 5, each with a code', (d) => {
    d.exec({ type: 'supplyBeacon', draw: 'registration', value: 'ab'.repeat(32) });
    expect(d.status().registration).toMatchObject({ stage: 'drawn', invited: 5, waitlisted: 6 });
  }],
  ['the first invitee joins the presale with its code and buys', (d) => {
    d.at(PRE_QUEUE_AT);
    const invitee = invitedFans(d)[0]!;
    d.exec({ type: 'join', fanId: invitee, accessCode: d.sale.registrationOf(invitee).code });
    d.startSale();
    d.buy(invitee, 2);
  }],
  ['the organizer invites the next 3', (d) => {
    d.advance(MINUTE);
    d.exec({ type: 'inviteNext', count: 3 });
    expect(invitedFans(d)).toHaveLength(8);
  }],
  ['the organizer closes the sale', (d) => {
    d.exec({ type: 'close' });
  }],
];

function run(d: Driver, from = 0, to = steps.length, list = steps): Driver {
  for (const [, step] of list.slice(from, to)) step(d);
  return d;
}

function fansOf(d: Driver): string[] {
  return [...new Set(d.journal.flatMap((e) => (e.type === 'joined' ? [e.fanId] : [])))];
}

/** The same status and the same view for every fan and every registered account. */
function expectSameSale(copy: Driver, original: Driver): void {
  expect(copy.status()).toEqual(original.status());
  for (const fanId of fansOf(original)) expect(copy.fanView(fanId), fanId).toEqual(original.fanView(fanId));
  for (const fanId of registered(original)) expect(copy.sale.registrationOf(fanId), fanId).toEqual(original.sale.registrationOf(fanId));
}

/** The rest of the scenario from step `i` on both records the same entries and ends in the same state. */
function expectContinuesAlike(original: Driver, copy: Driver, i: number, list = steps): void {
  const mark = original.journal.length;
  run(original, i, list.length, list);
  run(copy, i, list.length, list);
  expect(copy.entriesSince(mark)).toEqual(original.entriesSince(mark));
  expectSameSale(copy, original);
}

const stepNumbers = steps.map(([label], i) => [i + 1, label] as const);

const ALL_TYPES: JournalEntryType[] = [
  'created', 'configUpdated', 'published', 'preQueueOpened', 'saleStarted', 'paused', 'resumed', 'soldOut', 'reopened', 'closed',
  'joined', 'left', 'presence', 'admitted', 'grantExpired', 'held', 'extended', 'paymentStarted', 'paymentFailed', 'purchased',
  'expired', 'released', 'refundDue', 'refunded', 'drawSealed', 'drawn', 'numbered', 'codesAdded', 'codeRedeemed', 'standby', 'earlyWaitlist', 'called', 'waitlistEnded', 'recalled',
  'registrationOpened', 'registered', 'registrationWithdrawn', 'beaconSupplied', 'registrationDrawn', 'invitedNext', 'announced', 'orderCancelled',
];

/** A coded presale, then a public phase: the access codes' entries and a later phase's draw sealed (access.test.ts restores a whole presale after every step). */
function presale(): Driver {
  const phases = [
    { id: 'presale', name: 'Presale', preQueueOpensAt: PRE_QUEUE_AT, onSaleAt: ON_SALE_AT, access: { kind: 'code' as const } },
    { id: 'public', name: 'Public', preQueueOpensAt: ON_SALE_AT + HOUR, onSaleAt: ON_SALE_AT + 2 * HOUR, access: { kind: 'open' as const } },
  ];
  const d = new Driver(gaConfig({ id: 'presale-night', phases }));
  d.exec({ type: 'uploadCodes', csv: 'PRESALE-1,1,2\n' });
  d.at(PRE_QUEUE_AT);
  d.exec({ type: 'join', fanId: 'coded', accessCode: 'PRESALE-1' });
  d.at(ON_SALE_AT + HOUR);
  d.join('public-early');
  return d;
}

describe('the busy scenario', () => {
  it('records every kind of journal entry (the door, presale and waitlist scenarios the rest) and keeps every invariant', () => {
    const d = run(new Driver(config()));
    const door = run(new Driver(doorConfig()), 0, doorSteps.length, doorSteps);
    const waitlist = run(new Driver(waitlistConfig()), 0, waitlistSteps.length, waitlistSteps);
    const away = run(new Driver(awayConfig()), 0, awaySteps.length, awaySteps);
    const early = run(new Driver(earlyConfig()), 0, earlySteps.length, earlySteps);
    const coded = presale();
    const registration = run(new Driver(registrationConfig(), { randomBytes: countingBytes() }), 0, registrationSteps.length, registrationSteps);
    expect(new Set([...d.journal, ...door.journal, ...waitlist.journal, ...away.journal, ...early.journal, ...coded.journal, ...registration.journal].map((e) => e.type))).toEqual(new Set(ALL_TYPES));
    expect(checkInvariants(early.journal)).toEqual([]);
    expect(checkInvariants(registration.journal)).toEqual([]);
    expect(checkInvariants(away.journal)).toEqual([]);
    expect(checkInvariants(coded.journal)).toEqual([]);
    expect(coded.restored().sale.codes.list(0, 10)).toEqual([{ code: 'PRESALE1', phaseId: null, uses: 1, ticketCap: 2, accounts: ['coded'], ticketsUsed: 0 }]);
    expect(checkInvariants(door.journal)).toEqual([]);
    expect(checkInvariants(waitlist.journal)).toEqual([]);
    expect(checkInvariants(d.journal)).toEqual([]);
    expect(checkInvariants(d.journal, { requireAllHoldsEnded: true })).toEqual([]);
    expect(d.status()).toMatchObject({
      phase: 'closed', joined: 12, admitted: 9, waiting: 0, openGrants: 0, activeShoppers: 0,
      tickets: { free: 6, held: 0, sold: 6 }, holds: { active: 0, paymentPending: 0, expired: 3, released: 1, cancelled: 1 },
      announcement: { text: 'Two tickets per fan tonight', at: PRE_QUEUE_AT }, pausedBeforeSale: false,
    });
    expect(d.journal.filter((e) => e.type === 'left').map((e) => [e.type === 'left' && e.fanId, e.type === 'left' && e.reason])).toEqual([
      ['p2', 'left'], ['p3', 'presenceLost'], ['w2', 'left'],
    ]);
  });
});

describe('restoring from the journal', () => {
  it('Engine.restore(engine.journal) rebuilds the same status and the same view for every fan', () => {
    const d = run(new Driver(config()));
    const restored = Engine.restore(d.engine.journal, { clock: d.clock, randomBytes: deterministicBytes, seeds: TEST_SEEDS }).event(E);
    expect(restored.status()).toEqual(d.status());
    expect(restored.phase).toBe('closed');
    for (const fanId of fansOf(d)) expect(restored.fanView(fanId), fanId).toEqual(d.fanView(fanId));
    expect(restored.config).toEqual(d.sale.config);
  });

  it('Engine.restoring rebuilds the same sale a few entries at a time, pausing after every step', () => {
    const d = run(new Driver(config()));
    const entries = d.engine.journal.read(E).length;
    const restoring = Engine.restoring(d.engine.journal, { clock: d.clock, randomBytes: deterministicBytes, seeds: TEST_SEEDS }, 5);
    let pauses = 0;
    let step = restoring.next();
    for (; step.done !== true; step = restoring.next()) pauses++;
    // The "created" entry starts the sale; every 5 of the others, a pause.
    expect(pauses).toBe(Math.floor((entries - 1) / 5));
    const restored = step.value.event(E);
    expect(restored.status()).toEqual(d.status());
    for (const fanId of fansOf(d)) expect(restored.fanView(fanId), fanId).toEqual(d.fanView(fanId));
  });

  it.each(stepNumbers)('restored after step %i (%s), it continues exactly like the original', (i) => {
    const original = run(new Driver(config()), 0, i);
    const copy = original.restored();
    expectSameSale(copy, original);

    expectContinuesAlike(original, copy, i);
  });

  it.each(waitlistSteps.map(([label], i) => [i + 1, label] as const))('the waitlist scenario restored after step %i (%s) continues exactly like the original', (i) => {
    const original = run(new Driver(waitlistConfig()), 0, i, waitlistSteps);
    const copy = original.restored();
    expectSameSale(copy, original);

    expectContinuesAlike(original, copy, i, waitlistSteps);
  });

  it.each(awaySteps.map(([label], i) => [i + 1, label] as const))('the away scenario restored after step %i (%s) continues exactly like the original', (i) => {
    const original = run(new Driver(awayConfig()), 0, i, awaySteps);
    const copy = original.restored();
    expectSameSale(copy, original);

    expectContinuesAlike(original, copy, i, awaySteps);
  });

  it.each(earlySteps.map(([label], i) => [i + 1, label] as const))('the early waitlist scenario restored after step %i (%s) continues exactly like the original', (i) => {
    const original = run(new Driver(earlyConfig()), 0, i, earlySteps);
    const copy = original.restored();
    expectSameSale(copy, original);

    expectContinuesAlike(original, copy, i, earlySteps);
  });

  it.each(registrationSteps.map(([label], i) => [i + 1, label] as const))('the registration scenario restored after step %i (%s) continues exactly like the original', (i) => {
    const original = run(new Driver(registrationConfig(), { randomBytes: countingBytes() }), 0, i, registrationSteps);
    expect(checkInvariants(original.journal)).toEqual([]);
    const copy = original.restored();
    expectSameSale(copy, original);
    expect(copy.sale.codes.list(0, 100)).toEqual(original.sale.codes.list(0, 100));

    expectContinuesAlike(original, copy, i, registrationSteps);
    expect(copy.sale.codes.list(0, 100)).toEqual(original.sale.codes.list(0, 100));
  });

  // Joins after a restore meet full budgets (pacing is not journaled), so the door steps continue alike
  // only while no join is over budget; every place and draw already taken must restore exactly.
  it.each(doorSteps.map(([label], i) => [i + 1, label] as const))('the door scenario restored after step %i (%s) has the same places, draws and slow lane', (i) => {
    const original = run(new Driver(doorConfig()), 0, i, doorSteps);
    const copy = original.restored();
    expectSameSale(copy, original);
    const mark = original.journal.length;
    original.advance(MINUTE);
    copy.advance(MINUTE);
    expect(copy.entriesSince(mark)).toEqual(original.entriesSince(mark));
    expectSameSale(copy, original);
  });
});

describe.each([memoryStores(), fileStores(), redisStores()])('restoring from the $name store', (fixture) => {
  beforeAll(() => fixture.start());
  afterAll(() => fixture.stop());

  it.each(stepNumbers)('written through the DurableJournal step by step up to step %i (%s), read back by the next owner, it continues exactly like the original', async (i) => {
    const store = await fixture.open();
    const journal = new DurableJournal(await store.openPartition(0));
    const original = new Driver(config(), { journal });
    for (const [, step] of steps.slice(0, i)) {
      step(original);
      await journal.durable();
    }
    journal.close(); // the first owner is gone (its process too); the original goes on in memory only
    const next = await (await fixture.reopen(store)).openPartition(0);
    expect(await next.partitionEvents()).toEqual([E]);
    const { entries } = await next.claim(E);
    expect(entries).toStrictEqual(original.journal);
    const nextJournal = new DurableJournal(next);
    nextJournal.load(E, entries);
    const copy = original.restored(nextJournal);
    expectSameSale(copy, original);

    expectContinuesAlike(original, copy, i);
    await nextJournal.durable();
    expect(await next.read(E)).toStrictEqual(original.journal);
  });
});

describe('deadlines that fall together', () => {
  // A live engine has already popped the earlier deadline from its heaps; a
  // restored one still holds it. Their order among equal deadlines must not
  // depend on that history.
  it('holds that expire at the same instant are recorded in hold order, live and restored alike', () => {
    const d = new Driver(gaConfig({ paymentWindowMs: 30 * SECOND }));
    d.startSale();
    const fans = d.joinMany(6);
    d.advance(SECOND);
    const early = d.holdTickets('fan1', 1);
    d.at(early.expiresAt);
    for (const fanId of fans.slice(1)) d.holdTickets(fanId, 1);
    const copy = d.restored();

    const mark = d.journal.length;
    d.advance(30 * SECOND);
    copy.advance(30 * SECOND);
    const expired = d.entriesSince(mark).flatMap((e) => (e.type === 'expired' ? [e.holdId] : []));
    expect(expired).toEqual(['h2', 'h3', 'h4', 'h5', 'h6']);
    expect(copy.entriesSince(mark)).toEqual(d.entriesSince(mark));
  });

  it('fans who lose their place at the same instant are recorded in join order, live and restored alike', () => {
    const d = new Driver(gaConfig({ admission: { mode: 'concurrency', maxActiveShoppers: 1 } }));
    d.at(PRE_QUEUE_AT);
    const fans = d.joinMany(6);
    d.presence('fan1', false);
    d.advance(GRACE + SECOND);
    for (const fanId of fans.slice(1)) d.presence(fanId, false);
    const copy = d.restored();

    const mark = d.journal.length;
    d.advance(GRACE + SECOND);
    copy.advance(GRACE + SECOND);
    const lost = d.entriesSince(mark).flatMap((e) => (e.type === 'left' ? [e.fanId] : []));
    expect(lost).toEqual(['fan2', 'fan3', 'fan4', 'fan5', 'fan6']);
    expect(copy.entriesSince(mark)).toEqual(d.entriesSince(mark));
  });
});
