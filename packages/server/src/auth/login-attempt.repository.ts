import type { ExpressionBuilder } from 'kysely';
import type { Db } from '../db/database.js';
import type { Database, LoginAttemptTable } from '../db/schema.js';

export interface AttemptLimits {
  /** Failures after this time count (ISO, the start of the window). */
  windowStart: string;
  maxFailuresPerUsername: number;
  maxFailuresPerIp: number;
}

export class LoginAttemptRepository {
  constructor(private readonly db: Db) {}

  async insert(row: LoginAttemptTable): Promise<void> {
    await this.db.insertInto('login_attempts').values(row).execute();
  }

  /**
   * Records `row` as a failed attempt, but only while its username and its address are under their
   * limits, checked and written by one INSERT ... SELECT ... WHERE statement so that concurrent
   * logins cannot all pass the check before any of them is counted. A username's failures count
   * from its last success (or the window start, whichever is later); an address's from the window
   * start. True when the attempt was recorded (the caller may then check the password).
   *
   * SQLite runs one statement at a time, which makes this atomic. On PostgreSQL it must run under
   * SERIALIZABLE or after `pg_advisory_xact_lock` on the username and address, in one transaction.
   */
  async reserveFailure(row: Omit<LoginAttemptTable, 'succeeded'>, limits: AttemptLimits): Promise<boolean> {
    // Failures in the window, as a subquery to narrow down and compare with a limit.
    const failures = (eb: ExpressionBuilder<Database, never>) =>
      eb
        .selectFrom('login_attempts as f')
        .select((f) => f.fn.countAll<number>().as('n'))
        .where('f.succeeded', '=', 0)
        .where('f.attempted_at', '>', limits.windowStart);
    const result = await this.db
      .insertInto('login_attempts')
      .columns(['id', 'username_key', 'ip', 'attempted_at', 'succeeded'])
      .expression(
        this.db
          .selectNoFrom((eb) => [
            eb.val(row.id).as('id'),
            eb.val(row.username_key).as('username_key'),
            eb.val(row.ip).as('ip'),
            eb.val(row.attempted_at).as('attempted_at'),
            eb.val(0).as('succeeded')
          ])
          .where((eb) => {
            const lastSuccess = eb
              .selectFrom('login_attempts as s')
              .select((s) => s.fn.max('s.attempted_at').as('last'))
              .where('s.username_key', '=', row.username_key)
              .where('s.succeeded', '=', 1);
            const byUsername = failures(eb)
              .where('f.username_key', '=', row.username_key)
              .where('f.attempted_at', '>', eb.fn.coalesce(lastSuccess, eb.val('')));
            return eb(byUsername, '<', limits.maxFailuresPerUsername);
          })
          .where((eb) => eb(failures(eb).where('f.ip', '=', row.ip), '<', limits.maxFailuresPerIp))
      )
      .executeTakeFirst();
    return BigInt(result.numInsertedOrUpdatedRows ?? 0) === 1n;
  }

  /** A reserved attempt whose password was right: it stops counting as a failure and resets the username's count. */
  async markSucceeded(id: string): Promise<void> {
    await this.db.updateTable('login_attempts').set({ succeeded: 1 }).where('id', '=', id).execute();
  }

  /** Times of the newest failed attempts after `since`, newest first, at most `limit`. */
  async recentFailures(filter: { usernameKey: string } | { ip: string }, since: string, limit: number): Promise<string[]> {
    let query = this.db
      .selectFrom('login_attempts')
      .select('attempted_at')
      .where('succeeded', '=', 0)
      .where('attempted_at', '>', since);
    query = 'usernameKey' in filter ? query.where('username_key', '=', filter.usernameKey) : query.where('ip', '=', filter.ip);
    const rows = await query.orderBy('attempted_at', 'desc').limit(limit).execute();
    return rows.map((r) => r.attempted_at);
  }

  async lastSuccess(usernameKey: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('login_attempts')
      .select('attempted_at')
      .where('username_key', '=', usernameKey)
      .where('succeeded', '=', 1)
      .orderBy('attempted_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row?.attempted_at;
  }

  async deleteOlderThan(before: string): Promise<void> {
    await this.db.deleteFrom('login_attempts').where('attempted_at', '<', before).execute();
  }
}
