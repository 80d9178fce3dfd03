/**
 * Standby and waitlist (docs/architecture.md, "Standby and waitlist"): once
 * nothing is free to sell, the first S waiting places stand by for the
 * tickets that may come back and every later place is waitlisted; returned
 * tickets go to the standby first, then waitlisted fans are called in order.
 */
import { describe, expect, it } from 'vitest';
import { checkInvariants } from '../src/invariants.js';
import { Driver, GRACE, GRANT_TTL, MINUTE, PAYMENT_WINDOW, SECOND, gaConfig } from './fixtures.js';

/** 8 GA tickets, 2 a fan: four fans take them all. */
function allTaken(fans = 10, waitlist: Record<string, unknown> = {}): Driver {
  const d = new Driver(gaConfig({ quantity: 8, maxTicketsPerFan: 2, waitlist: { callAnswerMs: 5 * MINUTE, ...waitlist } }));
  d.startSale();
  d.joinMany(fans);
  d.advance(SECOND);
  return d;
}

const standbyEntries = (d: Driver) => d.journal.filter((e) => e.type === 'standby');

describe('standby size', () => {
  it('S = ceil(returnable × (100 + margin%) / 100 / per-fan limit): 8 tickets, 2 a fan, 25% → 5 places', () => {
    const d = allTaken();
    expect(d.journal.findLast((e) => e.type === 'admitted')).toMatchObject({ fanIds: ['fan1', 'fan2', 'fan3', 'fan4'] });
    expect(standbyEntries(d)).toEqual([expect.objectContaining({ returnable: 8, standby: 5, waitlistAfter: 9 })]);
    expect(d.status().waitlist).toMatchObject({ state: 'open', standbySize: 5, standby: 5, waitlisted: 1, waitlistAfter: 9 });
  });

  it('a margin of 0 keeps exactly the fans the returnable tickets serve at the per-fan limit', () => {
    const d = allTaken(10, { standbyMarginPercent: 0 });
    expect(standbyEntries(d)).toEqual([expect.objectContaining({ standby: 4, waitlistAfter: 8 })]);
  });

  it('a margin lowered live takes effect on the next tick, live and restored alike', () => {
    const d = allTaken(12, { standbyMarginPercent: 100 }); // 8 × 200% / 2 = 8 places: fan5…fan12
    expect(standbyEntries(d).at(-1)).toMatchObject({ standby: 8, waitlistAfter: 12 });
    d.exec({ type: 'updateEvent', patch: { waitlist: { standbyMarginPercent: 0 } } });
    const copy = d.restored();
    const mark = d.journal.length;
    d.advance(SECOND);
    copy.advance(SECOND);
    expect(standbyEntries(d).at(-1)).toMatchObject({ standby: 4, waitlistAfter: 8 });
    expect(copy.entriesSince(mark)).toEqual(d.entriesSince(mark));
  });

  it('the margin is retuned live: the next decision uses it', () => {
    const d = allTaken(10, { standbyMarginPercent: 0 });
    d.exec({ type: 'updateEvent', patch: { waitlist: { standbyMarginPercent: 100 } } });
    d.buy('fan1', 2); // 6 tickets can come back: 6 × 200% / 2 = 6 places, but the standby never grows
    d.advance(SECOND); // the standby is decided again on the next tick
    d.buy('fan2', 2); // 4 can come back: 4 places, fan5…fan8, as before
    d.advance(SECOND);
    expect(standbyEntries(d)).toHaveLength(1);
    d.buy('fan3', 2); // 2 can come back: 2 places (1 without the margin)
    d.advance(SECOND);
    expect(standbyEntries(d).at(-1)).toMatchObject({ returnable: 2, standby: 2, waitlistAfter: 6 });
  });
});

