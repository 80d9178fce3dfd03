/**
 * What Web Push needs to send: the deployment's VAPID key pair (RFC 8292),
 * the contact the push services see in every VAPID token, and the push
 * service origins fans may subscribe with. Keys come from
 * BREAKWATER_VAPID_PUBLIC_KEY / BREAKWATER_VAPID_PRIVATE_KEY, or are
 * generated: per run in memory mode (nothing else outlives it), once per
 * cluster in Redis (cluster/shared-vapid-keys.ts). A browser's subscription is
 * bound to the public key, so changing keys silences every subscription.
 */
import { createECDH } from 'node:crypto';
import webpush from 'web-push';

export interface VapidKeys {
  /** The uncompressed P-256 point, base64url (65 bytes): what the page passes to PushManager.subscribe. */
  publicKey: string;
  /** The private scalar, base64url (32 bytes). */
  privateKey: string;
}

export interface WebPushConfig {
  keys: VapidKeys;
  /** A mailto: or https: URL the push services may contact about this sender. */
  subject: string;
  /** Origins a subscription's endpoint may have besides the browsers' own push services (a self-hosted push server; tests). */
  extraOrigins: string[];
}

/** What the environment gives: keys may be missing (then generated). */
export type WebPushSettings = Omit<WebPushConfig, 'keys'> & { keys: VapidKeys | undefined };

export const DEFAULT_VAPID_SUBJECT = 'mailto:push@breakwater.invalid';

/**
 * The browsers' push services (Chrome and most Chromium browsers, Firefox,
 * Edge, Safari): a subscription elsewhere is refused, so a fan cannot make
 * the engine process post to an address of its choosing.
 */
const PUSH_SERVICE_HOSTS = ['fcm.googleapis.com', 'android.googleapis.com', 'updates.push.services.mozilla.com'];
const PUSH_SERVICE_DOMAINS = ['.notify.windows.com', '.push.apple.com'];

export function generateVapidKeys(): VapidKeys {
  return webpush.generateVAPIDKeys();
}

/** Whether a subscription may point at `url`: https on a browser's push service, or an origin the operator listed. */
export function isAllowedEndpoint(url: URL, extraOrigins: readonly string[]): boolean {
  if (extraOrigins.includes(url.origin)) return true;
  if (url.protocol !== 'https:' || url.port !== '') return false;
  return PUSH_SERVICE_HOSTS.includes(url.hostname) || PUSH_SERVICE_DOMAINS.some((domain) => url.hostname.endsWith(domain));
}

/**
 * The Web Push settings of the environment; `keys` undefined when none are
 * given (the caller generates them). Throws on a half-given or broken pair.
 */
export function webPushFromEnv(env: NodeJS.ProcessEnv): WebPushSettings {
  const publicKey = nonEmpty(env.BREAKWATER_VAPID_PUBLIC_KEY);
  const privateKey = nonEmpty(env.BREAKWATER_VAPID_PRIVATE_KEY);
  if ((publicKey === undefined) !== (privateKey === undefined)) {
    throw new Error('BREAKWATER_VAPID_PUBLIC_KEY and BREAKWATER_VAPID_PRIVATE_KEY go together: set both or neither');
  }
  const keys = publicKey === undefined ? undefined : checkedKeys({ publicKey, privateKey: privateKey! });
  const subject = nonEmpty(env.BREAKWATER_VAPID_SUBJECT) ?? DEFAULT_VAPID_SUBJECT;
  if (!/^(mailto:|https:\/\/)\S+$/.test(subject)) throw new Error(`BREAKWATER_VAPID_SUBJECT must be a mailto: or https: URL, got "${subject}"`);
  const extraOrigins = (nonEmpty(env.BREAKWATER_PUSH_ORIGINS) ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0).map(originOf);
  return { keys, subject, extraOrigins };
}

/** A pair whose private key yields its public key. */
export function checkedKeys(keys: VapidKeys): VapidKeys {
  const ecdh = createECDH('prime256v1');
  try {
    ecdh.setPrivateKey(Buffer.from(keys.privateKey, 'base64url'));
  } catch {
    throw new Error('BREAKWATER_VAPID_PRIVATE_KEY is not a P-256 private key (32 bytes, base64url)');
  }
  if (ecdh.getPublicKey('base64url') !== keys.publicKey) {
    throw new Error('BREAKWATER_VAPID_PUBLIC_KEY is not the public key of BREAKWATER_VAPID_PRIVATE_KEY');
  }
  return keys;
}

function originOf(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`BREAKWATER_PUSH_ORIGINS: "${text}" is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`BREAKWATER_PUSH_ORIGINS: "${text}" is not http(s)`);
  return url.origin;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.length === 0 ? undefined : value;
}
