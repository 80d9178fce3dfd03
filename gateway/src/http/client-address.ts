/**
 * The client's address as text, read while the uWS request is still valid.
 *
 * Behind N trusted proxies (`--trust-proxy N`), each proxy appends the address
 * it received the request from to `X-Forwarded-For`, and the socket peer is the
 * last proxy. So the last N−1 entries are the inner proxies' own addresses, the
 * entry before them is the client as the outermost proxy saw it, and anything
 * further left is whatever the client sent: forgeable. A list too short for N
 * proxies (the request skipped one, e.g. reached an inner proxy directly) or an
 * entry that is not an address proves nothing, so the address is then the
 * socket peer's: the one address nobody can forge. Such requests share that
 * peer's budgets, which is the safe direction — a forged header can never buy
 * a client a fresh key or an exempt one.
 */
import { isIP } from 'node:net';
import type { HttpRequest, HttpResponse, WebSocket } from 'uWebSockets.js';

const decoder = new TextDecoder();

export function remoteAddress(res: HttpResponse | WebSocket<unknown>, forwardedFor: string, trustedProxies: number): string {
  return clientAddress(normalizeAddress(decoder.decode(res.getRemoteAddressAsText())), forwardedFor, trustedProxies);
}

/** The client address given the socket peer, the X-Forwarded-For list and the number of trusted proxies in front (0: none). */
export function clientAddress(peer: string, forwardedFor: string, trustedProxies: number): string {
  if (trustedProxies < 1) return peer;
  const entries = forwardedFor.split(',');
  const index = entries.length - trustedProxies;
  if (index < 0) return peer;
  return addressOf(entries[index]!) ?? peer;
}

/**
 * Every X-Forwarded-For line of the request, in order, as one list: a proxy may
 * add its own line instead of appending to the client's (uWS `getHeader` gives
 * only the first, which is the client's).
 */
export function forwardedForOf(req: HttpRequest): string {
  const lines: string[] = [];
  req.forEach((key, value) => {
    if (key === 'x-forwarded-for') lines.push(value);
  });
  return lines.join(',');
}

/** One list entry as a normalized address without its port, or undefined when it is not an address. */
export function addressOf(entry: string): string | undefined {
  let text = entry.trim();
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(text);
  if (bracketed !== null) text = bracketed[1]!;
  else if (/^[\d.]+:\d{1,5}$/.test(text)) text = text.slice(0, text.lastIndexOf(':'));
  return isIP(text) === 0 ? undefined : normalizeAddress(text);
}

/** IPv4 clients on a dual-stack socket show up as ::ffff:a.b.c.d; one address, one key. */
export function normalizeAddress(address: string): string {
  const lower = address.toLowerCase();
  if (lower.startsWith('::ffff:') && isIP(lower.slice(7)) === 4) return lower.slice(7);
  const mapped = /^(?:0000:){5}ffff:([0-9a-f]{4}):([0-9a-f]{4})$/.exec(lower) ?? /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (mapped !== null) {
    const hi = parseInt(mapped[1]!, 16);
    const lo = parseInt(mapped[2]!, 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return lower;
}
