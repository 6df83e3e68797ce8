import type { FastifyPluginAsync } from 'fastify';
import { credentialsBodySchema, signedInSchema } from '../http/schemas.js';
import type { UserService } from '../users/index.js';
import { clientContext, setSessionCookie, signedInBody } from './auth.routes.js';
import type { AuthService } from './auth.service.js';

export interface SetupRoutesDeps {
  auth: AuthService;
  users: UserService;
  secureCookies: boolean;
}

/** First run: GET /api/setup/status and POST /api/setup (creates the first administrator and signs in). Both public. */
export const setupRoutes: FastifyPluginAsync<SetupRoutesDeps> = async (app, deps) => {
  app.get(
    '/api/setup/status',
    {
      config: { public: true },
      schema: {
        tags: ['setup'],
        operationId: 'getSetupStatus',
        summary: 'Whether OrgKeeper still needs its first administrator',
        response: { 200: { type: 'object', required: ['needsSetup'], properties: { needsSetup: { type: 'boolean' } } } }
      }
    },
    async () => ({ needsSetup: await deps.users.needsSetup() })
  );

  app.post<{ Body: { username: string; password: string } }>(
    '/api/setup',
    {
      config: { public: true },
      schema: {
        tags: ['setup'],
        operationId: 'setup',
        summary: 'First run: create the first administrator and sign in',
        body: credentialsBodySchema,
        response: { 201: signedInSchema }
      }
    },
    async (request, reply) => {
      const signedIn = await deps.auth.setup(request.body, clientContext(request));
      setSessionCookie(reply, signedIn, deps.secureCookies);
      return reply.code(201).send(signedInBody(signedIn));
    }
  );
};
