/**
 * The minimal WebSocket client wire format shared by the gateway bench's
 * load processes (load-worker.ts) and sim/'s live workers: the upgrade
 * request, masked (zero-key) client frames, and a frame reader for the
 * server's unmasked frames. Plain `net` sockets, no library: ~1 KB a socket.
 */

/** One client frame: FIN + binary, masked with a zero key (valid per RFC 6455; the payload is unchanged). */
export function clientFrame(payload: Uint8Array): Buffer {
  const len = payload.byteLength;
  const head = len < 126 ? Buffer.from([0x82, 0x80 | len, 0, 0, 0, 0]) : Buffer.from([0x82, 0x80 | 126, len >> 8, len & 255, 0, 0, 0, 0]);
  return Buffer.concat([head, payload]);
}

/** A masked control frame (pong 0xa, close 0x8). */
export function controlFrame(opcode: number, payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | payload.length, 0, 0, 0, 0]), payload]);
}

export function upgradeRequest(host: string, port: number, path = '/ws'): string {
  return `GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    'Sec-WebSocket-Key: YnJlYWt3YXRlci1iZW5jaA==\r\nSec-WebSocket-Version: 13\r\n\r\n';
}

/**
 * Reads the server's answer to the upgrade request: `incomplete` until the
 * headers have all arrived, the HTTP status code if the server refused, or
 * the bytes after the headers (the first frames) once upgraded.
 */
export function readUpgradeResponse(buf: Buffer): { incomplete: true } | { refused: string } | { rest: Buffer } {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return { incomplete: true };
  const status = buf.subarray(0, buf.indexOf('\r\n')).toString('latin1');
  if (!status.startsWith('HTTP/1.1 101')) return { refused: status.slice(9, 12) };
  return { rest: buf.subarray(end + 4) };
}

/**
 * Reads the complete frames in `buf` from `off`, calling `onFrame(opcode, payload)`
 * for each (stop by returning false). Returns the offset of the first unread byte.
 */
export function readFrames(buf: Buffer, off: number, onFrame: (opcode: number, payload: Buffer) => boolean | void): number {
  while (buf.length - off >= 2) {
    const b0 = buf[off]!;
    let len = buf[off + 1]! & 0x7f;
    let head = 2;
    if (len === 126) {
      if (buf.length - off < 4) break;
      len = buf.readUInt16BE(off + 2);
      head = 4;
    } else if (len === 127) {
      if (buf.length - off < 10) break;
      len = Number(buf.readBigUInt64BE(off + 2));
      head = 10;
    }
    if (buf.length - off < head + len) break;
    const payload = buf.subarray(off + head, off + head + len);
    off += head + len;
    if (onFrame(b0 & 0x0f, payload) === false) break;
  }
  return off;
}
