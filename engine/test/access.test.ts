/**
 * Presale phases and access codes: which phase a join is for, each access
 * rule and its refusals, codes generated and uploaded, idempotent redemption,
 * uses and ticket caps, and restore after every step.
 */
import { describe, expect, it } from 'vitest';
import { GENERATED_CODE_LENGTH } from '../src/access/code-input.js';
import type { CodeView } from '../src/access/code-book.js';
import type { EventConfigInput, SalePhase } from '../src/config/types.js';
import { validateConfigUpdate, validateEventConfig } from '../src/config/validate.js';
import { checkInvariants } from '../src/invariants.js';
import { commitmentOf } from '../src/fairness/shuffle.js';
import type { JournalEntry } from '../src/journal/entries.js';
import type { JoinResult } from '../src/event/views.js';
import { CLOSES_AT, Driver, MINUTE, ON_SALE_AT, PRE_QUEUE_AT, SECOND, countingBytes, errorOf, gaConfig } from './fixtures.js';

const CODES_AT = ON_SALE_AT + 10 * MINUTE;
const PUBLIC_AT = ON_SALE_AT + 20 * MINUTE;

/** Fan club (groups) on the event's own times, then a coded presale, then the public sale. */
function presalePhases(): SalePhase[] {
  return [
    { id: 'fanclub', name: 'Fan club presale', preQueueOpensAt: PRE_QUEUE_AT, onSaleAt: ON_SALE_AT, access: { kind: 'groups', groups: ['fanclub', 'vip'] } },
    { id: 'amex', name: 'Card presale', preQueueOpensAt: CODES_AT, onSaleAt: CODES_AT, access: { kind: 'code' } },
    { id: 'public', name: 'Public sale', preQueueOpensAt: PUBLIC_AT, onSaleAt: PUBLIC_AT, access: { kind: 'open' } },
  ];
}

function presaleConfig(overrides: Partial<EventConfigInput> = {}): EventConfigInput {
  return gaConfig({ phases: presalePhases(), quantity: 20, ...overrides });
}

function driver(config = presaleConfig()): Driver {
  return new Driver(config, { randomBytes: countingBytes() });
}

function join(d: Driver, fanId: string, context: Record<string, unknown> = {}): JoinResult {
  return d.exec({ type: 'join', fanId, ...context }) as JoinResult;
}

function upload(d: Driver, csv: string): { added: number } {
  return d.exec({ type: 'uploadCodes', csv }) as { added: number };
}

function codes(d: Driver): CodeView[] {
  return d.sale.codes.list(0, 1_000);
}

function issuesOf(fn: () => unknown): unknown {
  return errorOf(fn).details.issues;
}

