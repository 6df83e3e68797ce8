// The one way the web app talks to OrgKeeper's REST API: JSON in and out, the session cookie (same origin),
// the CSRF token on state-changing requests, and every failure turned into an ApiError.

/** The error body every OrgKeeper API error has: `{error: {code, message, fields?}}`. */
export interface ApiErrorBody {
  error: {
    code: string;
    message: string;
    fields?: Record<string, string>;
    retryAfterSeconds?: number;
  };
}

/** Codes the client itself produces when there is no usable answer from the server. */
export type ClientErrorCode = 'network_error' | 'invalid_response' | 'aborted';

export interface ApiErrorInit {
  status: number;
  code: string;
  message: string;
  fields?: Record<string, string>;
  retryAfterSeconds?: number;
  method: string;
  path: string;
  cause?: unknown;
}

/**
 * A failed API call. `status` is the HTTP status (0 when no answer arrived), `code` the server's machine-readable code
 * (or a ClientErrorCode), `message` is meant for people, and `fields` holds one message per rejected form field.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;
  readonly code: string;
  readonly fields: Readonly<Record<string, string>>;
  /** When the server throttles (429): how long to wait before trying again. */
  readonly retryAfterSeconds: number | undefined;
  readonly method: string;
  readonly path: string;

  constructor(init: ApiErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.status = init.status;
    this.code = init.code;
    this.fields = Object.freeze({ ...(init.fields ?? {}) });
    this.retryAfterSeconds = init.retryAfterSeconds;
    this.method = init.method;
    this.path = init.path;
  }

  /** The message for one form field, if the server rejected it. */
  fieldMessage(field: string): string | undefined {
    return Object.hasOwn(this.fields, field) ? this.fields[field] : undefined;
  }

  get isUnauthorized(): boolean {
    return this.status === 401;
  }
}

export function isApiError(error: unknown): error is ApiError {
  return error instanceof ApiError;
}

/** The server's message for one form field, when `error` is an API error that rejected that field. */
export function fieldError(error: unknown, field: string): string | undefined {
  return isApiError(error) ? error.fieldMessage(field) : undefined;
}

export interface RequestOptions {
  /** JSON request body. */
  body?: unknown;
  signal?: AbortSignal;
  /**
   * A 401 on this request is an expected answer (wrong password, no session yet) rather than a session that ended,
   * so it does not trigger `onUnauthorized`.
   */
  unauthorizedIsExpected?: boolean;
}

export interface ApiClientOptions {
  /** Prefix for request paths; empty in the browser (same origin), an absolute origin in tests. */
  baseUrl?: string;
  fetch?: typeof fetch;
  /** Called on any unexpected 401: the session ended (expired, signed out elsewhere, server restarted). */
  onUnauthorized?: (error: ApiError) => void;
}

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export class ApiClient {
  private readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;
  private csrfToken: string | null = null;
  onUnauthorized: ((error: ApiError) => void) | undefined;

  constructor(options: ApiClientOptions = {}) {
    this.baseUrl = options.baseUrl ?? '';
    // Bound so that calling it as a method does not lose `this` (browsers throw "Illegal invocation").
    this.fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.onUnauthorized = options.onUnauthorized;
  }

  /** The token the server handed out with the session; sent as X-CSRF-Token on every state-changing request. */
  setCsrfToken(token: string | null): void {
    this.csrfToken = token;
  }

  getCsrfToken(): string | null {
    return this.csrfToken;
  }

  get<T>(path: string, options: Omit<RequestOptions, 'body'> = {}): Promise<T> {
    return this.request<T>('GET', path, options);
  }

  post<T>(path: string, body?: unknown, options: Omit<RequestOptions, 'body'> = {}): Promise<T> {
    return this.request<T>('POST', path, { ...options, body });
  }

  put<T>(path: string, body?: unknown, options: Omit<RequestOptions, 'body'> = {}): Promise<T> {
    return this.request<T>('PUT', path, { ...options, body });
  }

  patch<T>(path: string, body?: unknown, options: Omit<RequestOptions, 'body'> = {}): Promise<T> {
    return this.request<T>('PATCH', path, { ...options, body });
  }

  delete<T = void>(path: string, options: Omit<RequestOptions, 'body'> = {}): Promise<T> {
    return this.request<T>('DELETE', path, options);
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    if (STATE_CHANGING.has(method) && this.csrfToken !== null) headers['X-CSRF-Token'] = this.csrfToken;

    let response: Response;
    try {
      response = await this.fetchImpl(this.baseUrl + path, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        credentials: 'same-origin',
        signal: options.signal
      });
    } catch (cause) {
      if (options.signal?.aborted) {
        throw new ApiError({ status: 0, code: 'aborted', message: 'The request was cancelled.', method, path, cause });
      }
      throw new ApiError({
        status: 0,
        code: 'network_error',
        message:
          'Cannot reach the OrgKeeper server. Check that it is running and that this computer can connect to it, then try again.',
        method,
        path,
        cause
      });
    }

    if (response.status === 204 || response.status === 205) return undefined as T;

    const text = await response.text();
    const parsed = parseJson(text, response.headers.get('Content-Type'));

    if (response.ok) {
      if (text.trim() === '') return undefined as T;
      if (parsed === NOT_JSON) {
        throw new ApiError({
          status: response.status,
          code: 'invalid_response',
          message: `The server sent an answer the app cannot read (${method} ${path} did not return JSON). Reload the page; if this persists, check that the server and the web app are the same version.`,
          method,
          path
        });
      }
      return parsed as T;
    }

    const error = toApiError(response, parsed, method, path);
    if (error.status === 401 && !options.unauthorizedIsExpected) this.onUnauthorized?.(error);
    throw error;
  }
}

