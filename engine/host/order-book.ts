/**
 * An event's orders, read from its journal alone (like the payments
 * reconciliation): every hold a payment bought, with who bought it, what,
 * for how much, through which side, and whether the organizer cancelled it
 * and how far its refund got. The organizer API lists and searches them,
 * exports them as CSV, shows one order's history (every journal entry about
 * it and its fan) and sums the revenue per tier and per category.
 *
 * Amounts are the event's prices now (a tier's price, each seat's category
 * price), as the reconciliation's are: a price changed after a sale shows
 * the new figure.
 */
import type { Allocation, JournalEntry } from '../src/index.js';
import { csvField } from './csv.js';

export type OrderStatus = 'purchased' | 'cancelled';
export type RefundState = 'none' | 'due' | 'refunded';

export interface OrderView {
  /** The hold the payment bought: the order's id. */
  holdId: string;
  /** The fan (a verified account's id where the event verifies identities). */
  fanId: string;
  paymentId: string;
  status: OrderStatus;
  tierId: string | null;
  seatIds: string[];
  /** Each seat's category, in the order of `seatIds`. */
  categories: string[];
  quantity: number;
  /** Minor units, at the event's prices now. */
  amount: number;
  currency: string;
  purchasedAt: number;
  cancelledAt: number | null;
  cancelReason: string | null;
  refund: RefundState;
  /** `fan`: the fan paid at a provider's checkout (its refund goes through that provider); `organizer`: confirmed by the organizer's own checkout, which refunds it. */
  paidThrough: 'fan' | 'organizer';
  /** The payment channel that took the payment (its refund goes back through it); null when the journal names none (the organizer's checkout, or a payment started before channels). */
  channel: string | null;
  /** The provider's own id of the charge (a Stripe PaymentIntent), null when its notification named none. */
  providerPaymentId: string | null;
}

/** What an allocation costs and the category of each of its seats (the host knows the prices and the seat map). */
export type Pricing = (allocation: Allocation) => { amount: number; currency: string; categories: string[] };

/** An order as the journal has it; priced when read. */
type OrderRecord = Omit<OrderView, 'amount' | 'currency' | 'categories'> & { allocation: Allocation };

/**
 * An event's orders kept up to date entry by entry: the engine process
 * builds one by reading the journal once, then applies each new entry, so
 * a search costs the orders, not the whole journal (a stadium's journal is
 * a million joins; reading it took ~200 ms of the engine's one thread).
 */
export class OrderLedger {
  /** Holds not bought yet (dropped when they end without a purchase). */
  private readonly held = new Map<string, { fanId: string; allocation: Allocation }>();
  /** Payments a fan started at a checkout, with the channel each started on (the rest were confirmed by the organizer's own). */
  private readonly started = new Map<string, string | null>();
  private readonly records = new Map<string, OrderRecord>();
  private readonly byPayment = new Map<string, OrderRecord>();

  static of(journal: readonly JournalEntry[]): OrderLedger {
    const ledger = new OrderLedger();
    for (const entry of journal) ledger.apply(entry);
    return ledger;
  }

  /** Takes what it keeps from the entry (a caller may reuse it). */
  apply(entry: JournalEntry): void {
    switch (entry.type) {
      case 'held':
        this.held.set(entry.holdId, { fanId: entry.fanId, allocation: entry.allocation });
        break;
      case 'expired':
      case 'released':
        this.held.delete(entry.holdId);
        break;
      case 'paymentStarted':
        this.started.set(entry.paymentId, entry.channel ?? null);
        break;
      case 'purchased': {
        const hold = this.held.get(entry.holdId);
        if (hold === undefined) break;
        this.held.delete(entry.holdId);
        const { allocation } = hold;
        const record: OrderRecord = {
          holdId: entry.holdId, fanId: hold.fanId, paymentId: entry.paymentId, status: 'purchased', tierId: allocation.tierId ?? null,
          seatIds: [...(allocation.seatIds ?? [])], quantity: allocation.quantity, allocation,
          purchasedAt: entry.at, cancelledAt: null, cancelReason: null, refund: 'none', paidThrough: this.started.has(entry.paymentId) ? 'fan' : 'organizer',
          channel: this.started.get(entry.paymentId) ?? null, providerPaymentId: entry.providerPaymentId ?? null,
        };
        this.records.set(entry.holdId, record);
        this.byPayment.set(entry.paymentId, record);
        break;
      }
      case 'orderCancelled': {
        const record = this.records.get(entry.holdId);
        if (record !== undefined) Object.assign(record, { status: 'cancelled', cancelledAt: entry.at, cancelReason: entry.reason });
        break;
      }
      case 'refundDue': {
        const record = entry.reason === 'orderCancelled' ? this.byPayment.get(entry.paymentId) : undefined;
        if (record !== undefined) record.refund = 'due';
        break;
      }
      case 'refunded': {
        const record = this.byPayment.get(entry.paymentId);
        if (record !== undefined && record.refund === 'due') record.refund = 'refunded';
        break;
      }
    }
  }

