import type { Kysely } from 'kysely';
import type { Db } from '../db/database.js';
import type { Database } from '../db/schema.js';
import type {
  ItemLogStatus,
  NewOperationItemRow,
  NewOperationRow,
  OperationFilter,
  OperationItemRow,
  OperationRow,
  OperationStatus,
  OperationTables
} from './operation.types.js';

/** SQLite limits bound parameters per statement; rows are inserted in batches below that. */
const INSERT_BATCH = 200;

/** The only code that reads and writes the operations and operation_items tables. */
export class OperationRepository {
  private readonly db: Kysely<Database & OperationTables>;

  constructor(db: Db) {
    this.db = db.withTables<OperationTables>();
  }

  async insert(row: NewOperationRow): Promise<void> {
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

  /** Running operations (any process), for recovery and exclusivity checks. */
  listByStatus(statuses: OperationStatus[]): Promise<OperationRow[]> {
    return this.db.selectFrom('operations').selectAll().where('status', 'in', statuses).orderBy('created_at').orderBy('id').execute();
  }

  /** The active (queued or running) operation holding this exclusivity key, other than `exceptId`. */
  findActiveByKey(key: string, exceptId?: string): Promise<OperationRow | undefined> {
    let query = this.db.selectFrom('operations').selectAll().where('exclusive_key', '=', key).where('status', 'in', ['queued', 'running']);
    if (exceptId) query = query.where('id', '!=', exceptId);
    return query.orderBy('created_at').executeTakeFirst();
  }

  /** The running operation holding this key, if any. */
  findRunningByKey(key: string): Promise<OperationRow | undefined> {
    return this.db.selectFrom('operations').selectAll().where('exclusive_key', '=', key).where('status', '=', 'running').executeTakeFirst();
  }

  /**
   * Moves the operation from one status to another only if it still has the first: a claim that two processes (or two
   * callers) cannot both win. Returns whether this caller won.
   */
  async transition(id: string, from: OperationStatus[], changes: Partial<Omit<OperationRow, 'id'>>): Promise<boolean> {
    const result = await this.db.updateTable('operations').set(changes).where('id', '=', id).where('status', 'in', from).executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Marks the given operations interrupted unless they finished meanwhile; returns the ids changed. */
  async interrupt(ids: string[], now: string, message: (row: OperationRow) => string): Promise<string[]> {
    const changed: string[] = [];
    for (const id of ids) {
      const row = await this.findById(id);
      if (!row) continue;
      const ok = await this.transition(id, ['queued', 'running'], {
        status: 'interrupted',
        finished_at: now,
        message: message(row),
        runner_id: null,
        cancel_requested_by: null
      });
      if (ok) changed.push(id);
    }
    return changed;
  }

  async maxSeq(operationId: string): Promise<number> {
    const row = await this.db
      .selectFrom('operation_items')
      .select((eb) => eb.fn.max<number | null>('seq').as('seq'))
      .where('operation_id', '=', operationId)
      .executeTakeFirst();
    return Number(row?.seq ?? 0);
  }

  /** Adds log rows; a row for an item already logged by the operation replaces it (the latest word on the item wins). */
  async insertItems(rows: NewOperationItemRow[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      for (let i = 0; i < rows.length; i += INSERT_BATCH) {
        await trx
          .insertInto('operation_items')
          .values(rows.slice(i, i + INSERT_BATCH))
          .onConflict((oc) =>
            oc.columns(['operation_id', 'item_id']).doUpdateSet((eb) => ({
              title: eb.ref('excluded.title'),
              type: eb.ref('excluded.type'),
              owner: eb.ref('excluded.owner'),
              modified: eb.ref('excluded.modified'),
              status: eb.ref('excluded.status'),
              parts: eb.ref('excluded.parts'),
              carried_over: eb.ref('excluded.carried_over'),
              bytes_read: eb.ref('excluded.bytes_read'),
              new_bytes: eb.ref('excluded.new_bytes'),
              error: eb.ref('excluded.error'),
              duration_ms: eb.ref('excluded.duration_ms'),
              action: eb.ref('excluded.action'),
              new_id: eb.ref('excluded.new_id'),
              details: eb.ref('excluded.details'),
              seq: eb.ref('excluded.seq')
            }))
          )
          .execute();
      }
    });
  }

  /** Log rows written after `afterSeq`, in writing order (live followers). */
  listItemsSince(operationId: string, afterSeq: number, limit = 1000): Promise<OperationItemRow[]> {
    return this.db
      .selectFrom('operation_items')
      .selectAll()
      .where('operation_id', '=', operationId)
      .where('seq', '>', afterSeq)
      .orderBy('seq')
      .limit(limit)
      .execute();
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
