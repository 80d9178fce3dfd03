/**
 * Per-event settings the gateway needs and the engine's EventConfig does not
 * have: proof of work, currency, prices of reserved-seat categories, identity
 * verification. Kept by
 * the engine process beside the engine (so every worker sees the same) and
 * changed through the organizer API.
 */
import { BreakwaterError, CHANNEL_NAME, MAX_PAYMENT_CHANNELS, MAX_POW_DIFFICULTY, type ConfigIssue, type PaymentChannelConfig } from '../src/index.js';
import { applyBrandingPatch, brandingForOrganizer, DEFAULT_BRANDING, type Branding } from './branding.js';
import { applyIdentityPatch, identityForOrganizer, type IdentitySettings } from './identity-settings.js';

export interface EventSettings {
  /** Leading zero bits a join's proof of work must have; 0 switches it off. */
  powDifficulty: number;
  /** ISO 4217 code of every price of the event. */
  currency: string;
  /** Price of a reserved seat by category, in the currency's minor unit (GA tiers carry their own price). */
  categoryPrices: Record<string, number>;
  /** Verified identities (docs/identity.md); null: anonymous fans only. */
  identity: IdentitySettings | null;
  /** Where the organizer hears of waitlisted, recalled, called and sold-out fans (docs/gateway.md, "Organizer webhook"); null: nowhere. */
  notifyWebhook: NotifyWebhook | null;
  /** How fans pay (docs/payments.md). */
  payments: PaymentSettings;
  /** The event's colours and logo on the fan page (branding.ts). */
  branding: Branding;
}

/**
 * The payment channels an event offers, by provider name, first choice first:
 * a name, or `{ name, capacityPerSec }` with the capacity its provider says
 * it takes (docs/payments.md). Empty: the deployment's configured provider.
 * The demo channel is never offered unless named here, so no fan approves
 * its own payment by default. An alias of the engine's
 * `config.payments.channels`: setting one sets the other.
 */
export interface PaymentSettings {
  channels: PaymentChannelSetting[];
}

export type PaymentChannelSetting = string | { name: string; capacityPerSec: number };

/** The names of the channels, first choice first. */
export function channelNames(payments: PaymentSettings): string[] {
  return payments.channels.map((channel) => (typeof channel === 'string' ? channel : channel.name));
}

/** The channels as the engine's configuration has them. */
export function channelsForConfig(payments: PaymentSettings): PaymentChannelConfig[] {
  return payments.channels.map((channel) => (typeof channel === 'string' ? { name: channel } : { ...channel }));
}

/** The engine's channels as settings show them: a name alone unless a capacity is declared. */
export function channelsFromConfig(channels: readonly PaymentChannelConfig[]): PaymentChannelSetting[] {
  return channels.map((c) => (c.capacityPerSec === undefined ? c.name : { name: c.name, capacityPerSec: c.capacityPerSec }));
}

/** A signed organizer webhook: POSTs signed with `secret` like the payment webhooks. */
export interface NotifyWebhook {
  url: string;
  secret: string;
}

export const DEFAULT_EVENT_SETTINGS: EventSettings = {
  powDifficulty: 0, currency: 'EUR', categoryPrices: {}, identity: null, notifyWebhook: null, payments: { channels: [] }, branding: DEFAULT_BRANDING,
};

const FIELDS = ['powDifficulty', 'currency', 'categoryPrices', 'identity', 'notifyWebhook', 'payments', 'branding'];
const MIN_SECRET_LENGTH = 16;
/** `{ channels: [...] }`: distinct provider names (or `{ name, capacityPerSec }`), at most 8. */
function paymentSettingsOf(value: unknown, issues: ConfigIssue[]): PaymentSettings | undefined {
  const field = 'settings.payments';
  if (!isObject(value)) {
    issues.push({ field, reason: 'must be an object { channels }' });
    return undefined;
  }
  const before = issues.length;
  for (const key of Object.keys(value)) if (key !== 'channels') issues.push({ field: `${field}.${key}`, reason: 'is not a known field' });
  const { channels } = value;
  if (!Array.isArray(channels) || channels.length > MAX_PAYMENT_CHANNELS) {
    issues.push({ field: `${field}.channels`, reason: `must be an array of at most ${MAX_PAYMENT_CHANNELS} provider names` });
    return undefined;
  }
  const checked: PaymentChannelSetting[] = [];
  const names: string[] = [];
  channels.forEach((channel: unknown, i) => {
    const entry = paymentChannelOf(channel, `${field}.channels.${i}`, issues);
    if (entry === undefined) return;
    const name = typeof entry === 'string' ? entry : entry.name;
    if (names.includes(name)) issues.push({ field: `${field}.channels.${i}`, reason: 'is named twice' });
    names.push(name);
    checked.push(entry);
  });
  return issues.length > before ? undefined : { channels: checked };
}

