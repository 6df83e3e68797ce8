import type { FastifyContextConfig, FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../errors/app-error.js';
import type { Role } from '../db/schema.js';
import type { AuthContext, SessionAuthContext } from './auth-context.js';
import type { ApiTokenService } from './api-token.service.js';
import { SESSION_COOKIE, csrfTokensMatch, type SessionService } from './session.service.js';

export const CSRF_HEADER = 'x-csrf-token';
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const ROLE_RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

export function roleAllows(actual: Role, required: Role): boolean {
  return ROLE_RANK[actual] >= ROLE_RANK[required];
}

export function isStateChanging(method: string): boolean {
  return STATE_CHANGING.has(method);
}

/**
 * The least role a signed-in account needs for a route: its own `config.role`; else, for a route
 * that is not public, operator to change anything and any role to read. Failing closed: a
 * state-changing route added later without a role is not open to viewers.
 */
export function requiredRole(method: string, config: Pick<FastifyContextConfig, 'role' | 'public'>): Role | undefined {
  if (config.role) return config.role;
  if (config.public) return undefined;
  return isStateChanging(method) ? 'operator' : undefined;
}

/** Throws 401 unless the request has a valid session or API token (for handlers of public routes that hold something private). */
export function requireSession(request: FastifyRequest): void {
  if (!request.auth) throw new AppError('unauthorized', 'Sign in to OrgKeeper to continue.');
}

/**
 * The browser session behind the request, for what only a session has (its CSRF token, signing out); a request made
 * with an API token gets `bad_request`.
 */
export function browserSession(request: FastifyRequest): SessionAuthContext {
  const auth = request.auth;
  if (auth?.kind === 'token') {
    throw new AppError('bad_request', 'API tokens have no session: this route is for the web app. To stop a token working, revoke it.');
  }
  if (!auth) throw new AppError('unauthorized', 'Sign in to OrgKeeper to continue.');
  return auth;
}

/** `Authorization: Bearer <token>`; other schemes (a reverse proxy's Basic or Negotiate) are not OrgKeeper's. */
const BEARER = /^Bearer[ ]+([^\s]*)\s*$/i;

export interface AccessControlOptions {
  sessions: SessionService;
  tokens: ApiTokenService;
  /** The origin users reach OrgKeeper at (from the public URL). */
  publicOrigin: string;
  /** Checks a bearer token of each kind a route may accept (`config.bearer`): true when it is valid. */
  bearerTokens?: { [K in NonNullable<FastifyContextConfig['bearer']>]?: (token: string) => Promise<boolean> };
}

/** The token of an `Authorization: Bearer <token>` header, or undefined when there is none. */
export function bearerTokenOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer[ \t]+([^\s]+)[ \t]*$/i.exec(header);
  return match?.[1];
}

/**
 * Authentication, CSRF and role checks for every request, run before the body is read. Access is
 * decided from the route the router matched (`request.routeOptions`), never from the raw URL: the
 * router decodes and matches the path, so `/%61pi/audit` is the audit route and gets its checks.
 * 1. `Authorization: Bearer <API token>` sets `request.auth` to the token (a token that is unknown, revoked or expired
 *    answers 401, and the cookie is then not looked at); otherwise a valid `orgkeeper_session` cookie sets it to the
 *    session;
 * 2. a route is public only when its own definition says `config: { public: true }`; every other
 *    route, and every path that matches no route (404), answers 401 without a session, so nothing
 *    (not even which API paths exist) is visible to anyone not signed in;
 * 3. state-changing requests carry the session's CSRF token (not those made with a token: no cookie is involved, so
 *    no other site can make a browser send one); public ones (login, setup), which come before any session, must
 *    instead be same-origin JSON;
 * 4. `requiredRole` of the matched route is the least role allowed to call it.
 * A read-only route that declares `config.bearer` also answers to a valid bearer token of that kind (Prometheus's
 * token for /metrics) instead of a session; a wrong token is refused.
 */
