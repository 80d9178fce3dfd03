/**
 * HTTP routes on uWS without its sharp edges. A uWS HttpRequest is valid only
 * until the handler first returns or awaits, and a response must have an
 * abort handler before any asynchronous work. So every route here first
 * captures everything it needs (method, path, params, query, headers, client
 * address) synchronously, registers onAborted, then reads the body and runs
 * the async handler; the reply is written corked, and never after an abort.
 */
import type { HttpRequest, HttpResponse, TemplatedApp } from 'uWebSockets.js';
import { BreakwaterError } from '../../../engine/src/index.js';
import { asBreakwaterError } from '../engine-link/wire-error.js';
import { remoteAddress } from './client-address.js';
import { statusLine } from './status-text.js';

export interface RequestInfo {
  method: string;
  path: string;
  params: string[];
  query: URLSearchParams;
  /** Every header, names lowercased. */
  headers: Record<string, string>;
  ip: string;
  /** The raw body (empty for GET/HEAD/DELETE). */
  body: Uint8Array;
}

export type Reply =
  | { status: number; json: unknown; headers?: Record<string, string> }
  | { status: number; text: string | Uint8Array; contentType: string; headers?: Record<string, string> };

export type Handler = (request: RequestInfo) => Reply | Promise<Reply>;

export interface RouterOptions {
  /** Trusted proxies in front (0: none): see client-address.ts. */
  trustProxy: number;
  maxBodyBytes: number;
  /** Runs before every handler (rate limits); throw a BreakwaterError to refuse. */
  admit?: (request: RequestInfo) => void;
  log?: (message: string) => void;
}

type Method = 'get' | 'head' | 'post' | 'patch' | 'put' | 'del' | 'any';

interface ResponseState {
  /** Aborted by the client, or answered: either way nothing may touch the response again. */
  finished: boolean;
  onAbort?: () => void;
}

const BODY_METHODS = new Set(['post', 'put', 'patch']);

export class HttpRouter {
  /** Every route registered, in order: the OpenAPI document is checked against it. */
  readonly routes: Array<{ method: Method; pattern: string }> = [];

  constructor(private readonly app: TemplatedApp, private readonly options: RouterOptions) {}

  get(pattern: string, handler: Handler): this {
    return this.route('get', pattern, handler);
  }

  head(pattern: string, handler: Handler): this {
    return this.route('head', pattern, handler);
  }

  post(pattern: string, handler: Handler): this {
    return this.route('post', pattern, handler);
  }

  patch(pattern: string, handler: Handler): this {
    return this.route('patch', pattern, handler);
  }

  any(pattern: string, handler: Handler): this {
    return this.route('any', pattern, handler);
  }

  route(method: Method, pattern: string, handler: Handler): this {
    const paramCount = pattern.split('/').filter((segment) => segment.startsWith(':')).length;
    this.routes.push({ method, pattern });
    this.app[method](pattern, (res, req) => this.serve(res, req, paramCount, handler));
    return this;
  }

  private serve(res: HttpResponse, req: HttpRequest, paramCount: number, handler: Handler): void {
    // Everything from `req` now: it is gone after the first await.
    const headers: Record<string, string> = {};
    req.forEach((key, value) => {
      // Every X-Forwarded-For line counts (see client-address.ts); for other headers the last one wins.
      headers[key] = key === 'x-forwarded-for' && headers[key] !== undefined ? `${headers[key]},${value}` : value;
    });
    const method = req.getMethod();
    const info: RequestInfo = {
      method,
      path: req.getUrl(),
      params: Array.from({ length: paramCount }, (_, i) => decodeParam(req.getParameter(i))),
      query: new URLSearchParams(req.getQuery() ?? ''),
      headers,
      ip: remoteAddress(res, headers['x-forwarded-for'] ?? '', this.options.trustProxy),
      body: new Uint8Array(0),
    };
    const state: ResponseState = { finished: false };
    res.onAborted(() => {
      state.finished = true;
      state.onAbort?.();
    });
    const run = async (): Promise<Reply> => {
      this.options.admit?.(info);
      if (BODY_METHODS.has(method)) info.body = await this.readBody(res, state, headers['content-length']);
      return handler(info);
    };
    run().then(
      (reply) => send(res, state, reply, method),
      (err: unknown) => send(res, state, errorReply(asBreakwaterError(err, this.options.log)), method),
    );
  }

  private readBody(res: HttpResponse, state: ResponseState, contentLength: string | undefined): Promise<Uint8Array> {
    const limit = this.options.maxBodyBytes;
    const tooLarge = () => new BreakwaterError('PAYLOAD_TOO_LARGE', undefined, { details: { limit } });
    if (contentLength !== undefined && Number(contentLength) > limit) return Promise.reject(tooLarge());
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let done = false;
      state.onAbort = () => {
        done = true;
        reject(new Error('request aborted'));
      };
      res.onData((chunk, isLast) => {
        if (done) return;
        size += chunk.byteLength;
        if (size > limit) {
          done = true;
          reject(tooLarge());
          return;
        }
        // uWS neuters the chunk when this callback returns: copy it.
        chunks.push(Buffer.from(chunk.slice(0)));
        if (isLast) {
          done = true;
          resolve(Buffer.concat(chunks));
        }
      });
    });
  }
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

function send(res: HttpResponse, state: ResponseState, reply: Reply, method: string): void {
  if (state.finished) return;
  state.finished = true;
  const isJson = 'json' in reply;
  const body = isJson ? JSON.stringify(reply.json) : reply.text;
  res.cork(() => {
    res.writeStatus(statusLine(reply.status));
    res.writeHeader('content-type', isJson ? 'application/json; charset=utf-8' : reply.contentType);
    res.writeHeader('x-content-type-options', 'nosniff');
    if (isJson) res.writeHeader('cache-control', 'no-store');
    for (const [name, value] of Object.entries(reply.headers ?? {})) res.writeHeader(name, value);
    // A 304 has no body and no length. A HEAD reports the length its GET would send, written by hand:
    // uWS's endWithoutBody(length) leaves the connection expecting that body and breaks the next request on it.
    if (reply.status === 304) res.endWithoutBody();
    else if (method === 'head') {
      res.writeHeader('content-length', String(typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength));
      res.endWithoutBody();
    }
    // Close when refusing a body we did not read, so the rest of it cannot be taken as a new request.
    else res.end(body, reply.status === 413);
  });
}

/** Parses a JSON body; MALFORMED_COMMAND when it is not JSON. */
export function jsonBody(request: RequestInfo): unknown {
  if (request.body.length === 0) return {};
  try {
    return JSON.parse(Buffer.from(request.body).toString('utf8')) as unknown;
  } catch {
    throw new BreakwaterError('MALFORMED_COMMAND', 'the body is not valid JSON', { details: { field: 'body', reason: 'must be JSON' } });
  }
}

export function json(status: number, body: unknown): Reply {
  return { status, json: body };
}

