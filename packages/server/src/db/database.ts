import BetterSqlite3 from 'better-sqlite3';
import { closeSync, openSync } from 'node:fs';
import { Kysely, Migrator, SqliteDialect, type MigrationResult } from 'kysely';
import { PRIVATE_FILE_MODE, makePrivateIfOwnedSync } from '../lib/private-files.js';
import { migrations } from './migrations/index.js';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;

/** The database could not be opened or migrated; the message says which file and why. */
export class DatabaseError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DatabaseError';
  }
}

/**
 * Opens (creating if needed) the SQLite database file in WAL mode. The file is private (0600) whatever the umask and
 * whoever created the data directory: it holds sessions, the audit log and encrypted credentials. SQLite gives the
 * -wal and -shm files the database file's mode; files left by an older version are made private too.
 */
export function openDatabase(file: string): Db {
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
  // Other processes (e.g. `orgkeeper admin create` while the server runs) wait for the lock instead of failing.
  sqlite.pragma('busy_timeout = 5000');
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
}

/** Brings the schema up to date. Throws, naming the failed migration, if one fails (that migration is rolled back). */
export async function migrateToLatest(db: Db): Promise<MigrationResult[]> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: () => Promise.resolve(migrations) },
    migrationTableName: 'schema_migrations',
    migrationLockTableName: 'schema_migrations_lock'
  });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error) {
    const failed = results.find((r) => r.status === 'Error');
    const detail = error instanceof Error ? error.message : String(error);
    throw new DatabaseError(
      `Database migration ${failed ? `"${failed.migrationName}" ` : ''}failed: ${detail}. ` +
        'The database was left at the last successful migration; restore it from a backup or report the problem.',
      { cause: error }
    );
  }
  return results;
}
