import { PostgresAdapter, type Kysely, type RawBuilder, type SelectQueryBuilder } from 'kysely';
import { postgresHelpers } from './postgres/helpers.js';
import { sqliteHelpers } from './sqlite/helpers.js';

export type DialectName = 'sqlite' | 'postgres';

/** Anything raw SQL can run on: a Kysely instance or a transaction of any schema. */
export type SqlRunner = Parameters<RawBuilder<unknown>['execute']>[0];

/**
 * Where SQLite and PostgreSQL must be spoken to differently, one function per difference; each dialect's folder
 * (`sqlite/`, `postgres/`) has the same files. Everything else (the migrations, the repositories' queries) is the
 * same SQL on both: see the conventions in ../schema.ts.
 */
export interface DialectHelpers {
  readonly name: DialectName;
  /**
   * Runs `work` in one transaction that no other `lockedTransaction` naming any of the same keys overlaps, in this
   * process or another: what read-then-write work needs. SQLite: `BEGIN IMMEDIATE` (the database's single write lock,
   * held from the start rather than taken midway where a concurrent writer makes the upgrade fail). PostgreSQL: a
   * transaction-scoped advisory lock per key, taken in a fixed order, on top of READ COMMITTED.
   */
  lockedTransaction<DB, T>(db: Kysely<DB>, keys: readonly string[], work: (trx: Kysely<DB>) => Promise<T>): Promise<T>;
  /** Runs `work` reading one consistent state of the database, whatever other connections commit meanwhile. */
  consistentRead<DB, T>(db: Kysely<DB>, work: (trx: Kysely<DB>) => Promise<T>): Promise<T>;
  /** Whether `error` is the violation of the unique constraint on `table`.`column` (as migrations declare it). */
  isUniqueViolation(error: unknown, table: string, column: string): boolean;
  /**
   * After rows were copied in with their keys, moves every sequence (serial or identity column) of `tables` past
   * the largest key, so new rows do not collide; returns the sequences moved. OrgKeeper's ids are application UUIDs
   * today, so there are none yet; this keeps `db copy` right when a table gains one.
   */
  resetSequences(trx: SqlRunner, tables: readonly string[]): Promise<string[]>;
  /**
   * The rows of `query` for a worker to take inside a transaction, passing over rows another transaction has taken:
   * PostgreSQL `FOR UPDATE SKIP LOCKED`, so concurrent workers each get a different row without waiting; SQLite as
   * it is (its write transaction, lockedTransaction, already lets one worker at a time in).
   */
  skipLocked<DB, TB extends keyof DB, O>(query: SelectQueryBuilder<DB, TB, O>): SelectQueryBuilder<DB, TB, O>;
}

/**
 * Signals between OrgKeeper processes on one database, so that a change made by one (an operation queued, its
 * progress, a cancel asked, a schedule edited) wakes the others at once instead of at their next poll. PostgreSQL:
 * `NOTIFY` through the pool and `LISTEN` on a dedicated connection. SQLite: within the process only (other processes
 * on the same file keep polling).
 */
export interface DatabaseSignals {
  /** Whether signals from other processes arrive (then pollers may poll slowly). */
  readonly crossProcess: boolean;
  /** Sends `payload` (at most a few hundred bytes) to every listener of `channel`, in every process. Never throws. */
  notify(channel: string, payload: string): Promise<void>;
  /**
   * Calls `onSignal` with each payload sent on `channel`, and with null when signals may have been missed (the
   * listening connection was lost and is back): then read the state again. Returns the function that stops it.
   */
  listen(channel: string, onSignal: (payload: string | null) => void): () => void;
  close(): Promise<void>;
}

/** The helpers for the database `db` (or a transaction of it) runs on. */
export function dialectOf<DB>(db: Kysely<DB>): DialectHelpers {
  return db.getExecutor().adapter instanceof PostgresAdapter ? postgresHelpers : sqliteHelpers;
}