describe('phases in the configuration', () => {
  it('an event given no phases has one open phase on its own times', () => {
    expect(validateEventConfig(gaConfig()).phases).toEqual([
      { id: 'public', name: 'Public sale', preQueueOpensAt: PRE_QUEUE_AT, onSaleAt: ON_SALE_AT, access: { kind: 'open' } },
    ]);
  });

  it('with phases given, the event times may be left out and are the first phase\'s', () => {
    const { preQueueOpensAt: _p, onSaleAt: _o, ...rest } = presaleConfig();
    const config = validateEventConfig(rest);
    expect(config).toMatchObject({ preQueueOpensAt: PRE_QUEUE_AT, onSaleAt: ON_SALE_AT });
    expect(config.phases).toEqual(presalePhases());
  });

  it('lists every problem: order, ids, times, access, and event times that disagree', () => {
    const phases = presalePhases() as unknown as Array<Record<string, unknown>>;
    phases[1] = { ...phases[1], id: 'fanclub', preQueueOpensAt: ON_SALE_AT - 1, onSaleAt: ON_SALE_AT - 2 };
    phases[2] = { ...phases[2], access: { kind: 'groups', groups: [] }, onSaleAt: CLOSES_AT };
    expect(issuesOf(() => validateEventConfig({ ...presaleConfig(), phases, onSaleAt: ON_SALE_AT + 1 }))).toEqual([
      { field: 'phases[2].access.groups', reason: 'must name at least one group' },
      { field: 'phases[1].id', reason: 'duplicates phases[0].id' },
      { field: 'phases[1].onSaleAt', reason: 'must be at or after its preQueueOpensAt' },
      { field: 'phases[1].preQueueOpensAt', reason: expect.stringContaining("at or after the previous phase's onSaleAt") },
      { field: 'onSaleAt', reason: "must be the first phase's onSaleAt (or be left out)" },
      { field: 'closesAt', reason: "must be after the last phase's onSaleAt" },
    ]);
  });

  it('refuses an empty list, an unknown access kind and stray fields', () => {
    expect(issuesOf(() => validateEventConfig({ ...gaConfig(), phases: [] }))).toEqual([
      { field: 'phases', reason: 'must list at least one phase (or be left out for one open phase)' },
    ]);
    const phases = [{ ...presalePhases()[0], access: { kind: 'invite' } }, { ...presalePhases()[1], access: { kind: 'code', groups: ['x'] } }];
    expect(issuesOf(() => validateEventConfig({ ...presaleConfig(), phases: phases.slice(0, 1) }))).toEqual([
      { field: 'phases[0].access.kind', reason: 'must be one of "open", "groups", "code", got a string' },
    ]);
    expect(issuesOf(() => validateEventConfig({ ...presaleConfig(), phases: [presalePhases()[0], phases[1]] }))).toEqual([
      { field: 'phases[1].access.groups', reason: 'is not a known field' },
    ]);
  });

  it('an update that moves the event times moves the first phase; new phases bring their own', () => {
    const current = validateEventConfig(gaConfig());
    const moved = validateConfigUpdate(current, { onSaleAt: ON_SALE_AT + MINUTE });
    expect(moved.phases[0]).toMatchObject({ onSaleAt: ON_SALE_AT + MINUTE });
    const phased = validateConfigUpdate(current, { phases: presalePhases() });
    expect(phased).toMatchObject({ preQueueOpensAt: PRE_QUEUE_AT, onSaleAt: ON_SALE_AT, phases: presalePhases() });
  });

  it('on a live sale, a phase that opened stays; new phases must open later', () => {
    const d = driver().at(ON_SALE_AT + MINUTE);
    const [fanclub, amex, publicSale] = presalePhases();
    const change = (phases: unknown) => d.rejects(() => d.exec({ type: 'updateEvent', patch: { phases } }), 'INVALID_CONFIG').details.issues;
    expect(change([amex, publicSale].map((p) => ({ ...p })))).toContainEqual({ field: 'phases[0]', reason: 'phase "fanclub" has opened: it cannot be removed, renamed or moved' });
    expect(change([{ ...fanclub, access: { kind: 'open' } }, amex, publicSale])).toEqual([
      { field: 'phases[0].access.kind', reason: "cannot change once the phase's pre-queue has opened" },
    ]);
    expect(change([fanclub, { ...amex, preQueueOpensAt: ON_SALE_AT, onSaleAt: ON_SALE_AT }, publicSale])).toEqual([
      { field: 'phases[1].preQueueOpensAt', reason: 'a new or moved phase must open later than now' },
    ]);
    // Moving a phase that has not opened, and changing an open phase's groups, are fine.
    d.exec({ type: 'updateEvent', patch: { phases: [{ ...fanclub, access: { kind: 'groups', groups: ['fanclub'] } }, { ...amex, preQueueOpensAt: CODES_AT + MINUTE, onSaleAt: CODES_AT + MINUTE }, publicSale] } });
    expect(d.sale.config.phases[1]!.onSaleAt).toBe(CODES_AT + MINUTE);
  });
});

