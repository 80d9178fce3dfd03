import { BreakwaterError } from '../errors.js';
import { CONFIG_DEFAULTS, DOOR_DEFAULTS, DRAW_DEFAULTS, MAX_POW_DIFFICULTY, MINUTE, PAYMENTS_DEFAULTS, seatId, WAITLIST_DEFAULTS } from './types.js';
import type { AdmissionPolicy, BeaconName, BreakerConfig, DoorConfig, PaymentChannelConfig, PaymentsConfig, DrawConfig, EventConfig, InventoryConfig, PhaseAccess, RegistrationConfig, RowConfig, SalePhase, SeatConfig, SectionConfig, TierConfig, WaitlistConfig } from './types.js';

/** One problem in an organizer's configuration; `field` is a path like "inventory.sections[2].rows[0].seats[3].rank". */
export interface ConfigIssue { field: string; reason: string }

const DAY = 24 * 60 * MINUTE;
const ID_PATTERN = /^[A-Za-z0-9_.-]+$/;
const MAX_ID_LENGTH = 64;
const MAX_NAME_LENGTH = 200;
const MAX_SEATS = 1_000_000;
const MAX_TIERS = 1_000;
const MAX_PHASES = 20;
const MAX_GROUPS_PER_PHASE = 100;
/** Past this many, issues are only counted (`details.unlistedIssues`), so the error stays a sane size. */
const MAX_LISTED_ISSUES = 1_000;
/** The field named when the whole value is wrong. */
const ROOT = '(root)';

type Obj = Record<string, unknown>;
/** A checked value whose invalid parts are missing; cross-field rules run on it before we know it is whole. */
type Draft<T> = T extends object ? { [K in keyof T]?: Draft<T[K]> } : T;
/** Checks the value found at `field`: returns a fresh, clean copy, or undefined after recording why not. */
type Check<T> = (c: Checker, value: unknown, field: string) => T | undefined;

function isObject(value: unknown): value is Obj {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Own properties only: never picks anything up from a prototype. */
const get = (obj: Obj, key: string): unknown => (Object.hasOwn(obj, key) ? obj[key] : undefined);
const at = (parent: string, key: string): string => (parent === '' ? key : `${parent}.${key}`);
const index = (parent: string, i: number): string => `${parent}[${i}]`;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'object') return 'an object';
  return typeof value === 'string' || typeof value === 'boolean' ? `a ${typeof value}` : typeof value;
}

/** Collects issues. */
class Checker {
  readonly issues: ConfigIssue[] = [];
  private unlisted = 0;

  get count(): number {
    return this.issues.length + this.unlisted;
  }

  fail(field: string, reason: string): undefined {
    if (this.issues.length < MAX_LISTED_ISSUES) this.issues.push({ field: field || ROOT, reason });
    else this.unlisted++;
    return undefined;
  }

  wrong(field: string, value: unknown, expected: string): undefined {
    return this.fail(field, value === undefined ? `is required (${expected})` : `must be ${expected}, got ${describe(value)}`);
  }

  unknownFields(obj: Obj, field: string, allowed: readonly string[]): void {
    for (const key of Object.keys(obj)) {
      if (allowed.includes(key)) continue;
      const near = allowed.find((known) => known.toLowerCase() === key.toLowerCase());
      this.fail(at(field, key), near === undefined ? 'is not a known field' : `is not a known field; did you mean "${near}"?`);
    }
  }

  throwIfAny(message: string): void {
    if (this.count === 0) return;
    const shown = this.issues.slice(0, 3).map((issue) => `${issue.field} ${issue.reason}`).join('; ');
    const more = this.count > 3 ? ` (and ${this.count - 3} more)` : '';
    const details: Obj = { issues: this.issues };
    if (this.unlisted > 0) details.unlistedIssues = this.unlisted;
    throw new BreakwaterError('INVALID_CONFIG', `${message}: ${shown}${more}`, { details });
  }
}

// ---- Checks for single values ----

const text = (maxLength = Infinity): Check<string> => (c, value, field) => {
  if (typeof value !== 'string') return c.wrong(field, value, 'a string');
  if (value.trim() === '') return c.fail(field, 'must not be empty');
  if (value.length > maxLength) return c.fail(field, `must be at most ${maxLength} characters long, got ${value.length}`);
  return value;
};

