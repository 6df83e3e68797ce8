import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

/**
 * Fixes on scan findings, and what each did per finding (the changes with their before and after values), so a fix
 * can be shown, audited and undone. A fix's id is the id of the operation that ran it.
 */
export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('clean_fixes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('identity_id', 'text', (c) => c.notNull().references('identities.id').onDelete('cascade'))
    .addColumn('scan_id', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    /** JSON: the action's options. */
    .addColumn('options', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql.raw(`status in ('queued', 'running', 'succeeded', 'partial', 'failed', 'cancelled', 'interrupted')`)))
    .addColumn('message', 'text')
    /** The snapshot taken before the fix; null with `backup_note` saying why there is none. */
    .addColumn('snapshot_id', 'text')
    .addColumn('backup_note', 'text')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text')
    .addColumn('undo_operation_id', 'text')
    .addColumn('undo_status', 'text')
    .addColumn('undo_by', 'text')
    .addColumn('undo_at', 'text')
    .addColumn('undo_message', 'text')
    .execute();
  await db.schema.createIndex('clean_fixes_identity_idx').on('clean_fixes').columns(['identity_id', 'created_at']).execute();
  await db.schema.createIndex('clean_fixes_scan_idx').on('clean_fixes').column('scan_id').execute();

  await db.schema
    .createTable('clean_fix_results')
    .addColumn('fix_id', 'text', (c) => c.notNull().references('clean_fixes.id').onDelete('cascade'))
    .addColumn('finding_id', 'text', (c) => c.notNull())
    /** Order of the finding in the fix (the preview's order). */
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('target_kind', 'text', (c) => c.notNull())
    .addColumn('target_id', 'text', (c) => c.notNull())
    /** JSON: the finding's target (title, type, owner, folder, portal link) and message. */
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql.raw(`status in ('pending', 'ok', 'failed', 'skipped')`)))
    .addColumn('error', 'text')
    /** JSON arrays of {field, before, after, summary}: planned, and actually applied. */
    .addColumn('changes', 'text', (c) => c.notNull())
    .addColumn('applied', 'text', (c) => c.notNull())
    /** JSON: what apply and undo need beyond the changes (folder ids, a user's items). */
    .addColumn('context', 'text', (c) => c.notNull())
    .addColumn('undo_status', 'text')
    .addColumn('undo_error', 'text')
    /** What to know about a successful undo, e.g. the new id of a recreated item. */
    .addColumn('undo_note', 'text')
    .addPrimaryKeyConstraint('clean_fix_results_pk', ['fix_id', 'finding_id'])
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable('clean_fix_results').execute();
  await db.schema.dropTable('clean_fixes').execute();
}
