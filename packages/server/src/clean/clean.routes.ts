import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { AppError } from '../errors/app-error.js';
import { actorOf } from '../http/actor.js';
import type { FindingQuery, FindingSortField } from './clean.repository.js';
import type { AllowlistInput, CleanService } from './clean.service.js';
import { SCAN_TYPES } from './clean.types.js';
import { scanRequestSchema } from './scan-options.js';
import { noContent } from '../http/schema-kit.js';
import { csvResponse, operationStartedSchema } from '../operations/operation.schemas.js';
import { allowlistEntrySchema, allowlistSchema, findingPageSchema, scanComparisonSchema, scanListSchema, scanSchema, scanTypesSchema } from './clean.schemas.js';

export interface CleanRoutesDeps {
  clean: CleanService;
}

const id = { type: 'string', minLength: 1, maxLength: 64 } as const;
const identityParams = { type: 'object', required: ['id'], properties: { id } } as const;
const scanParams = { type: 'object', required: ['id', 'scanId'], properties: { id, scanId: id } } as const;
const SORTS: FindingSortField[] = ['title', 'owner', 'code', 'severity', 'type', 'target'];

type FindingsQuerystring = Partial<Omit<FindingQuery, 'targetKind'>> & { kind?: FindingQuery['targetKind'] };

/**
 * Clean scans of an identity: the scan types and their options (any account), start a scan (operators; returns the
 * operation to follow), scan history, a scan's findings (filter, sort, page) and CSV, compare two scans, and the
 * identity's allowlist (operators change it). State-changing routes need the session's CSRF token like every other.
 */
export const cleanRoutes: FastifyPluginAsync<CleanRoutesDeps> = async (app, { clean }) => {
  scanRoutes(app, clean);
  findingRoutes(app, clean);
  allowlistRoutes(app, clean);
};

/** Scan types, starting a scan, the scan history, one scan, and comparing two. */
function scanRoutes(app: FastifyInstance, clean: CleanService): void {
  app.get(
    '/api/clean/scan-types',
    { schema: { tags: ['clean'], operationId: 'listScanTypes', summary: 'The scan types and their options', response: { 200: scanTypesSchema } } },
    async () => ({ scanTypes: clean.scanTypes() })
  );

  app.post<{ Params: { id: string }; Body: { type: string; options?: Record<string, unknown> } }>(
    '/api/identities/:id/scans',
    {
      config: { role: 'operator' },
      schema: {
        tags: ['clean'],
        operationId: 'startScan',
        summary: 'Scan the organization (a scan type and its options); answers the operation to follow',
        params: identityParams,
        body: scanRequestSchema,
        response: { 202: operationStartedSchema }
      }
    },
    async (request, reply) => {
      const operation = await clean.startScan(request.params.id, request.body, actorOf(request));
      return reply.code(202).send({ operationId: operation.id, operation });
    }
  );

  app.get<{ Params: { id: string }; Querystring: { type?: string; limit?: number; before?: string } }>(
    '/api/identities/:id/scans',
    {
      schema: {
        tags: ['clean'],
        operationId: 'listScans',
        summary: 'Scan history, newest first',
        response: { 200: scanListSchema },
        params: identityParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            type: { type: 'string', enum: [...SCAN_TYPES] },
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
            before: { type: 'string', maxLength: 40 }
          }
        }
      }
    },
    async (request) => ({ scans: await clean.listScans(request.params.id, request.query) })
  );

  app.get<{ Params: { id: string }; Querystring: { from: string; to: string } }>(
    '/api/identities/:id/scans/compare',
    {
      schema: {
        tags: ['clean'],
        operationId: 'compareScans',
        summary: 'Findings new in one scan, resolved since another, and still open',
        response: { 200: scanComparisonSchema },
        params: identityParams,
        querystring: { type: 'object', required: ['from', 'to'], additionalProperties: false, properties: { from: id, to: id } }
      }
    },
    async (request) => clean.compare(request.params.id, request.query.from, request.query.to)
  );

  app.get<{ Params: { id: string; operationId: string } }>(
    '/api/identities/:id/scans/by-operation/:operationId',
    {
      schema: {
        tags: ['clean'],
        operationId: 'getScanOfOperation',
        summary: 'The scan a scan operation stored',
        params: { type: 'object', required: ['id', 'operationId'], properties: { id, operationId: id } },
        response: { 200: scanSchema }
      }
    },
    async (request) => {
      const scan = await clean.scanOfOperation(request.params.operationId);
      if (!scan || scan.identityId !== request.params.id) {
        throw new AppError('not_found', 'That operation has not stored a scan (yet); follow the operation until it has finished.');
      }
      return scan;
    }
  );

  app.get<{ Params: { id: string; scanId: string } }>(
    '/api/identities/:id/scans/:scanId',
    { schema: { tags: ['clean'], operationId: 'getScan', summary: 'A stored scan', params: scanParams, response: { 200: scanSchema } } },
    async (request) => clean.getScan(request.params.id, request.params.scanId)
  );
}

