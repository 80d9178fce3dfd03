/**
 * What the fan page reads over HTTP without a key: the events on sale and one
 * event's public figures (tiers, categories, seat map with each seat's state).
 * Cached per process for a second.
 */
import type { EventCatalog } from './event-catalog.js';
import type { EngineLink } from '../../engine/link/types.js';
import { json, type HttpRouter } from './http/router.js';

export interface PublicEventSummary {
  eventId: string;
  name: string;
  phase: string;
  preQueueOpensAt: number;
  onSaleAt: number;
  closesAt: number;
}

const LIST_TTL_MS = 1000;

export function registerPublicApi(router: HttpRouter, link: EngineLink, catalog: EventCatalog): void {
  let list: { at: number; events: Promise<PublicEventSummary[]> } | undefined;
  const listEvents = (): Promise<PublicEventSummary[]> => {
    const now = Date.now();
    if (list !== undefined && now - list.at < LIST_TTL_MS) return list.events;
    const events = link.execute({ op: 'listEvents' }).then((all) =>
      all
        .filter(({ status }) => status.phase !== 'draft')
        .map(({ config, status }) => ({
          eventId: config.id, name: config.name, phase: status.phase, preQueueOpensAt: config.preQueueOpensAt, onSaleAt: config.onSaleAt, closesAt: config.closesAt,
        })),
    );
    list = { at: now, events };
    events.catch(() => (list = undefined));
    return events;
  };

  router.get('/api/public/events', async () => json(200, { events: await listEvents() }));
  router.get('/api/public/events/:id', async (request) => json(200, await catalog.publicInfoOf(request.params[0]!)));
}
