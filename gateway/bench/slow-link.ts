/**
 * A slow mobile link as a TCP proxy on 127.0.0.1: everything the browser sends
 * or receives (HTTP and the WebSocket alike) goes through it. Each direction
 * is one shared pipe with a bandwidth and a one-way delay of half the round
 * trip, and a new connection can send only after one round trip (the TCP
 * handshake a real network would cost). Bytes are counted each way.
 */
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';

export interface LinkProfile {
  roundTripMs: number;
  downBytesPerSec: number;
  upBytesPerSec: number;
}

/** Pieces no larger than a packet or so, so that pages arrive progressively as on a real link. */
const PIECE_BYTES = 1400;

/** What is on its way to one socket, in order: a single timer delivers it, so pieces can never overtake each other. */
class Arrivals {
  private readonly queue: Array<{ at: number; piece: Buffer }> = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly to: Socket) {}

  add(at: number, piece: Buffer): void {
    this.queue.push({ at, piece });
    if (this.timer === undefined) this.schedule();
  }

  private schedule(): void {
    const next = this.queue[0];
    if (next === undefined) {
      this.timer = undefined;
      return;
    }
    this.timer = setTimeout(() => {
      while (this.queue.length > 0 && this.queue[0]!.at <= Date.now()) {
        const { piece } = this.queue.shift()!;
        if (!this.to.destroyed) this.to.write(piece);
      }
      this.schedule();
    }, Math.max(0, next.at - Date.now()));
  }
}

/** One direction of the link: pieces leave one after another at the link's rate and arrive one-way delay later. */
class Pipe {
  private freeAt = 0;
  bytes = 0;

  constructor(private readonly bytesPerSec: number, private readonly oneWayMs: number) {}

  /** Sends `data` on, no earlier than `notBefore`, after everything sent before on any connection. */
  carry(data: Buffer, to: Arrivals, notBefore: number): void {
    for (let at = 0; at < data.length; at += PIECE_BYTES) {
      const piece = data.subarray(at, at + PIECE_BYTES);
      this.freeAt = Math.max(this.freeAt, Date.now(), notBefore) + (piece.length / this.bytesPerSec) * 1000;
      this.bytes += piece.length;
      to.add(this.freeAt + this.oneWayMs, piece);
    }
  }

  /** When everything sent so far has arrived. */
  get idleAt(): number {
    return this.freeAt + this.oneWayMs;
  }
}

export class SlowLink {
  private readonly down: Pipe;
  private readonly up: Pipe;
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;

  constructor(private readonly profile: LinkProfile, private readonly target: { host: string; port: number }) {
    this.down = new Pipe(profile.downBytesPerSec, profile.roundTripMs / 2);
    this.up = new Pipe(profile.upBytesPerSec, profile.roundTripMs / 2);
  }

  async listen(): Promise<number> {
    this.server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  /** Bytes carried so far, towards the browser and from it. */
  get bytes(): { down: number; up: number } {
    return { down: this.down.bytes, up: this.up.bytes };
  }

  private accept(client: Socket): void {
    const handshakeDoneAt = Date.now() + this.profile.roundTripMs;
    const upstream = connect(this.target.port, this.target.host);
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.setNoDelay(true);
      socket.on('error', () => undefined);
      socket.on('close', () => this.sockets.delete(socket));
    }
    const toServer = new Arrivals(upstream);
    const toBrowser = new Arrivals(client);
    client.on('data', (data) => this.up.carry(data, toServer, handshakeDoneAt));
    upstream.on('data', (data) => this.down.carry(data, toBrowser, 0));
    // A close travels the link too: end the other side once what was sent before it has arrived.
    client.on('end', () => setTimeout(() => upstream.end(), Math.max(0, this.up.idleAt - Date.now())));
    upstream.on('end', () => setTimeout(() => client.end(), Math.max(0, this.down.idleAt - Date.now())));
    client.on('close', () => upstream.destroy());
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server === undefined ? resolve() : this.server.close(() => resolve())));
  }
}
