// Typed calls for the notification settings (administrators only): email (SMTP) with its test message, and webhooks
// (JSON signed, Slack, Microsoft Teams) with their tests and last deliveries.
import type {
  EmailSettingsInput,
  EmailSettingsView as EmailSettings,
  TestEmailResult
} from '@orgkeeper/server-types/notifications/notification.types';
import type { SavedWebhook, WebhookDeliveryView, WebhookInput, WebhookView } from '@orgkeeper/server-types/notifications/webhook.types';
import type { ApiClient } from './api-client';

// The JSON shapes are the server's own declarations (type-only imports, erased at build). In EmailSettingsInput a field
// left out keeps its value; `password` left out keeps the stored one, null removes it. A webhook's URL and secret are
// write-only in the same way.
export type {
  EmailSettingsInput,
  EmailSettingsView as EmailSettings,
  TestEmailResult,
  TlsMode
} from '@orgkeeper/server-types/notifications/notification.types';
export type {
  DeliveryStatus,
  SavedWebhook,
  WebhookDeliveryView as WebhookDelivery,
  WebhookInput,
  WebhookKind,
  WebhookView as Webhook
} from '@orgkeeper/server-types/notifications/webhook.types';

const PATH = '/api/settings/notifications/email';
const WEBHOOKS = '/api/settings/notifications/webhooks';

export function getEmailSettings(client: ApiClient, signal?: AbortSignal): Promise<EmailSettings> {
  return client.get(PATH, { signal });
}

export function saveEmailSettings(client: ApiClient, input: EmailSettingsInput): Promise<EmailSettings> {
  return client.put(PATH, input);
}

export function sendTestEmail(client: ApiClient): Promise<TestEmailResult> {
  return client.post(`${PATH}/test`);
}

export function listWebhooks(client: ApiClient, signal?: AbortSignal): Promise<{ webhooks: WebhookView[] }> {
  return client.get(WEBHOOKS, { signal });
}

export function createWebhook(client: ApiClient, input: WebhookInput): Promise<SavedWebhook> {
  return client.post(WEBHOOKS, input);
}

export function updateWebhook(client: ApiClient, id: string, input: WebhookInput): Promise<SavedWebhook> {
  return client.patch(`${WEBHOOKS}/${encodeURIComponent(id)}`, input);
}

export function deleteWebhook(client: ApiClient, id: string): Promise<void> {
  return client.delete(`${WEBHOOKS}/${encodeURIComponent(id)}`);
}

/** Sends a test message now; answers how the delivery went (delivered or failed, with the reason). */
export function testWebhook(client: ApiClient, id: string): Promise<WebhookDeliveryView> {
  return client.post(`${WEBHOOKS}/${encodeURIComponent(id)}/test`);
}

export function listWebhookDeliveries(client: ApiClient, id: string, signal?: AbortSignal): Promise<{ deliveries: WebhookDeliveryView[] }> {
  return client.get(`${WEBHOOKS}/${encodeURIComponent(id)}/deliveries?limit=20`, { signal });
}

export const notificationKeys = {
  email: ['settings', 'notifications', 'email'] as const,
  webhooks: ['settings', 'notifications', 'webhooks'] as const,
  deliveries: (id: string) => ['settings', 'notifications', 'webhooks', id, 'deliveries'] as const
};
