import type { FastifyPluginAsync } from 'fastify';
import { actorOf } from '../../http/actor.js';
import type { FixService } from './fix.service.js';
import { FIX_ACTIONS } from './fix.types.js';
import { fixDetailSchema, fixListSchema, fixPreviewSchema, fixStartedSchema } from './fix.schemas.js';

export interface FixRoutesDeps {
  fixes: FixService;
}

const id = { type: 'string', minLength: 1, maxLength: 64 } as const;
const identityParams = { type: 'object', required: ['id'], properties: { id } } as const;
const fixParams = { type: 'object', required: ['id', 'fixId'], properties: { id, fixId: id } } as const;

/** The body of preview and apply. Option values are checked by the service (clear messages per option). */
const fixBody = {
  type: 'object',
  required: ['scanId', 'findings', 'action'],
  additionalProperties: false,
  properties: {
    scanId: id,
    findings: {
      anyOf: [
        { type: 'string', enum: ['all'] },
        { type: 'array', minItems: 1, maxItems: 10000, items: { type: 'string', minLength: 1, maxLength: 64 } }
      ]
    },
    action: { type: 'string', enum: [...FIX_ACTIONS] },
    options: { type: 'object' },
    confirmNoBackup: { type: 'boolean' },
    previewHash: { type: 'string', pattern: '^[0-9a-f]{64}$' }
  }
} as const;

/**
 * Fixes on a scan's findings (operators): preview what will change, apply (an operation; the fix's id is its id),
 * read a fix with its per-finding results, undo it. Reading fixes is open to every signed-in account.
 */
export const fixRoutes: FastifyPluginAsync<FixRoutesDeps> = async (app, { fixes }) => {
  app.post<{ Params: { id: string }; Body: unknown }>(
    '/api/identities/:id/fixes/preview',
    {
      config: { role: 'operator' },
      schema: {
        tags: ['fixes'],
        operationId: 'previewFix',
        summary: 'What a fix would change, finding by finding (changes nothing)',
        params: identityParams,
        body: fixBody,
        response: { 200: fixPreviewSchema }
      }
    },
    async (request) => fixes.preview(request.params.id, request.body)
  );

  app.post<{ Params: { id: string }; Body: unknown }>(
    '/api/identities/:id/fixes',
    {
      config: { role: 'operator' },
      schema: {
        tags: ['fixes'],
        operationId: 'applyFix',
        summary: 'Apply a fix (backing up what it changes first); answers the operation to follow',
        params: identityParams,
        body: fixBody,
        response: { 202: fixStartedSchema }
      }
    },
    async (request, reply) => reply.code(202).send(await fixes.apply(request.params.id, request.body, actorOf(request)))
  );

  app.get<{ Params: { id: string }; Querystring: { scanId?: string; limit?: number } }>(
    '/api/identities/:id/fixes',
    {
      schema: {
        tags: ['fixes'],
        operationId: 'listFixes',
        summary: 'Fixes of this identity, newest first',
        response: { 200: fixListSchema },
        params: identityParams,
        querystring: { type: 'object', additionalProperties: false, properties: { scanId: id, limit: { type: 'integer', minimum: 1, maximum: 500 } } }
      }
    },
    async (request) => ({ fixes: await fixes.list(request.params.id, request.query) })
  );

  app.get<{ Params: { id: string; fixId: string } }>(
    '/api/identities/:id/fixes/:fixId',
    { schema: { tags: ['fixes'], operationId: 'getFix', summary: 'A fix and what was done to each finding', params: fixParams, response: { 200: fixDetailSchema } } },
    async (request) => fixes.get(request.params.id, request.params.fixId)
  );

  app.post<{ Params: { id: string; fixId: string } }>(
    '/api/identities/:id/fixes/:fixId/undo',
    {
      config: { role: 'operator' },
      schema: { tags: ['fixes'], operationId: 'undoFix', summary: 'Undo a fix; answers the operation to follow', params: fixParams, response: { 202: fixStartedSchema } }
    },
    async (request, reply) => reply.code(202).send(await fixes.undo(request.params.id, request.params.fixId, actorOf(request)))
  );
};