/** Ids end up in Redis keys and NATS subjects. */
const identifier: Check<string> = (c, value, field) => {
  const id = text(MAX_ID_LENGTH)(c, value, field);
  if (id === undefined || ID_PATTERN.test(id)) return id;
  return c.fail(field, 'may contain only letters A-Z and a-z, digits, "_", "." and "-"');
};

const integer = (min: number, max = Number.MAX_SAFE_INTEGER): Check<number> => (c, value, field) => {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max) return value + 0; // -0 → 0
  return c.wrong(field, value, max === Number.MAX_SAFE_INTEGER ? `an integer of at least ${min}` : `an integer between ${min} and ${max}`);
};

const finite = (positive: boolean): Check<number> => (c, value, field) => {
  if (typeof value === 'number' && Number.isFinite(value) && (!positive || value > 0)) return value + 0;
  return c.wrong(field, value, positive ? 'a number greater than 0' : 'a finite number');
};

const oneOf = <T extends string>(options: readonly T[]): Check<T> => (c, value, field) =>
  options.find((option) => option === value) ?? c.wrong(field, value, `one of ${options.map((o) => `"${o}"`).join(', ')}`);

// ---- Checks that build containers ----

/** Left out (undefined) is fine: gives `fallback()` if there is one, otherwise stays left out. */
const optional = <T>(check: Check<T>, fallback?: () => T): Check<T> => (c, value, field) =>
  value === undefined ? fallback?.() : check(c, value, field);

/** Array.from rather than map, so that holes in a sparse array are checked too. */
const list = <T>(item: Check<T>, maxLength = Infinity): Check<T[]> => (c, value, field) => {
  if (!Array.isArray(value)) return c.wrong(field, value, 'an array');
  if (value.length > maxLength) return c.fail(field, `must have at most ${maxLength} entries, got ${value.length}`);
  return Array.from(value, (entry, i) => item(c, entry, index(field, i))) as T[];
};

/** An object with exactly these fields (any other is reported); the copy leaves out fields that are invalid or absent. */
function shape<T>(fields: { [K in keyof T]-?: Check<T[K]> }): Check<T> {
  const checks = Object.entries(fields) as [string, Check<unknown>][];
  const names = checks.map(([name]) => name);
  return (c, value, field) => {
    if (!isObject(value)) return c.wrong(field, value, 'an object');
    c.unknownFields(value, field, names);
    const copy: Obj = {};
    for (const [name, check] of checks) {
      const checked = check(c, get(value, name), at(field, name));
      if (checked !== undefined) copy[name] = checked;
    }
    return copy as T;
  };
}

/** Runs `rules` on the draft `check` made, unless the value was not even the right kind of container. */
const withRules = <T>(check: Check<T>, rules: (c: Checker, draft: Draft<T>, field: string, raw: Obj, clean: boolean) => void): Check<T> =>
  (c, value, field) => {
    const before = c.count;
    const checked = check(c, value, field);
    if (checked !== undefined) rules(c, checked as Draft<T>, field, value as Obj, c.count === before);
    return checked;
  };

// ---- Inventory ----

/** Counts seats in whatever shape `sections` has, so the size guard runs before any per-seat work. */
function countSeats(sections: unknown[]): number {
  let total = 0;
  for (const section of sections) {
    const rows = isObject(section) ? get(section, 'rows') : undefined;
    if (!Array.isArray(rows)) continue;
    for (const row of rows) {
      const seats = isObject(row) ? get(row, 'seats') : undefined;
      if (Array.isArray(seats)) total += seats.length;
    }
  }
  return total;
}

const tier = shape<TierConfig>({ id: identifier, name: text(MAX_NAME_LENGTH), price: integer(0), quantity: integer(0) });
const seat = shape<SeatConfig>({ label: text(), category: text(), rank: finite(false), x: optional(finite(false)), y: optional(finite(false)) });
const row = shape<RowConfig>({ id: text(), seats: list(seat) });
const section = shape<SectionConfig>({ id: text(), name: text(MAX_NAME_LENGTH), rows: list(row) });
const sections: Check<SectionConfig[]> = (c, value, field) => {
  const seatCount = Array.isArray(value) ? countSeats(value) : 0;
  if (seatCount > MAX_SEATS) return c.fail(field, `must hold at most ${MAX_SEATS} seats in total, got ${seatCount}`);
  return list(section)(c, value, field);
};

