import { createHash } from 'node:crypto';
import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import {
  CLIENT_FIELDS, decodeFrame, MAX_STRUCTURES, encodeMessage, encodeValue, estimateWait, positionOf, PROTOCOL_VERSION, SERVER_FIELDS, STRUCTURES, ticketOutlook,
  type ServerMessage,
} from '../src/protocol/index.js';
import { parseClientMessage } from '../src/protocol/validate.js';

/** One example of every message, every field set. */
const hold = {
  holdId: 'h1', status: 'held', tierId: 'ga', seatIds: null, quantity: 2, expiresAt: 1_700_000_000_000, extended: false,
  paymentId: null, pendingUntil: null, amount: 9000, currency: 'EUR',
} as const;
const SERVER_EXAMPLES: ServerMessage[] = [
  { t: 'welcome', v: 1, serverId: 'w1', serverTime: 1 },
  {
    t: 'joined', rid: 3, eventId: 'e', fanId: 'f', queueToken: 'qt1.a.b', number: 12, position: 5, status: 'waiting', phase: 'onSale', nowServing: 7,
    etaLow: 3, etaHigh: 9, commitment: 'c', seed: 's', restored: true, grantId: null, grantExpiresAt: null, holds: [{ ...hold }, { ...hold, holdId: 'h2', seatIds: ['A-1-1'], tierId: null }],
    outlook: 'close', numberedAt: null, waitlisted: 3, waitlistAfter: 9, called: false, receipt: '00112233445566778899aabbccddeeff', awayAfter: 40,
    announcement: 'Doors open at 19:00',
    lapsedGrantId: 'g4', lapsedAt: 8, waitlistEarly: false,
  },
  { t: 'queue', eventId: 'e', phase: 'onSale', nowServing: 100, lastNumber: 900, waiting: 800, rateLow: 1.5, rateHigh: 2.25, onSaleAt: 5, serverTime: 6,
    ticketsFree: 40, ticketsHeld: 12, openGrants: 3, ticketsPerFan: 1.85, awayAfter: 130, paymentsServing: 12 },
  { t: 'numbered', eventId: 'e', number: 77 },
  { t: 'admitted', eventId: 'e', grantId: 'g1', expiresAt: 9 },
  { t: 'grantExpired', eventId: 'e', grantId: 'g1' },
  { t: 'waitlist', eventId: 'e', at: 8, open: false, waitlistAfter: 9, waitlistUpTo: 30, early: false },
  { t: 'called', eventId: 'e', grantId: 'g2', expiresAt: 12 },
  { t: 'held', rid: 4, eventId: 'e', hold: { ...hold } },
  { t: 'paymentStarted', rid: 5, eventId: 'e', hold: { ...hold, status: 'paymentPending', paymentId: 'p', pendingUntil: 10 }, paymentId: 'p', provider: 'demo', checkoutUrl: '/pay/demo/x' },
  { t: 'paymentQueued', rid: 6, eventId: 'e', hold: { ...hold, status: 'paymentQueued', paymentId: 'p', pendingUntil: 20 }, paymentId: 'p', number: 31, position: 19 },
  { t: 'paymentReady', eventId: 'e', holdId: 'h1', paymentId: 'p', channel: 'card' },
  { t: 'purchased', eventId: 'e', holdId: 'h1', paymentId: 'p' },
  { t: 'paymentFailed', eventId: 'e', holdId: 'h1', paymentId: 'p', reason: 'declined', expiresAt: 11 },
  { t: 'holdExpired', eventId: 'e', holdId: 'h1' },
  { t: 'released', rid: 6, eventId: 'e', holdId: 'h1' },
  { t: 'placeLost', eventId: 'e', reason: 'presenceLost' },
  { t: 'left', rid: 7, eventId: 'e' },
  { t: 'preQueueOpened', eventId: 'e', at: 1, commitment: 'c' },
  { t: 'saleStarted', eventId: 'e', at: 2, seed: 's' },
  { t: 'paused', eventId: 'e', at: 3 },
  { t: 'resumed', eventId: 'e', at: 4 },
  { t: 'soldOut', eventId: 'e', at: 5 },
  { t: 'reopened', eventId: 'e', at: 6 },
  { t: 'closed', eventId: 'e', at: 7 },
  { t: 'pong', rid: 8, clientTime: 100, serverTime: 101 },
  { t: 'service', eventId: null, available: false, reason: 'engine unreachable' },
  { t: 'pushSubscribed', rid: 10, eventId: 'e' },
  { t: 'announcement', eventId: 'e', at: 12, text: 'Doors open at 19:00' },
  { t: 'orderCancelled', eventId: 'e', holdId: 'h1', reason: 'duplicate order' },
  { t: 'error', rid: 9, code: 'SEAT_TAKEN', message: 'Seat A-1-1 is held.', details: { seatId: 'A-1-1', nested: { list: [1, 64, 127, 128] } } },
];

