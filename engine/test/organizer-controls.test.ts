/**
 * What the organizer page drives besides orders: a message to the queue
 * (journaled, so every later reader sees the current one), pausing before
 * the on-sale time (the sale then starts paused), and the list of what may
 * not change now (`configLocks`), which must say exactly what
 * `updateEvent` refuses.
 */
import { describe, expect, it } from 'vitest';
import type { Phase } from '../src/lifecycle/sale-machine.js';
import { checkInvariants } from '../src/invariants.js';
import { CLOSES_AT, Driver, MINUTE, ON_SALE_AT, PRE_QUEUE_AT, SECOND, T0, errorOf, gaConfig, seatingConfig } from './fixtures.js';

describe('a message to the queue', () => {
  it('is journaled once, replaced, taken down with an empty text, and restored from the journal', () => {
    const d = new Driver();
    const mark = d.journal.length;
    expect(d.exec({ type: 'announce', text: 'Doors open at 19:00' })).toEqual({ text: 'Doors open at 19:00', at: T0 });
    expect(d.exec({ type: 'announce', text: 'Doors open at 19:00' })).toEqual({ text: 'Doors open at 19:00', at: T0 });
    expect(d.entriesSince(mark)).toEqual([{ type: 'announced', at: T0, text: 'Doors open at 19:00' }]);
    expect(d.status().announcement).toEqual({ text: 'Doors open at 19:00', at: T0 });
    expect(d.restored().status().announcement).toEqual({ text: 'Doors open at 19:00', at: T0 });

    d.advance(MINUTE);
    d.exec({ type: 'announce', text: 'Doors open at 19:30' });
    expect(d.status().announcement).toEqual({ text: 'Doors open at 19:30', at: T0 + MINUTE });
    expect(d.exec({ type: 'announce', text: '' })).toBeNull();
    expect(d.status().announcement).toBeUndefined();
    expect(d.restored().status().announcement).toBeUndefined();
    d.rejects(() => d.exec({ type: 'announce', text: 'x'.repeat(501) }), 'MALFORMED_COMMAND');
    d.rejects(() => d.exec({ type: 'announce' }), 'MALFORMED_COMMAND');
  });
});

describe('pausing before the on-sale', () => {
  it('keeps the waiting room open, starts the sale paused (nobody admitted), and a resume starts admission', () => {
    const d = new Driver();
    d.at(PRE_QUEUE_AT);
    d.joinMany(3);
    d.exec({ type: 'pause' });
    expect(d.journal.at(-1)).toEqual({ type: 'paused', at: PRE_QUEUE_AT, beforeSale: true });
    expect(d.phase).toBe('preQueue');
    expect(d.status().pausedBeforeSale).toBe(true);
    d.rejects(() => d.exec({ type: 'pause' }), 'WRONG_PHASE');
    d.join('fan4'); // the waiting room stays open

    const mark = d.journal.length;
    d.startSale(10 * SECOND);
    expect(d.typesSince(mark)).toEqual(['saleStarted', 'paused', 'drawn']);
    expect(d.phase).toBe('paused');
    expect(d.status()).toMatchObject({ pausedBeforeSale: false, admitted: 0 });
    expect(d.restored().status()).toEqual(d.status());
    d.advance(MINUTE);
    expect(d.status().admitted).toBe(0);

    d.exec({ type: 'resume' });
    d.advance(SECOND);
    expect(d.status().admitted).toBe(4);
    expect(checkInvariants(d.journal)).toEqual([]);
  });

  it('a resume before the on-sale lets the sale start on time, on sale', () => {
    const d = new Driver();
    d.exec({ type: 'pause' }); // scheduled: the pre-queue has not opened yet
    expect(d.phase).toBe('scheduled');
    d.exec({ type: 'resume' });
    expect(d.journal.at(-1)).toMatchObject({ type: 'resumed', beforeSale: true });
    d.rejects(() => d.exec({ type: 'resume' }), 'WRONG_PHASE');
    d.startSale();
    expect(d.phase).toBe('onSale');
  });
});

