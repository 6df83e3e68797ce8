import { loadConfig } from '../config/config.js';
import { describeDatabase } from '../db/database.js';
import { databaseTarget } from '../config/config.js';
import { startWorkerProcess } from '../worker.js';
import { EXIT_OK, parseCommandArgs, type CliIo } from './cli-io.js';
import { waitForSignal } from './serve.command.js';

export const WORKER_USAGE = `Usage: orgkeeper worker [options]

Run queued operations (backups, restores, checks, scans, fixes...) and fire schedules, without the web server.
Start as many as you like, on as many machines, with one PostgreSQL database (--database-url): each operation runs
on exactly one of them, and one that stops or dies has its operations continued by the others.

Options:
  --data-dir DIR         Folder for the master key (and the SQLite database        [ORGKEEPER_DATA_DIR]
                         without --database-url) (default ./data)
  --database-url URL     PostgreSQL database shared with the servers (postgres://...) [ORGKEEPER_DATABASE_URL]
  --max-running N        Operations this worker runs at once (default 3)          [ORGKEEPER_MAX_RUNNING]
  --stale-after SECONDS  How long a worker may stay silent before the others take [ORGKEEPER_STALE_AFTER]
                         over its operations (default 30)
  --public-url URL       The servers' public URL, for links in emails               [ORGKEEPER_PUBLIC_URL]
  --log-level LEVEL      fatal, error, warn, info, debug, trace or silent (default info) [ORGKEEPER_LOG_LEVEL]
  -h, --help             Show this help

Environment only:
  ORGKEEPER_SECRET_KEY   Master key (32 bytes as base64 or hex) instead of <data-dir>/master.key; every server
                         and worker on one database needs the same key

Ctrl+C or SIGTERM stops it: running operations stop (interrupted; backups and restores can be resumed), queued ones
stay queued for the others. See them all with \`orgkeeper workers\`.
`;

export async function workerCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs('worker', {
    args,
    strict: true,
    allowPositionals: false,
    options: {
      'data-dir': { type: 'string' },
      'database-url': { type: 'string' },
      'max-running': { type: 'string' },
      'stale-after': { type: 'string' },
      'public-url': { type: 'string' },
      'log-level': { type: 'string' },
      help: { type: 'boolean', short: 'h' }
    }
  });
  if (values.help) {
    io.stdout.write(WORKER_USAGE);
    return EXIT_OK;
  }
  const config = loadConfig({
    flags: {
      dataDir: values['data-dir'],
      databaseUrl: values['database-url'],
      maxRunning: values['max-running'],
      staleAfter: values['stale-after'],
      publicUrl: values['public-url'],
      logLevel: values['log-level']
    },
    env: io.env,
    cwd: io.cwd
  });
  const worker = await startWorkerProcess(config);
  const target = databaseTarget(config);
  io.stderr.write(
    `OrgKeeper worker ${worker.id} is running operations from the ${describeDatabase(target)} (up to ${config.maxRunning} at once). Press Ctrl+C to stop.\n` +
      (target.kind === 'sqlite' ? 'With SQLite, servers and workers must run on this machine; use --database-url (PostgreSQL) for several machines.\n' : '')
  );
  const signal = await (io.stopSignal ?? waitForSignal)();
  io.stderr.write(`Received ${signal}; stopping the worker...\n`);
  await worker.close();
  return EXIT_OK;
}
