import { describe, expect, it } from 'vitest';
import { BreakwaterError, ERROR_CODES, type ErrorCode } from '../src/errors.js';
import type { RefundReason } from '../src/journal/entries.js';
import { Driver, GRANT_TTL, PRE_QUEUE_AT, SECOND, errorOf, gaConfig, venue } from './fixtures.js';

/** Every code the engine's commands can produce (the registry also holds the gateway's). */
const ENGINE_CODES: ErrorCode[] = [
  'MALFORMED_COMMAND', 'INVALID_CONFIG', 'EVENT_NOT_FOUND', 'EVENT_EXISTS', 'WRONG_PHASE', 'NOT_IN_QUEUE',
  'GRANT_INVALID', 'GRANT_EXPIRED', 'LIMIT_EXCEEDED', 'TIER_NOT_FOUND', 'CATEGORY_NOT_FOUND', 'SEAT_NOT_FOUND',
  'SEAT_TAKEN', 'NOT_ENOUGH_INVENTORY', 'SOLD_OUT', 'HOLD_NOT_FOUND', 'HOLD_NOT_ACTIVE', 'HOLD_EXPIRED',
  'EXTENSION_NOT_ALLOWED', 'PAYMENT_MISMATCH', 'REFUND_NOT_DUE', 'IDEMPOTENCY_KEY_REUSED',
];

const E = 'errors-night';
const config = () => gaConfig({
  id: E,
  inventory: { tiers: [{ id: 'ga', name: 'General admission', price: 5_000, quantity: 20 }], sections: [venue({ 1: 'AAAAAA', 2: 'BBB' })] },
  admission: { mode: 'concurrency', maxActiveShoppers: 7 },
});

/**
 * A sale in full swing: fan1…fan7 admitted, fan8 waiting.
 * h1 fan1 2 GA, extended · h2 fan2 seats S-1-1 S-1-2 · h3 fan3 paying (p3) ·
 * h4 fan4 bought (p4) · h5 fan5 released · fan6 and fan7 hold open grants g6 and g7.
 */
function busy(): Driver {
  const d = new Driver(config());
  d.startSale();
  d.joinMany(8);
  d.advance(SECOND);
  d.hold('fan1', { kind: 'tickets', tierId: 'ga', quantity: 2 }, { key: 'k1' });
  d.extend('fan1', 'h1', 'x1');
  d.hold('fan2', { kind: 'seats', seatIds: ['S-1-1', 'S-1-2'] }, { key: 'k2' });
  d.hold('fan3', { kind: 'tickets', tierId: 'ga', quantity: 1 });
  d.startPayment('fan3', 'h3', 'p3');
  d.hold('fan4', { kind: 'tickets', tierId: 'ga', quantity: 1 });
  d.startPayment('fan4', 'h4', 'p4');
  d.confirm('h4', 'p4');
  d.hold('fan5', { kind: 'tickets', tierId: 'ga', quantity: 1 });
  d.release('fan5', 'h5');
  expect(d.status()).toMatchObject({ phase: 'onSale', waiting: 1, openGrants: 2, tickets: { free: 23, held: 5, sold: 1 } });
  return d;
}

/** The busy sale with the clock moved (without a tick) to where fan6's grant and fan2's hold are past their deadlines. */
function late(): Driver {
  const d = busy();
  d.clock.advance(GRANT_TTL + 3 * 60 * SECOND);
  return d;
}

/** Sold out; fan2 still holds an open grant. */
function soldOut(): Driver {
  const d = new Driver(gaConfig({ id: E, quantity: 4 }));
  d.startSale();
  d.joinMany(2);
  d.advance(SECOND);
  const hold = d.holdTickets('fan1', 4);
  d.at(hold.expiresAt - 15 * SECOND); // fan2 admitted against the hold about to expire
  d.startPayment('fan1', hold.holdId);
  d.confirm(hold.holdId);
  d.advance(GRANT_TTL); // fan2's grant lapses: nothing can come back any more
  expect(d.phase).toBe('soldOut');
  return d;
}