  /** Every order, oldest purchase first, priced now. */
  orders(pricing: Pricing): OrderView[] {
    return Array.from(this.records.values(), (record) => view(record, pricing));
  }

  /** One page of the orders matching `query`, newest purchase first; only the page is priced. */
  search(query: OrderQuery, offset: number, limit: number, pricing: Pricing): OrderPage {
    const matching = [...this.records.values()].filter((record) => matches(record, query)).reverse();
    return { total: matching.length, offset, orders: matching.slice(offset, offset + limit).map((record) => view(record, pricing)) };
  }

  /** The order of this hold, if a payment bought it. */
  find(holdId: string, pricing: Pricing): OrderView | undefined {
    const record = this.records.get(holdId);
    return record === undefined ? undefined : view(record, pricing);
  }
}

/** Field by field: a rest spread leaving `allocation` out takes a slow path in V8, many times slower over 50,000 orders. */
function view(r: OrderRecord, pricing: Pricing): OrderView {
  const { amount, currency, categories } = pricing(r.allocation);
  return {
    holdId: r.holdId, fanId: r.fanId, paymentId: r.paymentId, status: r.status, tierId: r.tierId, seatIds: [...r.seatIds], categories, quantity: r.quantity,
    amount, currency, purchasedAt: r.purchasedAt, cancelledAt: r.cancelledAt, cancelReason: r.cancelReason, refund: r.refund, paidThrough: r.paidThrough,
    channel: r.channel, providerPaymentId: r.providerPaymentId,
  };
}

/** An exact match of the fan id, hold id, payment id or one of the seats (nothing asked: every order), of the status asked. */
function matches(order: Pick<OrderView, 'status' | 'fanId' | 'holdId' | 'paymentId' | 'seatIds'>, query: OrderQuery): boolean {
  const q = query.q.trim();
  return (query.status === 'all' || order.status === query.status)
    && (q === '' || order.fanId === q || order.holdId === q || order.paymentId === q || order.seatIds.includes(q));
}

/** Every order in a journal, oldest purchase first. */
export function ordersOf(journal: readonly JournalEntry[], pricing: Pricing): OrderView[] {
  return OrderLedger.of(journal).orders(pricing);
}

export interface OrderQuery {
  /** Matches an order whose fan id, hold id, payment id or one of whose seat ids is exactly this (empty: every order). */
  q: string;
  status: OrderStatus | 'all';
}

export interface OrderPage {
  total: number;
  offset: number;
  orders: OrderView[];
}

/** Entries of one order's history, at most: a fan who rejoined a thousand times still gets an answer of sane size. */
export const MAX_HISTORY_ENTRIES = 500;

/**
 * Every journal entry about this hold (held, extended, payments, purchase,
 * cancellation, refund) and about its fan (joined, admitted or called, its
 * grants, left), oldest first: the order's history as the engine decided it.
 */
export function orderHistory(journal: readonly JournalEntry[], holdId: string, fanId: string): JournalEntry[] {
  const history: JournalEntry[] = [];
  for (const entry of journal) {
    if (history.length >= MAX_HISTORY_ENTRIES) break;
    if (concerns(entry, holdId, fanId)) history.push(entry);
  }
  return history;
}

