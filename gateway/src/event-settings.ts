/**
 * Per-event settings the gateway needs and the engine's EventConfig does not
 * have: proof of work, currency, prices of reserved-seat categories, identity
 * verification. Kept by
 * the engine process beside the engine (so every worker sees the same) and
 * changed through the organizer API.
 */
import { BreakwaterError, type ConfigIssue } from '../../engine/src/index.js';
import { applyIdentityPatch, identityForOrganizer, type IdentitySettings } from './identity/identity-settings.js';
import { MAX_POW_DIFFICULTY } from './protocol/pow.js';

export interface EventSettings {
  /** Leading zero bits a join's proof of work must have; 0 switches it off. */
  powDifficulty: number;
  /** ISO 4217 code of every price of the event. */
  currency: string;
  /** Price of a reserved seat by category, in the currency's minor unit (GA tiers carry their own price). */
  categoryPrices: Record<string, number>;
  /** Verified identities (docs/identity.md); null: anonymous fans only. */
  identity: IdentitySettings | null;
}

export const DEFAULT_EVENT_SETTINGS: EventSettings = { powDifficulty: 0, currency: 'EUR', categoryPrices: {}, identity: null };

const FIELDS = ['powDifficulty', 'currency', 'categoryPrices', 'identity'];

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Applies a partial change to settings; INVALID_CONFIG with `details.issues` (fields prefixed `settings.`) when wrong. */
export function applySettingsPatch(current: EventSettings, patch: unknown): EventSettings {
  const issues: ConfigIssue[] = [];
  const next: EventSettings = { ...current, categoryPrices: { ...current.categoryPrices } };
  if (!isObject(patch)) {
    issues.push({ field: 'settings', reason: 'must be an object' });
  } else {
    for (const key of Object.keys(patch)) if (!FIELDS.includes(key)) issues.push({ field: `settings.${key}`, reason: 'is not a known field' });
    const { powDifficulty, currency, categoryPrices, identity } = patch;
    if (powDifficulty !== undefined) {
      if (!Number.isInteger(powDifficulty) || (powDifficulty as number) < 0 || (powDifficulty as number) > MAX_POW_DIFFICULTY) {
        issues.push({ field: 'settings.powDifficulty', reason: `must be an integer from 0 (off) to ${MAX_POW_DIFFICULTY}` });
      } else next.powDifficulty = powDifficulty as number;
    }
    if (currency !== undefined) {
      if (typeof currency !== 'string' || !/^[A-Z]{3}$/.test(currency)) issues.push({ field: 'settings.currency', reason: 'must be a three-letter ISO 4217 code' });
      else next.currency = currency;
    }
    if (categoryPrices !== undefined) {
      if (!isObject(categoryPrices)) issues.push({ field: 'settings.categoryPrices', reason: 'must be an object of category → price' });
      else {
        for (const [category, price] of Object.entries(categoryPrices)) {
          if (!Number.isSafeInteger(price) || (price as number) < 0) issues.push({ field: `settings.categoryPrices.${category}`, reason: 'must be a non-negative integer (minor units)' });
          else next.categoryPrices[category] = price as number;
        }
      }
    }
    if (identity !== undefined) next.identity = applyIdentityPatch(current.identity, identity, issues);
  }
  if (issues.length > 0) {
    throw new BreakwaterError('INVALID_CONFIG', `invalid settings: ${issues.map((i) => `${i.field} ${i.reason}`).join('; ')}`, { details: { issues } });
  }
  return next;
}

/** Settings as an API answer shows them: secrets only as "set". */
export function settingsForOrganizer(settings: EventSettings): EventSettings {
  return settings.identity?.hs256Secret === undefined ? settings : { ...settings, identity: identityForOrganizer(settings.identity) };
}
