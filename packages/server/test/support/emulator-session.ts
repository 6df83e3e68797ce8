/**
 * An ArcGIS session signed in to an emulated organization with a built-in account (its administrator unless `user`
 * says otherwise), for the tests and benchmarks that call the engines directly instead of going through the server.
 *
 *   const session = sessionFor(emu, { retry: QUICK_RETRY });
 */
import { ArcGISSession } from '../../src/arcgis/arcgis-session.js';
import type { RetryPolicy } from '../../src/arcgis/retry.js';
import { OAuthTokenSource } from '../../src/arcgis/token-source.js';

interface Account {
  username: string;
  password: string;
}

/** What the helper needs of an emulator: its handle, or what a benchmark's emulator process printed. */
export interface EmulatedPortal {
  portalUrl: string;
  restUrl: string;
  admin: Account;
}

export interface EmulatorSessionOptions {
  user?: Account;
  /** Requests in flight at once (ArcGISSession's default when omitted). */
  concurrency?: number;
  /** Omitted: the production policy. */
  retry?: RetryPolicy;
  signal?: AbortSignal;
}

/** Short retries: a test that injects server errors must not wait for production backoff. */
export const QUICK_RETRY: RetryPolicy = { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 20, maxThrottleAttempts: 3 };

export function sessionFor(emu: EmulatedPortal, options: EmulatorSessionOptions = {}): ArcGISSession {
  const { username, password } = options.user ?? emu.admin;
  const auth = new OAuthTokenSource({ restUrl: emu.restUrl, credentials: { username, password } });
  return new ArcGISSession({
    portalUrl: emu.portalUrl,
    restUrl: emu.restUrl,
    auth,
    ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
    ...(options.retry ? { retry: options.retry } : {}),
    ...(options.signal ? { signal: options.signal } : {})
  });
}
