import type { FastifyPluginAsync } from 'fastify';
import { actorOf } from '../http/actor.js';
import type { IdentityInput, IdentityListView } from './identity.types.js';
import type { OAuthAnswer } from './identity-connections.js';
import type { IdentityService } from './identity.service.js';

export interface IdentityRoutesDeps {
  identities: IdentityService;
}

const inputProperties = {
  type: { type: 'string', maxLength: 32 },
  name: { type: 'string', maxLength: 1000 },
  url: { type: 'string', maxLength: 2048 },
  authMethod: { type: 'string', maxLength: 32 },
  appId: { type: ['string', 'null'], maxLength: 256 },
  fileLocation: { type: 'string', maxLength: 4096 },
  fileLocationCredentials: {
    oneOf: [
      { type: 'null' },
      {
        type: 'object',
        additionalProperties: false,
        required: ['kind'],
        properties: {
          kind: { type: 'string', enum: ['s3', 'azure-key', 'azure-sas'] },
          accessKeyId: { type: 'string', maxLength: 256 },
          secretAccessKey: { type: 'string', maxLength: 1024 },
          accountName: { type: 'string', maxLength: 64 },
          accountKey: { type: 'string', maxLength: 1024 },
          token: { type: 'string', maxLength: 4096 }
        }
      }
    ]
  },
  encryptBackups: { type: 'boolean' },
  backupPassphrase: { type: 'string', maxLength: 1024 },
  storeCredentials: { type: 'boolean' },
  username: { type: 'string', maxLength: 256 },
  password: { type: 'string', maxLength: 1024 }
} as const;

const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 64 } }
} as const;

/**
 * Manage Identities: `/api/identities` (list, add, read, change, delete, connect, test). Reading needs any account;
 * changing or connecting identities needs an administrator; testing an operator.
 */
export const identityRoutes: FastifyPluginAsync<IdentityRoutesDeps> = async (app, { identities }) => {
  app.get('/api/identities', async (): Promise<IdentityListView> => ({ identities: await identities.list(), redirectUri: identities.redirectUri }));

  app.post<{ Body: IdentityInput }>(
    '/api/identities',
    {
      config: { role: 'admin' },
      schema: { body: { type: 'object', additionalProperties: false, properties: inputProperties } }
    },
    async (request, reply) => reply.code(201).send(await identities.create(request.body ?? {}, actorOf(request)))
  );

  app.get<{ Params: { id: string } }>('/api/identities/:id', { schema: { params: idParams } }, async (request) =>
    identities.get(request.params.id)
  );

  app.patch<{ Params: { id: string }; Body: IdentityInput }>(
    '/api/identities/:id',
    {
      config: { role: 'admin' },
      schema: { params: idParams, body: { type: 'object', additionalProperties: false, properties: inputProperties } }
    },
    async (request) => identities.update(request.params.id, request.body ?? {}, actorOf(request))
  );

  app.delete<{ Params: { id: string } }>(
    '/api/identities/:id',
    { config: { role: 'admin' }, schema: { params: idParams } },
    async (request, reply) => {
      await identities.delete(request.params.id, actorOf(request));
      return reply.code(204).send();
    }
  );

  app.post<{ Params: { id: string } }>(
    '/api/identities/:id/connect',
    { config: { role: 'admin' }, schema: { params: idParams } },
    async (request) => identities.connect(request.params.id, actorOf(request))
  );

  app.post<{ Params: { id: string } }>(
    '/api/identities/:id/test',
    { config: { role: 'operator' }, schema: { params: idParams } },
    async (request) => identities.test(request.params.id)
  );
};

/**
 * `GET /api/oauth/callback`: public (the browser arrives from the portal's sign-in page, possibly without
 * OrgKeeper's SameSite cookie); the single-use `state` ties it to the identity and the PKCE verifier.
 */
export const oauthCallbackRoutes: FastifyPluginAsync<IdentityRoutesDeps> = async (app, { identities }) => {
  app.get<{ Querystring: OAuthAnswer }>(
    '/api/oauth/callback',
    {
      config: { public: true },
      schema: {
        querystring: {
          type: 'object',
          properties: {
            code: { type: 'string', maxLength: 4096 },
            state: { type: 'string', maxLength: 512 },
            error: { type: 'string', maxLength: 256 },
            error_description: { type: 'string', maxLength: 2048 }
          }
        }
      }
    },
    async (request, reply) => {
      const location = await identities.finishOAuth(request.query, request.ip);
      return reply.code(302).header('cache-control', 'no-store').header('location', location).send();
    }
  );
};
