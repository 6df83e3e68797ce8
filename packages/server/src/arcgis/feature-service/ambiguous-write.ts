/**
 * Writes that must not be sent twice. A write whose request failed after it may have reached the server (a 5xx, a
 * reset, a timeout) is reported as `AmbiguousWriteError` instead of being sent again, and the caller decides from the
 * live state what still has to be done. Throttling and token errors are answered before the server applies anything,
 * so those are retried like reads.
 */
import { ArcGISFailure, toArcGISFailure } from '../arcgis-errors.js';
import type { ArcGISSession } from '../arcgis-session.js';

/** A write that may or may not have been applied: the server failed (or the connection broke) after receiving it. */
export class AmbiguousWriteError extends Error {
  constructor(label: string, readonly failure: ArcGISFailure) {
    super(`${label}: the request failed after it may have reached ArcGIS (${failure.message}); what it did is checked against the live service.`, { cause: failure });
    this.name = 'AmbiguousWriteError';
  }
}

/**
 * Runs a write through the session. Retried only while the failure says nothing was applied (throttled, token);
 * otherwise a retryable failure becomes AmbiguousWriteError and non-retryable ones are thrown as they are.
 */
export async function writeOnce<T>(session: ArcGISSession, label: string, fn: () => Promise<T>): Promise<T> {
  let ambiguous: ArcGISFailure | undefined;
  try {
    return await session.call(label, async () => {
      if (ambiguous) throw new AmbiguousWriteError(label, ambiguous);
      try {
        return await fn();
      } catch (error) {
        const failure = toArcGISFailure(error);
        if (failure.kind === 'transient' || failure.kind === 'network' || failure.kind === 'unknown') ambiguous = failure;
        throw error;
      }
    });
  } catch (error) {
    if (error instanceof AmbiguousWriteError) throw error;
    const cause = (error as { cause?: unknown }).cause;
    if (cause instanceof AmbiguousWriteError) throw cause;
    // The session gave up retrying (attempts used up) on a failure that may have been applied.
    if (ambiguous && error instanceof ArcGISFailure && error.retryable) throw new AmbiguousWriteError(label, error);
    throw error;
  }
}
