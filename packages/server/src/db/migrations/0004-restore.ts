import { type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

/**
 * Restores: the plan a restore runs (kept so a resumed run follows the same plan even though the organization has
 * changed since), and one row per step with what it produced (new id and URL), its hosted-service checkpoint and its
 * log figures. A step row with status `ok` is never done again; that is what makes a restore idempotent and resumable.
 * Rows are keyed by the restore's operation id; the CLI may run without an operation row, so there is no foreign key.
 */
export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('restore_runs')
    .addColumn('operation_id', 'text', (c) => c.primaryKey())
    .addColumn('identity_id', 'text', (c) => c.notNull())
    .addColumn('target_identity_id', 'text', (c) => c.notNull())
    .addColumn('snapshot_id', 'text', (c) => c.notNull())
    /** JSON: the validated params. */
    .addColumn('params', 'text', (c) => c.notNull())
    /** JSON: the RestorePlan. */
    .addColumn('plan', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('restore_steps')
    .addColumn('operation_id', 'text', (c) => c.notNull())
    .addColumn('step_key', 'text', (c) => c.notNull())
    /** Position in the plan, for the log's order. */
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('old_id', 'text', (c) => c.notNull())
    /** `running` (started, maybe created something), `ok`, `failed`, `skipped`. */
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('new_id', 'text')
    .addColumn('new_url', 'text')
    /** JSON: layer URLs of a recreated hosted service, and the hosted module's checkpoint. */
    .addColumn('state', 'text')
    .addColumn('error', 'text')
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .addColumn('finished_at', 'text')
    .addPrimaryKeyConstraint('restore_steps_pk', ['operation_id', 'step_key'])
    .execute();
  await db.schema.createIndex('restore_steps_seq_idx').on('restore_steps').columns(['operation_id', 'seq']).execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable('restore_steps').execute();
  await db.schema.dropTable('restore_runs').execute();
}
