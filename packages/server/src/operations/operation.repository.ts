import type { Kysely } from 'kysely';
import type { Db } from '../db/database.js';
import { dialectOf } from '../db/dialects/dialect.js';
import type { Database } from '../db/schema.js';
import type { OperationSignal, OperationSignals } from './operation-signals.js';
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

type OperationDb = Kysely<Database & OperationTables>;
type Changes = Partial<Omit<OperationRow, 'id'>>;

/** What a worker's attempt to take the next queued operation found. */
export type ClaimAttempt =
  /** It is this worker's now: running, its keys held. */
  | { outcome: 'claimed'; row: OperationRow }
  /** One of its keys is held by `holder` (an operation id; '' when it cannot be told): it stays queued. */
  | { outcome: 'busy'; row: OperationRow; holder: string }
  /** This worker has no handler for its kind (`keysOf` said so); it stays queued. */
  | { outcome: 'unrunnable'; row: OperationRow }
  /** Nothing queued that could start. */
  | { outcome: 'none' };

/** Rolls a claim's transaction back when a key is held. */
class KeyTaken extends Error {
  constructor(readonly holder: string) {
    super('an exclusivity key is held');
  }
}

/**
 * The only code that reads and writes the operations, operation_items and operation_locks tables. Every write that
 * others should see at once is signalled (operation-signals.ts). A running operation holds its exclusivity keys as
 * rows of operation_locks, taken in the transaction that makes it running and given up in the one that ends it
 * (any status but running), so a key has one holder whichever process claims.
 */
export class OperationRepository {
  private readonly db: OperationDb;

  constructor(
    db: Db,
    private readonly signals?: OperationSignals
  ) {
    this.db = db.withTables<OperationTables>();
  }

  /** Inserts an operation; `signal: false` keeps a queued one from waking the workers (the caller runs it itself). */
  async insert(row: NewOperationRow, options: { signal?: boolean } = {}): Promise<void> {
    await this.db.insertInto('operations').values(row).execute();
    if (options.signal !== false) await this.signal({ id: row.id, ...(row.status === 'queued' ? { what: 'queued' } : { what: 'status', status: row.status }) });
  }

  /**
   * Inserts the row unless an operation holding `key` is queued or running (that one is returned instead): two
   * starts with one key, in any processes, take turns (lockedTransaction), so they cannot both pass.
   */
  async insertUnlessActive(row: NewOperationRow, key: string, options: { signal?: boolean } = {}): Promise<OperationRow | undefined> {
    const active = await dialectOf(this.db).lockedTransaction(this.db, [`operation-start:${key}`], async (trx) => {
      const found = await activeByKey(trx, key).executeTakeFirst();
      if (found) return found;
      await trx.insertInto('operations').values(row).execute();
      return undefined;
    });
    if (!active && options.signal !== false) await this.signal({ id: row.id, what: 'queued' });
    return active;
  }

  /**
   * Inserts an operation that runs at once (a child operation) with its keys; `busy` names the holder of a key that
   * is taken (then nothing is written).
   */
  async insertRunning(row: NewOperationRow, keys: readonly string[]): Promise<{ outcome: 'inserted' } | { outcome: 'busy'; holder: string }> {
    try {
      await this.db.transaction().execute(async (trx) => {
        await trx.insertInto('operations').values(row).execute();
        const holder = await takeLocks(trx, row.id, keys, row.started_at ?? row.created_at);
        if (holder !== null) throw new KeyTaken(holder);
      });
    } catch (error) {
      if (error instanceof KeyTaken) return { outcome: 'busy', holder: error.holder };
      throw error;
    }
    await this.signal({ id: row.id, what: 'status', status: row.status });
    return { outcome: 'inserted' };
  }

