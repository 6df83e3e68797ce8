import { type ArcGISFailure } from './arcgis-errors.js';

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Throttling is retried longer than errors: it means "slow down", not "broken". */
  maxThrottleAttempts: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 6,
  baseDelayMs: 250,
  maxDelayMs: 30_000,
  maxThrottleAttempts: 20
};

/** Exponential backoff with full jitter; a Retry-After from ArcGIS wins when it is longer. */
export function retryDelayMs(policy: RetryPolicy, attempt: number, failure: ArcGISFailure, random: () => number = Math.random): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  const jittered = exp / 2 + random() * (exp / 2);
  const retryAfterMs = failure.retryAfterSeconds !== undefined ? failure.retryAfterSeconds * 1000 : 0;
  return Math.min(Math.max(jittered, retryAfterMs), Math.max(policy.maxDelayMs, retryAfterMs));
}

export function shouldRetry(policy: RetryPolicy, attempt: number, failure: ArcGISFailure): boolean {
  if (!failure.retryable) return false;
  const limit = failure.kind === 'throttled' ? policy.maxThrottleAttempts : policy.maxAttempts;
  return attempt < limit;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
