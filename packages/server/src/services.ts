import { AuditRepository } from './audit/audit.repository.js';
import { AuditService } from './audit/audit.service.js';
import { ApiTokenRepository } from './auth/api-token.repository.js';
import { ApiTokenService } from './auth/api-token.service.js';
import { ArcGISSignInRepository } from './auth/arcgis-sign-in.repository.js';
import { ArcGISSignInService } from './auth/arcgis-sign-in.service.js';
import { AuthService } from './auth/auth.service.js';
import { LoginAttemptRepository } from './auth/login-attempt.repository.js';
import { LoginThrottleService, type LoginThrottleOptions } from './auth/login-throttle.service.js';
import { SessionRepository } from './auth/session.repository.js';
import { SessionService, type SessionServiceOptions } from './auth/session.service.js';
import { LocalSignals, type DatabaseSignals, type Db } from './db/database.js';
import { systemClock, type Clock } from './lib/clock.js';
import type { Logger } from './logging/logger.js';
import type { SecretBox } from './secrets/secret-box.js';
import { CredentialVault } from './identities/credential-vault.js';
import { IdentityChecks } from './identities/identity-checks.js';
import { IdentityConnections } from './identities/identity-connections.js';
import { ArcGISSessionFactory } from './identities/arcgis-session-factory.js';
import { IdentityRepository } from './identities/identity.repository.js';
import { IdentityService } from './identities/identity.service.js';
import { TokenKeeper } from './identities/token-keeper.js';
import { UserRepository } from './users/user.repository.js';
import { UserService } from './users/user.service.js';
import { SnapshotBrowser } from './backup/snapshot-browser.service.js';
import { SnapshotIndexRepository } from './backup/snapshot-index.repository.js';
import { OperationRepository } from './operations/operation.repository.js';
import { OperationSignals } from './operations/operation-signals.js';
import { OperationsService } from './operations/operations.service.js';
import { WorkerRepository } from './operations/worker.repository.js';
import { ScheduleRepository } from './schedules/schedule.repository.js';
import { SchedulesService } from './schedules/schedules.service.js';
import { NotificationsService } from './notifications/notifications.service.js';
import { WebhooksService } from './notifications/webhooks.service.js';
import type { WebhookDeliveryPolicy } from './notifications/webhook-dispatcher.js';
import type { Resolve } from './http/outbound-target.js';
import { MetricsService } from './metrics/metrics.service.js';
import { MetricsTokenService } from './metrics/metrics-token.service.js';
import { HealthService } from './health/health.service.js';
import { CleanRepository } from './clean/clean.repository.js';
import { CleanService } from './clean/clean.service.js';
import { scanJob } from './clean/scan.job.js';
import { backupJob } from './backup/backup.job.js';
import { checkJob } from './store-maintenance/check.job.js';
import { forgetJob } from './store-maintenance/forget.job.js';
import { pruneJob } from './store-maintenance/prune.job.js';
import { JOB_KINDS } from './job-kinds.types.js';
import { FixRepository } from './clean/fixes/fix.repository.js';
import { RecycleBinService } from './recycle-bin/recycle-bin.service.js';
import { FixService } from './clean/fixes/fix.service.js';
import { fixJob, undoJob } from './clean/fixes/fix.job.js';
import { storedFindings } from './clean/fixes/stored-findings.js';
import { restoreServiceRestorer } from './clean/fixes/restore-undo.js';
import { RestoreRepository } from './restore/restore.repository.js';
import { RestoreService } from './restore/restore.service.js';
import { restoreJob } from './restore/restore.job.js';
import { ContentMapService } from './content-map/content-map.service.js';
import { IdentityStores } from './identities/identity-stores.js';

export interface ServiceOptions {
  db: Db;
  logger: Logger;
  /** Needed by services that keep secrets (identities); absent for CLI commands that keep none. */
  secretBox?: SecretBox;
  clock?: Clock;
  sessions?: SessionServiceOptions;
  throttle?: LoginThrottleOptions;
  /** OrgKeeper's public URL (OAuth redirect URIs); buildApp sets it from the configuration. */
  publicUrl?: string;
  /** Signals between the processes sharing the database (openSignals); default: within this process only. */
  signals?: DatabaseSignals;
  /** How this process runs operations: at most `maxRunning` at once; a runner silent for `staleAfterMs` is gone. */
  jobs?: { maxRunning?: number; staleAfterMs?: number };
  /** Webhook delivery timing (tests shorten it) and host name resolution (tests pass their own). */
  webhooks?: Partial<WebhookDeliveryPolicy> & { resolve?: Resolve };
  /** ORGKEEPER_METRICS_TOKEN: a token /metrics accepts besides the stored one. */
  metricsToken?: string | null;
  /** Most ArcGIS requests in flight per identity (Config.arcgisConcurrency; default DEFAULT_ARCGIS_CONCURRENCY_CEILING). */
  arcgisConcurrency?: number;
}

