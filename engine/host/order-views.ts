/**
 * The orders of an event as the engine process answers them (engine/host/order-book.ts
 * keeps them from the journal; this file prices them with the event's prices
 * and seat map, which only this process has).
 */
import { BreakwaterError, type JournalEntry, type SaleEvent } from '../src/index.js';
import type { EventSettings } from './event-settings.js';
import { orderHistory, revenueOf, type OrderLedger, type OrderPage, type OrderQuery, type OrderView, type Pricing, type Revenue } from './order-book.js';
import { priceOf } from './event-views.js';

export interface OrderDetail {
  order: OrderView;
  /** Every journal entry about the order and its fan, oldest first (engine/host/order-book.ts, orderHistory). */
  history: JournalEntry[];
}

/** The event's prices now, and each seat's category. */
function pricingOf(sale: SaleEvent, settings: EventSettings): Pricing {
  const seats = sale.inventory.seats;
  return (allocation) => ({
    amount: priceOf(sale, settings, allocation),
    currency: settings.currency,
    categories: (allocation.seatIds ?? []).map((id) => seats.categoryOf(id) ?? ''),
  });
}

export function saleOrders(sale: SaleEvent, settings: EventSettings, ledger: OrderLedger): OrderView[] {
  return ledger.orders(pricingOf(sale, settings));
}

export function searchSaleOrders(sale: SaleEvent, settings: EventSettings, ledger: OrderLedger, query: OrderQuery, offset: number, limit: number): OrderPage {
  return ledger.search(query, offset, limit, pricingOf(sale, settings));
}

/** One order with its history (read from the journal); HOLD_NOT_FOUND when no payment bought this hold. */
export function saleOrder(sale: SaleEvent, settings: EventSettings, ledger: OrderLedger, journal: readonly JournalEntry[], holdId: string): OrderDetail {
  const order = ledger.find(holdId, pricingOf(sale, settings));
  if (order === undefined) throw new BreakwaterError('HOLD_NOT_FOUND', 'no order has this hold id: no payment bought it', { details: { holdId } });
  return { order, history: orderHistory(journal, holdId, order.fanId) };
}

export function saleRevenue(sale: SaleEvent, settings: EventSettings, ledger: OrderLedger): Revenue {
  return revenueOf(
    sale.id, settings.currency, saleOrders(sale, settings, ledger), sale.config.inventory.tiers, sale.inventory.seats.categories(),
    (category) => settings.categoryPrices[category] ?? 0,
  );
}
