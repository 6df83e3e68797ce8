import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../errors/app-error.js';
import type { Role } from '../db/schema.js';
import { isApiPath } from '../http/security-headers.js';
import { SESSION_COOKIE, csrfTokensMatch, type SessionService } from './session.service.js';

/**
 * The only API routes that answer without a session. Everything else under /api answers 401 to a
 * request without one; `test/access-control.test.ts` checks every registered route against this list.
 */
export const PUBLIC_API_ROUTES: ReadonlySet<string> = new Set([
  'GET /api/setup/status',
  'POST /api/setup',
  'POST /api/auth/login',
  'GET /api/auth/session',
  'GET /api/oauth/callback'
]);

/**
 * Routes used before a session exists. They cannot check a CSRF token, so they accept only JSON
 * bodies (which a cross-site HTML form cannot send) from a same-origin page.
 */
export const PRE_SESSION_ROUTES: ReadonlySet<string> = new Set(['POST /api/setup', 'POST /api/auth/login']);

export const CSRF_HEADER = 'x-csrf-token';
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const ROLE_RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

export function routeKey(method: string, url: string): string {
  // Fastify answers HEAD with the GET route; both share its access rules.
  return `${method === 'HEAD' ? 'GET' : method} ${url}`;
}

export function roleAllows(actual: Role, required: Role): boolean {
  return ROLE_RANK[actual] >= ROLE_RANK[required];
}

export interface AccessControlOptions {
  sessions: SessionService;
  /** The origin users reach OrgKeeper at (from the public URL). */
  publicOrigin: string;
}

/**
 * Authentication, CSRF and role checks for /api, run before the body is read:
 * 1. a valid `orgkeeper_session` cookie sets `request.auth`;
 * 2. non-public routes without a session answer 401;
 * 3. state-changing requests carry the session's CSRF token (or, for login and setup, come from a
 *    same-origin page with a JSON body);
 * 4. a route's `config.role` is the least role allowed to call it.
 */
export function installAccessControl(app: FastifyInstance, options: AccessControlOptions): void {
  app.decorateRequest('auth', null);

  app.addHook('onRequest', async (request) => {
    if (!isApiPath(request.url)) return;
    const token = request.cookies[SESSION_COOKIE];
    request.auth = token ? await options.sessions.authenticate(token) : null;

    // Unknown /api paths count as non-public too: without a session they answer 401 like the rest,
    // so the API's shape is not visible to anyone not signed in (with a session they are 404s).
    const url = request.routeOptions.url;
    const key = url === undefined || request.is404 ? `${request.method} (unknown)` : routeKey(request.method, url);

    if (!PUBLIC_API_ROUTES.has(key) && !request.auth) {
      throw new AppError('unauthorized', 'Sign in to OrgKeeper to continue.');
    }

    if (STATE_CHANGING.has(request.method)) {
      if (PRE_SESSION_ROUTES.has(key)) checkSameOriginJson(request, options.publicOrigin);
      else if (request.auth) {
        const given = request.headers[CSRF_HEADER];
        if (!csrfTokensMatch(request.auth.session.csrfToken, typeof given === 'string' ? given : undefined)) {
          throw new AppError(
            'csrf_failed',
            'The request is missing its X-CSRF-Token header or the token does not belong to this session. Reload the page and try again.'
          );
        }
      }
    }

    const required = request.routeOptions.config.role;
    if (required && request.auth && !roleAllows(request.auth.user.role, required)) {
      throw new AppError('forbidden', `This needs the ${required} role; you are signed in as ${request.auth.user.role}.`);
    }
  });
}

function checkSameOriginJson(request: FastifyRequest, publicOrigin: string): void {
  const site = request.headers['sec-fetch-site'];
  if (typeof site === 'string' && site !== 'same-origin' && site !== 'none') {
    throw new AppError('csrf_failed', `Sign-in requests must come from OrgKeeper's own page (${publicOrigin}).`);
  }
  const origin = request.headers.origin;
  if (origin !== undefined) {
    const own = `${request.protocol}://${request.host}`;
    if (origin !== publicOrigin && origin !== own) {
      throw new AppError(
        'csrf_failed',
        `Sign-in requests must come from OrgKeeper's own page (${publicOrigin}); this one came from ${origin}. ` +
          'If OrgKeeper is reached at another address, set --public-url to it.'
      );
    }
  }
  const contentType = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (contentType !== 'application/json') {
    throw new AppError('unsupported_media_type', 'Send the request body as JSON with the header Content-Type: application/json.');
  }
}
