/**
 * Registration draws (docs/presales.md, "Registration"): the registration
 * rules, the draw and its proof, the sizing formula, the invitation codes
 * that gate the coded presale, inviting the next from the waitlist in draw
 * order, the checker catching each kind of violation, and restore after
 * every step.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { EventConfigInput, RegistrationConfig, SalePhase } from '../src/config/types.js';
import { validateEventConfig } from '../src/config/validate.js';
import { pseudonymOf, runDraw } from '../src/fairness/draw.js';
import { placeIn, verifyDrawProof } from '../src/fairness/draw-proof.js';
import { commitmentOf } from '../src/fairness/shuffle.js';
import { checkInvariants } from '../src/invariants.js';
import type { JournalEntry } from '../src/journal/entries.js';
import { invitationsFor, type RegistrationStatus, type RegistrationView } from '../src/registration/registration-book.js';
import { CLOSES_AT, Driver, MINUTE, ON_SALE_AT, PRE_QUEUE_AT, SECOND, T0, TEST_SEEDS, countingBytes, errorOf, gaConfig } from './fixtures.js';

const OPENS_AT = T0 + MINUTE;
const REG_CLOSES_AT = T0 + 5 * MINUTE;
const PUBLIC_AT = ON_SALE_AT + 30 * MINUTE;
const BEACON = 'b0'.repeat(32);

/** The coded presale on the event's own times, then the public sale. */
const phases = (): SalePhase[] => [
  { id: 'presale', name: 'Verified fan presale', preQueueOpensAt: PRE_QUEUE_AT, onSaleAt: ON_SALE_AT, access: { kind: 'code' } },
  { id: 'public', name: 'Public sale', preQueueOpensAt: PUBLIC_AT, onSaleAt: PUBLIC_AT, access: { kind: 'open' } },
];

/** 12 tickets, 40 % of invitees buying 3 each: ⌈12 ÷ 1.2⌉ = 10 invitations; codes allow 2 tickets. */
function registrationConfig(overrides: Partial<RegistrationConfig> = {}, event: Partial<EventConfigInput> = {}): EventConfigInput {
  return gaConfig({
    id: 'verified-night', quantity: 12, phases: phases(),
    registration: { opensAt: OPENS_AT, closesAt: REG_CLOSES_AT, phaseId: 'presale', buyerSharePercent: 40, ticketsPerBuyer: 3, ticketCap: 2, ...overrides },
    ...event,
  });
}

function driver(config = registrationConfig()): Driver {
  return new Driver(config, { randomBytes: countingBytes() });
}

const register = (d: Driver, fanId: string) => d.exec({ type: 'register', fanId }) as RegistrationView;
const withdraw = (d: Driver, fanId: string) => d.exec({ type: 'withdrawRegistration', fanId }) as RegistrationView;
const inviteNext = (d: Driver, count: number) => d.exec({ type: 'inviteNext', count }) as { invited: number; invitedUpTo: number; waitlisted: number };
const fans = (n: number, prefix = 'acct:fan') => Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);

/** Registers fans and returns their receipts. */
function registerAll(d: Driver, fanIds: readonly string[]): Map<string, string> {
  return new Map(fanIds.map((fanId) => [fanId, register(d, fanId).receipt!]));
}

/** The accounts in draw order, recomputed from the journal alone: the held registrations' numbers and pseudonyms, the revealed seed. */
function drawOrderFromJournal(journal: readonly JournalEntry[]): string[] {
  const registrations: Array<{ fanId: string; pseudonym: string; number: number; held: boolean }> = [];
  for (const e of journal) {
    if (e.type === 'registered') registrations.push({ fanId: e.fanId, pseudonym: e.pseudonym, number: registrations.length + 1, held: true });
    if (e.type === 'registrationWithdrawn') registrations.findLast((r) => r.fanId === e.fanId)!.held = false;
  }
  const drawn = journal.find((e) => e.type === 'registrationDrawn');
  if (drawn?.type !== 'registrationDrawn') throw new Error('not drawn');
  const held = registrations.filter((r) => r.held);
  const entries = { joinNumbers: held.map((r) => r.number), pseudonyms: Buffer.from(held.map((r) => r.pseudonym).join(''), 'hex') };
  return Array.from(runDraw(drawn.seed, entries, drawn.beacon).order, (i) => held[i]!.fanId);
}

