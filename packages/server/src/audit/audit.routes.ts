import type { FastifyPluginAsync } from 'fastify';
import type { AuditService } from './audit.service.js';

export interface AuditRoutesDeps {
  audit: AuditService;
}

const auditEventSchema = {
  type: 'object',
  required: ['id', 'occurredAt', 'actor', 'action', 'result', 'details'],
  properties: {
    id: { type: 'string' },
    occurredAt: { type: 'string' },
    actor: {
      type: 'object',
      properties: {
        kind: { type: 'string', enum: ['user', 'token', 'system', 'anonymous'] },
        userId: { type: ['string', 'null'] },
        name: { type: 'string' }
      }
    },
    ip: { type: ['string', 'null'] },
    action: { type: 'string' },
    target: { type: ['string', 'null'] },
    result: { type: 'string', enum: ['success', 'failure', 'denied'] },
    details: { type: 'object', additionalProperties: true }
  }
} as const;

/** GET /api/audit: the audit log, newest first (administrators only). */
export const auditRoutes: FastifyPluginAsync<AuditRoutesDeps> = async (app, deps) => {
  app.get<{ Querystring: { limit?: number; before?: string } }>(
    '/api/audit',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['audit'],
        operationId: 'listAuditEvents',
        summary: 'The audit log, newest first',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
            before: { type: 'string', minLength: 1, maxLength: 64 }
          }
        },
        response: {
          200: {
            type: 'object',
            required: ['events', 'nextBefore'],
            properties: { events: { type: 'array', items: auditEventSchema }, nextBefore: { type: ['string', 'null'] } }
          }
        }
      }
    },
    async (request) => deps.audit.list(request.query)
  );
};
