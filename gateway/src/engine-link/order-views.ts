/**
 * The orders of an event as the engine process answers them (orders/order-book.ts
 * reads them from the journal; this file prices them with the event's prices
 * and seat map, which only this process has).
 */
import { BreakwaterError, type JournalEntry, type SaleEvent } from '../../../engine/src/index.js';
import type { EventSettings } from '../event-settings.js';
import { orderHistory, ordersOf, revenueOf, type OrderView, type Revenue } from '../orders/order-book.js';
import { priceOf } from './event-views.js';

export interface OrderDetail {
  order: OrderView;
  /** Every journal entry about the order and its fan, oldest first (orders/order-book.ts, orderHistory). */
  history: JournalEntry[];
}

export function saleOrders(sale: SaleEvent, settings: EventSettings, journal: readonly JournalEntry[]): OrderView[] {
  const seats = sale.inventory.seats;
  return ordersOf(journal, (allocation) => ({
    amount: priceOf(sale, settings, allocation),
    currency: settings.currency,
    categories: (allocation.seatIds ?? []).map((id) => seats.categoryOf(id) ?? ''),
  }));
}

/** One order with its history; HOLD_NOT_FOUND when no payment bought this hold. */
export function saleOrder(sale: SaleEvent, settings: EventSettings, journal: readonly JournalEntry[], holdId: string): OrderDetail {
  const order = saleOrders(sale, settings, journal).find((o) => o.holdId === holdId);
  if (order === undefined) throw new BreakwaterError('HOLD_NOT_FOUND', 'no order has this hold id: no payment bought it', { details: { holdId } });
  return { order, history: orderHistory(journal, holdId, order.fanId) };
}

export function saleRevenue(sale: SaleEvent, settings: EventSettings, journal: readonly JournalEntry[]): Revenue {
  return revenueOf(
    sale.id, settings.currency, saleOrders(sale, settings, journal), sale.config.inventory.tiers, sale.inventory.seats.categories(),
    (category) => settings.categoryPrices[category] ?? 0,
  );
}
