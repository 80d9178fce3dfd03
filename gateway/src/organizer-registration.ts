/**
 * The organizer API's registration for a coded presale (docs/presales.md,
 * "Registration"): open or change it (its times, the expected share of
 * invitees who buy, the tickets per buyer), see its figures and its draw,
 * close it now (the draw runs), and invite the next N from its waitlist.
 * The engine decides and journals; this file only moves requests.
 */
import { BreakwaterError, REGISTRATION_DRAW } from '../../engine/src/index.js';
import type { EngineLink } from '../../engine/link/types.js';
import { json, jsonBody, type HttpRouter, type RouteOptions } from './http/router.js';

export function registerRegistrationRoutes(router: HttpRouter, link: EngineLink, organizer: RouteOptions): void {
  /** The registration's configuration, its figures, its draw and where its proof is published. */
  const registrationOf = async (eventId: string) => {
    const { config, status } = await link.execute({ op: 'getEvent', eventId });
    return {
      config: config.registration ?? null,
      status: status.registration ?? null,
      draw: status.draws.find((d) => d.draw === REGISTRATION_DRAW) ?? null,
      proof: `/api/public/events/${encodeURIComponent(eventId)}/draws/${REGISTRATION_DRAW}`,
    };
  };
  const command = (eventId: string, body: Record<string, unknown>) => link.execute({ op: 'command', command: { ...body, eventId } });

  router.get('/api/events/:id/registration', async (request) => json(200, await registrationOf(request.params[0]!)), organizer);

  // The whole registration (a configuration change: checked like one, refused once its draw ran).
  router.route('put', '/api/events/:id/registration', async (request) => {
    const eventId = request.params[0]!;
    await command(eventId, { type: 'updateEvent', patch: { registration: objectBody(jsonBody(request)) } });
    return json(200, await registrationOf(eventId));
  }, organizer);

  router.post('/api/events/:id/registration/close', async (request) => {
    const eventId = request.params[0]!;
    await command(eventId, { type: 'closeRegistration' });
    return json(200, await registrationOf(eventId));
  }, organizer);

  router.post('/api/events/:id/registration/invite-next', async (request) => {
    const { count } = objectBody(jsonBody(request));
    return json(200, await command(request.params[0]!, { type: 'inviteNext', count }));
  }, organizer);
}

function objectBody(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new BreakwaterError('MALFORMED_COMMAND', 'the body must be a JSON object', { details: { field: 'body', reason: 'must be an object' } });
  }
  return body as Record<string, unknown>;
}
