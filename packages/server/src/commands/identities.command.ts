import { userInfo } from 'node:os';
import { type parseArgs } from 'node:util';
import type { Actor } from '../audit/audit.service.js';
import type { IdentityInput, IdentityView, TestReport } from '../identities/identity.types.js';
import { AppError } from '../errors/app-error.js';
import type { Services } from '../services.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, parseCommandArgs, readPasswordFromStdin, UsageError, type CliIo } from './cli-io.js';
import { databaseFlags, withServices } from './command-services.js';
import { credentialsFromEnvironment } from './location-credentials.js';

export const IDENTITIES_USAGE = `Usage: orgkeeper identities <list|add|update|remove|test> [options]

Manage the ArcGIS organizations OrgKeeper may act on, without the web app (same checks as the web app).

  orgkeeper identities list [--json]
  orgkeeper identities add --type online|enterprise --name NAME --url URL [--auth oauth2|iwa] [--app-id ID]
                           --file-location LOCATION [--location-credential KIND] [--encrypt]
                           [--username USER --password-stdin] [--no-store-credentials] [--json]
  orgkeeper identities update NAME|ID [--name NAME] [--url URL] [--file-location LOCATION]
                           [--location-credential KIND | --no-location-credential] [--encrypt] [--json]
  orgkeeper identities remove NAME|ID [--json]
  orgkeeper identities test NAME|ID [--json]

add:
  --type TYPE             online (ArcGIS Online) or enterprise (ArcGIS Enterprise)
  --name NAME             Organization Name: what backups and scans are filed under (unique)
  --url URL               e.g. https://myorg.maps.arcgis.com or https://gis.example.com/portal
  --auth METHOD           oauth2 (default) or iwa (Enterprise: the account running OrgKeeper signs in)
  --app-id ID             OAuth2: client ID of an application registered in the organization
  --file-location LOC     where the identity's backups go: a folder on this server (absolute path),
                          s3://bucket/prefix[?endpoint=URL&region=R&path-style=true] (AWS or an S3-compatible service),
                          or https://ACCOUNT.blob.core.windows.net/CONTAINER/PREFIX (Azure Blob Storage). OrgKeeper
                          checks that it can write, read, list and delete there before saving.
                          update: point the identity at another location, e.g. a copy made with \`orgkeeper store copy\`
  --location-credential KIND
                          credentials for an S3 or Azure location, read from the environment (never arguments) and
                          kept encrypted: s3 (ORGKEEPER_S3_ACCESS_KEY_ID, ORGKEEPER_S3_SECRET_ACCESS_KEY),
                          azure-key (ORGKEEPER_AZURE_ACCOUNT_KEY) or azure-sas (ORGKEEPER_AZURE_SAS_TOKEN). Without it
                          the service's standard credential chain of the account running OrgKeeper is used
  --no-location-credential  update: forget the kept credentials (use the standard chain)
  --encrypt               create the identity's store encrypted (on its first backup), with this server's key and
                          the passphrase in ORGKEEPER_STORE_PASSPHRASE if set. Keep that passphrase safe: losing both
                          it and this server's key (the data directory's master.key) loses the backups.
                          ORGKEEPER_STORE_PASSPHRASE also opens an existing encrypted store to add this server's key
  --username USER         a built-in ArcGIS administrator account, signed in now with its password;
  --password-stdin        the password is read from standard input and stored encrypted, so scheduled
                          work runs without a browser
  --no-store-credentials  keep sign-ins in memory only (scheduled work then needs a new sign-in after restarts)

Common options:
  --json                  machine-readable output on standard output
  --data-dir DIR          folder holding the database and key (default ./data)        [ORGKEEPER_DATA_DIR]
  --database-url URL      PostgreSQL database (postgres://...) instead of SQLite      [ORGKEEPER_DATABASE_URL]
  --public-url URL        OrgKeeper's address, for the redirect URI to register       [ORGKEEPER_PUBLIC_URL]
  -h, --help              show this help

Exit codes: 0 done (test: every check passed), 1 failed (test: a check failed), 2 wrong usage or input.
`;

const SUBCOMMANDS = ['list', 'add', 'update', 'remove', 'test'] as const;
const LOCATION_FLAGS = ['file-location', 'location-credential', 'no-location-credential', 'encrypt'] as const;

