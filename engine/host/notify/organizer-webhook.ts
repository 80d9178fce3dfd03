/**
 * The organizer webhook: `fan.waitlisted`, `fan.recalled`, `fan.called` and
 * `fan.soldOut`, and for registration draws `fan.invited` (with the access
 * code) and `fan.notInvited` (with the waitlist position), so an organizer
 * can e-mail or text its fans from its own systems. Built in
 * the engine process from the journal entries (once per entry, whatever the
 * number of gateway processes), signed like the payment webhooks
 * (Breakwater-Signature: t=…,v1=HMAC-SHA256(secret, "t.body")), delivered at
 * least once: a few retries, never holding the engine up. Fan lists are sent
 * in batches of WEBHOOK_BATCH; receivers dedupe by fan id.
 */
import { grantIdOf, type JournalEntry, type SaleEvent } from '../../src/index.js';
import type { NotifyWebhook } from '../event-settings.js';
import { signWebhook } from './webhook-signature.js';

export const WEBHOOK_BATCH = 1_000;
export const WEBHOOK_TYPE_HEADER = 'breakwater-webhook-type';
/** Waits between delivery attempts of a webhook or a push. */
export const RETRY_DELAYS_MS = [1_000, 5_000, 30_000];

export type OrganizerWebhook =
  /**
   * These fans are on the waitlist (number `waitlisted` on it when sent): they may close the page and will be called.
   * `early`: tickets are still free, but those left cannot reach their places (the early waitlist).
   */
  | { type: 'fan.waitlisted'; eventId: string; at: number; fans: Array<{ fanId: string; waitlisted: number; early: boolean }> }
  /**
   * These fans closed the page far back (beyond the away horizon) and the
   * horizon has come to them: they must come back by `answerBy` or lose the place.
   */
  | { type: 'fan.recalled'; eventId: string; at: number; fans: Array<{ fanId: string; answerBy: number }> }
  /** These fans are called: a grant they must use by `expiresAt`. */
  | { type: 'fan.called'; eventId: string; at: number; fans: Array<{ fanId: string; grantId: string; expiresAt: number }> }
  /** Sold out, final: these fans were still waiting. */
  | { type: 'fan.soldOut'; eventId: string; at: number; fans: Array<{ fanId: string }> }
  /**
   * The registration draw (or the organizer's "invite the next N") invited
   * these accounts: each has an access code bound to it for phase `phaseId`,
   * and its rank in the draw.
   */
  | { type: 'fan.invited'; eventId: string; at: number; phaseId: string; fans: Array<{ fanId: string; code: string; rank: number }> }
  /**
   * The registration draw did not invite these accounts: they wait at
   * `waitlistPosition` (from 1, at the draw) and are invited in that order
   * if invitees do not use their codes.
   */
  | { type: 'fan.notInvited'; eventId: string; at: number; fans: Array<{ fanId: string; rank: number; waitlistPosition: number }> };

/**
 * What the organizer hears of these entries, read against the event's state
 * after them. `notifiedAfter` is the waitlist boundary already told (per
 * event, kept by the caller), so a shrinking standby tells only the places
 * it newly waitlisted.
 */
