import type { Db } from '../db/database.js';
import type { AppUserRow, NewSessionRow, SessionRow } from '../db/schema.js';

export class SessionRepository {
  constructor(private readonly db: Db) {}

  async insert(row: NewSessionRow): Promise<void> {
    await this.db.insertInto('sessions').values(row).execute();
  }

  findById(id: string): Promise<SessionRow | undefined> {
    return this.db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** The session with this id and its account, if it has not expired at `now`. */
  async findActive(id: string, now: string): Promise<{ session: SessionRow; user: AppUserRow } | undefined> {
    const row = await this.db
      .selectFrom('sessions')
      .innerJoin('app_users', 'app_users.id', 'sessions.user_id')
      .select([
        'sessions.id as s_id',
        'sessions.user_id as s_user_id',
        'sessions.csrf_token as s_csrf_token',
        'sessions.created_at as s_created_at',
        'sessions.last_seen_at as s_last_seen_at',
        'sessions.expires_at as s_expires_at',
        'sessions.ip as s_ip',
        'sessions.user_agent as s_user_agent',
        'sessions.via as s_via',
        'sessions.checked_at as s_checked_at',
        'sessions.arcgis_grant as s_arcgis_grant',
        'app_users.id as u_id',
        'app_users.username as u_username',
        'app_users.username_key as u_username_key',
        'app_users.password_hash as u_password_hash',
        'app_users.role as u_role',
        'app_users.created_at as u_created_at',
        'app_users.updated_at as u_updated_at',
        'app_users.last_login_at as u_last_login_at',
        'app_users.source as u_source'
      ])
      .where('sessions.id', '=', id)
      .where('sessions.expires_at', '>', now)
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      session: {
        id: row.s_id,
        user_id: row.s_user_id,
        csrf_token: row.s_csrf_token,
        created_at: row.s_created_at,
        last_seen_at: row.s_last_seen_at,
        expires_at: row.s_expires_at,
        ip: row.s_ip,
        user_agent: row.s_user_agent,
        via: row.s_via,
        checked_at: row.s_checked_at,
        arcgis_grant: row.s_arcgis_grant
      },
      user: {
        id: row.u_id,
        username: row.u_username,
        username_key: row.u_username_key,
        password_hash: row.u_password_hash,
        role: row.u_role,
        created_at: row.u_created_at,
        updated_at: row.u_updated_at,
        last_login_at: row.u_last_login_at,
        source: row.u_source
      }
    };
  }

  async touch(id: string, lastSeenAt: string, expiresAt: string): Promise<void> {
    await this.db.updateTable('sessions').set({ last_seen_at: lastSeenAt, expires_at: expiresAt }).where('id', '=', id).execute();
  }

  /** Records that an ArcGIS session's roles and groups were checked at `at`. */
  async markChecked(id: string, at: string): Promise<void> {
    await this.db.updateTable('sessions').set({ checked_at: at }).where('id', '=', id).execute();
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('id', '=', id).execute();
  }

  async deleteForUser(userId: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('user_id', '=', userId).execute();
  }

  async deleteExpired(now: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('expires_at', '<=', now).execute();
  }
}
