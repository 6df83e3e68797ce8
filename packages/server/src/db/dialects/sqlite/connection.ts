import BetterSqlite3 from 'better-sqlite3';
import { closeSync, openSync } from 'node:fs';
import { Kysely, SqliteDialect } from 'kysely';
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
  // Other processes (e.g. `orgkeeper admin create` while the server runs) wait for the lock instead of failing.
  sqlite.pragma('busy_timeout = 5000');
  return new Kysely<DB>({ dialect: new SqliteDialect({ database: sqlite }) });
}
