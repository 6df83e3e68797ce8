import type { Db } from '../db/database.js';
import type { LoginAttemptTable } from '../db/schema.js';

export class LoginAttemptRepository {
  constructor(private readonly db: Db) {}

  async insert(row: LoginAttemptTable): Promise<void> {
    await this.db.insertInto('login_attempts').values(row).execute();
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
