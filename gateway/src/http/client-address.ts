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
import { ipv6Groups } from '../../../engine/src/index.js';

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

/**
 * One address, one key, however it is spelled: IPv4 clients on a dual-stack
 * socket (::ffff:a.b.c.d, uWS's zero-padded form) become a.b.c.d, and IPv6
 * takes its canonical short form (RFC 5952: 2001:db8::1).
 */
export function normalizeAddress(address: string): string {
  const lower = address.toLowerCase();
  const groups = ipv6Groups(lower);
  if (groups === undefined) return lower;
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const [hi, lo] = [groups[6]!, groups[7]!];
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return canonicalIpv6(groups);
}

/** The longest run of two or more zero groups (the first of equals) becomes `::`. */
function canonicalIpv6(groups: number[]): string {
  let best = { start: -1, length: 1 };
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.length) best = { start: i, length: j - i };
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.start < 0) return hex.join(':');
  return `${hex.slice(0, best.start).join(':')}::${hex.slice(best.start + best.length).join(':')}`;
}
