/**
 * The fans' Web Push subscriptions, per (event, fan), kept where the
 * notifications are sent from: next to the engine (engine-host.ts). A fan
 * may have a few devices; a new one beyond that replaces the oldest.
 */
import { createECDH } from 'node:crypto';
import { BreakwaterError } from '../../src/index.js';
import { isAllowedEndpoint } from './web-push-config.js';

/** What a browser's PushSubscription.toJSON() carries, flattened. */
export interface PushSubscriptionKeys {
  endpoint: string;
  /** The browser's P-256 public key, base64url (65 bytes). */
  p256dh: string;
  /** The browser's authentication secret, base64url (16 bytes). */
  auth: string;
}

export const MAX_SUBSCRIPTIONS_PER_FAN = 3;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

function invalid(reason: 'endpoint' | 'p256dh' | 'auth', message: string): BreakwaterError {
  return new BreakwaterError('PUSH_SUBSCRIPTION_INVALID', message, { details: { reason } });
}

/** Throws PUSH_SUBSCRIPTION_INVALID (with the field as `details.reason`) unless the subscription can be sent to. */
export function checkSubscription(subscription: PushSubscriptionKeys, extraOrigins: readonly string[]): void {
  let url: URL;
  try {
    url = new URL(subscription.endpoint);
  } catch {
    throw invalid('endpoint', 'the endpoint is not a URL');
  }
  if (!isAllowedEndpoint(url, extraOrigins)) throw invalid('endpoint', 'the endpoint is not https on a browser push service this deployment sends to');
  const key = BASE64URL.test(subscription.p256dh) ? Buffer.from(subscription.p256dh, 'base64url') : undefined;
  if (key?.length !== 65 || !isCurvePoint(key)) throw invalid('p256dh', 'p256dh is not a P-256 public key (65 bytes, base64url)');
  if (!BASE64URL.test(subscription.auth) || Buffer.from(subscription.auth, 'base64url').length !== 16) {
    throw invalid('auth', 'auth is not a 16-byte secret (base64url)');
  }
}

function isCurvePoint(key: Buffer): boolean {
  try {
    const ecdh = createECDH('prime256v1');
    ecdh.setPrivateKey(Buffer.alloc(32, 1));
    ecdh.computeSecret(key);
    return true;
  } catch {
    return false;
  }
}

export class PushSubscriptions {
  private readonly byEvent = new Map<string, Map<string, PushSubscriptionKeys[]>>();

  /** Adds (or refreshes) a subscription; returns the fan's subscriptions after. */
  add(eventId: string, fanId: string, subscription: PushSubscriptionKeys): PushSubscriptionKeys[] {
    const others = this.of(eventId, fanId).filter((s) => s.endpoint !== subscription.endpoint);
    const list = [...others.slice(-(MAX_SUBSCRIPTIONS_PER_FAN - 1)), { ...subscription }];
    this.set(eventId, fanId, list);
    return list;
  }

  /** Drops the subscription of `endpoint`; returns the fan's subscriptions after, or undefined when it had none there. */
  remove(eventId: string, fanId: string, endpoint: string): PushSubscriptionKeys[] | undefined {
    const list = this.of(eventId, fanId);
    if (!list.some((s) => s.endpoint === endpoint)) return undefined;
    const rest = list.filter((s) => s.endpoint !== endpoint);
    this.set(eventId, fanId, rest);
    return rest;
  }

  /** Replaces a fan's subscriptions (a restore; an empty list forgets the fan). */
  set(eventId: string, fanId: string, list: PushSubscriptionKeys[]): void {
    let fans = this.byEvent.get(eventId);
    if (list.length === 0) {
      fans?.delete(fanId);
      if (fans?.size === 0) this.byEvent.delete(eventId);
      return;
    }
    if (fans === undefined) this.byEvent.set(eventId, (fans = new Map()));
    fans.set(fanId, list);
  }

  of(eventId: string, fanId: string): readonly PushSubscriptionKeys[] {
    return this.byEvent.get(eventId)?.get(fanId) ?? [];
  }

  /** Whether any fan of the event can be pushed to. */
  has(eventId: string): boolean {
    return this.byEvent.has(eventId);
  }

  /** How many subscriptions the event holds. */
  count(eventId: string): number {
    let n = 0;
    for (const list of this.byEvent.get(eventId)?.values() ?? []) n += list.length;
    return n;
  }
}