describe('telling the fans beyond S', () => {
  it('every place beyond the standby is waitlisted at once, numbered from 1; new joins go straight to the waitlist', () => {
    const d = allTaken(12, { standbyMarginPercent: 0 });
    expect(d.fanView('fan8').waitlisted).toBeUndefined();
    expect(d.fanView('fan9').waitlisted).toBe(1);
    expect(d.fanView('fan12').waitlisted).toBe(4);
    expect(d.join('late').waitlisted).toBe(5);
  });

  it('waitlisted fans may close the page: they keep the place past the presence grace, standby fans do not', () => {
    const d = allTaken(10, { standbyMarginPercent: 0 });
    for (const fanId of ['fan1', 'fan2', 'fan3', 'fan4']) d.holdTickets(fanId, 2); // nothing comes back for the payment window
    d.presence('fan8', false); // standby
    d.presence('fan9', false); // waitlisted
    d.advance(GRACE + 2 * SECOND);
    expect(d.fanView('fan8').status).toBe('lost');
    expect(d.fanView('fan9')).toMatchObject({ status: 'waiting', waitlisted: expect.any(Number) });
    d.advance(4 * GRACE);
    expect(d.fanView('fan9').status).toBe('waiting');
  });
});

describe('returned tickets', () => {
  it('go to the standby places in order first, then waitlisted fans are called in order, only for tickets free now', () => {
    const d = allTaken(10, { standbyMarginPercent: 0 });
    // fan1…fan4 hold 2 each; every hold expires: 8 tickets back.
    for (const fanId of ['fan1', 'fan2', 'fan3', 'fan4']) d.holdTickets(fanId, 2);
    d.advance(PAYMENT_WINDOW);
    expect(d.journal.filter((e) => e.type === 'admitted').at(-1)).toMatchObject({ fanIds: ['fan5', 'fan6', 'fan7', 'fan8'] });
    expect(d.journal.some((e) => e.type === 'called')).toBe(false);
    // The standby is dry; fan5's grant lapses: its 2 tickets go to the first waitlisted fan, as a call.
    for (const fanId of ['fan6', 'fan7', 'fan8']) d.holdTickets(fanId, 2);
    const mark = d.journal.length;
    d.advance(GRANT_TTL);
    expect(d.typesSince(mark)).toEqual(['grantExpired', 'called']);
    const call = d.journal.at(-1)!;
    expect(call).toMatchObject({ type: 'called', fanIds: ['fan9'], grantExpiresAt: d.clock.now() + 5 * MINUTE });
    expect(d.fanView('fan9')).toMatchObject({ status: 'admitted', called: true, grant: { expiresAt: d.clock.now() + 5 * MINUTE } });
    expect(d.fanView('fan10').waitlisted).toBe(1);
    expect(checkInvariants(d.journal)).toEqual([]);
  });

  it('an unanswered call lapses and the next waitlisted fan is called; the called fan can buy', () => {
    const d = allTaken(11, { standbyMarginPercent: 0 });
    for (const fanId of ['fan1', 'fan2', 'fan3']) d.buy(fanId, 2); // 2 tickets can come back: the standby shrinks to fan5
    d.holdTickets('fan4', 2);
    d.advance(SECOND);
    d.advance(PAYMENT_WINDOW); // fan4's hold expires: the standby (fan5) is admitted
    d.advance(GRANT_TTL); // fan5 lets its grant lapse: fan6, first on the waitlist, is called
    expect(d.journal.at(-1)).toMatchObject({ type: 'called', fanIds: ['fan6'] });
    d.advance(5 * MINUTE); // fan6 never answers
    expect(d.typesSince(d.journal.length - 2)).toEqual(['grantExpired', 'called']);
    expect(d.journal.at(-1)).toMatchObject({ fanIds: ['fan7'] });
    expect(d.status().waitlist).toMatchObject({ called: 2, lapsedCalls: 1 });
    d.buy('fan7', 2);
    expect(d.phase).toBe('soldOut');
    expect(checkInvariants(d.journal)).toEqual([]);
  });
});