export function installAccessControl(app: FastifyInstance, options: AccessControlOptions): void {
  app.decorateRequest('auth', null);
  app.decorateRequest('bearer', null);

  app.addHook('onRequest', async (request, reply) => {
    const config = request.routeOptions.config;
    // A route that takes its own kind of bearer token (Prometheus's for /metrics) checks it here, before API tokens.
    if (!request.is404 && config.bearer && !isStateChanging(request.method)) {
      const bearer = bearerTokenOf(request);
      if (bearer !== undefined) {
        const verify = options.bearerTokens?.[config.bearer];
        if (verify && (await verify(bearer))) {
          request.bearer = config.bearer;
          return;
        }
        reply.header('www-authenticate', 'Bearer realm="OrgKeeper", error="invalid_token"');
        throw new AppError('unauthorized', `The ${config.bearer} token is not valid. Send the token an administrator made (orgkeeper metrics token new) as "Authorization: Bearer <token>".`);
      }
    }
    request.auth = await authenticate(request, options);

    const isPublic = !request.is404 && config.public === true;
    if (!isPublic) requireSession(request);

    if (isStateChanging(request.method)) {
      if (isPublic && request.auth?.kind === 'token') {
        // Public state-changing routes sign people in (login, setup): an API token is already all a script needs.
        throw new AppError('bad_request', 'API tokens do not sign in: send the token with every request instead (Authorization: Bearer <token>).');
      }
      if (isPublic) checkSameOriginJson(request, options.publicOrigin);
      else if (request.auth?.kind !== 'token') checkCsrfToken(request);
    }

    // A path that matched no route has no role to check: with a session it is a plain 404.
    if (request.is404 || !request.auth) return;
    const required = requiredRole(request.method, config);
    if (required && !roleAllows(request.auth.user.role, required)) {
      const who = request.auth.kind === 'token' ? `the API token "${request.auth.token.name}" has` : 'you are signed in as';
      throw new AppError('forbidden', `This needs the ${required} role; ${who} ${request.auth.user.role}.`);
    }
  });

  // A request made with a token never gets a session cookie, whatever route it reached.
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.auth?.kind === 'token' && reply.hasHeader('set-cookie')) reply.removeHeader('set-cookie');
    return payload;
  });
}

async function authenticate(request: FastifyRequest, options: AccessControlOptions): Promise<AuthContext | null> {
  const authorization = request.headers.authorization;
  const bearer = typeof authorization === 'string' ? BEARER.exec(authorization) : null;
  if (bearer) {
    const principal = await options.tokens.authenticate(bearer[1] ?? '', request.ip);
    if (!principal) {
      throw new AppError(
        'unauthorized',
        'The API token is not valid: it is unknown, revoked or expired. Send `Authorization: Bearer <token>` with a token an administrator created (Administration > API tokens, or `orgkeeper tokens create`).'
      );
    }
    return { kind: 'token', user: { id: principal.id, username: principal.name, role: principal.role }, token: { id: principal.id, name: principal.name } };
  }
  const cookie = request.cookies[SESSION_COOKIE];
  return cookie ? options.sessions.authenticate(cookie) : null;
}

function checkCsrfToken(request: FastifyRequest): void {
  const given = request.headers[CSRF_HEADER];
  if (request.auth?.kind !== 'session' || !csrfTokensMatch(request.auth.session.csrfToken, typeof given === 'string' ? given : undefined)) {
    throw new AppError(
      'csrf_failed',
      'The request is missing its X-CSRF-Token header or the token does not belong to this session. Reload the page and try again.'
    );
  }
}

/**
 * Login and setup come before a session exists, so they cannot check a CSRF token. They accept only
 * JSON bodies (which a cross-site HTML form cannot send) from a same-origin page. The Host the
 * request names has already been checked against the public URL (http/host-check.ts), so the
 * origin "as reached" is one of OrgKeeper's own addresses, never a DNS-rebinding name.
 */
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
