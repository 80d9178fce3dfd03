import { defineScenario } from '../src/scenario/merge.js';

/** A million fans for 20,000 GA tickets; most of them arrive in the first minute. */
export default defineScenario({
  name: 'arena',
  description: '1,000,000 fans, 20,000 GA tickets in three tiers; 5,000 early birds in a 5-minute pre-queue, then a burst at the start.',
  fans: 1_000_000,
  inventory: {
    kind: 'ga',
    tiers: [
      { id: 'floor', name: 'Floor', price: 9900, quantity: 8_000, weight: 3 },
      { id: 'lower', name: 'Lower tier', price: 7900, quantity: 7_000, weight: 2 },
      { id: 'upper', name: 'Upper tier', price: 4900, quantity: 5_000, weight: 1 },
    ],
  },
  event: { preQueueMinutes: 5, admission: { mode: 'auto', maxActiveShoppers: 4_000, paymentCapacityPerSec: 100 } },
  arrivals: { preQueueFraction: 0.005, burstFraction: 0.6, burstTauSec: 20, tailTauSec: 300, tailEndSec: 1_800 },
  payments: { capacityPerSec: 150 },
});
