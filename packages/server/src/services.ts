import { AuditRepository } from './audit/audit.repository.js';
import { AuditService } from './audit/audit.service.js';
import { AuthService } from './auth/auth.service.js';
import { LoginAttemptRepository } from './auth/login-attempt.repository.js';
import { LoginThrottleService, type LoginThrottleOptions } from './auth/login-throttle.service.js';
import { SessionRepository } from './auth/session.repository.js';
import { SessionService, type SessionServiceOptions } from './auth/session.service.js';
import type { Db } from './db/database.js';
import { systemClock, type Clock } from './lib/clock.js';
import type { Logger } from './logging/logger.js';
import type { SecretBox } from './secrets/secret-box.js';
import { CredentialVault } from './identities/credential-vault.js';
import { IdentityChecks } from './identities/identity-checks.js';
import { IdentityConnections } from './identities/identity-connections.js';
import { IdentitySessions } from './identities/identity-sessions.js';
import { IdentityRepository } from './identities/identity.repository.js';
import { IdentityService } from './identities/identity.service.js';
import { TokenKeeper } from './identities/token-keeper.js';
import { UserRepository } from './users/user.repository.js';
import { UserService } from './users/user.service.js';
import { BackupService } from './backup/backup.service.js';
import { SnapshotIndexRepository } from './backup/snapshot-index.repository.js';
import { OperationRepository } from './operations/operation.repository.js';
import { OperationsService } from './operations/operations.service.js';

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
    identities: IdentityRepository;
    operations: OperationRepository;
    snapshotIndex: SnapshotIndexRepository;
  };
  audit: AuditService;
  users: UserService;
  sessions: SessionService;
  throttle: LoginThrottleService;
  auth: AuthService;
  identities: IdentityService;
  identityConnections: IdentityConnections;
  /** ArcGIS sessions for identities: what backups and scans use to reach an organization. */
  identitySessions: IdentitySessions;
  tokenKeeper: TokenKeeper;
  /** Browsing backups (snapshots, items, diffs, exports) and the snapshot index. */
  backups: BackupService;
  /** Long work (backups now) as operation rows with progress, cancel and a per-item log. */
  operations: OperationsService;
}

export function createServices(options: ServiceOptions): Services {
  const clock = options.clock ?? systemClock;
  const repositories = {
    users: new UserRepository(options.db),
    sessions: new SessionRepository(options.db),
    loginAttempts: new LoginAttemptRepository(options.db),
    audit: new AuditRepository(options.db),
    identities: new IdentityRepository(options.db),
    operations: new OperationRepository(options.db),
    snapshotIndex: new SnapshotIndexRepository(options.db)
  };
  const audit = new AuditService({ repository: repositories.audit, clock, logger: options.logger });
  const users = new UserService({ users: repositories.users, audit, clock });
  const sessions = new SessionService({ sessions: repositories.sessions, clock }, options.sessions);
  const throttle = new LoginThrottleService({ attempts: repositories.loginAttempts, clock }, options.throttle);
  const auth = new AuthService({ users: repositories.users, userService: users, sessions, throttle, audit, clock });
  const vault = new CredentialVault({ repository: repositories.identities, secretBox: options.secretBox, clock });
  const identitySessions = new IdentitySessions({ repository: repositories.identities, vault, clock, logger: options.logger });
  const identityConnections = new IdentityConnections({
    repository: repositories.identities,
    vault,
    sessions: identitySessions,
    audit,
    secretBox: options.secretBox,
    clock,
    logger: options.logger,
    publicUrl: options.publicUrl ?? 'http://localhost:8500'
  });
  const identities = new IdentityService({
    repository: repositories.identities,
    vault,
    sessions: identitySessions,
    connections: identityConnections,
    checks: new IdentityChecks({ sessions: identitySessions, vault, clock }),
    audit,
    clock,
    logger: options.logger
  });
  const tokenKeeper = new TokenKeeper({ repository: repositories.identities, sessions: identitySessions, clock, logger: options.logger });
  const backups = new BackupService({ identities: repositories.identities, index: repositories.snapshotIndex, audit, clock, logger: options.logger });
  const operations = new OperationsService({
    repository: repositories.operations,
    identities: repositories.identities,
    sessions: identitySessions,
    backups,
    audit,
    clock,
    logger: options.logger
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
    identities,
    identityConnections,
    identitySessions,
    tokenKeeper,
    backups,
    operations
  };
}
