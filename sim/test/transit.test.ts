import { describe, expect, it } from 'vitest';
import type { JournalEntry } from '../../engine/src/index.js';
import { checkTransit, notLeftAfterTurn, whyNotLeft } from '../src/live/transit.js';

const allocation = { kind: 'tickets', tierId: 'ga', quantity: 1 } as never;
const journal: JournalEntry[] = [
  { type: 'admitted', at: 100, fanIds: ['told', 'untold', 'away', 'buyer'], firstGrant: 1, grantExpiresAt: 1_000 },
  { type: 'held', at: 150, fanId: 'buyer', holdId: 'h1', grantId: 'g4', key: 'k', fingerprint: 'f', allocation, expiresAt: 900 },
  { type: 'purchased', at: 200, holdId: 'h1', paymentId: 'p1' },
  { type: 'grantExpired', at: 1_000, fanId: 'untold', grantId: 'g2' },
];
const fan = (fanId: string, grants: string[], purchases: string[], offline: Array<[number, number]> = [], lapses = fanId === 'untold' ? ['g2'] : []) => ({ fanId, grants, purchases, lapses, offline });

describe('checkTransit: what fans were told against the journal', () => {
  it('is clean when every connected fan heard what happened to it', () => {
    const records = [fan('told', ['g1'], []), fan('untold', ['g2'], []), fan('away', [], [], [[50, 2_000]]), fan('buyer', ['g4'], ['h1'])];
    expect(checkTransit(journal, records, 5_000)).toEqual({ toldButMissing: 0, happenedButUntold: 0, approvedPaymentsLost: 0, grantsToldOnlyLapsed: 0, examples: [] });
  });

  it('counts a grant that stayed open while the fan was connected, and a purchase a fan connected afterwards never heard of', () => {
    // 'away' was gone for part of its grant: not counted; 'buyer' came back after its purchase and was not told.
    const records = [fan('told', ['g1'], []), fan('untold', [], []), fan('away', [], [], [[500, 600]]), fan('buyer', ['g4'], [], [[180, 300]])];
    const check = checkTransit(journal, records, 5_000);
    expect(check).toMatchObject({ toldButMissing: 0, happenedButUntold: 2, grantsToldOnlyLapsed: 1 });
    // The grant's open interval, in wall-clock time, to set beside a chaos run's timeline; 'untold' heard of g2 only its lapse.
    expect(check.examples).toEqual(['happenedButUntold untold: grant g2 (00:00:00.100–00:00:01.000, told only its lapse)', 'happenedButUntold buyer: purchase of h1']);
    const silent = checkTransit(journal, [fan('untold', [], [], [], [])], 5_000);
    expect(silent).toMatchObject({ happenedButUntold: 2, grantsToldOnlyLapsed: 0 }); // its grant, and the lapse
  });

  it('counts a lapse a fan connected after it never heard of, and not one while it was away until the end', () => {
    const records = (lapses: string[], offline: Array<[number, number]>) => [fan('told', ['g1'], []), fan('untold', ['g2'], [], offline, lapses), fan('away', [], [], [[50, 2_000]]), fan('buyer', ['g4'], ['h1'])];
    expect(checkTransit(journal, records([], [[900, 1_500]]), 5_000)).toMatchObject({ happenedButUntold: 1, examples: ['happenedButUntold untold: lapse of grant g2'] });
    expect(checkTransit(journal, records([], [[900, 5_000]]), 5_000)).toMatchObject({ happenedButUntold: 0 });
    expect(checkTransit(journal, records(['g2'], [[900, 1_500]]), 5_000)).toMatchObject({ happenedButUntold: 0 });
  });

  it('counts what a fan was told that the journal does not have', () => {
    const records = [fan('told', ['g1', 'g9'], ['h7']), fan('untold', ['g2'], []), fan('away', [], [], [[50, 2_000]]), fan('buyer', ['g4'], ['h1'])];
    expect(checkTransit(journal, records, 5_000)).toMatchObject({ toldButMissing: 2, happenedButUntold: 0, approvedPaymentsLost: 1 });
  });

  it('leaves out what happened in the last 2 s before the report: it may be on its way', () => {
    const records = [fan('told', ['g1'], []), fan('untold', [], []), fan('away', [], [], [[50, 2_000]]), fan('buyer', ['g4'], [])];
    expect(checkTransit(journal, records, 2_050)).toMatchObject({ happenedButUntold: 0 });
    expect(checkTransit(journal, records, 2_150)).toMatchObject({ happenedButUntold: 1 });
    expect(checkTransit(journal, records, 2_250)).toMatchObject({ happenedButUntold: 2 });
  });
});

describe('notLeftAfterTurn: a turn heard after leaving crossed the leave on the wire', () => {
  // 'left-before' left an earlier place, and its new place was called.
  const entries: JournalEntry[] = [
    { type: 'left', at: 90, fanId: 'left-before', reason: 'left' },
    { type: 'admitted', at: 100, fanIds: ['crossed', 'never-left'], firstGrant: 1, grantExpiresAt: 1_000 },
    { type: 'left', at: 110, fanId: 'crossed', reason: 'left' },
    { type: 'called', at: 120, fanIds: ['left-before'], firstGrant: 3, grantExpiresAt: 1_000 },
  ];

  it('names the fans the journal does not show leaving after their latest turn', () => {
    expect(notLeftAfterTurn(entries, ['crossed', 'never-left', 'left-before', 'no-turn'])).toEqual(['never-left', 'left-before', 'no-turn']);
    expect(notLeftAfterTurn([...entries, { type: 'left', at: 130, fanId: 'left-before', reason: 'left' }], ['left-before'])).toEqual([]);
  });

  it('tells why a fan is not shown leaving after its turn, and counts only what contradicts what the fan was told', () => {
    const entries: JournalEntry[] = [
      { type: 'left', at: 50, fanId: 'early', reason: 'left' },
      { type: 'admitted', at: 100, fanIds: ['early', 'refused', 'pending', 'answered', 'quiet'], firstGrant: 1, grantExpiresAt: 1_000 },
    ];
    const leaves = { early: 'ok', refused: 'ENGINE_UNAVAILABLE', pending: 'in flight', answered: 'ok' };
    expect(whyNotLeft(entries, ['early', 'refused', 'pending', 'answered', 'quiet', 'ghost'], leaves)).toEqual({
      why: {
        'left before its turn in the journal': 1,
        'no leave in the journal, the leave ENGINE_UNAVAILABLE': 1,
        'no leave in the journal, the leave in flight': 1,
        'no leave in the journal, the leave ok': 1,
        'no leave in the journal, the leave never asked for': 1,
        'turn not in the journal': 1,
      },
      // Admitted after a journaled leave, told `left` with no leave journaled, a turn the journal lacks; the rest never left.
      contradicted: 3,
      examples: ['early: left@00:00:00.050 admitted@00:00:00.100', 'answered: admitted@00:00:00.100', 'ghost: '],
    });
  });
});
