import { defineScenario } from '../src/scenario/merge.js';

/** For tests: small and quick, every behaviour on. */
export default defineScenario({
  name: 'tiny',
  description: '3,000 fans, 400 GA tickets in two tiers, 5 % bots, 20 % flaky, a payment brownout and a retune.',
  fans: 3_000,
  inventory: {
    kind: 'ga',
    tiers: [
      { id: 'front', name: 'Front', price: 9900, quantity: 150, weight: 2 },
      { id: 'back', name: 'Back', price: 4900, quantity: 250, weight: 1 },
    ],
  },
  event: {
    preQueueMinutes: 5,
    closeAfterMinutes: 30,
    paymentWindowSec: 120,
    presenceGraceSec: 20,
    grantTtlSec: 60,
    admission: { mode: 'auto', maxActiveShoppers: 80, paymentCapacityPerSec: 10 },
  },
  // No start window: a draw would take in all 200 admissions, and the order check needs first-come-first-served arrivals (tiny-seats has a window).
  door: { startWindowMs: 0 },
  arrivals: { preQueueFraction: 0.05, burstFraction: 0.4, burstTauSec: 10, tailTauSec: 120, tailEndSec: 600 },
  behaviour: {
    patience: { fraction: 0.3, medianSec: 120, sigma: 0.8 },
    flaky: { fraction: 0.2, dropAfterMeanSec: 60, offline: { medianSec: 5, sigma: 0.8 } },
  },
  bots: { fraction: 0.05 },
  payments: { capacityPerSec: 8, timeoutMs: 10_000, capacityChanges: [{ atSec: 60, capacityPerSec: 3 }] },
  configChanges: [{ atSec: 120, admission: { mode: 'auto', maxActiveShoppers: 80, paymentCapacityPerSec: 3 } }],
});
