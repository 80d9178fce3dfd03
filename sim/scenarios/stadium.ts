import { defineScenario } from '../src/scenario/merge.js';

/** Five million fans for 60,000 reserved seats, with half of them in a 30-minute pre-queue. */
export default defineScenario({
  name: 'stadium',
  description: '5,000,000 fans, 60,000 reserved seats (80 sections × 30 rows × 25 seats, 4 categories), a 30-minute pre-queue.',
  fans: 5_000_000,
  inventory: {
    kind: 'venue',
    venue: {
      sections: 80,
      rowsPerSection: 30,
      seatsPerRow: 25,
      categories: [
        { name: 'A', share: 0.15, weight: 4 },
        { name: 'B', share: 0.3, weight: 3 },
        { name: 'C', share: 0.35, weight: 2 },
        { name: 'D', share: 0.2, weight: 1 },
      ],
    },
  },
  event: {
    preQueueMinutes: 30,
    closeAfterMinutes: 180,
    paymentWindowSec: 10 * 60,
    admission: { mode: 'auto', maxActiveShoppers: 10_000, paymentCapacityPerSec: 250 },
  },
  arrivals: { preQueueFraction: 0.5, burstFraction: 0.3, burstTauSec: 30, tailTauSec: 600, tailEndSec: 3_600 },
  payments: { capacityPerSec: 400 },
});
