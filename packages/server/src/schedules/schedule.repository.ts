import type { Kysely } from 'kysely';
import type { Db } from '../db/database.js';
import type { Database } from '../db/schema.js';
import type { ScheduleRow, ScheduleTables } from './schedule.types.js';

/** The only code that reads and writes the schedules table. */
export class ScheduleRepository {
  private readonly db: Kysely<Database & ScheduleTables>;

  constructor(db: Db) {
    this.db = db.withTables<ScheduleTables>();
  }

  async insert(row: ScheduleRow): Promise<void> {
    await this.db.insertInto('schedules').values(row).execute();
  }

  findById(id: string): Promise<ScheduleRow | undefined> {
    return this.db.selectFrom('schedules').selectAll().where('id', '=', id).executeTakeFirst();
  }

  list(identityId?: string): Promise<ScheduleRow[]> {
    let query = this.db.selectFrom('schedules').selectAll();
    if (identityId) query = query.where('identity_id', '=', identityId);
    return query.orderBy('created_at').orderBy('id').execute();
  }

  /** Enabled schedules due at `now` (next run at or before it). */
  listDue(now: string): Promise<ScheduleRow[]> {
    return this.db.selectFrom('schedules').selectAll().where('enabled', '=', 1).where('next_run_at', '<=', now).orderBy('next_run_at').execute();
  }

  /** The earliest next run of any enabled schedule. */
  async nextDue(): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('schedules')
      .select((eb) => eb.fn.min<string | null>('next_run_at').as('next'))
      .where('enabled', '=', 1)
      .executeTakeFirst();
    return row?.next ?? undefined;
  }

  async update(id: string, changes: Partial<Omit<ScheduleRow, 'id'>>): Promise<void> {
    await this.db.updateTable('schedules').set(changes).where('id', '=', id).execute();
  }

  /** Moves a due schedule to its next run only if no one else did (two servers on one database fire it once). */
  async claimRun(id: string, expectedNext: string, changes: Partial<Omit<ScheduleRow, 'id'>>): Promise<boolean> {
    const result = await this.db.updateTable('schedules').set(changes).where('id', '=', id).where('next_run_at', '=', expectedNext).executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('schedules').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