/** Reports keys that repeat in a list; returns each entry's key, or undefined where it is invalid or a repeat. */
function uniqueKeys(c: Checker, entries: readonly (Draft<Obj> | undefined)[], listField: string, key: string): (string | undefined)[] {
  const firstIndex = new Map<string, number>();
  return entries.map((entry, i) => {
    const value = entry?.[key];
    if (typeof value !== 'string') return undefined;
    const first = firstIndex.get(value);
    if (first === undefined) return (firstIndex.set(value, i), value);
    return c.fail(at(index(listField, i), key), `duplicates ${at(index(listField, first), key)}`);
  });
}

/** Unique tier ids, section ids, row ids in a section and labels in a row; unique seat ids that are not tier ids; some ticket. */
function venueRules(c: Checker, inventory: Draft<InventoryConfig>, field: string, _raw: Obj, clean: boolean): void {
  const tiers = inventory.tiers ?? [];
  const tierIds = new Set(uniqueKeys(c, tiers, at(field, 'tiers'), 'id'));
  const seatIds = new Set<string>();
  let seatCount = 0;
  const sectionList = inventory.sections ?? [];
  uniqueKeys(c, sectionList, at(field, 'sections'), 'id').forEach((sectionId, s) => {
    const rowsField = at(index(at(field, 'sections'), s), 'rows');
    const rows = sectionList[s]?.rows ?? [];
    uniqueKeys(c, rows, rowsField, 'id').forEach((rowId, r) => {
      const seatsField = at(index(rowsField, r), 'seats');
      const seats = rows[r]?.seats ?? [];
      seatCount += seats.length;
      uniqueKeys(c, seats, seatsField, 'label').forEach((label, k) => {
        if (sectionId === undefined || rowId === undefined || label === undefined) return; // a repeat is reported once, above
        const id = seatId(sectionId, rowId, label);
        if (tierIds.has(id)) c.fail(at(index(seatsField, k), 'label'), `makes seat id "${id}", which is also a tier id`);
        else if (seatIds.has(id)) c.fail(at(index(seatsField, k), 'label'), `makes seat id "${id}", which another seat in the venue already has`);
        seatIds.add(id);
      });
    });
  });
  const tierTickets = tiers.reduce((sum, t) => sum + (t?.quantity ?? 0), 0);
  if (!Number.isSafeInteger(tierTickets)) c.fail(at(field, 'tiers'), 'add up to a total quantity that is too large');
  else if (clean && tierTickets + seatCount === 0) c.fail(field, 'must contain at least one ticket: a tier with a quantity above 0, or a seat');
}

const inventory = withRules(
  shape<InventoryConfig>({ tiers: optional(list(tier, MAX_TIERS), () => []), sections: optional(sections, () => []) }),
  venueRules,
);

// ---- Admission ----

type AdmissionFields = { mode: AdmissionPolicy['mode']; fansPerMinute?: number; maxActiveShoppers?: number; paymentCapacityPerSec?: number };

function admissionRules(c: Checker, policy: Draft<AdmissionFields>, field: string, raw: Obj): void {
  const { mode } = policy;
  if (mode === 'rate' && get(raw, 'fansPerMinute') === undefined) c.fail(at(field, 'fansPerMinute'), 'is required when mode is "rate"');
  if (mode !== undefined && mode !== 'rate' && policy.fansPerMinute !== undefined) c.fail(at(field, 'fansPerMinute'), 'is only used when mode is "rate"');
  if (mode === 'concurrency' && get(raw, 'maxActiveShoppers') === undefined) {
    c.fail(at(field, 'maxActiveShoppers'), 'is required when mode is "concurrency"');
  }
}

const admission = withRules(
  shape<AdmissionFields>({
    mode: oneOf(['rate', 'concurrency', 'auto']),
    fansPerMinute: optional(integer(1)),
    maxActiveShoppers: optional(integer(1)),
    paymentCapacityPerSec: optional(finite(true)),
  }),
  admissionRules,
) as Check<AdmissionPolicy>;

// ---- Sale phases ----

const ACCESS_KINDS = ['open', 'groups', 'code'] as const;

/** One shape per kind: only `groups` carries a list. */
const access: Check<PhaseAccess> = (c, value, field) => {
  if (!isObject(value)) return c.wrong(field, value, 'an object');
  const kind = oneOf(ACCESS_KINDS)(c, get(value, 'kind'), at(field, 'kind'));
  if (kind === undefined) return undefined;
  if (kind !== 'groups') return shape<{ kind: 'open' | 'code' }>({ kind: oneOf([kind]) })(c, value, field);
  const checked = shape<{ kind: 'groups'; groups: string[] }>({ kind: oneOf(['groups']), groups: list(identifier, MAX_GROUPS_PER_PHASE) })(c, value, field);
  if (checked?.groups?.length === 0) c.fail(at(field, 'groups'), 'must name at least one group');
  return checked;
};

