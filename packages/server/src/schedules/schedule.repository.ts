import type { Kysely } from 'kysely';
import type { Db } from '../db/database.js';
import type { Database } from '../db/schema.js';
import type { ScheduleRow, ScheduleRunRow, ScheduleTables } from './schedule.types.js';

/** The only code that reads and writes the schedules and schedule_runs tables. */
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

  /**
   * Claims the run of a due schedule for its slot (the due time `slot`), in one transaction: moves the schedule on
   * to its next run (`changes`) only if no one else did, and records the slot as fired by `firedBy`. False when
   * another server moved it first, or the slot was fired already (e.g. a server whose clock is behind set the slot
   * again on an edit): then nothing fires, though the schedule is moved on all the same. However many servers run, a
   * slot fires once: the slot's row is the claim (its primary key), on SQLite and PostgreSQL alike.
   */
  async claimRun(id: string, slot: string, changes: Partial<Omit<ScheduleRow, 'id'>>, firedBy: string, at: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const moved = await trx.updateTable('schedules').set(changes).where('id', '=', id).where('next_run_at', '=', slot).executeTakeFirst();
      if (Number(moved.numUpdatedRows) === 0) return false;
      const taken = await trx
        .insertInto('schedule_runs')
        .values({ schedule_id: id, slot_at: slot, fired_by: firedBy, fired_at: at, operation_id: null })
        .onConflict((oc) => oc.columns(['schedule_id', 'slot_at']).doNothing())
        .returning('slot_at')
        .execute();
      return taken.length > 0;
    });
  }

  /** Puts a claimed slot back (the server is stopping): the schedule is due at `slot` again and the slot unfired. */
  async releaseRun(id: string, slot: string, schedule: Partial<Omit<ScheduleRow, 'id'>>): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('schedule_runs').where('schedule_id', '=', id).where('slot_at', '=', slot).execute();
      await trx.updateTable('schedules').set(schedule).where('id', '=', id).execute();
    });
  }

  /** Records the operation a fired slot started. */
  async setRunOperation(id: string, slot: string, operationId: string): Promise<void> {
    await this.db.updateTable('schedule_runs').set({ operation_id: operationId }).where('schedule_id', '=', id).where('slot_at', '=', slot).execute();
  }

  /** A schedule's fired slots, newest first. */
  listRuns(id: string, limit = 50): Promise<ScheduleRunRow[]> {
    return this.db.selectFrom('schedule_runs').selectAll().where('schedule_id', '=', id).orderBy('slot_at', 'desc').limit(limit).execute();
  }

  /** Forgets fired slots older than `before` (the operations keep the history). */
  async deleteRunsBefore(before: string): Promise<number> {
    const result = await this.db.deleteFrom('schedule_runs').where('slot_at', '<', before).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('schedules').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
