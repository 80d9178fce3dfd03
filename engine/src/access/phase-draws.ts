import type { SalePhase } from '../config/types.js';
import { phaseIndexAt } from './phases.js';

/**
 * The draws of the phases after the first (the first phase's is the event's
 * own pre-queue draw). A later phase has one draw, like the first: its
 * pre-queue (joins from its preQueueOpensAt) and its start window (arrivals
 * in the first `startWindowMs` after its onSaleAt) are shuffled together when
 * the window closes. It is sealed when its pre-queue opens, before anyone can
 * arrive in it, and numbers its places after everything numbered before.
 * Names cannot clash with the event's draw: ids have no ':'.
 */
const PREFIX = 'phase:';

const drawOf = (phase: SalePhase): string => `${PREFIX}${phase.id}`;

/** The draws a later phase seals: its one draw, if it has a pre-queue or a start window. */
export function drawsOfPhase(phase: SalePhase, startWindowMs: number): string[] {
  return phase.onSaleAt > phase.preQueueOpensAt || startWindowMs > 0 ? [drawOf(phase)] : [];
}

/** The later phase whose draw this is; undefined when `draw` is no phase's. */
export function phaseOfDraw(phases: readonly SalePhase[], draw: string): SalePhase | undefined {
  return draw.startsWith(PREFIX) ? phases.find((p) => drawOf(p) === draw) : undefined;
}

/** When a later phase's draw runs (its start window's end); undefined when `draw` is no phase's. */
export function phaseDrawDueAt(phases: readonly SalePhase[], draw: string, startWindowMs: number): number | undefined {
  const phase = phaseOfDraw(phases, draw);
  return phase === undefined ? undefined : phase.onSaleAt + startWindowMs;
}

/**
 * The later phase's draw a place arriving at `arrival` belongs to (from its
 * pre-queue's opening to its start window's end), or undefined: the first
 * phase, or past the window. The caller routes to it only if sealed.
 */
export function phaseDrawFor(phases: readonly SalePhase[], arrival: number, startWindowMs: number): string | undefined {
  const i = phaseIndexAt(phases, arrival);
  if (i < 1) return undefined;
  const phase = phases[i]!;
  return arrival < phase.onSaleAt + startWindowMs ? drawOf(phase) : undefined;
}
