/**
 * The public proof of every draw, no key needed (docs/fairness.md, "The
 * proof"): GET /api/public/events/{id}/draw for the pre-queue draw, and
 * /draws/{draw} for any draw (`phase:<id>`). A proof never changes once its
 * draw has run, so each process keeps the last few it served.
 */
import { PRE_QUEUE_DRAW, type DrawProof } from '../../engine/src/index.js';
import type { EngineLink } from './engine-link/types.js';
import { json, type HttpRouter } from './http/router.js';

/** A few proofs: a big draw's is hundreds of megabytes of JSON. */
const CACHED_PROOFS = 4;

export function registerPublicDraws(router: HttpRouter, link: EngineLink): void {
  const cache = new Map<string, Promise<DrawProof>>();
  const proofOf = (eventId: string, draw: string): Promise<DrawProof> => {
    const key = `${eventId}\u0000${draw}`;
    const cached = cache.get(key);
    if (cached !== undefined) return cached;
    const proof = link.execute({ op: 'drawProof', eventId, draw });
    cache.set(key, proof);
    // Refusals (DRAW_NOT_RUN before the draw) are asked again next time.
    proof.catch(() => cache.delete(key));
    if (cache.size > CACHED_PROOFS) cache.delete(cache.keys().next().value!);
    return proof;
  };
  router.get('/api/public/events/:id/draw', async (request) => json(200, await proofOf(request.params[0]!, PRE_QUEUE_DRAW)));
  router.get('/api/public/events/:id/draws/:draw', async (request) => json(200, await proofOf(request.params[0]!, request.params[1]!)));
}