describe('what may not change now', () => {
  /** An event in `phase`, with 2 of tier "ga" sold when the sale has started. */
  function inPhase(phase: Phase, seated = false): Driver {
    const config = seated ? seatingConfig({ inventory: { tiers: [{ id: 'ga', name: 'Standing', price: 100, quantity: 10 }], sections: seatingConfig().inventory.sections! } }) : gaConfig({ quantity: 10 });
    const d = new Driver(config, { publish: phase !== 'draft' });
    if (phase === 'preQueue') d.at(PRE_QUEUE_AT);
    if (phase === 'onSale' || phase === 'paused' || phase === 'closed') {
      d.startSale();
      d.join('buyer');
      d.advance(SECOND);
      d.buy('buyer', 2);
    }
    if (phase === 'paused') d.exec({ type: 'pause' });
    if (phase === 'closed') d.exec({ type: 'close' });
    expect(d.phase).toBe(phase);
    return d;
  }

  /** A change of the field that `updateEvent` must refuse, naming that field. */
  const CHANGES: Record<string, (d: Driver) => Record<string, unknown>> = {
    preQueueOpensAt: () => ({ preQueueOpensAt: PRE_QUEUE_AT - MINUTE }),
    onSaleAt: () => ({ onSaleAt: ON_SALE_AT + MINUTE }),
    'door.startWindowMs': () => ({ door: { startWindowMs: 5 * SECOND } }),
    'draw.beacon': () => ({ draw: { beacon: { name: 'drand quicknet', round: 1 } } }),
    'inventory.sections': (d) => ({ inventory: { ...d.sale.config.inventory, sections: [] } }),
    'inventory.tiers[0].quantity': (d) => ({ inventory: { ...d.sale.config.inventory, tiers: [{ ...d.sale.config.inventory.tiers[0]!, quantity: 1 }] } }),
  };

  it.each<[Phase, string[]]>([
    ['draft', []],
    ['scheduled', ['inventory.sections']],
    ['preQueue', ['preQueueOpensAt', 'draw.beacon', 'inventory.sections']],
    ['onSale', ['preQueueOpensAt', 'draw.beacon', 'onSaleAt', 'door.startWindowMs', 'inventory.sections', 'inventory.tiers[0].quantity']],
    ['paused', ['preQueueOpensAt', 'draw.beacon', 'onSaleAt', 'door.startWindowMs', 'inventory.sections', 'inventory.tiers[0].quantity']],
  ])('in %s the locks are %j, and exactly those changes are refused', (phase, locked) => {
    const d = inPhase(phase, true);
    const locks = d.sale.configLocks();
    const fields = locks.map((lock) => lock.field).filter((field) => field in CHANGES);
    expect(fields).toEqual(locked);
    for (const [field, change] of Object.entries(CHANGES)) {
      const patch = change(d);
      const refused = locked.includes(field);
      let issues: Array<{ field: string; reason: string }> = [];
      if (refused) issues = errorOf(() => d.exec({ type: 'updateEvent', patch })).details.issues as typeof issues;
      else d.restored().exec({ type: 'updateEvent', patch }); // allowed: tried on a copy, so the next field starts from the same event
      if (refused) expect(issues.map((issue) => issue.field), field).toContain(field);
      if (refused) expect(issues.find((issue) => issue.field === field)!.reason).toBe(locks.find((lock) => lock.field === field)!.reason);
    }
  });

  it('a tier may grow but not fall below what is held or sold; limits, prices and the close stay open; a closed event is locked whole', () => {
    const d = inPhase('onSale');
    expect(d.sale.configLocks()).toContainEqual({ field: 'inventory.tiers[0].quantity', reason: 'must be at least 2 (already held or sold)' });
    d.exec({ type: 'updateEvent', patch: { inventory: { tiers: [{ id: 'ga', name: 'General admission', price: 6000, quantity: 50 }] }, maxTicketsPerFan: 6, closesAt: CLOSES_AT + MINUTE } });
    expect(d.status().tickets.free).toBe(48);
    const closed = inPhase('closed');
    expect(closed.sale.configLocks()).toEqual([{ field: '(root)', reason: 'the event is closed' }]);
  });
});
