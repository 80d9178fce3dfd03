import type { EventConfig } from '../config/types.js';
import { BreakwaterError } from '../errors.js';
import type { ConfigIssue } from '../config/validate.js';
import type { Inventory } from '../inventory/inventory.js';
import type { Phase } from '../lifecycle/sale-machine.js';

const STARTED: ReadonlySet<Phase> = new Set(['onSale', 'paused', 'soldOut', 'closed']);

/**
 * What may change on a live sale. Anything a fan was already told (the
 * pre-queue time once it opened, the on-sale time and the start window once
 * the sale started) or anything held or sold (seats, tier capacity below
 * held + sold) is fixed. The door's budgets, slow lane and proof-of-work
 * bounds may be retuned at any time: they apply to joins from then on.
 */
export function checkConfigChange(current: EventConfig, next: EventConfig, phase: Phase, inventory: Inventory): void {
  const issues: ConfigIssue[] = [];
  if (phase === 'closed') issues.push({ field: '(root)', reason: 'the event is closed' });
  if (phase !== 'draft' && phase !== 'scheduled' && next.preQueueOpensAt !== current.preQueueOpensAt) {
    issues.push({ field: 'preQueueOpensAt', reason: 'cannot change once the pre-queue has opened' });
  }
  if (STARTED.has(phase) && next.onSaleAt !== current.onSaleAt) {
    issues.push({ field: 'onSaleAt', reason: 'cannot change once the sale has started' });
  }
  if (STARTED.has(phase) && next.door.startWindowMs !== current.door.startWindowMs) {
    issues.push({ field: 'door.startWindowMs', reason: 'cannot change once the sale has started' });
  }
  if (phase !== 'draft' && JSON.stringify(next.inventory.sections) !== JSON.stringify(current.inventory.sections)) {
    issues.push({ field: 'inventory.sections', reason: 'reserved seating cannot change once the event is published' });
  }
  const nextTiers = new Map(next.inventory.tiers.map((tier) => [tier.id, tier]));
  current.inventory.tiers.forEach((tier, i) => {
    const replacement = nextTiers.get(tier.id);
    const taken = inventory.tiers.counts().find((t) => t.id === tier.id)!;
    if (replacement === undefined) {
      if (phase !== 'draft') issues.push({ field: `inventory.tiers[${i}]`, reason: `tier "${tier.id}" cannot be removed once the event is published` });
    } else if (replacement.quantity < taken.held + taken.sold) {
      issues.push({
        field: `inventory.tiers[${next.inventory.tiers.indexOf(replacement)}].quantity`,
        reason: `must be at least ${taken.held + taken.sold} (already held or sold)`,
      });
    }
  });
  if (issues.length > 0) {
    throw new BreakwaterError('INVALID_CONFIG', 'This change is not allowed on the event now', { details: { issues } });
  }
}
