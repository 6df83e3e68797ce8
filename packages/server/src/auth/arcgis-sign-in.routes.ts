import type { FastifyPluginAsync } from 'fastify';
import { actorOf } from '../http/actor.js';
import { oauthCallbackQuerySchema, redirectResponse, type OAuthCallbackQuery } from '../http/schemas.js';
import { ARCGIS_BROWSER_COOKIE, ARCGIS_CALLBACK_PATH, ARCGIS_STATE_TTL_MS, type ArcGISSignInService } from './arcgis-sign-in.service.js';
import {
  arcgisSignInSettingsBodySchema,
  arcgisSignInSettingsSchema,
  arcgisStartSchema,
  orgGroupsSchema,
  signInMethodsSchema
} from './arcgis-sign-in.schemas.js';
import type { ArcGISSignInSettingsInput } from './arcgis-sign-in.types.js';
import { clientContext, setSessionCookie } from './auth.routes.js';

export interface ArcGISSignInRoutesDeps {
  arcgis: ArcGISSignInService;
  secureCookies: boolean;
}

/** The browser's sign-in cookie lives only where the callback can read it. */
const BROWSER_COOKIE_PATH = '/api/auth/arcgis';

/**
 * Signing in with ArcGIS: `GET /api/auth/methods` and `POST /api/auth/arcgis/start` (public: they come before a
 * session; start accepts only same-origin JSON like login), the portal's way back `GET /api/auth/arcgis/callback`
 * (public), and the administrators' settings under `/api/settings/arcgis-sign-in`.
 */
export const arcgisSignInRoutes: FastifyPluginAsync<ArcGISSignInRoutesDeps> = async (app, { arcgis, secureCookies }) => {
  app.get(
    '/api/auth/methods',
    { config: { public: true }, schema: { tags: ['auth'], operationId: 'getSignInMethods', summary: 'How people can sign in (for the sign-in page)', response: { 200: signInMethodsSchema } } },
    async () => arcgis.methods()
  );

  app.post<{ Body: { returnTo?: string } | undefined }>(
    '/api/auth/arcgis/start',
    {
      config: { public: true },
      schema: {
        tags: ['auth'],
        operationId: 'startArcGISSignIn',
        summary: 'Start signing in with ArcGIS (for the web app\'s sign-in page): where to send the browser',
        body: { type: 'object', additionalProperties: false, properties: { returnTo: { type: 'string', maxLength: 1000 } } },
        response: { 200: arcgisStartSchema }
      }
    },
    async (request, reply) => {
      const started = await arcgis.start(request.body?.returnTo);
      reply.setCookie(ARCGIS_BROWSER_COOKIE, started.browserValue, {
        httpOnly: true,
        // Lax: sent when the portal's page sends the browser back (a top-level GET), never on other sites' requests.
        sameSite: 'lax',
        path: BROWSER_COOKIE_PATH,
        secure: secureCookies,
        maxAge: Math.floor(ARCGIS_STATE_TTL_MS / 1000)
      });
      return { authorizeUrl: started.authorizeUrl };
    }
  );

  app.get<{ Querystring: OAuthCallbackQuery }>(
    ARCGIS_CALLBACK_PATH,
    {
      config: { public: true },
      schema: {
        tags: ['auth'],
        operationId: 'arcgisSignInCallback',
        summary: 'Where the portal\'s sign-in page sends the browser back (not for scripts)',
        querystring: oauthCallbackQuerySchema,
        response: { 302: redirectResponse }
      }
    },
    async (request, reply) => {
      const result = await arcgis.finish(request.query, request.cookies[ARCGIS_BROWSER_COOKIE], clientContext(request));
      reply.clearCookie(ARCGIS_BROWSER_COOKIE, { httpOnly: true, sameSite: 'lax', path: BROWSER_COOKIE_PATH, secure: secureCookies });
      if (result.kind === 'signed-in') setSessionCookie(reply, result.signedIn, secureCookies);
      return reply.code(302).header('cache-control', 'no-store').header('location', result.location).send();
    }
  );

  app.get(
    '/api/settings/arcgis-sign-in',
    {
      config: { role: 'admin' },
      schema: { tags: ['arcgis-sign-in'], operationId: 'getArcGISSignInSettings', summary: 'Signing in with ArcGIS: the identity, App ID and role mapping', response: { 200: arcgisSignInSettingsSchema } }
    },
    async () => arcgis.settings()
  );

  app.put<{ Body: ArcGISSignInSettingsInput }>(
    '/api/settings/arcgis-sign-in',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['arcgis-sign-in'],
        operationId: 'setArcGISSignInSettings',
        summary: 'Turn signing in with ArcGIS on or off and set who gets which role',
        body: arcgisSignInSettingsBodySchema,
        response: { 200: arcgisSignInSettingsSchema }
      }
    },
    async (request) => arcgis.saveSettings(request.body, actorOf(request), request.ip)
  );

  app.get<{ Querystring: { identityId: string; q?: string } }>(
    '/api/settings/arcgis-sign-in/groups',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['arcgis-sign-in'],
        operationId: 'searchArcGISGroups',
        summary: 'Groups of an identity\'s organization whose title matches (for the role mapping)',
        querystring: {
          type: 'object',
          required: ['identityId'],
          additionalProperties: false,
          properties: { identityId: { type: 'string', minLength: 1, maxLength: 64 }, q: { type: 'string', maxLength: 200 } }
        },
        response: { 200: orgGroupsSchema }
      }
    },
    async (request) => ({ groups: await arcgis.searchGroups(request.query.identityId, request.query.q ?? '') })
  );
};
