import { loadConfig } from '../config/config.js';
import { startServer } from '../server.js';
import { UserRepository } from '../users/user.repository.js';
import { EXIT_OK, parseCommandArgs, type CliIo } from './cli-io.js';

export const SERVE_USAGE = `Usage: orgkeeper serve [options]

Start the OrgKeeper server (web app and REST API).

Options:
  --host HOST          Address to listen on (default 127.0.0.1; 0.0.0.0 for all)   [ORGKEEPER_HOST]
  --port PORT          Port to listen on (default 8500)                             [ORGKEEPER_PORT]
  --data-dir DIR       Folder for the database and master key (default ./data)      [ORGKEEPER_DATA_DIR]
  --database-url URL   PostgreSQL database (postgres://...) instead of SQLite       [ORGKEEPER_DATABASE_URL]
  --public-url URL     Address users open OrgKeeper at; OAuth redirect URIs are     [ORGKEEPER_PUBLIC_URL]
                       built from it, and requests naming another host are refused
                       (default http://localhost:8500)
  --web-dir DIR        Built web app to serve (default packages/web/dist)           [ORGKEEPER_WEB_DIR]
  --log-level LEVEL    fatal, error, warn, info, debug, trace or silent (default info) [ORGKEEPER_LOG_LEVEL]
  --trust-proxy VALUE  Believe X-Forwarded-* from a reverse proxy: true, a hop count, [ORGKEEPER_TRUST_PROXY]
                       or its addresses (default false)
  --no-worker          Run no queued operations here (\`orgkeeper worker\`s do)       [ORGKEEPER_NO_WORKER=true]
  --max-running N      Operations this server runs at once (default 3)              [ORGKEEPER_MAX_RUNNING]
  --stale-after SECONDS  How long a worker may stay silent before the others take   [ORGKEEPER_STALE_AFTER]
                       over its operations (default 30)
  --arcgis-concurrency N  Most ArcGIS requests in flight per identity, 1-64      [ORGKEEPER_ARCGIS_CONCURRENCY]
                       (default 32); below it OrgKeeper finds the speed each
                       organization allows and slows down when ArcGIS throttles
  -h, --help           Show this help

Environment only:
  ORGKEEPER_SECRET_KEY     Master key (32 bytes as base64 or hex) instead of <data-dir>/master.key
  ORGKEEPER_METRICS_TOKEN  A bearer token Prometheus may send for /metrics (besides \`orgkeeper metrics token new\`)
`;

export async function serveCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs('serve', {
    args,
    strict: true,
    allowPositionals: false,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      'data-dir': { type: 'string' },
      'database-url': { type: 'string' },
      'public-url': { type: 'string' },
      'web-dir': { type: 'string' },
      'log-level': { type: 'string' },
      'trust-proxy': { type: 'string' },
      'no-worker': { type: 'boolean' },
      'max-running': { type: 'string' },
      'stale-after': { type: 'string' },
      'arcgis-concurrency': { type: 'string' },
      help: { type: 'boolean', short: 'h' }
    }
  });
  if (values.help) {
    io.stdout.write(SERVE_USAGE);
    return EXIT_OK;
  }

  const config = loadConfig({
    flags: {
      host: values.host,
      port: values.port,
      dataDir: values['data-dir'],
      databaseUrl: values['database-url'],
      publicUrl: values['public-url'],
      webDir: values['web-dir'],
      logLevel: values['log-level'],
      trustProxy: values['trust-proxy'],
      noWorker: values['no-worker'],
      maxRunning: values['max-running'],
      staleAfter: values['stale-after'],
      arcgisConcurrency: values['arcgis-concurrency']
    },
    env: io.env,
    cwd: io.cwd
  });

  const server = await startServer(config);
  const needsSetup = (await new UserRepository(server.db).count()) === 0;
  io.stderr.write(
    `OrgKeeper is running at ${config.publicUrl} (listening on ${server.url}). Press Ctrl+C to stop.\n` +
      (config.runJobs ? '' : 'It runs no operations itself (--no-worker): start `orgkeeper worker` on this database, or operations wait in the queue.\n') +
      (needsSetup
        ? 'No account exists yet: open that address to create the administrator, or run `orgkeeper admin create --username NAME --password-stdin`.\n'
        : '')
  );

  const signal = await (io.stopSignal ?? waitForSignal)();
  io.stderr.write(`Received ${signal}; stopping OrgKeeper...\n`);
  await server.close();
  return EXIT_OK;
}

/** Resolves on the first SIGINT or SIGTERM; a second one ends the process at once. */
export function waitForSignal(): Promise<string> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      const force = (again: NodeJS.Signals) => {
        process.stderr.write(`Received ${again} again; exiting without waiting.\n`);
        process.exit(130);
      };
      process.once('SIGINT', force);
      process.once('SIGTERM', force);
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
