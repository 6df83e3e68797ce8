import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { actorOf } from '../http/actor.js';
import type { SchedulesService } from './schedules.service.js';
import { noContent } from '../http/schema-kit.js';
import { operationStartedSchema } from '../operations/operation.schemas.js';
import { scheduleListSchema, schedulePreviewSchema, scheduleSchema } from './schedule.schemas.js';

export interface ScheduleRoutesDeps {
  schedules: SchedulesService;
}

const id = { type: 'string', minLength: 1, maxLength: 64 } as const;
const idParams = { type: 'object', required: ['id'], properties: { id } } as const;
/** The service validates the content field by field (clear messages); the schema only bounds the shape. */
const scheduleBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    name: { type: 'string', maxLength: 500 },
    enabled: { type: 'boolean' },
    timing: { type: 'object' },
    timeZone: { type: 'string', maxLength: 100 },
    action: { type: 'object' }
  }
} as const;

/**
 * Schedules: `/api/identities/:id/schedules` (list, create) and `/api/schedules/:id` (read, change, delete, run now),
 * `/api/schedules` (all), `/api/schedules/preview` (the next run times of a timing). Reading needs any account;
 * changing an operator.
 */
export const scheduleRoutes: FastifyPluginAsync<ScheduleRoutesDeps> = async (app, { schedules }) => {
  app.get<{ Querystring: { identityId?: string } }>(
    '/api/schedules',
    {
      schema: {
        tags: ['schedules'],
        operationId: 'listSchedules',
        summary: 'All schedules (of one identity)',
        querystring: { type: 'object', additionalProperties: false, properties: { identityId: id } },
        response: { 200: scheduleListSchema }
      }
    },
    async (request) => ({ schedules: await schedules.list(request.query.identityId) })
  );

  app.get<{ Params: { id: string } }>(
    '/api/identities/:id/schedules',
    { schema: { tags: ['schedules'], operationId: 'listIdentitySchedules', summary: 'An identity\'s schedules', params: idParams, response: { 200: scheduleListSchema } } },
    async (request) => ({
    schedules: await schedules.list(request.params.id)
  }));

  app.post<{ Params: { id: string }; Body: Record<string, unknown> }>(
    '/api/identities/:id/schedules',
    {
      config: { role: 'operator' },
      schema: {
        tags: ['schedules'],
        operationId: 'createSchedule',
        summary: 'Add a schedule (a backup or a scan at set times)',
        params: idParams,
        body: { ...scheduleBody, required: ['name', 'timing', 'timeZone', 'action'] },
        response: { 201: scheduleSchema }
      }
    },
    async (request, reply) => reply.code(201).send(await schedules.create(request.params.id, request.body, actorOf(request)))
  );

  app.post<{ Body: { timing: unknown; timeZone: unknown; count?: number } }>(
    '/api/schedules/preview',
    {
      // Computes run times and changes nothing: open to viewers like the schedules they can read.
      config: { role: 'viewer' },
      schema: {
        tags: ['schedules'],
        operationId: 'previewScheduleTiming',
        summary: 'The next run times of a timing (changes nothing)',
        response: { 200: schedulePreviewSchema },
        body: {
          type: 'object',
          required: ['timing', 'timeZone'],
          additionalProperties: false,
          properties: { timing: { type: 'object' }, timeZone: { type: 'string', maxLength: 100 }, count: { type: 'integer', minimum: 1, maximum: 20 } }
        }
      }
    },
    async (request) => ({ runs: schedules.preview(request.body.timing, request.body.timeZone, request.body.count ?? 5) })
  );

  scheduleRoutesById(app, schedules);
};

/** One schedule: read, change, delete, run now. */
function scheduleRoutesById(app: FastifyInstance, schedules: SchedulesService): void {
  app.get<{ Params: { id: string } }>(
    '/api/schedules/:id',
    { schema: { tags: ['schedules'], operationId: 'getSchedule', summary: 'A schedule', params: idParams, response: { 200: scheduleSchema } } },
    async (request) => schedules.get(request.params.id)
  );

  app.patch<{ Params: { id: string }; Body: Record<string, unknown> }>(
    '/api/schedules/:id',
    {
      config: { role: 'operator' },
      schema: { tags: ['schedules'], operationId: 'updateSchedule', summary: 'Change a schedule', params: idParams, body: scheduleBody, response: { 200: scheduleSchema } }
    },
    async (request) => schedules.update(request.params.id, request.body, actorOf(request))
  );

  app.delete<{ Params: { id: string } }>(
    '/api/schedules/:id',
    { config: { role: 'operator' }, schema: { tags: ['schedules'], operationId: 'deleteSchedule', summary: 'Remove a schedule', params: idParams, response: { 204: noContent } } },
    async (request, reply) => {
      await schedules.delete(request.params.id, actorOf(request));
      return reply.code(204).send();
    }
  );

  app.post<{ Params: { id: string } }>(
    '/api/schedules/:id/run',
    {
      config: { role: 'operator' },
      schema: { tags: ['schedules'], operationId: 'runSchedule', summary: 'Run a schedule now; answers the operation to follow', params: idParams, response: { 202: operationStartedSchema } }
    },
    async (request, reply) => {
      const operation = await schedules.runNow(request.params.id, actorOf(request));
      return reply.code(202).send({ operationId: operation.id, operation });
    }
  );
}
