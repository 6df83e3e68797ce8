import type { Kysely } from 'kysely';
import type { Db } from '../db/database.js';
import type { Database } from '../db/schema.js';
import type { WorkerRow, WorkerTables } from './worker.types.js';

/** The only code that reads and writes the workers table: the OrgKeeper processes that share the database. */
export class WorkerRepository {
  private readonly db: Kysely<Database & WorkerTables>;

  constructor(db: Db) {
    this.db = db.withTables<WorkerTables>();
  }

  /** Records the process (again, if its row was removed meanwhile). */
  async register(row: WorkerRow): Promise<void> {
    await this.db
      .insertInto('workers')
      .values(row)
      .onConflict((oc) =>
        oc.column('id').doUpdateSet({
          kind: row.kind,
          runs_jobs: row.runs_jobs,
          max_running: row.max_running,
          last_seen_at: row.last_seen_at,
          stopped_at: null
        })
      )
      .execute();
  }

  /** Writes when the process was last seen; false when its row is gone (removed as long stopped). */
  async beat(id: string, at: string): Promise<boolean> {
    const result = await this.db.updateTable('workers').set({ last_seen_at: at }).where('id', '=', id).executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async stopped(id: string, at: string): Promise<void> {
    await this.db.updateTable('workers').set({ last_seen_at: at, stopped_at: at }).where('id', '=', id).execute();
  }

  findById(id: string): Promise<WorkerRow | undefined> {
    return this.db.selectFrom('workers').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findByIds(ids: readonly string[]): Promise<WorkerRow[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.db.selectFrom('workers').selectAll().where('id', 'in', [...ids]).execute();
  }

  /** Processes seen at or after `since`, most recently started first. */
  listSeenSince(since: string): Promise<WorkerRow[]> {
    return this.db.selectFrom('workers').selectAll().where('last_seen_at', '>=', since).orderBy('started_at', 'desc').orderBy('id').execute();
  }

  /** Forgets processes not seen since `before`; returns how many. */
  async deleteSeenBefore(before: string): Promise<number> {
    const result = await this.db.deleteFrom('workers').where('last_seen_at', '<', before).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