describe('which phase a join is for, and its access rule', () => {
  it('groups: a fan without an identity, or in none of the groups, is refused and nothing changes', () => {
    const d = driver().at(PRE_QUEUE_AT);
    expect(d.rejects(() => join(d, 'anon'), 'ACCESS_DENIED').details).toEqual({ phaseId: 'fanclub', reason: 'identityRequired' });
    expect(d.rejects(() => join(d, 'stranger', { groups: ['press'] }), 'ACCESS_DENIED').details).toEqual({ phaseId: 'fanclub', reason: 'notInGroup' });
    expect(join(d, 'member', { groups: ['press', 'vip'] })).toMatchObject({ status: 'preQueue' });
    // Joining again returns the same place without asking again.
    expect(join(d, 'member')).toMatchObject({ status: 'preQueue' });
  });

  it('the phase is the latest whose pre-queue has opened; a fan in line from an earlier phase keeps the place', () => {
    const d = driver().at(PRE_QUEUE_AT);
    join(d, 'member', { groups: ['fanclub'] });
    d.at(CODES_AT);
    expect(d.rejects(() => join(d, 'member2', { groups: ['fanclub'] }), 'ACCESS_CODE_REQUIRED').details).toEqual({ phaseId: 'amex' });
    expect(join(d, 'member')).toMatchObject({ fanId: 'member' });
    d.at(PUBLIC_AT);
    expect(join(d, 'anyone')).toMatchObject({ status: 'waiting' });
  });

  it('code: required, then checked against the phase; a good code binds the account and is journaled', () => {
    const d = driver();
    expect(upload(d, 'code,uses,ticketCap,phase\nCARD-0001,1,4,amex\ncard 0002,1,4\n')).toEqual({ added: 2 });
    d.at(CODES_AT);
    expect(d.rejects(() => join(d, 'f1'), 'ACCESS_CODE_REQUIRED').details).toEqual({ phaseId: 'amex' });
    expect(d.rejects(() => join(d, 'f1', { accessCode: 'NOPE-0001' }), 'ACCESS_CODE_INVALID').details).toEqual({ phaseId: 'amex', reason: 'unknown' });
    const mark = d.journal.length;
    // Case, spaces and dashes do not matter; a code with no phase opens every coded phase.
    expect(join(d, 'f1', { accessCode: ' card-0001 ' })).toMatchObject({ status: 'waiting' });
    expect(join(d, 'f2', { accessCode: 'CARD0002' })).toMatchObject({ status: 'waiting' });
    expect(d.entriesSince(mark).filter((e) => e.type !== 'admitted')).toEqual([
      { type: 'joined', at: CODES_AT, fanId: 'f1' },
      { type: 'codeRedeemed', at: CODES_AT, fanId: 'f1', code: 'CARD0001' },
      { type: 'joined', at: CODES_AT, fanId: 'f2' },
      { type: 'codeRedeemed', at: CODES_AT, fanId: 'f2', code: 'CARD0002' },
    ]);
    expect(d.rejects(() => join(d, 'f3', { accessCode: 'CARD-0001' }), 'ACCESS_CODE_INVALID').details).toEqual({ phaseId: 'amex', reason: 'boundToOtherAccounts' });
  });

  it('a code for another phase is refused', () => {
    const phases = presalePhases();
    phases[2] = { ...phases[2]!, access: { kind: 'code' } };
    const d = driver(presaleConfig({ phases }));
    upload(d, 'AMEX-1,1,4,amex');
    d.at(PUBLIC_AT);
    expect(d.rejects(() => join(d, 'f1', { accessCode: 'AMEX-1' }), 'ACCESS_CODE_INVALID').details).toEqual({ phaseId: 'public', reason: 'otherPhase' });
  });

  it('redeeming again is idempotent: the same account re-joins with its code at no cost, others share what uses are left', () => {
    const d = driver();
    upload(d, 'DUO-1,2,8,amex');
    d.at(CODES_AT);
    join(d, 'a', { accessCode: 'DUO-1' });
    d.leave('a');
    join(d, 'a', { accessCode: 'DUO-1' });
    join(d, 'b', { accessCode: 'DUO-1' });
    expect(codes(d)).toEqual([{ code: 'DUO1', phaseId: 'amex', uses: 2, ticketCap: 8, accounts: ['a', 'b'], ticketsUsed: 0 }]);
    expect(d.rejects(() => join(d, 'c', { accessCode: 'DUO-1' }), 'ACCESS_CODE_INVALID').details.reason).toBe('boundToOtherAccounts');
    d.leave('b');
    expect(join(d, 'b', { accessCode: 'duo-1' })).toMatchObject({ status: 'waiting' });
    expect(checkInvariants(d.journal)).toEqual([]);
  });

  it('the ticket cap limits every hold of the fans who joined with the code, on top of the per-fan limit', () => {
    const d = driver();
    upload(d, 'TEAM-1,2,5,amex');
    d.at(CODES_AT);
    join(d, 'a', { accessCode: 'TEAM-1' });
    join(d, 'b', { accessCode: 'TEAM-1' });
    d.advance(SECOND);
    const first = d.holdTickets('a', 4);
    const err = d.rejects(() => d.holdTickets('b', 2), 'LIMIT_EXCEEDED');
    expect(err.details).toEqual({ scope: 'accessCode', limit: 5, current: 4, requested: 2 });
    // A new account finds the code used up while its tickets are taken: the cap is shared.
    d.exec({ type: 'generateCodes', count: 1, uses: 1, ticketCap: 1, phaseId: 'amex' });
    expect(codes(d)[0]!.ticketsUsed).toBe(4);
    d.release('a', first.holdId);
    expect(codes(d)[0]!.ticketsUsed).toBe(0);
    expect(d.holdTickets('b', 2)).toMatchObject({ quantity: 2 });
    expect(checkInvariants(d.journal)).toEqual([]);
  });

  it('a code whose every ticket is taken is used up for a new account', () => {
    const d = driver();
    upload(d, 'PAIR-1,3,2,amex');
    d.at(CODES_AT);
    join(d, 'a', { accessCode: 'PAIR-1' });
    d.advance(SECOND);
    d.buy('a', 2);
    expect(d.rejects(() => join(d, 'b', { accessCode: 'PAIR-1' }), 'ACCESS_CODE_INVALID').details.reason).toBe('usedUp');
  });
});

