import { createHash, randomBytes } from 'node:crypto';
import { fetchToken } from '@esri/arcgis-rest-request';
import { toArcGISFailure } from './arcgis-errors.js';

/** PKCE (RFC 7636) verifier and S256 challenge. */
export function createPkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(48).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  return { verifier, challenge };
}

export function randomState(): string {
  return randomBytes(24).toString('base64url');
}

export interface AuthorizeUrlOptions {
  restUrl: string;
  clientId: string;
  redirectUri: string;
  state: string;
  codeChallenge: string;
  /** Refresh-token lifetime to ask for, minutes (ArcGIS default 20160 = two weeks). */
  expirationMinutes?: number;
}

/** `<rest>/oauth2/authorize?...`: the portal's own sign-in page (which may hand over to SAML). */
export function buildAuthorizeUrl(o: AuthorizeUrlOptions): string {
  const url = new URL(`${o.restUrl}/oauth2/authorize`);
  url.searchParams.set('client_id', o.clientId);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('redirect_uri', o.redirectUri);
  url.searchParams.set('state', o.state);
  url.searchParams.set('code_challenge', o.codeChallenge);
  url.searchParams.set('code_challenge_method', 'S256');
  url.searchParams.set('expiration', String(o.expirationMinutes ?? 20160));
  return url.toString();
}

export interface TokenGrant {
  token: string;
  tokenExpires: number;
  refreshToken: string | undefined;
  refreshTokenExpires: number | undefined;
  username: string;
  ssl: boolean;
}

/** Exchanges an authorization code (PKCE, no client secret) for tokens at `<rest>/oauth2/token`. */
export async function exchangeAuthorizationCode(o: {
  restUrl: string;
  clientId: string;
  redirectUri: string;
  code: string;
  codeVerifier: string;
}): Promise<TokenGrant> {
  try {
    const response = await fetchToken(`${o.restUrl}/oauth2/token`, {
      httpMethod: 'POST',
      params: {
        grant_type: 'authorization_code',
        client_id: o.clientId,
        redirect_uri: o.redirectUri,
        code: o.code,
        code_verifier: o.codeVerifier
      }
    });
    return {
      token: response.token,
      tokenExpires: response.expires.getTime(),
      refreshToken: response.refreshToken,
      refreshTokenExpires: response.refreshTokenExpires?.getTime(),
      username: response.username,
      ssl: response.ssl ?? false
    };
  } catch (error) {
    throw toArcGISFailure(error, `${o.restUrl}/oauth2/token`);
  }
}

/** Revokes a refresh token (when an identity is disconnected or deleted). */
export async function revokeRefreshToken(o: { restUrl: string; clientId: string; refreshToken: string }): Promise<void> {
  const body = new URLSearchParams({ client_id: o.clientId, auth_token: o.refreshToken, token_type_hint: 'refresh_token', f: 'json' });
  await fetch(`${o.restUrl}/oauth2/revokeToken`, { method: 'POST', body });
}