const NOT_JSON = Symbol('not JSON');

function parseJson(text: string, contentType: string | null): unknown {
  if (text.trim() === '') return NOT_JSON;
  if (contentType !== null && !/\bjson\b/i.test(contentType)) return NOT_JSON;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return NOT_JSON;
  }
}

function isErrorBody(value: unknown): value is ApiErrorBody {
  if (typeof value !== 'object' || value === null || !('error' in value)) return false;
  const error = (value as { error: unknown }).error;
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { code?: unknown }).code === 'string' &&
    typeof (error as { message?: unknown }).message === 'string'
  );
}

function stringFields(value: unknown): Record<string, string> | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const fields: Record<string, string> = {};
  for (const [key, message] of Object.entries(value)) {
    if (typeof message === 'string') fields[key] = message;
  }
  return fields;
}

/** Seconds to wait, from the error body (`retryAfterSeconds`, at either level) or the Retry-After header. */
function retryAfter(response: Response, body: unknown): number | undefined {
  const candidates: unknown[] = [];
  if (typeof body === 'object' && body !== null) {
    const top = body as { retryAfterSeconds?: unknown; error?: { retryAfterSeconds?: unknown } };
    candidates.push(top.error?.retryAfterSeconds, top.retryAfterSeconds);
  }
  const header = response.headers.get('Retry-After');
  if (header !== null) {
    const seconds = Number(header);
    if (Number.isFinite(seconds)) candidates.push(seconds);
    else {
      const date = Date.parse(header);
      if (!Number.isNaN(date)) candidates.push(Math.max(0, Math.ceil((date - Date.now()) / 1000)));
    }
  }
  for (const candidate of candidates) {
    if (typeof candidate === 'number' && Number.isFinite(candidate) && candidate >= 0) return Math.ceil(candidate);
  }
  return undefined;
}

function toApiError(response: Response, body: unknown, method: string, path: string): ApiError {
  const retryAfterSeconds = retryAfter(response, body);
  if (isErrorBody(body)) {
    return new ApiError({
      status: response.status,
      code: body.error.code,
      message: body.error.message,
      fields: stringFields(body.error.fields),
      retryAfterSeconds,
      method,
      path
    });
  }
  // No OrgKeeper error body: a proxy, a crash or a server that is not OrgKeeper answered.
  const statusText = response.statusText ? ` ${response.statusText}` : '';
  const message =
    response.status === 401
      ? 'Your session has ended. Sign in again.'
      : response.status >= 500
        ? `The server failed with HTTP ${response.status}${statusText}. Try again in a moment; if it keeps failing, check the OrgKeeper server log.`
        : `The server refused the request with HTTP ${response.status}${statusText}.`;
  return new ApiError({
    status: response.status,
    code: response.status === 401 ? 'unauthorized' : `http_${response.status}`,
    message,
    retryAfterSeconds,
    method,
    path
  });
}
