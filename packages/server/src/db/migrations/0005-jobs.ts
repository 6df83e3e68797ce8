import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

/**
 * The durable job system: operations gain what a worker pool shared by several processes (the server and CLI
 * commands on the same SQLite file) needs (who runs them, a heartbeat, a cancel request another process can see,
 * the exclusivity key, the resume count), per-item log rows gain restore/fix details and an order for live
 * followers; schedules and the email notification settings are new.
 */
export async function up(db: AnyDb): Promise<void> {
  /** `<hostname>:<pid>:<random>` of the process running the operation; null when queued or finished. */
  await db.schema.alterTable('operations').addColumn('runner_id', 'text').execute();
  /** Written by the runner every few seconds: a running operation with an old heartbeat lost its process. */
  await db.schema.alterTable('operations').addColumn('heartbeat_at', 'text').execute();
  /** Set by any process to ask the runner (which polls it) to stop; the name of who asked. */
  await db.schema.alterTable('operations').addColumn('cancel_requested_by', 'text').execute();
  /** Operations with the same key never run at the same time (e.g. `store:<identityId>`). */
  await db.schema.alterTable('operations').addColumn('exclusive_key', 'text').execute();
  /** How many times the operation was resumed (0: first run). */
  await db.schema.alterTable('operations').addColumn('attempt', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.createIndex('operations_exclusive_idx').on('operations').columns(['exclusive_key', 'status']).execute();

  /** Restore and fix steps: what was done (`create`, `overwrite`, ...), the id of what was created, more details (JSON). */
  await db.schema.alterTable('operation_items').addColumn('action', 'text').execute();
  await db.schema.alterTable('operation_items').addColumn('new_id', 'text').execute();
  await db.schema.alterTable('operation_items').addColumn('details', 'text').execute();
  /** Order of writing within the operation, so live followers read only rows written since they last looked. */
  await db.schema.alterTable('operation_items').addColumn('seq', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.createIndex('operation_items_seq_idx').on('operation_items').columns(['operation_id', 'seq']).execute();

  await db.schema
    .createTable('schedules')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('identity_id', 'text', (c) => c.notNull().references('identities.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    /** JSON: how it repeats ({ preset: daily|weekly|monthly, time, weekday, dayOfMonth } or { preset: cron, cron }). */
    .addColumn('timing', 'text', (c) => c.notNull())
    /** The cron expression the timing amounts to (what croner evaluates). */
    .addColumn('cron', 'text', (c) => c.notNull())
    /** IANA time zone the timing is read in, e.g. `Europe/Zurich`. */
    .addColumn('time_zone', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql.raw(`kind in ('backup', 'scan')`)))
    /** JSON: the operation's params (backup: target, query or items, retention; scan: type and options). */
    .addColumn('params', 'text', (c) => c.notNull())
    .addColumn('next_run_at', 'text')
    .addColumn('last_run_at', 'text')
    .addColumn('last_operation_id', 'text')
    /** Why the last run could not start, if it could not. */
    .addColumn('last_error', 'text')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('schedules_identity_idx').on('schedules').column('identity_id').execute();
  await db.schema.createIndex('schedules_next_idx').on('schedules').columns(['enabled', 'next_run_at']).execute();

  await db.schema
    .createTable('notification_settings')
    /** One row (`email`) today; a key leaves room for other channels. */
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('smtp_host', 'text', (c) => c.notNull())
    .addColumn('smtp_port', 'integer', (c) => c.notNull())
    .addColumn('tls_mode', 'text', (c) => c.notNull().check(sql.raw(`tls_mode in ('none', 'starttls', 'tls')`)))
    .addColumn('smtp_user', 'text')
    /** Sealed with the SecretBox (bound to the row); null when the server needs no password. */
    .addColumn('smtp_password', 'text')
    .addColumn('from_address', 'text', (c) => c.notNull())
    /** JSON array of email addresses. */
    .addColumn('recipients', 'text', (c) => c.notNull())
    .addColumn('notify_failure', 'integer', (c) => c.notNull())
    .addColumn('notify_partial', 'integer', (c) => c.notNull())
    .addColumn('notify_success', 'integer', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable('notification_settings').execute();
  await db.schema.dropTable('schedules').execute();
  await db.schema.dropIndex('operation_items_seq_idx').execute();
  await db.schema.dropIndex('operations_exclusive_idx').execute();
  for (const column of ['seq', 'details', 'new_id', 'action']) await db.schema.alterTable('operation_items').dropColumn(column).execute();
  for (const column of ['attempt', 'exclusive_key', 'cancel_requested_by', 'heartbeat_at', 'runner_id']) await db.schema.alterTable('operations').dropColumn(column).execute();
}