/** Every repository and service, wired once. Routes and commands use these; only repositories touch the database. */
export interface Services {
  clock: Clock;
  secretBox: SecretBox | undefined;
  repositories: {
    users: UserRepository;
    sessions: SessionRepository;
    loginAttempts: LoginAttemptRepository;
    audit: AuditRepository;
    apiTokens: ApiTokenRepository;
    identities: IdentityRepository;
    operations: OperationRepository;
    workers: WorkerRepository;
    snapshotIndex: SnapshotIndexRepository;
    restores: RestoreRepository;
  };
  audit: AuditService;
  users: UserService;
  sessions: SessionService;
  throttle: LoginThrottleService;
  auth: AuthService;
  /** API tokens for scripts (`Authorization: Bearer`). */
  apiTokens: ApiTokenService;
  /** Signing in to OrgKeeper with an ArcGIS account, and re-checking those sessions. */
  arcgisSignIn: ArcGISSignInService;
  identities: IdentityService;
  identityConnections: IdentityConnections;
  /** ArcGIS sessions for identities: what backups and scans use to reach an organization. */
  arcgisSessions: ArcGISSessionFactory;
  tokenKeeper: TokenKeeper;
  /** Browsing backups (snapshots, items, diffs, exports) and the snapshot index. */
  snapshots: SnapshotBrowser;
  /** The job runner: long work (backups, restores, checks, scans, fixes...) as operations with progress, cancel and a per-item log. */
  operations: OperationsService;
  /** Backups and scans started at set times (the server runs the scheduler). */
  schedules: SchedulesService;
  /** Email settings, test message, and messages when operations end. */
  notifications: NotificationsService;
  /** Webhooks (JSON signed, Slack, Teams): settings, tests, and deliveries when operations end. */
  webhooks: WebhooksService;
  /** Prometheus metrics (/metrics) and the token Prometheus sends. */
  metrics: MetricsService;
  metricsTokens: MetricsTokenService;
  /** Readiness (/readyz): the database and the job workers. */
  health: HealthService;
  /** Clean scans (run as `scan` operations), their findings, comparisons and the allowlist. */
  clean: CleanService;
  /** Fixes on scan findings (run as `fix` operations, undone as `undo` operations) with their per-finding results. */
  fixes: FixService;
  /** ArcGIS Online's recycle bin of each identity's organization: list and restore. */
  recycleBin: RecycleBinService;
  /** The organization's live content (owners, folders, items with sizes) for the Backup page's map. */
  contentMap: ContentMapService;
  /** Restores: plans (dry runs), resumable runs and their logs. */
  restores: RestoreService;
  /** Identities' backup stores: their locations (with sealed credentials) and what opens encrypted ones. */
  stores: IdentityStores;
}

