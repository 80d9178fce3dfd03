/**
 * HTTP routes on uWS without its sharp edges. A uWS HttpRequest is valid only
 * until the handler first returns or awaits, and a response must have an
 * abort handler before any asynchronous work. So every route here first
 * captures everything it needs (method, path, params, query, headers, client
 * address) synchronously, registers onAborted, then reads the body and runs
 * the async handler; the reply is written corked, and never after an abort.
 *
 * Nothing is read before it is allowed: a request whose length is ambiguous is
 * refused before routing; an address with too many requests open is refused;
 * the rate limit and the route's own check (the API key, a webhook's
 * signature header) run on the headers alone; only then is the body read, up
 * to the route's limit and within a deadline. An exception anywhere answers
 * its own request with INTERNAL_ERROR and is logged; it never reaches uWS.
 */
import type { HttpRequest, HttpResponse, TemplatedApp } from 'uWebSockets.js';
import { addressKeyOf, BreakwaterError } from '../../../engine/src/index.js';
import { asBreakwaterError } from '../../../engine/link/wire-error.js';
import { remoteAddress } from './client-address.js';
import { parseJsonBody } from './json-body.js';
import { statusLine } from './status-text.js';

export interface RequestInfo {
  method: string;
  /** The pattern of the route that matched (`/api/events/:id`): what access rules and the audit log name. */
  route: string;
  path: string;
  params: string[];
  query: URLSearchParams;
  /** Every header, names lowercased. */
  headers: Record<string, string>;
  ip: string;
  /** The raw body (empty for GET/HEAD/DELETE and for routes that take none). */
  body: Uint8Array;
}

export type Reply =
  | { status: number; json: unknown; headers?: Record<string, string> }
  | { status: number; text: string | Uint8Array; contentType: string; headers?: Record<string, string> };

export type Handler = (request: RequestInfo) => Reply | Promise<Reply>;

export interface RouteOptions {
  /** Checked from the headers alone, before any body is read (the API key, a webhook signature's presence): throw to refuse. */
  authorize?: (request: RequestInfo) => void;
  /** The largest body the route reads; a route without one reads none. */
  maxBodyBytes?: number;
  /**
   * Told how the request ended (its status and error code), refusals by `authorize` included, before the reply is
   * sent: the organizer API's audit log. A failure here is logged and changes nothing of the reply.
   */
  settle?: (request: RequestInfo, outcome: RequestOutcome) => Promise<void> | void;
}

export interface RequestOutcome {
  status: number;
  /** The registry's code of an error reply; null for a success. */
  code: string | null;
}

/** Client faults: counted (`onFault`), never logged, since anyone can cause them at will. */
export type HttpFault = 'aborted' | 'ambiguousFraming' | 'tooLarge' | 'slowBody' | 'tooManyOpen';

export interface RouterOptions {
  /** Trusted proxies in front (0: none): see client-address.ts. */
  trustProxy: number;
  /** HTTP requests one address (an IPv6 client's /64) may have open at once on this process. */
  maxOpenPerAddress: number;
  /** How long a body may take to arrive once the headers have. */
  bodyTimeoutMs: number;
  /** Bytes of bodies this process may hold at once, all requests together (a body counts its announced length or its route's limit). */
  maxBufferedBodyBytes: number;
  /** Addresses free of the per-address limits. */
  isExempt?: (ip: string) => boolean;
  /** Runs before every handler (rate limits); throw a BreakwaterError to refuse. */
  admit?: (request: RequestInfo) => void;
  onFault?: (fault: HttpFault) => void;
  log?: (message: string) => void;
}

type Method = 'get' | 'head' | 'post' | 'patch' | 'put' | 'del' | 'any';

interface ResponseState {
  /** Aborted by the client, or answered: either way nothing may touch the response again. */
  finished: boolean;
  aborted: boolean;
  /** The body was read to its end (or there was none to read): the connection can carry another request. */
  drained: boolean;
  onAbort?: () => void;
}

interface Route {
  pattern: string;
  paramCount: number;
  handler: Handler;
  options: RouteOptions;
}

