import { type IRequestOptions, request } from '@esri/arcgis-rest-request';
import { ArcGISFailure, toArcGISFailure } from './arcgis-errors.js';
import { currentFetchContext, type FetchContext, withFetchContext } from './arcgis-fetch.js';
import { IwaUnavailableError } from './iwa-client.js';
import { AdaptiveLimiter, DEFAULT_ARCGIS_CONCURRENCY_CEILING } from './adaptive-limiter.js';
import { loadOrgOrigins, type OrgOrigins, urlOrigin } from './org-origins.js';
import { boundToOrigins, ForeignOriginError } from './origin-guard.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy, retryDelayMs, shouldRetry, sleep } from './retry.js';
import { CredentialsExpiredError, type TokenSource } from './token-source.js';

/** How many times one call may renew the token after ArcGIS answered 498/499. */
const MAX_REFRESHES_PER_CALL = 3;

export interface SessionStats {
  requests: number;
  retries: number;
  throttled: number;
  tokenRefreshes: number;
}

/** The organization's origins, loaded once and shared by a session and every session derived from it. */
interface OriginsCache {
  pending?: Promise<OrgOrigins>;
}

export interface ArcGISSessionOptions {
  portalUrl: string;
  restUrl: string;
  /** null: anonymous (only public content). */
  auth: TokenSource | null;
  /** Extra per-request headers (IWA Negotiate). */
  headersFor?: (url: string) => Promise<Record<string, string>>;
  /**
   * Most requests in flight at once (the ceiling of the adaptive limiter, default DEFAULT_ARCGIS_CONCURRENCY_CEILING);
   * ignored when a limiter is given (an identity's limiter is shared by its sessions).
   */
  concurrency?: number;
  /** Requests in flight at the start (default 8, or the ceiling when lower). */
  initialConcurrency?: number;
  /** The identity's shared limiter (ArcGISSessionFactory keeps one per identity). */
  limiter?: AdaptiveLimiter;
  retry?: RetryPolicy;
  /** Time limit for one HTTP request (default 2 minutes). */
  timeoutMs?: number;
  signal?: AbortSignal;
  /**
   * Requests that other work waits on (a backup's group content lists, which give every item its sharing): they go
   * before the first attempts queued in the limiter, so a flood of feature pages and attachments cannot hold them up.
   */
  urgent?: boolean;
  /** The organization's origins when already known (otherwise asked of the portal on first need). */
  origins?: OrgOrigins;
  /** Called before each retry (for logs and progress). */
  onRetry?: (info: { failure: ArcGISFailure; attempt: number; delayMs: number; label: string }) => void;
}

/**
 * One identity's connection to ArcGIS. Every call goes through `call()`: bounded concurrency (halved when
 * throttled), retries with backoff and jitter for throttling, 5xx, resets and timeouts (honouring Retry-After),
 * a token refresh and one retry on 498/499, and errors normalized to ArcGISFailure.
 * Esri's rest-js functions are called with `session.requestOptions` spread into their options.
 *
 * The session talks to its organization only: the portal and the servers the portal lists (`orgOrigins()`). Its token
 * source gives no token for any other URL, and every request of a call to another origin is refused before it is
 * sent (ForeignOriginError), whatever the URL looks like.
 */
export class ArcGISSession {
  readonly portalUrl: string;
  readonly restUrl: string;
  /** The identity's token source, bound to the organization's origins (no token for any other URL). */
  readonly auth: TokenSource | null;
  /** Counts of this session and of every session derived from it (`withSignal`): a run's figures show on its parent. */
  readonly stats: SessionStats;
  private readonly limiter: AdaptiveLimiter;
  private readonly retry: RetryPolicy;
  private readonly timeoutMs: number;

  /** What rest-js gets as `authentication`: the bound token source, with token failures recorded for `call()`. */
  private readonly authForRestJs: TokenSource | null;
  private readonly portalOrigin: string | undefined;
  private readonly allowsUrl = (url: string): Promise<boolean> => this.isOrgUrl(url);

  constructor(
    private readonly options: ArcGISSessionOptions,
    limiter?: AdaptiveLimiter,
    stats?: SessionStats,
    private readonly originsCache: OriginsCache = options.origins ? { pending: Promise.resolve(options.origins) } : {}
  ) {
    this.stats = stats ?? { requests: 0, retries: 0, throttled: 0, tokenRefreshes: 0 };
    this.portalUrl = options.portalUrl;
    this.restUrl = options.restUrl;
    this.portalOrigin = urlOrigin(options.portalUrl);
    this.auth = options.auth ? boundToOrigins(options.auth, this.allowsUrl) : null;
    this.authForRestJs = this.auth ? recordingTokenFailures(this.auth) : null;
    this.limiter =
      limiter ??
      options.limiter ??
      new AdaptiveLimiter({ ceiling: options.concurrency ?? DEFAULT_ARCGIS_CONCURRENCY_CEILING, ...(options.initialConcurrency ? { initial: options.initialConcurrency } : {}) });
    this.retry = options.retry ?? DEFAULT_RETRY_POLICY;
    this.timeoutMs = options.timeoutMs ?? 120_000;
  }