export function createServices(options: ServiceOptions): Services {
  const clock = options.clock ?? systemClock;
  const signals = options.signals ?? new LocalSignals();
  const operationSignals = new OperationSignals(signals);
  const repositories = {
    users: new UserRepository(options.db),
    sessions: new SessionRepository(options.db),
    loginAttempts: new LoginAttemptRepository(options.db),
    audit: new AuditRepository(options.db),
    apiTokens: new ApiTokenRepository(options.db),
    identities: new IdentityRepository(options.db),
    operations: new OperationRepository(options.db, operationSignals),
    workers: new WorkerRepository(options.db),
    snapshotIndex: new SnapshotIndexRepository(options.db),
    restores: new RestoreRepository(options.db)
  };
  const audit = new AuditService({ repository: repositories.audit, clock, logger: options.logger });
  const users = new UserService({ users: repositories.users, audit, clock });
  const sessions = new SessionService({ sessions: repositories.sessions, clock }, options.sessions);
  const throttle = new LoginThrottleService({ attempts: repositories.loginAttempts, clock }, options.throttle);
  const auth = new AuthService({ users: repositories.users, userService: users, sessions, throttle, audit, clock });
  const apiTokens = new ApiTokenService({ repository: repositories.apiTokens, audit, clock });
  const vault = new CredentialVault({ repository: repositories.identities, secretBox: options.secretBox, clock });
  const stores = new IdentityStores({ secretBox: options.secretBox, repository: repositories.identities });
  const metrics = new MetricsService({ db: options.db, clock });
  const arcgisSessions = new ArcGISSessionFactory({
    repository: repositories.identities,
    vault,
    clock,
    logger: options.logger,
    statsFor: (identity) => metrics.sessionStats(identity),
    ...(options.arcgisConcurrency ? { arcgisConcurrency: options.arcgisConcurrency } : {})
  });
  const identityConnections = new IdentityConnections({
    repository: repositories.identities,
    vault,
    arcgisSessions,
    audit,
    secretBox: options.secretBox,
    clock,
    logger: options.logger,
    publicUrl: options.publicUrl ?? 'http://localhost:8500'
  });
  const identities = new IdentityService({
    repository: repositories.identities,
    vault,
    arcgisSessions,
    connections: identityConnections,
    checks: new IdentityChecks({ arcgisSessions, vault, clock, stores }),
    audit,
    clock,
    logger: options.logger,
    stores
  });
  const arcgisSignIn = new ArcGISSignInService({
    repository: new ArcGISSignInRepository(options.db),
    identities: repositories.identities,
    arcgisSessions,
    users: repositories.users,
    sessions,
    audit,
    secretBox: options.secretBox,
    clock,
    logger: options.logger,
    publicUrl: options.publicUrl ?? 'http://localhost:8500'
  });
  sessions.setChecker(arcgisSignIn);
  const tokenKeeper = new TokenKeeper({ repository: repositories.identities, arcgisSessions, clock, logger: options.logger });
  const snapshots = new SnapshotBrowser({ identities: repositories.identities, stores, index: repositories.snapshotIndex, audit, clock, logger: options.logger });
  const operations = new OperationsService({
    repository: repositories.operations,
    workers: repositories.workers,
    signals: operationSignals,
    identities: repositories.identities,
    audit,
    clock,
    logger: options.logger,
    ...(options.jobs?.maxRunning !== undefined ? { maxRunning: options.jobs.maxRunning } : {}),
    ...(options.jobs?.staleAfterMs !== undefined ? { staleAfterMs: options.jobs.staleAfterMs } : {})
  });
  const clean = new CleanService({
    repository: new CleanRepository(options.db),
    identities: repositories.identities,
    arcgisSessions,
    audit,
    clock,
    logger: options.logger,
    operations
  });
  const fixRepository = new FixRepository(options.db);
  const fixes = new FixService({
    repository: fixRepository,
    identities: repositories.identities,
    arcgisSessions,
    operations,
    audit,
    clock,
    logger: options.logger,
    findings: storedFindings(new CleanRepository(options.db))
  });
  const recycleBin = new RecycleBinService({ sessions: arcgisSessions, snapshots, index: repositories.snapshotIndex, fixes: fixRepository, audit, clock });
  const contentMap = new ContentMapService({ identities: repositories.identities, arcgisSessions, clock, logger: options.logger });
  const restores = new RestoreService({ identities: repositories.identities, stores, arcgisSessions, repository: repositories.restores, clock, logger: options.logger });
  // Every job kind's handler, registered where the whole app is wired; a kind without one stops start-up here.
  operations.register(backupJob({ identities: repositories.identities, arcgisSessions, snapshots, logger: options.logger }));
  operations.register(checkJob({ identities: repositories.identities, stores }));
  operations.register(forgetJob({ identities: repositories.identities, snapshots, stores }));
  operations.register(pruneJob({ identities: repositories.identities, stores }));
  operations.register(restoreJob(restores));
  operations.register(scanJob({ clean, identities: repositories.identities }));
  operations.register(fixJob(fixes));
  operations.register(undoJob(fixes));
  operations.verifyHandlers(JOB_KINDS);
  // Undo of a fix recreates deleted items with the restore engine.
  fixes.setRestorer((identity) => restoreServiceRestorer(restores, identity.id));
  const schedules = new SchedulesService({
    repository: new ScheduleRepository(options.db),
    identities: repositories.identities,
    operations,
    signals,
    audit,
    clock,
    logger: options.logger
  });
  const notifications = new NotificationsService({
    db: options.db,
    secretBox: options.secretBox,
    identities: repositories.identities,
    audit,
    clock,
    logger: options.logger,
    ...(options.publicUrl ? { publicUrl: options.publicUrl } : {})
  });
  const { resolve: webhookResolve, ...webhookPolicy } = options.webhooks ?? {};
  const webhooks = new WebhooksService({
    db: options.db,
    secretBox: options.secretBox,
    identities: repositories.identities,
    audit,
    clock,
    logger: options.logger,
    policy: webhookPolicy,
    ...(webhookResolve ? { resolve: webhookResolve } : {}),
    ...(options.publicUrl ? { publicUrl: options.publicUrl } : {})
  });
  // Metrics and webhooks first: they only count and write delivery rows, while email talks to the SMTP server.
  operations.onFinished(async (operation) => metrics.operationFinished(operation));
  operations.onFinished((operation) => webhooks.operationFinished(operation));
  operations.onFinished((operation) => notifications.operationFinished(operation));
  // notify-owners sends through the saved SMTP settings.
  fixes.setMailer({
    ready: () => notifications.emailUnavailable(),
    send: async (message) => {
      await notifications.sendMessage({ to: [message.to], subject: message.subject, text: message.text });
    }
  });
  return {
    clock,
    secretBox: options.secretBox,
    repositories,
    audit,
    users,
    sessions,
    throttle,
    auth,
    apiTokens,
    arcgisSignIn,
    identities,
    identityConnections,
    arcgisSessions,
    tokenKeeper,
    snapshots,
    operations,
    clean,
    fixes,
    recycleBin,
    contentMap,
    restores,
    schedules,
    notifications,
    stores,
    webhooks,
    metrics,
    metricsTokens: new MetricsTokenService({ db: options.db, audit, clock, environmentToken: options.metricsToken ?? null }),
    health: new HealthService({ db: options.db, operations })
  };
}
