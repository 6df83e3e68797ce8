import { adminCommand, ADMIN_USAGE } from './commands/admin.command.js';
import { dbCommand, DB_USAGE } from './commands/db.command.js';
import { exportCommand, logCommand, snapshotCommand } from './commands/snapshot.command.js';
import { forgetCommand, pruneCommand } from './commands/retention.command.js';
import { backupCommand, BACKUP_USAGE, checkCommand, CHECK_USAGE, snapshotsCommand, SNAPSHOTS_USAGE } from './commands/backup.command.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError, type CliIo } from './commands/cli-io.js';
import { identitiesCommand, IDENTITIES_USAGE } from './commands/identities.command.js';
import { serveCommand, SERVE_USAGE } from './commands/serve.command.js';
import { workerCommand, WORKER_USAGE } from './commands/worker.command.js';
import { workersCommand, WORKERS_USAGE } from './commands/workers.command.js';
import { storeCommand, STORE_USAGE } from './commands/store.command.js';
import { operationsCommand } from './commands/operations.command.js';
import { schedulesCommand } from './commands/schedules.command.js';
import { notificationsCommand } from './commands/notifications.command.js';
import { metricsCommand } from './commands/metrics.command.js';
import { restoreCommand } from './commands/restore.command.js';
import { scanCommand } from './commands/scan.command.js';
import { fixCommand, undoCommand } from './commands/fix.command.js';
import { recycleBinCommand } from './commands/recycle-bin.command.js';
import { tokensCommand } from './commands/tokens.command.js';
import { ConfigError } from './config/config.js';
import { orgkeeperVersion } from './config/version.js';
import { AppError } from './errors/app-error.js';

export const USAGE = `Usage: orgkeeper <command> [options]

Back up, restore and clean ArcGIS Online and ArcGIS Enterprise organizations.

Commands:
  serve          Start the OrgKeeper server (web app and REST API; it runs operations too unless --no-worker)
  worker         Run operations and schedules without the web server (as many as you like, on one database)
  workers        List the servers and workers sharing the database, what they run, when last seen
  admin create   Create an OrgKeeper account
  tokens         API tokens for scripts (create, list, revoke)
  db migrate     Bring the database up to date
  db copy        Copy the database into PostgreSQL (--to postgres://...), e.g. to move from SQLite
  identities     List, add, remove and test identities (ArcGIS organizations)
  backup         Back up an identity's organization into its File Location
  snapshots      List an identity's backups
  check          Verify an identity's backups
  forget         Remove snapshots a retention policy does not keep (--keep-last/daily/weekly/monthly)
  prune          Delete backup content no snapshot references
  snapshot       Show a snapshot, or what changed between two (snapshot show ID, snapshot diff A B)
  export         Export a backed-up item as a ZIP (layers as GeoJSON, attachments)
  log            A snapshot's per-item log (--csv)
  store          An identity's backup store: reindex it, its encryption keys (key), copy it elsewhere (copy)
  operations     List, follow (watch), cancel and resume operations (backups, restores, checks, scans)
  schedules      Backups and scans the server starts at set times (list, add, enable, disable, remove, run)
  notifications  Email and webhooks (JSON, Slack, Teams) when operations end (show, set, test, webhook)
  metrics token  The token Prometheus sends for /metrics (new, show, remove)
  restore        Restore items of a snapshot: in place, recreate deleted ones, copy, or clone into another identity
  scan           Scan an organization for clutter and risk (stale items, inactive users, broken links, ...)
  fix            Fix a scan's findings in bulk (delete, reassign, move, unshare, protect, tag, deprecate, ...); --dry-run
  undo           Undo a fix (orgkeeper undo --fix ID)
  recycle-bin    ArcGIS Online's recycle bin: list what it holds, restore items with their ids (list, restore)

Options:
  -h, --help     Show this help (also: orgkeeper <command> --help)
  -v, --version  Show the version
`;

