import { DOOR_DEFAULTS } from '../../../engine/src/config/types.js';
import type { EventConfigInput } from '../../../engine/src/index.js';
import type { DoorTimes } from '../model/doorway.js';
import type { DoorSpec, Scenario } from './types.js';
import { gaVenue, generateVenue, loadVenue, type Venue } from './venue.js';

/** Simulated time starts here (any fixed instant: runs must not depend on the wall clock). */
export const EPOCH_MS = Date.UTC(2026, 5, 1, 9, 0, 0);

export interface SaleTimes {
  /** All in ms of simulated time: 0 is when the pre-queue opens. */
  onSaleMs: number;
  closesMs: number;
  /** Past every deadline a hold opened before the close can have. */
  hardEndMs: number;
}

export function venueOf(s: Scenario): Venue {
  switch (s.inventory.kind) {
    case 'ga':
      return gaVenue(s.inventory.tiers);
    case 'venue':
      return generateVenue(s.inventory.venue);
    case 'venueFile':
      return loadVenue(s.inventory.path);
  }
}

/** Today's door: no start-window draw, no budgets, no proof of work. */
export const DOOR_OFF: DoorSpec = { startWindowMs: 0, joinsPerAddressPerMin: 0, joinsPerSubnetPerMin: 0, powFloor: 0, powCeiling: 0 };

/** The door the event gets: the scenario's patch over the engine's defaults, or with the defences off the open door of DOOR_OFF. */
export function doorOf(s: Scenario): DoorSpec {
  if (s.defences !== 'on' && s.defences !== 'off') throw new Error(`defences is "on" or "off", not ${JSON.stringify(s.defences)}`);
  return s.defences === 'off' ? DOOR_OFF : s.door;
}

/** The instants the door's figures hang on: the start window's draw as the event has it, and the window the scenario names (the fairness ratio's cohort). */
export function doorTimesOf(s: Scenario, times: SaleTimes): DoorTimes {
  const named = s.door.startWindowMs ?? DOOR_DEFAULTS.startWindowMs;
  return {
    onSaleMs: times.onSaleMs,
    drawEndsMs: times.onSaleMs + (doorOf(s).startWindowMs ?? named),
    cohortEndsMs: times.onSaleMs + named,
    horizonMs: times.hardEndMs,
  };
}

export function saleTimes(s: Scenario): SaleTimes {
  const onSaleMs = Math.round(s.event.preQueueMinutes * 60_000);
  const closesMs = onSaleMs + Math.round(s.event.closeAfterMinutes * 60_000);
  const e = s.event;
  const hardEndMs = closesMs + 1000 * (e.paymentWindowSec + e.holdExtensionSec + e.paymentPendingMaxSec) + 10 * s.tickMs + 60_000;
  return { onSaleMs, closesMs, hardEndMs };
}

const DAY_MS = 86_400_000;

/** The phase registration invites to: the whole sale, by access code. */
export const PRESALE_PHASE = 'presale';

/** Registration's times, ms of simulated time (negative: days before the waiting room opens); undefined without registration. */
export function registrationTimes(s: Scenario): { opensMs: number; closesMs: number } | undefined {
  const r = s.registration;
  if (!r.enabled) return undefined;
  return { opensMs: -Math.round(r.opensDaysBefore * DAY_MS), closesMs: -Math.round(r.closesDaysBefore * DAY_MS) };
}

/** The channels the event offers (each declared at its provider's capacity at the start) and its pacing. */
export function paymentsOf(s: Scenario): NonNullable<EventConfigInput['payments']> {
  const p = s.payments;
  if (p.pacing !== 'adaptive' && p.pacing !== 'off') throw new Error(`payments.pacing is "adaptive" or "off", not ${JSON.stringify(p.pacing)}`);
  const declared = (name: string, capacityPerSec: number) => (capacityPerSec > 0 ? { name, capacityPerSec } : { name });
  return { pacing: p.pacing, channels: [declared(p.channel, p.capacityPerSec), ...p.moreChannels.map((c) => declared(c.name, c.capacityPerSec))] };
}

/** The organizer's event configuration for the scenario, as the engine takes it. */
export function eventConfigOf(s: Scenario, venue: Venue, id = 'sim'): EventConfigInput {
  const t = saleTimes(s);
  const e = s.event;
  const registration = registrationTimes(s);
  // With registration the sale is one coded phase: only invitees take a place.
  const presale = registration === undefined ? {} : {
    phases: [{ id: PRESALE_PHASE, name: 'Verified fan presale', preQueueOpensAt: EPOCH_MS, onSaleAt: EPOCH_MS + t.onSaleMs, access: { kind: 'code' as const } }],
    registration: {
      opensAt: EPOCH_MS + registration.opensMs, closesAt: EPOCH_MS + registration.closesMs, phaseId: PRESALE_PHASE,
      buyerSharePercent: s.registration.buyerSharePercent, ticketsPerBuyer: s.registration.ticketsPerBuyer,
    },
  };
  return {
    id,
    name: `Simulated on-sale: ${s.name}`,
    preQueueOpensAt: EPOCH_MS,
    onSaleAt: EPOCH_MS + t.onSaleMs,
    closesAt: EPOCH_MS + t.closesMs,
    inventory: { tiers: venue.tiers, sections: venue.sections },
    paymentWindowMs: Math.round(e.paymentWindowSec * 1000),
    holdExtensionMs: Math.round(e.holdExtensionSec * 1000),
    paymentPendingMaxMs: Math.round(e.paymentPendingMaxSec * 1000),
    maxTicketsPerFan: e.maxTicketsPerFan,
    presenceGraceMs: Math.round(e.presenceGraceSec * 1000),
    grantTtlMs: Math.round(e.grantTtlSec * 1000),
    admission: e.admission,
    waitlist: e.waitlist,
    door: doorOf(s),
    payments: paymentsOf(s),
    ...presale,
  };
}
