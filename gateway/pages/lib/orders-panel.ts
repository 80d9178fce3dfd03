/**
 * The selected event's orders on the organizer page: search (a fan or
 * account id, a seat, a hold or a payment id), one order's history from the
 * journal, cancel with or without a refund (its tickets go back on sale and
 * the fans waiting are offered them), CSV export, and the revenue per tier
 * and category. They load on demand (selecting the event, searching,
 * Refresh), never every few seconds: the revenue prices every order.
 */
import { $ } from './dom.js';
import { money } from './format.js';

interface Order {
  holdId: string; fanId: string; paymentId: string; status: 'purchased' | 'cancelled'; tierId: string | null; seatIds: string[]; categories: string[];
  quantity: number; amount: number; currency: string; purchasedAt: number; cancelledAt: number | null; cancelReason: string | null;
  refund: 'none' | 'due' | 'refunded'; paidThrough: 'fan' | 'organizer';
}
interface OrderPage { total: number; offset: number; orders: Order[] }
interface Line { tickets: number; amount: number }
interface Revenue {
  currency: string; tiers: Array<{ tierId: string; name: string } & Line>; categories: Array<{ category: string } & Line>;
  totals: { orders: number; tickets: number; amount: number; cancelledOrders: number; cancelledTickets: number; refunded: number; refundDue: number };
}
interface JournalEntry { type: string; at: number; [key: string]: unknown }

export interface OrdersDeps {
  api<T>(method: string, path: string, body?: unknown): Promise<T>;
  describe(err: unknown): string;
  apiKey(): string;
}

const PAGE = 25;
const EXPORT_PAGE = 2_000;
const REFUNDS: Record<Order['refund'], string> = { none: '', due: 'refund due', refunded: 'refunded' };
/** What each journal entry of an order's history means, in words. */
const HISTORY: Record<string, (e: JournalEntry) => string> = {
  joined: () => 'joined the queue',
  admitted: () => 'admitted: its turn to choose tickets',
  called: () => 'called from the waitlist',
  grantExpired: () => 'its turn lapsed unused',
  left: (e) => `left the queue (${String(e.reason)})`,
  codeRedeemed: (e) => `used access code ${String(e.code)}`,
  held: (e) => `held ${describeAllocation(e.allocation as { tierId?: string; seatIds?: string[]; quantity: number })}`,
  extended: () => 'extended the hold',
  paymentStarted: (e) => `started paying (${String(e.paymentId)})`,
  paymentFailed: (e) => `payment failed: ${String(e.reason)}`,
  purchased: (e) => `bought (payment ${String(e.paymentId)})`,
  orderCancelled: (e) => `order cancelled by the organizer${e.reason === '' ? '' : `: ${String(e.reason)}`}`,
  refundDue: (e) => `refund due (${String(e.reason)})`,
  refunded: () => 'refunded by the payment provider',
  expired: () => 'hold expired',
  released: () => 'hold released',
};

function describeAllocation(a: { tierId?: string | null; seatIds?: string[]; quantity: number }): string {
  return a.tierId != null ? `${a.quantity} × ${a.tierId}` : `seats ${(a.seatIds ?? []).join(', ')}`;
}

function cell(text: string, className?: string): HTMLTableCellElement {
  const td = document.createElement('td');
  td.textContent = text;
  if (className !== undefined) td.className = className;
  return td;
}

