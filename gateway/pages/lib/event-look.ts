/**
 * The organizer's part of the fan page: the event's colours and logo, its
 * message to the queue, and a pause before the on-sale. Everything is set as
 * text or as a CSS custom property, never as HTML: the server checked the
 * colours (#rrggbb) and the logo is an image of this origin (the CSP allows
 * no other), but the page does not rely on it.
 */
import { $ } from './dom.js';

export interface EventLook {
  name: string;
  branding?: { accent: string | null; accentInk: string | null; background: string | null; logoUrl: string | null };
  announcement?: { text: string; at: number } | null;
  pausedBeforeSale?: boolean;
}

const HEX = /^#[0-9a-f]{6}$/i;
const SAME_ORIGIN_LOGO = /^\/api\/public\/events\/[^/?#]+\/logo(\?v=[0-9a-f]+)?$/;

/** The event's colours (the page's own where it sets none) and its logo. */
export function applyBranding(look: EventLook): void {
  const root = document.documentElement.style;
  const set = (property: string, value: string | null | undefined) => {
    if (value != null && HEX.test(value)) root.setProperty(property, value);
    else root.removeProperty(property);
  };
  set('--accent', look.branding?.accent);
  set('--accent-ink', look.branding?.accentInk);
  set('--bg', look.branding?.background);
  const logo = $<HTMLImageElement>('#event-logo');
  const url = look.branding?.logoUrl ?? null;
  logo.hidden = url === null || !SAME_ORIGIN_LOGO.test(url);
  if (!logo.hidden && logo.getAttribute('src') !== url) logo.src = url!;
  logo.alt = `${look.name} logo`;
}

/** The organizer's message to everyone in the queue; null or '' takes it down. */
export function showAnnouncement(text: string | null | undefined): void {
  const element = $('#announcement');
  element.hidden = text == null || text === '';
  $('#announcement-text').textContent = text ?? '';
}

/** Before the on-sale, a pause means the sale will not start at its time. */
export function showPausedBeforeSale(paused: boolean): void {
  $('#paused-before-sale').hidden = !paused;
}