describe('the static msgpackr structures', () => {
  it('are pinned for protocol version 9: changing them needs a new version', () => {
    // If this fails you changed the wire format: bump PROTOCOL_VERSION, update docs/protocol.md and this hash.
    const fingerprint = createHash('sha256').update(JSON.stringify(STRUCTURES)).digest('hex').slice(0, 16);
    expect({ version: PROTOCOL_VERSION, structures: STRUCTURES.length, fingerprint }).toEqual({ version: 9, structures: 32, fingerprint: '80f78751a933ac03' });
    // msgpackr misreads records beyond 32 shared structures (messages.ts).
    expect(STRUCTURES.length).toBeLessThanOrEqual(MAX_STRUCTURES);
  });

  it('has an example here of every server message, and each one survives a round trip', () => {
    expect(SERVER_EXAMPLES.map((m) => m.t).sort()).toEqual(Object.keys(SERVER_FIELDS).sort());
    for (const message of SERVER_EXAMPLES) expect(decodeFrame(encodeMessage(message))).toEqual(message);
  });

  it('encodes every message as a record of a static structure (the rare ones as plain maps): no structure is defined in the stream', () => {
    const asMaps = ['announcement', 'orderCancelled'];
    for (const message of SERVER_EXAMPLES) {
      const frame = encodeMessage(message);
      if (asMaps.includes(message.t)) {
        expect(frame[0]! >= 0x40 && frame[0]! < 0x80, message.t).toBe(false); // not a record
        continue;
      }
      expect(frame[0], message.t).toBeGreaterThanOrEqual(0x40);
      expect(frame[0], message.t).toBeLessThan(0x40 + STRUCTURES.length);
      // 0xd4 0x72 / 0xd5 0x72 would be an inline record definition.
      expect(Buffer.from(frame).includes(Buffer.from([0xd4, 0x72])), message.t).toBe(false);
    }
  });

  it('is not changed by decoding a frame that redefines a structure inline', () => {
    const evil = new Packr({ useRecords: true, maxSharedStructures: 0 }).pack({ zzz: 1, yyy: 2 });
    expect(evil[0]).toBe(0xd4); // an inline definition of record id 0x40
    expect(decodeFrame(evil)).toEqual({ zzz: 1, yyy: 2 });
    const welcome = { t: 'welcome', v: 1, serverId: 'w', serverTime: 1 } as const;
    expect(decodeFrame(encodeMessage(welcome))).toEqual(welcome);
  });

  it('accepts the same message from a client as a record or as a plain map', () => {
    const join = { t: 'join', rid: 1, eventId: 'e', fanId: 'f', token: null, powChallenge: null, powNonce: null, identity: null, accessCode: null, joinKey: null } as const;
    expect(parseClientMessage(decodeFrame(encodeMessage(join)))).toEqual(join);
    expect(parseClientMessage(decodeFrame(encodeValue({ t: 'join', rid: 1, eventId: 'e', fanId: 'f' })))).toEqual(join);
  });

  it('lists every client message with its fields', () => {
    expect(Object.keys(CLIENT_FIELDS).sort()).toEqual(['extend', 'hello', 'hold', 'join', 'leave', 'pay', 'ping', 'pushSubscribe', 'release']);
  });
});

