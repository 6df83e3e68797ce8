import type { Kysely, Selectable } from 'kysely';
import type { Db } from '../db/database.js';
import type { Database } from '../db/schema.js';

export interface MetricsTokenTable {
  id: string;
  token_hash: string;
  created_by: string;
  created_at: string;
}
// A type alias (not an interface) so it satisfies Kysely's Record constraint of withTables.
export type MetricsTokenTables = { metrics_tokens: MetricsTokenTable };
export type MetricsTokenRow = Selectable<MetricsTokenTable>;

/** The key of the /metrics token's row. */
export const METRICS_TOKEN_ID = 'metrics';

/** The only code that reads and writes metrics_tokens. */
export class MetricsTokenRepository {
  private readonly db: Kysely<Database & MetricsTokenTables>;
  constructor(db: Db) {
    this.db = db.withTables<MetricsTokenTables>();
  }
  find(): Promise<MetricsTokenRow | undefined> {
    return this.db.selectFrom('metrics_tokens').selectAll().where('id', '=', METRICS_TOKEN_ID).executeTakeFirst();
  }
  /** Stores the token's hash, replacing the one before. */
  async save(row: MetricsTokenRow): Promise<void> {
    const { id: _id, ...changes } = row;
    await this.db.insertInto('metrics_tokens').values(row).onConflict((oc) => oc.column('id').doUpdateSet(changes)).execute();
  }
  async delete(): Promise<boolean> {
    const result = await this.db.deleteFrom('metrics_tokens').where('id', '=', METRICS_TOKEN_ID).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