export function webhooksOf(sale: SaleEvent, entries: readonly JournalEntry[], notifiedAfter: Map<string, number>): OrganizerWebhook[] {
  const eventId = sale.id;
  const hooks: OrganizerWebhook[] = [];
  const waitlisted = new Set<string>();
  let waitlistedAt = 0;
  for (const entry of entries) {
    switch (entry.type) {
      case 'standby':
      case 'earlyWaitlist': {
        const upTo = notifiedAfter.get(eventId) ?? Infinity;
        for (const fanId of sale.room.waitingFansBetween(entry.waitlistAfter, upTo)) waitlisted.add(fanId);
        notifiedAfter.set(eventId, entry.waitlistAfter);
        waitlistedAt = entry.at;
        break;
      }
      case 'waitlistEnded':
        notifiedAfter.delete(eventId);
        break;
      case 'joined':
        if (notifiedAfter.has(eventId)) {
          waitlisted.add(entry.fanId);
          waitlistedAt = entry.at;
        }
        break;
      case 'recalled':
        batches(entry.fanIds.map((fanId) => ({ fanId, answerBy: entry.answerBy })))
          .forEach((fans) => hooks.push({ type: 'fan.recalled', eventId, at: entry.at, fans }));
        break;
      case 'called':
        batches(entry.fanIds.map((fanId, i) => ({ fanId, grantId: grantIdOf(entry.firstGrant, i), expiresAt: entry.grantExpiresAt })))
          .forEach((fans) => hooks.push({ type: 'fan.called', eventId, at: entry.at, fans }));
        break;
      case 'soldOut':
        batches(sale.room.waitingFansBetween(0, Infinity).map((fanId) => ({ fanId })))
          .forEach((fans) => hooks.push({ type: 'fan.soldOut', eventId, at: entry.at, fans }));
        break;
      case 'codesAdded': {
        // Codes bound to accounts are invitations: the draw's, or the organizer's next N.
        const { accounts, phaseId } = entry;
        if (accounts === undefined || phaseId === undefined) break;
        batches(accounts.map((fanId, k) => ({ fanId, code: entry.codes[k]!, rank: sale.registrationOf(fanId).rank! })))
          .forEach((fans) => hooks.push({ type: 'fan.invited', eventId, at: entry.at, phaseId, fans }));
        break;
      }
      case 'registrationDrawn': {
        const waiting = sale.registration.fansAtRanks(entry.invitations, entry.count)
          .map((fanId, k) => ({ fanId, rank: entry.invitations + k + 1, waitlistPosition: k + 1 }));
        batches(waiting).forEach((fans) => hooks.push({ type: 'fan.notInvited', eventId, at: entry.at, fans }));
        break;
      }
      default:
        break;
    }
  }
  // Read after the whole batch: a fan waitlisted and then called in it is told only of the call.
  const still = [...waitlisted].flatMap((fanId) => {
    const view = sale.fanView(fanId);
    return view.waitlisted === undefined ? [] : [{ fanId, waitlisted: view.waitlisted, early: view.waitlistEarly === true }];
  });
  batches(still).forEach((fans) => hooks.unshift({ type: 'fan.waitlisted', eventId, at: waitlistedAt, fans }));
  return hooks;
}

function batches<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += WEBHOOK_BATCH) out.push(items.slice(i, i + WEBHOOK_BATCH));
  return out;
}

export interface DeliveryDeps {
  fetch: typeof fetch;
  now: () => number;
  log: (message: string) => void;
  /** Waits between attempts (tests pass a quick one). */
  sleep?: (ms: number) => Promise<void>;
}

/** POSTs one webhook, signed; retried on a network error or a non-2xx answer. Resolves true once delivered. */
export async function deliverWebhook(target: NotifyWebhook, hook: OrganizerWebhook, deps: DeliveryDeps): Promise<boolean> {
  const body = new TextEncoder().encode(JSON.stringify(hook));
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref()));
  for (let attempt = 0; ; attempt++) {
    let failure: string;
    try {
      const response = await deps.fetch(target.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'breakwater-signature': signWebhook(target.secret, body, deps.now()), [WEBHOOK_TYPE_HEADER]: hook.type },
        body,
      });
      if (response.ok) return true;
      failure = `HTTP ${response.status}`;
    } catch (err) {
      failure = String(err);
    }
    const delay = RETRY_DELAYS_MS[attempt];
    if (delay === undefined) {
      deps.log(`organizer webhook ${hook.type} for ${hook.eventId} not delivered after ${attempt + 1} attempts: ${failure}`);
      return false;
    }
    await sleep(delay);
  }
}
