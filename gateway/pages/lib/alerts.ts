/**
 * Telling a fan whose eyes are elsewhere: while the page is open, a
 * notification (when allowed), the tab's title and a vibration; with the
 * page closed, Web Push through the service worker (/sw.js). Permission is
 * asked only from the fan's own click, never on load.
 */
export type AlertPermission = NotificationPermission | 'unsupported';

/** The browser's Web Push subscription, as the `pushSubscribe` message carries it. */
export interface PushKeys {
  endpoint: string;
  p256dh: string;
  auth: string;
}

const SERVICE_WORKER_URL = '/sw.js';

export function alertPermission(): AlertPermission {
  return 'Notification' in window ? Notification.permission : 'unsupported';
}

/** Asks for permission to notify; call it from a click. */
export async function askPermission(): Promise<AlertPermission> {
  if (!('Notification' in window)) return 'unsupported';
  return Notification.requestPermission();
}

/**
 * This browser's push subscription for the deployment's VAPID key `key`
 * (base64url): the existing one, or a new one. A subscription made with
 * another key (the deployment changed keys) is replaced. Null when this
 * browser cannot push (no service worker or PushManager, a push service
 * refusing, permission missing): the page then alerts only while open.
 */
export async function pushSubscription(key: string): Promise<PushKeys | null> {
  if (!('serviceWorker' in navigator) || !('PushManager' in window) || alertPermission() !== 'granted') return null;
  try {
    await navigator.serviceWorker.register(SERVICE_WORKER_URL, { scope: '/' });
    const registration = await navigator.serviceWorker.ready;
    const serverKey = fromBase64Url(key);
    let subscription = await registration.pushManager.getSubscription();
    if (subscription !== null && !sameKey(subscription.options.applicationServerKey, serverKey)) {
      await subscription.unsubscribe();
      subscription = null;
    }
    subscription ??= await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: serverKey });
    const json = subscription.toJSON();
    const p256dh = json.keys?.p256dh;
    const auth = json.keys?.auth;
    return json.endpoint === undefined || p256dh === undefined || auth === undefined ? null : { endpoint: json.endpoint, p256dh, auth };
  } catch {
    return null;
  }
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

function sameKey(current: ArrayBuffer | null, wanted: Uint8Array): boolean {
  if (current === null) return false;
  const bytes = new Uint8Array(current);
  return bytes.length === wanted.length && bytes.every((b, i) => b === wanted[i]);
}

// ── While the page is open ──────────────────────────────────────────────
let titleAlert: string | null = null;

/** The tab's title: the page's own, led by the alert until the fan has acted on it. */
export function pageTitle(base: string): string {
  return titleAlert === null ? base : `${titleAlert} — ${base}`;
}

/**
 * Tells the fan at once, whichever way this browser allows: a notification
 * (tagged per event, so the service worker's push for the same news replaces
 * it instead of adding a second), the title, a vibration.
 */
export function alertFan(alert: { title: string; body: string; eventId: string }, base: string): void {
  titleAlert = `🔔 ${alert.title}`;
  document.title = pageTitle(base);
  navigator.vibrate?.([300, 150, 300, 150, 300]);
  if (alertPermission() !== 'granted') return;
  const options: NotificationOptions = { body: alert.body, tag: `breakwater-${alert.eventId}`, requireInteraction: true };
  try {
    new Notification(alert.title, options).onclick = () => window.focus();
  } catch {
    // Android's Chrome allows notifications only through a service worker.
    void navigator.serviceWorker?.getRegistration().then((registration) => registration?.showNotification(alert.title, options));
  }
}

/** The fan acted (or the moment passed): the title is the page's own again. */
export function clearAlert(base: string): void {
  if (titleAlert === null) return;
  titleAlert = null;
  document.title = pageTitle(base);
}
