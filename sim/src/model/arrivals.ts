import type { Rng } from './rng.js';
import type { ArrivalSpec, BotSpec } from '../scenario/types.js';

export interface Arrivals {
  /** Arrival instant of fan i in ms of simulated time, ascending: fan numbers are arrival order. */
  at: Int32Array;
  /** 1 for a bot identity. */
  bot: Uint8Array;
  /** 1 for a real fan behind the shared (NAT) address. */
  nat: Uint8Array;
  preQueue: number;
  burst: number;
  tail: number;
  bots: number;
}

/**
 * The crowd's arrival curve, times in ms from when the pre-queue opens:
 * a pre-queue crowd ramping up towards the start, a burst decaying
 * exponentially from the start, a long tail (a Poisson process whose rate
 * decays more slowly, conditioned on its count: given how many arrive, the
 * instants are independent draws from the rate's shape), and bots firing
 * within a few hundred milliseconds of the start (or, as many as the farm
 * sends there, spread over the pre-queue like the early fans). `natFans` real
 * fans, drawn at random from the crowd, share one address.
 */
export function generateArrivals(fans: number, onSaleMs: number, spec: ArrivalSpec, bots: BotSpec, natFans: number, rng: Rng): Arrivals {
  const nBots = Math.round(fans * bots.fraction);
  const humans = fans - nBots;
  const preQueue = onSaleMs > 0 ? Math.round(humans * spec.preQueueFraction) : 0;
  const burst = Math.round(humans * spec.burstFraction);
  const tail = humans - preQueue - burst;
  if (tail < 0) throw new Error('arrivals: preQueueFraction + burstFraction must be at most 1');
  const endMs = spec.tailEndSec * 1000;
  // Encoded as 2·t + bot so one numeric sort orders both; a bot sorts after a human at the same ms.
  const keys = new Int32Array(fans);
  let i = 0;
  for (let k = 0; k < preQueue; k++) keys[i++] = 2 * Math.floor(onSaleMs * Math.sqrt(rng.next()));
  for (let k = 0; k < burst; k++) keys[i++] = 2 * (onSaleMs + Math.floor(truncatedExp(rng, spec.burstTauSec * 1000, endMs)));
  for (let k = 0; k < tail; k++) keys[i++] = 2 * (onSaleMs + Math.floor(truncatedExp(rng, spec.tailTauSec * 1000, endMs)));
  const botsEarly = onSaleMs > 0 ? Math.round(nBots * bots.preQueueFraction) : 0;
  for (let k = 0; k < botsEarly; k++) keys[i++] = 2 * Math.floor(onSaleMs * Math.sqrt(rng.next())) + 1;
  for (let k = botsEarly; k < nBots; k++) keys[i++] = 2 * (onSaleMs + Math.floor(rng.next() * bots.joinWindowMs)) + 1;
  keys.sort();
  const bot = new Uint8Array(fans);
  for (let k = 0; k < fans; k++) {
    const key = keys[k]!;
    bot[k] = key & 1;
    keys[k] = key >> 1;
  }
  const nat = new Uint8Array(fans);
  if (natFans > humans) throw new Error(`crowd.natFans (${natFans}) is more than the ${humans} real fans`);
  for (let picked = 0; picked < natFans; ) {
    const fan = rng.int(fans);
    if (bot[fan] === 0 && nat[fan] === 0) {
      nat[fan] = 1;
      picked++;
    }
  }
  return { at: keys, bot, nat, preQueue, burst, tail, bots: nBots };
}

/** Exponential with mean `tau`, conditioned on being below `end` (inverse CDF). */
function truncatedExp(rng: Rng, tau: number, end: number): number {
  const cut = 1 - Math.exp(-end / tau);
  return -tau * Math.log(1 - rng.next() * cut);
}
