/**
 * HTTP/1.1 over a plain socket, for requests no HTTP client will send:
 * duplicate lengths, bodies that trickle or stall, headers of any size.
 */
import { connect } from 'node:net';

export interface RawRequest {
  /** Everything up to and including the blank line after the headers. */
  head: string;
  /** Sent after the head, in `chunks` pieces `gapMs` apart (default: at once). */
  body?: Uint8Array;
  chunks?: number;
  gapMs?: number;
  /** Stop sending after this many bytes of the body and hang up after `holdMs` (a stalled upload). */
  stallAfter?: number;
  holdMs?: number;
  /** Give up waiting for an answer after this long (default 5 s). */
  timeoutMs?: number;
  /** The client address to connect from (any 127.x.y.z on Linux). */
  localAddress?: string;
}

export interface RawResponse {
  /** The statuses answered, in order (several when requests were pipelined); empty when none came. */
  statuses: number[];
  /** Everything received. */
  text: string;
  /** The server closed the connection (rather than the timeout or us). */
  closedByServer: boolean;
}

/** Builds a request head. */
export function head(method: string, path: string, headers: Record<string, string | string[]> = {}): string {
  const lines = [`${method} ${path} HTTP/1.1`, 'host: fuzz'];
  for (const [name, value] of Object.entries(headers)) for (const one of Array.isArray(value) ? value : [value]) lines.push(`${name}: ${one}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

export function rawRequest(port: number, request: RawRequest): Promise<RawResponse> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1', ...(request.localAddress === undefined ? {} : { localAddress: request.localAddress }) });
    const received: Buffer[] = [];
    let settled = false;
    const timers: NodeJS.Timeout[] = [];
    const finish = (closedByServer: boolean): void => {
      if (settled) return;
      settled = true;
      for (const timer of timers) clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(received).toString('latin1');
      resolve({ statuses: [...text.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1])), text, closedByServer });
    };
    socket.on('data', (chunk) => received.push(chunk));
    socket.on('error', () => finish(true));
    socket.on('close', () => finish(true));
    timers.push(setTimeout(() => finish(false), request.timeoutMs ?? 5000));
    socket.write(request.head);
    const body = request.body ?? new Uint8Array(0);
    const end = request.stallAfter === undefined ? body.length : Math.min(request.stallAfter, body.length);
    const pieces = Math.max(1, request.chunks ?? 1);
    const size = Math.ceil(end / pieces);
    for (let i = 0; i < pieces && i * size < end; i++) {
      const piece = body.subarray(i * size, Math.min(end, (i + 1) * size));
      timers.push(setTimeout(() => {
        if (!settled) socket.write(piece);
      }, i * (request.gapMs ?? 0)));
    }
    if (request.stallAfter !== undefined) timers.push(setTimeout(() => finish(false), request.holdMs ?? 200));
  });
}
