import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

/**
 * Clean scans: every scan with its options and summary, its findings, the allowlist of findings an identity's scans
 * must not report again, and the view counts of items between scans (ArcGIS keeps only a running total of views, so
 * "not viewed for N days" is "count unchanged since a scan N days ago").
 */
export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('clean_scans')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('identity_id', 'text', (c) => c.notNull().references('identities.id').onDelete('cascade'))
    .addColumn('operation_id', 'text')
    .addColumn('scan_type', 'text', (c) => c.notNull())
    /** JSON: the validated options (defaults filled in). */
    .addColumn('options', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql.raw(`status in ('running', 'succeeded', 'failed', 'cancelled')`)))
    .addColumn('message', 'text')
    /** JSON: scan-specific figures (counts, totals, top lists, problems). */
    .addColumn('summary', 'text')
    .addColumn('findings', 'integer', (c) => c.notNull())
    .addColumn('allowlisted', 'integer', (c) => c.notNull())
    .addColumn('requests', 'integer', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text')
    .execute();
  await db.schema.createIndex('clean_scans_identity_idx').on('clean_scans').columns(['identity_id', 'scan_type', 'started_at']).execute();

  await db.schema
    .createTable('clean_findings')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('scan_id', 'text', (c) => c.notNull().references('clean_scans.id').onDelete('cascade'))
    .addColumn('finding_key', 'text', (c) => c.notNull())
    .addColumn('scan_type', 'text', (c) => c.notNull())
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull().check(sql.raw(`severity in ('info', 'warning', 'critical')`)))
    .addColumn('target_kind', 'text', (c) => c.notNull().check(sql.raw(`target_kind in ('item', 'user', 'group')`)))
    .addColumn('target_id', 'text', (c) => c.notNull())
    .addColumn('target_title', 'text', (c) => c.notNull())
    /** Lower-cased title, for case-insensitive filtering and sorting on both databases. */
    .addColumn('target_title_key', 'text', (c) => c.notNull())
    .addColumn('target_type', 'text')
    .addColumn('target_owner', 'text')
    .addColumn('target_folder_id', 'text')
    .addColumn('portal_url', 'text')
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('where_text', 'text')
    /** JSON object. */
    .addColumn('details', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('clean_findings_scan_key_idx').on('clean_findings').columns(['scan_id', 'finding_key']).unique().execute();
  await db.schema.createIndex('clean_findings_scan_code_idx').on('clean_findings').columns(['scan_id', 'code']).execute();

  await db.schema
    .createTable('clean_allowlist')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('identity_id', 'text', (c) => c.notNull().references('identities.id').onDelete('cascade'))
    .addColumn('scan_type', 'text', (c) => c.notNull())
    /** Either a finding key, or a target (kind and id) with an optional code (null: every code of the scan type). */
    .addColumn('finding_key', 'text')
    .addColumn('target_kind', 'text')
    .addColumn('target_id', 'text')
    .addColumn('code', 'text')
    .addColumn('target_title', 'text')
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('added_by', 'text', (c) => c.notNull())
    .addColumn('added_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('clean_allowlist_identity_idx').on('clean_allowlist').columns(['identity_id', 'scan_type']).execute();

  await db.schema
    .createTable('clean_view_counts')
    .addColumn('identity_id', 'text', (c) => c.notNull().references('identities.id').onDelete('cascade'))
    .addColumn('item_id', 'text', (c) => c.notNull())
    /** Views by people (numViews less own_reads) at the last stale-items scan; -1: not looked at yet. */
    .addColumn('num_views', 'bigint', (c) => c.notNull())
    /** ISO date since which num_views has not changed. */
    .addColumn('since', 'text', (c) => c.notNull())
    /** Every item and data read by OrgKeeper's scans (cumulative): ArcGIS counts them as views, the stale scan does not. */
    .addColumn('own_reads', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('clean_view_counts_pk', ['identity_id', 'item_id'])
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable('clean_view_counts').execute();
  await db.schema.dropTable('clean_allowlist').execute();
  await db.schema.dropTable('clean_findings').execute();
  await db.schema.dropTable('clean_scans').execute();
}
