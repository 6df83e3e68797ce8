import type { Kysely, Updateable } from 'kysely';
import type { Db } from '../db/database.js';
import { dialectOf } from '../db/dialects/dialect.js';
import type { Database } from '../db/schema.js';
import type { WebhookDeliveryRow, WebhookDeliveryTable, WebhookRow, WebhookTable, WebhookTables } from './webhook.types.js';

const FINISHED: readonly WebhookDeliveryRow['status'][] = ['delivered', 'failed'];

/** The only code that reads and writes the webhooks and webhook_deliveries tables. */
export class WebhookRepository {
  private readonly db: Kysely<Database & WebhookTables>;

  constructor(db: Db) {
    this.db = db.withTables<WebhookTables>();
  }

  list(): Promise<WebhookRow[]> {
    return this.db.selectFrom('webhooks').selectAll().orderBy('name_key').execute();
  }

  findById(id: string): Promise<WebhookRow | undefined> {
    return this.db.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findByNameKey(nameKey: string): Promise<WebhookRow | undefined> {
    return this.db.selectFrom('webhooks').selectAll().where('name_key', '=', nameKey).executeTakeFirst();
  }

  /** Inserts the webhook; 'name' when another one has its name. */
  async insert(row: WebhookRow): Promise<'name' | null> {
    try {
      await this.db.insertInto('webhooks').values(row).execute();
      return null;
    } catch (error) {
      return this.nameTaken(error);
    }
  }

  /** Changes the webhook; 'name' when another one has the new name. */
  async update(id: string, changes: Updateable<WebhookTable>): Promise<'name' | null> {
    try {
      await this.db.updateTable('webhooks').set(changes).where('id', '=', id).execute();
      return null;
    } catch (error) {
      return this.nameTaken(error);
    }
  }

  /** Deletes the webhook with its deliveries (cascade). */
  async delete(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('webhooks').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async insertDelivery(row: WebhookDeliveryRow): Promise<void> {
    await this.db.insertInto('webhook_deliveries').values(row).execute();
  }

  async countUnfinished(webhookId: string): Promise<number> {
    const row = await this.db
      .selectFrom('webhook_deliveries')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('webhook_id', '=', webhookId)
      .where('status', 'in', ['pending', 'sending'])
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  findDelivery(id: string): Promise<WebhookDeliveryRow | undefined> {
    return this.db.selectFrom('webhook_deliveries').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** The webhook's deliveries, newest first. */
  listDeliveries(webhookId: string, limit: number): Promise<WebhookDeliveryRow[]> {
    return this.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('webhook_id', '=', webhookId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
  }

  /**
   * Deliveries that may be sent now: pending and due, or left `sending` by a process whose claim ran out (it died
   * mid-send). Oldest first. Only candidates: `claim` decides who sends each.
   */
  due(now: string, limit: number, ids?: readonly string[]): Promise<WebhookDeliveryRow[]> {
    let query = this.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where((eb) =>
        eb.or([
          eb.and([eb('status', '=', 'pending'), eb('next_attempt_at', '<=', now)]),
          eb.and([eb('status', '=', 'sending'), eb('claimed_until', '<', now)])
        ])
      );
    if (ids) query = query.where('id', 'in', ids.length > 0 ? [...ids] : ['']);
    return query.orderBy('next_attempt_at').orderBy('id').limit(limit).execute();
  }

  /** Takes a due delivery for `runnerId` until `until`; false when another process took it first. */
  async claim(id: string, runnerId: string, now: string, until: string): Promise<boolean> {
    const result = await this.db
      .updateTable('webhook_deliveries')
      .set({ status: 'sending', claimed_by: runnerId, claimed_until: until, updated_at: now })
      .where('id', '=', id)
      .where((eb) =>
        eb.or([
          eb.and([eb('status', '=', 'pending'), eb('next_attempt_at', '<=', now)]),
          eb.and([eb('status', '=', 'sending'), eb('claimed_until', '<', now)])
        ])
      )
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Records an attempt's outcome, if this runner still holds the delivery. */
  async finishAttempt(id: string, runnerId: string, changes: Updateable<WebhookDeliveryTable>): Promise<boolean> {
    const result = await this.db
      .updateTable('webhook_deliveries')
      .set({ ...changes, claimed_by: null, claimed_until: null })
      .where('id', '=', id)
      .where('claimed_by', '=', runnerId)
      .where('status', '=', 'sending')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Keeps the newest `keep` finished deliveries of the webhook and deletes older finished ones. */
  async trimFinished(webhookId: string, keep: number): Promise<void> {
    const old = await this.db
      .selectFrom('webhook_deliveries')
      .select('id')
      .where('webhook_id', '=', webhookId)
      .where('status', 'in', FINISHED)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .offset(keep)
      // PostgreSQL and SQLite both need a LIMIT with OFFSET in some forms; a bound far above any real backlog.
      .limit(10_000)
      .execute();
    if (old.length === 0) return;
    await this.db
      .deleteFrom('webhook_deliveries')
      .where(
        'id',
        'in',
        old.map((r) => r.id)
      )
      .execute();
  }

  private nameTaken(error: unknown): 'name' {
    if (dialectOf(this.db).isUniqueViolation(error, 'webhooks', 'name_key')) return 'name';
    throw error;
  }
}
