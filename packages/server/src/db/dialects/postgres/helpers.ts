import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { DialectHelpers, SqlRunner } from '../dialect.js';

/** A 64-bit advisory lock id for a key (PostgreSQL's advisory locks are numbered, not named). */
export function advisoryLockId(key: string): string {
  return createHash('sha256').update(`orgkeeper:${key}`).digest().readBigInt64BE(0).toString();
}

export const postgresHelpers: DialectHelpers = {
  name: 'postgres',

  async lockedTransaction<DB, T>(db: Kysely<DB>, keys: readonly string[], work: (trx: Kysely<DB>) => Promise<T>): Promise<T> {
    // One order for every caller, so two transactions wanting the same two keys cannot deadlock.
    const ids = [...new Set(keys.map(advisoryLockId))].sort();
    return db.transaction().execute(async (trx) => {
      // Released at commit or rollback. Each statement after it reads what the previous holder committed.
      for (const id of ids) await sql`select pg_advisory_xact_lock(cast(${id} as bigint))`.execute(trx);
      return work(trx);
    });
  },

  consistentRead<DB, T>(db: Kysely<DB>, work: (trx: Kysely<DB>) => Promise<T>): Promise<T> {
    return db.transaction().setIsolationLevel('repeatable read').setAccessMode('read only').execute(work);
  },

  isUniqueViolation(error: unknown, table: string, column: string): boolean {
    const { code, constraint } = (error ?? {}) as { code?: unknown; constraint?: unknown };
    // PostgreSQL names a column's UNIQUE constraint <table>_<column>_key.
    return code === '23505' && constraint === `${table}_${column}_key`;
  },

  async resetSequences(trx: SqlRunner, tables: readonly string[]): Promise<string[]> {
    if (tables.length === 0) return [];
    const columns = await sql<{ table_name: string; column_name: string; sequence: string | null }>`
      select table_name, column_name, pg_get_serial_sequence(quote_ident(table_name), column_name) as sequence
      from information_schema.columns
      where table_schema = current_schema()
        and table_name in (${sql.join(tables)})
        and (column_default like 'nextval(%' or is_identity = 'YES')`.execute(trx);
    const moved: string[] = [];
    for (const { table_name: table, column_name: column, sequence } of columns.rows) {
      if (!sequence) continue;
      await sql`select setval(cast(${sequence} as regclass), coalesce((select max(${sql.ref(column)}) from ${sql.table(table)}), 0) + 1, false)`.execute(trx);
      moved.push(sequence);
    }
    return moved;
  },

  skipLocked(query) {
    return query.forUpdate().skipLocked();
  }
};
