import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

/**
 * Operations (long work: backups now; check, forget, prune, restore and scans later) with their per-item log, and the
 * index of each identity's snapshots and their items. The index only mirrors the store (the identity's File Location):
 * `orgkeeper store reindex` rebuilds it from the folder alone.
 */
export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('operations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('identity_id', 'text', (c) => c.references('identities.id').onDelete('cascade'))
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql.raw(`status in ('queued', 'running', 'succeeded', 'partial', 'failed', 'cancelled', 'interrupted')`))
    )
    /** JSON: what was asked (backup name, query, item ids). */
    .addColumn('params', 'text', (c) => c.notNull())
    /** JSON: the latest progress counters (phase, items total/done, bytes). */
    .addColumn('progress', 'text')
    .addColumn('message', 'text')
    /** JSON: the outcome (snapshot id, counts, bytes, duration). */
    .addColumn('result', 'text')
    .addColumn('snapshot_id', 'text')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text')
    .addColumn('finished_at', 'text')
    .execute();
  await db.schema.createIndex('operations_identity_created_idx').on('operations').columns(['identity_id', 'created_at']).execute();
  await db.schema.createIndex('operations_status_idx').on('operations').column('status').execute();
  await db.schema.createIndex('operations_created_idx').on('operations').column('created_at').execute();

  await db.schema
    .createTable('operation_items')
    .addColumn('operation_id', 'text', (c) => c.notNull().references('operations.id').onDelete('cascade'))
    .addColumn('item_id', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('owner', 'text', (c) => c.notNull())
    /** The item's `modified` in ArcGIS (ISO 8601), when known. */
    .addColumn('modified', 'text')
    .addColumn('status', 'text', (c) => c.notNull().check(sql.raw(`status in ('ok', 'skipped', 'failed')`)))
    /** Comma-separated parts stored (item, data, thumbnail, metadata, resources, sharing, related, layers). */
    .addColumn('parts', 'text', (c) => c.notNull())
    .addColumn('carried_over', 'integer', (c) => c.notNull())
    .addColumn('bytes_read', 'bigint', (c) => c.notNull())
    .addColumn('new_bytes', 'bigint', (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('operation_items_pk', ['operation_id', 'item_id'])
    .execute();
  await db.schema.createIndex('operation_items_status_idx').on('operation_items').columns(['operation_id', 'status']).execute();

  await db.schema
    .createTable('snapshot_index')
    .addColumn('identity_id', 'text', (c) => c.notNull().references('identities.id').onDelete('cascade'))
    .addColumn('snapshot_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('parent', 'text')
    /** JSON array of the manifest's tags (e.g. `selection`). */
    .addColumn('tags', 'text', (c) => c.notNull())
    .addColumn('items_ok', 'integer', (c) => c.notNull())
    .addColumn('items_skipped', 'integer', (c) => c.notNull())
    .addColumn('items_failed', 'integer', (c) => c.notNull())
    .addColumn('groups', 'integer', (c) => c.notNull())
    .addColumn('users', 'integer', (c) => c.notNull())
    .addColumn('layers', 'integer', (c) => c.notNull())
    .addColumn('features', 'bigint', (c) => c.notNull())
    .addColumn('attachments', 'integer', (c) => c.notNull())
    .addColumn('bytes_read', 'bigint', (c) => c.notNull())
    .addColumn('new_bytes', 'bigint', (c) => c.notNull())
    .addColumn('indexed_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('snapshot_index_pk', ['identity_id', 'snapshot_id'])
    .execute();

  await db.schema
    .createTable('snapshot_items')
    .addColumn('identity_id', 'text', (c) => c.notNull())
    .addColumn('snapshot_id', 'text', (c) => c.notNull())
    .addColumn('item_id', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    /** Lower-cased title, for case-insensitive search on both databases. */
    .addColumn('title_key', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('folder_id', 'text')
    /** Epoch milliseconds, as ArcGIS gives it. */
    .addColumn('modified', 'bigint', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('layers', 'integer', (c) => c.notNull())
    .addColumn('features', 'bigint', (c) => c.notNull())
    .addColumn('carried_from', 'text')
    .addPrimaryKeyConstraint('snapshot_items_pk', ['identity_id', 'snapshot_id', 'item_id'])
    .addForeignKeyConstraint('snapshot_items_snapshot_fk', ['identity_id', 'snapshot_id'], 'snapshot_index', ['identity_id', 'snapshot_id'], (c) =>
      c.onDelete('cascade')
    )
    .execute();
  await db.schema.createIndex('snapshot_items_title_idx').on('snapshot_items').columns(['identity_id', 'snapshot_id', 'title_key']).execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable('snapshot_items').execute();
  await db.schema.dropTable('snapshot_index').execute();
  await db.schema.dropTable('operation_items').execute();
  await db.schema.dropTable('operations').execute();
}
