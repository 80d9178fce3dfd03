/**
 * The public proof of every draw, no key needed (docs/fairness.md, "The
 * proof"): GET /api/public/events/{id}/draw for the pre-queue draw, and
 * /draws/{draw} for any draw (`phase:<id>`), gzipped when the client takes
 * it. A stadium's proof is hundreds of megabytes, too much for a phone, so a
 * fan's own check asks two small things instead: the proof's `summary` (all
 * but its entries and order) and its own entry, found by pseudonym
 * (docs/fairness.md, "Checking your own place on a phone"). A proof never
 * changes once its draw has run, so each process keeps the last few it served.
 */
import { BreakwaterError, PRE_QUEUE_DRAW } from '../../engine/src/index.js';
import type { EngineLink } from '../../engine/link/types.js';
import { chooseCoding } from './http/accept-encoding.js';
import { json, type HttpRouter, type Reply, type RequestInfo } from './http/router.js';
import { PublishedDraw } from './published-draw.js';

/** A few draws: a big one is ~200 MB in columns and ~130 MB gzipped. */
const CACHED_DRAWS = 4;
const PSEUDONYM_HEX = /^[0-9a-fA-F]{32}$/;
/** Immutable once published; an hour keeps a CDN in front from asking again for every fan. */
const PROOF_CACHE_CONTROL = 'public, max-age=3600';

export function registerPublicDraws(router: HttpRouter, link: EngineLink): void {
  const cache = new Map<string, Promise<PublishedDraw>>();
  const publishedDraw = (eventId: string, draw: string): Promise<PublishedDraw> => {
    const key = `${eventId}\u0000${draw}`;
    const cached = cache.get(key);
    if (cached !== undefined) return cached;
    const published = link.execute({ op: 'drawProof', eventId, draw }).then((proof) => new PublishedDraw(proof));
    cache.set(key, published);
    // Refusals (DRAW_NOT_RUN before the draw) are asked again next time.
    published.catch(() => cache.delete(key));
    if (cache.size > CACHED_DRAWS) cache.delete(cache.keys().next().value!);
    return published;
  };

  const proof = async (request: RequestInfo, draw: string): Promise<Reply> => {
    const published = await publishedDraw(request.params[0]!, draw);
    const gzip = chooseCoding(request.headers['accept-encoding'], ['gzip', 'identity']) === 'gzip';
    return {
      status: 200,
      text: gzip ? await published.gzippedJson() : await published.plainJson(),
      contentType: 'application/json; charset=utf-8',
      headers: { 'cache-control': PROOF_CACHE_CONTROL, vary: 'accept-encoding', ...(gzip ? { 'content-encoding': 'gzip' } : {}) },
    };
  };

  router.get('/api/public/events/:id/draw', (request) => proof(request, PRE_QUEUE_DRAW));
  router.get('/api/public/events/:id/draws/:draw', (request) => proof(request, request.params[1]!));
  router.get('/api/public/events/:id/draws/:draw/summary', async (request) => json(200, (await publishedDraw(request.params[0]!, request.params[1]!)).summary));
  router.get('/api/public/events/:id/draws/:draw/entries/:pseudonym', async (request) => {
    const [eventId, draw, pseudonym] = request.params as [string, string, string];
    if (!PSEUDONYM_HEX.test(pseudonym)) {
      throw new BreakwaterError('MALFORMED_COMMAND', 'a pseudonym is 32 hexadecimal characters', { details: { field: 'pseudonym', reason: 'must be 32 hexadecimal characters' } });
    }
    const entry = (await publishedDraw(eventId, draw)).entry(pseudonym);
    if (entry === undefined) throw new BreakwaterError('DRAW_ENTRY_NOT_FOUND', undefined, { details: { draw, pseudonym: pseudonym.toLowerCase() } });
    return json(200, entry);
  });
}