describe('client message checks', () => {
  it('names the wrong field', () => {
    expect(() => parseClientMessage({ t: 'extend', holdId: 5, key: 'k' })).toThrow(expect.objectContaining({ code: 'MALFORMED_COMMAND', details: expect.objectContaining({ field: 'holdId' }) }));
    expect(() => parseClientMessage({ t: 'hold', key: 'k', request: { kind: 'seats', seatIds: [] } })).toThrow(expect.objectContaining({ code: 'MALFORMED_COMMAND' }));
    expect(() => parseClientMessage({ t: 'nope' })).toThrow(expect.objectContaining({ code: 'UNKNOWN_MESSAGE_TYPE' }));
    expect(() => parseClientMessage(new Uint8Array(3))).toThrow(expect.objectContaining({ code: 'BAD_FRAME' }));
    expect(() => parseClientMessage({ t: 'pay', holdId: 'h1', key: 'k', channel: 'Card!' })).toThrow(expect.objectContaining({ code: 'MALFORMED_COMMAND', details: expect.objectContaining({ field: 'channel' }) }));
    expect(parseClientMessage({ t: 'pay', holdId: 'h1', key: 'k' })).toMatchObject({ t: 'pay', channel: null });
  });

  it('takes a join key of 22 to 128 characters only', () => {
    const join = { t: 'join', eventId: 'e', fanId: 'f' };
    expect(parseClientMessage({ ...join, joinKey: 'k'.repeat(22) })).toMatchObject({ joinKey: 'k'.repeat(22) });
    expect(parseClientMessage({ ...join, joinKey: 'k'.repeat(128) })).toMatchObject({ joinKey: 'k'.repeat(128) });
    for (const joinKey of ['k'.repeat(21), 'k'.repeat(129), 42]) {
      expect(() => parseClientMessage({ ...join, joinKey })).toThrow(expect.objectContaining({ code: 'MALFORMED_COMMAND', details: expect.objectContaining({ field: 'joinKey' }) }));
    }
  });

  it('ignores fields a message does not have', () => {
    expect(parseClientMessage({ t: 'leave', rid: 2, fanId: 'someone-else' })).toEqual({ t: 'leave', rid: 2 });
  });
});

describe('queue math', () => {
  it('computes the position from the number and now-serving', () => {
    expect(positionOf(120, 100)).toBe(20);
    expect(positionOf(90, 100)).toBe(0);
    expect(positionOf(0, 100)).toBe(0); // pre-queue: no number yet
  });

  it('estimates the wait from the recent rate, and gives none without a rate', () => {
    expect(estimateWait(200, { nowServing: 100, rateLow: 5, rateHigh: 10 })).toEqual({ low: 10, high: 20 });
    expect(estimateWait(200, { nowServing: 100, rateLow: 0, rateHigh: 0 })).toBeNull();
    expect(estimateWait(0, { nowServing: 100, rateLow: 5, rateHigh: 10 })).toBeNull();
    expect(estimateWait(50, { nowServing: 100, rateLow: 5, rateHigh: 10 })).toEqual({ low: 0, high: 0 });
  });

  it('tells whether tickets should remain at the front: free tickets cover the place with a margin, or even held ones coming back would not', () => {
    // 1,000 free at 2 a fan serve 500 admissions, 100 of them already admitted: 400 places; with the 200 held back, 500.
    const supply = { ticketsFree: 1_000, ticketsHeld: 200, openGrants: 100, ticketsPerFan: 2 };
    const at = (position: number) => ticketOutlook(100 + position, 100, supply);
    expect(at(1)).toBe('likely');
    expect(at(320)).toBe('likely'); // 0.8 × 400
    expect(at(321)).toBe('close');
    expect(at(625)).toBe('close'); // 500 ÷ 0.8
    expect(at(626)).toBe('unlikely');
    expect(ticketOutlook(900, 100, { ...supply, ticketsFree: 0, ticketsHeld: 0 })).toBe('unlikely');
  });

  it('gives no outlook without a place in line or an estimate of tickets per fan', () => {
    const supply = { ticketsFree: 1_000, ticketsHeld: 0, openGrants: 0, ticketsPerFan: 2 };
    expect(ticketOutlook(0, 0, supply)).toBeNull(); // pre-queue: no number yet
    expect(ticketOutlook(90, 100, supply)).toBeNull(); // admitted
    expect(ticketOutlook(150, 100, { ...supply, ticketsPerFan: 0 })).toBeNull();
  });
});
