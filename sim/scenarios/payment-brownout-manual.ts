import { defineScenario } from '../src/scenario/merge.js';
import paymentBrownout from './payment-brownout.js';

/**
 * The brownout as Breakwater handled it before #21: no pacing by the
 * channel's health, and 2.5 minutes after the provider lost half its
 * capacity the organizer lowers the declared payment capacity by hand, so
 * admission slows to what the provider can take.
 */
export default defineScenario({
  name: 'payment-brownout-manual',
  description: 'payment-brownout without pacing by health; the organizer retunes the declared capacity to 60/s by hand at t+240 s.',
  payments: { pacing: 'off' },
  configChanges: [{ atSec: 240, admission: { mode: 'auto', maxActiveShoppers: 12_000, paymentCapacityPerSec: 60 } }],
}, paymentBrownout);
