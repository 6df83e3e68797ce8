/**
 * The one typed error of the application. Services and routes throw it with a string code;
 * only the HTTP error handler (`error-handler.ts`) turns codes into status codes.
 */
export type AppErrorCode =
  | 'bad_request'
  | 'validation_failed'
  | 'unauthorized'
  | 'invalid_credentials'
  | 'forbidden'
  | 'csrf_failed'
  /** The request names a host OrgKeeper does not answer to (DNS rebinding, or --public-url not set). */
  | 'host_not_allowed'
  | 'not_found'
  | 'not_implemented'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'throttled'
  | 'internal_error'
  | 'unavailable'
  // Identities (connecting to ArcGIS): what the portal said, so the UI can explain what to fix.
  | 'redirect_uri_not_registered'
  | 'invalid_app_id'
  | 'iwa_unavailable'
  | 'not_admin'
  | 'wrong_org'
  | 'portal_unreachable'
  | 'needs_sign_in'
  | 'arcgis_error'
  // Backups and operations.
  | 'already_running'
  | 'store_error';

export interface AppErrorOptions {
  /** Per-field messages, keyed by the field name the client sent (e.g. `password`). */
  fields?: Record<string, string>;
  /** For `throttled`: how long the client should wait before trying again. */
  retryAfterSeconds?: number;
  cause?: unknown;
}

export class AppError extends Error {
  readonly code: AppErrorCode;
  readonly fields: Record<string, string> | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(code: AppErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.fields = options.fields;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  /** A validation failure with one message per field, and a summary message. */
  static validation(fields: Record<string, string>, message?: string): AppError {
    const names = Object.keys(fields);
    const summary =
      message ?? (names.length === 1 ? fields[names[0] as string] ?? 'Invalid input.' : 'Some fields are invalid; see the messages for each field.');
    return new AppError('validation_failed', summary, { fields });
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}

/** HTTP status for each code. Kept here so routes never pick status codes themselves. */
export const HTTP_STATUS: Record<AppErrorCode, number> = {
  bad_request: 400,
  validation_failed: 400,
  unauthorized: 401,
  invalid_credentials: 401,
  forbidden: 403,
  csrf_failed: 403,
  host_not_allowed: 400,
  not_found: 404,
  not_implemented: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  throttled: 429,
  internal_error: 500,
  unavailable: 503,
  redirect_uri_not_registered: 400,
  invalid_app_id: 400,
  iwa_unavailable: 503,
  not_admin: 403,
  wrong_org: 403,
  portal_unreachable: 502,
  needs_sign_in: 409,
  arcgis_error: 502,
  already_running: 409,
  store_error: 500
};

/** The body of every error answer. */
export interface ErrorBody {
  error: {
    code: AppErrorCode;
    message: string;
    fields?: Record<string, string>;
    retryAfterSeconds?: number;
  };
}

export function errorBody(error: AppError): ErrorBody {
  const body: ErrorBody = { error: { code: error.code, message: error.message } };
  if (error.fields && Object.keys(error.fields).length > 0) body.error.fields = error.fields;
  if (error.retryAfterSeconds !== undefined) body.error.retryAfterSeconds = error.retryAfterSeconds;
  return body;
}