const OPTIONS = {
  type: { type: 'string' },
  name: { type: 'string' },
  url: { type: 'string' },
  auth: { type: 'string' },
  'app-id': { type: 'string' },
  'file-location': { type: 'string' },
  'location-credential': { type: 'string' },
  'no-location-credential': { type: 'boolean' },
  encrypt: { type: 'boolean' },
  username: { type: 'string' },
  'password-stdin': { type: 'boolean' },
  'no-store-credentials': { type: 'boolean' },
  json: { type: 'boolean' },
  'data-dir': { type: 'string' },
  'database-url': { type: 'string' },
  'public-url': { type: 'string' },
  help: { type: 'boolean', short: 'h' }
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values'];

export async function identitiesCommand(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    io.stdout.write(IDENTITIES_USAGE);
    return sub === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (!(SUBCOMMANDS as readonly string[]).includes(sub)) {
    throw new UsageError(`Unknown identities command "${sub}". It has: ${SUBCOMMANDS.join(', ')}.`, 'identities');
  }
  const { values, positionals } = parseCommandArgs('identities', { args: rest, strict: true, allowPositionals: sub === 'remove' || sub === 'test' || sub === 'update', options: OPTIONS });
  if (values.help) {
    io.stdout.write(IDENTITIES_USAGE);
    return EXIT_OK;
  }
  checkFlags(sub, values, positionals);
  const locationCredentials = values['location-credential'] !== undefined ? credentialsFromEnvironment(values['location-credential'], io, 'identities') : values['no-location-credential'] ? null : undefined;
  const passphrase = io.env.ORGKEEPER_STORE_PASSPHRASE || undefined;

  const password = sub === 'add' && values['password-stdin'] ? await readPasswordFromStdin(io, { prompt: 'ArcGIS password: ', command: 'identities' }) : undefined;
  return withServices(io, { ...databaseFlags(values), publicUrl: values['public-url'] }, async (services) => {
    const actor: Actor = { kind: 'system', name: `cli:${osUser()}` };
    const json = values.json === true;
    switch (sub) {
      case 'list':
        return await list(services, io, json);
      case 'add':
        return await add(services, io, json, actor, {
          type: values.type,
          name: values.name,
          url: values.url,
          authMethod: values.auth,
          appId: values['app-id'],
          fileLocation: values['file-location'],
          ...(locationCredentials !== undefined ? { fileLocationCredentials: locationCredentials } : {}),
          ...(values.encrypt ? { encryptBackups: true } : {}),
          ...(passphrase !== undefined ? { backupPassphrase: passphrase } : {}),
          storeCredentials: values['no-store-credentials'] !== true,
          ...(values.username ? { username: values.username, password } : {})
        });
      case 'update':
        return await update(services, io, json, actor, positionals[0] as string, {
          ...(values.name !== undefined ? { name: values.name } : {}),
          ...(values.url !== undefined ? { url: values.url } : {}),
          ...(values['file-location'] !== undefined ? { fileLocation: values['file-location'] } : {}),
          ...(locationCredentials !== undefined ? { fileLocationCredentials: locationCredentials } : {}),
          ...(values.encrypt ? { encryptBackups: true } : {}),
          ...(passphrase !== undefined ? { backupPassphrase: passphrase } : {})
        });
      case 'remove':
        return await remove(services, io, json, actor, positionals[0] as string);
      default:
        return await test(services, io, json, positionals[0] as string);
    }
  });
}

/** The flags and operands each subcommand takes, before anything is opened or asked for. */
function checkFlags(sub: string, values: Values, positionals: string[]): void {
  if (sub !== 'add' && sub !== 'update') {
    for (const flag of ['type', 'name', 'url', 'auth', 'app-id', 'username', 'password-stdin', 'no-store-credentials', ...LOCATION_FLAGS] as const) {
      if (values[flag] !== undefined) throw new UsageError(`--${flag} belongs to "identities add" (or update).`, 'identities');
    }
  }
  if (sub === 'update') {
    for (const flag of ['type', 'auth', 'app-id', 'username', 'password-stdin', 'no-store-credentials'] as const) {
      if (values[flag] !== undefined) throw new UsageError(`--${flag} belongs to "identities add".`, 'identities');
    }
  }
  if (values['location-credential'] !== undefined && values['no-location-credential']) throw new UsageError('Give --location-credential or --no-location-credential, not both.', 'identities');
  if (sub === 'add' && values['no-location-credential']) throw new UsageError('--no-location-credential belongs to "identities update".', 'identities');
  if ((sub === 'remove' || sub === 'test' || sub === 'update') && positionals.length !== 1) {
    throw new UsageError(`Give the name or id of one identity: orgkeeper identities ${sub} NAME|ID.`, 'identities');
  }
  if (sub === 'add') {
    for (const required of ['type', 'name', 'url', 'file-location'] as const) {
      if (!values[required]) throw new UsageError(`--${required} is required.`, 'identities');
    }
    if (values.username && !values['password-stdin']) {
      throw new UsageError('--username needs --password-stdin: pipe the password in (it is never accepted as an argument).', 'identities');
    }
    if (values['password-stdin'] && !values.username) throw new UsageError('--password-stdin needs --username.', 'identities');
  }
}

async function update(services: Services, io: CliIo, json: boolean, actor: Actor, nameOrId: string, input: IdentityInput): Promise<number> {
  if (Object.keys(input).length === 0) throw new UsageError('Nothing to change: give --name, --url, --file-location, --location-credential or --encrypt.', 'identities');
  const row = await services.identities.findByIdOrName(nameOrId).catch((error: unknown) => {
    if (error instanceof AppError && error.code === 'not_found') throw new UsageError(error.message, 'identities');
    throw error;
  });
  const identity = await services.identities.update(row.id, input, actor);
  if (json) io.stdout.write(`${JSON.stringify({ identity }, null, 2)}\n`);
  else io.stdout.write(`Updated "${identity.name}"; File Location ${identity.fileLocation}${identity.encryptBackups ? ' (encrypted)' : ''}.\n`);
  return EXIT_OK;
}

async function list(services: Services, io: CliIo, json: boolean): Promise<number> {
  const identities = await services.identities.list();
  if (json) {
    io.stdout.write(`${JSON.stringify({ identities, redirectUri: services.identities.redirectUri }, null, 2)}\n`);
    return EXIT_OK;
  }
  if (identities.length === 0) {
    io.stdout.write('No identities yet. Add one with `orgkeeper identities add` or in the web app.\n');
    return EXIT_OK;
  }
  const rows = identities.map((i) => [
    i.name,
    i.type === 'online' ? 'Online' : 'Enterprise',
    i.authMethod === 'iwa' ? 'IWA' : 'OAuth2',
    i.url,
    statusText(i),
    i.fileLocation
  ]);
  const header = ['NAME', 'TYPE', 'AUTH', 'URL', 'STATUS', 'FILE LOCATION'];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  for (const line of [header, ...rows]) io.stdout.write(`${line.map((cell, c) => (c === line.length - 1 ? cell : cell.padEnd(widths[c] ?? 0))).join('  ')}\n`);
  io.stdout.write(`\nRedirect URI to register on OAuth2 App IDs: ${services.identities.redirectUri}\n`);
  return EXIT_OK;
}

async function add(services: Services, io: CliIo, json: boolean, actor: Actor, input: Parameters<Services['identities']['create']>[0]): Promise<number> {
  let identity = await services.identities.create(input, actor);
  let connectProblem: string | undefined;
  if (identity.authMethod === 'iwa') {
    // No browser needed: connect now, as the account running this command.
    try {
      const result = await services.identities.connect(identity.id, actor);
      if (result.kind === 'connected') identity = result.identity;
    } catch (error) {
      connectProblem = error instanceof Error ? error.message : String(error);
      identity = await services.identities.get(identity.id);
    }
  }
  if (json) {
    io.stdout.write(`${JSON.stringify({ identity, redirectUri: services.identities.redirectUri, ...(connectProblem ? { connectProblem } : {}) }, null, 2)}\n`);
    return EXIT_OK;
  }
  io.stdout.write(`Added "${identity.name}" (${identity.type === 'online' ? 'ArcGIS Online' : 'ArcGIS Enterprise'}, ${identity.url}), id ${identity.id}.\n`);
  if (identity.status.state === 'connected') {
    io.stdout.write(
      `Connected as "${identity.status.username}" (administrator)` +
        (identity.status.hasStoredPassword ? '; the credentials are stored encrypted, so scheduled work can run unattended.\n' : '.\n')
    );
  } else if (identity.authMethod === 'oauth2') {
    io.stdout.write(
      `Next: register this redirect URI on App ID ${identity.appId}: ${services.identities.redirectUri}\n` +
        'then connect the identity in the web app (Identities > Connect), or add it again with --username and --password-stdin.\n'
    );
  } else if (connectProblem) {
    io.stderr.write(`The identity was added but could not connect with IWA: ${connectProblem}\n`);
  }
  return EXIT_OK;
}

async function remove(services: Services, io: CliIo, json: boolean, actor: Actor, idOrName: string): Promise<number> {
  const row = await services.identities.findByIdOrName(idOrName);
  await services.identities.delete(row.id, actor);
  if (json) io.stdout.write(`${JSON.stringify({ removed: { id: row.id, name: row.name }, backupsKeptIn: row.file_location })}\n`);
  else io.stdout.write(`Removed "${row.name}" and revoked its tokens. Its backups in ${row.file_location} are kept.\n`);
  return EXIT_OK;
}

async function test(services: Services, io: CliIo, json: boolean, idOrName: string): Promise<number> {
  const row = await services.identities.findByIdOrName(idOrName);
  const report: TestReport = await services.identities.test(row.id);
  if (json) io.stdout.write(`${JSON.stringify({ identity: { id: row.id, name: row.name }, ...report }, null, 2)}\n`);
  else {
    io.stdout.write(`Testing "${row.name}" (${row.portal_url})\n`);
    const marks = { ok: 'ok     ', warning: 'warning', failed: 'FAILED ', skipped: 'skipped' } as const;
    for (const check of report.checks) io.stdout.write(`  ${marks[check.status]}  ${check.label}: ${check.message}\n`);
    io.stdout.write(report.ok ? 'All checks passed.\n' : 'Some checks failed; see above for what to fix.\n');
  }
  return report.ok ? EXIT_OK : EXIT_FAILURE;
}

function statusText(identity: IdentityView): string {
  const s = identity.status;
  switch (s.state) {
    case 'connected':
      return `connected as ${s.username ?? '?'}`;
    case 'needs_sign_in':
      return 'needs sign-in';
    case 'error':
      return 'error';
    default:
      return 'not connected';
  }
}

function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}


