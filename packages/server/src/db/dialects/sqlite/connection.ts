import BetterSqlite3 from 'better-sqlite3';
import { closeSync, openSync } from 'node:fs';
import { Kysely, SqliteDialect, type CompiledQuery, type DatabaseConnection, type Driver, type QueryCompiler, type QueryResult, type TransactionSettings } from 'kysely';
import { PRIVATE_FILE_MODE, makePrivateIfOwnedSync } from '../../../lib/private-files.js';
import { DatabaseError } from '../../database-error.js';

/**
 * Opens (creating if needed) the SQLite database file in WAL mode. The file is private (0600) whatever the umask and
 * whoever created the data directory: it holds sessions, the audit log and encrypted credentials. SQLite gives the
 * -wal and -shm files the database file's mode; files left by an older version are made private too.
 */
export function connectSqlite<DB>(file: string): Kysely<DB> {
  let sqlite: BetterSqlite3.Database;
  const onDisk = file !== '' && file !== ':memory:';
  try {
    if (onDisk) {
      // Created here with 0600 before SQLite would create it with 0644 (0666 less a usual umask).
      closeSync(openSync(file, 'a', PRIVATE_FILE_MODE));
      makePrivateIfOwnedSync(file);
    }
    sqlite = new BetterSqlite3(file);
  } catch (error) {
    throw new DatabaseError(`Cannot open the database ${file}: ${(error as Error).message}`, { cause: error });
  }
  // WAL lets readers run while a writer commits; NORMAL sync is durable across application crashes in WAL mode.
  sqlite.pragma('journal_mode = WAL');
  if (onDisk) for (const companion of [`${file}-wal`, `${file}-shm`]) makePrivateIfOwnedSync(companion);
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  // Another connection's lock is waited for without blocking the thread (BusyWaitingDialect), not by SQLite's busy
  // handler, which sleeps inside the synchronous call.
  sqlite.pragma('busy_timeout = 0');
  return new Kysely<DB>({ dialect: new BusyWaitingDialect({ database: sqlite }) });
}

/** How long a statement waits for another connection's lock before it fails with SQLITE_BUSY. */
const BUSY_WAIT_MS = 10_000;

/**
 * SQLite's dialect, with statements that find the database locked by another connection (a CLI command beside the
 * server, another worker on the same file) tried again after a pause, up to BUSY_WAIT_MS. Waiting this way leaves the
 * event loop free: the server keeps answering meanwhile, and two connections in one process (tests, `db copy`) cannot
 * block each other's transaction for good, as a busy_timeout would (it waits inside the synchronous call).
 */
class BusyWaitingDialect extends SqliteDialect {
  override createDriver(): Driver {
    return new BusyWaitingDriver(super.createDriver());
  }
}

class BusyWaitingDriver implements Driver {
  private readonly wrapped = new WeakMap<DatabaseConnection, DatabaseConnection>();

  constructor(private readonly inner: Driver) {}

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await this.inner.acquireConnection();
    let wrapper = this.wrapped.get(connection);
    if (!wrapper) {
      wrapper = {
        executeQuery: <R>(query: CompiledQuery) => whileBusy(() => connection.executeQuery<R>(query)),
        streamQuery: <R>(query: CompiledQuery, chunkSize?: number) => connection.streamQuery<R>(query, chunkSize)
      };
      this.wrapped.set(connection, wrapper);
    }
    return wrapper;
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.inner.beginTransaction(connection, settings);
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.commitTransaction(connection);
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.rollbackTransaction(connection);
  }

  savepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    return this.inner.savepoint!(connection, name, compile);
  }

  rollbackToSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    return this.inner.rollbackToSavepoint!(connection, name, compile);
  }

  releaseSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    return this.inner.releaseSavepoint!(connection, name, compile);
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.inner.releaseConnection(connection);
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}

/** Runs `statement`, again after growing pauses while SQLite answers SQLITE_BUSY (another connection writes). */
async function whileBusy<R>(statement: () => Promise<QueryResult<R>>): Promise<QueryResult<R>> {
  const deadline = Date.now() + BUSY_WAIT_MS;
  for (let pause = 2; ; pause = Math.min(pause * 2, 50)) {
    try {
      return await statement();
    } catch (error) {
      // Plain SQLITE_BUSY only: SQLITE_BUSY_SNAPSHOT (a stale read in a transaction) does not pass by waiting.
      if ((error as { code?: unknown }).code !== 'SQLITE_BUSY' || Date.now() + pause > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}
