import { defineScenario } from '../src/scenario/merge.js';

/**
 * One arrival in ten is a bot identity, every one of them an account of its
 * own (an anonymous event: the farm mints fan ids), joining from 3,000
 * addresses on 300 subnets — few enough joins per address and subnet that the
 * budgets never hold it up — with a few GPUs' worth of proof-of-work compute.
 * 500 real fans share one campus address. The defences are on: the start
 * window draw, the budgets and a proof of work of up to 20 bits.
 */
export default defineScenario({
  name: 'bots',
  description: '300,000 identities of which 10% are bots joining within 500 ms of the start, 10,000 GA tickets; 500 fans behind one campus address; defences on.',
  fans: 300_000,
  inventory: { kind: 'ga', tiers: [{ id: 'ga', name: 'General admission', price: 5900, quantity: 10_000, weight: 1 }] },
  bots: { fraction: 0.1, addresses: 3_000, subnets: 300, hashesPerSec: 2 ** 35, joinWindowMs: 500, reactMs: 150, askFor: 0 },
  crowd: { natFans: 500 },
  door: { powCeiling: 20 },
});