describe('the end of the waitlist', () => {
  it('sold out, final, the moment nothing can come back', () => {
    const d = allTaken(10);
    for (const fanId of ['fan1', 'fan2', 'fan3']) d.buy(fanId, 2);
    expect(d.phase).toBe('onSale'); // fan4's grant could still leave 2 tickets
    const mark = d.journal.length;
    d.buy('fan4', 2);
    expect(d.typesSince(mark).slice(-2)).toEqual(['purchased', 'soldOut']);
  });

  it('resumes as a normal queue when tickets are free and nobody is on the waitlist: new joins are numbered plainly', () => {
    const d = allTaken(5, { standbyMarginPercent: 0 }); // fan5 stands by, nobody waitlisted
    d.holdTickets('fan1', 2);
    d.advance(PAYMENT_WINDOW); // 2 back: fan5 admitted; then fan2…fan4 let their grants lapse: 6 free, nobody waits
    expect(d.journal.find((e) => e.type === 'waitlistEnded')).toMatchObject({ reason: 'nobodyWaitlisted' });
    expect(d.status().waitlist.state).toBe('ended');
    expect(d.join('late').waitlisted).toBeUndefined();
    d.advance(SECOND);
    expect(d.journal.findLast((e) => e.type === 'admitted')).toMatchObject({ fanIds: ['late'] });
  });

  it('when the organizer adds tickets the waitlist ends: those on it are called in order, later joins are admitted plainly', () => {
    const d = allTaken(12, { standbyMarginPercent: 0 });
    const mark = d.journal.length;
    d.exec({ type: 'updateEvent', patch: { inventory: { tiers: [{ id: 'ga', name: 'General admission', price: 5_000, quantity: 100 }] } } });
    expect(d.typesSince(mark).slice(0, 2)).toEqual(['configUpdated', 'waitlistEnded']);
    expect(d.journal.find((e) => e.type === 'waitlistEnded')).toMatchObject({ reason: 'ticketsAdded', waitlistUpTo: 12 });
    d.join('late');
    d.advance(SECOND);
    expect(d.journal.filter((e) => e.type === 'called').flatMap((e) => (e.type === 'called' ? e.fanIds : []))).toEqual(['fan9', 'fan10', 'fan11', 'fan12']);
    expect(d.fanView('late')).toMatchObject({ status: 'admitted', called: false });
    expect(checkInvariants(d.journal)).toEqual([]);
  });

  it('turned off, nobody new is waitlisted and no standby is kept', () => {
    const d = allTaken(10, { enabled: false });
    expect(standbyEntries(d)).toEqual([]);
    expect(d.fanView('fan10').waitlisted).toBeUndefined();
  });
});

