import { defineScenario } from '../src/scenario/merge.js';

/** Fans on phones: 30% lose the connection at least once, a fifth of those past the grace period. */
export default defineScenario({
  name: 'flaky-mobile',
  description: '300,000 fans, 10,000 GA tickets; 30% of fans drop and reconnect at least once (20% of drops beyond the 60 s grace).',
  fans: 300_000,
  inventory: { kind: 'ga', tiers: [{ id: 'ga', name: 'General admission', price: 5900, quantity: 10_000, weight: 1 }] },
  behaviour: {
    flaky: {
      fraction: 0.3,
      secondDropFraction: 0.4,
      dropAfterMeanSec: 300,
      beyondGraceFraction: 0.2,
      neverReturnFraction: 0.05,
      offline: { medianSec: 10, sigma: 0.9 },
      rejoinFraction: 0.8,
    },
  },
});
