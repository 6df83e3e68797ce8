import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Actor } from '../audit/audit.service.js';
import { csvLine } from './csv.js';
import { OPERATION_KINDS, OPERATION_STATUSES, type ItemLogStatus, type OperationKind, type OperationStatus } from './operation.types.js';
import type { OperationsService } from './operations.service.js';

export interface OperationRoutesDeps {
  operations: OperationsService;
}

const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 64 } }
} as const;

const ITEM_STATUSES = ['ok', 'skipped', 'failed'] as const;

export function actorOf(request: FastifyRequest): Actor {
  const user = request.auth?.user;
  return user ? { kind: 'user', userId: user.id, username: user.username } : { kind: 'anonymous' };
}

/** The per-item log's CSV columns (dates ISO 8601 UTC, sizes in bytes, durations in milliseconds). */
const CSV_HEADER = ['item id', 'title', 'type', 'owner', 'modified', 'status', 'parts', 'carried over', 'bytes read', 'new bytes stored', 'duration ms', 'error'];

/**
 * Operations: `/api/operations` (list, read, cancel, per-item log as JSON and CSV). Reading needs any account;
 * cancelling an operator.
 */
export const operationRoutes: FastifyPluginAsync<OperationRoutesDeps> = async (app, { operations }) => {
  app.get<{ Querystring: { identityId?: string; kind?: OperationKind; status?: OperationStatus; limit: number; before?: string } }>(
    '/api/operations',
    {
      schema: {
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
    async (request) => {
      const { limit, ...filter } = request.query;
      const list = await operations.list({ ...filter, limit });
      return { operations: list, nextBefore: list.length === limit ? (list.at(-1)?.id ?? null) : null };
    }
  );

  app.get<{ Params: { id: string } }>('/api/operations/:id', { schema: { params: idParams } }, async (request) => operations.get(request.params.id));

  app.post<{ Params: { id: string } }>(
    '/api/operations/:id/cancel',
    { config: { role: 'operator' }, schema: { params: idParams } },
    async (request) => operations.cancel(request.params.id, actorOf(request))
  );

  app.get<{ Params: { id: string }; Querystring: { status?: ItemLogStatus; start: number; num: number } }>(
    '/api/operations/:id/items',
    {
      schema: {
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
        params: idParams,
        querystring: { type: 'object', additionalProperties: false, properties: { status: { type: 'string', enum: [...ITEM_STATUSES] } } }
      }
    },
    async (request, reply) => {
      const { operation, items } = await operations.allItems(request.params.id, request.query.status);
      const lines = [csvLine(CSV_HEADER)];
      for (const item of items) {
        lines.push(
          csvLine([
            item.itemId,
            item.title,
            item.type,
            item.owner,
            item.modified,
            item.status,
            item.parts.join(' '),
            item.carriedOver ? 'yes' : 'no',
            item.bytesRead,
            item.newBytes,
            item.durationMs,
            item.error
          ])
        );
      }
      const day = (operation.startedAt ?? operation.createdAt).slice(0, 10);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="orgkeeper-${operation.kind}-${day}-${operation.id.slice(0, 8)}.csv"`)
        .send(lines.join(''));
    }
  );
};