  /** A session sharing this one's limiter, credentials and organization origins but with its own cancellation signal. */
  withSignal(signal: AbortSignal): ArcGISSession {
    return new ArcGISSession({ ...this.options, signal }, this.limiter, this.stats, this.originsCache);
  }

  /** A session sharing everything with this one whose requests go before the first attempts waiting (`urgent`). */
  urgent(): ArcGISSession {
    return new ArcGISSession({ ...this.options, urgent: true }, this.limiter, this.stats, this.originsCache);
  }

  /**
   * The organization's origins and servers (org-origins.ts), asked of the portal once per session (and the sessions
   * derived from it); a failed load is asked again by the next caller.
   */
  orgOrigins(): Promise<OrgOrigins> {
    this.originsCache.pending ??= loadOrgOrigins({
      portalUrl: this.portalUrl,
      restUrl: this.restUrl,
      request: (url, params) => this.request(url, params)
    }).catch((error: unknown) => {
      this.originsCache.pending = undefined;
      throw error;
    });
    return this.originsCache.pending;
  }

  /**
   * Whether the URL is on one of the organization's origins. The portal's own origin is known without asking (which is
   * also what lets the origins be loaded: those requests go to the portal).
   */
  async isOrgUrl(url: string): Promise<boolean> {
    const origin = urlOrigin(url);
    if (origin === undefined) return false;
    if (origin === this.portalOrigin) return true;
    return (await this.orgOrigins()).allows(url);
  }

  /** Requests allowed in flight now (moves with the adaptive limiter). */
  get concurrency(): number {
    return this.limiter.current;
  }

  /** The most requests this session may ever have in flight. */
  get concurrencyCeiling(): number {
    return this.limiter.ceiling;
  }

  /** The most times one request of the identity was refused for throttling in a row (1: each passed when retried). */
  get mostThrottledInARow(): number {
    return this.limiter.mostRefusedInARow;
  }

  /** The adaptive limiter's decisions so far (for benchmarks and logs). */
  get limiterCounts(): { increases: number; throttleDecreases: number; latencyDecreases: number; clientBoundRounds: number } {
    return { ...this.limiter.controller.counts };
  }

  /** Options to spread into any rest-js call: `{ ...session.requestOptions, ... }`. */
  get requestOptions(): { authentication?: TokenSource; portal: string } {
    return this.authForRestJs ? { authentication: this.authForRestJs, portal: this.restUrl } : { portal: this.restUrl };
  }

  /**
   * Runs one ArcGIS call (a rest-js function or `request`) with limits, retries and token refresh.
   * `fn` must be safe to run again (reads, or writes ArcGIS treats idempotently).
   */
  async call<T>(label: string, fn: () => Promise<T>): Promise<T> {
    // Throttling and errors have separate budgets: a long throttled stretch must not use up the error retries.
    const attempts = { throttled: 0, other: 0 };
    // Token refreshes this call may still ask for: a token can expire again while the call waits out throttling or
    // backoff, so one refresh is not always enough; a fresh token refused three times over is a real refusal.
    let refreshesLeft = MAX_REFRESHES_PER_CALL;
    for (;;) {
      this.options.signal?.throwIfAborted();
      const context: FetchContext = {
        headersFor: this.options.headersFor,
        allowsUrl: this.allowsUrl,
        signal: this.options.signal,
        timeoutMs: this.timeoutMs,
        observed: {}
      };
      try {
        this.stats.requests++;
        const ticket = await this.limiter.acquire({ retry: attempts.throttled + attempts.other > 0, urgent: this.options.urgent === true, signal: this.options.signal });
        let result: T;
        try {
          result = await withFetchContext(context, fn);
          // rest-js answered anonymously after the token failed: that answer is not what the caller asked for.
          if (context.tokenError !== undefined) throw context.tokenError;
        } catch (error) {
          this.limiter.release(ticket, limiterOutcome(error, context));
          throw error;
        }
        this.limiter.release(ticket, { kind: 'ok' });
        return result;
      } catch (error) {
        if (this.options.signal?.aborted) throw this.options.signal.reason ?? error;
        // No retry helps here: someone must sign in again or provide a Kerberos ticket; a foreign origin stays foreign.
        if (error instanceof CredentialsExpiredError || error instanceof IwaUnavailableError || error instanceof ForeignOriginError) throw error;
        let failure = toArcGISFailure(error);
        if (failure.retryAfterSeconds === undefined && context.observed.retryAfterSeconds !== undefined) {
          failure = new ArcGISFailure({
            kind: failure.kind,
            message: failure.message,
            code: failure.code,
            messageCode: failure.messageCode,
            details: failure.details,
            url: failure.url,
            retryAfterSeconds: context.observed.retryAfterSeconds,
            response: failure.response,
            cause: error
          });
        }
        if (failure.kind === 'auth' && this.auth && refreshesLeft > 0) {
          refreshesLeft--;
          this.stats.tokenRefreshes++;
          try {
            await this.auth.refresh();
            continue;
          } catch (refreshError) {
            if (refreshError instanceof CredentialsExpiredError || refreshError instanceof IwaUnavailableError || refreshError instanceof ForeignOriginError) throw refreshError;
            // The token endpoint itself failed (a 5xx, a reset, throttling): back off like any request and refresh
            // again on the next 498 rather than failing the caller's call.
            const refreshFailure = toArcGISFailure(refreshError);
            if (!refreshFailure.retryable) throw refreshFailure;
            refreshesLeft++;
            failure = refreshFailure;
          }
        }
        if (failure.kind === 'throttled') this.stats.throttled++;
        const attempt = failure.kind === 'throttled' ? ++attempts.throttled : ++attempts.other;
        if (failure.kind === 'throttled') this.limiter.noteRefusedInARow(attempts.throttled);
        if (!shouldRetry(this.retry, attempt, failure)) throw failure;
        const delayMs = retryDelayMs(this.retry, attempt, failure);
        this.stats.retries++;
        this.options.onRetry?.({ failure, attempt, delayMs, label });
        await sleep(delayMs, this.options.signal);
      }
    }
  }

