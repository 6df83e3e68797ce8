/**
 * `orgkeeper db copy`: moves every record of one OrgKeeper database into another (in practice the SQLite file of an
 * existing installation into PostgreSQL). Both must be at the same migration. The target is written in one
 * transaction: table by table, parents before children, in batches read in key order from one consistent state of the
 * source; then sequences are moved past the copied keys and every table's row count is checked against the source.
 * Any failure rolls the whole copy back. Secrets stay sealed as they are: the same master key opens them.
 */
import { sql, type Kysely } from 'kysely';
import { migrationStatus, type Db } from './database.js';
import { dialectOf } from './dialects/dialect.js';

// Tables are named at run time here, so the schema type is loose.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;
type Row = Record<string, unknown>;

/** Every table OrgKeeper keeps, parents before the tables whose foreign keys point at them, each with its primary key. */
export const COPY_TABLES: readonly { name: string; key: readonly string[] }[] = [
  { name: 'app_users', key: ['id'] },
  { name: 'sessions', key: ['id'] },
  { name: 'login_attempts', key: ['id'] },
  { name: 'audit_events', key: ['id'] },
  { name: 'api_tokens', key: ['id'] },
  { name: 'identities', key: ['id'] },
  { name: 'oauth_states', key: ['id'] },
  { name: 'arcgis_sign_in', key: ['id'] },
  { name: 'arcgis_sign_in_states', key: ['id'] },
  { name: 'operations', key: ['id'] },
  { name: 'operation_locks', key: ['key'] },
  { name: 'operation_items', key: ['operation_id', 'item_id'] },
  { name: 'snapshot_index', key: ['identity_id', 'snapshot_id'] },
  { name: 'snapshot_items', key: ['identity_id', 'snapshot_id', 'item_id'] },
  { name: 'restore_runs', key: ['operation_id'] },
  { name: 'restore_steps', key: ['operation_id', 'step_key'] },
  { name: 'schedules', key: ['id'] },
  { name: 'schedule_runs', key: ['schedule_id', 'slot_at'] },
  { name: 'notification_settings', key: ['id'] },
  { name: 'webhooks', key: ['id'] },
  { name: 'webhook_deliveries', key: ['id'] },
  { name: 'metrics_tokens', key: ['id'] },
  { name: 'clean_scans', key: ['id'] },
  { name: 'clean_findings', key: ['id'] },
  { name: 'clean_allowlist', key: ['id'] },
  { name: 'clean_view_counts', key: ['identity_id', 'item_id'] },
  { name: 'clean_fixes', key: ['id'] },
  { name: 'clean_fix_results', key: ['fix_id', 'finding_id'] },
  { name: 'workers', key: ['id'] }
];

/** The migrator's own tables: each database keeps its own (both list the same migrations, checked first). */
const MIGRATION_TABLES = ['schema_migrations', 'schema_migrations_lock'];

/** Bound parameters per INSERT stay well below PostgreSQL's 65535 (and SQLite's 32766). */
const MAX_PARAMETERS = 30_000;
const MAX_BATCH_ROWS = 1000;

export type DatabaseCopyErrorCode = 'schema_mismatch' | 'unknown_table' | 'target_not_empty' | 'count_mismatch';

/** The copy cannot start, or did not come out whole (then nothing was written). */
export class DatabaseCopyError extends Error {
  constructor(
    readonly code: DatabaseCopyErrorCode,
    message: string
  ) {
    super(message);
    this.name = 'DatabaseCopyError';
  }
}

export interface CopyOptions {
  /** Delete what the target holds first (in the same transaction) instead of refusing a target that is not empty. */
  replace?: boolean;
  /** Rows per batch (default: as many as MAX_PARAMETERS allows for the table's columns, at most 1000). */
  batchSize?: number;
  /** Called after each table is copied. */
  onTable?: (table: TableCopied) => void;
}

export interface TableCopied {
  table: string;
  rows: number;
  batches: number;
}

export interface CopyReport {
  tables: TableCopied[];
  /** Rows deleted from the target first (with `replace`). */
  replaced: number;
  /** Sequences moved past the copied keys. */
  sequences: string[];
}

