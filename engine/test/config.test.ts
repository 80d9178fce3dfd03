import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CONFIG_DEFAULTS, DOOR_DEFAULTS, MINUTE, PAYMENTS_DEFAULTS, WAITLIST_DEFAULTS, type EventConfig } from '../src/config/types.js';
import { defaultPhases, validateConfigUpdate, validateEventConfig, type ConfigIssue } from '../src/config/validate.js';
import { BreakwaterError, isBreakwaterError } from '../src/errors.js';

const T0 = Date.UTC(2030, 5, 1, 9);
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

type Json = Record<string, unknown>;

/** General admission only, every optional field left out. */
function minimalConfig(): Json {
  return {
    id: 'tour-2030.paris_1',
    name: 'Breakwater Live — Paris',
    preQueueOpensAt: T0,
    onSaleAt: T0 + HOUR,
    closesAt: T0 + 7 * DAY,
    inventory: { tiers: [{ id: 'ga', name: 'General admission', price: 5_900, quantity: 2_000 }] },
  };
}

const seat = (label: string, category: string, rank: number): Json => ({ label, category, rank });

/** Reserved seating plus one tier and every optional field set. */
function reservedConfig(): Json {
  return {
    ...minimalConfig(),
    inventory: {
      tiers: [{ id: 'standing', name: 'Standing', price: 4_500, quantity: 300 }],
      sections: [
        {
          id: 'A',
          name: 'Floor A',
          rows: [
            { id: '1', seats: [seat('1', 'gold', 1), seat('2', 'gold', 1), seat('3', 'gold', 1.5)] },
            { id: '2', seats: [seat('1', 'silver', 2), seat('2', 'silver', 2)] },
          ],
        },
        { id: 'B', name: 'Balcony', rows: [{ id: '1', seats: [seat('1', 'bronze', 10)] }] },
      ],
    },
    paymentWindowMs: 8 * MINUTE,
    holdExtensionMs: 2 * MINUTE,
    paymentPendingMaxMs: 12 * MINUTE,
    maxTicketsPerFan: 6,
    admission: { mode: 'rate', fansPerMinute: 500, maxActiveShoppers: 2_000, paymentCapacityPerSec: 40 },
    presenceGraceMs: 90_000,
    grantTtlMs: 3 * MINUTE,
    door: { startWindowMs: 20_000, joinsPerAddressPerMin: 10, joinsPerSubnetPerMin: 100, slowLaneMaxDelayMs: 45_000, powFloor: 4, powCeiling: 12 },
    waitlist: { enabled: true, standbyMarginPercent: 40, callAnswerMs: 15 * MINUTE, early: false },
    draw: { beacon: { name: 'drand quicknet', round: 12_345_678 }, beaconWaitMs: 90_000 },
    payments: {
      channels: [{ name: 'card', capacityPerSec: 120 }, { name: 'bank-transfer' }],
      pacing: 'adaptive',
      healthWindowMs: 20_000,
      timeoutMs: 45_000,
      queuePauseMaxMs: 90_000,
      breaker: { failurePercent: 40, minOutcomes: 10, openMs: 30_000, probes: 5 },
    },
  };
}

/** A deep copy of `base` with the value at `path` replaced (or removed when `value` is undefined). */
function withValue(base: Json, path: readonly (string | number)[], value: unknown): Json {
  const copy = structuredClone(base);
  let node: any = copy;
  for (const key of path.slice(0, -1)) node = node[key];
  const last = path[path.length - 1]!;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return copy;
}

function rejection(run: () => unknown): BreakwaterError {
  try {
    run();
  } catch (err) {
    if (isBreakwaterError(err, 'INVALID_CONFIG')) return err;
    throw err;
  }
  throw new Error('expected INVALID_CONFIG, but the value was accepted');
}

