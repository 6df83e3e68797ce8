import type { Kysely } from 'kysely';
import type { Db } from '../db/database.js';
import type { Database } from '../db/schema.js';
import type { ItemLogStatus, OperationFilter, OperationItemRow, OperationRow, OperationStatus, OperationTables } from './operation.types.js';

/** SQLite limits bound parameters per statement; rows are inserted in batches below that. */
const INSERT_BATCH = 200;

/** The only code that reads and writes the operations and operation_items tables. */
export class OperationRepository {
  private readonly db: Kysely<Database & OperationTables>;

  constructor(db: Db) {
    this.db = db.withTables<OperationTables>();
  }

  async insert(row: OperationRow): Promise<void> {
    await this.db.insertInto('operations').values(row).execute();
  }

  findById(id: string): Promise<OperationRow | undefined> {
    return this.db.selectFrom('operations').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async list(filter: OperationFilter): Promise<OperationRow[]> {
    let query = this.db.selectFrom('operations').selectAll();
    if (filter.identityId) query = query.where('identity_id', '=', filter.identityId);
    if (filter.kind) query = query.where('kind', '=', filter.kind);
    if (filter.status) query = query.where('status', '=', filter.status);
    if (filter.before) {
      const before = await this.findById(filter.before);
      if (before) {
        query = query.where((eb) =>
          eb.or([eb('created_at', '<', before.created_at), eb.and([eb('created_at', '=', before.created_at), eb('id', '<', before.id)])])
        );
      }
    }
    return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
  }

  /** An operation of this kind and identity still queued or running, if any. */
  findActive(identityId: string, kind: string): Promise<OperationRow | undefined> {
    return this.db
      .selectFrom('operations')
      .selectAll()
      .where('identity_id', '=', identityId)
      .where('kind', '=', kind as OperationRow['kind'])
      .where('status', 'in', ['queued', 'running'])
      .executeTakeFirst();
  }

  async update(id: string, changes: Partial<Omit<OperationRow, 'id'>>): Promise<void> {
    await this.db.updateTable('operations').set(changes).where('id', '=', id).execute();
  }

  /** Marks every queued or running operation as interrupted (at start-up: no process runs them any more). */
  async interruptActive(now: string, message: string): Promise<string[]> {
    const rows = await this.db
      .updateTable('operations')
      .set({ status: 'interrupted', finished_at: now, message })
      .where('status', 'in', ['queued', 'running'] satisfies OperationStatus[])
      .returning('id')
      .execute();
    return rows.map((r) => r.id);
  }

  async insertItems(rows: OperationItemRow[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      for (let i = 0; i < rows.length; i += INSERT_BATCH) {
        await trx.insertInto('operation_items').values(rows.slice(i, i + INSERT_BATCH)).execute();
      }
    });
  }

  async countItems(operationId: string, status?: ItemLogStatus): Promise<number> {
    let query = this.db.selectFrom('operation_items').select((eb) => eb.fn.countAll<number>().as('n')).where('operation_id', '=', operationId);
    if (status) query = query.where('status', '=', status);
    const row = await query.executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  listItems(operationId: string, options: { status?: ItemLogStatus; offset?: number; limit?: number } = {}): Promise<OperationItemRow[]> {
    let query = this.db.selectFrom('operation_items').selectAll().where('operation_id', '=', operationId);
    if (options.status) query = query.where('status', '=', options.status);
    query = query.orderBy('title').orderBy('item_id');
    if (options.limit !== undefined) query = query.limit(options.limit).offset(options.offset ?? 0);
    return query.execute();
  }
}
