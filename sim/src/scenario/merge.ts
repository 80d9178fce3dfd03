import { DEFAULT_SCENARIO } from './defaults.js';
import type { Scenario, ScenarioPatch } from './types.js';

/** Defaults overlaid with a patch: objects merge field by field, arrays and values replace. */
export function defineScenario(patch: ScenarioPatch, base: Scenario = DEFAULT_SCENARIO): Scenario {
  return deepMerge(base, patch) as Scenario;
}

export function deepMerge(base: unknown, patch: unknown): unknown {
  if (patch === undefined) return structuredClone(base);
  if (!isPlainObject(base) || !isPlainObject(patch)) return structuredClone(patch);
  // A union member of another kind (inventory kind, admission mode) replaces the whole object.
  for (const tag of ['kind', 'mode']) if (tag in patch && patch[tag] !== base[tag]) return structuredClone(patch);
  const out: Record<string, unknown> = {};
  for (const key of new Set([...Object.keys(base), ...Object.keys(patch)])) {
    out[key] = key in patch ? deepMerge(base[key], patch[key]) : structuredClone(base[key]);
  }
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
