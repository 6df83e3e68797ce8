import type { Kysely } from 'kysely';
import type { Db } from '../db/database.js';
import { dialectOf } from '../db/dialects/dialect.js';
import type { Database } from '../db/schema.js';
import type { IdentityRow, IdentityTables, IdentityUpdate, NewIdentityRow, OAuthStateRow } from './identity.types.js';

/** The only code that reads and writes the identities and oauth_states tables. */
export class IdentityRepository {
  private readonly db: Kysely<Database & IdentityTables>;

  constructor(db: Db) {
    this.db = db.withTables<IdentityTables>();
  }

  list(): Promise<IdentityRow[]> {
    return this.db.selectFrom('identities').selectAll().orderBy('type').orderBy('name_key').execute();
  }

  findById(id: string): Promise<IdentityRow | undefined> {
    return this.db.selectFrom('identities').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findByNameKey(nameKey: string): Promise<IdentityRow | undefined> {
    return this.db.selectFrom('identities').selectAll().where('name_key', '=', nameKey).executeTakeFirst();
  }

  /** Inserts the row; returns the column that made it conflict ('name' or 'file_location'), or null when inserted. */
  async insert(row: NewIdentityRow): Promise<'name' | 'file_location' | null> {
    try {
      await this.db.insertInto('identities').values(row).execute();
      return null;
    } catch (error) {
      return this.uniqueViolation(error);
    }
  }

  /** Updates the row; same conflict answer as insert. */
  async update(id: string, changes: IdentityUpdate): Promise<'name' | 'file_location' | null> {
    try {
      await this.db.updateTable('identities').set(changes).where('id', '=', id).execute();
      return null;
    } catch (error) {
      return this.uniqueViolation(error);
    }
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('identities').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async insertOAuthState(row: OAuthStateRow): Promise<void> {
    await this.db.insertInto('oauth_states').values(row).execute();
  }

  /** Removes and returns a pending sign-in in one statement, so a state can be used once only. */
  takeOAuthState(id: string): Promise<OAuthStateRow | undefined> {
    return this.db.deleteFrom('oauth_states').where('id', '=', id).returningAll().executeTakeFirst();
  }

  async deleteExpiredOAuthStates(now: string): Promise<void> {
    await this.db.deleteFrom('oauth_states').where('expires_at', '<=', now).execute();
  }

  private uniqueViolation(error: unknown): 'name' | 'file_location' {
    const dialect = dialectOf(this.db);
    if (dialect.isUniqueViolation(error, 'identities', 'name_key')) return 'name';
    if (dialect.isUniqueViolation(error, 'identities', 'file_location_key')) return 'file_location';
    throw error;
  }
}
