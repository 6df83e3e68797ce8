import { sql, type Kysely, type Selectable } from 'kysely';
import type { Db } from '../db/database.js';
import { dialectOf } from '../db/dialects/dialect.js';
import type { Database } from '../db/schema.js';

export interface SnapshotIndexTable {
  identity_id: string;
  snapshot_id: string;
  name: string;
  started_at: string;
  finished_at: string;
  status: string;
  parent: string | null;
  tags: string;
  items_ok: number;
  items_skipped: number;
  items_failed: number;
  groups: number;
  users: number;
  layers: number;
  features: number;
  attachments: number;
  bytes_read: number;
  new_bytes: number;
  indexed_at: string;
  /** The shape of the snapshot's index rows (SNAPSHOT_INDEX_VERSION); an older one is indexed again before its items are listed. */
  index_version: number;
}

export interface SnapshotItemTable {
  identity_id: string;
  snapshot_id: string;
  item_id: string;
  title: string;
  title_key: string;
  type: string;
  owner: string;
  folder_id: string | null;
  modified: number;
  status: string;
  layers: number;
  features: number;
  carried_from: string | null;
  /** The first item that needs this one when a backup of chosen items took it along (null: chosen, or a full backup). */
  needed_by_id: string | null;
  needed_by_title: string | null;
  needed_by_need: string | null;
  /** How many items need it (0: not taken along). */
  needed_by_count: number;
}

// A type alias (not an interface) so it satisfies Kysely's Record constraint of withTables.
export type SnapshotIndexTables = {
  snapshot_index: SnapshotIndexTable;
  snapshot_items: SnapshotItemTable;
};

export type SnapshotIndexRow = Selectable<SnapshotIndexTable>;
export type SnapshotItemRow = Selectable<SnapshotItemTable>;

export interface SnapshotItemFilter {
  /** Words of the title (case-insensitive substring). */
  q?: string;
  type?: string;
  owner?: string;
  status?: string;
  offset: number;
  limit: number;
}

/**
 * The shape of the index rows this code writes. 2: items carry who needs them (migration 0013). A snapshot indexed with
 * an older version lacks what the browser shows and is indexed again from the store when its items are listed.
 */
export const SNAPSHOT_INDEX_VERSION = 2;

/** SQLite limits bound parameters per statement (17 columns a row here; better-sqlite3's limit is 32766); rows are inserted in batches below that. */
const INSERT_BATCH = 200;

/** Escapes LIKE wildcards so a user's `%` or `_` matches itself. */
const likeEscape = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

const indexLock = (identityId: string) => `snapshot-index:${identityId}`;

/** The only code that reads and writes the snapshot index (snapshot_index, snapshot_items). */
export class SnapshotIndexRepository {
  private readonly db: Kysely<Database & SnapshotIndexTables>;

  constructor(db: Db) {
    this.db = db.withTables<SnapshotIndexTables>();
  }

  listSnapshots(identityId: string): Promise<SnapshotIndexRow[]> {
    return this.db.selectFrom('snapshot_index').selectAll().where('identity_id', '=', identityId).orderBy('snapshot_id').execute();
  }

  findSnapshot(identityId: string, snapshotId: string): Promise<SnapshotIndexRow | undefined> {
    return this.db.selectFrom('snapshot_index').selectAll().where('identity_id', '=', identityId).where('snapshot_id', '=', snapshotId).executeTakeFirst();
  }

  /**
   * Replaces one snapshot's rows (the snapshot and all its items) in one transaction. Writers of one identity's index
   * take turns: two replacing the same snapshot at once would both delete nothing and then collide on insert.
   */
  async replaceSnapshot(snapshot: SnapshotIndexRow, items: SnapshotItemRow[]): Promise<void> {
    await dialectOf(this.db).lockedTransaction(this.db, [indexLock(snapshot.identity_id)], async (trx) => {
      await trx.deleteFrom('snapshot_items').where('identity_id', '=', snapshot.identity_id).where('snapshot_id', '=', snapshot.snapshot_id).execute();
      await trx.deleteFrom('snapshot_index').where('identity_id', '=', snapshot.identity_id).where('snapshot_id', '=', snapshot.snapshot_id).execute();
      await trx.insertInto('snapshot_index').values(snapshot).execute();
      for (let i = 0; i < items.length; i += INSERT_BATCH) {
        await trx.insertInto('snapshot_items').values(items.slice(i, i + INSERT_BATCH)).execute();
      }
    });
  }

