import { saleTimes, venueOf } from '../scenario/event-config.js';
import type { Scenario } from '../scenario/types.js';
import { generateArrivals } from './arrivals.js';
import { EventQueue } from './event-queue.js';
import { BotFarm } from './farm.js';
import { FanTable } from './fan-table.js';
import { PaymentProviders } from './payment-provider.js';
import { Rng } from './rng.js';

/**
 * What every driver builds from a scenario before the sale runs: the sale's
 * times and venue, the arrivals, the fan table, the bot farm, the agenda and
 * the payment channels' providers. The returned generator has forked `arrivals` and `payments`, in
 * that order, so drivers fork the rest after them and stay deterministic.
 */
export function setUpSale(s: Scenario) {
  const rng = new Rng(s.seed);
  const times = saleTimes(s);
  const venue = venueOf(s);
  const arrivals = generateArrivals(s.fans, times.onSaleMs, s.arrivals, s.bots, s.crowd.natFans, rng.fork('arrivals'));
  const fans = new FanTable(s.fans, arrivals.bot, arrivals.nat);
  const farm = new BotFarm(s.bots, arrivals.bots, s.identity === 'verified');
  const agenda = new EventQueue();
  const providers = new PaymentProviders(s.payments, rng.fork('payments'));
  return { rng, times, venue, arrivals, fans, farm, agenda, providers };
}
