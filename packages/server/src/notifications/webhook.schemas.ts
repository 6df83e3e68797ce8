/** JSON schemas of the webhooks API's answers (webhooks.routes.ts), checked against webhook.types.ts. */
import { arrayOf, boolean, dateTime, described, integer, nullable, object, string, stringEnum, type SchemaAgrees } from '../http/schema-kit.js';
import { WEBHOOK_KINDS, type SavedWebhook, type WebhookDeliveryView, type WebhookView } from './webhook.types.js';

export const webhookDeliverySchema = object({
  id: string,
  webhookId: string,
  event: stringEnum(['operation.finished', 'test']),
  operationId: nullable(string),
  summary: string,
  status: stringEnum(['pending', 'sending', 'delivered', 'failed']),
  attempts: integer,
  responseStatus: described("The receiver's HTTP status of the last attempt, if it answered.", nullable(integer)),
  error: nullable(string),
  createdAt: dateTime,
  nextAttemptAt: described('When a pending delivery is tried next.', nullable(dateTime)),
  finishedAt: nullable(dateTime)
});

export const webhookSchema = object({
  id: string,
  name: string,
  kind: stringEnum(WEBHOOK_KINDS),
  urlDisplay: described('Scheme and host only: the rest of the URL may be the secret (Slack, Teams).', string),
  secretSet: described('json hooks: whether a signing secret is stored (never returned, except once when it is made).', boolean),
  enabled: boolean,
  notifyOnFailure: described('Failed and interrupted operations.', boolean),
  notifyOnPartial: boolean,
  notifyOnSuccess: boolean,
  identityIds: described('Only operations of these identities; null: every identity.', nullable(arrayOf(string))),
  createdBy: string,
  createdAt: dateTime,
  updatedBy: string,
  updatedAt: dateTime,
  lastDelivery: nullable(webhookDeliverySchema)
});

export const webhookListSchema = object({ webhooks: arrayOf(webhookSchema) });

export const savedWebhookSchema = described(
  'The webhook as saved; `secret` only when OrgKeeper has just made one (shown this once).',
  object({ webhook: webhookSchema, secret: string }, ['secret'])
);

export const webhookDeliveryListSchema = object({ deliveries: arrayOf(webhookDeliverySchema) });

const agrees: [
  SchemaAgrees<typeof webhookSchema, WebhookView>,
  SchemaAgrees<typeof savedWebhookSchema, SavedWebhook>,
  SchemaAgrees<typeof webhookDeliverySchema, WebhookDeliveryView>
] = [true, true, true];
void agrees;