describe('the away horizon: fans far back may close the page before anything is taken', () => {
  /**
   * 40 GA tickets, 2 a fan, 25 % margin: every ticket left could serve
   * ⌈40 × 125 % / 2⌉ = 25 waiting places. Five shoppers at a time, each
   * letting the grant lapse: five more fans every two minutes.
   */
  function slowSale(options: { waitlist?: Record<string, unknown> } = {}): Driver {
    const d = new Driver(gaConfig({
      quantity: 40, maxTicketsPerFan: 2, admission: { mode: 'auto', maxActiveShoppers: 5 },
      waitlist: { callAnswerMs: 10 * MINUTE, ...options.waitlist },
    }));
    d.startSale();
    d.joinMany(60);
    d.advance(SECOND);
    return d;
  }

  /** Every grant cycle, for `minutes`, a second at a time. */
  function run(d: Driver, minutes: number): void {
    for (let s = 0; s < minutes * 60; s++) d.advance(SECOND);
  }

  it('the horizon is the waiting place every ticket left (free or held) could serve with the margin, published in the status', () => {
    const d = slowSale();
    // Tickets per fan 2 (no purchase yet: the per-fan limit), five open grants: ⌈(40 / 2 − 5) × 1.25⌉ = 19 places.
    expect(d.status()).toMatchObject({ admitted: 5, nowServing: 5, awayAfter: 5 + 19 });
    d.buy('fan1', 1); // 39 left, 4 open grants, (1 + 2 × 20) / 21 = 1.95 a fan: ⌈(39 / 1.95 − 4) × 1.25⌉ = 20 places
    expect(d.status().awayAfter).toBe(5 + 20);
    d.leave('fan10'); // the horizon counts waiting places: one more number
    expect(d.status().awayAfter).toBe(5 + 21);
  });

  it('a fan who goes beyond the horizon keeps the place however long it is away; one who goes inside it has the grace period', () => {
    const d = slowSale();
    const beyond = `fan${d.status().awayAfter! + 1}`;
    const inside = `fan${d.status().awayAfter!}`;
    d.presence(beyond, false);
    d.presence(inside, false);
    expect(d.journal.filter((e) => e.type === 'presence').map((e) => (e as { keptAway?: true }).keptAway)).toEqual([true, undefined]);
    d.advance(GRACE + 2 * SECOND);
    expect(d.fanView(inside).status).toBe('lost');
    expect(d.fanView(beyond).status).toBe('waiting');
    expect(checkInvariants(d.journal)).toEqual([]);
  });

  it('at its turn a place kept while away is called, with the time to answer; a fan who came back is admitted plainly', () => {
    const d = slowSale();
    const away = `fan${d.status().awayAfter! + 1}`;
    const back = `fan${d.status().awayAfter! + 2}`;
    d.presence(away, false);
    d.presence(back, false);
    d.presence(back, true);
    const mark = d.journal.length;
    run(d, 15); // five fans every two minutes: both turns come
    const turns = d.entriesSince(mark).filter((e) => (e.type === 'called' || e.type === 'admitted') && (e.fanIds.includes(away) || e.fanIds.includes(back)));
    expect(turns).toEqual([
      expect.objectContaining({ type: 'called', fanIds: [away] }),
      expect.objectContaining({ type: 'admitted', fanIds: expect.arrayContaining([back]) }),
    ]);
    expect(checkInvariants(d.journal)).toEqual([]);
  });

  it('a restored event keeps the same places and calls the same fans', () => {
    const d = slowSale();
    for (let n = 20; n <= 40; n += 2) d.presence(`fan${n}`, false);
    const copy = d.restored();
    const mark = d.journal.length;
    run(d, 15);
    run(copy, 15);
    expect(copy.entriesSince(mark)).toEqual(d.entriesSince(mark));
    expect(d.entriesSince(mark).some((e) => e.type === 'called')).toBe(true);
    expect(d.entriesSince(mark).some((e) => e.type === 'left')).toBe(true);
  });

  it('turned off with the waitlist: every absent fan has only the grace period', () => {
    const d = slowSale({ waitlist: { enabled: false } });
    expect(d.status().awayAfter).toBeUndefined();
    d.presence('fan60', false);
    d.advance(GRACE + 2 * SECOND);
    expect(d.fanView('fan60').status).toBe('lost');
  });

  it('the checker catches a kept place lost to the grace, or admitted while its fan is away', () => {
    const d = slowSale();
    const away = `fan${d.status().awayAfter! + 1}`;
    d.presence(away, false);
    const journal = [...d.journal, { type: 'left' as const, at: d.clock.now(), fanId: away, reason: 'presenceLost' as const }];
    expect(checkInvariants(journal).map((v) => v.message)).toEqual([`${away} lost a place kept while away to the presence grace`]);
    run(d, 15);
    const admittedInstead = d.journal.map((e) => (e.type === 'called' && e.fanIds.includes(away) ? { ...e, type: 'admitted' as const } : e));
    expect(checkInvariants(admittedInstead).map((v) => v.message)).toContain(`${away} admitted while away though its place was kept to be called`);
  });
});

