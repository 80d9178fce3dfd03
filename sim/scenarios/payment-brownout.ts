import { defineScenario } from '../src/scenario/merge.js';

/**
 * The payment provider loses half its capacity 90 s into the sale, and
 * nobody retunes anything: the event only declared the provider's normal
 * capacity (150/s). Its health paces payments and admission (docs/payments.md):
 * answers slow down and errors rise, the channel's limit falls, payments that
 * cannot start wait in the payment queue with their holds' clocks paused,
 * and admission follows what the provider still takes. `--set
 * payments.pacing="off"` is Breakwater before: payments go straight to the
 * provider and admission follows the declared 150/s.
 */
export default defineScenario({
  name: 'payment-brownout',
  description: '300,000 fans, 30,000 GA tickets; payment capacity halves (150/s → 75/s) at t+90 s; no organizer at the controls.',
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
});
