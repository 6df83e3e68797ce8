import type { Kysely } from 'kysely';
import type { Db } from '../db/database.js';
import type { Database } from '../db/schema.js';
import type { NotificationSettingsRow, NotificationTables } from './notification.types.js';

/** The key of the email settings' row. */
export const EMAIL_SETTINGS_ID = 'email';

/** The only code that reads and writes notification_settings. */
export class NotificationRepository {
  private readonly db: Kysely<Database & NotificationTables>;
  constructor(db: Db) {
    this.db = db.withTables<NotificationTables>();
  }
  find(): Promise<NotificationSettingsRow | undefined> {
    return this.db.selectFrom('notification_settings').selectAll().where('id', '=', EMAIL_SETTINGS_ID).executeTakeFirst();
  }
  async save(row: NotificationSettingsRow): Promise<void> {
    const { id: _id, ...changes } = row;
    await this.db
      .insertInto('notification_settings')
      .values(row)
      .onConflict((oc) => oc.column('id').doUpdateSet(changes))
      .execute();
  }
}
