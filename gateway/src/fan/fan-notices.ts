/**
 * What the journal tells fans. Per-fan messages go to that fan's socket only;
 * event-wide changes go once to the event's topic. Things a fan asked for on
 * its own connection (held, extended, payment started, released, left) are
 * answered by the reply to that request, so they are not repeated here;
 * a payment started from the payment queue is news (`paymentReady`).
 */
import { grantIdOf, PRE_QUEUE_DRAW, type JournalEntry } from '../../../engine/src/index.js';
import type { ServerMessage } from '../protocol/messages.js';

/** One message, for one fan (`fanId`) or for every fan of the event (`fanId` undefined), in journal order. */
export interface Notice {
  fanId: string | undefined;
  message: ServerMessage;
}

export function noticesOf(eventId: string, entries: readonly JournalEntry[], holdOwners: Readonly<Record<string, string>>): Notice[] {
  const notices: Notice[] = [];
  const toFan = (fanId: string | undefined, message: ServerMessage): void => {
    if (fanId !== undefined) notices.push({ fanId, message });
  };
  const toEvent = (message: ServerMessage): void => {
    notices.push({ fanId: undefined, message });
  };
  for (const entry of entries) {
    switch (entry.type) {
      case 'admitted':
        entry.fanIds.forEach((fanId, i) => {
          toFan(fanId, { t: 'admitted', eventId, grantId: grantIdOf(entry.firstGrant, i), expiresAt: entry.grantExpiresAt });
        });
        break;
      case 'called':
        entry.fanIds.forEach((fanId, i) => {
          toFan(fanId, { t: 'called', eventId, grantId: grantIdOf(entry.firstGrant, i), expiresAt: entry.grantExpiresAt });
        });
        break;
      case 'standby':
      case 'earlyWaitlist':
        toEvent({ t: 'waitlist', eventId, at: entry.at, open: true, waitlistAfter: entry.waitlistAfter, waitlistUpTo: null, early: entry.type === 'earlyWaitlist' });
        break;
      case 'waitlistEnded':
        toEvent({ t: 'waitlist', eventId, at: entry.at, open: false, waitlistAfter: entry.waitlistAfter, waitlistUpTo: entry.waitlistUpTo, early: false });
        break;
      case 'grantExpired':
        toFan(entry.fanId, { t: 'grantExpired', eventId, grantId: entry.grantId });
        break;
      case 'left':
        if (entry.reason === 'presenceLost') toFan(entry.fanId, { t: 'placeLost', eventId, reason: 'presenceLost' });
        break;
      case 'expired':
        toFan(holdOwners[entry.holdId], { t: 'holdExpired', eventId, holdId: entry.holdId });
        break;
      case 'purchased':
        toFan(holdOwners[entry.holdId], { t: 'purchased', eventId, holdId: entry.holdId, paymentId: entry.paymentId });
        break;
      case 'paymentStarted':
        // A payment out of the payment queue: the fan's page sends the same `pay` again for its checkout.
        if (entry.queued === true) toFan(holdOwners[entry.holdId], { t: 'paymentReady', eventId, holdId: entry.holdId, paymentId: entry.paymentId, channel: entry.channel ?? '' });
        break;
      case 'paymentFailed':
        toFan(holdOwners[entry.holdId], {
          t: 'paymentFailed', eventId, holdId: entry.holdId, paymentId: entry.paymentId, reason: entry.reason, expiresAt: entry.expiresAt,
        });
        break;
      case 'preQueueOpened':
        toEvent({ t: 'preQueueOpened', eventId, at: entry.at, commitment: entry.commitment });
        break;
      case 'drawn':
        // The pre-queue draw (at the start window's end) reveals the seed; the sale itself started at onSaleAt.
        if (entry.draw === PRE_QUEUE_DRAW) toEvent({ t: 'saleStarted', eventId, at: entry.at, seed: entry.seed });
        break;
      case 'orderCancelled':
        toFan(holdOwners[entry.holdId], { t: 'orderCancelled', eventId, holdId: entry.holdId, reason: entry.reason });
        break;
      case 'announced':
        toEvent({ t: 'announcement', eventId, at: entry.at, text: entry.text });
        break;
      case 'paused':
      case 'resumed':
        // A pause before the sale changes no phase: fans read it with the event (publicInfo's pausedBeforeSale).
        if (entry.beforeSale !== true) toEvent({ t: entry.type, eventId, at: entry.at });
        break;
      case 'soldOut':
      case 'reopened':
      case 'closed':
        toEvent({ t: entry.type, eventId, at: entry.at });
        break;
      default:
        break;
    }
  }
  return notices;
}
