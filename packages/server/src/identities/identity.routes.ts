import type { FastifyPluginAsync } from 'fastify';
import { actorOf } from '../http/actor.js';
import type { IdentityInput, IdentityListView } from './identity.types.js';
import type { IdentityService } from './identity.service.js';
import { noContent } from '../http/schema-kit.js';
import { oauthCallbackQuerySchema, redirectResponse, type OAuthCallbackQuery } from '../http/schemas.js';
import { identityConnectSchema, identityListSchema, identitySchema, testReportSchema } from './identity.schemas.js';

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
  app.get(
    '/api/identities',
    { schema: { tags: ['identities'], operationId: 'listIdentities', summary: 'The identities, and the redirect URI to register on App IDs', response: { 200: identityListSchema } } },
    async (): Promise<IdentityListView> => ({ identities: await identities.list(), redirectUri: identities.redirectUri })
  );

  app.post<{ Body: IdentityInput }>(
    '/api/identities',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['identities'],
        operationId: 'createIdentity',
        summary: 'Add an identity (every field is checked against the real portal and folder)',
        body: { type: 'object', additionalProperties: false, properties: inputProperties },
        response: { 201: identitySchema }
      }
    },
    async (request, reply) => reply.code(201).send(await identities.create(request.body ?? {}, actorOf(request)))
  );

  app.get<{ Params: { id: string } }>(
    '/api/identities/:id',
    { schema: { tags: ['identities'], operationId: 'getIdentity', summary: 'An identity', params: idParams, response: { 200: identitySchema } } },
    async (request) => identities.get(request.params.id)
  );

  app.patch<{ Params: { id: string }; Body: IdentityInput }>(
    '/api/identities/:id',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['identities'],
        operationId: 'updateIdentity',
        summary: 'Change an identity',
        params: idParams,
        body: { type: 'object', additionalProperties: false, properties: inputProperties },
        response: { 200: identitySchema }
      }
    },
    async (request) => identities.update(request.params.id, request.body ?? {}, actorOf(request))
  );

  app.delete<{ Params: { id: string } }>(
    '/api/identities/:id',
    { config: { role: 'admin' }, schema: { tags: ['identities'], operationId: 'deleteIdentity', summary: 'Remove an identity (its backups stay in its File Location)', params: idParams, response: { 204: noContent } } },
    async (request, reply) => {
      await identities.delete(request.params.id, actorOf(request));
      return reply.code(204).send();
    }
  );

  app.post<{ Params: { id: string } }>(
    '/api/identities/:id/connect',
    {
      config: { role: 'admin' },
      schema: { tags: ['identities'], operationId: 'connectIdentity', summary: 'Connect an identity to its organization (OAuth2 sign-in or IWA)', params: idParams, response: { 200: identityConnectSchema } }
    },
    async (request) => identities.connect(request.params.id, actorOf(request))
  );

  app.post<{ Params: { id: string } }>(
    '/api/identities/:id/test',
    {
      config: { role: 'operator' },
      schema: { tags: ['identities'], operationId: 'testIdentity', summary: 'Check an identity: portal, sign-in, administrator, recycle bin, token lifetime, File Location', params: idParams, response: { 200: testReportSchema } }
    },
    async (request) => identities.test(request.params.id)
  );
};

/**
 * `GET /api/oauth/callback`: public (the browser arrives from the portal's sign-in page, possibly without
 * OrgKeeper's SameSite cookie); the single-use `state` ties it to the identity and the PKCE verifier.
 */
export const oauthCallbackRoutes: FastifyPluginAsync<IdentityRoutesDeps> = async (app, { identities }) => {
  app.get<{ Querystring: OAuthCallbackQuery }>(
    '/api/oauth/callback',
    {
      config: { public: true },
      schema: {
        tags: ['identities'],
        operationId: 'identityOAuthCallback',
        summary: 'Where the portal\'s sign-in page sends the browser back (not for scripts)',
        response: { 302: redirectResponse },
        querystring: oauthCallbackQuerySchema
      }
    },
    async (request, reply) => {
      const location = await identities.finishOAuth(request.query, request.ip);
      return reply.code(302).header('cache-control', 'no-store').header('location', location).send();
    }
  );
};
