import { sql, type Kysely } from 'kysely';
import type { DialectHelpers } from '../dialect.js';

export const sqliteHelpers: DialectHelpers = {
  name: 'sqlite',

  // Kysely's SQLite driver has one connection per process (its mutex serializes this process); IMMEDIATE takes the
  // file's write lock at BEGIN (waiting up to busy_timeout), which serializes other processes on the same file.
  // One lock for the whole database, so the keys are not needed.
  async lockedTransaction<DB, T>(db: Kysely<DB>, _keys: readonly string[], work: (trx: Kysely<DB>) => Promise<T>): Promise<T> {
    return db.connection().execute(async (connection) => {
      await sql`begin immediate`.execute(connection);
      try {
        const result = await work(connection);
        await sql`commit`.execute(connection);
        return result;
      } catch (error) {
        await sql`rollback`.execute(connection).catch(() => undefined);
        throw error;
      }
    });
  },

  // In WAL mode a read transaction sees the database as of its first read until it ends.
  consistentRead<DB, T>(db: Kysely<DB>, work: (trx: Kysely<DB>) => Promise<T>): Promise<T> {
    return db.transaction().execute(work);
  },

  isUniqueViolation(error: unknown, table: string, column: string): boolean {
    const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
    return code === 'SQLITE_CONSTRAINT_UNIQUE' && typeof message === 'string' && message.includes(`${table}.${column}`);
  },

  // Rows inserted with explicit keys already move SQLite's counters (rowid, sqlite_sequence) past them.
  resetSequences(): Promise<string[]> {
    return Promise.resolve([]);
  },

  // SQLite has no row locks: the write transaction a worker claims in (lockedTransaction) holds the whole file.
  skipLocked(query) {
    return query;
  }
};