const BODY_METHODS = new Set(['post', 'put', 'patch']);

/** A body read that ended because the client went away: nothing to answer, nothing to log. */
class RequestAborted extends Error {}

export class HttpRouter {
  /** Every route registered, in order: the OpenAPI document is checked against it. */
  readonly routes: Array<{ method: Method; pattern: string }> = [];
  /** Open requests per address key, for the per-address limit. */
  private readonly open = new Map<string, number>();
  /** Bytes reserved by the bodies being read now. */
  private buffered = 0;

  constructor(private readonly app: TemplatedApp, private readonly options: RouterOptions) {}

  get(pattern: string, handler: Handler, options: RouteOptions = {}): this {
    return this.route('get', pattern, handler, options);
  }

  head(pattern: string, handler: Handler, options: RouteOptions = {}): this {
    return this.route('head', pattern, handler, options);
  }

  post(pattern: string, handler: Handler, options: RouteOptions = {}): this {
    return this.route('post', pattern, handler, options);
  }

  patch(pattern: string, handler: Handler, options: RouteOptions = {}): this {
    return this.route('patch', pattern, handler, options);
  }

  any(pattern: string, handler: Handler, options: RouteOptions = {}): this {
    return this.route('any', pattern, handler, options);
  }

  route(method: Method, pattern: string, handler: Handler, options: RouteOptions = {}): this {
    const route: Route = { pattern, paramCount: pattern.split('/').filter((segment) => segment.startsWith(':')).length, handler, options };
    this.routes.push({ method, pattern });
    this.app[method](pattern, (res, req) => {
      // An exception thrown back into uWS would end the process: a bug here costs one request, never the others.
      try {
        this.serve(res, req, route);
      } catch (err) {
        this.options.log?.(`request handling failed: ${(err as Error)?.stack ?? String(err)}`);
        try {
          res.cork(() => res.writeStatus(statusLine(500)).end(JSON.stringify(new BreakwaterError('INTERNAL_ERROR').toJSON()), true));
        } catch {
          // Already answered or aborted: nothing more to say.
        }
      }
    });
    return this;
  }

  private serve(res: HttpResponse, req: HttpRequest, route: Route): void {
    // Everything from `req` now: it is gone after the first await.
    const headers: Record<string, string> = {};
    let contentLengths = 0;
    req.forEach((key, value) => {
      if (key === 'content-length') contentLengths++;
      // Every X-Forwarded-For line counts (see client-address.ts); for other headers the last one wins.
      headers[key] = key === 'x-forwarded-for' && headers[key] !== undefined ? `${headers[key]},${value}` : value;
    });
    const method = req.getMethod();
    const info: RequestInfo = {
      method,
      route: route.pattern,
      path: req.getUrl(),
      params: Array.from({ length: route.paramCount }, (_, i) => decodeParam(req.getParameter(i))),
      query: new URLSearchParams(req.getQuery() ?? ''),
      headers,
      ip: remoteAddress(res, headers['x-forwarded-for'] ?? '', this.options.trustProxy),
      body: new Uint8Array(0),
    };
    const state: ResponseState = { finished: false, aborted: false, drained: !BODY_METHODS.has(method) };
    res.onAborted(() => {
      state.finished = true;
      state.aborted = true;
      state.onAbort?.();
    });

    const framing = ambiguousFraming(headers, contentLengths);
    if (framing !== undefined) {
      this.options.onFault?.('ambiguousFraming');
      // Answered on the next turn, never now: while this request is unanswered uWS runs nothing that follows it on the
      // connection (the bytes a second Content-Length hides), and the answer closes the connection.
      const refusal = errorReply(new BreakwaterError('MALFORMED_REQUEST', undefined, { details: { reason: framing } }));
      state.drained = false; // whatever the method: where this request ends is unknown, so the connection must close
      setImmediate(() => send(res, state, refusal, method, this.options.log));
      return;
    }

    const release = this.hold(info.ip);
    if (release === undefined) {
      this.options.onFault?.('tooManyOpen');
      const refusal = new BreakwaterError('RATE_LIMITED', 'too many requests open at once from this address', {
        details: { limit: 'httpConcurrentPerIp', max: this.options.maxOpenPerAddress, retryAfterMs: 1000 },
      });
      send(res, state, errorReply(refusal), method, this.options.log);
      return;
    }

    const run = async (): Promise<Reply> => {
      this.options.admit?.(info);
      route.options.authorize?.(info);
      if (!state.drained) {
        const limit = route.options.maxBodyBytes ?? 0;
        // A route that takes no body reads none: a body sent anyway closes the connection with the answer.
        if (limit > 0) info.body = await this.readBody(res, state, headers['content-length'], limit);
        else state.drained = headers['content-length'] === undefined || headers['content-length'] === '0';
      }
      return route.handler(info);
    };
    const settle = route.options.settle;
    const answer = async (reply: Reply): Promise<void> => {
      if (settle !== undefined) {
        const code = reply.status >= 400 && 'json' in reply ? (reply.json as { code?: unknown } | null)?.code : undefined;
        try {
          await settle(info, { status: reply.status, code: typeof code === 'string' ? code : null });
        } catch (err) {
          this.options.log?.(`settling ${info.method.toUpperCase()} ${info.route} failed: ${(err as Error)?.stack ?? String(err)}`);
        }
      }
      send(res, state, reply, method, this.options.log);
    };
    run().then(
      (reply) => answer(reply),
      (err: unknown) => {
        if (err instanceof RequestAborted) return;
        return answer(errorReply(asBreakwaterError(err, this.options.log)));
      },
    ).finally(() => {
      release();
      if (state.aborted) this.options.onFault?.('aborted');
    });
  }

