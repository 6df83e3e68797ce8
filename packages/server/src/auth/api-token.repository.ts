import type { Kysely } from 'kysely';
import type { Db } from '../db/database.js';
import { dialectOf } from '../db/dialects/dialect.js';
import type { Database } from '../db/schema.js';
import type { ApiTokenRow, ApiTokenTables } from './api-token.types.js';

/** The only code that reads and writes the api_tokens table. */
export class ApiTokenRepository {
  private readonly db: Kysely<Database & ApiTokenTables>;

  constructor(db: Db) {
    this.db = db.withTables<ApiTokenTables>();
  }

  /** Inserts the token; false when its name is taken. */
  async insert(row: ApiTokenRow): Promise<boolean> {
    try {
      await this.db.insertInto('api_tokens').values(row).execute();
      return true;
    } catch (error) {
      if (dialectOf(this.db).isUniqueViolation(error, 'api_tokens', 'name_key')) return false;
      throw error;
    }
  }

  list(): Promise<ApiTokenRow[]> {
    return this.db.selectFrom('api_tokens').selectAll().orderBy('name_key').execute();
  }

  findById(id: string): Promise<ApiTokenRow | undefined> {
    return this.db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findByNameKey(nameKey: string): Promise<ApiTokenRow | undefined> {
    return this.db.selectFrom('api_tokens').selectAll().where('name_key', '=', nameKey).executeTakeFirst();
  }

  /** The token with this hash that has not expired at `now`. */
  findActiveByHash(tokenHash: string, now: string): Promise<ApiTokenRow | undefined> {
    return this.db
      .selectFrom('api_tokens')
      .selectAll()
      .where('token_hash', '=', tokenHash)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .executeTakeFirst();
  }

  async recordUse(id: string, at: string, ip: string | null): Promise<void> {
    await this.db.updateTable('api_tokens').set({ last_used_at: at, last_used_ip: ip }).where('id', '=', id).execute();
  }

  /** Deletes the token; false when there was none. */
  async delete(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('api_tokens').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
