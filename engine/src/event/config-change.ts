import type { EventConfig, RegistrationConfig, SalePhase } from '../config/types.js';
import { BreakwaterError } from '../errors.js';
import type { ConfigIssue } from '../config/validate.js';
import type { Inventory } from '../inventory/inventory.js';
import type { Phase } from '../lifecycle/sale-machine.js';
import type { RegistrationStage } from '../registration/registration-book.js';

const STARTED: ReadonlySet<Phase> = new Set(['onSale', 'paused', 'soldOut', 'closed']);
/** Published: the pre-queue may be open, so what fans were told stays. */
const PUBLISHED: ReadonlySet<Phase> = new Set(['scheduled', 'preQueue', 'onSale', 'paused', 'soldOut', 'closed']);
/** The pre-queue has opened (its draw is sealed). */
const OPENED: ReadonlySet<Phase> = new Set(['preQueue', 'onSale', 'paused', 'soldOut', 'closed']);

/** A part of the configuration that may not change now, and why. */
export interface FieldLock {
  field: string;
  reason: string;
}

/** The parts of a configuration that lock with the phase: checked by `checkConfigChange`, listed by `configLocks`. */
const PHASE_LOCKS: ReadonlyArray<{ field: string; value: (config: EventConfig) => unknown; lockedIn: ReadonlySet<Phase>; reason: string }> = [
  { field: 'preQueueOpensAt', value: (c) => c.preQueueOpensAt, lockedIn: OPENED, reason: 'cannot change once the pre-queue has opened' },
  // A beacon named after the entries began to arrive could be chosen to suit them.
  { field: 'draw.beacon', value: (c) => c.draw.beacon, lockedIn: OPENED, reason: 'cannot change once the pre-queue has opened (its draw is sealed)' },
  { field: 'onSaleAt', value: (c) => c.onSaleAt, lockedIn: STARTED, reason: 'cannot change once the sale has started' },
  { field: 'door.startWindowMs', value: (c) => c.door.startWindowMs, lockedIn: STARTED, reason: 'cannot change once the sale has started' },
  { field: 'inventory.sections', value: (c) => c.inventory.sections, lockedIn: PUBLISHED, reason: 'reserved seating cannot change once the event is published' },
];

/**
 * What may not change on the event now and why, from the same rules
 * `checkConfigChange` enforces: the organizer page shows these beside the
 * fields. A tier's quantity may not fall below what is held or sold
 * (`inventory.tiers[i].quantity`); the rest of the configuration (its close,
 * the limits, admission, prices) may change while the event is not closed.
 */
export function configLocks(current: EventConfig, phase: Phase, inventory: Inventory, now: number, registration: RegistrationStage): FieldLock[] {
  if (phase === 'closed') return [{ field: '(root)', reason: 'the event is closed' }];
  const locks: FieldLock[] = PHASE_LOCKS.filter((lock) => lock.lockedIn.has(phase)).map(({ field, reason }) => ({ field, reason }));
  current.inventory.tiers.forEach((tier, i) => {
    const taken = takenOf(inventory, tier.id);
    if (phase !== 'draft') locks.push({ field: `inventory.tiers[${i}].id`, reason: `tier "${tier.id}" cannot be removed once the event is published` });
    if (taken > 0) locks.push({ field: `inventory.tiers[${i}].quantity`, reason: `must be at least ${taken} (already held or sold)` });
  });
  if (phase !== 'draft') {
    current.phases.forEach((p, i) => {
      if (p.preQueueOpensAt > now) return;
      locks.push({ field: `phases[${i}].id`, reason: `phase "${p.id}" has opened: it cannot be removed, renamed or moved` });
      if (i > 0) locks.push({ field: `phases[${i}].preQueueOpensAt`, reason: 'cannot change once the phase\'s pre-queue has opened' });
      if (i > 0 && p.onSaleAt <= now) locks.push({ field: `phases[${i}].onSaleAt`, reason: 'cannot change once the phase has started' });
      locks.push({ field: `phases[${i}].access.kind`, reason: 'cannot change once the phase\'s pre-queue has opened' });
      locks.push({ field: `phases[${i}].beacon`, reason: 'cannot change once the phase\'s pre-queue has opened (its draw is sealed)' });
    });
  }
  if (registration === 'drawn') locks.push({ field: 'registration', reason: 'cannot change once its draw has run' });
  else if (registration !== 'none') {
    locks.push(
      { field: 'registration.opensAt', reason: 'cannot change once registration has opened' },
      { field: 'registration.phaseId', reason: 'cannot change once registration has opened' },
      { field: 'registration.beacon', reason: 'cannot change once registration has opened (its draw is sealed)' },
    );
  }
  return locks;
}

function takenOf(inventory: Inventory, tierId: string): number {
  const counts = inventory.tiers.counts().find((t) => t.id === tierId);
  return counts === undefined ? 0 : counts.held + counts.sold;
}

/**
 * What may change on a live sale. Anything a fan was already told (the
 * pre-queue time once it opened, the on-sale time and the start window once
 * the sale started) or anything held or sold (seats, tier capacity below
 * held + sold) is fixed. The door's budgets, slow lane and proof-of-work
 * bounds may be retuned at any time: they apply to joins from then on.
 */
