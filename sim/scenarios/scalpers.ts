import { defineScenario } from '../src/scenario/merge.js';

/**
 * An Eras-style presale: verified identities (a fan id is an account the
 * organizer vouches for), most fans waiting in a 30-minute pre-queue. A fifth
 * of all arrivals come from a scalper farm of 2,000 accounts on 200 subnets
 * (2,000 addresses), each account trying again and again from its addresses;
 * the farm joins the pre-queue, where the draw decides. 500 real fans are
 * behind one campus address.
 */
export default defineScenario({
  name: 'scalpers',
  description: 'Verified presale: 200,000 arrivals, 40,000 GA tickets, 70% of fans in a 30-minute pre-queue; 20% of arrivals from a farm of 2,000 accounts on 200 subnets; 500 fans behind one campus address.',
  fans: 200_000,
  identity: 'verified',
  inventory: {
    kind: 'ga',
    tiers: [
      { id: 'floor', name: 'Floor', price: 24900, quantity: 12_000, weight: 3 },
      { id: 'lower', name: 'Lower bowl', price: 17900, quantity: 16_000, weight: 2 },
      { id: 'upper', name: 'Upper bowl', price: 9900, quantity: 12_000, weight: 1 },
    ],
  },
  event: { preQueueMinutes: 30, closeAfterMinutes: 180, admission: { mode: 'auto', maxActiveShoppers: 5_000, paymentCapacityPerSec: 150 } },
  arrivals: { preQueueFraction: 0.7, burstFraction: 0.2, burstTauSec: 30, tailTauSec: 600, tailEndSec: 3_600 },
  bots: { fraction: 0.2, accounts: 2_000, addresses: 2_000, subnets: 200, hashesPerSec: 2 ** 35, preQueueFraction: 1, joinWindowMs: 500, reactMs: 150, askFor: 0 },
  crowd: { natFans: 500 },
  door: { powCeiling: 20 },
  payments: { capacityPerSec: 200 },
});
