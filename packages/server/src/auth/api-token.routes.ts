import type { FastifyPluginAsync } from 'fastify';
import { actorOf } from '../http/actor.js';
import type { ApiTokenService } from './api-token.service.js';
import { apiTokenListSchema, apiTokenViewSchema, createdApiTokenSchema, newApiTokenBodySchema } from './api-token.schemas.js';
import type { NewApiTokenInput } from './api-token.types.js';

export interface ApiTokenRoutesDeps {
  tokens: ApiTokenService;
}

/**
 * API tokens (`/api/tokens`): list, create (the token is in this one answer only), revoke. Administrators only, like
 * the accounts a token stands in for.
 */
export const apiTokenRoutes: FastifyPluginAsync<ApiTokenRoutesDeps> = async (app, { tokens }) => {
  app.get(
    '/api/tokens',
    { config: { role: 'admin' }, schema: { tags: ['tokens'], operationId: 'listApiTokens', summary: 'List API tokens (never the tokens themselves)', response: { 200: apiTokenListSchema } } },
    async () => ({ tokens: await tokens.list() })
  );

  app.post<{ Body: NewApiTokenInput }>(
    '/api/tokens',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['tokens'],
        operationId: 'createApiToken',
        summary: 'Create an API token; the answer holds the token, shown only this once',
        body: newApiTokenBodySchema,
        response: { 201: createdApiTokenSchema }
      }
    },
    async (request, reply) => reply.code(201).send(await tokens.create(request.body, actorOf(request), { ip: request.ip }))
  );

  app.delete<{ Params: { id: string } }>(
    '/api/tokens/:id',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['tokens'],
        operationId: 'revokeApiToken',
        summary: 'Revoke an API token (by id or name): it answers 401 from now on',
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 64 } } },
        response: { 200: apiTokenViewSchema }
      }
    },
    async (request) => tokens.revoke(request.params.id, actorOf(request), { ip: request.ip })
  );
};
