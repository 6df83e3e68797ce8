import { ArcGISIdentityManager, type IAuthenticationManager } from '@esri/arcgis-rest-request';

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
    await this.ensureFresh();
    return this.manager.getToken(url);
  }

  /** Forces new tokens (after ArcGIS answered 498 to a token that looked valid). */
  async refresh(): Promise<void> {
    await this.single(() => this.renew(true));
  }

  private async ensureFresh(): Promise<void> {
    const c = this.credentials;
    const now = this.now();
    const accessOk = !!c.token && !!c.tokenExpires && c.tokenExpires - now > this.accessMarginMs;
    const refreshOk = !c.refreshToken || !c.refreshTokenExpires || c.refreshTokenExpires - now > this.refreshRenewMarginMs;
    if (accessOk && refreshOk) return;
    await this.single(() => this.renew(false));
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
        const renewRefresh = !!c.refreshTokenExpires && c.refreshTokenExpires - now <= this.refreshRenewMarginMs;
        if (renewRefresh && c.redirectUri) {
          await this.manager.exchangeRefreshToken();
        } else {
          const accessOk = !force && !!c.token && !!c.tokenExpires && c.tokenExpires - now > this.accessMarginMs;
          if (accessOk) return;
          await this.manager.refreshCredentials();
        }
      } else if (c.password) {
        this.manager = ArcGISIdentityManagerWithPassword(this.portal, c.username, c.password);
        await this.manager.refreshCredentials();
      } else {
        throw new Error(
          c.refreshToken
            ? 'The stored refresh token has expired. Connect the identity again (sign in) to continue.'
            : 'No stored credentials. Connect the identity (sign in) first.'
        );
      }
    } catch (error) {
      // A refused refresh token (revoked, expired early) still leaves the password fallback.
      if (refreshUsable && c.password) {
        this.manager = ArcGISIdentityManagerWithPassword(this.portal, c.username, c.password);
        await this.manager.refreshCredentials();
      } else {
        throw error;
      }
    }
    await this.capture();
  }

  private async capture(): Promise<void> {
    const m = this.manager;
    this.credentials = {
      ...this.credentials,
      token: m.token,
      tokenExpires: m.tokenExpires?.getTime(),
      refreshToken: m.refreshToken ?? this.credentials.refreshToken,
      refreshTokenExpires: m.refreshTokenExpires?.getTime() ?? this.credentials.refreshTokenExpires
    };
    if (!m.refreshToken && this.credentials.password) {
      // signed in with the password: the old refresh token is no longer what this manager uses
      this.credentials.refreshToken = undefined;
      this.credentials.refreshTokenExpires = undefined;
    }
    await this.options.onCredentials?.({ ...this.credentials });
  }
}

function ArcGISIdentityManagerWithPassword(portal: string, username: string, password: string): ArcGISIdentityManager {
  return new ArcGISIdentityManager({ portal, username, password });
}
