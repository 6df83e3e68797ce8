import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors/app-error.js';
import { browserSession } from './access-control.js';
import { noContent } from '../http/schema-kit.js';
import { credentialsBodySchema, signedInSchema } from '../http/schemas.js';
import type { AuthService, ClientContext, SignedIn } from './auth.service.js';
import { SESSION_COOKIE } from './session.service.js';

export interface AuthRoutesDeps {
  auth: AuthService;
  /** Cookies get `Secure` when OrgKeeper is reached over https. */
  secureCookies: boolean;
}

export function clientContext(request: FastifyRequest): ClientContext {
  const userAgent = request.headers['user-agent'];
  return { ip: request.ip, userAgent: typeof userAgent === 'string' ? userAgent : null };
}

export function setSessionCookie(reply: FastifyReply, signedIn: SignedIn, secure: boolean): void {
  reply.setCookie(SESSION_COOKIE, signedIn.session.token, {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    secure,
    maxAge: signedIn.session.cookieMaxAgeSeconds
  });
}

export function signedInBody(signedIn: SignedIn) {
  return { user: { username: signedIn.user.username, role: signedIn.user.role }, csrfToken: signedIn.session.csrfToken, via: signedIn.session.via };
}

/**
 * POST /api/auth/login, POST /api/auth/logout, GET /api/auth/session. Login and the session probe
 * are public (they come before a session exists); logging out needs a session, of any role.
 */
export const authRoutes: FastifyPluginAsync<AuthRoutesDeps> = async (app, deps) => {
  app.post<{ Body: { username: string; password: string } }>(
    '/api/auth/login',
    {
      config: { public: true },
      schema: {
        tags: ['auth'],
        operationId: 'login',
        summary: 'Sign in with an OrgKeeper account (sets the session cookie; for the web app, not for scripts)',
        body: credentialsBodySchema,
        response: { 200: signedInSchema }
      }
    },
    async (request, reply) => {
      const signedIn = await deps.auth.login(request.body, clientContext(request), request.auth?.kind === 'session' ? request.auth : null);
      setSessionCookie(reply, signedIn, deps.secureCookies);
      return signedInBody(signedIn);
    }
  );

  app.post('/api/auth/logout', { config: { role: 'viewer' }, schema: { tags: ['auth'], operationId: 'logout', summary: 'End the session', response: { 204: noContent } } }, async (request, reply) => {
    await deps.auth.logout(browserSession(request), clientContext(request));
    reply.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'lax', path: '/', secure: deps.secureCookies });
    return reply.code(204).send();
  });

  app.get(
    '/api/auth/session',
    { config: { public: true }, schema: { tags: ['auth'], operationId: 'getSession', summary: 'The signed-in account and the session\'s CSRF token (401: not signed in)', response: { 200: signedInSchema } } },
    async (request) => {
    if (!request.auth) throw new AppError('unauthorized', 'Not signed in.');
    const auth = browserSession(request);
    return { user: { username: auth.user.username, role: auth.user.role }, csrfToken: auth.session.csrfToken, via: auth.session.via };
    }
  );
};
