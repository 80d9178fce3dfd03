/**
 * Web Push to fans whose page is closed: `called` (your turn, answer within
 * X), `recalled` (your turn may come, come back by HH:MM), `waitlisted` and `soldOut`, read from the same per-fan lists as the
 * organizer webhook (organizer-webhook.ts), so they are sent once per
 * deployment, from next to the engine. Each push is a small JSON payload
 * encrypted for the subscription (aes128gcm, RFC 8291) with a VAPID token
 * (RFC 8292) by the `web-push` package, posted with retries like the
 * webhook; a push service answering 404 or 410 says the subscription is gone,
 * and it is dropped.
 */
import { createHash } from 'node:crypto';
import webpush from 'web-push';
import { RETRY_DELAYS_MS, type OrganizerWebhook } from './organizer-webhook.js';
import { checkSubscription, PushSubscriptions, type PushSubscriptionKeys } from './push-subscriptions.js';
import type { WebPushConfig } from './web-push-config.js';

/** What the service worker (gateway/pages/sw/sw.ts) gets: it shows `title` and `body`, and a click opens `url`. */
export interface PushPayload {
  type: 'called' | 'recalled' | 'waitlisted' | 'soldOut';
  eventId: string;
  title: string;
  body: string;
  url: string;
}

interface Push {
  fanId: string;
  payload: PushPayload;
  /** Seconds the push service may keep it for an offline device: a call is worth nothing after its deadline. */
  ttlSeconds: number;
  urgency: 'high' | 'normal';
}

const DAY_SECONDS = 86_400;
/** Pushes in flight at once: a sell-out tells every subscribed fan, and must not open a socket per fan at once. */
const MAX_IN_FLIGHT = 32;

function fanPageUrl(eventId: string): string {
  return `/?event=${encodeURIComponent(eventId)}`;
}

function within(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes >= 2) return `${minutes} minutes`;
  const seconds = Math.max(0, Math.round(ms / 1000));
  return `${seconds} second${seconds === 1 ? '' : 's'}`;
}

/** HH:MM UTC: the server does not know the device's time zone, so it names the one it uses. */
function utcTimeOfDay(at: number): string {
  return `${new Date(at).toISOString().slice(11, 16)} UTC`;
}

/** The pushes the organizer webhooks of one journal batch stand for, in their order. */
function pushesOf(eventName: string, hooks: readonly OrganizerWebhook[]): Push[] {
  const pushes: Push[] = [];
  for (const hook of hooks) {
    const { eventId } = hook;
    const url = fanPageUrl(eventId);
    switch (hook.type) {
      case 'fan.called':
        for (const fan of hook.fans) {
          const ms = fan.expiresAt - hook.at;
          pushes.push({
            fanId: fan.fanId, urgency: 'high', ttlSeconds: Math.max(0, Math.floor(ms / 1000)),
            payload: { type: 'called', eventId, url, title: `${eventName}: it is your turn`, body: `Tickets came back for you. Answer within ${within(ms)}, or they go to the next fan.` },
          });
        }
        break;
      case 'fan.recalled':
        for (const fan of hook.fans) {
          const ms = fan.answerBy - hook.at;
          pushes.push({
            fanId: fan.fanId, urgency: 'high', ttlSeconds: Math.max(0, Math.floor(ms / 1000)),
            payload: {
              type: 'recalled', eventId, url, title: `${eventName}: your turn may come`,
              body: `Your turn may come: come back by ${utcTimeOfDay(fan.answerBy)} (within ${within(ms)}) to keep your place.`,
            },
          });
        }
        break;
      case 'fan.waitlisted':
        for (const fan of hook.fans) {
          pushes.push({
            fanId: fan.fanId, urgency: 'normal', ttlSeconds: DAY_SECONDS,
            payload: {
              type: 'waitlisted', eventId, url,
              title: fan.early ? `${eventName}: the tickets left cannot reach your place` : `${eventName}: all tickets are taken`,
              body: `You are number ${fan.waitlisted} on the waitlist. You may close the page: you will be told here if tickets ${fan.early ? 'remain' : 'come back'} for you.`,
            },
          });
        }
        break;
      case 'fan.soldOut':
        for (const fan of hook.fans) {
          pushes.push({
            fanId: fan.fanId, urgency: 'normal', ttlSeconds: DAY_SECONDS,
            payload: { type: 'soldOut', eventId, url, title: `${eventName}: sold out`, body: 'Every ticket is sold and none can come back.' },
          });
        }
        break;
    }
  }
  return pushes;
}

