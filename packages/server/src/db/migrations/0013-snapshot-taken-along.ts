import type { Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

/**
 * The snapshot browser says which items a backup of chosen items took along, and for which chosen item, without
 * reading every item entry again:
 * - `snapshot_items.needed_by_id`, `needed_by_title`, `needed_by_need`: the item that needs it which the browser names
 *   (a chosen one before one taken along itself, see takenAlongSummary in backup/item-dependencies.ts): its id, its
 *   title as the backup read it, what this item is to it (e.g. `service of survey`); null for items chosen or in a full
 *   backup.
 *   `needed_by_count`: how many items need it (0 when not taken along).
 * - `snapshot_index.index_version`: the shape of the index rows of a snapshot. Snapshots indexed before this migration
 *   are version 1 (their items have no needed-by columns filled, even when their entries have `neededBy`); the browser
 *   indexes such a snapshot again from the store the first time its items are listed, so no answer is ever wrong.
 *   The rows are kept meanwhile (metrics and the recycle bin read them and stay right).
 */
export async function up(db: AnyDb): Promise<void> {
  await db.schema.alterTable('snapshot_items').addColumn('needed_by_id', 'text').execute();
  await db.schema.alterTable('snapshot_items').addColumn('needed_by_title', 'text').execute();
  await db.schema.alterTable('snapshot_items').addColumn('needed_by_need', 'text').execute();
  await db.schema.alterTable('snapshot_items').addColumn('needed_by_count', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('snapshot_index').addColumn('index_version', 'integer', (c) => c.notNull().defaultTo(1)).execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.alterTable('snapshot_index').dropColumn('index_version').execute();
  await db.schema.alterTable('snapshot_items').dropColumn('needed_by_count').execute();
  await db.schema.alterTable('snapshot_items').dropColumn('needed_by_need').execute();
  await db.schema.alterTable('snapshot_items').dropColumn('needed_by_title').execute();
  await db.schema.alterTable('snapshot_items').dropColumn('needed_by_id').execute();
}