describe('codes from the organizer', () => {
  it('generates codes with the event\'s random source: distinct, unambiguous, 60 bits, stored in the journal', () => {
    const d = driver();
    const { added, codes: drawn } = d.exec({ type: 'generateCodes', count: 500, uses: 1, ticketCap: 2, phaseId: 'amex' }) as { added: number; codes: string[] };
    expect(added).toBe(500);
    expect(new Set(drawn).size).toBe(500);
    for (const code of drawn) expect(code).toMatch(new RegExp(`^[0-9A-HJKMNP-TV-Z]{${GENERATED_CODE_LENGTH}}$`));
    expect(d.journal.at(-1)).toEqual({ type: 'codesAdded', at: d.clock.now(), codes: drawn, uses: 1, ticketCap: 2, phaseId: 'amex' });
    expect(d.restored().sale.codes.list(0, 1_000)).toEqual(codes(d));
  });

  it.each([
    [{ count: 0, uses: 1, ticketCap: 1 }, 'count'],
    [{ count: 50_001, uses: 1, ticketCap: 1 }, 'count'],
    [{ count: 1, uses: 1.5, ticketCap: 1 }, 'uses'],
    [{ count: 1, uses: 1, ticketCap: 0 }, 'ticketCap'],
    [{ count: 1, uses: 1, ticketCap: 1, phaseId: 'public' }, 'phaseId'],
  ])('refuses to generate %o (%s)', (request, field) => {
    const d = driver();
    expect(d.rejects(() => d.exec({ type: 'generateCodes', ...request }), 'MALFORMED_COMMAND').details.field).toBe(field);
  });

  it('a CSV upload with bad lines changes nothing and says which lines are wrong', () => {
    const d = driver();
    upload(d, 'TAKEN-1,1,1');
    const csv = [
      'GOOD-1,1,4,amex', 'x,1,1', 'GOOD-2,0,4', 'GOOD-3,1,lots', 'good 1,1,4', 'TAKEN-1,1,1', 'GOOD-4,1,4,public', 'GOOD-5,1', '"GOOD-6",1,1', 'GOOD-7,1,4,amex,extra',
    ].join('\n');
    const err = d.rejects(() => upload(d, csv), 'MALFORMED_COMMAND');
    expect(err.details.lines).toEqual([
      { line: 2, reason: expect.stringContaining('the code must be 4 to 64') },
      { line: 3, reason: 'uses must be a whole number from 1 to 1000000' },
      { line: 4, reason: 'ticketCap must be a whole number from 1 to 1000000' },
      { line: 5, reason: 'repeats the code of line 1' },
      { line: 6, reason: 'the event already has this code' },
      { line: 7, reason: 'phase "public" is not a phase whose access is by code' },
      { line: 8, reason: 'has 2 fields: expected code,uses,ticketCap[,phase]' },
      { line: 9, reason: expect.stringContaining('the code must be') },
      { line: 10, reason: 'has 5 fields: expected code,uses,ticketCap[,phase]' },
    ]);
    expect(err.message).toMatch(/^9 lines of the upload are wrong, nothing was added: line 2: /);
    expect(d.rejects(() => upload(d, '\n\n'), 'MALFORMED_COMMAND').details.lines).toEqual([{ line: 1, reason: 'the file has no codes' }]);
  });

  it('an upload of mixed lines is one journal entry per shared uses, cap and phase', () => {
    const d = driver();
    const mark = d.journal.length;
    upload(d, 'A-001,1,2,amex\r\nB-001,5,10\r\nA-002,1,2,amex\r\n');
    expect(d.entriesSince(mark).map((e) => (e.type === 'codesAdded' ? [e.codes, e.uses, e.ticketCap, e.phaseId] : e.type))).toEqual([
      [['A001', 'A002'], 1, 2, 'amex'],
      [['B001'], 5, 10, undefined],
    ]);
  });

  it('a closed event takes no more codes', () => {
    const d = driver();
    d.exec({ type: 'close' });
    expect(d.rejects(() => upload(d, 'LATE-1,1,1'), 'WRONG_PHASE').details.phase).toBe('closed');
  });
});