// ---- Draws ----

const beaconName = shape<BeaconName>({ name: text(MAX_NAME_LENGTH), round: integer(1) });

/** A partial draw: every field left out takes its default. */
const draw = shape<DrawConfig>({
  beacon: optional(beaconName),
  beaconWaitMs: optional(integer(0, DAY), () => DRAW_DEFAULTS.beaconWaitMs),
});

const salePhase = shape<SalePhase>({ id: identifier, name: text(MAX_NAME_LENGTH), preQueueOpensAt: integer(0), onSaleAt: integer(0), access, beacon: optional(beaconName) });

/** Unique ids; each phase's pre-queue opens at or before its start, and at or after the previous phase's start. */
function phaseRules(c: Checker, phases: Draft<SalePhase[]>, field: string): void {
  if (phases.length === 0) c.fail(field, 'must list at least one phase (or be left out for one open phase)');
  uniqueKeys(c, phases, field, 'id');
  if (phases[0]?.beacon !== undefined) c.fail(at(index(field, 0), 'beacon'), 'the first phase\'s draw is the event\'s pre-queue draw: name its beacon in draw.beacon');
  phases.forEach((phase, i) => {
    if (phase === undefined) return;
    const { preQueueOpensAt: opens, onSaleAt: onSale } = phase;
    if (opens !== undefined && onSale !== undefined && onSale < opens) c.fail(at(index(field, i), 'onSaleAt'), 'must be at or after its preQueueOpensAt');
    const previous = phases[i - 1]?.onSaleAt;
    if (previous !== undefined && opens !== undefined && opens < previous) {
      c.fail(at(index(field, i), 'preQueueOpensAt'), `must be at or after the previous phase's onSaleAt (${field}[${i - 1}].onSaleAt): phases come one after another`);
    }
  });
}

const phases = withRules(list(salePhase, MAX_PHASES), phaseRules);

/** The one open phase of an event given no phases: its own times. */
export function defaultPhases(preQueueOpensAt: number, onSaleAt: number): SalePhase[] {
  return [{ id: 'public', name: 'Public sale', preQueueOpensAt, onSaleAt, access: { kind: 'open' } }];
}

/**
 * With phases given, the event's own times are the first phase's: they may be
 * left out (they are filled in), and if given they must agree.
 */
function withPhaseTimes(input: unknown): unknown {
  if (!isObject(input)) return input;
  const given = get(input, 'phases');
  const first = Array.isArray(given) && isObject(given[0]) ? given[0] : undefined;
  if (first === undefined) return input;
  const filled: Obj = { ...input };
  for (const key of ['preQueueOpensAt', 'onSaleAt']) if (get(input, key) === undefined) filled[key] = get(first, key);
  return filled;
}

// ---- The door ----

const doorSetting = (key: keyof DoorConfig, min: number, max: number): Check<number> => optional(integer(min, max), () => DOOR_DEFAULTS[key]);

function doorRules(c: Checker, door: Draft<DoorConfig>, field: string): void {
  const { powFloor, powCeiling } = door;
  if (powFloor !== undefined && powCeiling !== undefined && powCeiling < powFloor) {
    c.fail(at(field, 'powCeiling'), `must be at least powFloor (${powFloor})`);
  }
}

/** A partial door: every field left out takes its default. */
const door = withRules(
  shape<DoorConfig>({
    startWindowMs: doorSetting('startWindowMs', 0, 10 * MINUTE),
    joinsPerAddressPerMin: doorSetting('joinsPerAddressPerMin', 0, 1_000_000),
    joinsPerSubnetPerMin: doorSetting('joinsPerSubnetPerMin', 0, 1_000_000),
    slowLaneMaxDelayMs: doorSetting('slowLaneMaxDelayMs', 0, DAY),
    powFloor: doorSetting('powFloor', 0, MAX_POW_DIFFICULTY),
    powCeiling: doorSetting('powCeiling', 0, MAX_POW_DIFFICULTY),
  }),
  doorRules,
);

// ---- Standby and waitlist ----

