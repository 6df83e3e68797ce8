/** How webhooks and their deliveries are shown: what the API answers, never a secret. */
import type { WebhookDeliveryRow, WebhookDeliveryView } from './webhook.types.js';

/** Scheme and host, and an ellipsis for a path: the path of a Slack or Teams URL is its secret. */
export function urlDisplay(text: string): string {
  const url = new URL(text);
  return `${url.protocol}//${url.host}${url.pathname === '/' && !url.search ? '' : '/…'}`;
}

export function deliveryView(row: WebhookDeliveryRow): WebhookDeliveryView {
  return {
    id: row.id,
    webhookId: row.webhook_id,
    event: row.event,
    operationId: row.operation_id,
    summary: row.summary,
    status: row.status,
    attempts: row.attempts,
    responseStatus: row.response_status,
    error: row.error,
    createdAt: row.created_at,
    nextAttemptAt: row.status === 'pending' ? row.next_attempt_at : null,
    finishedAt: row.finished_at
  };
}