  /** Removes the given snapshots (or, without ids, every snapshot) of an identity from the index. */
  async deleteSnapshots(identityId: string, snapshotIds?: string[]): Promise<void> {
    if (snapshotIds && snapshotIds.length === 0) return;
    await dialectOf(this.db).lockedTransaction(this.db, [indexLock(identityId)], async (trx) => {
      let items = trx.deleteFrom('snapshot_items').where('identity_id', '=', identityId);
      let snapshots = trx.deleteFrom('snapshot_index').where('identity_id', '=', identityId);
      if (snapshotIds) {
        items = items.where('snapshot_id', 'in', snapshotIds);
        snapshots = snapshots.where('snapshot_id', 'in', snapshotIds);
      }
      await items.execute();
      await snapshots.execute();
    });
  }

  async searchItems(identityId: string, snapshotId: string, filter: SnapshotItemFilter): Promise<{ total: number; rows: SnapshotItemRow[] }> {
    let query = this.db.selectFrom('snapshot_items').where('identity_id', '=', identityId).where('snapshot_id', '=', snapshotId);
    if (filter.q) {
      // Explicit ESCAPE: SQLite has no default escape character in LIKE (PostgreSQL's is the same backslash).
      const pattern = `%${likeEscape(filter.q.toLowerCase())}%`;
      const q = filter.q;
      query = query.where((eb) => eb.or([sql<boolean>`title_key like ${pattern} escape '\\'`, eb('item_id', '=', q)]));
    }
    if (filter.type) query = query.where('type', '=', filter.type);
    if (filter.owner) query = query.where('owner', '=', filter.owner);
    if (filter.status) query = query.where('status', '=', filter.status);
    const count = await query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
    const rows = await query.selectAll().orderBy('title_key').orderBy('item_id').limit(filter.limit).offset(filter.offset).execute();
    return { total: Number(count?.n ?? 0), rows };
  }

  /** Item counts per type and per owner in a snapshot (for the browse filters). */
  async facets(identityId: string, snapshotId: string): Promise<{ types: { value: string; count: number }[]; owners: { value: string; count: number }[] }> {
    const base = this.db.selectFrom('snapshot_items').where('identity_id', '=', identityId).where('snapshot_id', '=', snapshotId);
    const types = await base.select(['type as value', (eb) => eb.fn.countAll<number>().as('count')]).groupBy('type').orderBy('type').execute();
    const owners = await base.select(['owner as value', (eb) => eb.fn.countAll<number>().as('count')]).groupBy('owner').orderBy('owner').execute();
    const num = (rows: { value: string; count: number }[]) => rows.map((r) => ({ value: r.value, count: Number(r.count) }));
    return { types: num(types), owners: num(owners) };
  }

  /** The newest snapshot of the identity that holds each of these items (by id; snapshot ids sort by time). */
  async newestSnapshotsWith(identityId: string, itemIds: string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    for (let i = 0; i < itemIds.length; i += 500) {
      const rows = await this.db
        .selectFrom('snapshot_items')
        .select(['item_id', (eb) => eb.fn.max('snapshot_id').as('snapshot_id')])
        .where('identity_id', '=', identityId)
        .where('status', '!=', 'failed')
        .where('item_id', 'in', itemIds.slice(i, i + 500))
        .groupBy('item_id')
        .execute();
      for (const row of rows) found.set(row.item_id, String(row.snapshot_id));
    }
    return found;
  }
}
