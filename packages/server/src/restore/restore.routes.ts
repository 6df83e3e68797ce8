import type { FastifyPluginAsync } from 'fastify';
import { actorOf } from '../http/actor.js';
import type { OperationsService } from '../operations/operations.service.js';
import type { LiveItemDiff } from './live-diff.js';
import type { RestoreService } from './restore.service.js';
import type { RestorePlan, RestoreStepsView } from './restore.types.js';
import { csvResponse, operationStartedSchema } from '../operations/operation.schemas.js';
import { liveItemDiffSchema, restorePlanAnswerSchema, restoreStepsSchema } from './restore.schemas.js';

export interface RestoreRoutesDeps {
  restores: RestoreService;
  operations: OperationsService;
}

const id = { type: 'string', minLength: 1, maxLength: 64 } as const;
const identityParams = { type: 'object', required: ['id'], properties: { id } } as const;
const liveDiffParams = { type: 'object', required: ['id', 'snapshotId', 'itemId'], properties: { id, snapshotId: id, itemId: { type: 'string', pattern: '^[0-9a-zA-Z]{1,64}$' } } } as const;
const operationParams = { type: 'object', required: ['operationId'], properties: { operationId: id } } as const;

/** The restore request body (validated again, with messages per field, by RestoreService.validate). */
const restoreBody = {
  type: 'object',
  additionalProperties: false,
  required: ['snapshotId'],
  properties: {
    snapshotId: { type: 'string', maxLength: 64 },
    mode: { type: 'string', enum: ['in-place', 'recreate', 'copy', 'clone'] },
    items: { type: 'array', maxItems: 100000, items: { type: 'string', maxLength: 64 } },
    query: { type: 'string', maxLength: 4000 },
    all: { type: 'boolean' },
    targetIdentityId: { type: 'string', maxLength: 64 },
    owner: { type: 'string', maxLength: 256 },
    folder: { type: 'string', maxLength: 256 },
    suffix: { type: 'string', maxLength: 256 },
    ownerMap: { type: 'object', maxProperties: 10000, additionalProperties: { type: 'string', maxLength: 256 } },
    parts: { type: 'array', maxItems: 6, items: { type: 'string', maxLength: 32 } }
  }
} as const;

/**
 * Restores of an identity's snapshots: the plan (a dry run: `POST /api/identities/:id/restores/plan`), starting one as
 * an operation (`POST /api/identities/:id/restores`, returns its operation id; progress and cancel are the operation's),
 * its per-step log (`GET /api/restores/:operationId/steps`, `.../log.csv`), and a live item compared with a snapshot
 * part by part (`GET /api/identities/:id/snapshots/:snapshotId/items/:itemId/live-diff`; restore the parts picked with
 * `parts`). Writes need an operator.
 */
export const restoreRoutes: FastifyPluginAsync<RestoreRoutesDeps> = async (app, { restores, operations }) => {
  app.post<{ Params: { id: string }; Body: Record<string, unknown> }>(
    '/api/identities/:id/restores/plan',
    {
      config: { role: 'operator' },
      schema: {
        tags: ['restores'],
        operationId: 'planRestore',
        summary: 'Plan a restore (dry run): what would be created, overwritten or skipped',
        params: identityParams,
        body: restoreBody,
        response: { 200: restorePlanAnswerSchema }
      }
    },
    async (request): Promise<{ plan: RestorePlan }> => {
      const params = restores.validate(request.body, request.params.id);
      return { plan: await restores.plan(request.params.id, params) };
    }
  );

  app.post<{ Params: { id: string }; Body: Record<string, unknown> }>(
    '/api/identities/:id/restores',
    {
      config: { role: 'operator' },
      schema: {
        tags: ['restores'],
        operationId: 'startRestore',
        summary: 'Restore items of a snapshot (in place, recreate, copy or clone); answers the operation to follow',
        params: identityParams,
        body: restoreBody,
        response: { 202: operationStartedSchema }
      }
    },
    async (request, reply) => {
      const operation = await operations.start('restore', request.params.id, request.body, actorOf(request));
      return reply.code(202).send({ operationId: operation.id, operation });
    }
  );

  app.get<{ Params: { id: string; snapshotId: string; itemId: string } }>(
    '/api/identities/:id/snapshots/:snapshotId/items/:itemId/live-diff',
    {
      schema: {
        tags: ['restores'],
        operationId: 'getLiveItemDiff',
        summary: 'A live item against its state in a snapshot, part by part (reads the organization, changes nothing)',
        params: liveDiffParams,
        response: { 200: liveItemDiffSchema }
      }
    },
    async (request): Promise<LiveItemDiff> => restores.liveDiff(request.params.id, request.params.snapshotId, request.params.itemId)
  );

  app.get<{ Params: { operationId: string } }>(
    '/api/restores/:operationId/steps',
    { schema: { tags: ['restores'], operationId: 'getRestoreSteps', summary: 'A restore\'s plan and its step log so far', params: operationParams, response: { 200: restoreStepsSchema } } },
    async (request): Promise<RestoreStepsView> => {
    const run = await restores.findRun(request.params.operationId);
    const steps = await restores.log(request.params.operationId);
    return { operationId: request.params.operationId, plan: run?.plan ?? null, steps };
    }
  );

  app.get<{ Params: { operationId: string } }>(
    '/api/restores/:operationId/log.csv',
    { schema: { tags: ['restores'], operationId: 'downloadRestoreLogCsv', summary: 'A restore\'s step log as CSV', params: operationParams, response: { 200: csvResponse('The step log (UTF-8 CSV).') } } },
    async (request, reply) => {
    const csv = await restores.logCsv(request.params.operationId);
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="restore-${request.params.operationId.replace(/[^0-9a-zA-Z-]/g, '')}.csv"`)
      .send(csv);
    }
  );
};
