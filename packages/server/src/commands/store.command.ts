/**
 * `orgkeeper store reindex`: rebuild the database's index of an identity's backups from its File Location alone. The
 * store is the truth; after losing or restoring the database, this makes every backup in the folder listable again.
 */
import { parseArgs } from 'node:util';
import { CLI_ACTOR, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError, type CliIo } from './cli-io.js';
import { databaseFlags, findIdentity, withServices } from './command-services.js';

export const STORE_USAGE = `Usage: orgkeeper store reindex --identity NAME [--json]

Rebuild the database's index of an identity's backups (snapshots and their items) from its File Location alone.
Use it after restoring or losing OrgKeeper's database, or after moving a store folder to an identity.

  --identity NAME       the identity (name or id) whose File Location is read
  --json                print one JSON object with the result instead of text
  --data-dir DIR        folder holding the database and key (default ./data)        [ORGKEEPER_DATA_DIR]
  --database-url URL    PostgreSQL database (postgres://...) instead of SQLite      [ORGKEEPER_DATABASE_URL]
  -h, --help            show this help

Exit codes: 0 indexed, 1 the store could not be read or holds unreadable snapshots (listed), 2 wrong usage.
`;

export async function storeCommand(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '-h' || sub === '--help' || sub === 'help') {
    (sub === undefined ? io.stderr : io.stdout).write(STORE_USAGE);
    return sub === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (sub !== 'reindex') throw new UsageError(`Unknown store command "${sub}"; the store command has: reindex.`, 'store');
  let values: { identity?: string; json?: boolean; 'data-dir'?: string; 'database-url'?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: rest,
      strict: true,
      allowPositionals: false,
      options: { identity: { type: 'string' }, json: { type: 'boolean' }, 'data-dir': { type: 'string' }, 'database-url': { type: 'string' }, help: { type: 'boolean', short: 'h' } }
    }));
  } catch (error) {
    throw new UsageError((error as Error).message, 'store');
  }
  if (values.help) {
    io.stdout.write(STORE_USAGE);
    return EXIT_OK;
  }
  if (!values.identity) throw new UsageError('--identity is required (the name or id of an identity; see `orgkeeper identities list`).', 'store');

  const identity = values.identity;
  return withServices(io, databaseFlags(values), async (services) => {
    const { id, name } = await findIdentity(services, identity, 'store');
    const result = await services.backups.reindex(id, CLI_ACTOR);
    if (values.json) {
      io.stdout.write(`${JSON.stringify({ identity: name, ...result }, null, 2)}\n`);
    } else {
      io.stdout.write(`Indexed ${result.snapshots} snapshot${result.snapshots === 1 ? '' : 's'} (${result.items} item entries) of "${name}" in ${(result.durationMs / 1000).toFixed(1)} s.\n`);
      for (const bad of result.unreadable) io.stdout.write(`  unreadable: ${bad.file}: ${bad.error}\n`);
      if (result.unreadable.length > 0) io.stdout.write('Unreadable snapshots are not indexed; run `orgkeeper check --identity ...` for details.\n');
    }
    return result.unreadable.length > 0 ? EXIT_FAILURE : EXIT_OK;
  });
}
