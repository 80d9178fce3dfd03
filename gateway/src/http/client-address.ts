/** The client's address as text, read while the uWS request is still valid. */
import type { HttpResponse, WebSocket } from 'uWebSockets.js';

const decoder = new TextDecoder();

export function remoteAddress(res: HttpResponse | WebSocket<unknown>, forwardedFor: string, trustProxy: boolean): string {
  if (trustProxy && forwardedFor.length > 0) return forwardedFor.split(',')[0]!.trim();
  return normalizeAddress(decoder.decode(res.getRemoteAddressAsText()));
}

/** IPv4 clients on a dual-stack socket show up as ::ffff:a.b.c.d; one address, one key. */
export function normalizeAddress(address: string): string {
  const lower = address.toLowerCase();
  if (lower.startsWith('::ffff:')) return lower.slice(7);
  const mapped = /^(?:0000:){5}ffff:([0-9a-f]{4}):([0-9a-f]{4})$/.exec(lower);
  if (mapped !== null) {
    const hi = parseInt(mapped[1]!, 16);
    const lo = parseInt(mapped[2]!, 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return lower;
}
