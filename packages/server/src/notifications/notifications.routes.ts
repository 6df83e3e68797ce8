import type { FastifyPluginAsync } from 'fastify';
import { AppError } from '../errors/app-error.js';
import { actorOf } from '../http/actor.js';
import { TLS_MODES } from './notification.types.js';
import type { NotificationsService } from './notifications.service.js';
import { optionalBody } from '../http/validation.js';
import { emailSettingsSchema, testEmailBodySchema, testEmailResultSchema } from './notification.schemas.js';

export interface NotificationRoutesDeps {
  notifications: NotificationsService;
}

/**
 * Email notification settings (`/api/settings/notifications/email`: read, change, send a test message). Administrators
 * only: the settings name a mail server and its account. The password is write-only.
 */
export const notificationRoutes: FastifyPluginAsync<NotificationRoutesDeps> = async (app, { notifications }) => {
  app.get(
    '/api/settings/notifications/email',
    {
      config: { role: 'admin' },
      schema: { tags: ['settings'], operationId: 'getEmailSettings', summary: 'Email notification settings (never the password)', response: { 200: emailSettingsSchema } }
    },
    async () => notifications.getEmail()
  );

  app.put<{ Body: Record<string, unknown> }>(
    '/api/settings/notifications/email',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['settings'],
        operationId: 'setEmailSettings',
        summary: 'Change the email notification settings (a password left out is kept)',
        response: { 200: emailSettingsSchema },
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

  // The button sends no body; `{ "to": [...] }` sends the test elsewhere (checked again here, with the route's own words).
  app.post<{ Body: unknown }>(
    '/api/settings/notifications/email/test',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['settings'],
        operationId: 'sendTestEmail',
        summary: 'Send a test message with the saved settings',
        body: optionalBody(testEmailBodySchema),
        response: { 200: testEmailResultSchema }
      }
    },
    async (request) => {
    const body = request.body;
    if (body !== undefined && body !== null && (typeof body !== 'object' || Array.isArray(body))) {
      throw AppError.validation({ body: 'Send nothing, or { "to": ["address", ...] }.' });
    }
    const to = (body as { to?: unknown } | undefined)?.to;
    if (to !== undefined && (!Array.isArray(to) || to.length > 50 || to.some((t) => typeof t !== 'string'))) {
      throw AppError.validation({ to: '"to" is a list of at most 50 email addresses.' });
    }
    return notifications.sendTest(actorOf(request), to as string[] | undefined);
    }
  );
};