export interface FanPushDeps {
  fetch: typeof fetch;
  log: (message: string) => void;
  /** Waits between attempts (tests pass a quick one). */
  sleep?: (ms: number) => Promise<void>;
  /** A fan's subscriptions changed (added, or dropped on a 404/410): for a durable copy (cluster mode). */
  changed?: (eventId: string, fanId: string, subscriptions: PushSubscriptionKeys[]) => void;
}

export type PushOutcome = 'delivered' | 'gone' | 'failed';

export class FanPush {
  readonly subscriptions = new PushSubscriptions();
  private inFlight = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly config: WebPushConfig, private readonly deps: FanPushDeps) {}

  /** Checks and keeps a fan's subscription (PUSH_SUBSCRIPTION_INVALID changes nothing). */
  subscribe(eventId: string, fanId: string, subscription: PushSubscriptionKeys): void {
    checkSubscription(subscription, this.config.extraOrigins);
    const subscriptions = this.subscriptions.add(eventId, fanId, subscription);
    this.deps.changed?.(eventId, fanId, subscriptions);
  }

  /** Sends what these webhooks stand for to every subscribed device of their fans; never waits for delivery. */
  send(eventName: string, hooks: readonly OrganizerWebhook[]): void {
    for (const push of pushesOf(eventName, hooks)) {
      for (const subscription of this.subscriptions.of(push.payload.eventId, push.fanId)) {
        void this.limited(() => this.deliver(push, subscription));
      }
    }
  }

  /** Posts one push, retried on a network error, a 429 or a 5xx; resolves with what became of it. */
  private async deliver(push: Push, subscription: PushSubscriptionKeys): Promise<PushOutcome> {
    const { eventId } = push.payload;
    const request = webpush.generateRequestDetails(
      { endpoint: subscription.endpoint, keys: { p256dh: subscription.p256dh, auth: subscription.auth } },
      JSON.stringify(push.payload),
      { vapidDetails: { subject: this.config.subject, ...this.config.keys }, TTL: push.ttlSeconds, urgency: push.urgency, topic: topicOf(eventId), contentEncoding: 'aes128gcm' },
    );
    // fetch sets Content-Length itself; every other header goes as text.
    const headers = Object.fromEntries(Object.entries(request.headers).filter(([name]) => name.toLowerCase() !== 'content-length').map(([name, value]) => [name, String(value)]));
    const sleep = this.deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref()));
    for (let attempt = 0; ; attempt++) {
      let failure: string;
      let retry = true;
      try {
        const response = await this.deps.fetch(request.endpoint, { method: 'POST', headers, body: request.body });
        if (response.ok) return 'delivered';
        if (response.status === 404 || response.status === 410) {
          const rest = this.subscriptions.remove(eventId, push.fanId, subscription.endpoint);
          if (rest !== undefined) this.deps.changed?.(eventId, push.fanId, rest);
          return 'gone';
        }
        failure = `HTTP ${response.status}`;
        retry = response.status === 429 || response.status >= 500;
      } catch (err) {
        failure = String(err);
      }
      const delay = RETRY_DELAYS_MS[attempt];
      if (!retry || delay === undefined) {
        this.deps.log(`push ${push.payload.type} for ${push.fanId} of ${eventId} not delivered after ${attempt + 1} attempts: ${failure}`);
        return 'failed';
      }
      await sleep(delay);
    }
  }

  private async limited<T>(run: () => Promise<T>): Promise<T> {
    if (this.inFlight >= MAX_IN_FLIGHT) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.inFlight++;
    try {
      return await run();
    } finally {
      this.inFlight--;
      this.waiting.shift()?.();
    }
  }
}

/** One topic per event: a push service keeps only the latest undelivered push of an event for a device (a call replaces "waitlisted"). */
function topicOf(eventId: string): string {
  return createHash('sha256').update(eventId).digest('base64url').slice(0, 32);
}