const boolean = (fallback: boolean): Check<boolean> =>
  optional((c, value, field) => (typeof value === 'boolean' ? value : c.wrong(field, value, 'true or false')), () => fallback);

/** A partial waitlist: every field left out takes its default. */
const waitlist = shape<WaitlistConfig>({
  enabled: boolean(WAITLIST_DEFAULTS.enabled),
  standbyMarginPercent: optional(integer(0, 1_000), () => WAITLIST_DEFAULTS.standbyMarginPercent),
  callAnswerMs: optional(integer(30_000, DAY), () => WAITLIST_DEFAULTS.callAnswerMs),
  early: boolean(WAITLIST_DEFAULTS.early),
});

// ---- Payments ----

export const MAX_PAYMENT_CHANNELS = 8;
/** A provider's name: what its webhooks' route and the metrics' labels carry. */
export const CHANNEL_NAME = /^[a-z][a-z0-9_-]{0,31}$/;

const channelName: Check<string> = (c, value, field) => {
  if (typeof value !== 'string' || !CHANNEL_NAME.test(value)) return c.wrong(field, value, 'a provider name (lowercase letters, digits, - and _, at most 32)');
  return value;
};

/** A channel: `{ name, capacityPerSec? }`, or just its name. */
const paymentChannel: Check<PaymentChannelConfig> = (c, value, field) => {
  if (typeof value === 'string') {
    const name = channelName(c, value, field);
    return name === undefined ? undefined : { name };
  }
  const checked = shape<PaymentChannelConfig>({ name: channelName, capacityPerSec: optional(finite(true)) })(c, value, field);
  if (checked?.capacityPerSec === undefined) delete checked?.capacityPerSec;
  return checked;
};

const paymentChannels = withRules(list(paymentChannel, MAX_PAYMENT_CHANNELS), (c, channels, field) => {
  uniqueKeys(c, channels, field, 'name');
});

const paymentSetting = <K extends 'healthWindowMs' | 'timeoutMs' | 'queuePauseMaxMs'>(key: K, min: number, max: number): Check<number> =>
  optional(integer(min, max), () => PAYMENTS_DEFAULTS[key]);

const breakerSetting = (key: keyof BreakerConfig, min: number, max: number): Check<number> => optional(integer(min, max), () => PAYMENTS_DEFAULTS.breaker[key]);

/** A partial breaker: every field left out takes its default. */
const breaker = shape<BreakerConfig>({
  failurePercent: breakerSetting('failurePercent', 1, 100),
  minOutcomes: breakerSetting('minOutcomes', 1, 100_000),
  openMs: breakerSetting('openMs', 1_000, DAY),
  probes: breakerSetting('probes', 1, 1_000),
});

/** Partial payments: every field left out takes its default (the breaker's field by field). */
const payments = shape<PaymentsConfig>({
  channels: optional(paymentChannels, () => []),
  pacing: optional(oneOf(['adaptive', 'off']), () => PAYMENTS_DEFAULTS.pacing),
  healthWindowMs: paymentSetting('healthWindowMs', 5_000, 10 * MINUTE),
  timeoutMs: paymentSetting('timeoutMs', 1_000, DAY),
  queuePauseMaxMs: paymentSetting('queuePauseMaxMs', 0, DAY),
  breaker: optional(breaker, () => ({ ...PAYMENTS_DEFAULTS.breaker })),
});

// ---- Registration ----

const registration = shape<RegistrationConfig>({
  opensAt: integer(0),
  closesAt: integer(0),
  phaseId: identifier,
  buyerSharePercent: integer(1, 100),
  ticketsPerBuyer: integer(1, 100),
  seats: optional(integer(1, 100_000_000)),
  ticketCap: optional(integer(1, 100)),
  beacon: optional(beaconName),
});