/** Accounts bound to invitation codes, in the order the journal bound them. */
const invitedInJournal = (journal: readonly JournalEntry[]) => journal.flatMap((e) => (e.type === 'codesAdded' ? e.accounts ?? [] : []));

describe('the invitations formula', () => {
  it('is ⌈seats × 100 ÷ (share × tickets per buyer)⌉ in whole numbers, at most the registrations', () => {
    expect(invitationsFor(12, 40, 3, 100)).toBe(10);
    expect(invitationsFor(13, 40, 3, 100)).toBe(11);
    // The Eras presale's sizing: 1.8 M tickets at 40 % × 3 is 1.5 M invitations.
    expect(invitationsFor(1_800_000, 40, 3, 3_500_000)).toBe(1_500_000);
    // 70 % × 3 = 2.1 is 2.0999999999999996 in floating point: 21 seats would wrongly give 11.
    expect(invitationsFor(21, 70, 3, 100)).toBe(10);
    expect(invitationsFor(12, 40, 3, 7)).toBe(7);
    expect(invitationsFor(1, 100, 100, 5)).toBe(1);
  });
});

describe('the registration configuration', () => {
  const issues = (config: EventConfigInput) => errorOf(() => validateEventConfig(config)).details.issues;

  it('takes a registration for a coded phase, closing before that phase opens', () => {
    expect(validateEventConfig(registrationConfig()).registration).toEqual({
      opensAt: OPENS_AT, closesAt: REG_CLOSES_AT, phaseId: 'presale', buyerSharePercent: 40, ticketsPerBuyer: 3, ticketCap: 2,
    });
  });

  it('refuses a close before the opening, an unknown or open phase, a close after the phase opens, a cap above the per-fan limit', () => {
    expect(issues(registrationConfig({ closesAt: OPENS_AT }))).toEqual([{ field: 'registration.closesAt', reason: 'must be after registration.opensAt' }]);
    expect(issues(registrationConfig({ phaseId: 'nope' }))).toEqual([{ field: 'registration.phaseId', reason: 'must name one of the event\'s phases, not "nope"' }]);
    expect(issues(registrationConfig({ phaseId: 'public' }))).toEqual([{ field: 'registration.phaseId', reason: 'must name a phase whose access is by code ("public" is open)' }]);
    expect(issues(registrationConfig({ closesAt: PRE_QUEUE_AT + 1 }))).toMatchObject([{ field: 'registration.closesAt' }]);
    expect(issues(registrationConfig({ ticketCap: 5 }))).toEqual([{ field: 'registration.ticketCap', reason: 'must be at most maxTicketsPerFan (4)' }]);
    expect(issues(registrationConfig({ buyerSharePercent: 0, ticketsPerBuyer: 1.5 }))).toMatchObject([
      { field: 'registration.buyerSharePercent' }, { field: 'registration.ticketsPerBuyer' },
    ]);
  });

  it('with a beacon, leaves the draw its beacon wait before the phase opens', () => {
    expect(issues(registrationConfig({ closesAt: PRE_QUEUE_AT - 30 * SECOND, beacon: { name: 'drand quicknet', round: 7 } }))).toEqual([
      { field: 'registration.closesAt', reason: 'must be at least draw.beaconWaitMs (60000) before the invited phase\'s preQueueOpensAt when a beacon is named' },
    ]);
  });
});

