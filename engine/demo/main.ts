/**
 * A short on-sale in the terminal, in simulated time: 20,000 fans for 2,000
 * tickets. Shows the pre-queue shuffle, admission against inventory, holds
 * that expire and go to the next fans, and the sold-out moment.
 */
import { randomBytes } from 'node:crypto';
import { Engine, SimulatedClock, checkInvariants, placeIn, verifyDrawProof, type HoldView, type JoinResult } from '../src/index.js';
import { aesSeedVault } from '../stores/seed-vault.js';

const FANS = 20_000;
const SECOND = 1000;
const start = Date.UTC(2026, 0, 1, 10, 0, 0);
const clock = new SimulatedClock(start);
const engine = new Engine({ clock, randomBytes, seeds: aesSeedVault(randomBytes(32).toString('hex')) });
const eventId = 'demo-arena';
engine.createEvent(
  {
    id: eventId,
    name: 'Demo Arena Night',
    preQueueOpensAt: start,
    onSaleAt: start + 60 * SECOND,
    closesAt: start + 2 * 3600 * SECOND,
    inventory: { tiers: [{ id: 'floor', name: 'Floor', price: 8900, quantity: 1200 }, { id: 'balcony', name: 'Balcony', price: 5900, quantity: 800 }] },
    maxTicketsPerFan: 4,
    paymentWindowMs: 5 * 60 * SECOND,
    admission: { mode: 'auto', maxActiveShoppers: 600, paymentCapacityPerSec: 40 },
  },
  { publish: true },
);
const sale = engine.event(eventId);
console.log(`Event "${sale.config.name}": pre-queue open, seed commitment ${sale.status().commitment}`);

// A seeded stream of choices so every run tells the same story.
let state = 42;
const rand = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);

const preQueueFans = FANS * 0.6;
/** What each pre-queue fan's page keeps: the receipt its join gave it. */
const receipts = new Map<string, string>();
for (let i = 0; i < preQueueFans; i++) {
  const joined = engine.execute({ type: 'join', eventId, fanId: `fan-${i}` }) as JoinResult;
  receipts.set(joined.fanId, joined.receipt!);
}
console.log(`${preQueueFans} fans in the pre-queue before the start`);

const holds = new Map<string, { hold: HoldView; paysAt: number | null }>();
let joined = preQueueFans;
let lastReport = '';
for (let second = 1; second <= 1800; second++) {
  clock.set(start + 59 * SECOND + second * SECOND);
  // Arrivals after the start: a burst, then a tail.
  const arrivals = joined < FANS ? Math.min(FANS - joined, second < 10 ? 600 : 20) : 0;
  for (let i = 0; i < arrivals; i++) engine.execute({ type: 'join', eventId, fanId: `fan-${joined++}` });
  engine.tick();
  shop();
  const s = sale.status();
  const report = `t+${String(second).padStart(4)}s ${s.phase.padEnd(8)} waiting ${String(s.waiting).padStart(6)}  now serving ${String(s.nowServing).padStart(6)}  free ${String(s.tickets.free).padStart(5)}  held ${String(s.tickets.held).padStart(5)}  sold ${String(s.tickets.sold).padStart(5)}`;
  if (second % 30 === 0 || s.phase === 'soldOut') {
    if (report !== lastReport) console.log(report);
    lastReport = report;
  }
  if (s.phase === 'soldOut') break;
}

/** Admitted fans pick tickets; most pay after a while, some never do. */
function shop(): void {
  for (const [fanId, entry] of holds) {
    if (entry.paysAt !== null && clock.now() >= entry.paysAt && entry.hold.status === 'held') {
      const paymentId = `pay-${entry.hold.holdId}`;
      engine.execute({ type: 'startPayment', eventId, fanId, holdId: entry.hold.holdId, paymentId, key: `${fanId}-pay` });
      entry.hold = engine.execute({ type: 'confirmPurchase', eventId, holdId: entry.hold.holdId, paymentId }) as HoldView;
      holds.delete(fanId);
    } else if (clock.now() >= entry.hold.expiresAt) {
      holds.delete(fanId);
    }
  }
  for (const fanId of grantedFans()) {
    const view = sale.fanView(fanId) as JoinResult;
    const wanted = 1 + Math.floor(rand() * 4);
    const tiers = sale.inventory.tiers.counts().filter((t) => t.free > 0);
    if (tiers.length === 0) continue;
    const tier = tiers[Math.floor(rand() * tiers.length)]!;
    const tierId = tier.id;
    const quantity = Math.min(wanted, tier.free);
    try {
      const hold = engine.execute({ type: 'hold', eventId, fanId, grantId: view.grant!.grantId, key: `${fanId}-hold`, request: { kind: 'tickets', tierId, quantity } }) as HoldView;
      const neverPays = rand() < 0.15;
      holds.set(fanId, { hold, paysAt: neverPays ? null : clock.now() + (20 + rand() * 120) * SECOND });
    } catch {
      // Someone was faster: the fan lets the admission lapse.
    }
  }
}

function* grantedFans(): Generator<string> {
  for (const entry of engine.journal.read(eventId).slice(-500)) {
    if (entry.type === 'admitted' && entry.at === clock.now()) yield* entry.fanIds;
  }
}

const journal = engine.journal.read(eventId);
// The public proof (GET /api/public/events/{id}/draw): pseudonyms, join numbers, seed, order. No fan id in it.
const proof = sale.drawProof('preQueue');
const verdict = verifyDrawProof(proof);
// Each pre-queue fan finds its own place from its receipt alone, and it is the number the queue gave it.
let found = 0;
for (const [fanId, receipt] of receipts) if (placeIn(proof, receipt, fanId)?.number === sale.room.numberOf(fanId)) found++;
console.log(`\nDraw: seed ${proof.seed.slice(0, 16)}… revealed when the start window closed; the proof of ${proof.entries.length} entries verifies: ${verdict.ok ? 'yes' : `NO (${verdict.reason})`}`);
console.log(`Pre-queue fans who find their own number in the proof from their receipt: ${found} of ${receipts.size}`);
const violations = checkInvariants(journal);
console.log(`Invariants (no oversell, per-fan limit, holds end once, admission order): ${violations.length === 0 ? 'all hold' : JSON.stringify(violations)}`);
console.log(`Journal: ${journal.length} entries`);