/** The fans in number order. */
const queueOrderOf = (d: Driver, fans: readonly string[]) => [...fans].sort((a, b) => d.fanView(a).number - d.fanView(b).number);

describe('the draws of later phases', () => {
  const WINDOW = 30 * SECOND;
  const CARD_OPENS = ON_SALE_AT + 10 * MINUTE;
  const CARD_STARTS = CARD_OPENS + 5 * MINUTE;
  /** An open first phase, then an open second phase with a 5-minute pre-queue; a 30 s start window. */
  function twoPhases(): Driver {
    const phases: SalePhase[] = [
      { id: 'first', name: 'First sale', preQueueOpensAt: PRE_QUEUE_AT, onSaleAt: ON_SALE_AT, access: { kind: 'open' } },
      { id: 'second', name: 'Second sale', preQueueOpensAt: CARD_OPENS, onSaleAt: CARD_STARTS, access: { kind: 'open' } },
    ];
    return new Driver(gaConfig({ phases, quantity: 200, door: { startWindowMs: WINDOW }, admission: { mode: 'rate', fansPerMinute: 1 } }), { randomBytes: countingBytes() });
  }
  const drawOf = (d: Driver, name: string) => d.status().draws.find((draw) => draw.draw === name);

  it('a later phase\'s one draw is sealed when its pre-queue opens, run when its start window closes and numbered after everyone before', () => {
    const d = twoPhases().at(PRE_QUEUE_AT);
    d.joinMany(3, 'early');
    d.at(ON_SALE_AT + MINUTE);
    d.joinMany(2, 'late');
    expect(drawOf(d, 'phase:second')).toBeUndefined();

    d.at(CARD_OPENS);
    const sealed = d.journal.find((e) => e.type === 'drawSealed' && e.draw === 'phase:second');
    expect(sealed).toMatchObject({ at: CARD_OPENS });
    expect(drawOf(d, 'phase:second')).toMatchObject({ seed: undefined, drawsAt: CARD_STARTS + WINDOW, pending: 0 });
    const joined = d.joinMany(20, 'second');
    for (const fanId of joined) expect(d.fanView(fanId)).toMatchObject({ number: 0, status: 'preQueue', numberedAt: CARD_STARTS + WINDOW });
    // A fan in line from the first phase keeps the number.
    expect(d.join('late1')).toMatchObject({ number: 4 });

    // The phase is on sale from its start, but its pre-queue waits for the window's end.
    d.at(CARD_STARTS + WINDOW - 1);
    expect(d.fanView('second1')).toMatchObject({ number: 0, numberedAt: CARD_STARTS + WINDOW });
    d.at(CARD_STARTS + WINDOW);
    const drawn = d.journal.find((e) => e.type === 'drawn' && e.draw === 'phase:second');
    expect(drawn).toMatchObject({ at: CARD_STARTS + WINDOW, count: 20 });
    expect(drawn?.type === 'drawn' && commitmentOf(drawn.seed)).toBe(sealed?.type === 'drawSealed' && sealed.commitment);
    const numbers = joined.map((fanId) => d.fanView(fanId).number);
    expect([...numbers].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => 6 + i));
    expect(numbers).not.toEqual([...numbers].sort((a, b) => a - b));
    expect(drawOf(d, 'phase:second')).toMatchObject({ numbered: 20, pending: 0, seed: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(checkInvariants(d.journal)).toEqual([]);
  });

  it('a later phase\'s pre-queue and its start window\'s arrivals are drawn together when the window closes, before anyone arriving after', () => {
    const d = twoPhases().at(CARD_OPENS);
    d.join('pre');
    d.at(CARD_STARTS + SECOND);
    const inWindow = d.joinMany(10, 'window');
    for (const fanId of inWindow) expect(d.fanView(fanId)).toMatchObject({ number: 0, numberedAt: CARD_STARTS + WINDOW });
    d.at(CARD_STARTS + WINDOW);
    expect(d.join('after').number).toBe(12);
    const cohort = ['pre', ...inWindow];
    expect(cohort.map((fanId) => d.fanView(fanId).number).sort((a, b) => a - b)).toEqual(Array.from({ length: 11 }, (_, i) => 1 + i));
    const drawn = d.journal.find((e) => e.type === 'drawn' && e.draw === 'phase:second');
    expect(queueOrderOf(d, cohort)).toEqual(d.drawOrder(cohort, drawn?.type === 'drawn' ? drawn.seed : 'no draw'));
    expect(d.journal.filter((e) => e.type === 'drawn').map((e) => e.type === 'drawn' && [e.draw, e.count])).toEqual([
      ['preQueue', 0], ['phase:second', 11],
    ]);
    expect(checkInvariants(d.journal)).toEqual([]);
  });

  it('a later phase must open after the previous phase\'s start window closes', () => {
    const phases = [
      { id: 'first', name: 'First', preQueueOpensAt: PRE_QUEUE_AT, onSaleAt: ON_SALE_AT, access: { kind: 'open' } },
      { id: 'second', name: 'Second', preQueueOpensAt: ON_SALE_AT + 10 * SECOND, onSaleAt: ON_SALE_AT + MINUTE, access: { kind: 'open' } },
    ];
    expect(issuesOf(() => validateEventConfig({ ...gaConfig({ door: { startWindowMs: WINDOW } }), phases }))).toEqual([
      { field: 'phases[1].preQueueOpensAt', reason: `must be at or after the previous phase's start window closes (its onSaleAt + door.startWindowMs = ${ON_SALE_AT + WINDOW})` },
    ]);
  });

  it('the oracle refuses a later phase\'s join numbered outside its draw', () => {
    const d = twoPhases().at(CARD_OPENS);
    d.join('pre');
    const forged = d.journal.map((e) => (e.type === 'joined' && e.fanId === 'pre' ? { type: 'joined' as const, at: e.at, fanId: e.fanId } : e));
    expect(checkInvariants(forged)).toContainEqual({ invariant: 'numberingOrder', message: 'pre joined for draw undefined, the rules say phase:second' });
  });
});

/** A presale from codes to purchases, one small step at a time; the coded presale has its own pre-queue and start window. */
const RESTORE_WINDOW = 30 * SECOND;
const AMEX_OPENS = CODES_AT - 5 * MINUTE;
function restoreConfig(): EventConfigInput {
  const phases = presalePhases();
  phases[1] = { ...phases[1]!, preQueueOpensAt: AMEX_OPENS };
  return presaleConfig({ phases, door: { startWindowMs: RESTORE_WINDOW } });
}

const steps: Array<[label: string, run: (d: Driver) => void]> = [
  ['the organizer uploads and generates codes', (d) => {
    upload(d, 'TEAM-1,2,3,amex\nSOLO-1,1,2');
    d.exec({ type: 'generateCodes', count: 3, uses: 1, ticketCap: 2, phaseId: 'amex' });
  }],
  ['fan-club members join the pre-queue', (d) => {
    d.at(PRE_QUEUE_AT);
    join(d, 'm1', { groups: ['fanclub'] });
    join(d, 'm2', { groups: ['vip'] });
  }],
  ['the sale starts; the coded presale opens its pre-queue and two fans join it with one code', (d) => {
    d.startSale();
    d.at(AMEX_OPENS);
    join(d, 'a', { accessCode: 'TEAM-1' });
    join(d, 'b', { accessCode: 'team1' });
  }],
  ['the coded presale starts (its pre-queue waits for its window to close); c arrives in its start window', (d) => {
    d.at(CODES_AT + SECOND);
    join(d, 'c', { accessCode: 'SOLO-1' });
  }],
  ['the window closes: a, b and c are drawn together; a buys 2; b may hold only 1 more', (d) => {
    d.at(CODES_AT + RESTORE_WINDOW + SECOND);
    d.buy('a', 2);
    d.holdTickets('b', 1);
  }],
  ['a leaves and re-joins with the code; the hold stays', (d) => {
    d.leave('a');
    join(d, 'a', { accessCode: 'TEAM-1' });
  }],
  ['b releases: the code has room again', (d) => {
    d.release('b', d.fanView('b').holds[0]!.holdId);
  }],
  ['the public sale: anyone joins, in its start window and after', (d) => {
    d.at(PUBLIC_AT);
    join(d, 'p1');
    d.at(PUBLIC_AT + RESTORE_WINDOW);
    join(d, 'p2');
  }],
];

function run(d: Driver, from = 0, to = steps.length): Driver {
  for (const [, step] of steps.slice(from, to)) step(d);
  return d;
}

/** The engine's usual deterministic source: a restored copy draws what the original draws (at most 8 distinct codes). */
const repeatable = () => new Driver(restoreConfig());

describe('restoring a presale from the journal', () => {
  it('the whole presale keeps every invariant', () => {
    const d = run(repeatable());
    expect(checkInvariants(d.journal)).toEqual([]);
    expect(d.journal.filter((e) => e.type === 'drawn').map((e) => e.type === 'drawn' && [e.draw, e.count])).toEqual([
      ['preQueue', 2], ['phase:amex', 3], ['phase:public', 1],
    ]);
    expect(codes(d).slice(0, 2)).toEqual([
      { code: 'TEAM1', phaseId: 'amex', uses: 2, ticketCap: 3, accounts: ['a', 'b'], ticketsUsed: 2 },
      { code: 'SOLO1', phaseId: null, uses: 1, ticketCap: 2, accounts: ['c'], ticketsUsed: 0 },
    ]);
  });

  it.each(steps.map(([label], i) => [i + 1, label] as const))('restored after step %i (%s), it continues exactly like the original', (i) => {
    const original = run(repeatable(), 0, i);
    const copy = original.restored();
    expect(copy.sale.codes.list(0, 100)).toEqual(original.sale.codes.list(0, 100));
    const mark = original.journal.length;
    run(original, i);
    run(copy, i);
    expect(copy.entriesSince(mark)).toEqual(original.entriesSince(mark));
    expect(copy.sale.codes.list(0, 100)).toEqual(original.sale.codes.list(0, 100));
    expect(copy.status()).toEqual(original.status());
  });
});

describe('the invariants oracle checks codes on its own', () => {
  const journal = (): JournalEntry[] => [...run(repeatable()).journal];

  it('a code bound to more accounts than its uses', () => {
    const forged = journal();
    const at = forged.findIndex((e) => e.type === 'codeRedeemed' && e.fanId === 'c');
    forged.splice(at + 1, 0, { type: 'codeRedeemed', at: 0, fanId: 'intruder', code: 'SOLO1' });
    expect(checkInvariants(forged)).toEqual([{ invariant: 'codeUses', message: 'access code SOLO1 bound to 2 accounts, 1 uses' }]);
  });

  it('holds of a code\'s fans over its ticket cap', () => {
    const forged = journal().map((e) => (e.type === 'held' && e.fanId === 'b' ? { ...e, allocation: { ...e.allocation, quantity: 2 } } : e));
    expect(checkInvariants(forged)).toContainEqual({ invariant: 'codeTicketCap', message: 'access code TEAM1: 4 tickets, cap 3' });
  });
});
