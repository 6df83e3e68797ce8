import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from '../config/config.js';

export type { Logger };

/**
 * Paths pino blanks out wherever they appear in a log record. Secrets must never be logged in the
 * first place; this is the safety net for headers, bodies or objects logged by mistake.
 */
export const REDACT_PATHS = [
  'req.headers.cookie',
  'req.headers.authorization',
  'req.headers["x-csrf-token"]',
  'req.headers["x-esri-authorization"]',
  'res.headers["set-cookie"]',
  'headers.cookie',
  'headers.authorization',
  'headers["set-cookie"]',
  'headers["x-csrf-token"]',
  'body.password',
  'password',
  'newPassword',
  'token',
  'csrfToken',
  'accessToken',
  'refreshToken',
  'access_token',
  'refresh_token',
  'clientSecret',
  'client_secret',
  'secret',
  'secretKey',
  '*.password',
  '*.newPassword',
  '*.token',
  '*.csrfToken',
  '*.accessToken',
  '*.refreshToken',
  '*.access_token',
  '*.refresh_token',
  '*.clientSecret',
  '*.client_secret',
  '*.secret',
  '*.secretKey',
  '*.cookie',
  '*.authorization'
];

export interface LoggerOptions {
  level: LogLevel;
  /** Where log lines go (default: stdout). Tests pass a stream to inspect them. */
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      base: { service: 'orgkeeper' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      serializers: { err: pino.stdSerializers.err }
    },
    // Synchronous writes: an administrator's server logs little, and nothing is lost when it crashes.
    options.destination ?? pino.destination({ dest: 1, sync: true })
  );
}

const SECRET_QUERY_PARAMETERS = new Set([
  'code',
  'state',
  'token',
  'access_token',
  'refresh_token',
  'password',
  'client_secret',
  'code_verifier'
]);

/** The request URL with values of secret-bearing query parameters (OAuth `code`, tokens, ...) replaced. */
export function redactUrl(url: string): string {
  const queryStart = url.indexOf('?');
  if (queryStart < 0) return url;
  const params = new URLSearchParams(url.slice(queryStart + 1));
  let changed = false;
  for (const key of params.keys()) {
    if (SECRET_QUERY_PARAMETERS.has(key.toLowerCase())) {
      params.set(key, '[redacted]');
      changed = true;
    }
  }
  return changed ? `${url.slice(0, queryStart)}?${params.toString()}` : url;
}
