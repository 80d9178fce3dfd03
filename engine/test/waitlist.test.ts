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
