import { describe, expect, it } from 'vitest';
import type { JoinResult } from '../src/event/views.js';
import { Driver, GRANT_TTL, ON_SALE_AT, SECOND, gaConfig } from './fixtures.js';

/** Digests as a transport computes them (the engine never sees a key itself): any 32 hex characters. */
const KEY_A = 'a1'.repeat(16);
const KEY_B = 'b2'.repeat(16);

function joinWithKey(d: Driver, fanId: string, joinKeyDigest: string): JoinResult {
  return d.exec({ type: 'join', fanId, joinKeyDigest }) as JoinResult;
}

describe('join keys: the place a key was taken with', () => {
  it('journals the digest with the new place and matches only that digest, only while the place lasts', () => {
    const d = new Driver();
    d.startSale();
    const first = joinWithKey(d, 'fan1', KEY_A);
    d.join('fan2');
    expect(d.journal.find((e) => e.type === 'joined' && e.fanId === 'fan1')).toMatchObject({ joinKeyDigest: KEY_A });
    expect(d.journal.find((e) => e.type === 'joined' && e.fanId === 'fan2')).not.toHaveProperty('joinKeyDigest');

    expect(d.sale.holdsPlaceWithKey('fan1', KEY_A)).toBe(true);
    expect(d.sale.holdsPlaceWithKey('fan1', KEY_B)).toBe(false);
    expect(d.sale.holdsPlaceWithKey('fan2', KEY_A)).toBe(false);
    expect(d.sale.holdsPlaceWithKey('nobody', KEY_A)).toBe(false);
    expect(d.sale.holdsPlaceWithKey('fan1', 'not hex')).toBe(false);

    // The same place again, and the key it was taken with stays (another key in a repeated join changes nothing).
    const entries = d.journal.length;
    expect(joinWithKey(d, 'fan1', KEY_B)).toMatchObject({ number: first.number });
    expect(d.journal.length).toBe(entries);
    expect(d.sale.holdsPlaceWithKey('fan1', KEY_A)).toBe(true);
    expect(d.sale.holdsPlaceWithKey('fan1', KEY_B)).toBe(false);

    d.leave('fan1');
    expect(d.sale.holdsPlaceWithKey('fan1', KEY_A)).toBe(false);
    // A new place takes the key of its own join.
    joinWithKey(d, 'fan1', KEY_B);
    expect(d.sale.holdsPlaceWithKey('fan1', KEY_B)).toBe(true);
    expect(d.sale.holdsPlaceWithKey('fan1', KEY_A)).toBe(false);
  });

  it('is restored from the journal', () => {
    const d = new Driver();
    d.startSale();
    joinWithKey(d, 'fan1', KEY_A);
    d.join('fan2');
    const restored = d.restored();
    expect(restored.sale.holdsPlaceWithKey('fan1', KEY_A)).toBe(true);
    expect(restored.sale.holdsPlaceWithKey('fan2', KEY_A)).toBe(false);
  });

  it('does not pass to the next place in a recycled slot', () => {
    const d = new Driver();
    d.startSale();
    joinWithKey(d, 'keyed', KEY_A);
    const others = d.joinMany(1_100, 'other');
    d.leave('keyed');
    for (const fanId of others) d.leave(fanId); // enough dead places to recycle their slots
    d.join('keyless');
    joinWithKey(d, 'next-keyed', KEY_B);
    expect(d.sale.room.slotOfFan('keyless')).toBe(0); // the keyed place's slot
    expect(d.sale.holdsPlaceWithKey('next-keyed', KEY_A)).toBe(false);
    expect(d.sale.holdsPlaceWithKey('next-keyed', KEY_B)).toBe(true);
    expect(d.sale.holdsPlaceWithKey('keyless', KEY_A)).toBe(false);
    expect(d.sale.holdsPlaceWithKey('keyless', KEY_B)).toBe(false);
  });

  it('refuses a digest that is not 32 lowercase hex characters, changing nothing', () => {
    const d = new Driver();
    d.startSale();
    for (const joinKeyDigest of ['secret', 'A1'.repeat(16), 'a1'.repeat(17), 42]) {
      d.rejects(() => d.exec({ type: 'join', fanId: 'fan1', joinKeyDigest }), 'MALFORMED_COMMAND');
    }
    expect(d.sale.room.isPresent('fan1')).toBe(false);
  });
});

describe('a lapsed turn in the fan view', () => {
  it('names the grant that expired unused, and only then', () => {
    const d = new Driver(gaConfig({ admission: { mode: 'concurrency', maxActiveShoppers: 2 } }));
    d.startSale();
    d.joinMany(2);
    d.advance(SECOND);
    const admittedAt = ON_SALE_AT + SECOND;
    expect(d.fanView('fan1')).toMatchObject({ status: 'admitted', lapsed: undefined });
    d.holdTickets('fan2', 1);
    d.at(admittedAt + GRANT_TTL);
    expect(d.fanView('fan1')).toMatchObject({ status: 'admitted', grant: undefined, lapsed: { grantId: 'g1', expiresAt: admittedAt + GRANT_TTL, called: false } });
    // A grant used by a hold did not lapse.
    expect(d.fanView('fan2')).toMatchObject({ grant: undefined, lapsed: undefined });
    expect(d.restored().fanView('fan1').lapsed).toEqual({ grantId: 'g1', expiresAt: admittedAt + GRANT_TTL, called: false });
    // A new place is a new turn.
    d.leave('fan1');
    expect(d.join('fan1')).toMatchObject({ status: 'waiting', lapsed: undefined });
  });
});
