/**
 * The fan page's service worker, served at /sw.js (a fixed URL, revalidated,
 * never content-hashed: the browser checks it for updates itself) with scope
 * /. It exists for Web Push: a push from the gateway (engine/host/notify/
 * fan-push.ts) shows a notification even when no page of the sale is open,
 * and a click on it focuses the event's page, or opens it. Built apart from
 * the pages (its own tsconfig: the WebWorker library, not the DOM's).
 */
declare const self: ServiceWorkerGlobalScope;

/** What the gateway pushes (PushPayload in fan-push.ts). */
interface PushPayload {
  type: 'called' | 'recalled' | 'waitlisted' | 'soldOut';
  eventId: string;
  title: string;
  body: string;
  url: string;
}

function payloadOf(event: PushEvent): PushPayload | null {
  try {
    const value = event.data?.json() as Partial<PushPayload> | undefined;
    if (typeof value?.title !== 'string' || typeof value.body !== 'string' || typeof value.eventId !== 'string' || typeof value.url !== 'string') return null;
    return value as PushPayload;
  } catch {
    return null;
  }
}

self.addEventListener('install', () => void self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('push', (event) => {
  const payload = payloadOf(event);
  if (payload === null) return;
  // One notification per event (the page uses the same tag): a call replaces "waitlisted".
  event.waitUntil(self.registration.showNotification(payload.title, {
    body: payload.body,
    tag: `breakwater-${payload.eventId}`,
    requireInteraction: payload.type === 'called' || payload.type === 'recalled',
    data: { eventId: payload.eventId, url: payload.url },
  }));
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const data = event.notification.data as { eventId?: unknown; url?: unknown } | null;
  if (typeof data?.eventId !== 'string' || typeof data.url !== 'string') return;
  event.waitUntil(focusOrOpen(data.eventId, data.url));
});

/** The event's page if one is open (focused, so the fan answers there and keeps one connection), else a new one. */
async function focusOrOpen(eventId: string, url: string): Promise<void> {
  const target = new URL(url, self.location.origin);
  if (target.origin !== self.location.origin) return;
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const open = windows.find((client) => {
    const at = new URL(client.url);
    return at.origin === target.origin && at.pathname === '/' && (at.searchParams.get('event') ?? 'demo') === eventId;
  });
  if (open !== undefined) {
    await open.focus();
    return;
  }
  await self.clients.openWindow(target.href);
}