export function version(): string {
  return orgkeeperVersion();
}

/** Runs the command line and returns the exit code: 0 done, 1 failed, 2 wrong usage or configuration. */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
        io.stderr.write(USAGE);
        return EXIT_USAGE;
      case '-h':
      case '--help':
      case 'help':
        io.stdout.write(USAGE);
        return EXIT_OK;
      case '-v':
      case '--version':
        io.stdout.write(`${version()}\n`);
        return EXIT_OK;
      case 'serve':
        return await serveCommand(rest, io);
      case 'worker':
        return await workerCommand(rest, io);
      case 'workers':
        return await workersCommand(rest, io);
      case 'admin':
        return await adminCommand(rest, io);
      case 'tokens':
        return await tokensCommand(rest, io);
      case 'db':
        return await dbCommand(rest, io);
      case 'identities':
        return await identitiesCommand(rest, io);
      case 'backup':
        return await backupCommand(rest, io);
      case 'snapshots':
        return await snapshotsCommand(rest, io);
      case 'check':
        return await checkCommand(rest, io);
      case 'snapshot':
        return await snapshotCommand(rest, io);
      case 'forget':
        return await forgetCommand(rest, io);
      case 'prune':
        return await pruneCommand(rest, io);
      case 'export':
        return await exportCommand(rest, io);
      case 'log':
        return await logCommand(rest, io);
      case 'store':
        return await storeCommand(rest, io);
      case 'operations':
        return await operationsCommand(rest, io);
      case 'schedules':
        return await schedulesCommand(rest, io);
      case 'notifications':
        return await notificationsCommand(rest, io);
      case 'metrics':
        return await metricsCommand(rest, io);
      case 'restore':
        return await restoreCommand(rest, io);
      case 'scan':
        return await scanCommand(rest, io);
      case 'fix':
        return await fixCommand(rest, io);
      case 'undo':
        return await undoCommand(rest, io);
      case 'recycle-bin':
        return await recycleBinCommand(rest, io);
      default:
        throw new UsageError(`Unknown command "${command}".`);
    }
  } catch (error) {
    return report(error, io);
  }
}

function report(error: unknown, io: CliIo): number {
  if (error instanceof UsageError) {
    const help = error.command ? `orgkeeper ${error.command} --help` : 'orgkeeper --help';
    io.stderr.write(`orgkeeper: ${error.message}\nRun \`${help}\` for usage.\n`);
    return EXIT_USAGE;
  }
  if (error instanceof ConfigError) {
    io.stderr.write(`orgkeeper: ${error.message}\n`);
    return EXIT_USAGE;
  }
  if (error instanceof AppError) {
    io.stderr.write(`orgkeeper: ${error.message}\n`);
    for (const [field, message] of Object.entries(error.fields ?? {})) io.stderr.write(`  ${field}: ${message}\n`);
    return error.code === 'validation_failed' ? EXIT_USAGE : EXIT_FAILURE;
  }
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') {
    io.stderr.write(`orgkeeper: ${(error as Error).message}. Another program uses that port; choose another with --port.\n`);
    return EXIT_FAILURE;
  }
  if (code === 'EACCES' && (error as { syscall?: string }).syscall === 'listen') {
    io.stderr.write(`orgkeeper: ${(error as Error).message}. Ports below 1024 need privileges; use --port 8500 or another.\n`);
    return EXIT_FAILURE;
  }
  io.stderr.write(`orgkeeper: ${error instanceof Error ? error.message : String(error)}\n`);
  return EXIT_FAILURE;
}

function processIo(): CliIo {
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
}

export { ADMIN_USAGE, BACKUP_USAGE, DB_USAGE, CHECK_USAGE, IDENTITIES_USAGE, SERVE_USAGE, SNAPSHOTS_USAGE, STORE_USAGE, WORKER_USAGE, WORKERS_USAGE };
