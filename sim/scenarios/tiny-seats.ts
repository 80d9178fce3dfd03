import { defineScenario } from '../src/scenario/merge.js';

/** For tests: a small reserved-seating venue. */
export default defineScenario({
  name: 'tiny-seats',
  description: '2,000 fans, a generated venue of 4 sections × 6 rows × 15 seats (360 seats, 3 categories).',
  fans: 2_000,
  inventory: {
    kind: 'venue',
    venue: {
      sections: 4,
      rowsPerSection: 6,
      seatsPerRow: 15,
      categories: [
        { name: 'A', share: 0.2, weight: 3 },
        { name: 'B', share: 0.5, weight: 2 },
        { name: 'C', share: 0.3, weight: 1 },
      ],
    },
  },
  event: {
    preQueueMinutes: 5,
    closeAfterMinutes: 30,
    paymentWindowSec: 120,
    presenceGraceSec: 20,
    grantTtlSec: 60,
    admission: { mode: 'auto', maxActiveShoppers: 60, paymentCapacityPerSec: 10 },
  },
  // A 2-second start window: the draw runs, and most of the crowd is still numbered first come, first served for the order check.
  door: { startWindowMs: 2_000 },
  arrivals: { preQueueFraction: 0.05, burstFraction: 0.4, burstTauSec: 10, tailTauSec: 120, tailEndSec: 600 },
  behaviour: { patience: { fraction: 0.3, medianSec: 120, sigma: 0.8 }, flaky: { fraction: 0.2, dropAfterMeanSec: 60 } },
  payments: { capacityPerSec: 8, timeoutMs: 10_000 },
});
