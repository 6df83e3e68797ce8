import { AsyncLocalStorage } from 'node:async_hooks';
import { ForeignOriginError } from './origin-guard.js';

/**
 * Esri's rest-js calls `globalThis.fetch` and hides the HTTP response from its callers, so neither a `Retry-After`
 * header nor per-request headers (HTTP Negotiate for IWA) can pass through its API. OrgKeeper wraps fetch once and
 * gives each ArcGIS call a context: calls outside a context are not touched.
 */
export interface FetchContext {
  /** Extra headers per request (IWA: a fresh `Authorization: Negotiate` token for the request's host). */
  headersFor?: (url: string) => Promise<Record<string, string>>;
  /**
   * Whether a URL is on one of the organization's origins. Inside an ArcGIS call every request is checked before it
   * is sent: one to any other origin is refused (ForeignOriginError), whatever it carries (a token in the query or
   * body, Authorization, X-Esri-Authorization, Negotiate) and whoever built it (rest-js's federated-server token
   * chain follows URLs a server answered with). The second line behind the token source's own check.
   */
  allowsUrl?: (url: string) => Promise<boolean>;
  /** Cancels the call (the operation was cancelled). */
  signal?: AbortSignal;
  /** Time limit for one HTTP request, ms. */
  timeoutMs?: number;
  /** Filled in by the wrapper: what the last response said. */
  observed: { status?: number; retryAfterSeconds?: number; bytes?: number };
  /**
   * A token could not be obtained during the call. rest-js then quietly retries without a token, which would turn
   * "signed out" into "sees only public content"; the session throws this after the call instead.
   */
  tokenError?: unknown;
}

const storage = new AsyncLocalStorage<FetchContext>();
let installed = false;

export function installArcGISFetch(): void {
  if (installed) return;
  installed = true;
  const original = globalThis.fetch.bind(globalThis);
  globalThis.fetch = async (input: Parameters<typeof fetch>[0], init?: RequestInit): Promise<Response> => {
    const context = storage.getStore();
    if (!context) return original(input, init);
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (context.allowsUrl && !(await context.allowsUrl(url))) throw new ForeignOriginError(url);
    const headers = new Headers(init?.headers);
    if (context.headersFor) {
      for (const [k, v] of Object.entries(await context.headersFor(url))) headers.set(k, v);
    }
    const signals: AbortSignal[] = [];
    if (init?.signal) signals.push(init.signal);
    if (context.signal) signals.push(context.signal);
    if (context.timeoutMs) signals.push(AbortSignal.timeout(context.timeoutMs));
    const signal = signals.length === 0 ? undefined : signals.length === 1 ? signals[0] : AbortSignal.any(signals);
    const response = await original(input, { ...init, headers, signal });
    context.observed.status = response.status;
    const retryAfter = response.headers.get('retry-after');
    if (retryAfter !== null) {
      const seconds = Number(retryAfter);
      const parsed = Number.isFinite(seconds) ? seconds : (Date.parse(retryAfter) - Date.now()) / 1000;
      if (Number.isFinite(parsed)) context.observed.retryAfterSeconds = Math.max(0, parsed);
    } else {
      context.observed.retryAfterSeconds = undefined;
    }
    return response;
  };
}

/** The context of the ArcGIS call running now, if any. */
export function currentFetchContext(): FetchContext | undefined {
  return storage.getStore();
}

/** Runs `fn` (which makes rest-js calls) with a fetch context. */
export function withFetchContext<T>(context: FetchContext, fn: () => Promise<T>): Promise<T> {
  installArcGISFetch();
  return storage.run(context, fn);
}
