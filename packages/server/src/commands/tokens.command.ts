/**
 * `orgkeeper tokens create|list|revoke`: API tokens from the command line (the same tokens as Administration > API
 * tokens in the web app). The token is printed once, when it is created; OrgKeeper keeps only its hash.
 */
import type { ApiTokenView } from '../auth/api-token.types.js';
import type { Role } from '../db/schema.js';
import { ROLES } from '../users/user.service.js';
import { EXIT_OK, UsageError, cliUserActor, parseCommandArgs, type CliIo, isUsageRequest, writeUsage } from './cli-io.js';
import { databaseFlags, withServices } from './command-services.js';

export const TOKENS_USAGE = `Usage: orgkeeper tokens <create|list|revoke> [options]

API tokens let scripts call OrgKeeper's REST API: send one as \`Authorization: Bearer <token>\`.

  tokens create --name NAME [--role admin|operator|viewer] [--expires 90d|2031-01-31] [--json]
                the token is printed once; keep it in your script's secret store
  tokens list [--json]
  tokens revoke NAME|ID

Options:
  --role ROLE         what the token may do, as for an account (default viewer)
  --expires WHEN      a number of days (90d) or a date (2031-01-31, UTC midnight); default: does not expire
  --json              print JSON
  --data-dir DIR      folder holding the database (default ./data)             [ORGKEEPER_DATA_DIR]
  --database-url URL  PostgreSQL database (postgres://...) instead of SQLite   [ORGKEEPER_DATABASE_URL]
  -h, --help          show this help
`;

export async function tokensCommand(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (isUsageRequest(sub)) return writeUsage(io, TOKENS_USAGE, sub);
  const { values, positionals } = parseCommandArgs('tokens', {
    args: rest,
    strict: true,
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      role: { type: 'string' },
      expires: { type: 'string' },
      json: { type: 'boolean' },
      'data-dir': { type: 'string' },
      'database-url': { type: 'string' },
      help: { type: 'boolean', short: 'h' }
    }
  });
  if (values.help) {
    io.stdout.write(TOKENS_USAGE);
    return EXIT_OK;
  }
  const json = values.json === true;
  switch (sub) {
    case 'create': {
      if (positionals.length > 0) throw new UsageError(`Unexpected argument "${positionals[0]}"; name the token with --name.`, 'tokens');
      if (!values.name) throw new UsageError('--name is required, e.g. --name nightly-backup.', 'tokens');
      const role = (values.role ?? 'viewer') as Role;
      if (!ROLES.includes(role)) throw new UsageError(`--role "${values.role}" is not a role; use one of: ${ROLES.join(', ')}.`, 'tokens');
      const expiresAt = values.expires === undefined ? null : parseExpiry(values.expires, new Date());
      return withServices(io, databaseFlags(values), async (services) => {
        const created = await services.apiTokens.create({ name: values.name ?? '', role, expiresAt }, cliUserActor());
        if (json) io.stdout.write(`${JSON.stringify(created, null, 2)}\n`);
        else {
          io.stdout.write(`${created.token}\n`);
          io.stderr.write(
            `Created the ${role} token "${created.apiToken.name}"${created.apiToken.expiresAt ? `, expiring ${created.apiToken.expiresAt}` : ''}. ` +
              'It is shown only now: keep it in a secret store. Send it as `Authorization: Bearer <token>`.\n'
          );
        }
        return EXIT_OK;
      });
    }
    case 'list':
      if (positionals.length > 0) throw new UsageError(`Unexpected argument "${positionals[0]}".`, 'tokens');
      return withServices(io, databaseFlags(values), async (services) => {
        const tokens = await services.apiTokens.list();
        io.stdout.write(json ? `${JSON.stringify({ tokens }, null, 2)}\n` : describe(tokens));
        return EXIT_OK;
      });
    case 'revoke': {
      const target = positionals.join(' ').trim();
      if (!target) throw new UsageError('Name the token to revoke: orgkeeper tokens revoke NAME.', 'tokens');
      return withServices(io, databaseFlags(values), async (services) => {
        const revoked = await services.apiTokens.revoke(target, cliUserActor());
        io.stdout.write(json ? `${JSON.stringify(revoked, null, 2)}\n` : `Revoked the token "${revoked.name}": requests with it now answer 401.\n`);
        return EXIT_OK;
      });
    }
    default:
      throw new UsageError(`Unknown tokens command "${sub}". The tokens command has: create, list, revoke.`, 'tokens');
  }
}

/** `90d` (days from now) or a date/time (`2031-01-31` is UTC midnight). */
export function parseExpiry(value: string, now: Date): string {
  const days = /^(\d{1,4})d$/.exec(value.trim());
  if (days) return new Date(now.getTime() + Number(days[1]) * 24 * 3600_000).toISOString();
  const at = Date.parse(value.trim());
  if (Number.isNaN(at)) throw new UsageError(`--expires "${value}" is neither a number of days (90d) nor a date (2031-01-31).`, 'tokens');
  return new Date(at).toISOString();
}

function describe(tokens: ApiTokenView[]): string {
  if (tokens.length === 0) return 'No API tokens. Create one with `orgkeeper tokens create --name NAME --role ROLE`.\n';
  const rows = tokens.map((t) => [
    t.name,
    t.role,
    `${t.prefix}…`,
    t.createdAt.slice(0, 16).replace('T', ' '),
    t.expiresAt ? `${t.expiresAt.slice(0, 16).replace('T', ' ')}${t.expired ? ' (expired)' : ''}` : 'never',
    t.lastUsedAt ? t.lastUsedAt.slice(0, 16).replace('T', ' ') : 'never'
  ]);
  const header = ['NAME', 'ROLE', 'TOKEN', 'CREATED (UTC)', 'EXPIRES', 'LAST USED'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()}\n`;
  return line(header) + rows.map(line).join('');
}