  /** Counts one open request of `ip`; undefined when its address is at the limit. */
  private hold(ip: string): (() => void) | undefined {
    if (this.options.isExempt?.(ip) === true) return () => undefined;
    const key = addressKeyOf(ip);
    const open = this.open.get(key) ?? 0;
    if (open >= this.options.maxOpenPerAddress) return undefined;
    this.open.set(key, open + 1);
    return () => {
      const left = (this.open.get(key) ?? 1) - 1;
      if (left === 0) this.open.delete(key);
      else this.open.set(key, left);
    };
  }

  /**
   * Reads the body into one buffer of its announced length, so an upload costs
   * one allocation that is freed whole (many small copies would leave the heap
   * fragmented after the request is gone); a chunked body grows to its limit.
   */
  private readBody(res: HttpResponse, state: ResponseState, contentLength: string | undefined, limit: number): Promise<Uint8Array> {
    const { bodyTimeoutMs, onFault } = this.options;
    const tooLarge = () => {
      onFault?.('tooLarge');
      return new BreakwaterError('PAYLOAD_TOO_LARGE', undefined, { details: { limit } });
    };
    const announced = contentLength === undefined ? undefined : Number(contentLength);
    if (announced !== undefined && announced > limit) return Promise.reject(tooLarge());
    const reserved = announced ?? limit;
    if (this.buffered + reserved > this.options.maxBufferedBodyBytes) {
      return Promise.reject(new BreakwaterError('OVERLOADED', 'this gateway process holds as many request bodies as it may; retry shortly', {
        details: { limit: 'bufferedBodies', maxBytes: this.options.maxBufferedBodyBytes },
      }));
    }
    this.buffered += reserved;
    return new Promise((resolve, reject) => {
      // Not zero-filled: pages are only touched as bytes arrive, and only the bytes written are handed on.
      let body: Buffer = Buffer.allocUnsafeSlow(announced ?? 0);
      let size = 0;
      let done = false;
      const finish = (error?: Error) => {
        if (done) return;
        done = true;
        this.buffered -= reserved;
        clearTimeout(timer);
        if (error === undefined) {
          state.drained = true;
          resolve(size === body.length ? body : body.subarray(0, size));
        } else reject(error);
      };
      const timer = setTimeout(() => {
        onFault?.('slowBody');
        finish(new BreakwaterError('REQUEST_TIMEOUT', undefined, { details: { limitMs: bodyTimeoutMs } }));
      }, bodyTimeoutMs);
      state.onAbort = () => finish(new RequestAborted());
      res.onData((chunk, isLast) => {
        if (done) return;
        if (size + chunk.byteLength > limit) return finish(tooLarge());
        if (size + chunk.byteLength > body.length) body = grow(body, size + chunk.byteLength, limit);
        // uWS neuters the chunk when this callback returns: copy it now.
        body.set(new Uint8Array(chunk), size);
        size += chunk.byteLength;
        if (isLast) finish();
      });
    });
  }
}

