/**
 * A fan's client for tests: a real WebSocket (the `ws` package) speaking the
 * binary msgpack protocol, with an inbox to wait on.
 */
import WebSocket from 'ws';
import { decodeServerMessage, encodeMessage, PROTOCOL_VERSION, type ClientMessage, type ServerMessage } from '../../src/protocol/index.js';

type Matcher<T extends ServerMessage> = (message: ServerMessage) => message is T;
type ByType<K extends ServerMessage['t']> = Extract<ServerMessage, { t: K }>;
/** A client request without its rid (filled in by `request`). */
type Request = Extract<ClientMessage, { rid: number | null }> extends infer M ? (M extends unknown ? Omit<M, 'rid'> : never) : never;

export class FanClient {
  readonly received: ServerMessage[] = [];
  private readonly inbox: ServerMessage[] = [];
  private waiters: Array<{ match: (m: ServerMessage) => boolean; resolve: (m: ServerMessage) => void }> = [];
  private rid = 0;
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) return;
      const message = decodeServerMessage(new Uint8Array(data));
      this.received.push(message);
      const i = this.waiters.findIndex((w) => w.match(message));
      if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(message);
      else this.inbox.push(message);
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  /** Connects (from `localAddress`, e.g. 127.0.5.1, to play another client address); says hello unless told not to. */
  static async connect(url: string, options: { hello?: boolean; localAddress?: string } = {}): Promise<FanClient> {
    const ws = new WebSocket(url, options.localAddress === undefined ? {} : { localAddress: options.localAddress });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    });
    const client = new FanClient(ws);
    if (options.hello !== false) {
      client.send({ t: 'hello', v: PROTOCOL_VERSION, client: 'test' });
      await client.next('welcome');
    }
    return client;
  }

  get serverId(): string | undefined {
    const welcome = this.received.find((m) => m.t === 'welcome');
    return welcome?.t === 'welcome' ? welcome.serverId : undefined;
  }

  send(message: ClientMessage): void {
    this.ws.send(encodeMessage(message));
  }

  sendRaw(data: Uint8Array | string): void {
    this.ws.send(data, { binary: typeof data !== 'string' });
  }

  nextRid(): number {
    return ++this.rid;
  }

  /** The next message of this type (or matching), waiting up to `timeoutMs`. */
  next<K extends ServerMessage['t']>(type: K, timeoutMs?: number): Promise<ByType<K>>;
  next<T extends ServerMessage>(match: Matcher<T>, timeoutMs?: number): Promise<T>;
  next(typeOrMatch: string | ((m: ServerMessage) => boolean), timeoutMs = 3000): Promise<ServerMessage> {
    const match = typeof typeOrMatch === 'string' ? (m: ServerMessage) => m.t === typeOrMatch : typeOrMatch;
    const i = this.inbox.findIndex(match);
    if (i >= 0) return Promise.resolve(this.inbox.splice(i, 1)[0]!);
    return new Promise((resolve, reject) => {
      const waiter = { match, resolve };
      this.waiters.push(waiter);
      setTimeout(() => {
        if (!this.waiters.includes(waiter)) return;
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no ${typeof typeOrMatch === 'string' ? typeOrMatch : 'matching'} message within ${timeoutMs} ms; got ${JSON.stringify(this.received.map((m) => m.t))}`));
      }, timeoutMs);
    });
  }

  /** The reply (or error) to a request with this rid. */
  reply(rid: number, timeoutMs?: number): Promise<ServerMessage> {
    return this.next((m): m is ServerMessage => 'rid' in m && m.rid === rid, timeoutMs);
  }

  /** Sends a request with a fresh rid and waits for its reply. */
  async request(message: Request, timeoutMs?: number): Promise<ServerMessage> {
    const rid = this.nextRid();
    this.send({ ...message, rid } as ClientMessage);
    return this.reply(rid, timeoutMs);
  }

  /** Joins and returns the `joined` reply; throws with the error frame otherwise. */
  async join(
    eventId: string, fanId: string, extra: { token?: string; powChallenge?: string; powNonce?: string; identity?: string; accessCode?: string; joinKey?: string } = {},
  ): Promise<ByType<'joined'>> {
    const reply = await this.request({
      t: 'join', eventId, fanId, token: extra.token ?? null, powChallenge: extra.powChallenge ?? null, powNonce: extra.powNonce ?? null,
      identity: extra.identity ?? null, accessCode: extra.accessCode ?? null, joinKey: extra.joinKey ?? null,
    });
    if (reply.t !== 'joined') throw new Error(`join refused: ${JSON.stringify(reply)}`);
    return reply;
  }

  /** Messages of a type received so far (consumed or not). */
  all<K extends ServerMessage['t']>(type: K): ByType<K>[] {
    return this.received.filter((m): m is ByType<K> => m.t === type);
  }

  close(): Promise<{ code: number; reason: string }> {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close();
    return this.closed;
  }
}
