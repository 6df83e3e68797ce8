import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';

/** PostgreSQL type ids whose text node-postgres leaves as strings by default. */
const INT8_OID = 20;

/** What OrgKeeper needs from node-postgres's types: numbers for bigint (byte and feature counts, count(*)). */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    // bigint columns hold counts and sizes far below 2^53; SQLite returns them as numbers too.
    if (oid === INT8_OID) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  }
} as pg.CustomTypesConfig;

export interface PostgresOptions {
  /** Called when an idle pooled connection fails (e.g. the server restarted); the pool replaces it. */
  onIdleError?: (error: Error) => void;
  /** Most connections at once (default 10). */
  max?: number;
}

/**
 * A pool of connections to the PostgreSQL database at `url` (node-postgres's Pool, i.e. pg-pool). Nothing connects
 * until the first query: callers check the connection with `checkConnection`.
 */
export function connectPostgres<DB>(url: string, options: PostgresOptions = {}): Kysely<DB> {
  const pool = new pg.Pool({ connectionString: url, types, max: options.max ?? 10, connectionTimeoutMillis: 15_000 });
  // Without a listener an idle client's error would end the process.
  pool.on('error', (error) => options.onIdleError?.(error));
  return new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
}