describe('registering', () => {
  it('opens at its time on a published event, sealing its draw: only the commitment is readable', () => {
    const d = driver();
    expect(errorOf(() => register(d, 'acct:early'))).toMatchObject({ code: 'REGISTRATION_NOT_OPEN', details: { opensAt: OPENS_AT, closesAt: REG_CLOSES_AT } });
    d.at(OPENS_AT);
    const opened = d.journal.at(-1)!;
    expect(opened).toMatchObject({ type: 'registrationOpened', at: OPENS_AT });
    const seed = TEST_SEEDS.open(d.sale.registration.sealed!.sealedSeed);
    expect(commitmentOf(seed)).toBe(d.status().draws[0]!.commitment);
    expect(JSON.stringify(d.journal)).not.toContain(seed);
    expect(d.status().registration).toMatchObject({ stage: 'open', registered: 0 });
    expect(d.status().draws).toEqual([expect.objectContaining({ draw: 'registration', seed: undefined, drawsAt: REG_CLOSES_AT, pending: 0 })]);
  });

  it('does not open on an unpublished event', () => {
    const d = new Driver(registrationConfig(), { randomBytes: countingBytes(), publish: false });
    d.at(OPENS_AT);
    expect(d.journal.map((e) => e.type)).toEqual(['created']);
    expect(errorOf(() => register(d, 'acct:a'))).toMatchObject({ code: 'REGISTRATION_NOT_OPEN' });
  });

  it('is one registration per account, idempotent, journaled; the receipt is given once', () => {
    const d = driver().at(OPENS_AT);
    const first = register(d, 'acct:ana');
    expect(first).toMatchObject({ state: 'registered', registration: 1, rank: null, code: null, phaseId: 'presale', closesAt: REG_CLOSES_AT });
    expect(first.receipt).toMatch(/^[0-9a-f]{32}$/);
    expect(d.journal.at(-1)).toEqual({ type: 'registered', at: OPENS_AT, fanId: 'acct:ana', pseudonym: pseudonymOf(Buffer.from(first.receipt!, 'hex'), 'acct:ana').toString('hex') });
    const entries = d.journal.length;
    const again = register(d, 'acct:ana');
    expect(again).toEqual({ ...first, receipt: undefined });
    expect('receipt' in again).toBe(false);
    expect(d.journal.length).toBe(entries);
    expect(register(d, 'acct:ben').registration).toBe(2);
    expect(d.status().registration).toMatchObject({ registered: 2, withdrawn: 0 });
  });

  it('withdraws before the close (idempotent); registering again is a new registration; nothing changes after the close', () => {
    const d = driver().at(OPENS_AT);
    expect(errorOf(() => withdraw(d, 'acct:ana'))).toMatchObject({ code: 'NOT_REGISTERED' });
    register(d, 'acct:ana');
    expect(withdraw(d, 'acct:ana')).toMatchObject({ state: 'withdrawn', registration: 1 });
    const entries = d.journal.length;
    expect(withdraw(d, 'acct:ana').state).toBe('withdrawn');
    expect(d.journal.length).toBe(entries);
    expect(d.status().registration).toMatchObject({ registered: 0, withdrawn: 1 });
    const back = register(d, 'acct:ana');
    expect(back).toMatchObject({ state: 'registered', registration: 2 });
    expect(back.receipt).toMatch(/^[0-9a-f]{32}$/);
    d.at(REG_CLOSES_AT);
    expect(errorOf(() => register(d, 'acct:late'))).toMatchObject({ code: 'REGISTRATION_NOT_OPEN' });
    expect(errorOf(() => withdraw(d, 'acct:ana'))).toMatchObject({ code: 'REGISTRATION_NOT_OPEN' });
    expect(d.sale.registrationOf('acct:nobody')).toMatchObject({ state: 'none', registration: null });
  });

  it('an event without registration refuses registrations', () => {
    const d = new Driver(gaConfig());
    expect(errorOf(() => register(d, 'acct:a'))).toMatchObject({ code: 'REGISTRATION_NOT_OPEN', details: { opensAt: null, closesAt: null } });
  });
});