/** A provider name, or `{ name, capacityPerSec }` (left out: the name alone). */
function paymentChannelOf(value: unknown, field: string, issues: ConfigIssue[]): PaymentChannelSetting | undefined {
  const nameIssue = { field, reason: 'must be a provider name (lowercase letters, digits, - and _)' };
  if (typeof value === 'string') return CHANNEL_NAME.test(value) ? value : void issues.push(nameIssue);
  if (!isObject(value)) return void issues.push({ field, reason: 'must be a provider name or { name, capacityPerSec }' });
  const before = issues.length;
  for (const key of Object.keys(value)) if (key !== 'name' && key !== 'capacityPerSec') issues.push({ field: `${field}.${key}`, reason: 'is not a known field' });
  const { name, capacityPerSec } = value;
  if (typeof name !== 'string' || !CHANNEL_NAME.test(name)) issues.push({ ...nameIssue, field: `${field}.name` });
  if (capacityPerSec !== undefined && (typeof capacityPerSec !== 'number' || !Number.isFinite(capacityPerSec) || capacityPerSec <= 0)) {
    issues.push({ field: `${field}.capacityPerSec`, reason: 'must be a number greater than 0 (payments a second)' });
  }
  if (issues.length > before) return undefined;
  return capacityPerSec === undefined ? (name as string) : { name: name as string, capacityPerSec: capacityPerSec as number };
}

/** `null` removes the webhook; otherwise an http(s) URL and a secret of at least 16 characters. */
function notifyWebhookOf(value: unknown, issues: ConfigIssue[]): NotifyWebhook | null | undefined {
  if (value === null) return null;
  const field = 'settings.notifyWebhook';
  if (!isObject(value)) {
    issues.push({ field, reason: 'must be an object { url, secret } or null' });
    return undefined;
  }
  const { url, secret } = value;
  const before = issues.length;
  let parsed: URL | undefined;
  try {
    parsed = typeof url === 'string' ? new URL(url) : undefined;
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')) issues.push({ field: `${field}.url`, reason: 'must be an http(s) URL' });
  if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) issues.push({ field: `${field}.secret`, reason: `must be a string of at least ${MIN_SECRET_LENGTH} characters` });
  for (const key of Object.keys(value)) if (key !== 'url' && key !== 'secret') issues.push({ field: `${field}.${key}`, reason: 'is not a known field' });
  return issues.length > before ? undefined : { url: url as string, secret: secret as string };
}

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
    const { powDifficulty, currency, categoryPrices, identity, notifyWebhook, payments, branding } = patch;
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
    if (notifyWebhook !== undefined) {
      const webhook = notifyWebhookOf(notifyWebhook, issues);
      if (webhook !== undefined) next.notifyWebhook = webhook;
    }
    if (payments !== undefined) {
      const chosen = paymentSettingsOf(payments, issues);
      if (chosen !== undefined) next.payments = chosen;
    }
    if (branding !== undefined) next.branding = applyBrandingPatch(current.branding, branding, issues);
  }
  if (issues.length > 0) {
    throw new BreakwaterError('INVALID_CONFIG', `invalid settings: ${issues.map((i) => `${i.field} ${i.reason}`).join('; ')}`, { details: { issues } });
  }
  return next;
}

/** Settings as an API answer shows them: secrets only as "set", the logo without its bytes. */
export function settingsForOrganizer(settings: EventSettings): EventSettings {
  const shown = settings.identity?.hs256Secret === undefined ? settings : { ...settings, identity: identityForOrganizer(settings.identity) };
  const branded = { ...shown, branding: brandingForOrganizer(settings.branding) };
  return settings.notifyWebhook === null ? branded : { ...branded, notifyWebhook: { url: settings.notifyWebhook.url, secret: 'set' } };
}
