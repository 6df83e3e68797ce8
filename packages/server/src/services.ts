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
import { UserRepository } from './users/user.repository.js';
import { UserService } from './users/user.service.js';

export interface ServiceOptions {
  db: Db;
  logger: Logger;
  /** Needed by services that keep secrets (identities); absent for CLI commands that keep none. */
  secretBox?: SecretBox;
  clock?: Clock;
  sessions?: SessionServiceOptions;
  throttle?: LoginThrottleOptions;
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
  };
  audit: AuditService;
  users: UserService;
  sessions: SessionService;
  throttle: LoginThrottleService;
  auth: AuthService;
}

export function createServices(options: ServiceOptions): Services {
  const clock = options.clock ?? systemClock;
  const repositories = {
    users: new UserRepository(options.db),
    sessions: new SessionRepository(options.db),
    loginAttempts: new LoginAttemptRepository(options.db),
    audit: new AuditRepository(options.db)
  };
  const audit = new AuditService({ repository: repositories.audit, clock, logger: options.logger });
  const users = new UserService({ users: repositories.users, audit, clock });
  const sessions = new SessionService({ sessions: repositories.sessions, clock }, options.sessions);
  const throttle = new LoginThrottleService({ attempts: repositories.loginAttempts, clock }, options.throttle);
  const auth = new AuthService({ users: repositories.users, userService: users, sessions, throttle, audit, clock });
  return { clock, secretBox: options.secretBox, repositories, audit, users, sessions, throttle, auth };
}
