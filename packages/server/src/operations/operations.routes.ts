import { PassThrough } from 'node:stream';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { actorOf } from '../http/actor.js';
import { operationItemsCsv } from './csv.js';
import { OPERATION_KINDS, OPERATION_STATUSES, type ItemLogStatus, type OperationKind, type OperationListView, type OperationStatus } from './operation.types.js';
import type { OperationEvent, OperationsService } from './operations.service.js';
import { csvResponse, eventStreamResponse, operationItemPageSchema, operationListSchema, operationStartedSchema, operationViewSchema, workerListSchema } from './operation.schemas.js';
import type { WorkerListView } from './worker.types.js';

export interface OperationRoutesDeps {
  operations: OperationsService;
}

const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 64 } }
} as const;

const ITEM_STATUSES = ['ok', 'skipped', 'failed'] as const;

/** Comment lines keep idle event streams open through proxies that close silent connections. */
const SSE_KEEPALIVE_MS = 15_000;

/**
 * Sends server-sent events from `events` until it ends or the client goes away: one `event:` per OperationEvent type
 * (`status`, `progress`, `items`) with its JSON as data, then `event: end`.
 */
function sendEvents(request: FastifyRequest, reply: FastifyReply, events: (signal: AbortSignal) => AsyncGenerator<OperationEvent>) {
  const body = new PassThrough();
  const controller = new AbortController();
  const stop = () => controller.abort();
  request.raw.on('close', stop);
  body.on('close', stop);
  const keepalive = setInterval(() => body.write(': keepalive\n\n'), SSE_KEEPALIVE_MS);
  keepalive.unref();
  void (async () => {
    try {
      // Tells EventSource how long to wait before reconnecting.
      body.write('retry: 2000\n\n');
      for await (const event of events(controller.signal)) {
        if (controller.signal.aborted) break;
        body.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
      }
      if (!controller.signal.aborted) body.write('event: end\ndata: {}\n\n');
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (!controller.signal.aborted) body.write(`event: error\ndata: ${JSON.stringify({ message })}\n\n`);
    } finally {
      clearInterval(keepalive);
      request.raw.off('close', stop);
      body.end();
    }
  })();
  return reply.type('text/event-stream; charset=utf-8').header('cache-control', 'no-cache').header('x-accel-buffering', 'no').send(body);
}

/**
 * Operations: `/api/operations` (list, read, start, cancel, resume, per-item log as JSON and CSV, live events) and
 * `/api/workers`. Reading needs any account; starting, cancelling and resuming an operator.
 */
