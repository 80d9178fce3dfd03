/**
 * What the organizer's orders cost the engine process on a stadium's journal
 * (a million joins, 50,000 purchases): building an event's order ledger from
 * its journal, once, and then what a search and the revenue cost each
 * request (engine/host/order-book.ts). Medians of five runs.
 *
 *   npx tsx gateway/bench/orders-bench.ts [--joins N] [--orders N]
 */
import type { JournalEntry } from '../../engine/src/index.js';
import { OrderLedger, revenueOf } from '../../engine/host/order-book.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
};
const joins = arg('joins', 1_000_000);
const purchases = arg('orders', 50_000);

const journal: JournalEntry[] = [];
for (let i = 0; i < joins; i++) journal.push({ type: 'joined', at: i, fanId: `fan${i}` });
for (let i = 0; i < purchases; i++) {
  journal.push({ type: 'held', at: i, fanId: `fan${i}`, holdId: `h${i}`, grantId: `g${i}`, key: 'k', fingerprint: 'f', allocation: { tierId: 'ga', quantity: 2 }, expiresAt: i });
  journal.push({ type: 'paymentStarted', at: i, holdId: `h${i}`, key: 'k', paymentId: `p${i}`, pendingUntil: i });
  journal.push({ type: 'purchased', at: i, holdId: `h${i}`, paymentId: `p${i}` });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const build: number[] = [];
const search: number[] = [];
const revenue: number[] = [];
const pricing = () => ({ amount: 10_000, currency: 'EUR', categories: [] });
for (let run = 0; run < 5; run++) {
  let started = performance.now();
  const ledger = OrderLedger.of(journal);
  build.push(performance.now() - started);
  started = performance.now();
  ledger.search({ q: 'fan4242', status: 'all' }, 0, 50, pricing);
  search.push(performance.now() - started);
  started = performance.now();
  revenueOf('bench', 'EUR', ledger.orders(pricing), [{ id: 'ga', name: 'GA' }], [], () => 0);
  revenue.push(performance.now() - started);
}
console.log(`journal of ${journal.length.toLocaleString()} entries, ${purchases.toLocaleString()} orders: building the ledger ${median(build).toFixed(0)} ms once; then a search ${median(search).toFixed(1)} ms, the revenue ${median(revenue).toFixed(0)} ms (medians of 5)`);
