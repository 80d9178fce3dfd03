/**
 * The headers that keep the pages to themselves. The Content-Security-Policy
 * lets a page run only its own scripts (the fan page's one inline script by
 * its hash), talk only to its own origin (the API and the WebSocket), and be
 * framed by nobody; style attributes stay allowed (they cannot run code).
 * X-Frame-Options says the same as frame-ancestors to browsers that predate
 * it; no Referer leaves a page, so its address (and an organizer's fragment)
 * never travels elsewhere.
 */
import { createHash } from 'node:crypto';

export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
};

const INLINE_SCRIPT = /<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/gi;

/** The policy for one HTML page: its inline scripts are allowed by their SHA-256. */
export function contentSecurityPolicy(html: string): string {
  const hashes = [...html.matchAll(INLINE_SCRIPT)].map(([, body]) => `'sha256-${createHash('sha256').update(body!).digest('base64')}'`);
  return [
    "default-src 'self'",
    `script-src ${["'self'", ...hashes].join(' ')}`,
    "style-src 'self'",
    "style-src-attr 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "worker-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}