describe('recalled before the turn', () => {
  /** 40 tickets, 2 a fan, five shoppers at a time: fan26… beyond the horizon at the start. */
  function sale(overrides: Record<string, unknown> = {}): Driver {
    const d = new Driver(gaConfig({ quantity: 40, maxTicketsPerFan: 2, admission: { mode: 'auto', maxActiveShoppers: 5 }, waitlist: { callAnswerMs: 5 * MINUTE }, ...overrides }));
    d.startSale();
    d.joinMany(60);
    d.advance(SECOND);
    return d;
  }
  const recalls = (d: Driver, from = 0) => d.entriesSince(from).filter((e) => e.type === 'recalled').map((e) => (e as { fanIds: string[] }).fanIds);

  it('a fan away from a kept place is told to come back once the free tickets could reach it, and only once', () => {
    const d = sale();
    const away = `fan${d.status().awayAfter! + 1}`;
    d.presence(away, false);
    expect(recalls(d)).toEqual([]);
    // Fans ahead give their places up: the free tickets (30 beyond the open grants, 15 fans) now reach the away fan's place.
    for (let n = 6; n <= 20; n++) d.leave(`fan${n}`);
    d.advance(SECOND);
    expect(recalls(d)).toEqual([[away]]);
    d.advance(SECOND);
    expect(recalls(d)).toEqual([[away]]);
    expect(checkInvariants(d.journal)).toEqual([]);
  });

  it('a recalled fan back before its turn is admitted plainly; one still away is called', () => {
    const d = sale();
    const [first, second] = [`fan${d.status().awayAfter! + 1}`, `fan${d.status().awayAfter! + 2}`];
    d.presence(first, false);
    d.presence(second, false);
    for (let n = 6; n <= 20; n++) d.leave(`fan${n}`);
    d.advance(SECOND);
    expect(recalls(d)).toEqual([[first, second]]);
    d.presence(first, true);
    const mark = d.journal.length;
    for (let s = 0; s < 15 * 60; s++) d.advance(SECOND);
    const turns = d.entriesSince(mark).filter((e) => (e.type === 'called' || e.type === 'admitted') && (e.fanIds.includes(first) || e.fanIds.includes(second)));
    expect(turns.map((e) => [e.type, (e as { fanIds: string[] }).fanIds.includes(first) ? first : second])).toEqual([['admitted', first], ['called', second]]);
    expect(checkInvariants(d.journal)).toEqual([]);
  });

  it('a restored event recalls the same fans', () => {
    const d = sale();
    for (let n = 30; n <= 40; n += 2) d.presence(`fan${n}`, false);
    for (let n = 6; n <= 20; n++) d.leave(`fan${n}`);
    const copy = d.restored();
    const mark = d.journal.length;
    for (let s = 0; s < 10 * 60; s++) {
      d.advance(SECOND);
      copy.advance(SECOND);
    }
    expect(copy.entriesSince(mark)).toEqual(d.entriesSince(mark));
    expect(recalls(d, mark).flat().length).toBeGreaterThan(0);
  });

  it('a recalled fan not back by its answer time loses the place: the line does not wait for it', () => {
    // The five shoppers hold tickets for a ten-minute payment window: nobody is admitted meanwhile.
    const d = sale({ paymentWindowMs: 10 * MINUTE });
    for (let n = 1; n <= 5; n++) d.holdTickets(`fan${n}`, 1);
    const away = `fan${d.status().awayAfter! + 1}`;
    d.presence(away, false);
    for (let n = 6; n <= 20; n++) d.leave(`fan${n}`);
    d.advance(SECOND);
    const recall = d.journal.findLast((e) => e.type === 'recalled')!;
    expect(recall).toMatchObject({ fanIds: [away], answerBy: d.clock.now() + 5 * MINUTE });
    d.at((recall as { answerBy: number }).answerBy);
    expect(d.fanView(away).status).toBe('waiting');
    d.advance(SECOND);
    expect(d.fanView(away).status).toBe('lost');
    expect(checkInvariants(d.journal)).toEqual([]);
    // Lost a second early, the checker objects.
    const early = d.journal.map((e) => (e.type === 'left' && e.fanId === away ? { ...e, at: (recall as { answerBy: number }).answerBy } : e));
    expect(checkInvariants(early).map((v) => v.message)).toEqual([`${away} lost a place kept while away to the presence grace`]);
  });

  it('the checker catches a recall of a fan who is not away from a kept place', () => {
    const d = sale();
    const journal = [...d.journal, { type: 'recalled' as const, at: d.clock.now(), fanIds: ['fan40'], answerBy: d.clock.now() + 5 * MINUTE }];
    expect(checkInvariants(journal).map((v) => v.message)).toEqual(['fan40 recalled though not away from a kept place']);
  });
});

