// Public entry of @orgkeeper/server: what other packages (and the demo) may import.
import './http/fastify-types.js';

export { buildApp, type BuildAppOptions } from './app.js';
export { main, USAGE, version } from './cli.js';
export {
  ConfigError,
  DEFAULT_DATA_DIR,
  DEFAULT_HOST,
  DEFAULT_PORT,
  DEFAULT_PUBLIC_URL,
  databaseFile,
  databaseTarget,
  loadConfig,
  masterKeyFile,
  normalizePublicUrl,
  parseSecretKey,
  publicOrigin,
  usesHttps,
  type Config,
  type ConfigFlags,
  type LoadConfigOptions,
  type LogLevel
} from './config/config.js';
export { ensureDataDir, DataDirError } from './data-dir.js';
export {
  connectDatabase,
  DatabaseError,
  describeDatabase,
  migrateToLatest,
  openDatabase,
  type DatabaseTarget,
  type Db
} from './db/database.js';
export type { Database, Role } from './db/schema.js';
export { AppError, HTTP_STATUS, isAppError, type AppErrorCode, type ErrorBody } from './errors/app-error.js';
export type { RegisteredRoute } from './http/fastify-types.js';
export { CONTENT_SECURITY_POLICY } from './http/security-headers.js';
export { CSRF_HEADER, requiredRole, roleAllows } from './auth/access-control.js';
export { SESSION_COOKIE, type AuthContext } from './auth/session.service.js';
export { hashPassword, verifyPassword } from './lib/password.js';
export { AuditService, type Actor, type AuditEvent, type AuditRecord } from './audit/audit.service.js';
export { createLogger, REDACT_PATHS, type Logger } from './logging/logger.js';
export { loadMasterKey, MasterKeyError, type MasterKey } from './secrets/master-key.js';
export { SecretBox, SecretBoxError } from './secrets/secret-box.js';
export { createServices, type Services, type ServiceOptions } from './services.js';
export { startServer, type RunningServer, type StartServerOptions } from './server.js';
export { systemClock, type Clock } from './lib/clock.js';
