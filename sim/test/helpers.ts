import type { SaleEvent } from '../../engine/src/index.js';
import { SCENARIOS } from '../scenarios/index.js';
import { deepMerge } from '../src/scenario/merge.js';
import type { DeepPartial, Scenario } from '../src/scenario/types.js';
import { simulate } from '../src/run.js';

/** A named scenario with some fields changed. */
export function scenario(name: string, patch: DeepPartial<Scenario> = {}): Scenario {
  return deepMerge(SCENARIOS[name]!, patch) as Scenario;
}

export function run(s: Scenario, onSale?: (sale: SaleEvent) => void) {
  return simulate(s, { onSale });
}