describe('the early waitlist: places the tickets left cannot reach, before nothing is free', () => {
  /**
   * 6 GA tickets, 2 a fan, no margin, one shopper at a time: with fan1's grant
   * open, the 6 tickets less one for it reach at most ⌈(6 − 1) × 100 %⌉ = 5
   * more waiting places (fan2…fan6) even at one ticket a fan: fan7 on are waitlisted.
   */
  function earlySale(fans = 10, waitlist: Record<string, unknown> = {}): Driver {
    const d = new Driver(gaConfig({
      quantity: 6, maxTicketsPerFan: 2, admission: { mode: 'auto', maxActiveShoppers: 1 },
      waitlist: { callAnswerMs: 5 * MINUTE, standbyMarginPercent: 0, ...waitlist },
    }));
    d.startSale();
    d.joinMany(fans);
    d.advance(SECOND);
    return d;
  }
  const earlyEntries = (d: Driver) => d.journal.filter((e) => e.type === 'earlyWaitlist');

  it('waitlists at once every place beyond W = ⌈(free + held − open grants) × (100 + margin%) / 100⌉ waiting places; new joins go straight on', () => {
    const d = earlySale();
    expect(earlyEntries(d)).toEqual([{ type: 'earlyWaitlist', at: d.clock.now(), tickets: 6, openGrants: 1, places: 5, waitlistAfter: 6 }]);
    expect(d.status().waitlist).toMatchObject({ state: 'early', standbySize: 0, standby: 0, waitlisted: 4, waitlistAfter: 6 });
    expect(d.fanView('fan6')).toMatchObject({ waitlisted: undefined, waitlistEarly: undefined });
    expect(d.fanView('fan7')).toMatchObject({ status: 'waiting', waitlisted: 1, waitlistAfter: 6, waitlistEarly: true });
    expect(d.join('late')).toMatchObject({ waitlisted: 5, waitlistEarly: true });
    // Exempt from the presence grace like any waitlisted place.
    d.presence('fan8', false);
    d.advance(3 * GRACE);
    expect(d.fanView('fan8').status).toBe('waiting');
    expect(checkInvariants(d.journal)).toEqual([]);
  });

  it('the line never moves later (fans ahead leave, grants lapse), only earlier (fans buy more than one)', () => {
    // 20 tickets, 4 a fan, fan1's grant open: ⌈20 − 1⌉ = 19 places, fan2…fan20.
    const d = new Driver(gaConfig({ quantity: 20, admission: { mode: 'auto', maxActiveShoppers: 1 }, waitlist: { standbyMarginPercent: 0 } }));
    d.startSale();
    d.joinMany(30);
    d.advance(SECOND);
    d.buy('fan1', 4);
    d.advance(SECOND); // 16 left, fan2's grant open: 15 places, fan3…fan17
    d.leave('fan3');
    d.leave('fan4'); // the 15th waiting place is now fan19: the line stays after fan17
    d.advance(SECOND);
    d.advance(GRANT_TTL); // fan2's grant lapses, fan5 admitted: 15 places reach fan20, the line stays
    const afters = earlyEntries(d).map((e) => (e.type === 'earlyWaitlist' ? e.waitlistAfter : 0));
    expect(afters).toEqual([20, 17]);
    expect(d.fanView('fan18').waitlisted).toBe(1);
    expect(checkInvariants(d.journal)).toEqual([]);
  });

  it('when the line reaches it with tickets left, the waitlist is called in queue order with the time to answer', () => {
    const d = earlySale();
    d.leave('fan3');
    d.leave('fan4'); // two fewer ahead: tickets will be left at fan7's turn
    for (const fanId of ['fan1', 'fan2', 'fan5', 'fan6']) {
      d.buy(fanId, 1);
      d.advance(SECOND);
    }
    const calls = d.journal.filter((e) => e.type === 'called');
    expect(calls).toEqual([expect.objectContaining({ fanIds: ['fan7'], grantExpiresAt: calls[0]!.at + 5 * MINUTE })]);
    expect(d.journal.some((e) => e.type === 'admitted' && e.fanIds.includes('fan7'))).toBe(false);
    expect(d.fanView('fan7')).toMatchObject({ status: 'admitted', called: true });
    d.buy('fan7', 2);
    expect(d.phase).toBe('soldOut');
    expect(checkInvariants(d.journal)).toEqual([]);
  });

  it('once nothing is free, the standby takes over (recorded even where the line stays), never after the early line', () => {
    const d = earlySale();
    d.buy('fan1', 2);
    d.advance(SECOND); // fan2 admitted: 4 tickets, 2 promised to its grant
    d.buy('fan2', 2);
    d.advance(SECOND); // fan3 admitted: 2 tickets, both promised: nothing free
    const standby = d.journal.filter((e) => e.type === 'standby');
    // S = ⌈2 / 2⌉ = 1 place (fan4); the early line was after fan6.
    expect(standby).toEqual([expect.objectContaining({ returnable: 2, standby: 1, waitlistAfter: 4 })]);
    expect(d.status().waitlist).toMatchObject({ state: 'open', standby: 1, waitlisted: 6 });
    expect(d.fanView('fan5')).toMatchObject({ waitlisted: 1, waitlistEarly: false });
    expect(checkInvariants(d.journal)).toEqual([]);
  });

  it('after a waitlist ended, opens again only where the old boundary would not pull the line before places within reach', () => {
    const d = earlySale(10);
    d.exec({ type: 'updateEvent', patch: { inventory: { tiers: [{ id: 'ga', name: 'General admission', price: 5_000, quantity: 30 }] } } });
    expect(d.journal.findLast((e) => e.type === 'waitlistEnded')).toMatchObject({ reason: 'ticketsAdded', waitlistAfter: 6, waitlistUpTo: 10 });
    d.joinMany(30, 'more'); // 30 tickets, fan1's grant: 29 places reach every one of them but the last
    d.advance(SECOND);
    expect(d.journal.filter((e) => e.type === 'earlyWaitlist')).toHaveLength(1);
    expect(d.fanView('more1').waitlisted).toBeUndefined();
    expect(checkInvariants(d.journal)).toEqual([]);
  });

  it('a restored event decides the same', () => {
    const d = earlySale(12);
    d.leave('fan2');
    const copy = d.restored();
    const mark = d.journal.length;
    d.buy('fan1', 2);
    copy.buy('fan1', 2);
    d.advance(SECOND);
    copy.advance(SECOND);
    expect(copy.entriesSince(mark)).toEqual(d.entriesSince(mark));
    expect(copy.status().waitlist).toEqual(d.status().waitlist);
  });

  it('turned off (waitlist.early: false) nobody is waitlisted while tickets are free; turned off live, the early waitlist ends', () => {
    const off = earlySale(10, { early: false });
    expect(earlyEntries(off)).toEqual([]);
    expect(off.fanView('fan10').waitlisted).toBeUndefined();
    const d = earlySale();
    d.exec({ type: 'updateEvent', patch: { waitlist: { early: false } } });
    d.advance(SECOND);
    expect(d.journal.find((e) => e.type === 'waitlistEnded')).toMatchObject({ reason: 'disabled', waitlistAfter: 6, waitlistUpTo: 10 });
    expect(d.join('late').waitlisted).toBeUndefined();
    expect(checkInvariants(d.journal)).toEqual([]);
  });

  it('the checker recomputes the line from its own counts, and catches a line moved later or one while nothing is free', () => {
    const d = earlySale();
    const at = d.clock.now();
    const entry = { type: 'earlyWaitlist' as const, at, tickets: 6, openGrants: 1, places: 5, waitlistAfter: 6 };
    expect(checkInvariants([...d.journal, { ...entry, places: 6 }]).map((v) => v.invariant)).toEqual(['standbySize']);
    expect(checkInvariants([...d.journal, { ...entry, tickets: 7 }]).map((v) => v.message)).toEqual(['early waitlist for 7 tickets and 1 open grants; there are 6 and 1']);
    expect(checkInvariants([...d.journal, { ...entry, waitlistAfter: 7 }]).map((v) => v.message)).toEqual(['the early waitlist\'s boundary moved later, from 6 to 7']);
    d.buy('fan1', 2);
    d.advance(SECOND);
    d.buy('fan2', 2);
    d.advance(SECOND); // nothing free: a standby, not an early waitlist
    const late = { type: 'earlyWaitlist' as const, at: d.clock.now(), tickets: 2, openGrants: 1, places: 1, waitlistAfter: 4 };
    expect(checkInvariants([...d.journal, late]).map((v) => v.message)).toEqual(['an early waitlist while nothing is free to sell (a standby is due)']);
  });
});