  /** A typed call of any ArcGIS REST endpoint through rest-js's `request()`. */
  request<T>(url: string, params: Record<string, unknown> = {}, options: Omit<IRequestOptions, 'params'> = {}): Promise<T> {
    return this.call(url, () =>
      request(url, { httpMethod: 'GET', ...this.requestOptions, ...options, params: { f: 'json', ...params } }) as Promise<T>
    );
  }

  /** Downloads bytes (item data files, resources, thumbnails, attachments); `null` when ArcGIS has none (empty body). */
  async download(url: string, params: Record<string, string> = {}): Promise<{ bytes: Buffer; contentType: string } | null> {
    return this.call(url, async () => {
      // The bound token source: no token for a URL off the organization's origins (and the fetch below refuses it).
      const token = this.auth ? await this.auth.getToken(url) : '';
      const target = new URL(url);
      for (const [k, v] of Object.entries(params)) target.searchParams.set(k, v);
      if (token) target.searchParams.set('token', token);
      const response = await fetch(target);
      const contentType = response.headers.get('content-type') ?? 'application/octet-stream';
      const bytes = Buffer.from(await response.arrayBuffer());
      if (!response.ok) {
        throw toArcGISFailure({ code: `HTTP ${response.status}`, message: response.statusText, response, url });
      }
      // ArcGIS answers errors on file endpoints with a JSON error body and HTTP 200.
      if (contentType.includes('json') && bytes.length < 4096) {
        try {
          const parsed = JSON.parse(bytes.toString('utf8')) as { error?: unknown };
          if (parsed && typeof parsed === 'object' && 'error' in parsed) throw toArcGISFailure({ response: parsed, url });
        } catch (error) {
          if (error instanceof ArcGISFailure) throw error;
        }
      }
      if (bytes.length === 0) return null;
      return { bytes, contentType };
    });
  }
}

/**
 * What a failed request tells the limiter: throttling (429 in the status or the body, or a 503 that says when to come
 * back, as RFC 9110 has overloaded servers do), with how long to wait; anything else is an error.
 */
function limiterOutcome(error: unknown, context: FetchContext): { kind: 'throttled'; retryAfterMs?: number } | { kind: 'error' } {
  if (error instanceof CredentialsExpiredError || error instanceof IwaUnavailableError || error instanceof ForeignOriginError) return { kind: 'error' };
  const failure = toArcGISFailure(error);
  const retryAfterSeconds = failure.retryAfterSeconds ?? context.observed.retryAfterSeconds;
  const overloaded = failure.kind === 'transient' && context.observed.status === 503 && retryAfterSeconds !== undefined;
  if (failure.kind !== 'throttled' && !overloaded) return { kind: 'error' };
  return retryAfterSeconds === undefined ? { kind: 'throttled' } : { kind: 'throttled', retryAfterMs: retryAfterSeconds * 1000 };
}

/**
 * Wraps a token source for rest-js. rest-js swallows a failed getToken() and retries the request without a token
 * (meant for unfederated public servers); the failure is recorded in the call's context so the session can throw
 * it. A server that is simply not federated with the portal stays anonymous, as rest-js intends.
 */
function recordingTokenFailures(auth: TokenSource): TokenSource {
  return {
    portal: auth.portal,
    // rest-js writes here after an anonymous fallback succeeded.
    federatedServers: {},
    getToken: async (url: string, requestOptions?: unknown) => {
      try {
        return await (auth.getToken as (u: string, o?: unknown) => Promise<string>)(url, requestOptions);
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        const context = currentFetchContext();
        if (context && code !== 'NOT_FEDERATED') context.tokenError ??= error;
        throw error;
      }
    },
    refresh: () => auth.refresh(),
    status: () => auth.status()
  } as TokenSource;
}
