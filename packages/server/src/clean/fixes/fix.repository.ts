/** The only code that reads and writes the clean_fixes and clean_fix_results tables (migration 0007). */
import type { Kysely, Selectable } from 'kysely';
import type { Db } from '../../db/database.js';
import { dialectOf } from '../../db/dialects/dialect.js';
import type { Database } from '../../db/schema.js';

export interface CleanFixTable {
  id: string;
  identity_id: string;
  scan_id: string;
  action: string;
  options: string;
  status: 'queued' | 'running' | 'succeeded' | 'partial' | 'failed' | 'cancelled' | 'interrupted';
  message: string | null;
  snapshot_id: string | null;
  backup_note: string | null;
  created_by: string;
  created_at: string;
  finished_at: string | null;
  undo_operation_id: string | null;
  undo_status: string | null;
  undo_by: string | null;
  undo_at: string | null;
  undo_message: string | null;
}

export interface CleanFixResultTable {
  fix_id: string;
  finding_id: string;
  position: number;
  target_kind: string;
  target_id: string;
  target: string;
  status: 'pending' | 'ok' | 'failed' | 'skipped';
  error: string | null;
  changes: string;
  applied: string;
  context: string;
  undo_status: string | null;
  undo_error: string | null;
  undo_note: string | null;
}

// A type alias (not an interface) so it satisfies Kysely's Record constraint of withTables.
export type CleanFixTables = {
  clean_fixes: CleanFixTable;
  clean_fix_results: CleanFixResultTable;
};

export type CleanFixRow = Selectable<CleanFixTable>;
export type CleanFixResultRow = Selectable<CleanFixResultTable>;

/** SQLite limits bound parameters per statement; rows are inserted in batches below that. */
const INSERT_BATCH = 50;

export class FixRepository {
  private readonly db: Kysely<Database & CleanFixTables>;

  constructor(db: Db) {
    this.db = db.withTables<CleanFixTables>();
  }

  /** Inserts the fix unless it is there already (the job and the service may both record it first). */
  async insertIfMissing(row: CleanFixRow): Promise<void> {
    await this.db.insertInto('clean_fixes').values(row).onConflict((oc) => oc.column('id').doNothing()).execute();
  }

  findById(id: string): Promise<CleanFixRow | undefined> {
    return this.db.selectFrom('clean_fixes').selectAll().where('id', '=', id).executeTakeFirst();
  }

  list(filter: { identityId: string; scanId?: string; limit: number }): Promise<CleanFixRow[]> {
    let query = this.db.selectFrom('clean_fixes').selectAll().where('identity_id', '=', filter.identityId);
    if (filter.scanId) query = query.where('scan_id', '=', filter.scanId);
    return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
  }

  async update(id: string, changes: Partial<Omit<CleanFixRow, 'id'>>): Promise<void> {
    await this.db.updateTable('clean_fixes').set(changes).where('id', '=', id).execute();
  }

  /** Replaces the fix's result rows (a resumed fix plans again before it changes anything); replacers take turns. */
  async replaceResults(fixId: string, rows: CleanFixResultRow[]): Promise<void> {
    await dialectOf(this.db).lockedTransaction(this.db, [`clean-fix-results:${fixId}`], async (trx) => {
      await trx.deleteFrom('clean_fix_results').where('fix_id', '=', fixId).execute();
      for (let i = 0; i < rows.length; i += INSERT_BATCH) await trx.insertInto('clean_fix_results').values(rows.slice(i, i + INSERT_BATCH)).execute();
    });
  }

  async updateResult(fixId: string, findingId: string, changes: Partial<Omit<CleanFixResultRow, 'fix_id' | 'finding_id'>>): Promise<void> {
    await this.db.updateTable('clean_fix_results').set(changes).where('fix_id', '=', fixId).where('finding_id', '=', findingId).execute();
  }

  results(fixId: string): Promise<CleanFixResultRow[]> {
    return this.db.selectFrom('clean_fix_results').selectAll().where('fix_id', '=', fixId).orderBy('position').execute();
  }

  async counts(fixId: string): Promise<Record<string, number>> {
    const rows = await this.db
      .selectFrom('clean_fix_results')
      .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
      .where('fix_id', '=', fixId)
      .groupBy('status')
      .execute();
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }

  /**
   * The delete-items fixes of an identity that deleted these items (newest first): who asked, when the fix ended,
   * and what was applied to each (the recycle bin page says who deleted an item and when, which ArcGIS does not).
   */
  async deletesOf(identityId: string, itemIds: string[]): Promise<{ item_id: string; fix_id: string; created_by: string; finished_at: string | null; applied: string }[]> {
    const out: { item_id: string; fix_id: string; created_by: string; finished_at: string | null; applied: string }[] = [];
    for (let i = 0; i < itemIds.length; i += INSERT_BATCH * 10) {
      const rows = await this.db
        .selectFrom('clean_fix_results as r')
        .innerJoin('clean_fixes as f', 'f.id', 'r.fix_id')
        .select(['r.target_id as item_id', 'f.id as fix_id', 'f.created_by', 'f.finished_at', 'r.applied'])
        .where('f.identity_id', '=', identityId)
        .where('f.action', '=', 'delete-items')
        .where('r.target_kind', '=', 'item')
        .where('r.status', '=', 'ok')
        .where('r.target_id', 'in', itemIds.slice(i, i + INSERT_BATCH * 10))
        .orderBy('f.created_at', 'desc')
        .execute();
      out.push(...rows);
    }
    return out;
  }
}