/** Registration closes after it opens and before the coded phase it invites to opens its pre-queue. */
function registrationRules(c: Checker, config: Draft<EventConfig>): void {
  const r = config.registration;
  if (r === undefined) return;
  const field = 'registration';
  if (r.opensAt !== undefined && r.closesAt !== undefined && r.closesAt <= r.opensAt) c.fail(at(field, 'closesAt'), 'must be after registration.opensAt');
  if (r.phaseId === undefined) return;
  const phase = (config.phases ?? []).find((p) => p?.id === r.phaseId);
  if (phase === undefined) return void c.fail(at(field, 'phaseId'), `must name one of the event's phases, not "${r.phaseId}"`);
  if (phase.access !== undefined && phase.access.kind !== 'code') c.fail(at(field, 'phaseId'), `must name a phase whose access is by code ("${r.phaseId}" is ${phase.access.kind})`);
  if (phase.preQueueOpensAt !== undefined && r.closesAt !== undefined && r.closesAt > phase.preQueueOpensAt) {
    c.fail(at(field, 'closesAt'), `must be at or before the invited phase's preQueueOpensAt (${phase.preQueueOpensAt}): invitations come before it opens`);
  }
  // A draw waiting for its beacon must still invite before the phase opens.
  const wait = config.draw?.beaconWaitMs;
  if (r.beacon !== undefined && wait !== undefined && phase.preQueueOpensAt !== undefined && r.closesAt !== undefined && r.closesAt <= phase.preQueueOpensAt
    && r.closesAt + wait > phase.preQueueOpensAt) {
    c.fail(at(field, 'closesAt'), `must be at least draw.beaconWaitMs (${wait}) before the invited phase's preQueueOpensAt when a beacon is named`);
  }
  const limit = config.maxTicketsPerFan;
  if (r.ticketCap !== undefined && limit !== undefined && r.ticketCap > limit) c.fail(at(field, 'ticketCap'), `must be at most maxTicketsPerFan (${limit})`);
}

// ---- The whole configuration ----

const setting = (key: Exclude<keyof typeof CONFIG_DEFAULTS, 'admission' | 'door' | 'waitlist' | 'draw' | 'payments'>, min: number, max: number): Check<number> =>
  optional(integer(min, max), () => CONFIG_DEFAULTS[key]);

function timeRules(c: Checker, config: Draft<EventConfig>, _field: string, raw: Obj): void {
  const { preQueueOpensAt: opens, onSaleAt: onSale, closesAt: closes } = config;
  if (opens !== undefined && onSale !== undefined && onSale < opens) c.fail('onSaleAt', 'must be at or after preQueueOpensAt');
  if (onSale !== undefined && closes !== undefined && closes <= onSale) c.fail('closesAt', 'must be after onSaleAt');
  if (get(raw, 'phases') === undefined) {
    if (opens !== undefined && onSale !== undefined) config.phases = defaultPhases(opens, onSale);
    return;
  }
  const list = config.phases ?? [];
  const first = list[0];
  if (first?.preQueueOpensAt !== undefined && opens !== undefined && first.preQueueOpensAt !== opens) {
    c.fail('preQueueOpensAt', 'must be the first phase\'s preQueueOpensAt (or be left out)');
  }
  if (first?.onSaleAt !== undefined && onSale !== undefined && first.onSaleAt !== onSale) c.fail('onSaleAt', 'must be the first phase\'s onSaleAt (or be left out)');
  // Each phase's start window closes before the next phase opens: a place is never both.
  const window = config.door?.startWindowMs ?? 0;
  list.forEach((phase, i) => {
    const previous = list[i - 1]?.onSaleAt;
    if (window === 0 || previous === undefined || phase?.preQueueOpensAt === undefined) return;
    if (phase.preQueueOpensAt >= previous && phase.preQueueOpensAt < previous + window) {
      c.fail(`phases[${i}].preQueueOpensAt`, `must be at or after the previous phase's start window closes (its onSaleAt + door.startWindowMs = ${previous + window})`);
    }
  });
  const lastStart = list[list.length - 1]?.onSaleAt;
  // Past the first phase's start only: closing before that is reported above.
  if (lastStart !== undefined && closes !== undefined && onSale !== undefined && closes > onSale && lastStart >= closes) c.fail('closesAt', 'must be after the last phase\'s onSaleAt');
}

