import { ArcGISIdentityManager, type IAuthenticationManager } from '@esri/arcgis-rest-request';
import { toArcGISFailure } from './arcgis-errors.js';
import { type RetryPolicy, retryDelayMs, sleep } from './retry.js';

/** Getting a federated server's token: 4 tries, 100-800 ms apart, before a passing error goes back to the caller. */
const SERVER_TOKEN_RETRY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 800, maxThrottleAttempts: 0 };

/** The stored credentials can no longer give a token: someone must sign in again (or fix the stored password). */
export class CredentialsExpiredError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CredentialsExpiredError';
  }
}

/** A refusal by the portal (bad or expired token, wrong password) becomes CredentialsExpiredError; network trouble stays as it is. */
function refusedOr(error: unknown, message: string): unknown {
  const failure = toArcGISFailure(error);
  if (failure.kind === 'auth' || failure.kind === 'invalid' || failure.kind === 'forbidden') {
    return new CredentialsExpiredError(`${message} (${failure.message})`, { cause: error });
  }
  return failure;
}

/** Credentials OrgKeeper keeps for an identity (encrypted at rest by the identity repository). */
export interface StoredCredentials {
  username: string;
  clientId?: string;
  redirectUri?: string;
  refreshToken?: string;
  /** ms since epoch */
  refreshTokenExpires?: number;
  token?: string;
  /** ms since epoch */
  tokenExpires?: number;
  /** When the access token was obtained (ms); with tokenExpires it gives the token's lifetime. */
  tokenIssued?: number;
  /** When the refresh token was obtained (ms); renewal starts once half its lifetime has passed (at most 3 days before expiry). */
  refreshTokenIssued?: number;
  /** Built-in accounts only: lets OrgKeeper sign in again when no refresh token is left. */
  password?: string;
}

export interface TokenStatus {
  username: string | undefined;
  tokenExpires: number | undefined;
  refreshTokenExpires: number | undefined;
  method: 'oauth2' | 'password' | 'iwa';
}

/**
 * What an ArcGIS session needs from its credentials: rest-js's IAuthenticationManager (portal + getToken(url)),
 * a forced refresh after a 498, and the current token lifetimes for the UI.
 */
export interface TokenSource extends IAuthenticationManager {
  refresh(): Promise<void>;
  status(): TokenStatus;
}

export interface OAuthTokenSourceOptions {
  restUrl: string;
  credentials: StoredCredentials;
  /** Called whenever tokens change (a refresh, a refresh-token exchange, a new sign-in), to persist them. */
  onCredentials?: (credentials: StoredCredentials) => void | Promise<void>;
  /** Refresh the access token this long before it expires. */
  accessMarginMs?: number;
  /** Exchange the refresh token for a new one when less than this remains (ArcGIS keeps the expiry window). */
  refreshRenewMarginMs?: number;
  now?: () => number;
}

/**
 * Tokens for an OAuth2 (or built-in account) identity through Esri's ArcGISIdentityManager, which also obtains
 * tokens for federated servers (hosted feature services) through the `rest/info` chain.
 * Access tokens are refreshed before they expire; the refresh token is exchanged well before it expires; with a
 * stored password, a lost refresh token falls back to `generateToken`.
 */
export class OAuthTokenSource implements TokenSource {
  readonly portal: string;
  private manager: ArcGISIdentityManager;
  private credentials: StoredCredentials;
  private pending: Promise<void> | undefined;
  private readonly accessMarginMs: number;
  private readonly refreshRenewMarginMs: number;
  private readonly now: () => number;

  constructor(private readonly options: OAuthTokenSourceOptions) {
    this.portal = options.restUrl;
    this.credentials = { ...options.credentials };
    this.accessMarginMs = options.accessMarginMs ?? 5 * 60_000;
    this.refreshRenewMarginMs = options.refreshRenewMarginMs ?? 3 * 24 * 3600_000;
    this.now = options.now ?? Date.now;
    this.manager = this.createManager();
  }

  private createManager(): ArcGISIdentityManager {
    const c = this.credentials;
    const usesOAuth = !!(c.clientId && c.refreshToken);
    return new ArcGISIdentityManager({
      portal: this.portal,
      username: c.username,
      clientId: c.clientId,
      redirectUri: c.redirectUri,
      refreshToken: usesOAuth ? c.refreshToken : undefined,
      refreshTokenExpires: c.refreshTokenExpires ? new Date(c.refreshTokenExpires) : undefined,
      token: c.token,
      tokenExpires: c.tokenExpires ? new Date(c.tokenExpires) : undefined,
      // rest-js prefers the password over the refresh token when both are set; OrgKeeper uses the password
      // only as a fallback, so the manager gets it only when no refresh token is usable.
      password: usesOAuth ? undefined : c.password
    });
  }

  status(): TokenStatus {
    return {
      username: this.credentials.username,
      tokenExpires: this.credentials.tokenExpires,
      refreshTokenExpires: this.credentials.refreshTokenExpires,
      method: this.credentials.refreshToken ? 'oauth2' : 'password'
    };
  }

