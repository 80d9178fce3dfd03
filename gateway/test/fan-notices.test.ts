import { describe, expect, it } from 'vitest';
import { Engine, SimulatedClock, type JournalEntry } from '../../engine/src/index.js';
import { aesSeedVault } from '../../engine/stores/seed-vault.js';
import { grantIdOf } from '../../engine/src/index.js';
import { noticesOf } from '../src/fan/fan-notices.js';

describe('journal entries → fan messages', () => {
  it('numbers grants exactly as the engine does', () => {
    const clock = new SimulatedClock(0);
    const engine = new Engine({ clock, seeds: aesSeedVault('fan notices test') });
    engine.createEvent({
      id: 'e', name: 'e', preQueueOpensAt: 0, onSaleAt: 0, closesAt: 3600_000,
      inventory: { tiers: [{ id: 'ga', name: 'GA', price: 1, quantity: 100 }] }, admission: { mode: 'rate', fansPerMinute: 600 },
      door: { startWindowMs: 0 }, // numbered and admitted on arrival
    }, { publish: true });
    const admitted: Extract<JournalEntry, { type: 'admitted' }>[] = [];
    engine.onEntries((_, entries) => admitted.push(...entries.filter((e): e is Extract<JournalEntry, { type: 'admitted' }> => e.type === 'admitted')));
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 7; i++) engine.execute({ type: 'join', eventId: 'e', fanId: `f${round}-${i}` });
      clock.advance(1000);
      engine.tick();
    }
    expect(admitted.length).toBeGreaterThan(1);
    for (const entry of admitted) {
      entry.fanIds.forEach((fanId, i) => expect(grantIdOf(entry.firstGrant, i)).toBe(engine.event('e').fanView(fanId).grant?.grantId));
    }
  });

  it('sends per-fan news to that fan only, and event news once to the event, in journal order', () => {
    const notices = noticesOf('e', [
      { type: 'admitted', at: 1, fanIds: ['a', 'b'], firstGrant: 5, grantExpiresAt: 9 },
      { type: 'expired', at: 2, holdId: 'h1' },
      { type: 'purchased', at: 3, holdId: 'h2', paymentId: 'p' },
      { type: 'left', at: 4, fanId: 'c', reason: 'presenceLost' },
      { type: 'left', at: 4, fanId: 'd', reason: 'left' },
      { type: 'released', at: 5, holdId: 'h1', key: 'k' },
      { type: 'soldOut', at: 6 },
    ], { h1: 'a', h2: 'b' });
    expect(notices).toEqual([
      { fanId: 'a', message: { t: 'admitted', eventId: 'e', grantId: 'g5', expiresAt: 9 } },
      { fanId: 'b', message: { t: 'admitted', eventId: 'e', grantId: 'g6', expiresAt: 9 } },
      { fanId: 'a', message: { t: 'holdExpired', eventId: 'e', holdId: 'h1' } },
      { fanId: 'b', message: { t: 'purchased', eventId: 'e', holdId: 'h2', paymentId: 'p' } },
      { fanId: 'c', message: { t: 'placeLost', eventId: 'e', reason: 'presenceLost' } },
      { fanId: undefined, message: { t: 'soldOut', eventId: 'e', at: 6 } },
    ]);
  });

  it("tells a fan its queued payment started (paymentReady), never a payment started at the fan's own pay", () => {
    const notices = noticesOf('e', [
      { type: 'paymentStarted', at: 1, holdId: 'h1', key: 'k1', paymentId: 'p1', pendingUntil: 9, channel: 'card' },
      { type: 'paymentQueued', at: 1, holdId: 'h2', key: 'k2', paymentId: 'p2', number: 1, channels: ['card', 'wallet'], pausedUntil: 9 },
      { type: 'paymentStarted', at: 2, holdId: 'h2', key: 'k2', paymentId: 'p2', pendingUntil: 9, channel: 'wallet', queued: true },
    ], { h1: 'a', h2: 'b' });
    expect(notices).toEqual([{ fanId: 'b', message: { t: 'paymentReady', eventId: 'e', holdId: 'h2', paymentId: 'p2', channel: 'wallet' } }]);
  });

  it('tells the whole waitlist at once with one event message, and each called fan its grant', () => {
    const notices = noticesOf('e', [
      { type: 'earlyWaitlist', at: 0, tickets: 30, openGrants: 2, places: 35, waitlistAfter: 45 },
      { type: 'standby', at: 1, returnable: 8, standby: 5, waitlistAfter: 40 },
      { type: 'called', at: 2, fanIds: ['w1', 'w2'], firstGrant: 7, grantExpiresAt: 600_002 },
      { type: 'waitlistEnded', at: 3, waitlistAfter: 40, waitlistUpTo: 90, reason: 'ticketsAdded' },
    ], {});
    expect(notices).toEqual([
      { fanId: undefined, message: { t: 'waitlist', eventId: 'e', at: 0, open: true, waitlistAfter: 45, waitlistUpTo: null, early: true } },
      { fanId: undefined, message: { t: 'waitlist', eventId: 'e', at: 1, open: true, waitlistAfter: 40, waitlistUpTo: null, early: false } },
      { fanId: 'w1', message: { t: 'called', eventId: 'e', grantId: 'g7', expiresAt: 600_002 } },
      { fanId: 'w2', message: { t: 'called', eventId: 'e', grantId: 'g8', expiresAt: 600_002 } },
      { fanId: undefined, message: { t: 'waitlist', eventId: 'e', at: 3, open: false, waitlistAfter: 40, waitlistUpTo: 90, early: false } },
    ]);
  });
});
