/**
 * One normalized error for every failed ArcGIS call: keeps ArcGIS's numeric code, messageCode and raw response,
 * and says what kind of failure it is so callers decide (retry, refresh, skip the item, stop).
 */
export type ArcGISFailureKind =
  | 'auth' // 498 invalid/expired token, 499 token required
  | 'throttled' // 429 (HTTP or body)
  | 'transient' // 500/502/503/504, resets, timeouts
  | 'forbidden' // 403
  | 'not_found' // item/user/group does not exist or is inaccessible
  | 'invalid' // 400 bad request
  | 'network' // DNS, refused connection
  | 'unknown';

export class ArcGISFailure extends Error {
  readonly kind: ArcGISFailureKind;
  /** ArcGIS's numeric code (498, 400, ...) or the HTTP status. */
  readonly code: number | undefined;
  readonly messageCode: string | undefined;
  readonly details: string[];
  readonly url: string | undefined;
  /** Seconds from a Retry-After header, when ArcGIS sent one. */
  readonly retryAfterSeconds: number | undefined;
  readonly response: unknown;

  constructor(init: {
    kind: ArcGISFailureKind;
    message: string;
    code?: number;
    messageCode?: string;
    details?: string[];
    url?: string;
    retryAfterSeconds?: number;
    response?: unknown;
    cause?: unknown;
  }) {
    super(init.message, { cause: init.cause });
    this.name = 'ArcGISFailure';
    this.kind = init.kind;
    this.code = init.code;
    this.messageCode = init.messageCode;
    this.details = init.details ?? [];
    this.url = init.url;
    this.retryAfterSeconds = init.retryAfterSeconds;
    this.response = init.response;
  }

  get retryable(): boolean {
    return this.kind === 'throttled' || this.kind === 'transient' || this.kind === 'network';
  }
}

const TRANSIENT_STATUS = new Set([500, 502, 503, 504]);
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ENOTFOUND', 'EAI_AGAIN']);

interface RestJsErrorLike {
  name?: string;
  message?: string;
  originalMessage?: string;
  code?: string | number;
  response?: unknown;
  url?: string;
}

/** Turns whatever a call threw (rest-js errors, fetch errors, our own) into an ArcGISFailure. */
export function toArcGISFailure(error: unknown, url?: string): ArcGISFailure {
  if (error instanceof ArcGISFailure) return error;
  const e = (error ?? {}) as RestJsErrorLike & { cause?: { code?: string; message?: string } };
  const body = extractErrorBody(e.response);
  const retryAfter = readRetryAfter(e.response);
  const where = e.url ?? url;

  if (body) {
    const code = typeof body.code === 'number' ? body.code : Number(body.code);
    const message = String(body.message ?? e.originalMessage ?? e.message ?? 'ArcGIS returned an error');
    const details = Array.isArray(body.details) ? body.details.map(String) : [];
    return new ArcGISFailure({
      kind: kindForCode(code, body.messageCode, message, details),
      message,
      code: Number.isFinite(code) ? code : undefined,
      messageCode: typeof body.messageCode === 'string' ? body.messageCode : undefined,
      details,
      url: where,
      retryAfterSeconds: retryAfter,
      response: e.response,
      cause: error
    });
  }

  // rest-js reports non-JSON HTTP failures as code "HTTP <status>"; a failed token request keeps its own code
  // (TOKEN_REFRESH_FAILED) and carries the HTTP status in its response and message: a 502 while renewing a token is a
  // passing server error, not a refused password.
  const httpMatch = typeof e.code === 'string' ? /^HTTP (\d{3})$/.exec(e.code) : null;
  const tokenHttpStatus = e.name === 'ArcGISTokenRequestError' ? httpStatusOf(e) : undefined;
  if (httpMatch || tokenHttpStatus !== undefined) {
    const status = httpMatch ? Number(httpMatch[1]) : (tokenHttpStatus as number);
    return new ArcGISFailure({
      kind: status === 429 ? 'throttled' : TRANSIENT_STATUS.has(status) ? 'transient' : status === 403 ? 'forbidden' : status === 404 ? 'not_found' : status === 401 ? 'auth' : 'unknown',
      message: `HTTP ${status} ${e.originalMessage ?? e.message ?? ''}`.trim(),
      code: status,
      url: where,
      retryAfterSeconds: retryAfter,
      response: e.response,
      cause: error
    });
  }

  const causeCode = e.cause?.code ?? (typeof e.code === 'string' ? e.code : undefined);
  if (e.name === 'AbortError') {
    return new ArcGISFailure({ kind: 'transient', message: 'The request timed out', url: where, cause: error });
  }
  if ((causeCode && NETWORK_CODES.has(causeCode)) || (e.name === 'TypeError' && /fetch failed|terminated|socket/i.test(e.message ?? '')) || /terminated|other side closed|socket hang up/i.test(e.message ?? '')) {
    const refused = causeCode === 'ECONNREFUSED' || causeCode === 'ENOTFOUND' || causeCode === 'EAI_AGAIN';
    return new ArcGISFailure({
      kind: refused ? 'network' : 'transient',
      message: `${refused ? 'Could not connect' : 'The connection failed'}${where ? ` to ${new URL(where).origin}` : ''}: ${e.cause?.message ?? e.message ?? causeCode}`,
      url: where,
      cause: error
    });
  }
  if (e.name === 'ArcGISTokenRequestError') {
    return new ArcGISFailure({ kind: 'auth', message: e.message ?? 'Could not get a token', url: where, cause: error });
  }
  return new ArcGISFailure({ kind: 'unknown', message: e.message ?? String(error), url: where, cause: error });
}

/** The HTTP error status of a rest-js error's response (or "HTTP 502" in its message), if it has one. */
function httpStatusOf(e: RestJsErrorLike & { originalMessage?: string; message?: string }): number | undefined {
  const response = e.response as { status?: unknown } | undefined;
  if (typeof response?.status === 'number' && response.status >= 400) return response.status;
  const match = /\bHTTP (\d{3})\b/.exec(`${e.originalMessage ?? ''} ${e.message ?? ''}`);
  return match && Number(match[1]) >= 400 ? Number(match[1]) : undefined;
}

function kindForCode(code: number, messageCode: unknown, message: string, details: string[]): ArcGISFailureKind {
  if (code === 498 || code === 499) return 'auth';
  if (code === 429) return 'throttled';
  if (TRANSIENT_STATUS.has(code)) return 'transient';
  if (code === 403) return 'forbidden';
  if (code === 404) return 'not_found';
  const text = `${message} ${details.join(' ')}`;
  if (code === 400 && /does not exist|inaccessible|not found/i.test(text)) return 'not_found';
  if (messageCode === 'CONT_0001' || messageCode === 'COM_0003') return 'not_found';
  if (code === 400) return 'invalid';
  return 'unknown';
}

function extractErrorBody(response: unknown): { code?: unknown; message?: unknown; messageCode?: unknown; details?: unknown } | undefined {
  if (!response || typeof response !== 'object') return undefined;
  const r = response as { error?: unknown; code?: unknown; message?: unknown };
  if (r.error && typeof r.error === 'object') return r.error as Record<string, unknown>;
  if (typeof r.code === 'number' && r.code >= 400) return r as Record<string, unknown>;
  return undefined;
}

function readRetryAfter(response: unknown): number | undefined {
  const headers = (response as { headers?: { get?: (name: string) => string | null } } | undefined)?.headers;
  const value = typeof headers?.get === 'function' ? headers.get('retry-after') : undefined;
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, (date - Date.now()) / 1000) : undefined;
}