function concerns(entry: JournalEntry, holdId: string, fanId: string): boolean {
  switch (entry.type) {
    case 'joined':
    case 'left':
    case 'grantExpired':
    case 'codeRedeemed':
    case 'held':
      return entry.fanId === fanId;
    case 'admitted':
    case 'called':
    case 'recalled':
      return entry.fanIds.includes(fanId);
    default:
      return 'holdId' in entry && entry.holdId === holdId;
  }
}

export interface RevenueLine {
  tickets: number;
  amount: number;
}

export interface Revenue {
  eventId: string;
  currency: string;
  /** Orders standing (bought, not cancelled), per GA tier and per seat category. */
  tiers: Array<{ tierId: string; name: string } & RevenueLine>;
  categories: Array<{ category: string } & RevenueLine>;
  totals: {
    orders: number;
    tickets: number;
    amount: number;
    cancelledOrders: number;
    cancelledTickets: number;
    /** Money of cancelled orders given back, and still to give back. */
    refunded: number;
    refundDue: number;
  };
}

/**
 * Revenue of the orders standing, per tier (every tier of the event, sold or
 * not) and per category (every category of the seat map); `seatPrice` is a
 * category's price.
 */
export function revenueOf(
  eventId: string, currency: string, orders: readonly OrderView[],
  tiers: ReadonlyArray<{ id: string; name: string }>, categories: readonly string[], seatPrice: (category: string) => number,
): Revenue {
  const byTier = new Map(tiers.map((tier) => [tier.id, { tierId: tier.id, name: tier.name, tickets: 0, amount: 0 }]));
  const byCategory = new Map(categories.map((category) => [category, { category, tickets: 0, amount: 0 }]));
  const totals: Revenue['totals'] = { orders: 0, tickets: 0, amount: 0, cancelledOrders: 0, cancelledTickets: 0, refunded: 0, refundDue: 0 };
  for (const order of orders) {
    if (order.refund === 'refunded') totals.refunded += order.amount;
    if (order.refund === 'due') totals.refundDue += order.amount;
    if (order.status === 'cancelled') {
      totals.cancelledOrders++;
      totals.cancelledTickets += order.quantity;
      continue;
    }
    totals.orders++;
    totals.tickets += order.quantity;
    totals.amount += order.amount;
    const tier = order.tierId === null ? undefined : byTier.get(order.tierId);
    if (tier !== undefined) {
      tier.tickets += order.quantity;
      tier.amount += order.amount;
    }
    for (const category of order.categories) {
      const line = byCategory.get(category);
      if (line === undefined) continue;
      line.tickets++;
      line.amount += seatPrice(category);
    }
  }
  return { eventId, currency, tiers: [...byTier.values()], categories: [...byCategory.values()], totals };
}

export const ORDERS_CSV_HEADER = 'holdId,fanId,paymentId,status,tierId,seatIds,categories,quantity,amount,currency,purchasedAt,cancelledAt,cancelReason,refund,paidThrough';

/**
 * A text cell a spreadsheet would not run: fan ids and reasons come from
 * outside, and a cell starting with = + - @ (or a tab or return) is a
 * formula to Excel and LibreOffice, so it is quoted with a leading '.
 */
function textCell(value: string | null): string | null {
  return value !== null && /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/** One row per order, times as ISO 8601, seats and their categories separated by spaces. */
export function ordersCsv(orders: readonly OrderView[], header = true): string {
  const iso = (at: number | null) => (at === null ? null : new Date(at).toISOString());
  const lines = header ? [ORDERS_CSV_HEADER] : [];
  for (const o of orders) {
    lines.push([
      o.holdId, textCell(o.fanId), textCell(o.paymentId), o.status, textCell(o.tierId), textCell(o.seatIds.join(' ')), textCell(o.categories.join(' ')), o.quantity, o.amount, o.currency,
      iso(o.purchasedAt), iso(o.cancelledAt), textCell(o.cancelReason), o.refund, o.paidThrough,
    ].map(csvField).join(','));
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