describe('the registration draw', () => {
  /** 25 registrations, one withdrawn; the draw at the close. */
  function drawn(config = registrationConfig()): { d: Driver; receipts: Map<string, string> } {
    const d = driver(config).at(OPENS_AT);
    const receipts = registerAll(d, fans(25));
    withdraw(d, 'acct:fan7');
    d.at(REG_CLOSES_AT);
    return { d, receipts };
  }

  it('ranks every registration held by the queue draw\'s construction and invites ⌈seats ÷ (share × tickets per buyer)⌉', () => {
    const { d } = drawn();
    const start = d.journal.findIndex((e) => e.type === 'registrationDrawn');
    expect(d.journal[start]).toMatchObject({ type: 'registrationDrawn', at: REG_CLOSES_AT, count: 24, seats: 12, invitations: 10 });
    expect(d.journal[start + 1]).toMatchObject({ type: 'codesAdded', uses: 1, ticketCap: 2, phaseId: 'presale' });
    const order = drawOrderFromJournal(d.journal);
    expect(order).toHaveLength(24);
    expect(order).not.toContain('acct:fan7');
    expect(invitedInJournal(d.journal)).toEqual(order.slice(0, 10));
    expect(d.status().registration).toMatchObject({ stage: 'drawn', registered: 24, withdrawn: 1, seats: 12, invitations: 10, invited: 10, waitlisted: 14, joined: 0 });
    expect(checkInvariants(d.journal)).toEqual([]);
  });

  it('tells each account its outcome: invited with its code, or its place on the waitlist', () => {
    const { d } = drawn();
    const order = drawOrderFromJournal(d.journal);
    const codes = d.sale.codes.list(0, 100);
    order.forEach((fanId, k) => {
      const view = d.sale.registrationOf(fanId);
      if (k < 10) expect(view).toMatchObject({ state: 'invited', rank: k + 1, waitlistPosition: null, code: codes[k]!.code });
      else expect(view).toMatchObject({ state: 'waitlisted', rank: k + 1, waitlistPosition: k - 9, code: null });
    });
    expect(codes.slice(0, 10).map((c) => c.accounts)).toEqual(order.slice(0, 10).map((fanId) => [fanId]));
    expect(d.sale.registrationOf('acct:fan7')).toMatchObject({ state: 'withdrawn', rank: null });
  });

  it('publishes the same proof as a queue draw: it verifies, and each fan finds its rank from its receipt', () => {
    const { d, receipts } = drawn();
    const proof = d.sale.drawProof('registration');
    expect(proof).toMatchObject({ version: 2, draw: 'registration', drawnAt: REG_CLOSES_AT, firstNumber: 1, beacon: null, invitations: 10 });
    expect(proof.commitment).toBe(commitmentOf(proof.seed));
    expect(verifyDrawProof(proof)).toEqual({ ok: true, count: 24 });
    expect(proof.entries.map((e) => e.joinNumber)).toEqual([...Array.from({ length: 6 }, (_, i) => i + 1), ...Array.from({ length: 18 }, (_, i) => i + 8)]);
    for (const [fanId, receipt] of receipts) {
      const place = placeIn(proof, receipt, fanId);
      if (fanId === 'acct:fan7') expect(place).toBeUndefined();
      else expect(place?.number).toBe(d.sale.registrationOf(fanId).rank);
    }
    expect(verifyDrawProof({ ...proof, order: [...proof.order].reverse() })).toMatchObject({ ok: false });
  });

  it('npm run verify-shuffle reads its proof as it is, and tells a fan its rank and outcome from its receipt', () => {
    const { d, receipts } = drawn();
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const dir = mkdtempSync(join(tmpdir(), 'breakwater-registration-'));
    try {
      const file = join(dir, 'registration.json');
      writeFileSync(file, JSON.stringify(d.sale.drawProof('registration')));
      const order = drawOrderFromJournal(d.journal);
      const run = (fanId: string) => spawnSync('npx', ['tsx', join(root, 'engine/bin/verify-shuffle.ts'), file, '--receipt', receipts.get(fanId)!, '--fan', fanId], { cwd: root, encoding: 'utf8' });
      const invited = run(order[0]!);
      expect(invited.status, invited.stderr).toBe(0);
      expect(invited.stdout).toContain('OK: 24 entries, order verified (no beacon)');
      expect(invited.stdout).toMatch(/^Your place: rank 1 of 24, invited by the draw \(registration number \d+\)$/m);
      expect(run(order[12]!).stdout).toMatch(/^Your place: rank 13 of 24, waitlist position 3 at the draw/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('before it runs, the proof is refused with the commitment; sizing on the seats given, never more than the registrations', () => {
    const d = driver(registrationConfig({ seats: 30 })).at(OPENS_AT);
    expect(errorOf(() => d.sale.drawProof('registration'))).toMatchObject({ code: 'DRAW_NOT_RUN', details: { drawsAt: REG_CLOSES_AT } });
    registerAll(d, fans(5));
    d.at(REG_CLOSES_AT);
    expect(d.journal.find((e) => e.type === 'registrationDrawn')).toMatchObject({ seats: 30, invitations: 5 });
    expect(errorOf(() => inviteNext(d, 1))).toMatchObject({ code: 'REGISTRATION_WAITLIST_EMPTY', details: { invited: 5 } });
  });

  it('waits for its named beacon, mixes it in, and its proof names it', () => {
    const config = registrationConfig({ beacon: { name: 'drand quicknet', round: 99 } });
    const d = driver(config);
    expect(errorOf(() => d.exec({ type: 'supplyBeacon', draw: 'registration', value: BEACON }))).toMatchObject({ code: 'DRAW_NOT_FOUND' });
    d.at(OPENS_AT);
    registerAll(d, fans(12));
    d.at(REG_CLOSES_AT + 10 * SECOND);
    expect(d.status().registration?.stage).toBe('open');
    d.exec({ type: 'supplyBeacon', draw: 'registration', value: BEACON });
    expect(d.journal.find((e) => e.type === 'registrationDrawn')).toMatchObject({ beacon: BEACON, at: REG_CLOSES_AT + 10 * SECOND });
    expect(d.sale.drawProof('registration').beacon).toEqual({ name: 'drand quicknet', round: 99, value: BEACON });
    expect(errorOf(() => d.exec({ type: 'supplyBeacon', draw: 'registration', value: BEACON }))).toMatchObject({ code: 'DRAW_ALREADY_RUN' });
    expect(checkInvariants(d.journal)).toEqual([]);
  });

  it('runs without a beacon not supplied within the wait, and says so', () => {
    const d = driver(registrationConfig({ beacon: { name: 'drand quicknet', round: 99 } })).at(OPENS_AT);
    registerAll(d, fans(3));
    d.at(REG_CLOSES_AT + MINUTE);
    expect(d.sale.drawProof('registration').beacon).toEqual({ name: 'drand quicknet', round: 99, value: null });
    expect(checkInvariants(d.journal)).toEqual([]);
  });

  it('the organizer closes registration now: the close moves to now and the draw runs', () => {
    const d = driver().at(OPENS_AT);
    registerAll(d, fans(4));
    d.advance(MINUTE);
    const status = d.exec({ type: 'closeRegistration' }) as RegistrationStatus;
    expect(status).toMatchObject({ stage: 'drawn', closesAt: OPENS_AT + MINUTE, invited: 4 });
    expect(d.sale.config.registration?.closesAt).toBe(OPENS_AT + MINUTE);
    expect(errorOf(() => d.exec({ type: 'closeRegistration' }))).toMatchObject({ code: 'REGISTRATION_NOT_OPEN' });
    expect(checkInvariants(d.journal)).toEqual([]);
  });
});

describe('invitations gate the coded presale', () => {
  function presale(): { d: Driver; order: string[] } {
    const d = driver().at(OPENS_AT);
    registerAll(d, fans(25));
    d.at(PRE_QUEUE_AT);
    return { d, order: drawOrderFromJournal(d.journal) };
  }
  const joinWith = (d: Driver, fanId: string, accessCode?: string) => d.exec({ type: 'join', fanId, ...(accessCode === undefined ? {} : { accessCode }) });

  it('an invitee joins with its code; nobody else can use it; the waitlisted have none', () => {
    const { d, order } = presale();
    const invitee = order[0]!;
    const code = d.sale.registrationOf(invitee).code!;
    expect(errorOf(() => joinWith(d, order[12]!, code))).toMatchObject({ code: 'ACCESS_CODE_INVALID', details: { reason: 'boundToOtherAccounts' } });
    expect(errorOf(() => joinWith(d, order[12]!))).toMatchObject({ code: 'ACCESS_CODE_REQUIRED' });
    expect(joinWith(d, invitee, code.toLowerCase())).toMatchObject({ status: 'preQueue' });
    expect(d.status().registration?.joined).toBe(1);
    expect(checkInvariants(d.journal)).toEqual([]);
  });

  it('the code\'s ticket cap holds on top of the per-fan limit', () => {
    const { d, order } = presale();
    joinWith(d, order[0]!, d.sale.registrationOf(order[0]!).code!);
    d.startSale();
    expect(errorOf(() => d.holdTickets(order[0]!, 3))).toMatchObject({ code: 'LIMIT_EXCEEDED', details: { scope: 'accessCode', limit: 2 } });
    d.buy(order[0]!, 2);
    expect(checkInvariants(d.journal)).toEqual([]);
  });

  it('the organizer invites the next N in draw order, each with a code; past the end, the rest', () => {
    const { d, order } = presale();
    expect(inviteNext(d, 3)).toEqual({ invited: 3, invitedUpTo: 13, waitlisted: 12 });
    expect(d.journal.at(-2)).toMatchObject({ type: 'invitedNext', count: 3 });
    expect(invitedInJournal(d.journal)).toEqual(order.slice(0, 13));
    expect(d.sale.registrationOf(order[12]!)).toMatchObject({ state: 'invited', rank: 13 });
    expect(d.sale.registrationOf(order[13]!)).toMatchObject({ state: 'waitlisted', waitlistPosition: 1 });
    expect(joinWith(d, order[12]!, d.sale.registrationOf(order[12]!).code!)).toMatchObject({ status: 'preQueue' });
    expect(inviteNext(d, 100)).toEqual({ invited: 12, invitedUpTo: 25, waitlisted: 0 });
    expect(invitedInJournal(d.journal)).toEqual(order);
    expect(errorOf(() => inviteNext(d, 1))).toMatchObject({ code: 'REGISTRATION_WAITLIST_EMPTY' });
    expect(errorOf(() => inviteNext(d, 0))).toMatchObject({ code: 'MALFORMED_COMMAND' });
    expect(checkInvariants(d.journal)).toEqual([]);
  });

  it('nobody can be invited before the draw', () => {
    const d = driver().at(OPENS_AT);
    register(d, 'acct:a');
    expect(errorOf(() => inviteNext(d, 1))).toMatchObject({ code: 'REGISTRATION_NOT_DRAWN', details: { closesAt: REG_CLOSES_AT } });
  });
});

describe('changing registration on a live event', () => {
  const update = (d: Driver, registration: Partial<RegistrationConfig>) =>
    d.exec({ type: 'updateEvent', patch: { registration: { ...d.sale.config.registration, ...registration } } });

  it('once open: its opening, phase and beacon stay, its close moves (not before now), its sizing may change', () => {
    const d = driver().at(OPENS_AT + MINUTE);
    expect(errorOf(() => update(d, { opensAt: OPENS_AT + 30 * SECOND })).details.issues).toEqual([{ field: 'registration.opensAt', reason: 'cannot change once registration has opened' }]);
    expect(errorOf(() => update(d, { beacon: { name: 'drand', round: 1 } })).details.issues).toMatchObject([{ field: 'registration.beacon' }]);
    expect(errorOf(() => update(d, { closesAt: OPENS_AT + 30 * SECOND })).details.issues).toEqual([{ field: 'registration.closesAt', reason: 'cannot move before now' }]);
    update(d, { closesAt: REG_CLOSES_AT + MINUTE, buyerSharePercent: 50 });
    expect(d.status().registration?.closesAt).toBe(REG_CLOSES_AT + MINUTE);
    expect(errorOf(() => d.exec({ type: 'updateEvent', patch: { registration: null } })).details.issues).toEqual([
      { field: 'registration', reason: 'cannot be removed once registration has opened' },
    ]);
  });

  it('before it opens, `registration: null` removes it', () => {
    const d = driver();
    d.exec({ type: 'updateEvent', patch: { registration: null } });
    expect(d.sale.config.registration).toBeUndefined();
    d.at(OPENS_AT);
    expect(d.journal.some((e) => e.type === 'registrationOpened')).toBe(false);
  });

  it('once drawn, nothing of it changes', () => {
    const d = driver().at(OPENS_AT);
    register(d, 'acct:a');
    d.at(REG_CLOSES_AT);
    expect(errorOf(() => update(d, { seats: 40 })).details.issues).toEqual([{ field: 'registration', reason: 'cannot change once its draw has run' }]);
  });
});

describe('the invariant checker', () => {
  function journal(): JournalEntry[] {
    const d = driver().at(OPENS_AT);
    registerAll(d, fans(25));
    d.at(PRE_QUEUE_AT);
    inviteNext(d, 2);
    return structuredClone([...d.journal]);
  }
  const violations = (entries: JournalEntry[]) => checkInvariants(entries).map((v) => v.invariant);
  const indexOf = (entries: JournalEntry[], type: JournalEntry['type'], nth = 0) => entries.map((e, i) => (e.type === type ? i : -1)).filter((i) => i >= 0)[nth]!;

  it('finds nothing in a real journal', () => {
    expect(checkInvariants(journal())).toEqual([]);
  });

  it('catches a registration after the close, and one account registered twice', () => {
    const entries = journal();
    const drawnAt = indexOf(entries, 'registrationDrawn');
    entries.splice(drawnAt, 0, { type: 'registered', at: REG_CLOSES_AT, fanId: 'acct:late', pseudonym: '00'.repeat(16) });
    expect(violations(entries)).toContain('registrationWindow');
    const twice = journal();
    twice.splice(indexOf(twice, 'registered', 3), 0, { type: 'registered', at: OPENS_AT, fanId: 'acct:fan1', pseudonym: '00'.repeat(16) });
    expect(violations(twice)).toContain('registrationWindow');
  });

  it('catches invitations off the formula, a wrong seed or count, a draw before the close', () => {
    const tamper = (change: (e: Extract<JournalEntry, { type: 'registrationDrawn' }>) => void) => {
      const entries = journal();
      change(entries[indexOf(entries, 'registrationDrawn')] as Extract<JournalEntry, { type: 'registrationDrawn' }>);
      return violations(entries);
    };
    expect(tamper((e) => (e.invitations = 11))).toContain('registrationDraw');
    expect(tamper((e) => (e.seats = 13))).toContain('registrationDraw');
    expect(tamper((e) => (e.count = 24))).toContain('registrationDraw');
    expect(tamper((e) => (e.seed = '11'.repeat(32)))).toContain('registrationDraw');
    expect(tamper((e) => (e.at = REG_CLOSES_AT - 1))).toContain('registrationDraw');
  });

  it('catches a code bound out of draw order, an invitation without its code, invite-next past the waitlist', () => {
    const swapped = journal();
    const codes = swapped[indexOf(swapped, 'codesAdded')] as Extract<JournalEntry, { type: 'codesAdded' }>;
    [codes.accounts![0], codes.accounts![1]] = [codes.accounts![1]!, codes.accounts![0]!];
    expect(violations(swapped)).toEqual(['invitationOrder', 'invitationOrder']);
    const uncoded = journal();
    uncoded.splice(indexOf(uncoded, 'codesAdded', 1), 1);
    expect(violations(uncoded)).toEqual(['invitationOrder']);
    const past = journal();
    (past[indexOf(past, 'invitedNext')] as Extract<JournalEntry, { type: 'invitedNext' }>).count = 16;
    expect(violations(past)).toContain('invitationOrder');
  });
});