export async function copyDatabase(source: Db, target: Db, options: CopyOptions = {}): Promise<CopyReport> {
  await checkSameSchema(source, target);
  const from = source as AnyDb;
  const into = target as AnyDb;
  return dialectOf(from).consistentRead(from, async (reader) => {
    const sourceCounts = await countRows(reader);
    return into.transaction().execute(async (writer) => {
      const existing = await countRows(writer);
      const held = [...existing].filter(([, n]) => n > 0);
      if (held.length > 0 && !options.replace) {
        throw new DatabaseCopyError(
          'target_not_empty',
          `The target database already holds records (${held.map(([t, n]) => `${t}: ${n}`).join(', ')}). ` +
            'Copy into a new, empty database, or pass --replace to delete what it holds first.'
        );
      }
      let replaced = 0;
      for (const { name } of [...COPY_TABLES].reverse()) {
        if ((existing.get(name) ?? 0) === 0) continue;
        const result = await writer.deleteFrom(name).executeTakeFirst();
        replaced += Number(result.numDeletedRows);
      }

      const columns = new Map((await reader.introspection.getTables()).map((t) => [t.name, t.columns.length]));
      const tables: TableCopied[] = [];
      for (const table of COPY_TABLES) {
        const rowsPerBatch = options.batchSize ?? Math.min(MAX_BATCH_ROWS, Math.floor(MAX_PARAMETERS / (columns.get(table.name) ?? 1)));
        const copied = await copyTable(reader, writer, table, rowsPerBatch);
        tables.push(copied);
        options.onTable?.(copied);
      }
      const sequences = await dialectOf(into).resetSequences(writer, COPY_TABLES.map((t) => t.name));

      const targetCounts = await countRows(writer);
      const wrong = COPY_TABLES.filter(({ name }, i) => sourceCounts.get(name) !== targetCounts.get(name) || tables[i]?.rows !== sourceCounts.get(name));
      if (wrong.length > 0) {
        throw new DatabaseCopyError(
          'count_mismatch',
          `The copy came out with different row counts (${wrong
            .map(({ name }) => `${name}: ${sourceCounts.get(name)} in the source, ${targetCounts.get(name)} in the target`)
            .join('; ')}); nothing was kept.`
        );
      }
      return { tables, replaced, sequences };
    });
  });
}

/** Both databases have run the same migrations, and the source has no table this version does not know. */
async function checkSameSchema(source: Db, target: Db): Promise<void> {
  const applied = async (db: Db) => (await migrationStatus(db)).filter((m) => m.executedAt).map((m) => m.name);
  const [fromMigrations, intoMigrations] = await Promise.all([applied(source), applied(target)]);
  if (fromMigrations.join() !== intoMigrations.join()) {
    throw new DatabaseCopyError(
      'schema_mismatch',
      `The databases are at different migrations (source: ${fromMigrations.at(-1) ?? 'none'}, target: ${intoMigrations.at(-1) ?? 'none'}); ` +
        'run `orgkeeper db migrate` on both with this version of OrgKeeper first.'
    );
  }
  const known = new Set([...COPY_TABLES.map((t) => t.name), ...MIGRATION_TABLES]);
  const unknown = (await source.introspection.getTables()).map((t) => t.name).filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new DatabaseCopyError('unknown_table', `The source database has tables this OrgKeeper does not know (${unknown.join(', ')}); nothing was copied.`);
  }
}

async function countRows(db: AnyDb): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const { name } of COPY_TABLES) {
    const row = await db.selectFrom(name).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    counts.set(name, Number(row.n));
  }
  return counts;
}

/** Copies one table in batches, reading in key order and continuing after the last key read. */
async function copyTable(reader: AnyDb, writer: AnyDb, table: { name: string; key: readonly string[] }, rowsPerBatch: number): Promise<TableCopied> {
  let rows = 0;
  let batches = 0;
  let after: Row | undefined;
  for (;;) {
    let query = reader.selectFrom(table.name).selectAll();
    if (after) {
      const last = after;
      // Row values compare column by column, like the ORDER BY: (a, b) > (x, y).
      query = query.where(sql<boolean>`(${sql.join(table.key.map((k) => sql.ref(k)))}) > (${sql.join(table.key.map((k) => last[k]))})`);
    }
    for (const column of table.key) query = query.orderBy(column);
    const batch = (await query.limit(rowsPerBatch).execute()) as Row[];
    if (batch.length === 0) break;
    await writer.insertInto(table.name).values(batch).execute();
    rows += batch.length;
    batches++;
    after = batch.at(-1);
    if (batch.length < rowsPerBatch) break;
  }
  return { table: table.name, rows, batches };
}
