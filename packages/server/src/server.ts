import type { FastifyInstance } from 'fastify';
import type { DestinationStream } from 'pino';
import { buildApp } from './app.js';
import type { LoginThrottleOptions } from './auth/login-throttle.service.js';
import type { SessionServiceOptions } from './auth/session.service.js';
import { databaseTarget, type Config } from './config/config.js';
import { ensureDataDir } from './data-dir.js';
import { connectDatabase, describeDatabase, migrateToLatest, openSignals, type Db } from './db/database.js';
import type { Clock } from './lib/clock.js';
import { createLogger, type Logger } from './logging/logger.js';
import { loadMasterKey } from './secrets/master-key.js';
import { SecretBox } from './secrets/secret-box.js';
import { createServices, type ServiceOptions, type Services } from './services.js';

export interface StartServerOptions {
  /** Where log lines go (default: stdout). */
  logDestination?: DestinationStream;
  clock?: Clock;
  sessions?: SessionServiceOptions;
  throttle?: LoginThrottleOptions;
  /** Tests: fail answers whose response schema changed them (see BuildAppOptions). */
  checkResponses?: boolean;
  /** Webhook delivery timing and host name resolution (tests). */
  webhooks?: ServiceOptions['webhooks'];
}

export interface RunningServer {
  app: FastifyInstance;
  db: Db;
  services: Services;
  logger: Logger;
  config: Config;
  /** Where the server listens, e.g. `http://127.0.0.1:8500` (the actual port when 0 was asked). */
  url: string;
  /** Stops accepting requests, waits for those in flight, then closes the database. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Prepares the data directory, key and database, then listens. Everything opened is closed again if a step fails.
 * The data directory holds the master key (unless ORGKEEPER_SECRET_KEY gives it) and, without a database URL, the
 * SQLite database.
 */
export async function startServer(config: Config, options: StartServerOptions = {}): Promise<RunningServer> {
  const logger = createLogger({ level: config.logLevel, ...(options.logDestination ? { destination: options.logDestination } : {}) });
  await ensureDataDir(config.dataDir);
  const masterKey = await loadMasterKey(config);
  if (masterKey.created) logger.info({ file: masterKey.file }, 'generated a new master key; back it up with the data directory');

  const target = databaseTarget(config);
  const db = await connectDatabase(target, { onIdleError: (error) => logger.warn({ err: error }, 'an idle database connection failed; it will be replaced') });
  logger.info({ database: describeDatabase(target) }, 'database opened');
  const signals = openSignals(target, db, { onError: (error) => logger.warn({ err: error }, 'signals between OrgKeeper processes failed; falling back to polling until they are back') });
  let app: FastifyInstance | undefined;
  let services: Services;
  try {
    const applied = await migrateToLatest(db);
    for (const migration of applied) logger.info({ migration: migration.migrationName }, 'database migrated');
    const secretBox = new SecretBox(masterKey.key);
    services = createServices({
      db,
      logger,
      secretBox,
      signals,
      jobs: { maxRunning: config.maxRunning, staleAfterMs: config.staleAfterSeconds * 1000 },
      arcgisConcurrency: config.arcgisConcurrency,
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.sessions ? { sessions: options.sessions } : {}),
      ...(options.throttle ? { throttle: options.throttle } : {}),
      ...(options.webhooks ? { webhooks: options.webhooks } : {}),
      metricsToken: config.metricsToken
    });
    app = await buildApp({ config, db, logger, secretBox, services, ...(options.checkResponses ? { checkResponses: true } : {}) });
    await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    await app?.close().catch(() => undefined);
    await signals.close().catch(() => undefined);
    await db.destroy().catch(() => undefined);
    throw error;
  }

  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}`;
  logger.info({ listen: url, publicUrl: config.publicUrl }, 'OrgKeeper is listening');

  let closing: Promise<void> | undefined;
  const running: RunningServer = {
    app,
    db,
    services,
    logger,
    config,
    url,
    close: () => {
      const started = app;
      closing ??= (async () => {
        try {
          await started.close();
        } finally {
          await signals.close().catch(() => undefined);
          await db.destroy();
          logger.info('OrgKeeper stopped');
          logger.flush();
        }
      })();
      return closing;
    }
  };
  return running;
}
