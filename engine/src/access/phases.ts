import type { JoinContext } from '../commands.js';
import type { SalePhase } from '../config/types.js';
import { BreakwaterError } from '../errors.js';
import type { CodeBook } from './code-book.js';

/**
 * The phase a join at `now` is for: the latest whose pre-queue has opened,
 * or -1 before the first. Phases are ordered, so a scan from the end stops at
 * the first hit (an event has a handful).
 */
export function phaseIndexAt(phases: readonly SalePhase[], now: number): number {
  for (let i = phases.length - 1; i >= 0; i--) if (phases[i]!.preQueueOpensAt <= now) return i;
  return -1;
}

/**
 * Checks a join that would create a new place against the access rule of the
 * phase it is for. Returns the stored code to redeem (a coded phase) or
 * undefined; refuses with ACCESS_DENIED, ACCESS_CODE_REQUIRED or
 * ACCESS_CODE_INVALID. Changes nothing.
 */
export function checkAccess(phases: readonly SalePhase[], now: number, fanId: string, context: JoinContext, codes: CodeBook): string | undefined {
  const phase = phases[phaseIndexAt(phases, now)];
  if (phase === undefined) return undefined;
  const { access } = phase;
  switch (access.kind) {
    case 'open':
      return undefined;
    case 'groups':
      requireGroup(phase, access.groups, context.groups);
      return undefined;
    case 'code':
      if (context.accessCode === undefined) {
        throw new BreakwaterError('ACCESS_CODE_REQUIRED', `the ${phase.name} needs an access code`, { details: { phaseId: phase.id } });
      }
      return codes.check(context.accessCode, fanId, phase.id);
  }
}

/** A `groups` phase: the fan's verified identity must carry one of its groups. */
function requireGroup(phase: SalePhase, allowed: readonly string[], groups: readonly string[] | undefined): void {
  if (groups === undefined) {
    throw new BreakwaterError('ACCESS_DENIED', `the ${phase.name} is for verified fans in a presale group: sign in first`, {
      details: { phaseId: phase.id, reason: 'identityRequired' },
    });
  }
  if (!groups.some((group) => allowed.includes(group))) {
    throw new BreakwaterError('ACCESS_DENIED', `the ${phase.name} is for fans in another presale group`, {
      details: { phaseId: phase.id, reason: 'notInGroup' },
    });
  }
}
