import { databaseFile, loadConfig } from '../config/config.js';
import { ensureDataDir } from '../data-dir.js';
import { migrateToLatest, openDatabase } from '../db/database.js';
import { AppError } from '../errors/app-error.js';
import type { IdentityRow } from '../identities/identity.types.js';
import { createLogger } from '../logging/logger.js';
import { loadMasterKey } from '../secrets/master-key.js';
import { SecretBox } from '../secrets/secret-box.js';
import { createServices, type Services } from '../services.js';
import { UsageError, type CliIo } from './cli-io.js';

/**
 * Opens the data directory (database migrated, master key loaded) and the services, runs `work`, and closes the
 * database: what every command that works without the server needs.
 */
export async function withServices<T>(io: CliIo, flags: { dataDir?: string; publicUrl?: string }, work: (services: Services) => Promise<T>): Promise<T> {
  const config = loadConfig({ flags, env: io.env, cwd: io.cwd });
  await ensureDataDir(config.dataDir);
  const masterKey = await loadMasterKey(config);
  const db = openDatabase(databaseFile(config));
  try {
    await migrateToLatest(db);
    const services = createServices({ db, logger: createLogger({ level: 'silent' }), secretBox: new SecretBox(masterKey.key), publicUrl: config.publicUrl });
    return await work(services);
  } finally {
    await db.destroy();
  }
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