function preQueue(): Driver {
  const d = new Driver(gaConfig({ id: E }));
  d.at(PRE_QUEUE_AT);
  d.join('fan1');
  return d;
}

function closed(): Driver {
  const d = busy();
  d.exec({ type: 'close' });
  return d;
}

const join = (fanId: string) => ({ type: 'join', eventId: E, fanId });
const hold = (fanId: string, grantId: string, request: unknown, key = `${fanId}-new`) => ({ type: 'hold', eventId: E, fanId, grantId, key, request });
const tickets = (quantity: unknown, tierId: unknown = 'ga') => ({ kind: 'tickets', tierId, quantity });
const seats = (...seatIds: unknown[]) => ({ kind: 'seats', seatIds });
const best = (category: unknown, quantity: unknown) => ({ kind: 'best', category, quantity });
const hole = new Array<unknown>(2);
hole[1] = 'S-1-3';

interface Case {
  code: ErrorCode;
  label: string;
  command: unknown;
  world?: () => Driver;
  details?: Record<string, unknown>;
  /** A refused payment success: its refund instruction is the one thing recorded. */
  refund?: RefundReason;
}

const cases: Case[] = [
  // Not a command at all.
  ...([null, undefined, 42, 'join', true, [], [{ type: 'join' }]] as unknown[]).map((command) => ({
    code: 'MALFORMED_COMMAND' as const, label: `command ${JSON.stringify(command) ?? 'undefined'}`, command, details: { field: 'command' },
  })),
  ...([{}, { type: 7 }, { type: 'nope' }, { type: 'JOIN' }, { type: '__proto__' }, { type: 'toString' }, { type: 'constructor' }] as unknown[]).map((command) => ({
    code: 'MALFORMED_COMMAND' as const, label: `type in ${JSON.stringify(command)}`, command, details: { field: 'type' },
  })),
  // Missing or mistyped identifiers.
  { code: 'MALFORMED_COMMAND', label: 'no eventId', command: { type: 'join', fanId: 'x' }, details: { field: 'eventId' } },
  { code: 'MALFORMED_COMMAND', label: 'numeric eventId', command: { type: 'join', eventId: 7, fanId: 'x' }, details: { field: 'eventId' } },
  { code: 'MALFORMED_COMMAND', label: 'empty fanId', command: join(''), details: { field: 'fanId' } },
  { code: 'MALFORMED_COMMAND', label: 'fanId of 129 characters', command: join('f'.repeat(129)), details: { field: 'fanId' } },
  { code: 'MALFORMED_COMMAND', label: 'fanId as an object', command: { type: 'leave', eventId: E, fanId: { id: 'fan1' } }, details: { field: 'fanId' } },
  { code: 'MALFORMED_COMMAND', label: 'fanId as an array', command: { type: 'leave', eventId: E, fanId: ['fan1'] }, details: { field: 'fanId' } },
  { code: 'MALFORMED_COMMAND', label: 'join with a numeric address', command: { ...join('fan1'), address: 7 }, details: { field: 'address' } },
  { code: 'MALFORMED_COMMAND', label: 'join with powBits 65', command: { ...join('fan1'), powBits: 65 }, details: { field: 'powBits' } },
  { code: 'MALFORMED_COMMAND', label: 'join with groups as a string', command: { ...join('fan1'), groups: 'fanclub' }, details: { field: 'groups' } },
  { code: 'MALFORMED_COMMAND', label: 'join with an empty group', command: { ...join('fan1'), groups: ['fanclub', ''] }, details: { field: 'groups[1]' } },
  { code: 'MALFORMED_COMMAND', label: 'join with an empty access code', command: { ...join('fan1'), accessCode: '' }, details: { field: 'accessCode' } },
  { code: 'MALFORMED_COMMAND', label: 'presence without connected', command: { type: 'presence', eventId: E, fanId: 'fan8' }, details: { field: 'connected' } },
  { code: 'MALFORMED_COMMAND', label: 'presence connected "false"', command: { type: 'presence', eventId: E, fanId: 'fan8', connected: 'false' }, details: { field: 'connected' } },
  { code: 'MALFORMED_COMMAND', label: 'hold without key', command: { type: 'hold', eventId: E, fanId: 'fan6', grantId: 'g6', request: tickets(1) }, details: { field: 'key' } },
  { code: 'MALFORMED_COMMAND', label: 'hold with a numeric grant', command: { type: 'hold', eventId: E, fanId: 'fan6', grantId: 6, key: 'k', request: tickets(1) }, details: { field: 'grantId' } },
  { code: 'MALFORMED_COMMAND', label: 'startPayment without paymentId', command: { type: 'startPayment', eventId: E, fanId: 'fan1', holdId: 'h1', key: 'k' }, details: { field: 'paymentId' } },
  { code: 'MALFORMED_COMMAND', label: 'confirmPurchase without paymentId', command: { type: 'confirmPurchase', eventId: E, holdId: 'h1' }, details: { field: 'paymentId' } },
  { code: 'MALFORMED_COMMAND', label: 'confirmPurchase with a provider payment id of 256 characters', command: { type: 'confirmPurchase', eventId: E, holdId: 'h1', paymentId: 'p', providerPaymentId: 'x'.repeat(256) }, details: { field: 'providerPaymentId' } },
  { code: 'MALFORMED_COMMAND', label: 'refusePayment without paymentId', command: { type: 'refusePayment', eventId: E, holdId: 'h1' }, details: { field: 'paymentId' } },
  { code: 'MALFORMED_COMMAND', label: 'failPayment without reason', command: { type: 'failPayment', eventId: E, holdId: 'h3', paymentId: 'p3' }, details: { field: 'reason' } },
  { code: 'MALFORMED_COMMAND', label: 'failPayment with a reason of 501 characters', command: { type: 'failPayment', eventId: E, holdId: 'h3', paymentId: 'p3', reason: 'x'.repeat(501) }, details: { field: 'reason' } },
  // Hold requests of the wrong shape.
  { code: 'MALFORMED_COMMAND', label: 'no request', command: hold('fan6', 'g6', undefined), details: { field: 'request' } },
  { code: 'MALFORMED_COMMAND', label: 'request null', command: hold('fan6', 'g6', null), details: { field: 'request' } },
  { code: 'MALFORMED_COMMAND', label: 'request as a list', command: hold('fan6', 'g6', [tickets(1)]), details: { field: 'request' } },
  { code: 'MALFORMED_COMMAND', label: 'unknown request kind', command: hold('fan6', 'g6', { kind: 'vip', quantity: 1 }), details: { field: 'request.kind' } },
  ...([0, -1, 2.5, 101, '2', null, Number.NaN, Infinity] as unknown[]).map((quantity) => ({
    code: 'MALFORMED_COMMAND' as const, label: `quantity ${String(quantity)}`, command: hold('fan6', 'g6', tickets(quantity)), details: { field: 'request.quantity' },
  })),
  { code: 'MALFORMED_COMMAND', label: 'empty tierId', command: hold('fan6', 'g6', tickets(1, '')), details: { field: 'request.tierId' } },
  { code: 'MALFORMED_COMMAND', label: 'best without category', command: hold('fan6', 'g6', { kind: 'best', quantity: 1 }), details: { field: 'request.category' } },
  { code: 'MALFORMED_COMMAND', label: 'best without quantity', command: hold('fan6', 'g6', { kind: 'best', category: 'A' }), details: { field: 'request.quantity' } },
  { code: 'MALFORMED_COMMAND', label: 'no seat ids', command: hold('fan6', 'g6', seats()), details: { field: 'request.seatIds' } },
  { code: 'MALFORMED_COMMAND', label: 'seat ids not a list', command: hold('fan6', 'g6', { kind: 'seats', seatIds: 'S-1-3' }), details: { field: 'request.seatIds' } },
  { code: 'MALFORMED_COMMAND', label: '101 seat ids', command: hold('fan6', 'g6', seats(...Array.from({ length: 101 }, (_, i) => `S-1-${i}`))), details: { field: 'request.seatIds' } },
  { code: 'MALFORMED_COMMAND', label: 'a numeric seat id', command: hold('fan6', 'g6', seats('S-1-3', 4)), details: { field: 'request.seatIds[1]' } },
  { code: 'MALFORMED_COMMAND', label: 'a hole in the seat ids', command: hold('fan6', 'g6', { kind: 'seats', seatIds: hole }), details: { field: 'request.seatIds[0]' } },
  { code: 'MALFORMED_COMMAND', label: 'a seat listed twice', command: hold('fan6', 'g6', seats('S-1-3', 'S-1-3')), details: { seatId: 'S-1-3' } },

  { code: 'EVENT_NOT_FOUND', label: 'join an unknown event', command: { type: 'join', eventId: 'nope', fanId: 'x' }, details: { eventId: 'nope' } },
  { code: 'EVENT_NOT_FOUND', label: 'update an unknown event', command: { type: 'updateEvent', eventId: 'nope', patch: {} }, details: { eventId: 'nope' } },
  { code: 'EVENT_EXISTS', label: 'create the same event again', command: { type: 'createEvent', config: config() }, details: { eventId: E } },

  { code: 'INVALID_CONFIG', label: 'create from an empty object', command: { type: 'createEvent', config: {} } },
  { code: 'INVALID_CONFIG', label: 'create with closesAt before onSaleAt', command: { type: 'createEvent', config: { ...config(), id: 'other', closesAt: 0 } } },
  { code: 'INVALID_CONFIG', label: 'a patch that is not an object', command: { type: 'updateEvent', eventId: E, patch: 'quantity=30' } },
  { code: 'INVALID_CONFIG', label: 'a patch changing the id', command: { type: 'updateEvent', eventId: E, patch: { id: 'other' } } },
  { code: 'INVALID_CONFIG', label: 'moving the on-sale time after the start', command: { type: 'updateEvent', eventId: E, patch: { onSaleAt: PRE_QUEUE_AT + 1 } } },
  { code: 'INVALID_CONFIG', label: 'shrinking a tier below held + sold', command: { type: 'updateEvent', eventId: E, patch: { inventory: { ...config().inventory, tiers: [{ id: 'ga', name: 'GA', price: 1, quantity: 3 }] } } } },
  { code: 'INVALID_CONFIG', label: 'changing reserved seating after publication', command: { type: 'updateEvent', eventId: E, patch: { inventory: { ...config().inventory, sections: [venue({ 1: 'AAAAAA' })] } } } },

  { code: 'WRONG_PHASE', label: 'publish on sale', command: { type: 'publish', eventId: E }, details: { phase: 'onSale' } },
  { code: 'WRONG_PHASE', label: 'resume on sale', command: { type: 'resume', eventId: E }, details: { phase: 'onSale' } },
  { code: 'WRONG_PHASE', label: 'hold in the pre-queue', world: preQueue, command: hold('fan1', 'g1', tickets(1)), details: { phase: 'preQueue' } },
  { code: 'WRONG_PHASE', label: 'join once closed', world: closed, command: join('fan9'), details: { phase: 'closed' } },
  { code: 'WRONG_PHASE', label: 'hold once closed', world: closed, command: hold('fan6', 'g6', tickets(1)), details: { phase: 'closed' } },

  { code: 'NOT_IN_QUEUE', label: 'leave without joining', command: { type: 'leave', eventId: E, fanId: 'ghost' }, details: { fanId: 'ghost' } },
  { code: 'NOT_IN_QUEUE', label: 'presence without joining', command: { type: 'presence', eventId: E, fanId: 'ghost', connected: false }, details: { fanId: 'ghost' } },

  { code: 'GRANT_INVALID', label: "another fan's grant", command: hold('fan6', 'g7', tickets(1)), details: { grantId: 'g7' } },
  { code: 'GRANT_INVALID', label: 'an unknown grant', command: hold('fan6', 'g999', tickets(1)), details: { grantId: 'g999' } },
  { code: 'GRANT_INVALID', label: 'a used grant', command: hold('fan1', 'g1', tickets(1)), details: { grantId: 'g1', status: 'used' } },
  { code: 'GRANT_INVALID', label: 'a fan who never joined', command: hold('ghost', 'g6', tickets(1)), details: { grantId: 'g6' } },
  { code: 'GRANT_EXPIRED', label: 'a grant past its deadline', world: late, command: hold('fan6', 'g6', tickets(1)), details: { grantId: 'g6' } },

  { code: 'LIMIT_EXCEEDED', label: 'five tickets at a limit of four', command: hold('fan6', 'g6', tickets(5)), details: { limit: 4, current: 0, requested: 5 } },
  { code: 'LIMIT_EXCEEDED', label: 'five named seats', command: hold('fan6', 'g6', seats('S-1-3', 'S-1-4', 'S-1-5', 'S-1-6', 'S-2-1')), details: { limit: 4 } },
  { code: 'TIER_NOT_FOUND', label: 'an unknown tier', command: hold('fan6', 'g6', tickets(1, 'vip')), details: { tierId: 'vip' } },
  { code: 'CATEGORY_NOT_FOUND', label: 'an unknown category', command: hold('fan6', 'g6', best('Z', 1)), details: { category: 'Z' } },
  { code: 'CATEGORY_NOT_FOUND', label: 'a tier id as category', command: hold('fan6', 'g6', best('ga', 1)), details: { category: 'ga' } },
  { code: 'SEAT_NOT_FOUND', label: 'a seat that does not exist', command: hold('fan6', 'g6', seats('S-1-3', 'S-9-9')), details: { seatId: 'S-9-9' } },
  { code: 'SEAT_NOT_FOUND', label: 'a tier id as seat', command: hold('fan6', 'g6', seats('ga')), details: { seatId: 'ga' } },
  { code: 'SEAT_TAKEN', label: 'a held seat', command: hold('fan6', 'g6', seats('S-1-3', 'S-1-2')), details: { seatId: 'S-1-2' } },
  { code: 'NOT_ENOUGH_INVENTORY', label: 'four seats of a category of three', command: hold('fan6', 'g6', best('B', 4)), details: { available: 3 } },
  { code: 'SOLD_OUT', label: 'a hold once sold out', world: soldOut, command: hold('fan2', 'g2', tickets(1)) },

  { code: 'HOLD_NOT_FOUND', label: 'confirm an unknown hold', command: { type: 'confirmPurchase', eventId: E, holdId: 'h99', paymentId: 'p' }, details: { holdId: 'h99' } },
  { code: 'HOLD_NOT_FOUND', label: 'fail an unknown hold', command: { type: 'failPayment', eventId: E, holdId: 'h99', paymentId: 'p', reason: '' }, details: { holdId: 'h99' } },
  { code: 'HOLD_NOT_FOUND', label: "extend another fan's hold", command: { type: 'extendHold', eventId: E, fanId: 'fan1', holdId: 'h2', key: 'k' }, details: { holdId: 'h2' } },
  { code: 'HOLD_NOT_FOUND', label: "release another fan's hold", command: { type: 'releaseHold', eventId: E, fanId: 'fan6', holdId: 'h1', key: 'k' }, details: { holdId: 'h1' } },
  { code: 'HOLD_NOT_FOUND', label: "pay another fan's hold", command: { type: 'startPayment', eventId: E, fanId: 'fan6', holdId: 'h2', paymentId: 'p', key: 'k' }, details: { holdId: 'h2' } },
  { code: 'HOLD_NOT_ACTIVE', label: 'release a bought hold', command: { type: 'releaseHold', eventId: E, fanId: 'fan4', holdId: 'h4', key: 'k' }, details: { holdId: 'h4', outcome: 'purchased' } },
  { code: 'HOLD_NOT_ACTIVE', label: 'release a hold being paid', command: { type: 'releaseHold', eventId: E, fanId: 'fan3', holdId: 'h3', key: 'k' }, details: { outcome: 'paymentPending' } },
  { code: 'HOLD_NOT_ACTIVE', label: 'start a second payment', command: { type: 'startPayment', eventId: E, fanId: 'fan3', holdId: 'h3', paymentId: 'p3b', key: 'k' }, details: { outcome: 'paymentPending' } },
  { code: 'HOLD_NOT_ACTIVE', label: 'extend a released hold', command: { type: 'extendHold', eventId: E, fanId: 'fan5', holdId: 'h5', key: 'k' }, details: { outcome: 'released' } },
  { code: 'HOLD_NOT_ACTIVE', label: 'confirm a released hold', command: { type: 'confirmPurchase', eventId: E, holdId: 'h5', paymentId: 'p' }, details: { outcome: 'released', refund: 'due' }, refund: 'holdEnded' },
  { code: 'HOLD_NOT_ACTIVE', label: 'fail a payment never started', command: { type: 'failPayment', eventId: E, holdId: 'h1', paymentId: 'p', reason: '' }, details: { outcome: 'held' } },
  { code: 'HOLD_EXPIRED', label: 'confirm after the window', world: late, command: { type: 'confirmPurchase', eventId: E, holdId: 'h2', paymentId: 'p' }, details: { holdId: 'h2', refund: 'due' }, refund: 'holdEnded' },
  { code: 'HOLD_EXPIRED', label: 'extend after the window', world: late, command: { type: 'extendHold', eventId: E, fanId: 'fan2', holdId: 'h2', key: 'k' }, details: { holdId: 'h2' } },
  { code: 'HOLD_EXPIRED', label: 'release after the window', world: late, command: { type: 'releaseHold', eventId: E, fanId: 'fan2', holdId: 'h2', key: 'k' }, details: { holdId: 'h2' } },
  { code: 'EXTENSION_NOT_ALLOWED', label: 'a second extension', command: { type: 'extendHold', eventId: E, fanId: 'fan1', holdId: 'h1', key: 'x2' } },
  { code: 'PAYMENT_MISMATCH', label: 'confirm a payment in flight with another id', command: { type: 'confirmPurchase', eventId: E, holdId: 'h3', paymentId: 'other' }, details: { holdId: 'h3', refund: 'due' }, refund: 'otherAttempt' },
  { code: 'PAYMENT_MISMATCH', label: 'fail a payment in flight with another id', command: { type: 'failPayment', eventId: E, holdId: 'h3', paymentId: 'other', reason: '' }, details: { holdId: 'h3' } },
  { code: 'PAYMENT_MISMATCH', label: 'confirm a bought hold with another id', command: { type: 'confirmPurchase', eventId: E, holdId: 'h4', paymentId: 'other' }, details: { holdId: 'h4', refund: 'due' }, refund: 'alreadyPaid' },
  { code: 'PAYMENT_MISMATCH', label: 'confirm a held hold with a payment that bought another', command: { type: 'confirmPurchase', eventId: E, holdId: 'h1', paymentId: 'p4' }, details: { holdId: 'h1', boughtHoldId: 'h4' } },
  { code: 'REFUND_NOT_DUE', label: 'a refund of a payment that bought its hold', command: { type: 'recordRefund', eventId: E, holdId: 'h4', paymentId: 'p4' }, details: { holdId: 'h4', paymentId: 'p4' } },
  { code: 'IDEMPOTENCY_KEY_REUSED', label: 'a hold key for another hold', command: hold('fan1', 'g1', tickets(1), 'k1'), details: { key: 'k1' } },
  { code: 'IDEMPOTENCY_KEY_REUSED', label: 'a hold key for an extension', command: { type: 'extendHold', eventId: E, fanId: 'fan1', holdId: 'h1', key: 'k1' }, details: { key: 'k1' } },
  { code: 'IDEMPOTENCY_KEY_REUSED', label: 'an extension key for a release', command: { type: 'releaseHold', eventId: E, fanId: 'fan1', holdId: 'h1', key: 'x1' }, details: { key: 'x1' } },
];

