/**
 * An event's look on the fan page: an accent colour (buttons, links, the
 * progress bar), a page background, and a logo. Everything is checked here,
 * where the settings are changed, because the fan page puts it in front of
 * every fan:
 *
 * - colours are `#rrggbb` only (no CSS text reaches the page), readable
 *   (WCAG AA: the accent as link text on the white cards and the event's
 *   name on the background at 4.5:1 or more);
 * - the logo is an upload, never a URL: a URL would need the pages' CSP
 *   opened to another host and would tell that host every fan's address. Only
 *   PNG, JPEG and WebP, recognised by their first bytes (SVG can carry
 *   script), at most MAX_LOGO_BYTES; it is served from this origin with its
 *   own type, `nosniff` and a sandboxing CSP (public-api.ts).
 */
import { createHash } from 'node:crypto';
import type { ConfigIssue } from '../src/index.js';

export const MAX_LOGO_BYTES = 100 * 1024;
export const LOGO_TYPES = ['image/png', 'image/jpeg', 'image/webp'] as const;
export type LogoType = (typeof LOGO_TYPES)[number];

export interface LogoImage {
  contentType: LogoType;
  /** The image, base64. */
  data: string;
  /** SHA-256 of the image, hex: its version in URLs and its ETag. */
  sha256: string;
}

export interface Branding {
  accent: string | null;
  background: string | null;
  logo: LogoImage | null;
}

export const DEFAULT_BRANDING: Branding = { accent: null, background: null, logo: null };

/** The colours of gateway/public/style.css the checks measure against: the cards and the text. */
const CARD = '#ffffff';
const INK = '#17202a';
const MIN_CONTRAST = 4.5;
const HEX = /^#[0-9a-f]{6}$/;

/** WCAG 2 relative luminance of `#rrggbb`. */
function luminance(hex: string): number {
  const channel = (i: number) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}

/** WCAG 2 contrast ratio of two `#rrggbb` colours, from 1 to 21. */
export function contrastRatio(a: string, b: string): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (light + 0.05) / (dark + 0.05);
}

/** Black or white, whichever reads better on `background` (the text of accent-coloured buttons). */
export function inkOn(background: string): '#000000' | '#ffffff' {
  return contrastRatio(background, '#000000') >= contrastRatio(background, '#ffffff') ? '#000000' : '#ffffff';
}

/** The image type its first bytes say, if it is one a logo may be. */
export function sniffLogoType(bytes: Uint8Array): LogoType | undefined {
  const starts = (...prefix: number[]) => prefix.every((byte, i) => bytes[i] === byte);
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'image/png';
  if (starts(0xff, 0xd8, 0xff)) return 'image/jpeg';
  if (starts(0x52, 0x49, 0x46, 0x46) && bytes[8] === 0x57 && bytes[9] === 0x45 && bytes[10] === 0x42 && bytes[11] === 0x50) return 'image/webp';
  return undefined;
}

/** A logo from its bytes; the issue when they cannot be one. */
export function logoOf(bytes: Uint8Array, field: string, issues: ConfigIssue[]): LogoImage | undefined {
  if (bytes.byteLength === 0 || bytes.byteLength > MAX_LOGO_BYTES) {
    issues.push({ field, reason: `must be an image of 1 to ${MAX_LOGO_BYTES} bytes` });
    return undefined;
  }
  const contentType = sniffLogoType(bytes);
  if (contentType === undefined) {
    issues.push({ field, reason: 'must be a PNG, JPEG or WebP image' });
    return undefined;
  }
  const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { contentType, data: data.toString('base64'), sha256: createHash('sha256').update(data).digest('hex') };
}

function colourOf(value: unknown, field: string, issues: ConfigIssue[]): string | null | undefined {
  if (value === null) return null;
  if (typeof value !== 'string' || !HEX.test(value.toLowerCase())) {
    issues.push({ field, reason: 'must be a colour as #rrggbb (or null for the default)' });
    return undefined;
  }
  return value.toLowerCase();
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * `current` with a patch `{ accent?, background?, logo? }` applied: colours
 * `#rrggbb` or null (the default); the logo `{ data }` (base64 of the image:
 * what PUT /api/events/{id}/logo sends) or null (none). Issues are named
 * `settings.branding.…`.
 */
export function applyBrandingPatch(current: Branding, patch: unknown, issues: ConfigIssue[]): Branding {
  const field = 'settings.branding';
  if (!isObject(patch)) {
    issues.push({ field, reason: 'must be an object { accent, background, logo }' });
    return current;
  }
  const next: Branding = { ...current };
  for (const key of Object.keys(patch)) if (key !== 'accent' && key !== 'background' && key !== 'logo') issues.push({ field: `${field}.${key}`, reason: 'is not a known field' });
  for (const key of ['accent', 'background'] as const) {
    if (patch[key] === undefined) continue;
    const colour = colourOf(patch[key], `${field}.${key}`, issues);
    if (colour !== undefined) next[key] = colour;
  }
  if (patch.logo === null) next.logo = null;
  else if (patch.logo !== undefined) {
    const data = isObject(patch.logo) ? patch.logo.data : undefined;
    if (typeof data !== 'string' || data.length > Math.ceil(MAX_LOGO_BYTES / 3) * 4 || !/^[A-Za-z0-9+/]*={0,2}$/.test(data)) {
      issues.push({ field: `${field}.logo`, reason: `must be { data }, the image in base64 (at most ${MAX_LOGO_BYTES} bytes), or null` });
    } else {
      const logo = logoOf(Buffer.from(data, 'base64'), `${field}.logo`, issues);
      if (logo !== undefined) next.logo = logo;
    }
  }
  if (next.accent !== null && contrastRatio(next.accent, CARD) < MIN_CONTRAST) {
    issues.push({ field: `${field}.accent`, reason: `is too light for link text on the white cards: contrast ${contrastRatio(next.accent, CARD).toFixed(1)}:1, at least ${MIN_CONTRAST}:1 needed` });
  }
  if (next.background !== null && contrastRatio(next.background, INK) < MIN_CONTRAST) {
    issues.push({ field: `${field}.background`, reason: `is too dark for the page's text: contrast ${contrastRatio(next.background, INK).toFixed(1)}:1, at least ${MIN_CONTRAST}:1 needed` });
  }
  return next;
}

/** What the fan page gets: the colours, the accent's ink, and where the logo is (its hash in the URL, so it can be cached for good). */
export function publicBranding(eventId: string, branding: Branding): { accent: string | null; accentInk: string | null; background: string | null; logoUrl: string | null } {
  return {
    accent: branding.accent,
    accentInk: branding.accent === null ? null : inkOn(branding.accent),
    background: branding.background,
    logoUrl: branding.logo === null ? null : `/api/public/events/${encodeURIComponent(eventId)}/logo?v=${branding.logo.sha256.slice(0, 16)}`,
  };
}

/** The organizer's view: the logo without its bytes (`data` ''), which the list of events, read every few seconds, need not carry; the image is at its public URL. */
export function brandingForOrganizer(branding: Branding): Branding {
  return branding.logo === null ? branding : { ...branding, logo: { ...branding.logo, data: '' } };
}