const eventConfig = withRules(
  shape<EventConfig>({
    id: identifier,
    name: text(MAX_NAME_LENGTH),
    preQueueOpensAt: integer(0),
    onSaleAt: integer(0),
    closesAt: integer(0),
    phases: optional(phases),
    inventory,
    paymentWindowMs: setting('paymentWindowMs', 10_000, DAY),
    holdExtensionMs: setting('holdExtensionMs', 0, DAY),
    paymentPendingMaxMs: setting('paymentPendingMaxMs', 1_000, DAY),
    maxTicketsPerFan: setting('maxTicketsPerFan', 1, 100),
    admission: optional(admission, () => ({ ...CONFIG_DEFAULTS.admission })),
    presenceGraceMs: setting('presenceGraceMs', 1_000, DAY),
    grantTtlMs: setting('grantTtlMs', 5_000, DAY),
    door: optional(door, () => ({ ...DOOR_DEFAULTS })),
    waitlist: optional(waitlist, () => ({ ...WAITLIST_DEFAULTS })),
    draw: optional(draw, () => ({ ...DRAW_DEFAULTS })),
    registration: optional(registration),
    payments: optional(payments, () => ({ ...PAYMENTS_DEFAULTS, breaker: { ...PAYMENTS_DEFAULTS.breaker } })),
  }),
  (c, config, field, raw) => {
    timeRules(c, config, field, raw);
    registrationRules(c, config);
  },
);

/**
 * Validates an untrusted value (anything: parsed JSON from an organizer) as a whole and returns a complete
 * EventConfig with defaults filled in. Throws BreakwaterError('INVALID_CONFIG') whose `details.issues` lists
 * every problem found. Never mutates the input; the result shares no objects with it.
 */
export function validateEventConfig(input: unknown): EventConfig {
  const c = new Checker();
  const config = eventConfig(c, withPhaseTimes(input), '');
  c.throwIfAny('Invalid event configuration');
  return config as EventConfig;
}

/**
 * New phases bring their own first times (the event's follow them); new event
 * times without phases move the first phase with them, so an organizer who
 * only reschedules the event keeps working as before.
 */
function mergePhases(current: EventConfig, changes: Obj): Obj {
  const merged: Obj = { ...current, ...changes };
  if (Object.hasOwn(changes, 'phases')) {
    if (!Object.hasOwn(changes, 'preQueueOpensAt')) delete merged.preQueueOpensAt;
    if (!Object.hasOwn(changes, 'onSaleAt')) delete merged.onSaleAt;
  } else if (Object.hasOwn(changes, 'preQueueOpensAt') || Object.hasOwn(changes, 'onSaleAt')) {
    const [first, ...rest] = current.phases;
    merged.phases = [{ ...first, preQueueOpensAt: merged.preQueueOpensAt, onSaleAt: merged.onSaleAt }, ...rest];
  }
  return merged;
}

/**
 * Validates a partial update of a live sale against the current config and returns the new whole config.
 * Top-level fields in `patch` replace the current ones (`inventory`, `admission` and `phases` are replaced
 * as a whole, not merged; `door`, `waitlist`, `draw` and `payments` (its `breaker` too) are merged field by field, as a new config's are with the
 * defaults); an `undefined` field is ignored, `registration: null` removes it; `id` may not change. The merge is validated like a new config.
 */
export function validateConfigUpdate(current: EventConfig, patch: unknown): EventConfig {
  const c = new Checker();
  if (!isObject(patch)) {
    c.wrong('', patch, 'an object');
    c.throwIfAny('Invalid configuration update');
  }
  const changes = Object.fromEntries(Object.entries(patch as Obj).filter(([, value]) => value !== undefined));
  if (Object.hasOwn(changes, 'id') && changes.id !== current.id) c.fail('id', 'cannot be changed on an existing event');
  const merged = mergePhases(current, changes);
  const doorPatch = get(patch as Obj, 'door');
  if (isObject(doorPatch)) merged.door = { ...current.door, ...doorPatch };
  const waitlistPatch = get(patch as Obj, 'waitlist');
  if (isObject(waitlistPatch)) merged.waitlist = { ...current.waitlist, ...waitlistPatch };
  const drawPatch = get(patch as Obj, 'draw');
  if (isObject(drawPatch)) merged.draw = { ...current.draw, ...drawPatch };
  const paymentsPatch = get(patch as Obj, 'payments');
  if (isObject(paymentsPatch)) {
    // An event created before payments were configurable has none: the defaults stand in.
    const base = current.payments ?? PAYMENTS_DEFAULTS;
    const breakerPatch = get(paymentsPatch, 'breaker');
    merged.payments = { ...base, ...paymentsPatch, ...(isObject(breakerPatch) ? { breaker: { ...base.breaker, ...breakerPatch } } : {}) };
  }
  // null takes the event's registration away (allowed until it opens: see config-change.ts).
  if (get(patch as Obj, 'registration') === null) delete merged.registration;
  const config = eventConfig(c, withPhaseTimes(merged), '');
  c.throwIfAny('Invalid configuration update');
  return config as EventConfig;
}