  async getToken(url: string): Promise<string> {
    for (let attempt = 1; ; attempt++) {
      await this.ensureFresh();
      const manager = this.manager;
      try {
        return await manager.getToken(url);
      } catch (error) {
        // rest-js 4.10.2 keeps a failed federated-server token request in its pending cache for good, so one 5xx while
        // getting a server token would fail every later call. A fresh manager (same credentials) forgets it.
        if (this.manager === manager) this.manager = this.createManager();
        // A server token takes four requests (portals/self, the server's rest/info, the portal's rest/info,
        // generateToken): a passing error in one of them is retried here, briefly, so that it does not cost the
        // caller's request one of its own attempts. Throttling and refusals go back to the session, which slows
        // down or signs in again.
        const failure = toArcGISFailure(error);
        if (failure.kind !== 'transient' || attempt >= SERVER_TOKEN_RETRY.maxAttempts) throw error;
        await sleep(retryDelayMs(SERVER_TOKEN_RETRY, attempt, failure));
      }
    }
  }

  /** Forces new tokens (after ArcGIS answered 498 to a token that looked valid). */
  async refresh(): Promise<void> {
    await this.single(() => this.renew(true));
  }

  /**
   * Renews what is due: the access token shortly before it expires, the refresh token well before it expires.
   * The background keeper calls this for idle identities so their refresh tokens never lapse. Returns whether
   * anything was renewed.
   */
  async renewIfDue(options: { refreshTokenOnly?: boolean } = {}): Promise<boolean> {
    if (options.refreshTokenOnly ? !this.refreshDue() : !this.accessDue() && !this.refreshDue()) return false;
    await this.single(() => this.renew(false));
    return true;
  }

  /** A copy of the current credentials (what onCredentials last persisted). */
  current(): StoredCredentials {
    return { ...this.credentials };
  }

  private async ensureFresh(): Promise<void> {
    await this.renewIfDue();
  }

  /** The access token expires within the margin: 5 minutes, or half its lifetime for short-lived tokens. */
  private accessDue(): boolean {
    const c = this.credentials;
    if (!c.token || !c.tokenExpires) return true;
    return c.tokenExpires - this.now() <= margin(this.accessMarginMs, c.tokenIssued, c.tokenExpires);
  }

  /** The refresh token expires within the renewal margin (3 days, or half its lifetime when shorter). */
  private refreshDue(): boolean {
    const c = this.credentials;
    if (!c.refreshToken || !c.refreshTokenExpires || !c.clientId || !c.redirectUri) return false;
    return c.refreshTokenExpires - this.now() <= margin(this.refreshRenewMarginMs, c.refreshTokenIssued, c.refreshTokenExpires);
  }

  private single(fn: () => Promise<void>): Promise<void> {
    this.pending ??= fn().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async renew(force: boolean): Promise<void> {
    const c = this.credentials;
    const now = this.now();
    const refreshUsable = !!c.clientId && !!c.refreshToken && (!c.refreshTokenExpires || c.refreshTokenExpires > now);
    try {
      if (refreshUsable) {
        if (this.refreshDue()) {
          await this.manager.exchangeRefreshToken();
        } else {
          if (!force && !this.accessDue()) return;
          await this.manager.refreshCredentials();
        }
      } else if (c.password) {
        this.manager = ArcGISIdentityManagerWithPassword(this.portal, c.username, c.password);
        await this.manager.refreshCredentials();
      } else {
        throw new CredentialsExpiredError(
          c.refreshToken
            ? 'The stored refresh token has expired. Connect the identity again (sign in) to continue.'
            : 'No stored credentials. Connect the identity (sign in) first.'
        );
      }
    } catch (error) {
      if (error instanceof CredentialsExpiredError) throw error;
      // A refused refresh token (revoked, expired early) still leaves the password fallback.
      if (refreshUsable && c.password) {
        this.manager = ArcGISIdentityManagerWithPassword(this.portal, c.username, c.password);
        try {
          await this.manager.refreshCredentials();
        } catch (fallbackError) {
          throw refusedOr(fallbackError, 'The portal refused both the stored refresh token and the stored password.');
        }
      } else {
        throw refusedOr(
          error,
          c.password && !refreshUsable
            ? 'The portal refused the stored password (changed, or the account is locked or disabled). Update the credentials or connect again.'
            : 'The portal refused the stored refresh token (it was revoked or has expired). Connect the identity again (sign in) to continue.'
        );
      }
    }
    await this.capture();
  }

  private async capture(): Promise<void> {
    const m = this.manager;
    const before = this.credentials;
    const now = this.now();
    this.credentials = {
      ...before,
      token: m.token,
      tokenExpires: m.tokenExpires?.getTime(),
      tokenIssued: m.token !== before.token ? now : before.tokenIssued,
      refreshToken: m.refreshToken ?? before.refreshToken,
      refreshTokenExpires: m.refreshTokenExpires?.getTime() ?? before.refreshTokenExpires,
      refreshTokenIssued: m.refreshToken && m.refreshToken !== before.refreshToken ? now : before.refreshTokenIssued
    };
    if (!m.refreshToken && this.credentials.password) {
      // signed in with the password: the old refresh token is no longer what this manager uses
      this.credentials.refreshToken = undefined;
      this.credentials.refreshTokenExpires = undefined;
      this.credentials.refreshTokenIssued = undefined;
    }
    // A fresh manager from the new credentials: drops tokens cached for federated servers, which were
    // derived from the old portal token.
    this.manager = this.createManager();
    await this.options.onCredentials?.({ ...this.credentials });
  }
}

function ArcGISIdentityManagerWithPassword(portal: string, username: string, password: string): ArcGISIdentityManager {
  return new ArcGISIdentityManager({ portal, username, password });
}

/** How long before expiry to renew: the configured margin, or half the lifetime when that is shorter. */
function margin(configured: number, issued: number | undefined, expires: number): number {
  if (issued === undefined || expires <= issued) return configured;
  return Math.min(configured, (expires - issued) / 2);
}
