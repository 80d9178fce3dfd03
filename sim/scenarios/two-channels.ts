import { defineScenario } from '../src/scenario/merge.js';

/**
 * Two payment channels of 100 payments a second each (card first, then a
 * wallet); the card provider fails completely two minutes into the sale: it
 * takes payments and never answers. With pacing, its payments in flight
 * reach its limit and stop being added to, its breaker opens on the
 * timeouts, and fans are steered to the wallet (`payments.switchedWithinSec`).
 * `--set payments.pacing="off"` is Breakwater before: every payment goes to
 * the first channel.
 */
export default defineScenario({
  name: 'two-channels',
  description: '300,000 fans, 30,000 GA tickets; two payment channels of 100/s; the first (card) fails completely at t+120 s.',
  fans: 300_000,
  inventory: {
    kind: 'ga',
    tiers: [
      { id: 'floor', name: 'Floor', price: 9900, quantity: 18_000, weight: 2 },
      { id: 'stands', name: 'Stands', price: 6900, quantity: 12_000, weight: 1 },
    ],
  },
  event: { paymentWindowSec: 5 * 60, admission: { mode: 'auto', maxActiveShoppers: 12_000, paymentCapacityPerSec: 200 } },
  behaviour: { payThink: { medianSec: 40, sigma: 0.5 } },
  payments: {
    channel: 'card',
    capacityPerSec: 100,
    capacityChanges: [{ atSec: 120, capacityPerSec: 0 }],
    moreChannels: [{ name: 'wallet', capacityPerSec: 100, capacityChanges: [] }],
  },
});
