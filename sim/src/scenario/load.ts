import { readFileSync } from 'node:fs';
import { SCENARIOS } from '../../scenarios/index.js';
import { deepMerge, defineScenario } from './merge.js';
import type { Scenario, ScenarioPatch } from './types.js';

/** A named scenario, or a JSON file holding a patch over the defaults. */
export function loadScenario(nameOrFile: string): Scenario {
  if (nameOrFile.endsWith('.json')) {
    const patch = JSON.parse(readFileSync(nameOrFile, 'utf8')) as ScenarioPatch;
    return defineScenario({ ...patch, name: patch.name ?? nameOrFile });
  }
  const scenario = SCENARIOS[nameOrFile];
  if (scenario === undefined) throw new Error(`no scenario "${nameOrFile}"; known: ${Object.keys(SCENARIOS).join(', ')}`);
  return structuredClone(scenario);
}

/** Sets one field by its dotted path (e.g. "payments.capacityPerSec"); the path must exist. */
export function setField(scenario: Scenario, path: string, value: unknown): Scenario {
  const keys = path.split('.');
  let target: Record<string, unknown> = scenario as unknown as Record<string, unknown>;
  for (const key of keys.slice(0, -1)) {
    const next = target[key];
    if (typeof next !== 'object' || next === null) throw new Error(`--set ${path}: no field "${key}"`);
    target = next as Record<string, unknown>;
  }
  const last = keys[keys.length - 1]!;
  if (!(last in target)) throw new Error(`--set ${path}: no field "${last}" (fields: ${Object.keys(target).join(', ')})`);
  target[last] = deepMerge(target[last], value);
  return scenario;
}

/** Scales every GA tier so they add up to `total` tickets (keeping their proportions). */
export function setTickets(scenario: Scenario, total: number): Scenario {
  if (scenario.inventory.kind !== 'ga') throw new Error('--tickets applies to GA scenarios; use --set inventory.venue.… for a venue');
  const tiers = scenario.inventory.tiers;
  const sum = tiers.reduce((s, t) => s + t.quantity, 0);
  let left = total;
  tiers.forEach((tier, i) => {
    tier.quantity = i === tiers.length - 1 ? left : Math.round((tier.quantity / sum) * total);
    left -= tier.quantity;
  });
  return scenario;
}
