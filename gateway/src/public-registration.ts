/**
 * Registration for a coded presale, fan side (docs/presales.md,
 * "Registration"): a verified account registers, reads its registration and
 * withdraws, each with the identity token the organizer's login signed. The
 * gateway verifies the token (gateway/src/identity) and hands the engine the
 * account's fan id, `acct:<sub>`: nobody registers for an account they did
 * not sign in as, and an account has one registration.
 */
import { BreakwaterError } from '../../engine/src/index.js';
import type { RegistrationView } from '../../engine/src/index.js';
import type { EventCatalog } from './event-catalog.js';
import type { EngineLink } from '../../engine/link/types.js';
import { json, jsonBody, type HttpRouter, type RequestInfo, type RouteOptions } from './http/router.js';
import { verifiesIdentities } from '../../engine/host/index.js';
import { IdentityVerifier } from './identity/verifier.js';

/** A JWT is three base64url parts: longer than this is not one the organizer's login signed. */
const MAX_TOKEN = 8_192;
/** The body is `{"identity": "<token>"}`: room for the longest token and nothing more. */
const TOKEN_BODY: RouteOptions = { maxBodyBytes: MAX_TOKEN + 1_024 };

export function registerPublicRegistration(router: HttpRouter, link: EngineLink, catalog: EventCatalog): void {
  const verifier = new IdentityVerifier();

  /** The account a token vouches for in this event; the IDENTITY_* refusal otherwise. */
  const accountOf = async (eventId: string, token: string | undefined): Promise<string> => {
    const identity = catalog.settingsOf(eventId).identity;
    if (!verifiesIdentities(identity) || token === undefined) {
      throw new BreakwaterError('IDENTITY_REQUIRED', 'registration is for verified accounts: sign in with the organizer\'s login first', {
        details: { loginUrl: identity?.loginUrl ?? null },
      });
    }
    return (await verifier.verify(token, eventId, identity)).fanId;
  };
  const command = (type: 'register' | 'withdrawRegistration', eventId: string, fanId: string) =>
    link.execute({ op: 'command', command: { type, eventId, fanId } }) as Promise<RegistrationView>;

  router.post('/api/public/events/:id/registration', async (request) => {
    const eventId = request.params[0]!;
    const view = await command('register', eventId, await accountOf(eventId, tokenInBody(request)));
    // A new registration carries its receipt; registering again answers the same registration.
    return json(view.receipt === undefined ? 200 : 201, view);
  }, TOKEN_BODY);

  router.get('/api/public/events/:id/registration', async (request) => {
    const eventId = request.params[0]!;
    return json(200, await link.execute({ op: 'registrationOf', eventId, fanId: await accountOf(eventId, bearerToken(request)) }));
  });

  router.post('/api/public/events/:id/registration/withdraw', async (request) => {
    const eventId = request.params[0]!;
    return json(200, await command('withdrawRegistration', eventId, await accountOf(eventId, tokenInBody(request))));
  }, TOKEN_BODY);
}

/** `{"identity": "<token>"}`. */
function tokenInBody(request: RequestInfo): string | undefined {
  const body = jsonBody(request);
  const token = typeof body === 'object' && body !== null ? (body as Record<string, unknown>).identity : undefined;
  if (token === undefined) return undefined;
  if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN) {
    throw new BreakwaterError('MALFORMED_COMMAND', 'identity must be the identity token (a JWT)', { details: { field: 'identity', reason: 'must be a JWT' } });
  }
  return token;
}

/** `Authorization: Bearer <token>`: a read carries the token in a header, never in a URL a log would keep. */
function bearerToken(request: RequestInfo): string | undefined {
  const match = /^Bearer (\S{1,8192})$/.exec(request.headers.authorization ?? '');
  return match?.[1];
}
