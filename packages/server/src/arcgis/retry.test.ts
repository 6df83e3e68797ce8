import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ArcGISFailure } from './arcgis-errors.js';
import { DEFAULT_RETRY_POLICY, retryDelayMs, shouldRetry } from './retry.js';

const failure = (kind: ArcGISFailure['kind'], retryAfterSeconds?: number) => new ArcGISFailure({ kind, message: kind, retryAfterSeconds });

describe('retry policy', () => {
  it('retries only retryable failures, throttling longer than errors', () => {
    expect(shouldRetry(DEFAULT_RETRY_POLICY, 1, failure('transient'))).toBe(true);
    expect(shouldRetry(DEFAULT_RETRY_POLICY, DEFAULT_RETRY_POLICY.maxAttempts, failure('transient'))).toBe(false);
    expect(shouldRetry(DEFAULT_RETRY_POLICY, DEFAULT_RETRY_POLICY.maxAttempts, failure('throttled'))).toBe(true);
    expect(shouldRetry(DEFAULT_RETRY_POLICY, 1, failure('not_found'))).toBe(false);
    expect(shouldRetry(DEFAULT_RETRY_POLICY, 1, failure('invalid'))).toBe(false);
  });

  it('backs off exponentially with jitter, within bounds, and honours Retry-After', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.double({ min: 0, max: 0.999, noNaN: true }), (attempt, r) => {
        const d = retryDelayMs(DEFAULT_RETRY_POLICY, attempt, failure('transient'), () => r);
        const exp = Math.min(DEFAULT_RETRY_POLICY.maxDelayMs, DEFAULT_RETRY_POLICY.baseDelayMs * 2 ** (attempt - 1));
        return d >= exp / 2 && d <= exp;
      })
    );
    expect(retryDelayMs(DEFAULT_RETRY_POLICY, 1, failure('throttled', 7), () => 0)).toBe(7000);
  });
});
