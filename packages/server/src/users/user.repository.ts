import type { Db } from '../db/database.js';
import { dialectOf } from '../db/dialects/dialect.js';
import type { AppUserRow, NewAppUserRow, Role } from '../db/schema.js';

export class UserRepository {
  constructor(private readonly db: Db) {}

  findById(id: string): Promise<AppUserRow | undefined> {
    return this.db.selectFrom('app_users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findByUsernameKey(usernameKey: string): Promise<AppUserRow | undefined> {
    return this.db.selectFrom('app_users').selectAll().where('username_key', '=', usernameKey).executeTakeFirst();
  }

  /** A local account (one that signs in with a password) by its username key. */
  findLocalByUsernameKey(usernameKey: string): Promise<AppUserRow | undefined> {
    return this.db.selectFrom('app_users').selectAll().where('username_key', '=', usernameKey).where('source', '=', 'local').executeTakeFirst();
  }

  async countLocalAdmins(): Promise<number> {
    const row = await this.db
      .selectFrom('app_users')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('source', '=', 'local')
      .where('role', '=', 'admin')
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /**
   * The account of an ArcGIS user (`source` arcgis), created on first sign-in; its role is set to what the mapping
   * gives now. Returns the row as stored.
   */
  async upsertArcGISUser(row: NewAppUserRow & { source: 'arcgis' }): Promise<AppUserRow> {
    await this.db
      .insertInto('app_users')
      .values(row)
      .onConflict((oc) => oc.column('username_key').doUpdateSet({ role: row.role, username: row.username, updated_at: row.updated_at }).where('app_users.source', '=', 'arcgis'))
      .execute();
    const stored = await this.findByUsernameKey(row.username_key);
    if (!stored || stored.source !== 'arcgis') throw new Error(`The account key ${row.username_key} belongs to a local account.`);
    return stored;
  }

  /** Changes the role of an ArcGIS account (the mapping decides it; local accounts are never changed this way). */
  async setArcGISRole(id: string, role: Role, at: string): Promise<void> {
    await this.db.updateTable('app_users').set({ role, updated_at: at }).where('id', '=', id).where('source', '=', 'arcgis').execute();
  }

  async count(): Promise<number> {
    const row = await this.db
      .selectFrom('app_users')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async list(): Promise<AppUserRow[]> {
    return this.db.selectFrom('app_users').selectAll().orderBy('username_key').execute();
  }

  /** Inserts the user; returns false when the username is taken. */
  async insert(row: NewAppUserRow): Promise<boolean> {
    const result = await this.db
      .insertInto('app_users')
      .values(row)
      .onConflict((oc) => oc.column('username_key').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  /**
   * Inserts the user only while no account exists, in one statement, so two first-run requests
   * racing each other cannot both create an administrator. Returns false when an account exists. (One statement is
   * atomic on SQLite; on PostgreSQL two could both see no account, so first-run inserts take turns on a lock.)
   */
  async insertIfNoUsers(row: NewAppUserRow): Promise<boolean> {
    const result = await dialectOf(this.db).lockedTransaction(this.db, ['app_users:first-run'], (trx) =>
      trx
        .insertInto('app_users')
        .columns(['id', 'username', 'username_key', 'password_hash', 'role', 'created_at', 'updated_at', 'last_login_at'])
        .expression(
          trx
            .selectNoFrom((eb) => [
              eb.val(row.id).as('id'),
              eb.val(row.username).as('username'),
              eb.val(row.username_key).as('username_key'),
              eb.val(row.password_hash).as('password_hash'),
              eb.val(row.role).as('role'),
              eb.val(row.created_at).as('created_at'),
              eb.val(row.updated_at).as('updated_at'),
              eb.val(row.last_login_at ?? null).as('last_login_at')
            ])
            .where((eb) => eb.not(eb.exists(eb.selectFrom('app_users').select('id'))))
        )
        .executeTakeFirst()
    );
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  async recordLogin(id: string, at: string): Promise<void> {
    await this.db.updateTable('app_users').set({ last_login_at: at }).where('id', '=', id).execute();
  }

  async updatePasswordHash(id: string, passwordHash: string, at: string): Promise<void> {
    await this.db.updateTable('app_users').set({ password_hash: passwordHash, updated_at: at }).where('id', '=', id).execute();
  }
}