describe('every command error changes nothing', () => {
  it.each(cases)('$code: $label', ({ code, command, world = busy, details, refund }) => {
    const d = world();
    const events = d.engine.journal.eventIds();
    if (refund !== undefined) {
      const mark = d.journal.length;
      expect(errorOf(() => d.engine.execute(command)).code).toBe(code);
      expect(d.journal.slice(mark)).toMatchObject([{ type: 'refundDue', reason: refund }]);
    }
    // (A refused success repeated records nothing more: one refund per payment id.)
    const err = d.rejects(() => d.engine.execute(command), code);
    expect(d.engine.journal.eventIds()).toEqual(events);
    if (details !== undefined) expect(err.details).toMatchObject(details);
  });

  it('covers every code a command can produce', () => {
    expect(new Set(cases.map((c) => c.code))).toEqual(new Set(ENGINE_CODES));
    for (const code of ENGINE_CODES) expect(ERROR_CODES).toHaveProperty(code);
  });
});

describe('BreakwaterError', () => {
  it('carries the registry status, details, and serializes to { code, message, details }', () => {
    const d = busy();
    const err = errorOf(() => d.engine.execute(hold('fan6', 'g6', tickets(5))));
    expect(err).toBeInstanceOf(BreakwaterError);
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('BreakwaterError');
    expect(err.code).toBe('LIMIT_EXCEEDED');
    expect(err.status).toBe(ERROR_CODES.LIMIT_EXCEEDED.status);
    expect(err.status).toBe(409);
    expect(err.toJSON()).toEqual({ code: 'LIMIT_EXCEEDED', message: 'at most 4 tickets per fan', details: { limit: 4, current: 0, requested: 5 } });
    expect(JSON.parse(JSON.stringify(err))).toEqual(err.toJSON());
  });

  it('uses the registry summary as the message by default', () => {
    const d = busy();
    const err = errorOf(() => d.engine.execute({ type: 'leave', eventId: E, fanId: 'ghost' }));
    expect(err.message).toBe(ERROR_CODES.NOT_IN_QUEUE.summary);
    expect(err.status).toBe(404);
  });

  it('has the documented status for every engine code', () => {
    const statuses = Object.fromEntries(ENGINE_CODES.map((code) => [code, new BreakwaterError(code).status]));
    expect(statuses).toEqual({
      MALFORMED_COMMAND: 400, INVALID_CONFIG: 400, EVENT_NOT_FOUND: 404, EVENT_EXISTS: 409, WRONG_PHASE: 409, NOT_IN_QUEUE: 404,
      GRANT_INVALID: 403, GRANT_EXPIRED: 410, LIMIT_EXCEEDED: 409, TIER_NOT_FOUND: 404, CATEGORY_NOT_FOUND: 404, SEAT_NOT_FOUND: 404,
      SEAT_TAKEN: 409, NOT_ENOUGH_INVENTORY: 409, SOLD_OUT: 409, HOLD_NOT_FOUND: 404, HOLD_NOT_ACTIVE: 409, HOLD_EXPIRED: 410,
      EXTENSION_NOT_ALLOWED: 409, PAYMENT_MISMATCH: 409, REFUND_NOT_DUE: 409, IDEMPOTENCY_KEY_REUSED: 422,
    });
  });

  it('INVALID_CONFIG lists every issue in details.issues', () => {
    const d = busy();
    const err = errorOf(() => d.engine.execute({ type: 'updateEvent', eventId: E, patch: { onSaleAt: PRE_QUEUE_AT + 1, preQueueOpensAt: PRE_QUEUE_AT + 1 } }));
    expect(err.code).toBe('INVALID_CONFIG');
    expect(err.details.issues).toEqual([
      { field: 'preQueueOpensAt', reason: 'cannot change once the pre-queue has opened' },
      { field: 'onSaleAt', reason: 'cannot change once the sale has started' },
    ]);
  });
});
