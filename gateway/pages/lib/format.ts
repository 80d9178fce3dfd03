/** How the pages write amounts, countdowns and waits: pure functions, unit-tested in gateway/test/page-format.test.ts. */
import type { TicketOutlook, TicketSupply } from '../../src/protocol/index.js';

/** `amount` in minor units (cents); an unknown currency code still shows the figure. */
export function money(amount: number, currency: string): string {
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(amount / 100);
  } catch {
    return `${(amount / 100).toFixed(2)} ${currency}`;
  }
}

/** A countdown: `mm:ss`, `h:mm:ss`, or days, hours and minutes when it is that far off. Rounds up, never below 0. */
export function clock(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const days = Math.floor(total / 86_400);
  const hours = Math.floor((total % 86_400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const mmss = `${String(minutes).padStart(2, '0')}:${String(seconds).padStart(2, '0')}`;
  if (days > 0) return `${days} d ${hours} h ${minutes} min`;
  return hours > 0 ? `${hours}:${mmss}` : mmss;
}

export function duration(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/** The ETA range in seconds as the fan reads it; a range that rounds to one figure is said once. */
export function etaText(low: number, high: number): string {
  if (high === 0) return 'any moment now';
  const a = duration(low);
  const b = duration(high);
  return a === b ? `about ${a}` : `${a} – ${b}`;
}

/** Where a time is written: the fan's own locale and zone unless a test pins them. */
export interface TimeStyle { locale?: string; timeZone?: string }

/** A date and time with its time zone ("7 Dec 2026, 20:00 CET"): a fan abroad must not guess whose 20:00 it is. */
export function dateTime(at: number, style: TimeStyle = {}): string {
  return new Date(at).toLocaleString(style.locale, {
    year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short', timeZone: style.timeZone,
  });
}

/** A time of day to the second, with its time zone ("20:00:30 CET"). */
export function timeOfDay(at: number, style: TimeStyle = {}): string {
  return new Date(at).toLocaleTimeString(style.locale, { hour: '2-digit', minute: '2-digit', second: '2-digit', timeZoneName: 'short', timeZone: style.timeZone });
}

/** The outlook from `ticketOutlook`, said with the figures behind it when the page has them. */
export function outlookText(outlook: TicketOutlook, supply: TicketSupply | null): string {
  const left = supply === null ? ''
    : `${supply.ticketsFree.toLocaleString()} tickets left${supply.ticketsHeld > 0 ? ` (and ${supply.ticketsHeld.toLocaleString()} in payment windows)` : ''}; fans take about ${supply.ticketsPerFan.toLocaleString(undefined, { maximumFractionDigits: 1 })} each. `;
  switch (outlook) {
    case 'likely':
      return `${left}They should still be there when you reach the front.`;
    case 'close':
      return `${left}It will be close: it depends on what the fans ahead of you buy and on held tickets coming back.`;
    case 'unlikely':
      return `${left}They will most likely run out before your turn. Held tickets that come back go to the next fans in line, so staying costs you only time.`;
  }
}

/**
 * When a place without a number gets one (`joined.numberedAt`): by the draw at
 * the start (at or before the on-sale time) or later, by the start window's
 * draw or the slow lane. Empty once numbered or when unknown.
 */
export function numberedAtText(number: number, numberedAt: number | null, onSaleAt: number, style: TimeStyle = {}): string {
  if (number > 0 || numberedAt === null) return '';
  return numberedAt <= onSaleAt
    ? `Your place is drawn at ${timeOfDay(numberedAt, style)}.`
    : `Your place gets its number at ${timeOfDay(numberedAt, style)}.`;
}

/** Who tells a fan with the page closed that its turn may come: this device (Web Push kept), the organizer (its webhook is set). */
export interface RecallChannels { device: boolean; organizer: boolean }

/**
 * The banner of a place beyond the away horizon (`queue.awayAfter`): the fan
 * may close the page, the place is kept, and how it will be told to come
 * back, in how long — or, with no way to tell it, that it should not rely on it.
 */
export function awayText(number: number, awayAfter: number, answerMs: number, channels: RecallChannels): string {
  const head = `Tickets are unlikely to reach your place: every ticket left could serve the fans up to number ${awayAfter.toLocaleString()}, and yours is ${number.toLocaleString()}.`;
  const answer = `you then have ${duration(Math.round(answerMs / 1000))} to come back, or the place goes to the next fan`;
  const told = channels.device && channels.organizer ? 'this device notifies you and the organizer may e-mail or text you'
    : channels.device ? 'this device notifies you'
    : channels.organizer ? 'the organizer may e-mail or text you (turn on notifications to be told on this device too)'
    : null;
  if (told === null) {
    return `${head} You may close this page — your place is kept — but nothing can tell you with it closed if tickets may reach you after all: turn on notifications, or look back here. If they may, ${answer}.`;
  }
  return `${head} You may close this page — your place is kept however long you are away. If tickets may reach it after all, ${told}; ${answer}.`;
}
