import { defineScenario } from '../src/scenario/merge.js';

/**
 * An Eras-style registration presale (Ticketmaster Verified Fan): every
 * account registers during a five-day window that closes two days before the
 * presale, and the draw invites ⌈30,000 tickets ÷ (40 % × 3)⌉ = 25,000
 * accounts with a code bound to each. Only invitees come to the presale (a
 * coded phase), 45 % of the real ones; ten minutes after the start the
 * organizer invites as many from the waitlist as invitees who had not come,
 * who arrive as its e-mail reaches them (median ten minutes).
 * A scalper farm holds 3,000 verified accounts (a tenth of the arrivals are
 * its tries): it registers them all, and the draw cannot tell them from fans.
 */
export default defineScenario({
  name: 'registration',
  description: 'Eras-style registration: 120,000 arrivals (a farm of 3,000 accounts among them) register days ahead; the draw invites ⌈30,000 ÷ (40 % × 3)⌉ = 25,000 to a coded presale of 30,000 GA tickets; invitees who have not come by +10 min are replaced from the waitlist.',
  fans: 120_000,
  identity: 'verified',
  inventory: {
    kind: 'ga',
    tiers: [
      { id: 'floor', name: 'Floor', price: 24900, quantity: 9_000, weight: 3 },
      { id: 'lower', name: 'Lower bowl', price: 17900, quantity: 12_000, weight: 2 },
      { id: 'upper', name: 'Upper bowl', price: 9900, quantity: 9_000, weight: 1 },
    ],
  },
  event: { preQueueMinutes: 30, closeAfterMinutes: 180, admission: { mode: 'auto', maxActiveShoppers: 4_000, paymentCapacityPerSec: 150 } },
  arrivals: { preQueueFraction: 0.6, burstFraction: 0.3, burstTauSec: 30, tailTauSec: 600, tailEndSec: 3_600 },
  bots: { fraction: 0.1, accounts: 3_000, addresses: 3_000, subnets: 300, hashesPerSec: 2 ** 35, preQueueFraction: 1, joinWindowMs: 500, reactMs: 150, askFor: 0 },
  payments: { capacityPerSec: 200 },
  registration: { enabled: true, opensDaysBefore: 7, closesDaysBefore: 2, buyerSharePercent: 40, ticketsPerBuyer: 3, showUpFraction: 0.45, inviteNextAfterSec: 600, lateArrival: { medianSec: 600, sigma: 0.8 } },
});
