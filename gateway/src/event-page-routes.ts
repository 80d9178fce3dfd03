/**
 * What the organizer puts in front of the fans of an event: a message to
 * everyone in its queue (an engine command, journaled, so a fan who comes
 * later reads the current one) and its logo (branding.ts checks it; it is
 * kept in the event's settings and served from this origin). Colours are
 * ordinary settings (`PATCH /api/events/{id}`, `settings.branding`).
 *
 * Roles (for the API keys' role table): both organizer routes are
 * `operator`; the logo itself is public.
 */
import { BreakwaterError, MAX_ANNOUNCEMENT_LENGTH } from '../../engine/src/index.js';
import { brandingForOrganizer, MAX_LOGO_BYTES, publicBranding } from '../../engine/host/index.js';
import type { EngineLink } from '../../engine/link/types.js';
import type { EventCatalog } from './event-catalog.js';
import { json, jsonBody, type HttpRouter, type RouteOptions } from './http/router.js';

export function registerEventPageRoutes(router: HttpRouter, link: EngineLink, catalog: EventCatalog, organizer: RouteOptions): void {
  // operator: `{ text }`, '' takes the message down.
  router.post('/api/events/:id/announcement', async (request) => {
    const body = jsonBody(request);
    const text = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>).text : undefined;
    const announcement = await link.execute({ op: 'command', command: { type: 'announce', eventId: request.params[0]!, text } });
    return json(200, { announcement });
  }, { ...organizer, maxBodyBytes: 4 * MAX_ANNOUNCEMENT_LENGTH + 256 });

  // operator: the image itself as the body (image/png, image/jpeg or image/webp).
  router.route('put', '/api/events/:id/logo', async (request) => {
    const eventId = request.params[0]!;
    const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (!type.startsWith('image/')) throw new BreakwaterError('MALFORMED_COMMAND', 'the body must be the image (Content-Type image/png, image/jpeg or image/webp)', { details: { field: 'content-type', reason: 'must be an image type' } });
    const data = Buffer.from(request.body.buffer, request.body.byteOffset, request.body.byteLength).toString('base64');
    // The bytes are checked (type by their signature, size) where every settings change is: branding.ts.
    const settings = await link.execute({ op: 'updateSettings', eventId, patch: { branding: { logo: { data } } } });
    catalog.setSettings(eventId, settings);
    return json(200, { branding: brandingForOrganizer(settings.branding), logoUrl: publicBranding(eventId, settings.branding).logoUrl });
  }, { ...organizer, maxBodyBytes: MAX_LOGO_BYTES });

  // Public: the logo of a published event, with its own type, never sniffed, never able to run anything.
  router.get('/api/public/events/:id/logo', async (request) => {
    const eventId = request.params[0]!;
    await catalog.publicInfoOf(eventId); // EVENT_NOT_FOUND for drafts and unknown events
    const logo = catalog.settingsOf(eventId).branding.logo;
    if (logo === null) throw new BreakwaterError('ROUTE_NOT_FOUND', 'this event has no logo', { details: { eventId } });
    const etag = `"${logo.sha256.slice(0, 32)}"`;
    const headers = {
      etag,
      // The page asks for it by its hash (`?v=`): the same address is the same image.
      'cache-control': 'public, max-age=86400',
      'content-security-policy': "default-src 'none'; sandbox",
      'cross-origin-resource-policy': 'same-origin',
    };
    if (request.headers['if-none-match'] === etag) return { status: 304, text: '', contentType: logo.contentType, headers };
    return { status: 200, text: Buffer.from(logo.data, 'base64'), contentType: logo.contentType, headers };
  });
}
