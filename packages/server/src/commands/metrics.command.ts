/**
 * `orgkeeper metrics token new|show|remove`: the bearer token Prometheus sends for /metrics. `new` prints the token
 * once (only its hash is kept) and replaces the one before.
 */
import type { MetricsTokenStatus } from '../metrics/metrics-token.service.js';
import { CLI_ACTOR, EXIT_OK, EXIT_USAGE, UsageError, parseCommandArgs, type CliIo } from './cli-io.js';
import { databaseFlags, withServices } from './command-services.js';

export const METRICS_USAGE = `Usage: orgkeeper metrics token <new|show|remove> [options]

The bearer token Prometheus sends to scrape /metrics (Authorization: Bearer <token>).

  metrics token new [--json]   make a new token (the one before stops working) and print it once
  metrics token show [--json]  whether a token is set (never the token)
  metrics token remove         remove the stored token (ORGKEEPER_METRICS_TOKEN, if set, still works)

  --data-dir DIR      folder holding the database and key (default ./data)        [ORGKEEPER_DATA_DIR]
  --database-url URL  PostgreSQL database (postgres://...) instead of SQLite      [ORGKEEPER_DATABASE_URL]
`;

export async function metricsCommand(args: string[], io: CliIo): Promise<number> {
  const [what, sub, ...rest] = args;
  if (what === '-h' || what === '--help' || what === 'help' || sub === '-h' || sub === '--help') {
    io.stdout.write(METRICS_USAGE);
    return EXIT_OK;
  }
  if (what !== 'token' || sub === undefined) {
    io.stderr.write(METRICS_USAGE);
    return EXIT_USAGE;
  }
  const { values } = parseCommandArgs('metrics', {
    args: rest,
    strict: true,
    allowPositionals: false,
    options: { json: { type: 'boolean' }, 'data-dir': { type: 'string' }, 'database-url': { type: 'string' }, help: { type: 'boolean', short: 'h' } }
  });
  if (values.help) {
    io.stdout.write(METRICS_USAGE);
    return EXIT_OK;
  }
  const json = values.json === true;
  switch (sub) {
    case 'new':
      return withServices(io, databaseFlags(values), async (services) => {
        const { token, status } = await services.metricsTokens.create(CLI_ACTOR);
        io.stdout.write(
          json
            ? `${JSON.stringify({ token, status }, null, 2)}\n`
            : `${token}\nThe metrics token (shown only now). Give it to Prometheus (authorization: credentials_file) for /metrics; the one before no longer works.\n`
        );
        return EXIT_OK;
      });
    case 'show':
      return withServices(io, databaseFlags(values), async (services) => {
        const status = await services.metricsTokens.status();
        io.stdout.write(json ? `${JSON.stringify(status, null, 2)}\n` : describe(status));
        return EXIT_OK;
      });
    case 'remove':
      return withServices(io, databaseFlags(values), async (services) => {
        const removed = await services.metricsTokens.remove(CLI_ACTOR);
        io.stdout.write(removed ? 'Removed the metrics token; /metrics now needs an administrator’s session (or ORGKEEPER_METRICS_TOKEN).\n' : 'No metrics token was stored.\n');
        return EXIT_OK;
      });
    default:
      throw new UsageError(`Unknown metrics token command "${sub}".`, 'metrics');
  }
}

function describe(status: MetricsTokenStatus): string {
  const stored = status.stored ? `a token made by ${status.createdBy} at ${status.createdAt}` : 'no stored token';
  // This command does not read the server's environment: ORGKEEPER_METRICS_TOKEN is said for this shell only.
  return `Metrics (/metrics): ${stored}${status.fromEnvironment ? '; ORGKEEPER_METRICS_TOKEN is set here too' : ''}.\n`;
}