/** A scan's findings: filtered, sorted and paged, or all of them as CSV. */
function findingRoutes(app: FastifyInstance, clean: CleanService): void {
  app.get<{ Params: { id: string; scanId: string }; Querystring: FindingsQuerystring }>(
    '/api/identities/:id/scans/:scanId/findings',
    {
      schema: {
        tags: ['clean'],
        operationId: 'listFindings',
        summary: 'A scan\'s findings (filter, sort, page)',
        response: { 200: findingPageSchema },
        params: scanParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            code: { type: 'string', maxLength: 100 },
            severity: { type: 'string', enum: ['info', 'warning', 'critical'] },
            kind: { type: 'string', enum: ['item', 'user', 'group'] },
            owner: { type: 'string', maxLength: 200 },
            type: { type: 'string', maxLength: 200 },
            q: { type: 'string', maxLength: 500 },
            sort: { type: 'string', enum: SORTS, default: 'title' },
            order: { type: 'string', enum: ['asc', 'desc'], default: 'asc' },
            start: { type: 'integer', minimum: 1, default: 1 },
            num: { type: 'integer', minimum: 1, maximum: 1000, default: 100 }
          }
        }
      }
    },
    async (request) => {
      const { kind, ...rest } = request.query;
      const query: FindingQuery = { sort: 'title', order: 'asc', start: 1, num: 100, ...rest, ...(kind ? { targetKind: kind } : {}) };
      return clean.findings(request.params.id, request.params.scanId, query);
    }
  );

  app.get<{ Params: { id: string; scanId: string } }>(
    '/api/identities/:id/scans/:scanId/findings.csv',
    { schema: { tags: ['clean'], operationId: 'downloadFindingsCsv', summary: 'A scan\'s findings as CSV', params: scanParams, response: { 200: csvResponse('The findings (UTF-8 CSV with readable dates).') } } },
    async (request, reply) => {
      const csv = await clean.findingsCsv(request.params.id, request.params.scanId);
      return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${csv.filename}"`).send(csv.body);
    }
  );
}

/** The identity's allowlist: findings that may stay. */
function allowlistRoutes(app: FastifyInstance, clean: CleanService): void {
  app.get<{ Params: { id: string }; Querystring: { scanType?: string } }>(
    '/api/identities/:id/clean/allowlist',
    {
      schema: {
        tags: ['clean'],
        operationId: 'listAllowlist',
        summary: 'What scans of this identity must not report again',
        response: { 200: allowlistSchema },
        params: identityParams,
        querystring: { type: 'object', additionalProperties: false, properties: { scanType: { type: 'string', enum: [...SCAN_TYPES] } } }
      }
    },
    async (request) => ({ entries: await clean.listAllowlist(request.params.id, request.query.scanType) })
  );

  app.post<{ Params: { id: string }; Body: AllowlistInput }>(
    '/api/identities/:id/clean/allowlist',
    {
      config: { role: 'operator' },
      schema: {
        tags: ['clean'],
        operationId: 'addAllowlistEntry',
        summary: 'Allowlist a finding (or a target, or a code) so scans do not report it again',
        response: { 201: allowlistEntrySchema },
        params: identityParams,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            scanType: { type: 'string', enum: [...SCAN_TYPES] },
            findingKey: { type: 'string', maxLength: 1000 },
            findingId: id,
            scanId: id,
            target: {
              type: 'object',
              additionalProperties: false,
              properties: { kind: { type: 'string', enum: ['item', 'user', 'group'] }, id: { type: 'string', maxLength: 200 }, title: { type: 'string', maxLength: 500 } }
            },
            code: { type: 'string', maxLength: 100 },
            reason: { type: 'string', maxLength: 2000 }
          }
        }
      }
    },
    async (request, reply) => reply.code(201).send(await clean.addAllowlist(request.params.id, request.body ?? {}, actorOf(request)))
  );

  app.delete<{ Params: { id: string; entryId: string } }>(
    '/api/identities/:id/clean/allowlist/:entryId',
    {
      config: { role: 'operator' },
      schema: {
        tags: ['clean'],
        operationId: 'removeAllowlistEntry',
        summary: 'Remove an allowlist entry',
        params: { type: 'object', required: ['id', 'entryId'], properties: { id, entryId: id } },
        response: { 204: noContent }
      }
    },
    async (request, reply) => {
      await clean.removeAllowlist(request.params.id, request.params.entryId, actorOf(request));
      return reply.code(204).send();
    }
  );
}
