import type { Selectable } from 'kysely';

/**
 * `json`: OrgKeeper's own JSON, signed with HMAC-SHA256 (README: Webhooks); `slack`: a Slack incoming webhook (Block
 * Kit); `teams`: a Microsoft Teams Workflows webhook ("When a Teams webhook request is received"), an Adaptive Card.
 */
export type WebhookKind = 'json' | 'slack' | 'teams';
export const WEBHOOK_KINDS: readonly WebhookKind[] = ['json', 'slack', 'teams'];

export type DeliveryStatus = 'pending' | 'sending' | 'delivered' | 'failed';
export type WebhookEvent = 'operation.finished' | 'test';

export interface WebhookTable {
  id: string;
  name: string;
  name_key: string;
  kind: WebhookKind;
  /** Sealed (SecretBox, associated data `webhook:<id>:url`). */
  url: string;
  url_display: string;
  /** Sealed (associated data `webhook:<id>:secret`); json hooks only. */
  secret: string | null;
  enabled: number;
  notify_failure: number;
  notify_partial: number;
  notify_success: number;
  /** JSON array; null: every identity. */
  identity_ids: string | null;
  created_by: string;
  created_at: string;
  updated_by: string;
  updated_at: string;
}

export interface WebhookDeliveryTable {
  id: string;
  webhook_id: string;
  event: WebhookEvent;
  operation_id: string | null;
  summary: string;
  body: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: string | null;
  claimed_by: string | null;
  claimed_until: string | null;
  response_status: number | null;
  error: string | null;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
}

// A type alias (not an interface) so it satisfies Kysely's Record constraint of withTables.
export type WebhookTables = { webhooks: WebhookTable; webhook_deliveries: WebhookDeliveryTable };
export type WebhookRow = Selectable<WebhookTable>;
export type WebhookDeliveryRow = Selectable<WebhookDeliveryTable>;

/** What the API and CLI send to add a webhook, or to change one (a field left out keeps its value). */
export interface WebhookInput {
  name?: string;
  kind?: WebhookKind;
  /** Write-only: never returned. Left out on a change: keep the stored URL. */
  url?: string;
  /**
   * json hooks: the signing secret (at least 16 characters). Left out when adding: OrgKeeper makes one and returns it
   * once. `rotateSecret` on a change makes a new one.
   */
  secret?: string;
  rotateSecret?: boolean;
  enabled?: boolean;
  notifyOnFailure?: boolean;
  notifyOnPartial?: boolean;
  notifyOnSuccess?: boolean;
  /** Identities whose operations are sent; null: every identity. */
  identityIds?: string[] | null;
}

export interface WebhookView {
  id: string;
  name: string;
  kind: WebhookKind;
  /** Scheme and host only: the rest of the URL may be the secret (Slack, Teams). */
  urlDisplay: string;
  /** json hooks: whether a signing secret is stored (it is never returned, except once when it is made). */
  secretSet: boolean;
  enabled: boolean;
  /** Failed and interrupted operations. */
  notifyOnFailure: boolean;
  notifyOnPartial: boolean;
  notifyOnSuccess: boolean;
  /** null: every identity. */
  identityIds: string[] | null;
  createdBy: string;
  createdAt: string;
  updatedBy: string;
  updatedAt: string;
  /** The newest delivery, if any. */
  lastDelivery: WebhookDeliveryView | null;
}

/** A webhook as just added or changed; `secret` only when OrgKeeper has just made one (shown this once). */
export interface SavedWebhook {
  webhook: WebhookView;
  secret?: string;
}

export interface WebhookDeliveryView {
  id: string;
  webhookId: string;
  event: WebhookEvent;
  operationId: string | null;
  summary: string;
  status: DeliveryStatus;
  attempts: number;
  /** The receiver's HTTP status of the last attempt, if it answered. */
  responseStatus: number | null;
  error: string | null;
  createdAt: string;
  /** When a pending delivery is tried next. */
  nextAttemptAt: string | null;
  finishedAt: string | null;
}
