import type { FastifyPluginAsync } from 'fastify';
import { AppError } from '../errors/app-error.js';
import { actorOf } from '../http/actor.js';
import { TLS_MODES } from './notification.types.js';
import type { NotificationsService } from './notifications.service.js';

export interface NotificationRoutesDeps {
  notifications: NotificationsService;
}

/**
 * Email notification settings (`/api/settings/notifications/email`: read, change, send a test message). Administrators
 * only: the settings name a mail server and its account. The password is write-only.
 */
export const notificationRoutes: FastifyPluginAsync<NotificationRoutesDeps> = async (app, { notifications }) => {
  app.get('/api/settings/notifications/email', { config: { role: 'admin' } }, async () => notifications.getEmail());

  app.put<{ Body: Record<string, unknown> }>(
    '/api/settings/notifications/email',
    {
      config: { role: 'admin' },
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            enabled: { type: 'boolean' },
            host: { type: 'string', maxLength: 253 },
            port: { type: 'integer' },
            tlsMode: { type: 'string', enum: [...TLS_MODES] },
            user: { type: ['string', 'null'], maxLength: 500 },
            password: { type: ['string', 'null'], maxLength: 1000 },
            from: { type: 'string', maxLength: 500 },
            recipients: { type: 'array', maxItems: 50, items: { type: 'string', maxLength: 500 } },
            notifyOnFailure: { type: 'boolean' },
            notifyOnPartial: { type: 'boolean' },
            notifyOnSuccess: { type: 'boolean' },
            identityIds: { anyOf: [{ type: 'null' }, { type: 'array', maxItems: 500, items: { type: 'string', maxLength: 100 } }] }
          }
        }
      }
    },
    async (request) => notifications.setEmail(request.body, actorOf(request))
  );

  // No body schema: the button sends no body; `{ "to": [...] }` sends the test elsewhere (checked by the service).
  app.post<{ Body: unknown }>('/api/settings/notifications/email/test', { config: { role: 'admin' } }, async (request) => {
    const body = request.body;
    if (body !== undefined && body !== null && (typeof body !== 'object' || Array.isArray(body))) {
      throw AppError.validation({ body: 'Send nothing, or { "to": ["address", ...] }.' });
    }
    const to = (body as { to?: unknown } | undefined)?.to;
    if (to !== undefined && (!Array.isArray(to) || to.length > 50 || to.some((t) => typeof t !== 'string'))) {
      throw AppError.validation({ to: '"to" is a list of at most 50 email addresses.' });
    }
    return notifications.sendTest(actorOf(request), to as string[] | undefined);
  });
};
