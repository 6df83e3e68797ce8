import type { FastifyPluginAsync } from 'fastify';
import { actorOf } from '../http/actor.js';
import { recycleBinRestoreSchema, recycleBinSchema, recycleBinStatusSchema } from './recycle-bin.schemas.js';
import { MAX_RESTORE_ITEMS, type RecycleBinService, type RestoreRequestItem } from './recycle-bin.service.js';

export interface RecycleBinRoutesDeps {
  recycleBin: RecycleBinService;
}

const id = { type: 'string', minLength: 1, maxLength: 64 } as const;
const identityParams = { type: 'object', required: ['id'], properties: { id } } as const;

/** ArcGIS item ids are 32 hexadecimal characters; usernames are at most 128 characters without spaces. */
const restoreBody = {
  type: 'object',
  required: ['items'],
  additionalProperties: false,
  properties: {
    items: {
      type: 'array',
      minItems: 1,
      maxItems: MAX_RESTORE_ITEMS,
      items: {
        type: 'object',
        required: ['id'],
        additionalProperties: false,
        properties: { id: { type: 'string', pattern: '^[0-9A-Za-z]{1,64}$' }, owner: { type: 'string', minLength: 1, maxLength: 128, pattern: '^\\S+$' } }
      }
    }
  }
} as const;

/**
 * ArcGIS Online's recycle bin of an identity's organization: `GET .../recycle-bin` lists it and `.../status` says
 * whether it is on (any signed-in account, as it may read the content map); `POST .../recycle-bin/restore` brings
 * items back with their ids (operators).
 */
export const recycleBinRoutes: FastifyPluginAsync<RecycleBinRoutesDeps> = async (app, { recycleBin }) => {
  const tags = ['recycle-bin'];
  app.get<{ Params: { id: string } }>(
    '/api/identities/:id/recycle-bin',
    { schema: { tags, operationId: 'listRecycleBin', summary: 'Every member\'s recycle bin: who deleted what through OrgKeeper, earliest purge, the backup holding it', params: identityParams, response: { 200: recycleBinSchema } } },
    async (request, reply) => {
      const view = await recycleBin.list(request.params.id);
      // Live organization content: never kept by the browser or a proxy.
      return reply.header('cache-control', 'no-store').send(view);
    }
  );

  app.get<{ Params: { id: string } }>(
    '/api/identities/:id/recycle-bin/status',
    { schema: { tags, operationId: 'getRecycleBinStatus', summary: 'Whether the organization has a recycle bin and has it on', params: identityParams, response: { 200: recycleBinStatusSchema } } },
    async (request, reply) => reply.header('cache-control', 'no-store').send(await recycleBin.status(request.params.id))
  );

  app.post<{ Params: { id: string }; Body: { items: RestoreRequestItem[] } }>(
    '/api/identities/:id/recycle-bin/restore',
    {
      config: { role: 'operator' },
      schema: { tags, operationId: 'restoreFromRecycleBin', summary: 'Restore items from the recycle bin with their ids (views after their sources)', params: identityParams, body: restoreBody, response: { 200: recycleBinRestoreSchema } }
    },
    async (request) => recycleBin.restore(request.params.id, request.body.items, actorOf(request))
  );
};