  /**
   * Takes the oldest queued operation that can start for a worker: not in `exclude` (tried already), not taken by
   * another worker's claim at the same moment (skipLocked), its stored key not held. Its keys (`keysOf`: undefined
   * when this worker cannot run its kind) are taken and it becomes running with `changes`, in one transaction.
   */
  async claimNext(options: { exclude: readonly string[]; keysOf: (row: OperationRow) => readonly string[] | undefined; changes: (row: OperationRow) => Changes; at: string }): Promise<ClaimAttempt> {
    const dialect = dialectOf(this.db);
    let attempt: ClaimAttempt;
    let candidate: OperationRow | undefined;
    try {
      attempt = await dialect.lockedTransaction(this.db, [], async (trx): Promise<ClaimAttempt> => {
        let query = trx
          .selectFrom('operations')
          .selectAll()
          .where('status', '=', 'queued')
          // The usual wait (the key of a running operation) is passed over here rather than tried row by row.
          .where((eb) =>
            eb.or([
              eb('exclusive_key', 'is', null),
              eb.not(eb.exists(eb.selectFrom('operation_locks').select('operation_locks.key').whereRef('operation_locks.key', '=', 'operations.exclusive_key')))
            ])
          )
          // Operations with one key start in the order they were queued: only the oldest queued one may be taken (else
          // a worker passing over a row another worker is claiming could start a newer one first).
          .where((eb) =>
            eb.not(
              eb.exists(
                eb
                  .selectFrom('operations as older')
                  .select('older.id')
                  .where('older.status', '=', 'queued')
                  .whereRef('older.exclusive_key', '=', 'operations.exclusive_key')
                  .where((o) =>
                    o.or([
                      o('older.created_at', '<', o.ref('operations.created_at')),
                      o.and([o('older.created_at', '=', o.ref('operations.created_at')), o('older.id', '<', o.ref('operations.id'))])
                    ])
                  )
              )
            )
          );
        if (options.exclude.length > 0) query = query.where('id', 'not in', [...options.exclude]);
        candidate = await dialect.skipLocked(query.orderBy('created_at').orderBy('id').limit(1)).executeTakeFirst();
        if (!candidate) return { outcome: 'none' };
        const keys = options.keysOf(candidate);
        if (keys === undefined) return { outcome: 'unrunnable', row: candidate };
        const changes = options.changes(candidate);
        await trx.updateTable('operations').set(changes).where('id', '=', candidate.id).execute();
        const holder = await takeLocks(trx, candidate.id, keys, options.at);
        if (holder !== null) throw new KeyTaken(holder);
        return { outcome: 'claimed', row: { ...candidate, ...changes } };
      });
    } catch (error) {
      if (error instanceof KeyTaken && candidate) return { outcome: 'busy', row: candidate, holder: error.holder };
      throw error;
    }
    if (attempt.outcome === 'claimed') await this.signal({ id: attempt.row.id, what: 'status', status: 'running' });
    return attempt;
  }

  /**
   * Claims one queued operation (a foreground run): it becomes running with `changes` and its keys are taken, in one
   * transaction. `gone`: it is no longer queued; `busy`: a key is held by `holder` (nothing changed).
   */
  async claimQueued(id: string, keys: readonly string[], changes: Changes, at: string): Promise<{ outcome: 'claimed' | 'gone' } | { outcome: 'busy'; holder: string }> {
    let outcome: 'claimed' | 'gone';
    try {
      outcome = await this.db.transaction().execute(async (trx) => {
        const updated = await trx.updateTable('operations').set(changes).where('id', '=', id).where('status', '=', 'queued').executeTakeFirst();
        if (Number(updated.numUpdatedRows) === 0) return 'gone';
        const holder = await takeLocks(trx, id, keys, at);
        if (holder !== null) throw new KeyTaken(holder);
        return 'claimed';
      });
    } catch (error) {
      if (error instanceof KeyTaken) return { outcome: 'busy', holder: error.holder };
      throw error;
    }
    if (outcome === 'claimed') await this.signal({ id, what: 'status', status: 'running' });
    return { outcome };
  }

  /** The operation holding any of `keys`, if one does. */
  lockHolder(keys: readonly string[]): Promise<OperationRow | undefined> {
    if (keys.length === 0) return Promise.resolve(undefined);
    return this.db
      .selectFrom('operation_locks')
      .innerJoin('operations', 'operations.id', 'operation_locks.operation_id')
      .selectAll('operations')
      .where('operation_locks.key', 'in', [...keys])
      .executeTakeFirst();
  }

  /** The keys an operation holds. */
  async locksOf(operationId: string): Promise<string[]> {
    const rows = await this.db.selectFrom('operation_locks').select('key').where('operation_id', '=', operationId).orderBy('key').execute();
    return rows.map((r) => r.key);
  }

