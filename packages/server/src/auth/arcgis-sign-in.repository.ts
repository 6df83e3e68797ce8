import type { Kysely } from 'kysely';
import type { Db } from '../db/database.js';
import type { Database } from '../db/schema.js';
import type { ArcGISSignInRow, ArcGISSignInStateRow, ArcGISSignInTables } from './arcgis-sign-in.types.js';

const SETTINGS_ID = 'default';

/** The only code that reads and writes the arcgis_sign_in and arcgis_sign_in_states tables. */
export class ArcGISSignInRepository {
  private readonly db: Kysely<Database & ArcGISSignInTables>;

  constructor(db: Db) {
    this.db = db.withTables<ArcGISSignInTables>();
  }

  getSettings(): Promise<ArcGISSignInRow | undefined> {
    return this.db.selectFrom('arcgis_sign_in').selectAll().where('id', '=', SETTINGS_ID).executeTakeFirst();
  }

  async saveSettings(row: Omit<ArcGISSignInRow, 'id'>): Promise<void> {
    const values = { ...row, id: SETTINGS_ID };
    await this.db
      .insertInto('arcgis_sign_in')
      .values(values)
      .onConflict((oc) => oc.column('id').doUpdateSet(row))
      .execute();
  }

  async insertState(row: ArcGISSignInStateRow): Promise<void> {
    await this.db.insertInto('arcgis_sign_in_states').values(row).execute();
  }

  /** Removes and returns the pending sign-in: each state works once. */
  async takeState(id: string): Promise<ArcGISSignInStateRow | undefined> {
    return this.db.deleteFrom('arcgis_sign_in_states').where('id', '=', id).returningAll().executeTakeFirst();
  }

  async deleteExpiredStates(now: string): Promise<void> {
    await this.db.deleteFrom('arcgis_sign_in_states').where('expires_at', '<=', now).execute();
  }
}