export function checkConfigChange(current: EventConfig, next: EventConfig, phase: Phase, inventory: Inventory, now: number, registration: RegistrationStage): void {
  const issues: ConfigIssue[] = registrationChangeIssues(current.registration, next.registration, registration, now);
  if (phase !== 'draft') issues.push(...phaseChangeIssues(current.phases, next.phases, now));
  if (phase === 'closed') issues.push({ field: '(root)', reason: 'the event is closed' });
  for (const lock of PHASE_LOCKS) {
    if (lock.lockedIn.has(phase) && JSON.stringify(lock.value(next)) !== JSON.stringify(lock.value(current))) issues.push({ field: lock.field, reason: lock.reason });
  }
  const nextTiers = new Map(next.inventory.tiers.map((tier) => [tier.id, tier]));
  current.inventory.tiers.forEach((tier, i) => {
    const replacement = nextTiers.get(tier.id);
    const taken = takenOf(inventory, tier.id);
    if (replacement === undefined) {
      if (phase !== 'draft') issues.push({ field: `inventory.tiers[${i}]`, reason: `tier "${tier.id}" cannot be removed once the event is published` });
    } else if (replacement.quantity < taken) {
      issues.push({
        field: `inventory.tiers[${next.inventory.tiers.indexOf(replacement)}].quantity`,
        reason: `must be at least ${taken} (already held or sold)`,
      });
    }
  });
  if (issues.length > 0) {
    throw new BreakwaterError('INVALID_CONFIG', 'This change is not allowed on the event now', { details: { issues } });
  }
}

/**
 * A phase whose pre-queue has opened is history fans acted on: it stays, at its
 * index, with its id, opening time and kind of access (its groups may change);
 * once it started, its start stays too. A later phase added or moved must open
 * later than now, or joins already checked against the phase before it would
 * have been its. The first phase's times are the event's, checked above.
 */
function phaseChangeIssues(current: readonly SalePhase[], next: readonly SalePhase[], now: number): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  current.forEach((phase, i) => {
    if (phase.preQueueOpensAt > now) return;
    const field = `phases[${i}]`;
    const replacement = next[i];
    if (replacement === undefined || replacement.id !== phase.id) {
      issues.push({ field, reason: `phase "${phase.id}" has opened: it cannot be removed, renamed or moved` });
      return;
    }
    if (i > 0 && replacement.preQueueOpensAt !== phase.preQueueOpensAt) {
      issues.push({ field: `${field}.preQueueOpensAt`, reason: 'cannot change once the phase\'s pre-queue has opened' });
    }
    if (i > 0 && phase.onSaleAt <= now && replacement.onSaleAt !== phase.onSaleAt) issues.push({ field: `${field}.onSaleAt`, reason: 'cannot change once the phase has started' });
    if (replacement.access.kind !== phase.access.kind) issues.push({ field: `${field}.access.kind`, reason: 'cannot change once the phase\'s pre-queue has opened' });
    if (JSON.stringify(replacement.beacon) !== JSON.stringify(phase.beacon)) issues.push({ field: `${field}.beacon`, reason: 'cannot change once the phase\'s pre-queue has opened (its draw is sealed)' });
  });
  next.forEach((phase, i) => {
    const before = current[i];
    const reported = before !== undefined && before.id === phase.id && before.preQueueOpensAt <= now;
    const unchanged = before !== undefined && before.id === phase.id && before.preQueueOpensAt === phase.preQueueOpensAt;
    if (i > 0 && !reported && !unchanged && phase.preQueueOpensAt <= now) {
      issues.push({ field: `phases[${i}].preQueueOpensAt`, reason: 'a new or moved phase must open later than now' });
    }
  });
  return issues;
}

/**
 * Registration, once open, keeps its opening, its phase and its beacon (its
 * draw is sealed; accounts registered for that phase); its close may move,
 * not before now (now: close it at once), and its sizing may change until the
 * draw. Once drawn, nothing of it changes: its invitations were made on it.
 */
function registrationChangeIssues(current: RegistrationConfig | undefined, next: RegistrationConfig | undefined, stage: RegistrationStage, now: number): ConfigIssue[] {
  if (stage === 'none' || current === undefined) return [];
  const field = 'registration';
  if (next === undefined) return [{ field, reason: 'cannot be removed once registration has opened' }];
  if (stage === 'drawn') return JSON.stringify(next) === JSON.stringify(current) ? [] : [{ field, reason: 'cannot change once its draw has run' }];
  const issues: ConfigIssue[] = [];
  if (next.opensAt !== current.opensAt) issues.push({ field: `${field}.opensAt`, reason: 'cannot change once registration has opened' });
  if (next.phaseId !== current.phaseId) issues.push({ field: `${field}.phaseId`, reason: 'cannot change once registration has opened' });
  if (JSON.stringify(next.beacon) !== JSON.stringify(current.beacon)) issues.push({ field: `${field}.beacon`, reason: 'cannot change once registration has opened (its draw is sealed)' });
  if (next.closesAt !== current.closesAt && next.closesAt < now) issues.push({ field: `${field}.closesAt`, reason: 'cannot move before now' });
  return issues;
}
