import type { Scenario } from '../src/scenario/types.js';
import arena from './arena.js';
import bots from './bots.js';
import flakyMobile from './flaky-mobile.js';
import paymentBrownout from './payment-brownout.js';
import paymentBrownoutManual from './payment-brownout-manual.js';
import registration from './registration.js';
import scalpers from './scalpers.js';
import stadium from './stadium.js';
import tinySeats from './tiny-seats.js';
import tiny from './tiny.js';
import twoChannels from './two-channels.js';

/** Every named scenario, by the name `--scenario` takes. */
export const SCENARIOS: Record<string, Scenario> = Object.fromEntries(
  [arena, stadium, paymentBrownout, paymentBrownoutManual, twoChannels, flakyMobile, bots, scalpers, registration, tiny, tinySeats].map((s) => [s.name, s]),
);