export const operationRoutes: FastifyPluginAsync<OperationRoutesDeps> = async (app, { operations }) => {
  app.get<{ Querystring: { identityId?: string; kind?: OperationKind; status?: OperationStatus; limit: number; before?: string } }>(
    '/api/operations',
    {
      schema: {
        tags: ['operations'],
        operationId: 'listOperations',
        summary: 'List operations, newest first (filter by identity, kind, status; page with before)',
        response: { 200: operationListSchema },
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            identityId: { type: 'string', minLength: 1, maxLength: 64 },
            kind: { type: 'string', enum: [...OPERATION_KINDS] },
            status: { type: 'string', enum: [...OPERATION_STATUSES] },
            limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
            before: { type: 'string', minLength: 1, maxLength: 64 }
          }
        }
      }
    },
    async (request): Promise<OperationListView> => {
      const { limit, ...filter } = request.query;
      const list = await operations.list({ ...filter, limit });
      return { operations: list, nextBefore: list.length === limit ? (list.at(-1)?.id ?? null) : null };
    }
  );

  // Registered before /api/operations/:id so `events` is not taken for an operation id.
  app.get<{ Querystring: { identityId?: string } }>(
    '/api/operations/events',
    {
      schema: {
        tags: ['operations'],
        operationId: 'watchOperations',
        summary: 'Live events of all operations (of one identity)',
        response: { 200: eventStreamResponse },
        querystring: { type: 'object', additionalProperties: false, properties: { identityId: { type: 'string', minLength: 1, maxLength: 64 } } }
      }
    },
    async (request, reply) => {
      const { identityId } = request.query;
      return sendEvents(request, reply, (signal) => operations.watchAll({ ...(identityId ? { identityId } : {}), signal }));
    }
  );

  app.get<{ Params: { id: string } }>(
    '/api/operations/:id',
    { schema: { tags: ['operations'], operationId: 'getOperation', summary: 'An operation: status, progress, result', params: idParams, response: { 200: operationViewSchema } } },
    async (request) => operations.get(request.params.id)
  );

  app.get<{ Params: { id: string } }>(
    '/api/operations/:id/events',
    { schema: { tags: ['operations'], operationId: 'watchOperation', summary: 'Live events of one operation until it ends', params: idParams, response: { 200: eventStreamResponse } } },
    async (request, reply) => {
    // A wrong id is a plain 404, not an event stream that ends at once.
    await operations.get(request.params.id);
    return sendEvents(request, reply, (signal) => operations.watch(request.params.id, { signal }));
    }
  );

  app.post<{ Body: { kind: OperationKind; identityId?: string | null; params?: Record<string, unknown> } }>(
    '/api/operations',
    {
      config: { role: 'operator' },
      schema: {
        tags: ['operations'],
        operationId: 'startOperation',
        summary: 'Start a backup, check or prune (restores, scans and fixes start through their own routes)',
        response: { 202: operationStartedSchema },
        body: {
          type: 'object',
          required: ['kind'],
          additionalProperties: false,
          properties: {
            // Restores, scans and fixes start through their own routes (their own roles, previews and checks).
            kind: { type: 'string', enum: ['backup', 'check', 'prune'] },
            identityId: { type: ['string', 'null'], minLength: 1, maxLength: 64 },
            params: { type: 'object' }
          }
        }
      }
    },
    async (request, reply) => {
      const { kind, identityId, params } = request.body;
      const operation = await operations.start(kind, identityId ?? null, params ?? {}, actorOf(request));
      return reply.code(202).send({ operationId: operation.id, operation });
    }
  );

  app.post<{ Params: { id: string } }>(
    '/api/operations/:id/resume',
    {
      config: { role: 'operator' },
      schema: { tags: ['operations'], operationId: 'resumeOperation', summary: 'Resume an interrupted or failed operation', params: idParams, response: { 202: operationViewSchema } }
    },
    async (request, reply) => reply.code(202).send(await operations.resume(request.params.id, actorOf(request)))
  );

  app.post<{ Params: { id: string } }>(
    '/api/operations/:id/cancel',
    {
      config: { role: 'operator' },
      schema: { tags: ['operations'], operationId: 'cancelOperation', summary: 'Cancel a queued or running operation', params: idParams, response: { 200: operationViewSchema } }
    },
    async (request) => operations.cancel(request.params.id, actorOf(request))
  );

  // The OrgKeeper processes sharing the database and what each runs (the Logs page's Workers section).
  app.get(
    '/api/workers',
    { schema: { tags: ['operations'], operationId: 'listWorkers', summary: 'The OrgKeeper processes sharing the database (servers, workers, commands) and what each runs', response: { 200: workerListSchema } } },
    async (): Promise<WorkerListView> => operations.listWorkers()
  );

  itemRoutes(app, operations);
};

/** An operation's per-item log: paged JSON, and all of it as CSV. */
function itemRoutes(app: FastifyInstance, operations: OperationsService): void {
  app.get<{ Params: { id: string }; Querystring: { status?: ItemLogStatus; start: number; num: number } }>(
    '/api/operations/:id/items',
    {
      schema: {
        tags: ['operations'],
        operationId: 'listOperationItems',
        summary: 'An operation\'s per-item log, paged',
        response: { 200: operationItemPageSchema },
        params: idParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            status: { type: 'string', enum: [...ITEM_STATUSES] },
            start: { type: 'integer', minimum: 1, default: 1 },
            num: { type: 'integer', minimum: 1, maximum: 1000, default: 100 }
          }
        }
      }
    },
    async (request) => operations.items(request.params.id, request.query)
  );

  app.get<{ Params: { id: string }; Querystring: { status?: ItemLogStatus } }>(
    '/api/operations/:id/items.csv',
    {
      schema: {
        tags: ['operations'],
        operationId: 'downloadOperationItemsCsv',
        summary: 'An operation\'s per-item log as CSV',
        response: { 200: csvResponse('The per-item log (UTF-8 CSV with readable dates).') },
        params: idParams,
        querystring: { type: 'object', additionalProperties: false, properties: { status: { type: 'string', enum: [...ITEM_STATUSES] } } }
      }
    },
    async (request, reply) => {
      const { operation, items } = await operations.allItems(request.params.id, request.query.status);
      const day = (operation.startedAt ?? operation.createdAt).slice(0, 10);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="orgkeeper-${operation.kind}-${day}-${operation.id.slice(0, 8)}.csv"`)
        .send(operationItemsCsv(items));
    }
  );
}
