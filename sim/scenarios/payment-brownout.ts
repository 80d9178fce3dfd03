import { defineScenario } from '../src/scenario/merge.js';

/**
 * The payment provider loses half its capacity 90 s into the sale. Its
 * queue grows, latency and failures climb, payments time out and are
 * retried, holds run out and their tickets go back to the queue; 2.5
 * minutes later the organizer lowers the declared payment capacity so
 * admission slows to what the provider can take.
 */
export default defineScenario({
  name: 'payment-brownout',
  description: '300,000 fans, 30,000 GA tickets; payment capacity halves (150/s → 75/s) at t+90 s, declared capacity retuned to 60/s at t+240 s.',
  fans: 300_000,
  inventory: {
    kind: 'ga',
    tiers: [
      { id: 'floor', name: 'Floor', price: 9900, quantity: 18_000, weight: 2 },
      { id: 'stands', name: 'Stands', price: 6900, quantity: 12_000, weight: 1 },
    ],
  },
  event: { paymentWindowSec: 5 * 60, admission: { mode: 'auto', maxActiveShoppers: 12_000, paymentCapacityPerSec: 150 } },
  behaviour: { payThink: { medianSec: 40, sigma: 0.5 } },
  payments: { capacityPerSec: 150, capacityChanges: [{ atSec: 90, capacityPerSec: 75 }] },
  configChanges: [{ atSec: 240, admission: { mode: 'auto', maxActiveShoppers: 12_000, paymentCapacityPerSec: 60 } }],
});
