import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

/**
 * Several OrgKeeper processes on one database (scale out): the processes that run jobs (workers) and when each was
 * last seen; the exclusivity keys held by running operations, one row per key, so two workers can never both hold
 * one (the primary key decides, on SQLite and PostgreSQL alike); the schedule slots already fired, one row per
 * schedule and due time, so however many servers run a schedule fires once; and the worker that runs or last ran
 * each operation.
 */
export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('workers')
    /** `<hostname>:<pid>:<random>`: the runner id its operations carry. */
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('host', 'text', (c) => c.notNull())
    .addColumn('pid', 'integer', (c) => c.notNull())
    /** OrgKeeper's version in that process. */
    .addColumn('version', 'text', (c) => c.notNull())
    /** `server` (orgkeeper serve), `worker` (orgkeeper worker) or `cli` (a command running an operation in the foreground). */
    .addColumn('kind', 'text', (c) => c.notNull().check(sql.raw(`kind in ('server', 'worker', 'cli')`)))
    /** 0 for a server started with --no-worker: it serves the web app and the API but runs no queued operation. */
    .addColumn('runs_jobs', 'integer', (c) => c.notNull())
    .addColumn('max_running', 'integer', (c) => c.notNull())
    .addColumn('started_at', 'text', (c) => c.notNull())
    /** Written every few seconds while the process lives. */
    .addColumn('last_seen_at', 'text', (c) => c.notNull())
    /** Set when it stopped cleanly. */
    .addColumn('stopped_at', 'text')
    .execute();
  await db.schema.createIndex('workers_seen_idx').on('workers').column('last_seen_at').execute();

  await db.schema
    .createTable('operation_locks')
    /** An exclusivity key (e.g. `store:<identityId>`): while its row exists, no other operation holding it runs. */
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('operation_id', 'text', (c) => c.notNull().references('operations.id').onDelete('cascade'))
    .addColumn('acquired_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('operation_locks_operation_idx').on('operation_locks').column('operation_id').execute();

  await db.schema
    .createTable('schedule_runs')
    .addColumn('schedule_id', 'text', (c) => c.notNull().references('schedules.id').onDelete('cascade'))
    /** The due time this run is for (ISO 8601 UTC): the slot. */
    .addColumn('slot_at', 'text', (c) => c.notNull())
    /** The process (worker id) that fired it. */
    .addColumn('fired_by', 'text', (c) => c.notNull())
    .addColumn('fired_at', 'text', (c) => c.notNull())
    /** The operation it started (null when it could not start). */
    .addColumn('operation_id', 'text')
    .addPrimaryKeyConstraint('schedule_runs_pk', ['schedule_id', 'slot_at'])
    .execute();

  /** The worker that runs the operation, or ran it last (kept once it ends, unlike runner_id). */
  await db.schema.alterTable('operations').addColumn('worker_id', 'text').execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.alterTable('operations').dropColumn('worker_id').execute();
  await db.schema.dropTable('schedule_runs').execute();
  await db.schema.dropIndex('operation_locks_operation_idx').execute();
  await db.schema.dropTable('operation_locks').execute();
  await db.schema.dropIndex('workers_seen_idx').execute();
  await db.schema.dropTable('workers').execute();
}
