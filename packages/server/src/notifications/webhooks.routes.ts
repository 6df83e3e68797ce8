import type { FastifyPluginAsync } from 'fastify';
import { actorOf } from '../http/actor.js';
import { noContent } from '../http/schema-kit.js';
import { savedWebhookSchema, webhookDeliveryListSchema, webhookDeliverySchema, webhookListSchema, webhookSchema } from './webhook.schemas.js';
import { WEBHOOK_KINDS } from './webhook.types.js';
import type { WebhooksService } from './webhooks.service.js';

export interface WebhookRoutesDeps {
  webhooks: WebhooksService;
}

const PATH = '/api/settings/notifications/webhooks';
const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 100 } } } as const;
const admin = { role: 'admin' } as const;
const doc = (operationId: string, summary: string) => ({ tags: ['settings'], operationId, summary });

/** The fields of an add or a change; what each means and which are write-only: webhook.types.ts (WebhookInput). */
const webhookBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    name: { type: 'string', maxLength: 200 },
    kind: { type: 'string', enum: [...WEBHOOK_KINDS] },
    url: { type: 'string', maxLength: 4096 },
    secret: { type: 'string', maxLength: 1000 },
    rotateSecret: { type: 'boolean' },
    enabled: { type: 'boolean' },
    notifyOnFailure: { type: 'boolean' },
    notifyOnPartial: { type: 'boolean' },
    notifyOnSuccess: { type: 'boolean' },
    identityIds: { anyOf: [{ type: 'null' }, { type: 'array', maxItems: 500, items: { type: 'string', maxLength: 100 } }] }
  }
} as const;

/**
 * Webhooks (`/api/settings/notifications/webhooks`): list, add, change, delete, send a test, and each one's last
 * deliveries. Administrators only: a webhook's URL and secret are credentials (both write-only).
 */
export const webhookRoutes: FastifyPluginAsync<WebhookRoutesDeps> = async (app, { webhooks }) => {
  app.get(PATH, { config: admin, schema: { ...doc('listWebhooks', 'The webhooks (never their URLs or secrets)'), response: { 200: webhookListSchema } } }, async () => ({
    webhooks: await webhooks.list()
  }));

  app.post<{ Body: Record<string, unknown> }>(
    PATH,
    { config: admin, schema: { ...doc('addWebhook', 'Add a webhook; a json hook without a secret gets one, shown this once'), body: webhookBody, response: { 201: savedWebhookSchema } } },
    async (request, reply) => {
      reply.code(201);
      return webhooks.create(request.body, actorOf(request));
    }
  );

  app.get<{ Params: { id: string } }>(
    `${PATH}/:id`,
    { config: admin, schema: { ...doc('getWebhook', 'One webhook'), params: idParams, response: { 200: webhookSchema } } },
    async (request) => webhooks.get(request.params.id)
  );

  app.patch<{ Params: { id: string }; Body: Record<string, unknown> }>(
    `${PATH}/:id`,
    { config: admin, schema: { ...doc('changeWebhook', 'Change a webhook (a field left out keeps its value)'), params: idParams, body: webhookBody, response: { 200: savedWebhookSchema } } },
    async (request) => webhooks.update(request.params.id, request.body, actorOf(request))
  );

  app.delete<{ Params: { id: string } }>(
    `${PATH}/:id`,
    { config: admin, schema: { ...doc('deleteWebhook', 'Delete a webhook and its deliveries'), params: idParams, response: { 204: noContent } } },
    async (request, reply) => {
      await webhooks.remove(request.params.id, actorOf(request));
      return reply.code(204).send();
    }
  );

  app.post<{ Params: { id: string } }>(
    `${PATH}/:id/test`,
    { config: admin, schema: { ...doc('testWebhook', 'Send a test delivery now and answer how it went'), params: idParams, response: { 200: webhookDeliverySchema } } },
    async (request) => webhooks.test(request.params.id, actorOf(request))
  );

  app.get<{ Params: { id: string }; Querystring: { limit?: number } }>(
    `${PATH}/:id/deliveries`,
    {
      config: admin,
      schema: {
        ...doc('listWebhookDeliveries', "A webhook's last deliveries, newest first"),
        params: idParams,
        querystring: { type: 'object', additionalProperties: false, properties: { limit: { type: 'integer', minimum: 1, maximum: 100 } } },
        response: { 200: webhookDeliveryListSchema }
      }
    },
    async (request) => ({ deliveries: await webhooks.deliveries(request.params.id, request.query.limit ?? 20) })
  );
};
