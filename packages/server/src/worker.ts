import type { DestinationStream } from 'pino';
import { databaseTarget, type Config } from './config/config.js';
import { ensureDataDir } from './data-dir.js';
import { connectDatabase, describeDatabase, migrateToLatest, openSignals, type Db } from './db/database.js';
import type { Clock } from './lib/clock.js';
import { createLogger, type Logger } from './logging/logger.js';
import { loadMasterKey } from './secrets/master-key.js';
import { SecretBox } from './secrets/secret-box.js';
import { createServices, type Services } from './services.js';

export interface RunningWorker {
  db: Db;
  services: Services;
  logger: Logger;
  config: Config;
  /** This process in the workers list. */
  id: string;
  /** Stops taking operations, stops the running ones (interrupted) and closes the database. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * `orgkeeper worker`: a process that runs queued operations and fires schedules, without the web server. It opens
 * what a server opens (data directory for the master key, database, migrations) and then only works: any number of
 * workers and servers share the queue through the database (several machines need PostgreSQL).
 */
export async function startWorkerProcess(config: Config, options: { logDestination?: DestinationStream; clock?: Clock } = {}): Promise<RunningWorker> {
  const logger = createLogger({ level: config.logLevel, ...(options.logDestination ? { destination: options.logDestination } : {}) });
  await ensureDataDir(config.dataDir);
  const masterKey = await loadMasterKey(config);
  if (masterKey.created) logger.info({ file: masterKey.file }, 'generated a new master key; every server and worker on this database needs the same key');
  const target = databaseTarget(config);
  const db = await connectDatabase(target, { onIdleError: (error) => logger.warn({ err: error }, 'an idle database connection failed; it will be replaced') });
  const signals = openSignals(target, db, { onError: (error) => logger.warn({ err: error }, 'signals between OrgKeeper processes failed; falling back to polling until they are back') });
  let services: Services;
  try {
    for (const migration of await migrateToLatest(db)) logger.info({ migration: migration.migrationName }, 'database migrated');
    services = createServices({
      db,
      logger,
      secretBox: new SecretBox(masterKey.key),
      signals,
      jobs: { maxRunning: config.maxRunning, staleAfterMs: config.staleAfterSeconds * 1000 },
      publicUrl: config.publicUrl,
      ...(options.clock ? { clock: options.clock } : {})
    });
    services.notifications.setPublicUrl(config.publicUrl);
    await services.operations.startWorker('worker');
    await services.schedules.start();
  } catch (error) {
    await signals.close().catch(() => undefined);
    await db.destroy().catch(() => undefined);
    throw error;
  }
  const started = services;
  // The work runs on unref'd timers and, on SQLite, no socket is open: this keeps the process alive until close().
  const keepAlive = setInterval(() => undefined, 3600_000);
  logger.info({ worker: started.operations.workerId, database: describeDatabase(target), maxRunning: config.maxRunning }, 'OrgKeeper worker is running');

  let closing: Promise<void> | undefined;
  return {
    db,
    services: started,
    logger,
    config,
    id: started.operations.workerId,
    close: () =>
      (closing ??= (async () => {
        clearInterval(keepAlive);
        try {
          started.schedules.stop();
          await started.operations.shutdown();
        } finally {
          await signals.close().catch(() => undefined);
          await db.destroy();
          logger.info('OrgKeeper worker stopped');
          logger.flush();
        }
      })())
  };
}
