/**
 * Views of an event computed in the engine process, where the SaleEvent is:
 * prices of holds, the public event page, the queue state of a tick.
 */
import { seatId, ticketsPerFanOf, type Allocation, type EventStatus, type HoldView, type SaleEvent } from '../src/index.js';
import { publicBranding } from './branding.js';
import type { EventSettings } from './event-settings.js';
import { verifiesIdentities } from './identity-settings.js';
import type { PricedHold, PublicEventInfo, QueueState } from '../link/types.js';

/** What an allocation costs: the tier price per ticket, or each seat's category price. */
export function priceOf(sale: SaleEvent, settings: EventSettings, allocation: Pick<Allocation, 'tierId' | 'seatIds' | 'quantity'>): number {
  if (allocation.tierId !== undefined) {
    const tier = sale.config.inventory.tiers.find((t) => t.id === allocation.tierId);
    return (tier?.price ?? 0) * allocation.quantity;
  }
  let total = 0;
  for (const id of allocation.seatIds ?? []) {
    const category = sale.inventory.seats.categoryOf(id);
    total += category === undefined ? 0 : (settings.categoryPrices[category] ?? 0);
  }
  return total;
}

export function pricedHold(sale: SaleEvent, settings: EventSettings, view: HoldView): PricedHold {
  return { ...view, amount: priceOf(sale, settings, view), currency: settings.currency };
}

export function queueStateOf(sale: SaleEvent, rates: { rateLow: number; rateHigh: number }, at: number): QueueState {
  const status = sale.status();
  return {
    eventId: sale.id,
    phase: status.phase,
    nowServing: status.nowServing,
    lastNumber: status.lastNumber,
    waiting: status.waiting,
    rateLow: rates.rateLow,
    rateHigh: rates.rateHigh,
    onSaleAt: sale.config.onSaleAt,
    ticketsFree: status.tickets.free,
    ticketsHeld: status.tickets.held,
    openGrants: status.openGrants,
    ticketsPerFan: ticketsPerFanOf(status, sale.config.maxTicketsPerFan),
    awayAfter: status.awayAfter ?? null,
    paymentsServing: status.payments.queue.serving,
    at,
  };
}

/** True when a fan's position or what it may do changes: published on the very next tick. */
export function movesTheQueue(a: QueueState, b: QueueState): boolean {
  return a.phase !== b.phase || a.nowServing !== b.nowServing || a.onSaleAt !== b.onSaleAt;
}

/** True when two states would tell a client anything different. */
export function sameQueueFigures(a: QueueState, b: QueueState): boolean {
  return a.phase === b.phase && a.nowServing === b.nowServing && a.lastNumber === b.lastNumber && a.waiting === b.waiting
    && a.rateLow === b.rateLow && a.rateHigh === b.rateHigh && a.onSaleAt === b.onSaleAt
    && a.ticketsFree === b.ticketsFree && a.ticketsHeld === b.ticketsHeld && a.openGrants === b.openGrants && a.ticketsPerFan === b.ticketsPerFan
    && a.awayAfter === b.awayAfter && a.paymentsServing === b.paymentsServing;
}

export function publicInfoOf(sale: SaleEvent, settings: EventSettings, pushKey: string | null): PublicEventInfo {
  const { config } = sale;
  const status = sale.status();
  const seats = sale.inventory.seats;
  return {
    eventId: sale.id,
    name: config.name,
    phase: sale.phase,
    preQueueOpensAt: config.preQueueOpensAt,
    onSaleAt: config.onSaleAt,
    closesAt: config.closesAt,
    commitment: status.commitment ?? null,
    seed: status.seed ?? null,
    maxTicketsPerFan: config.maxTicketsPerFan,
    paymentWindowMs: config.paymentWindowMs,
    holdExtensionMs: config.holdExtensionMs,
    callAnswerMs: config.waitlist.callAnswerMs,
    organizerNotifies: settings.notifyWebhook !== null,
    phases: config.phases.map(({ id, name, preQueueOpensAt, onSaleAt, access }) => ({ id, name, preQueueOpensAt, onSaleAt, access: access.kind })),
    currentPhaseId: sale.salePhaseNow()?.id ?? null,
    registration: registrationInfoOf(sale),
    currency: settings.currency,
    powDifficulty: settings.powDifficulty,
    pushKey,
    identity: verifiesIdentities(settings.identity) ? { required: settings.identity.required, loginUrl: settings.identity.loginUrl ?? null } : null,
    tiers: sale.inventory.tiers.counts().map(({ id, name, price, capacity, free }) => ({ id, name, price, capacity, free })),
    categories: seats.categories().map((category) => ({ category, price: settings.categoryPrices[category] ?? 0, free: seats.freeIn(category) })),
    sections: config.inventory.sections.map((section) => ({
      id: section.id,
      name: section.name,
      rows: section.rows.map((row) => ({
        id: row.id,
        seats: row.seats.map((seat) => {
          const id = seatId(section.id, row.id, seat.label);
          return { id, label: seat.label, category: seat.category, rank: seat.rank, status: seats.status(id) ?? 'free' };
        }),
      })),
    })),
    announcement: status.announcement ?? null,
    pausedBeforeSale: status.pausedBeforeSale,
    branding: publicBranding(sale.id, settings.branding),
  };
}

/** What fans may know of an event's registration: times, its phase, its stage and its draw's commitment. */
function registrationInfoOf(sale: SaleEvent): PublicEventInfo['registration'] {
  const r = sale.config.registration;
  if (r === undefined) return null;
  const book = sale.registration;
  return { opensAt: r.opensAt, closesAt: r.closesAt, phaseId: r.phaseId, stage: book.stage, commitment: book.sealed?.commitment ?? null };
}
