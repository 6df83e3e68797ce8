import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

/**
 * Notifications beyond email, and monitoring: webhooks (a generic signed JSON hook, Slack, Microsoft Teams) with the
 * same triggers as email, their deliveries (kept until sent, so a restart loses none, and the last ones shown with
 * their outcome), a choice of identities for email as for webhooks, and the token Prometheus sends for /metrics.
 */
export async function up(db: AnyDb): Promise<void> {
  /** JSON array of identity ids whose operations send email; null: every identity (and operations of none). */
  await db.schema.alterTable('notification_settings').addColumn('identity_ids', 'text').execute();

  await db.schema
    .createTable('webhooks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    /** Lower-cased name: unique, so the CLI can name a webhook. */
    .addColumn('name_key', 'text', (c) => c.notNull().unique())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql.raw(`kind in ('json', 'slack', 'teams')`)))
    /** Sealed (SecretBox): Slack and Teams URLs are themselves the secret that lets anyone post to the channel. */
    .addColumn('url', 'text', (c) => c.notNull())
    /** What may be shown of the URL: scheme and host (e.g. `https://hooks.slack.com/…`). */
    .addColumn('url_display', 'text', (c) => c.notNull())
    /** Sealed signing secret of a `json` hook; null for Slack and Teams. */
    .addColumn('secret', 'text')
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('notify_failure', 'integer', (c) => c.notNull())
    .addColumn('notify_partial', 'integer', (c) => c.notNull())
    .addColumn('notify_success', 'integer', (c) => c.notNull())
    /** JSON array of identity ids; null: every identity. */
    .addColumn('identity_ids', 'text')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('webhook_id', 'text', (c) => c.notNull().references('webhooks.id').onDelete('cascade'))
    /** `operation.finished` or `test`. */
    .addColumn('event', 'text', (c) => c.notNull())
    /** The operation it tells about (no foreign key: the record of a delivery outlives a deleted identity's operations). */
    .addColumn('operation_id', 'text')
    /** One line for people, e.g. `Backup of City GIS failed`. */
    .addColumn('summary', 'text', (c) => c.notNull())
    /** The JSON body to send, as built when the event happened (signed afresh at each attempt). */
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql.raw(`status in ('pending', 'sending', 'delivered', 'failed')`)))
    .addColumn('attempts', 'integer', (c) => c.notNull())
    /** When a pending delivery is due (ISO time). */
    .addColumn('next_attempt_at', 'text')
    /** The process sending it, and until when its claim holds (a process that died leaves it to be taken again). */
    .addColumn('claimed_by', 'text')
    .addColumn('claimed_until', 'text')
    /** The receiver's HTTP status of the last attempt, if it answered. */
    .addColumn('response_status', 'integer')
    /** Why the last attempt failed, in OrgKeeper's words (never the receiver's text). */
    .addColumn('error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text')
    .execute();
  await db.schema.createIndex('webhook_deliveries_due_idx').on('webhook_deliveries').columns(['status', 'next_attempt_at']).execute();
  await db.schema.createIndex('webhook_deliveries_webhook_idx').on('webhook_deliveries').columns(['webhook_id', 'created_at']).execute();

  await db.schema
    .createTable('metrics_tokens')
    /** One row (`metrics`) today. */
    .addColumn('id', 'text', (c) => c.primaryKey())
    /** SHA-256 (hex) of the token; the token itself is shown once, when it is made. */
    .addColumn('token_hash', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable('metrics_tokens').execute();
  await db.schema.dropIndex('webhook_deliveries_webhook_idx').execute();
  await db.schema.dropIndex('webhook_deliveries_due_idx').execute();
  await db.schema.dropTable('webhook_deliveries').execute();
  await db.schema.dropTable('webhooks').execute();
  await db.schema.alterTable('notification_settings').dropColumn('identity_ids').execute();
}
