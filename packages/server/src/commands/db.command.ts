/**
 * `orgkeeper db migrate` and `orgkeeper db copy`: bring the configured database up to date, and move an installation's
 * records to PostgreSQL (see database-copy.ts). The master key is not in the database: servers on the copy need the
 * same key (the data directory's master.key, or ORGKEEPER_SECRET_KEY).
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { checkDatabaseUrl, databaseTarget, loadConfig, masterKeyFile } from '../config/config.js';
import { copyDatabase } from '../db/database-copy.js';
import { connectDatabase, describeDatabase, migrateToLatest, migrationStatus, type DatabaseTarget, type Db } from '../db/database.js';
import { ensureDataDir } from '../data-dir.js';
import { createLogger } from '../logging/logger.js';
import { createServices } from '../services.js';
import { cliUserActor, EXIT_OK, UsageError, type CliIo, isUsageRequest, writeUsage } from './cli-io.js';
import { databaseFlags } from './command-services.js';

export const DB_USAGE = `Usage: orgkeeper db <migrate|copy> [options]

  migrate               bring the database up to date with this version of OrgKeeper (every command and the
                        server do this on start; run it to upgrade at a time of your choosing)
  copy --to URL         copy every record of the database into the PostgreSQL database at URL, e.g. to move an
                        installation from its SQLite file to PostgreSQL. Stop the server first. The target is
                        migrated, must be empty (unless --replace), and is written in one transaction: the copy
                        is whole, verified by row counts, or nothing is written.

Options:
  --to URL              copy: the target, postgres://user:password@host:5432/database
  --replace             copy: delete what the target holds first instead of refusing a target that is not empty
  --json                print one JSON object with the result
  --data-dir DIR        folder holding the master key and the SQLite database (default ./data)  [ORGKEEPER_DATA_DIR]
  --database-url URL    the database to migrate or copy from, if not the SQLite file            [ORGKEEPER_DATABASE_URL]
  -h, --help            show this help

The master key that seals the identities' secrets is not in the database: every server using the copy needs the
same key (<data-dir>/master.key, or ORGKEEPER_SECRET_KEY).
`;

export async function dbCommand(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (isUsageRequest(sub)) return writeUsage(io, DB_USAGE, sub);
  if (sub !== 'migrate' && sub !== 'copy') throw new UsageError(`Unknown db command "${sub}"; the db command has: migrate, copy.`, 'db');
  let values: { to?: string; replace?: boolean; json?: boolean; 'data-dir'?: string; 'database-url'?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: rest,
      strict: true,
      allowPositionals: false,
      options: {
        to: { type: 'string' },
        replace: { type: 'boolean' },
        json: { type: 'boolean' },
        'data-dir': { type: 'string' },
        'database-url': { type: 'string' },
        help: { type: 'boolean', short: 'h' }
      }
    }));
  } catch (error) {
    throw new UsageError((error as Error).message, 'db');
  }
  if (values.help) {
    io.stdout.write(DB_USAGE);
    return EXIT_OK;
  }
  const config = loadConfig({ flags: databaseFlags(values), env: io.env, cwd: io.cwd });
  const source = databaseTarget(config);
  if (sub === 'migrate') {
    if (values.to !== undefined || values.replace) throw new UsageError('--to and --replace belong to `db copy`.', 'db');
    if (source.kind === 'sqlite') await ensureDataDir(config.dataDir);
    return migrate(io, source, values.json === true);
  }

  if (values.to === undefined) throw new UsageError('db copy needs --to postgres://... (the PostgreSQL database to copy into).', 'db');
  const problem = checkDatabaseUrl(values.to);
  if (problem) throw new UsageError(`--to ${problem}`, 'db');
  const target: DatabaseTarget = { kind: 'postgres', url: values.to.trim() };
  if (source.kind === 'sqlite' && !existsSync(source.file)) {
    throw new UsageError(`There is no database at ${source.file} to copy; give the --data-dir of the installation (or its --database-url).`, 'db');
  }
  if (source.kind === 'postgres' && sameDatabase(source.url, target.url)) {
    throw new UsageError('--to names the database being copied from; give another database.', 'db');
  }
  return copy(io, source, target, { replace: values.replace === true, json: values.json === true, keyFile: config.secretKey ? null : masterKeyFile(config) });
}

async function migrate(io: CliIo, target: DatabaseTarget, json: boolean): Promise<number> {
  const db = await connectDatabase(target);
  try {
    const applied = await migrateToLatest(db);
    const status = await migrationStatus(db);
    const latest = status.at(-1)?.name ?? 'none';
    if (json) {
      io.stdout.write(`${JSON.stringify({ database: describeDatabase(target), applied: applied.map((m) => m.migrationName), latest }, null, 2)}\n`);
    } else if (applied.length === 0) {
      io.stdout.write(`The ${describeDatabase(target)} is up to date (${status.length} migrations, the latest ${latest}).\n`);
    } else {
      io.stdout.write(`Migrated the ${describeDatabase(target)}:\n`);
      for (const m of applied) io.stdout.write(`  applied ${m.migrationName}\n`);
      io.stdout.write(`It is up to date (${status.length} migrations, the latest ${latest}).\n`);
    }
    return EXIT_OK;
  } finally {
    await db.destroy();
  }
}

async function copy(io: CliIo, from: DatabaseTarget, to: DatabaseTarget, options: { replace: boolean; json: boolean; keyFile: string | null }): Promise<number> {
  const log = (line: string) => {
    if (!options.json) io.stdout.write(line);
  };
  const opened: Db[] = [];
  try {
    const source = await connectDatabase(from);
    opened.push(source);
    const target = await connectDatabase(to);
    opened.push(target);
    for (const [db, what] of [[source, from], [target, to]] as const) {
      const applied = await migrateToLatest(db);
      if (applied.length > 0) log(`Migrated the ${describeDatabase(what)} (${applied.length} migration${applied.length === 1 ? '' : 's'}).\n`);
    }
    log(`Copying the ${describeDatabase(from)} into the ${describeDatabase(to)}...\n`);
    const report = await copyDatabase(source, target, {
      replace: options.replace,
      onTable: (t) => log(`  ${t.table.padEnd(22)} ${String(t.rows).padStart(9)} rows\n`)
    });
    const rows = report.tables.reduce((sum, t) => sum + t.rows, 0);
    // Recorded in the copy, after it: the new database's audit log says where its records came from.
    await createServices({ db: target, logger: createLogger({ level: 'silent' }) }).audit.record({
      actor: cliUserActor(),
      action: 'database.copy',
      target: describeDatabase(to),
      result: 'success',
      details: { from: describeDatabase(from), rows, replaced: report.replaced }
    });
    const key = options.keyFile ? `the key in ${options.keyFile}` : 'the key in ORGKEEPER_SECRET_KEY';
    if (options.json) {
      io.stdout.write(`${JSON.stringify({ from: describeDatabase(from), to: describeDatabase(to), rows, ...report }, null, 2)}\n`);
    } else {
      io.stdout.write(
        `Copied ${rows} rows in ${report.tables.length} tables${report.replaced ? ` (after deleting ${report.replaced} rows the target held)` : ''}; ` +
          'every table has as many rows as the source.\n' +
          `Start OrgKeeper with --database-url (or ORGKEEPER_DATABASE_URL) set to the new database and ${key}: ` +
          'the identities\' secrets are sealed with it, and every server using the database needs the same key.\n'
      );
    }
    return EXIT_OK;
  } finally {
    for (const db of opened) await db.destroy();
  }
}

/** Whether two PostgreSQL URLs name the same database on the same server. */
function sameDatabase(a: string, b: string): boolean {
  const parts = (value: string) => {
    const url = new URL(value);
    return `${url.hostname || url.searchParams.get('host')}:${url.port || '5432'}/${url.pathname}`;
  };
  return parts(a) === parts(b);
}
