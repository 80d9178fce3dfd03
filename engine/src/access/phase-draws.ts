import type { SalePhase } from '../config/types.js';
import { phaseIndexAt } from './phases.js';

/**
 * The draws of the phases after the first (the first phase's are the event's
 * own pre-queue and start-window draws). A later phase has its own pre-queue
 * — joins from its preQueueOpensAt until its onSaleAt, drawn at its onSaleAt
 * — and its own start window — arrivals in the first `startWindowMs` after its
 * onSaleAt, drawn when the window closes. Both are sealed when its pre-queue
 * opens, before anyone can arrive in them, and number their places after
 * everything numbered before. Names cannot clash with the event's draws: ids
 * have no ':'.
 */
const PREFIX = 'phase:';
const WINDOW_SUFFIX = ':window';

const preQueueDrawOf = (phase: SalePhase): string => `${PREFIX}${phase.id}`;
const windowDrawOf = (phase: SalePhase): string => `${PREFIX}${phase.id}${WINDOW_SUFFIX}`;

/** The draws a later phase seals: its pre-queue's if it has one, its start window's if the event has one. */
export function drawsOfPhase(phase: SalePhase, startWindowMs: number): string[] {
  const draws: string[] = [];
  if (phase.onSaleAt > phase.preQueueOpensAt) draws.push(preQueueDrawOf(phase));
  if (startWindowMs > 0) draws.push(windowDrawOf(phase));
  return draws;
}

/** When a later phase's draw runs; undefined when `draw` is no phase's. */
export function phaseDrawDueAt(phases: readonly SalePhase[], draw: string, startWindowMs: number): number | undefined {
  if (!draw.startsWith(PREFIX)) return undefined;
  const window = draw.endsWith(WINDOW_SUFFIX);
  const id = draw.slice(PREFIX.length, window ? -WINDOW_SUFFIX.length : undefined);
  const phase = phases.find((p) => p.id === id);
  if (phase === undefined) return undefined;
  return window ? phase.onSaleAt + startWindowMs : phase.onSaleAt;
}

/**
 * The later phase's draw a place arriving at `arrival` belongs to (its
 * pre-queue before its start, its start window after), or undefined: the
 * first phase, or past the window. The caller routes to it only if sealed.
 */
export function phaseDrawFor(phases: readonly SalePhase[], arrival: number, startWindowMs: number): string | undefined {
  const i = phaseIndexAt(phases, arrival);
  if (i < 1) return undefined;
  const phase = phases[i]!;
  if (arrival < phase.onSaleAt) return preQueueDrawOf(phase);
  if (arrival < phase.onSaleAt + startWindowMs) return windowDrawOf(phase);
  return undefined;
}