function issuesOf(input: unknown): ConfigIssue[] {
  return rejection(() => validateEventConfig(input)).details.issues as ConfigIssue[];
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

describe('validateEventConfig: valid configurations', () => {
  it('accepts a minimal general-admission config and fills in every default', () => {
    const config = validateEventConfig(minimalConfig());
    expect(config).toEqual({
      ...minimalConfig(),
      inventory: { tiers: [{ id: 'ga', name: 'General admission', price: 5_900, quantity: 2_000 }], sections: [] },
      paymentWindowMs: CONFIG_DEFAULTS.paymentWindowMs,
      holdExtensionMs: CONFIG_DEFAULTS.holdExtensionMs,
      paymentPendingMaxMs: CONFIG_DEFAULTS.paymentPendingMaxMs,
      maxTicketsPerFan: CONFIG_DEFAULTS.maxTicketsPerFan,
      admission: { mode: 'auto' },
      presenceGraceMs: CONFIG_DEFAULTS.presenceGraceMs,
      grantTtlMs: CONFIG_DEFAULTS.grantTtlMs,
      phases: defaultPhases(minimalConfig().preQueueOpensAt as number, minimalConfig().onSaleAt as number),
      door: DOOR_DEFAULTS,
      waitlist: { enabled: true, standbyMarginPercent: 25, callAnswerMs: 10 * MINUTE, early: true },
      draw: { beaconWaitMs: 60_000 },
      payments: PAYMENTS_DEFAULTS,
    });
    expect(config.admission).not.toBe(CONFIG_DEFAULTS.admission);
    expect(config.door).not.toBe(DOOR_DEFAULTS);
    expect(config.waitlist).not.toBe(WAITLIST_DEFAULTS);
  });

  it('accepts reserved seating and keeps every field as given', () => {
    const input = reservedConfig();
    expect(validateEventConfig(input)).toEqual({ ...input, phases: defaultPhases(input.preQueueOpensAt as number, input.onSaleAt as number) });
  });

  it('accepts seats only, with no tiers', () => {
    const input = withValue(reservedConfig(), ['inventory', 'tiers'], undefined);
    expect(validateEventConfig(input).inventory.tiers).toEqual([]);
  });

  it('accepts the boundaries of every range', () => {
    const low = { ...minimalConfig(), preQueueOpensAt: 0, onSaleAt: 0, closesAt: 1, paymentWindowMs: 10_000, holdExtensionMs: 0, paymentPendingMaxMs: 1_000, maxTicketsPerFan: 1, presenceGraceMs: 1_000, grantTtlMs: 5_000 };
    const high = { ...minimalConfig(), id: 'x'.repeat(64), name: 'n'.repeat(200), paymentWindowMs: DAY, holdExtensionMs: DAY, paymentPendingMaxMs: DAY, maxTicketsPerFan: 100, presenceGraceMs: DAY, grantTtlMs: DAY };
    expect(validateEventConfig(low)).toMatchObject(low);
    expect(validateEventConfig(high)).toMatchObject(high);
  });

  it.each([
    { mode: 'rate', fansPerMinute: 1 },
    { mode: 'concurrency', maxActiveShoppers: 1, paymentCapacityPerSec: 0.5 },
    { mode: 'auto' },
    { mode: 'auto', maxActiveShoppers: 10_000, paymentCapacityPerSec: 25 },
  ])('accepts admission %o', (admission) => {
    expect(validateEventConfig({ ...minimalConfig(), admission }).admission).toEqual(admission);
  });

  it('accepts a tier with quantity 0 next to one that has tickets, and ids using the whole charset', () => {
    const tiers = [{ id: 'A-z_0.9', name: 'VIP', price: 0, quantity: 0 }, { id: 'ga', name: 'GA', price: 1, quantity: 1 }];
    expect(validateEventConfig({ ...minimalConfig(), inventory: { tiers } }).inventory.tiers).toEqual(tiers);
  });
});

/** [what is wrong, path to change, new value (undefined removes it), expected field, expected reason]. */
type Violation = [string, (string | number)[], unknown, string, RegExp];

const topLevelViolations: Violation[] = [
  ['id missing', ['id'], undefined, 'id', /is required/],
  ['id empty', ['id'], '', 'id', /must not be empty/],
  ['id too long', ['id'], 'x'.repeat(65), 'id', /at most 64 characters/],
  ['id with a space', ['id'], 'paris 1', 'id', /may contain only/],
  ['id with a NATS wildcard', ['id'], 'paris.*', 'id', /may contain only/],
  ['id not a string', ['id'], 42, 'id', /must be a string, got 42/],
  ['name empty', ['name'], '  ', 'name', /must not be empty/],
  ['name too long', ['name'], 'n'.repeat(201), 'name', /at most 200 characters/],
  ['name null', ['name'], null, 'name', /must be a string, got null/],
  ['preQueueOpensAt negative', ['preQueueOpensAt'], -1, 'preQueueOpensAt', /integer of at least 0/],
  ['preQueueOpensAt fractional', ['preQueueOpensAt'], T0 + 0.5, 'preQueueOpensAt', /integer/],
  ['onSaleAt a date string', ['onSaleAt'], '2030-06-01T10:00:00Z', 'onSaleAt', /must be an integer .*got a string/],
  ['closesAt infinite', ['closesAt'], Infinity, 'closesAt', /got Infinity/],
  ['closesAt NaN', ['closesAt'], NaN, 'closesAt', /got NaN/],
  ['onSaleAt before preQueueOpensAt', ['onSaleAt'], T0 - 1, 'onSaleAt', /must be at or after preQueueOpensAt/],
  ['closesAt equal to onSaleAt', ['closesAt'], T0 + HOUR, 'closesAt', /must be after onSaleAt/],
  ['paymentWindowMs too short', ['paymentWindowMs'], 9_999, 'paymentWindowMs', /between 10000 and 86400000/],
  ['paymentWindowMs too long', ['paymentWindowMs'], DAY + 1, 'paymentWindowMs', /between 10000 and 86400000/],
  ['paymentWindowMs fractional', ['paymentWindowMs'], 60_000.5, 'paymentWindowMs', /integer/],
  ['holdExtensionMs negative', ['holdExtensionMs'], -1, 'holdExtensionMs', /between 0 and 86400000/],
  ['holdExtensionMs too long', ['holdExtensionMs'], DAY + 1, 'holdExtensionMs', /between 0 and 86400000/],
  ['paymentPendingMaxMs too short', ['paymentPendingMaxMs'], 999, 'paymentPendingMaxMs', /between 1000 and 86400000/],
  ['paymentPendingMaxMs too long', ['paymentPendingMaxMs'], DAY + 1, 'paymentPendingMaxMs', /between 1000/],
  ['maxTicketsPerFan zero', ['maxTicketsPerFan'], 0, 'maxTicketsPerFan', /between 1 and 100/],
  ['maxTicketsPerFan too many', ['maxTicketsPerFan'], 101, 'maxTicketsPerFan', /between 1 and 100/],
  ['maxTicketsPerFan a string', ['maxTicketsPerFan'], '4', 'maxTicketsPerFan', /got a string/],
  ['presenceGraceMs too short', ['presenceGraceMs'], 999, 'presenceGraceMs', /between 1000 and 86400000/],
  ['presenceGraceMs too long', ['presenceGraceMs'], DAY + 1, 'presenceGraceMs', /between 1000/],
  ['grantTtlMs too short', ['grantTtlMs'], 4_999, 'grantTtlMs', /between 5000 and 86400000/],
  ['grantTtlMs too long', ['grantTtlMs'], DAY + 1, 'grantTtlMs', /between 5000/],
  ['a null setting (null is not "use the default")', ['grantTtlMs'], null, 'grantTtlMs', /got null/],
  ['a typo in a top-level field', ['onsaleAt'], T0, 'onsaleAt', /not a known field; did you mean "onSaleAt"\?/],
  ['an unknown top-level field', ['currency'], 'EUR', 'currency', /is not a known field$/],
];

const inventoryViolations: Violation[] = [
  ['inventory missing', ['inventory'], undefined, 'inventory', /is required/],
  ['inventory an array', ['inventory'], [], 'inventory', /must be an object, got an array/],
  ['inventory empty', ['inventory'], {}, 'inventory', /at least one ticket/],
  ['inventory with only sold-out tiers and no seats', ['inventory'], { tiers: [{ id: 'ga', name: 'GA', price: 0, quantity: 0 }] }, 'inventory', /at least one ticket/],
  ['inventory with only empty rows', ['inventory'], { sections: [{ id: 'A', name: 'A', rows: [{ id: '1', seats: [] }] }] }, 'inventory', /at least one ticket/],
  ['an unknown inventory field', ['inventory', 'seats'], [], 'inventory.seats', /not a known field/],
  ['tiers not an array', ['inventory', 'tiers'], { ga: 1 }, 'inventory.tiers', /must be an array, got an object/],
  ['tier null', ['inventory', 'tiers', 0], null, 'inventory.tiers[0]', /must be an object, got null/],
  ['tier id with a colon', ['inventory', 'tiers', 0, 'id'], 'ga:floor', 'inventory.tiers[0].id', /may contain only/],
  ['tier id missing', ['inventory', 'tiers', 0, 'id'], undefined, 'inventory.tiers[0].id', /is required/],
  ['tier name empty', ['inventory', 'tiers', 0, 'name'], '', 'inventory.tiers[0].name', /must not be empty/],
  ['tier price fractional', ['inventory', 'tiers', 0, 'price'], 59.9, 'inventory.tiers[0].price', /integer of at least 0, got 59.9/],
  ['tier price negative', ['inventory', 'tiers', 0, 'price'], -1, 'inventory.tiers[0].price', /at least 0/],
  ['tier quantity negative', ['inventory', 'tiers', 0, 'quantity'], -5, 'inventory.tiers[0].quantity', /at least 0/],
  ['tier quantity a string', ['inventory', 'tiers', 0, 'quantity'], '2000', 'inventory.tiers[0].quantity', /got a string/],
  ['a typo in a tier field', ['inventory', 'tiers', 0, 'Price'], 1, 'inventory.tiers[0].Price', /did you mean "price"/],
  ['sections not an array', ['inventory', 'sections'], 'A', 'inventory.sections', /must be an array/],
  ['section an array', ['inventory', 'sections', 0], [], 'inventory.sections[0]', /must be an object, got an array/],
  ['section id empty', ['inventory', 'sections', 0, 'id'], '', 'inventory.sections[0].id', /must not be empty/],
  ['duplicate section id', ['inventory', 'sections', 1, 'id'], 'A', 'inventory.sections[1].id', /duplicates inventory\.sections\[0\]\.id/],
  ['section name missing', ['inventory', 'sections', 1, 'name'], undefined, 'inventory.sections[1].name', /is required/],
  ['section rows missing', ['inventory', 'sections', 1, 'rows'], undefined, 'inventory.sections[1].rows', /is required/],
  ['row id a number', ['inventory', 'sections', 0, 'rows', 1, 'id'], 2, 'inventory.sections[0].rows[1].id', /must be a string, got 2/],
  ['duplicate row id', ['inventory', 'sections', 0, 'rows', 1, 'id'], '1', 'inventory.sections[0].rows[1].id', /duplicates inventory\.sections\[0\]\.rows\[0\]\.id/],
  ['row seats not an array', ['inventory', 'sections', 0, 'rows', 1, 'seats'], null, 'inventory.sections[0].rows[1].seats', /must be an array, got null/],
  ['seat null', ['inventory', 'sections', 0, 'rows', 0, 'seats', 2], null, 'inventory.sections[0].rows[0].seats[2]', /must be an object/],
  ['duplicate seat label', ['inventory', 'sections', 0, 'rows', 0, 'seats', 2, 'label'], '1', 'inventory.sections[0].rows[0].seats[2].label', /duplicates inventory\.sections\[0\]\.rows\[0\]\.seats\[0\]\.label/],
  ['seat label empty', ['inventory', 'sections', 0, 'rows', 0, 'seats', 2, 'label'], '', 'inventory.sections[0].rows[0].seats[2].label', /must not be empty/],
  ['seat category empty', ['inventory', 'sections', 0, 'rows', 0, 'seats', 2, 'category'], '', 'inventory.sections[0].rows[0].seats[2].category', /must not be empty/],
  ['seat rank a string', ['inventory', 'sections', 0, 'rows', 0, 'seats', 2, 'rank'], 'front', 'inventory.sections[0].rows[0].seats[2].rank', /must be a finite number, got a string/],
  ['seat rank infinite', ['inventory', 'sections', 0, 'rows', 0, 'seats', 2, 'rank'], -Infinity, 'inventory.sections[0].rows[0].seats[2].rank', /finite number/],
  ['an unknown seat field', ['inventory', 'sections', 0, 'rows', 0, 'seats', 2, 'price'], 100, 'inventory.sections[0].rows[0].seats[2].price', /not a known field/],
];

const admissionViolations: Violation[] = [
  ['admission not an object', ['admission'], 'rate', 'admission', /must be an object, got a string/],
  ['admission mode unknown', ['admission'], { mode: 'fifo' }, 'admission.mode', /must be one of "rate", "concurrency", "auto", got a string/],
  ['admission mode unknown, other fields fine', ['admission'], { mode: 'FIFO', fansPerMinute: 10 }, 'admission.mode', /must be one of/],
  ['admission mode missing', ['admission'], { fansPerMinute: 100 }, 'admission.mode', /is required/],
  ['rate without fansPerMinute', ['admission'], { mode: 'rate' }, 'admission.fansPerMinute', /is required when mode is "rate"/],
  ['rate with fansPerMinute 0', ['admission'], { mode: 'rate', fansPerMinute: 0 }, 'admission.fansPerMinute', /integer of at least 1/],
  ['rate with fractional fansPerMinute', ['admission'], { mode: 'rate', fansPerMinute: 1.5 }, 'admission.fansPerMinute', /integer/],
  ['rate with maxActiveShoppers 0', ['admission'], { mode: 'rate', fansPerMinute: 10, maxActiveShoppers: 0 }, 'admission.maxActiveShoppers', /at least 1/],
  ['concurrency without maxActiveShoppers', ['admission'], { mode: 'concurrency' }, 'admission.maxActiveShoppers', /is required when mode is "concurrency"/],
  ['concurrency with fansPerMinute', ['admission'], { mode: 'concurrency', maxActiveShoppers: 5, fansPerMinute: 10 }, 'admission.fansPerMinute', /only used when mode is "rate"/],
  ['auto with maxActiveShoppers a string', ['admission'], { mode: 'auto', maxActiveShoppers: '500' }, 'admission.maxActiveShoppers', /got a string/],
  ['paymentCapacityPerSec 0', ['admission'], { mode: 'auto', paymentCapacityPerSec: 0 }, 'admission.paymentCapacityPerSec', /greater than 0/],
  ['paymentCapacityPerSec negative', ['admission'], { mode: 'auto', paymentCapacityPerSec: -2 }, 'admission.paymentCapacityPerSec', /greater than 0, got -2/],
  ['an unknown admission field', ['admission'], { mode: 'auto', maxShoppers: 5 }, 'admission.maxShoppers', /not a known field/],
];

const paymentsViolations: Violation[] = [
  ['payments not an object', ['payments'], ['card'], 'payments', /must be an object, got an array/],
  ['a channel name with capitals', ['payments', 'channels', 0], 'Card', 'payments.channels[0]', /a provider name/],
  ['a channel without a name', ['payments', 'channels', 0], { capacityPerSec: 10 }, 'payments.channels[0].name', /is required/],
  ['a channel named twice', ['payments', 'channels', 1], 'card', 'payments.channels[1].name', /duplicates payments\.channels\[0\]\.name/],
  ['a channel capacity of 0', ['payments', 'channels', 0, 'capacityPerSec'], 0, 'payments.channels[0].capacityPerSec', /greater than 0/],
  ['an unknown channel field', ['payments', 'channels', 0, 'weight'], 2, 'payments.channels[0].weight', /not a known field/],
  ['more than 8 channels', ['payments', 'channels'], Array.from({ length: 9 }, (_, i) => `c${i}`), 'payments.channels', /at most 8 entries/],
  ['pacing unknown', ['payments', 'pacing'], 'fixed', 'payments.pacing', /one of "adaptive", "off"/],
  ['a health window under 5 s', ['payments', 'healthWindowMs'], 4_999, 'payments.healthWindowMs', /between 5000 and 600000/],
  ['a timeout under a second', ['payments', 'timeoutMs'], 999, 'payments.timeoutMs', /between 1000/],
  ['a negative queue pause', ['payments', 'queuePauseMaxMs'], -1, 'payments.queuePauseMaxMs', /between 0/],
  ['a breaker at 0 %', ['payments', 'breaker', 'failurePercent'], 0, 'payments.breaker.failurePercent', /between 1 and 100/],
  ['a breaker with no probes', ['payments', 'breaker', 'probes'], 0, 'payments.breaker.probes', /between 1 and 1000/],
  ['an unknown breaker field', ['payments', 'breaker', 'halfOpenMs'], 5_000, 'payments.breaker.halfOpenMs', /not a known field/],
];

const waitlistViolations: Violation[] = [
  ['waitlist not an object', ['waitlist'], true, 'waitlist', /must be an object/],
  ['waitlist enabled a string', ['waitlist', 'enabled'], 'yes', 'waitlist.enabled', /must be true or false, got a string/],
  ['standby margin negative', ['waitlist', 'standbyMarginPercent'], -1, 'waitlist.standbyMarginPercent', /between 0 and 1000/],
  ['standby margin fractional', ['waitlist', 'standbyMarginPercent'], 12.5, 'waitlist.standbyMarginPercent', /between 0 and 1000/],
  ['a call answered within less than 30 s', ['waitlist', 'callAnswerMs'], 29_999, 'waitlist.callAnswerMs', /between 30000 and 86400000/],
  ['the early waitlist neither on nor off', ['waitlist', 'early'], 'yes', 'waitlist.early', /true or false/],
  ['an unknown waitlist field', ['waitlist', 'margin'], 10, 'waitlist.margin', /not a known field/],
];

describe('validateEventConfig: each rule', () => {
  it.each([...topLevelViolations, ...inventoryViolations, ...admissionViolations, ...waitlistViolations, ...paymentsViolations])('rejects %s', (_what, path, value, field, reason) => {
    const issues = issuesOf(withValue(reservedConfig(), path, value));
    expect(issues).toEqual([{ field, reason: expect.stringMatching(reason) }]);
  });

  it.each([null, undefined, 42, 'config', [], [minimalConfig()], new Date(T0), new Map()])('rejects a root value of %o', (input) => {
    expect(issuesOf(input)).toEqual([{ field: '(root)', reason: expect.stringMatching(/an object/) }]);
  });

  it('rejects seat ids that collide across sections even when each label is unique in its row', () => {
    // "A" + "1-1" + "1" and "A-1" + "1" + "1" both make seat id "A-1-1-1".
    const sections = [
      { id: 'A', name: 'A', rows: [{ id: '1-1', seats: [seat('1', 'x', 1)] }] },
      { id: 'A-1', name: 'A-1', rows: [{ id: '1', seats: [seat('1', 'x', 1)] }] },
    ];
    expect(issuesOf({ ...minimalConfig(), inventory: { sections } })).toEqual([
      { field: 'inventory.sections[1].rows[0].seats[0].label', reason: expect.stringMatching(/seat id "A-1-1-1", which another seat/) },
    ]);
  });

  it('rejects a seat id that is also a tier id', () => {
    const input = withValue(reservedConfig(), ['inventory', 'tiers', 0, 'id'], 'B-1-1');
    expect(issuesOf(input)).toEqual([
      { field: 'inventory.sections[1].rows[0].seats[0].label', reason: expect.stringMatching(/seat id "B-1-1", which is also a tier id/) },
    ]);
  });

  it('checks the holes of a sparse array', () => {
    const seats = [seat('1', 'A', 1), , seat('3', 'A', 1)]; // eslint-disable-line no-sparse-arrays
    const input = { ...minimalConfig(), inventory: { sections: [{ id: 'A', name: 'A', rows: [{ id: '1', seats }] }] } };
    expect(issuesOf(input)).toEqual([{ field: 'inventory.sections[0].rows[0].seats[1]', reason: expect.stringMatching(/an object/) }]);
  });

  it('rejects a duplicate tier id', () => {
    const tiers = [{ id: 'ga', name: 'GA', price: 1, quantity: 1 }, { id: 'vip', name: 'VIP', price: 1, quantity: 1 }, { id: 'ga', name: 'GA 2', price: 1, quantity: 1 }];
    expect(issuesOf({ ...minimalConfig(), inventory: { tiers } })).toEqual([
      { field: 'inventory.tiers[2].id', reason: 'duplicates inventory.tiers[0].id' },
    ]);
  });

  it('reports a duplicate row once, not once per seat in it', () => {
    const input = withValue(reservedConfig(), ['inventory', 'sections', 0, 'rows', 1, 'id'], '1');
    expect(issuesOf(input).map((i) => i.field)).toEqual(['inventory.sections[0].rows[1].id']);
  });

  it('rejects tier quantities whose sum is not a safe integer', () => {
    const tiers = [{ id: 'a', name: 'A', price: 0, quantity: Number.MAX_SAFE_INTEGER }, { id: 'b', name: 'B', price: 0, quantity: 1 }];
    expect(issuesOf({ ...minimalConfig(), inventory: { tiers } })).toEqual([{ field: 'inventory.tiers', reason: expect.stringMatching(/too large/) }]);
  });

  it('rejects more than 1,000 tiers', () => {
    const tiers = Array.from({ length: 1_001 }, (_, i) => ({ id: `t${i}`, name: 'T', price: 0, quantity: 1 }));
    expect(issuesOf({ ...minimalConfig(), inventory: { tiers } })).toEqual([{ field: 'inventory.tiers', reason: 'must have at most 1000 entries, got 1001' }]);
    expect(validateEventConfig({ ...minimalConfig(), inventory: { tiers: tiers.slice(0, 1_000) } }).inventory.tiers).toHaveLength(1_000);
  });

  it('rejects more than 1,000,000 seats before looking at any of them', () => {
    const rows = [{ id: '1', seats: new Array(600_000) }, { id: '2', seats: new Array(400_001) }];
    expect(issuesOf({ ...minimalConfig(), inventory: { sections: [{ id: 'S', name: 'S', rows }] } })).toEqual([
      { field: 'inventory.sections', reason: 'must hold at most 1000000 seats in total, got 1000001' },
    ]);
  });

  it('accepts exactly 1,000,000 seats', () => {
    const rows = Array.from({ length: 1_000 }, (_, r) => ({
      id: String(r),
      seats: Array.from({ length: 1_000 }, (_, s) => ({ label: String(s), category: 'A', rank: r })),
    }));
    const config = validateEventConfig({ ...minimalConfig(), inventory: { sections: [{ id: 'S', name: 'Stadium', rows }] } });
    expect(config.inventory.sections[0]!.rows.reduce((n, row) => n + row.seats.length, 0)).toBe(1_000_000);
  });
});

describe('validateEventConfig: reporting', () => {
  it('lists every problem together (field by field, then rules across fields) and names them in the message', () => {
    let input = reservedConfig();
    input = withValue(input, ['id'], 'bad id');
    input = withValue(input, ['onSaleAt'], T0 - HOUR);
    input = withValue(input, ['inventory', 'tiers', 0, 'price'], -1);
    input = withValue(input, ['inventory', 'sections', 1, 'rows', 0, 'seats', 0, 'rank'], null);
    input = withValue(input, ['maxTicketsPerFan'], 0);
    input = withValue(input, ['admission'], { mode: 'rate' });
    input = withValue(input, ['onsaleAt'], 1);
    const err = rejection(() => validateEventConfig(input));
    expect(err).toBeInstanceOf(BreakwaterError);
    expect(err.status).toBe(400);
    expect((err.details.issues as ConfigIssue[]).map((i) => i.field)).toEqual([
      'onsaleAt',
      'id',
      'inventory.tiers[0].price',
      'inventory.sections[1].rows[0].seats[0].rank',
      'maxTicketsPerFan',
      'admission.fansPerMinute',
      'onSaleAt',
    ]);
    expect(err.message).toMatch(/^Invalid event configuration: onsaleAt is not a known field.*\(and 4 more\)$/);
    expect(JSON.parse(JSON.stringify(err))).toMatchObject({ code: 'INVALID_CONFIG', details: { issues: err.details.issues } });
  });

  it('reports a renamed field both as unknown and as missing', () => {
    const { onSaleAt, ...rest } = minimalConfig();
    expect(issuesOf({ ...rest, onsaleAt: onSaleAt }).map((i) => i.field).sort()).toEqual(['onSaleAt', 'onsaleAt']);
  });

  it('lists at most 1,000 issues and counts the rest', () => {
    const seats = Array.from({ length: 1_500 }, (_, i) => ({ label: String(i), category: '', rank: 'x' }));
    const err = rejection(() => validateEventConfig({ ...minimalConfig(), inventory: { sections: [{ id: 'S', name: 'S', rows: [{ id: '1', seats }] }] } }));
    expect(err.details.issues).toHaveLength(1_000);
    expect(err.details.unlistedIssues).toBe(2_000);
    expect(err.message).toMatch(/\(and 2997 more\)$/);
  });
});

describe('validateEventConfig: no shared state with the caller', () => {
  it('never mutates its input', () => {
    const input = deepFreeze(reservedConfig());
    const snapshot = structuredClone(input);
    validateEventConfig(input);
    expect(input).toEqual(snapshot);
    const bad = deepFreeze(withValue(reservedConfig(), ['admission'], { mode: 'nope' }));
    issuesOf(bad);
    expect(bad.admission).toEqual({ mode: 'nope' });
  });

  it('returns fresh objects all the way down', () => {
    const input = reservedConfig() as any;
    const config = validateEventConfig(input);
    expect(config).not.toBe(input);
    expect(config.inventory).not.toBe(input.inventory);
    expect(config.inventory.tiers).not.toBe(input.inventory.tiers);
    expect(config.inventory.tiers[0]).not.toBe(input.inventory.tiers[0]);
    expect(config.inventory.sections[0]).not.toBe(input.inventory.sections[0]);
    expect(config.inventory.sections[0]!.rows[0]).not.toBe(input.inventory.sections[0].rows[0]);
    expect(config.inventory.sections[0]!.rows[0]!.seats[0]).not.toBe(input.inventory.sections[0].rows[0].seats[0]);
    expect(config.admission).not.toBe(input.admission);

    input.inventory.tiers[0].quantity = 1;
    input.inventory.sections[0].rows[0].seats.push(seat('99', 'gold', 0));
    input.admission.fansPerMinute = 1;
    expect(config.inventory.tiers[0]!.quantity).toBe(300);
    expect(config.inventory.sections[0]!.rows[0]!.seats).toHaveLength(3);
    expect(config.admission).toMatchObject({ fansPerMinute: 500 });
  });

  it('drops nothing it should keep and keeps nothing it does not know (own data properties only)', () => {
    const input = Object.create({ maxTicketsPerFan: 99 }) as Json;
    Object.assign(input, minimalConfig());
    expect(validateEventConfig(JSON.parse(JSON.stringify(input))).maxTicketsPerFan).toBe(4);
    const proto = JSON.parse('{"__proto__": {"polluted": true}}') as Json;
    expect(issuesOf({ ...minimalConfig(), ...proto })).toEqual([{ field: '__proto__', reason: 'is not a known field' }]);
    expect(({} as Json).polluted).toBeUndefined();
  });
});

describe('validateConfigUpdate', () => {
  const current = deepFreeze(validateEventConfig(reservedConfig()));

  it('merges the patch over the current config and returns a fresh whole', () => {
    const updated = validateConfigUpdate(current, { paymentWindowMs: 5 * MINUTE, admission: { mode: 'concurrency', maxActiveShoppers: 800 } });
    expect(updated).toEqual({ ...current, paymentWindowMs: 5 * MINUTE, admission: { mode: 'concurrency', maxActiveShoppers: 800 } });
    expect(updated).not.toBe(current);
    expect(updated.inventory).not.toBe(current.inventory);
    expect(updated.inventory.sections[0]).not.toBe(current.inventory.sections[0]);
  });

  it('accepts an empty patch, an unchanged id and ignores undefined fields', () => {
    expect(validateConfigUpdate(current, {})).toEqual(current);
    expect(validateConfigUpdate(current, { id: current.id, grantTtlMs: undefined })).toEqual(current);
  });

  it('merges a waitlist patch field by field, so the margin can be retuned live alone', () => {
    const updated = validateConfigUpdate(current, { waitlist: { standbyMarginPercent: 60 } });
    expect(updated.waitlist).toEqual({ ...current.waitlist, standbyMarginPercent: 60 });
    expect(() => validateConfigUpdate(current, { waitlist: { callAnswerMs: 0 } })).toThrow(/waitlist.callAnswerMs/);
  });

  it('takes a channel named by its name alone, and merges a payments patch field by field (the breaker too)', () => {
    const updated = validateConfigUpdate(current, { payments: { channels: ['wallet', { name: 'card', capacityPerSec: 60 }], breaker: { openMs: 5_000 } } });
    expect(updated.payments).toEqual({ ...current.payments, channels: [{ name: 'wallet' }, { name: 'card', capacityPerSec: 60 }], breaker: { ...current.payments.breaker, openMs: 5_000 } });
    expect(validateConfigUpdate(current, { payments: { pacing: 'off' } }).payments).toEqual({ ...current.payments, pacing: 'off' });
  });

  it('gives an event whose journal predates payments the defaults under a payments patch', () => {
    const { payments: _none, ...old } = current;
    expect(validateConfigUpdate(old as typeof current, { payments: { pacing: 'off' } }).payments).toEqual({ ...PAYMENTS_DEFAULTS, pacing: 'off' });
  });

  it('replaces inventory and admission as a whole rather than merging them', () => {
    const updated = validateConfigUpdate(current, { inventory: { tiers: [{ id: 'ga', name: 'GA', price: 1, quantity: 5 }] }, admission: { mode: 'auto' } });
    expect(updated.inventory).toEqual({ tiers: [{ id: 'ga', name: 'GA', price: 1, quantity: 5 }], sections: [] });
    expect(updated.admission).toEqual({ mode: 'auto' });
  });

  it('validates the merged whole, listing every issue', () => {
    const err = rejection(() => validateConfigUpdate(current, { closesAt: T0, maxTicketsPerFan: 0, Admission: { mode: 'auto' } }));
    expect(err.message).toMatch(/^Invalid configuration update: /);
    expect(err.details.issues).toEqual([
      { field: 'Admission', reason: expect.stringMatching(/did you mean "admission"/) },
      { field: 'maxTicketsPerFan', reason: expect.stringMatching(/between 1 and 100/) },
      { field: 'closesAt', reason: 'must be after onSaleAt' },
    ]);
  });

  it('rejects a changed id', () => {
    expect(rejection(() => validateConfigUpdate(current, { id: 'other' })).details.issues).toEqual([{ field: 'id', reason: 'cannot be changed on an existing event' }]);
  });

  it.each([null, 'x', [], [{ paymentWindowMs: 1 }]])('rejects a patch of %o', (patch) => {
    expect(rejection(() => validateConfigUpdate(current, patch)).details.issues).toEqual([
      { field: '(root)', reason: expect.stringMatching(/must be an object, got/) },
    ]);
  });

  it('rejects a patch that breaks a nested rule, with the full path', () => {
    const inventory = structuredClone(current.inventory) as any;
    inventory.sections[0].rows[1].seats[0].rank = '2';
    expect(rejection(() => validateConfigUpdate(current, { inventory })).details.issues).toEqual([
      { field: 'inventory.sections[0].rows[1].seats[0].rank', reason: 'must be a finite number, got a string' },
    ]);
  });
});

describe('validateEventConfig: properties', () => {
  /** Returns normally or throws INVALID_CONFIG with well-formed issues; anything else fails the property. */
  function validatesOrRejects(input: unknown): EventConfig | undefined {
    try {
      return validateEventConfig(input);
    } catch (err) {
      expect(isBreakwaterError(err, 'INVALID_CONFIG')).toBe(true);
      const issues = (err as BreakwaterError).details.issues as ConfigIssue[];
      expect(issues.length).toBeGreaterThan(0);
      for (const issue of issues) expect(issue).toEqual({ field: expect.any(String), reason: expect.any(String) });
      return undefined;
    }
  }

  const garbage = fc.anything({
    withBigInt: true, withBoxedValues: true, withDate: true, withMap: true, withSet: true, withNullPrototype: true,
    withObjectString: true, withSparseArray: true, withTypedArray: true,
  });

  it('never throws anything but INVALID_CONFIG for arbitrary values', () => {
    fc.assert(fc.property(fc.oneof(garbage, fc.jsonValue()), (input) => void validatesOrRejects(input)), { numRuns: 500 });
  });

  const paths: (string | number)[][] = [
    ['id'], ['name'], ['onSaleAt'], ['closesAt'], ['inventory'], ['inventory', 'tiers'], ['inventory', 'tiers', 0],
    ['inventory', 'tiers', 0, 'quantity'], ['inventory', 'sections'], ['inventory', 'sections', 0], ['inventory', 'sections', 0, 'rows'],
    ['inventory', 'sections', 0, 'rows', 1], ['inventory', 'sections', 0, 'rows', 1, 'seats'], ['inventory', 'sections', 0, 'rows', 1, 'seats', 0],
    ['inventory', 'sections', 1, 'rows', 0, 'seats', 0, 'label'], ['inventory', 'sections', 1, 'rows', 0, 'seats', 0, 'rank'],
    ['admission'], ['admission', 'mode'], ['admission', 'fansPerMinute'], ['paymentWindowMs'], ['unknownField'],
  ];

  it('never throws anything but INVALID_CONFIG when any part of a valid config is replaced by garbage', () => {
    const edit = fc.tuple(fc.constantFrom(...paths), fc.oneof(garbage, fc.jsonValue()));
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 4 }), (edits) => {
        let input = reservedConfig();
        for (const [path, value] of edits) {
          try {
            input = withValue(input, path, value);
          } catch {
            // the parent was already replaced by something that cannot hold this path
          }
        }
        const config = validatesOrRejects(input);
        if (config !== undefined) expect(validateEventConfig(config)).toEqual(config);
      }),
      { numRuns: 500 },
    );
  });
});