/** A larger buffer holding the first bytes of `body`: at least `needed`, doubling, never past `limit`. */
function grow(body: Buffer, needed: number, limit: number): Buffer {
  const larger = Buffer.allocUnsafeSlow(Math.min(limit, Math.max(needed, body.length * 2, 16 * 1024)));
  larger.set(body);
  return larger;
}

/**
 * Why two servers could read this request's length differently (request
 * smuggling), or undefined when they cannot. uWS takes the first of two
 * Content-Length headers and closes the connection itself on a length with a
 * Transfer-Encoding: both are refused here too, in case that ever changes.
 */
function ambiguousFraming(headers: Readonly<Record<string, string>>, contentLengths: number): string | undefined {
  if (contentLengths > 1) return 'duplicateContentLength';
  const length = headers['content-length'];
  if (length !== undefined && !/^\d{1,15}$/.test(length)) return 'badContentLength';
  if (length !== undefined && headers['transfer-encoding'] !== undefined) return 'lengthAndChunked';
  return undefined;
}

function decodeParam(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

export function errorReply(err: BreakwaterError): Reply {
  const headers: Record<string, string> = {};
  if (err.code === 'RATE_LIMITED' && typeof err.details.retryAfterMs === 'number') {
    headers['retry-after'] = String(Math.max(1, Math.ceil(err.details.retryAfterMs / 1000)));
  }
  if (err.code === 'UNAUTHORIZED') headers['www-authenticate'] = 'Bearer';
  return { status: err.status, json: err.toJSON(), headers };
}

function send(res: HttpResponse, state: ResponseState, reply: Reply, method: string, log?: (message: string) => void): void {
  if (state.finished) return;
  state.finished = true;
  let answer = reply;
  let body: string | Uint8Array;
  try {
    body = 'json' in answer ? JSON.stringify(answer.json) : answer.text;
  } catch (err) {
    log?.(`reply could not be encoded: ${(err as Error)?.stack ?? String(err)}`);
    answer = errorReply(new BreakwaterError('INTERNAL_ERROR'));
    body = JSON.stringify((answer as { json: unknown }).json);
  }
  const isJson = 'json' in answer;
  res.cork(() => {
    res.writeStatus(statusLine(answer.status));
    res.writeHeader('content-type', isJson ? 'application/json; charset=utf-8' : (answer as { contentType: string }).contentType);
    res.writeHeader('x-content-type-options', 'nosniff');
    if (isJson) res.writeHeader('cache-control', 'no-store');
    for (const [name, value] of Object.entries(answer.headers ?? {})) res.writeHeader(name, value);
    // A 304 has no body and no length. A HEAD reports the length its GET would send, written by hand:
    // uWS's endWithoutBody(length) leaves the connection expecting that body and breaks the next request on it.
    if (answer.status === 304) res.endWithoutBody();
    else if (method === 'head') {
      res.writeHeader('content-length', String(typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength));
      res.endWithoutBody();
    }
    // Close when a body was left unread, so the rest of it cannot be taken as a new request.
    else res.end(body, !state.drained);
  });
}

/** The request's body as JSON: see json-body.ts for the limits. */
export function jsonBody(request: RequestInfo): unknown {
  return parseJsonBody(request.body);
}

export function json(status: number, body: unknown): Reply {
  return { status, json: body };
}

