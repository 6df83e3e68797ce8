import { Migrator, sql, type Kysely, type MigrationResult } from 'kysely';
import { DatabaseError } from './database-error.js';
import type { DatabaseSignals } from './dialects/dialect.js';
import { connectPostgres, type PostgresOptions } from './dialects/postgres/connection.js';
import { PostgresSignals } from './dialects/postgres/signals.js';
import { connectSqlite } from './dialects/sqlite/connection.js';
import { LocalSignals } from './dialects/sqlite/signals.js';
import { migrations } from './migrations/index.js';
import type { Database } from './schema.js';

export { DatabaseError } from './database-error.js';
export type { DatabaseSignals } from './dialects/dialect.js';
export { LocalSignals } from './dialects/sqlite/signals.js';
export type Db = Kysely<Database>;

/** Which database OrgKeeper keeps its records in: the SQLite file in the data directory, or a PostgreSQL database. */
export type DatabaseTarget = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string };

export type OpenOptions = PostgresOptions;

/**
 * Opens the database: a SQLite file (given as its path or a target; created if needed), or a pool of connections to
 * PostgreSQL (which connects on the first query; `connectDatabase` checks it).
 */
export function openDatabase(target: string | DatabaseTarget, options: OpenOptions = {}): Db {
  const resolved: DatabaseTarget = typeof target === 'string' ? { kind: 'sqlite', file: target } : target;
  return resolved.kind === 'sqlite' ? connectSqlite<Database>(resolved.file) : connectPostgres<Database>(resolved.url, options);
}

/** Opens the database and checks that it answers; a DatabaseError naming it (never its password) when it does not. */
export async function connectDatabase(target: DatabaseTarget, options: OpenOptions = {}): Promise<Db> {
  const db = openDatabase(target, options);
  try {
    await sql`select 1`.execute(db);
    return db;
  } catch (error) {
    await db.destroy().catch(() => undefined);
    const hint =
      target.kind === 'postgres'
        ? ' Check --database-url (ORGKEEPER_DATABASE_URL): host, port, user name, password and database name; the database must exist (createdb) and accept connections from this machine.'
        : '';
    throw new DatabaseError(`Cannot connect to the ${describeDatabase(target)}: ${(error as Error).message}.${hint}`, { cause: error });
  }
}

/**
 * Signals between the processes that share the database (dialect.ts, DatabaseSignals): LISTEN/NOTIFY on PostgreSQL
 * (the listener is a connection of its own to the same URL), within this process on SQLite. Close it before `db`.
 */
export function openSignals(target: DatabaseTarget, db: Db, options: { onError?: (error: Error) => void } = {}): DatabaseSignals {
  return target.kind === 'postgres' ? new PostgresSignals(target.url, db as Kysely<unknown>, options) : new LocalSignals();
}

/** Whether the database answers a trivial query within `timeoutMs` (readiness probes). */
export async function databaseAnswers(db: Db, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
  try {
    return await Promise.race([sql`select 1`.execute(db).then(() => true), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/** The database in words for messages and logs, e.g. `PostgreSQL database "orgkeeper" on db.example.org:5432 as orgkeeper`. */
export function describeDatabase(target: DatabaseTarget): string {
  if (target.kind === 'sqlite') return `SQLite database ${target.file}`;
  let url: URL;
  try {
    url = new URL(target.url);
  } catch {
    return 'PostgreSQL database (unreadable URL)';
  }
  const name = decodeURIComponent(url.pathname.replace(/^\//, '')) || '(default)';
  const host = url.hostname || url.searchParams.get('host') || 'localhost';
  const user = url.username ? ` as ${decodeURIComponent(url.username)}` : '';
  return `PostgreSQL database "${name}" on ${host}:${url.port || '5432'}${user}`;
}

/** Brings the schema up to date. Throws, naming the failed migration, if one fails (that migration is rolled back). */
export async function migrateToLatest(db: Db): Promise<MigrationResult[]> {
  const { error, results = [] } = await migrator(db).migrateToLatest();
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

/** The migrations this OrgKeeper knows, each with whether the database has it. */
export async function migrationStatus(db: Db): Promise<{ name: string; executedAt: Date | undefined }[]> {
  const list = await migrator(db).getMigrations();
  return list.map((m) => ({ name: m.name, executedAt: m.executedAt }));
}

function migrator(db: Db): Migrator {
  return new Migrator({
    db,
    provider: { getMigrations: () => Promise.resolve(migrations) },
    // The same tables on both databases, so a copied database knows what it has.
    migrationTableName: 'schema_migrations',
    migrationLockTableName: 'schema_migrations_lock'
  });
}
