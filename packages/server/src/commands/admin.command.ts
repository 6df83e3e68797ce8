import { userInfo } from 'node:os';
import { databaseTarget, loadConfig } from '../config/config.js';
import { ensureDataDir } from '../data-dir.js';
import { connectDatabase, describeDatabase, migrateToLatest } from '../db/database.js';
import type { Role } from '../db/schema.js';
import { createLogger } from '../logging/logger.js';
import { createServices } from '../services.js';
import { ROLES } from '../users/user.service.js';
import { EXIT_OK, readPasswordFromStdin, UsageError, parseCommandArgs, type CliIo } from './cli-io.js';
import { databaseFlags } from './command-services.js';

export const ADMIN_USAGE = `Usage: orgkeeper admin create --username NAME --password-stdin [options]

Create an OrgKeeper account (for the first administrator on a headless server, or more accounts later).
The password is read from standard input, never from the command line, e.g.
  printf '%s' "$PASSWORD" | orgkeeper admin create --username alice --password-stdin

Options:
  --username NAME      3 to 64 characters: letters, digits, and . _ - @
  --password-stdin     Read the password (at least 12 characters) from standard input
  --role ROLE          admin, operator or viewer (default admin)
  --data-dir DIR       Folder holding the database (default ./data)   [ORGKEEPER_DATA_DIR]
  --database-url URL   PostgreSQL database (postgres://...) instead of SQLite [ORGKEEPER_DATABASE_URL]
  -h, --help           Show this help
`;

export async function adminCommand(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    io.stdout.write(ADMIN_USAGE);
    return sub === undefined ? 2 : EXIT_OK;
  }
  if (sub !== 'create') throw new UsageError(`Unknown admin command "${sub}". The admin command has: create.`, 'admin');
  return adminCreate(rest, io);
}

async function adminCreate(args: string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs('admin', {
    args,
    strict: true,
    allowPositionals: false,
    options: {
      username: { type: 'string' },
      'password-stdin': { type: 'boolean' },
      role: { type: 'string' },
      'data-dir': { type: 'string' },
      'database-url': { type: 'string' },
      help: { type: 'boolean', short: 'h' }
    }
  });
  if (values.help) {
    io.stdout.write(ADMIN_USAGE);
    return EXIT_OK;
  }
  if (!values.username) throw new UsageError('--username is required.', 'admin');
  if (!values['password-stdin']) {
    throw new UsageError('--password-stdin is required: pipe the password in (it is never accepted as an argument).', 'admin');
  }
  const role = (values.role ?? 'admin') as Role;
  if (!ROLES.includes(role)) throw new UsageError(`--role "${values.role}" is not a role; use one of: ${ROLES.join(', ')}.`, 'admin');

  const config = loadConfig({ flags: databaseFlags(values), env: io.env, cwd: io.cwd });
  const password = await readPasswordFromStdin(io, { prompt: 'Password: ', command: 'admin' });

  await ensureDataDir(config.dataDir);
  const logger = createLogger({ level: 'silent' });
  const db = await connectDatabase(databaseTarget(config));
  try {
    await migrateToLatest(db);
    const services = createServices({ db, logger });
    const user = await services.users.create(
      { username: values.username, password, role },
      { kind: 'system', name: `cli:${osUser()}` }
    );
    io.stdout.write(`Created ${role === 'admin' ? 'administrator' : role} account "${user.username}" in the ${describeDatabase(databaseTarget(config))}.\n`);
    return EXIT_OK;
  } finally {
    await db.destroy();
  }
}

function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

