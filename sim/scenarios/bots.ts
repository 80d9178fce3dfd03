import { defineScenario } from '../src/scenario/merge.js';

/** One join in ten is a bot identity, all fired the instant the sale starts. */
export default defineScenario({
  name: 'bots',
  description: '300,000 identities of which 10% are bots joining within 500 ms of the start, 10,000 GA tickets.',
  fans: 300_000,
  inventory: { kind: 'ga', tiers: [{ id: 'ga', name: 'General admission', price: 5900, quantity: 10_000, weight: 1 }] },
  bots: { fraction: 0.1, joinWindowMs: 500, reactMs: 150, askFor: 0 },
});
