import { databaseTarget, loadConfig, type ConfigFlags } from '../config/config.js';
import { ensureDataDir } from '../data-dir.js';
import { connectDatabase, migrateToLatest, openSignals } from '../db/database.js';
import { AppError } from '../errors/app-error.js';
import type { IdentityRow } from '../identities/identity.types.js';
import { createLogger } from '../logging/logger.js';
import { loadMasterKey } from '../secrets/master-key.js';
import { SecretBox } from '../secrets/secret-box.js';
import { createServices, type Services } from '../services.js';
import type { parseArgs, ParseArgsConfig } from 'node:util';
import { EXIT_OK, isUsageRequest, parseCommandArgs, UsageError, writeUsage, type CliIo } from './cli-io.js';

/**
 * Opens the data directory (database migrated, master key loaded) and the services, runs `work`, and closes the
 * database: what every command that works without the server needs.
 */
export async function withServices<T>(
  io: CliIo,
  flags: Pick<ConfigFlags, 'dataDir' | 'databaseUrl' | 'publicUrl' | 'arcgisConcurrency'>,
  work: (services: Services) => Promise<T>
): Promise<T> {
  const config = loadConfig({ flags, env: io.env, cwd: io.cwd });
  await ensureDataDir(config.dataDir);
  const masterKey = await loadMasterKey(config);
  const target = databaseTarget(config);
  const db = await connectDatabase(target);
  // A cancel asked here, or an operation run here, reaches the other processes at once (PostgreSQL).
  const signals = openSignals(target, db);
  try {
    await migrateToLatest(db);
    const services = createServices({
      db,
      logger: createLogger({ level: 'silent' }),
      secretBox: new SecretBox(masterKey.key),
      publicUrl: config.publicUrl,
      signals,
      jobs: { staleAfterMs: config.staleAfterSeconds * 1000 },
      metricsToken: config.metricsToken,
      arcgisConcurrency: config.arcgisConcurrency
    });
    const result = await work(services);
    // Webhook deliveries an operation of this command wrote: sent now, before the process ends (a server retries failures).
    await services.webhooks.flush();
    return result;
  } finally {
    await signals.close();
    await db.destroy();
  }
}

/** The configuration flags of the options every command that opens the database has (--data-dir, --database-url). */
export function databaseFlags(values: { 'data-dir'?: string | undefined; 'database-url'?: string | undefined }): Pick<ConfigFlags, 'dataDir' | 'databaseUrl'> {
  return { dataDir: values['data-dir'], databaseUrl: values['database-url'] };
}

/** The identity named by `--identity` (name or id); a usage error when there is none. */
export async function findIdentity(services: Services, nameOrId: string, command: string): Promise<IdentityRow> {
  try {
    return await services.identities.findByIdOrName(nameOrId);
  } catch (error) {
    if (error instanceof AppError && error.code === 'not_found') throw new UsageError(error.message, command);
    throw error;
  }
}

/** One call of a `<command> <subcommand>` CLI command, as each subcommand's function gets it. */
export interface SubcommandCall<V> {
  command: string;
  sub: string;
  values: V;
  positionals: string[];
  io: CliIo;
  json: boolean;
  /** Runs `work` with the services of the database the flags name. */
  run: <T>(work: (services: Services) => Promise<T>) => Promise<T>;
}

function subcommandCall<V extends Parameters<typeof databaseFlags>[0] & { json?: boolean | undefined }>(
  command: string,
  sub: string,
  parsed: { values: V; positionals: string[] },
  io: CliIo
): SubcommandCall<V> {
  const { values, positionals } = parsed;
  return { command, sub, values, positionals, io, json: values.json === true, run: (work) => withServices(io, databaseFlags(values), work) };
}

/** A command's option declarations, as `parseArgs` takes them. */
type ParseArgsOptionsConfig = NonNullable<ParseArgsConfig['options']>;

/** The flags of a `<command> <subcommand>` command, as `parseArgs` gives them for its options. */
export type SubcommandValues<O extends ParseArgsOptionsConfig> = ReturnType<typeof parseArgs<{ options: O; allowPositionals: true }>>['values'];

/**
 * The start every `<command> <subcommand>` command shares: no subcommand or `help` prints the usage (an exit code to
 * return), so does `--help` after the subcommand; otherwise the flags after the subcommand, parsed strictly (a
 * UsageError for an unknown one), as the subcommand's call.
 */
export function startSubcommand<O extends ParseArgsOptionsConfig>(command: string, usage: string, args: string[], io: CliIo, options: O): number | SubcommandCall<SubcommandValues<O>> {
  const [sub, ...rest] = args;
  if (isUsageRequest(sub)) return writeUsage(io, usage, sub);
  const parsed = parseCommandArgs(command, { args: rest, strict: true, allowPositionals: true, options });
  const values = parsed.values as SubcommandValues<O> & Parameters<typeof databaseFlags>[0] & { json?: boolean | undefined; help?: boolean | undefined };
  if (values.help) {
    io.stdout.write(usage);
    return EXIT_OK;
  }
  return subcommandCall(command, sub, { values, positionals: parsed.positionals }, io);
}

/** The one operand (an id) a subcommand works on; a usage error saying where to find one otherwise. */
export function onlyOperand(call: SubcommandCall<unknown>, what: string): string {
  const id = call.positionals[0];
  if (!id || call.positionals.length > 1) throw new UsageError(`${call.command} ${call.sub} needs one ${what} (see \`orgkeeper ${call.command} list\`).`, call.command);
  return id;
}