export function setupOrders(deps: OrdersDeps) {
  const search = $<HTMLFormElement>('#orders-search');
  const body = $('#orders-body');
  const detail = $('#order-detail');
  let eventId: string | null = null;
  let offset = 0;
  let total = 0;
  let selected: Order | null = null;
  const path = (suffix: string) => `/api/events/${encodeURIComponent(eventId!)}${suffix}`;
  const query = () => {
    const q = (search.elements.namedItem('q') as HTMLInputElement).value.trim();
    const status = (search.elements.namedItem('status') as HTMLSelectElement).value;
    return `q=${encodeURIComponent(q)}&status=${encodeURIComponent(status)}`;
  };

  function show(event: { config: { id: string } }): void {
    if (event.config.id === eventId) return;
    eventId = event.config.id;
    offset = 0;
    selected = null;
    detail.hidden = true;
    void load();
  }

  async function load(): Promise<void> {
    if (eventId === null) return;
    try {
      const [page, revenue] = await Promise.all([
        deps.api<OrderPage>('GET', path(`/orders?${query()}&offset=${offset}&limit=${PAGE}`)),
        deps.api<Revenue>('GET', path('/revenue')),
      ]);
      total = page.total;
      renderOrders(page);
      renderRevenue(revenue);
    } catch (err) {
      $('#orders-range').textContent = deps.describe(err);
    }
  }

  function renderOrders(page: OrderPage): void {
    if (page.orders.length === 0) {
      body.innerHTML = '<tr><td colspan="7" class="muted">No orders match.</td></tr>';
    } else {
      body.replaceChildren(...page.orders.map((order) => {
        const row = document.createElement('tr');
        row.dataset.order = order.holdId;
        const status = order.status === 'cancelled' ? `cancelled${order.refund === 'none' ? '' : `, ${REFUNDS[order.refund]}`}` : 'bought';
        const actions = document.createElement('td');
        const open = document.createElement('button');
        open.type = 'button';
        open.textContent = 'Details';
        open.setAttribute('aria-label', `Details of order ${order.holdId}`);
        open.onclick = () => void openOrder(order.holdId);
        actions.append(open);
        row.append(
          cell(order.holdId, 'mono'), cell(order.fanId, 'mono'), cell(describeAllocation(order)), cell(money(order.amount, order.currency), 'figure'),
          cell(new Date(order.purchasedAt).toLocaleString()), cell(status), actions,
        );
        return row;
      }));
    }
    $('#orders-range').textContent = page.total === 0 ? '' : `${page.offset + 1}–${page.offset + page.orders.length} of ${page.total.toLocaleString()}`;
    $<HTMLButtonElement>('#orders-prev').disabled = page.offset === 0;
    $<HTMLButtonElement>('#orders-next').disabled = page.offset + page.orders.length >= page.total;
  }

  function renderRevenue(revenue: Revenue): void {
    const { currency, totals } = revenue;
    const rows = [
      ...revenue.tiers.map((t) => [`Tier ${t.name} (${t.tierId})`, t.tickets, t.amount] as const),
      ...revenue.categories.map((c) => [`Category ${c.category}`, c.tickets, c.amount] as const),
    ];
    $('#revenue-body').replaceChildren(...rows.map(([what, tickets, amount]) => {
      const row = document.createElement('tr');
      row.append(cell(what), cell(tickets.toLocaleString(), 'figure'), cell(money(amount, currency), 'figure'));
      return row;
    }));
    $('#revenue-totals').textContent = `${totals.orders.toLocaleString()} orders standing, ${totals.tickets.toLocaleString()} tickets, ${money(totals.amount, currency)}.`
      + ` Cancelled: ${totals.cancelledOrders} orders (${totals.cancelledTickets} tickets back on sale); refunded ${money(totals.refunded, currency)}`
      + `${totals.refundDue > 0 ? `, still to refund ${money(totals.refundDue, currency)}` : ''}.`;
  }

  async function openOrder(holdId: string): Promise<void> {
    try {
      const { order, history } = await deps.api<{ order: Order; history: JournalEntry[] }>('GET', path(`/orders/${encodeURIComponent(holdId)}`));
      selected = order;
      detail.hidden = false;
      $('#order-title').textContent = `Order ${order.holdId}`;
      const refundNote = order.refund === 'due' && order.paidThrough === 'organizer' ? ' — confirmed by your own checkout: refund it there.' : '';
      $('#order-summary').textContent = `${order.fanId} bought ${describeAllocation(order)} for ${money(order.amount, order.currency)} `
        + `(payment ${order.paymentId}, paid ${order.paidThrough === 'fan' ? 'at the checkout' : 'through your own checkout'}). `
        + `${order.status === 'cancelled' ? `Cancelled${order.cancelReason ? `: ${order.cancelReason}` : ''}; ${order.refund === 'none' ? 'not refunded' : REFUNDS[order.refund]}${refundNote}.` : 'Standing.'}`;
      $('#order-history').replaceChildren(...history.map((entry) => {
        const item = document.createElement('li');
        item.dataset.type = entry.type;
        const time = document.createElement('time');
        time.dateTime = new Date(entry.at).toISOString();
        time.textContent = new Date(entry.at).toLocaleTimeString();
        item.append(time, ` ${(HISTORY[entry.type] ?? ((e: JournalEntry) => e.type))(entry)}`);
        return item;
      }));
      const cancellable = order.status === 'purchased' || (order.refund === 'none' || order.refund === 'due');
      $('#cancel-form').hidden = !cancellable;
      $<HTMLButtonElement>('#cancel-submit').textContent = order.status === 'cancelled' ? (order.refund === 'due' ? 'Retry the refund' : 'Refund this cancelled order') : 'Cancel this order';
      $('#cancel-result').textContent = '';
      detail.scrollIntoView({ block: 'nearest' });
    } catch (err) {
      $('#orders-range').textContent = deps.describe(err);
    }
  }

  async function cancel(): Promise<void> {
    const order = selected;
    if (order === null) return;
    const refund = $<HTMLInputElement>('#cancel-refund').checked;
    const reason = $<HTMLInputElement>('#cancel-reason').value.trim();
    const result = $('#cancel-result');
    result.textContent = 'Cancelling…';
    let said: string;
    try {
      const { order: after } = await deps.api<{ order: Order }>('POST', path(`/orders/${encodeURIComponent(order.holdId)}/cancel`), { refund, reason });
      said = `Order ${after.holdId} cancelled; its tickets are back on sale${after.refund === 'refunded' ? ' and the payment was refunded' : after.refund === 'due' ? '; the refund is due' : ''}.`;
    } catch (err) {
      said = deps.describe(err);
    }
    // The list, the revenue and the order as they are now; then what happened.
    await load();
    await openOrder(order.holdId);
    $('#cancel-result').textContent = said;
  }

  async function exportCsv(): Promise<void> {
    if (eventId === null) return;
    const parts: string[] = [];
    for (let from = 0, count = 1; from < count; from += EXPORT_PAGE) {
      const response = await fetch(path(`/orders?format=csv&${query()}&offset=${from}&limit=${EXPORT_PAGE}`), { headers: { authorization: `Bearer ${deps.apiKey()}` } });
      count = Number(response.headers.get('x-orders-total') ?? 0);
      parts.push(await response.text());
    }
    const link = document.createElement('a');
    link.href = URL.createObjectURL(new Blob(parts, { type: 'text/csv' }));
    link.download = `${eventId}-orders.csv`;
    link.click();
    URL.revokeObjectURL(link.href);
  }

  search.addEventListener('submit', (e) => {
    e.preventDefault();
    offset = 0;
    void load();
  });
  $('#orders-prev').addEventListener('click', () => {
    offset = Math.max(0, offset - PAGE);
    void load();
  });
  $('#orders-next').addEventListener('click', () => {
    if (offset + PAGE < total) offset += PAGE;
    void load();
  });
  $('#orders-refresh').addEventListener('click', () => void load());
  $('#orders-export').addEventListener('click', () => void exportCsv());
  $('#cancel-form').addEventListener('submit', (e) => {
    e.preventDefault();
    void cancel();
  });
  $('#order-close').addEventListener('click', () => {
    detail.hidden = true;
    selected = null;
  });

  return { show, reload: load };
}