  /**
   * Gives up keys whose operation no longer runs. Every end gives its keys up in the same transaction, so there are
   * none unless rows were changed by hand or by an older version; the recovery sweep calls this to be sure.
   */
  async releaseOrphanLocks(): Promise<number> {
    const result = await this.db
      .deleteFrom('operation_locks')
      .where('operation_id', 'not in', (eb) => eb.selectFrom('operations').select('id').where('status', '=', 'running'))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** The operations running on these workers (runner ids). */
  listRunningOn(runnerIds: readonly string[]): Promise<OperationRow[]> {
    if (runnerIds.length === 0) return Promise.resolve([]);
    return this.db.selectFrom('operations').selectAll().where('status', '=', 'running').where('runner_id', 'in', [...runnerIds]).orderBy('started_at').execute();
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

  /** Writes the changes; a status other than running gives up the operation's keys in the same transaction. */
  async update(id: string, changes: Changes): Promise<void> {
    if (releasesKeys(changes)) {
      await this.db.transaction().execute(async (trx) => {
        await trx.updateTable('operations').set(changes).where('id', '=', id).execute();
        await trx.deleteFrom('operation_locks').where('operation_id', '=', id).execute();
      });
    } else {
      await this.db.updateTable('operations').set(changes).where('id', '=', id).execute();
    }
    await this.signalChange(id, changes);
  }

  /** Running operations (any process), for recovery and exclusivity checks. */
  listByStatus(statuses: OperationStatus[]): Promise<OperationRow[]> {
    return this.db.selectFrom('operations').selectAll().where('status', 'in', statuses).orderBy('created_at').orderBy('id').execute();
  }

  /** The active (queued or running) operation holding this exclusivity key, other than `exceptId`. */
  findActiveByKey(key: string, exceptId?: string): Promise<OperationRow | undefined> {
    let query = activeByKey(this.db, key);
    if (exceptId) query = query.where('id', '!=', exceptId);
    return query.executeTakeFirst();
  }

  /** The running operation holding this key, if any. */
  findRunningByKey(key: string): Promise<OperationRow | undefined> {
    return this.db.selectFrom('operations').selectAll().where('exclusive_key', '=', key).where('status', '=', 'running').executeTakeFirst();
  }

  /**
   * Moves the operation from one status to another only if it still has the first: a claim that two processes (or two
   * callers) cannot both win. Returns whether this caller won.
   */
  async transition(id: string, from: OperationStatus[], changes: Changes, options: { signal?: boolean } = {}): Promise<boolean> {
    const write = async (db: OperationDb) => {
      const result = await db.updateTable('operations').set(changes).where('id', '=', id).where('status', 'in', from).executeTakeFirst();
      const won = Number(result.numUpdatedRows) > 0;
      if (won && releasesKeys(changes)) await db.deleteFrom('operation_locks').where('operation_id', '=', id).execute();
      return won;
    };
    const won = releasesKeys(changes) ? await this.db.transaction().execute(write) : await write(this.db);
    if (won && options.signal !== false) await this.signalChange(id, changes);
    return won;
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
    const first = rows[0];
    if (first) await this.signal({ id: first.operation_id, what: 'items' });
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

  private async signalChange(id: string, changes: Changes): Promise<void> {
    const fields = Object.keys(changes).filter((k) => k !== 'heartbeat_at');
    // A heartbeat alone is nobody's business but recovery's, which reads the rows anyway.
    if (fields.length === 0) return;
    if (changes.status !== undefined) return this.signal({ id, ...(changes.status === 'queued' ? { what: 'queued' } : { what: 'status', status: changes.status }) });
    if (changes.cancel_requested_by) return this.signal({ id, what: 'cancel' });
    return this.signal({ id, what: fields.every((k) => k === 'progress') ? 'progress' : 'status' });
  }

  private async signal(signal: OperationSignal): Promise<void> {
    await this.signals?.send(signal);
  }
}

/** Whether these changes end the operation's run (any status but running), so it gives up its keys. */
function releasesKeys(changes: Changes): boolean {
  return changes.status !== undefined && changes.status !== 'running';
}

function activeByKey(db: OperationDb, key: string) {
  return db.selectFrom('operations').selectAll().where('exclusive_key', '=', key).where('status', 'in', ['queued', 'running']).orderBy('created_at').orderBy('id');
}

/**
 * Takes `keys` for the operation inside the caller's transaction: one row each, in one order (so two claims cannot
 * deadlock). Returns null when all were taken, else the operation holding one ('' when it cannot be told), and the
 * caller rolls back.
 */
async function takeLocks(trx: OperationDb, operationId: string, keys: readonly string[], at: string): Promise<string | null> {
  const unique = [...new Set(keys)].sort();
  if (unique.length === 0) return null;
  const taken = await trx
    .insertInto('operation_locks')
    .values(unique.map((key) => ({ key, operation_id: operationId, acquired_at: at })))
    .onConflict((oc) => oc.column('key').doNothing())
    .returning('key')
    .execute();
  if (taken.length === unique.length) return null;
  const holder = await trx.selectFrom('operation_locks').select('operation_id').where('key', 'in', unique).where('operation_id', '!=', operationId).executeTakeFirst();
  return holder?.operation_id ?? '';
}
