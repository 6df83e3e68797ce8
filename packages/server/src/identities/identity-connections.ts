import { createHash } from 'node:crypto';
import { toArcGISFailure } from '../arcgis/arcgis-errors.js';
import { ArcGISSession } from '../arcgis/arcgis-session.js';
import { IwaTokenSource, negotiateHeader } from '../arcgis/iwa-client.js';
import { buildAuthorizeUrl, createPkcePair, exchangeAuthorizationCode, randomState, revokeRefreshToken } from '../arcgis/oauth.js';
import { normalizePortalUrl } from '../arcgis/portal-url.js';
import { DEFAULT_RETRY_POLICY } from '../arcgis/retry.js';
import { CredentialsExpiredError, OAuthTokenSource, type StoredCredentials } from '../arcgis/token-source.js';
import type { Actor, AuditService } from '../audit/audit.service.js';
import { AppError } from '../errors/app-error.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../logging/logger.js';
import type { SecretBox } from '../secrets/secret-box.js';
import type { CredentialVault } from './credential-vault.js';
import type { ArcGISSessionFactory } from './arcgis-session-factory.js';
import type { IdentityRepository } from './identity.repository.js';
import type { IdentityRow, OAuthStateRow } from './identity.types.js';
import { fetchSignedIn, preflightAuthorize, type SignedInInfo } from './portal-client.js';
import { adminProblem, connectionError, iwaProblem, redirectUriMessage } from './sign-in-problems.js';

/** A pending OAuth2 sign-in is valid this long (and only once). */
export const OAUTH_STATE_TTL_MS = 10 * 60_000;
/** Refresh-token lifetime asked for, minutes (ArcGIS's default two weeks; renewed well before it ends). */
const REFRESH_TOKEN_MINUTES = 20160;
/** Checks made while a person waits get few retries. */
const INTERACTIVE_RETRY = { ...DEFAULT_RETRY_POLICY, maxAttempts: 2, maxThrottleAttempts: 3, maxDelayMs: 2000 };

export interface IdentityConnectionsDeps {
  repository: IdentityRepository;
  vault: CredentialVault;
  arcgisSessions: ArcGISSessionFactory;
  audit: AuditService;
  secretBox: SecretBox | undefined;
  clock: Clock;
  logger: Logger;
  /** OrgKeeper's public URL, without a trailing slash: the redirect URI is built from it. */
  publicUrl: string;
}

/** The query the portal sends the browser back with (`GET /api/oauth/callback`). */
export interface OAuthAnswer {
  code?: string;
  state?: string;
  error?: string;
  error_description?: string;
}

export type ConnectResult = { kind: 'redirect'; authorizeUrl: string } | { kind: 'connected' };

export interface PasswordSignIn {
  credentials: StoredCredentials;
  username: string;
  orgId: string | null;
  portalName: string | null;
}

/**
 * Connecting identities to their organization: OAuth2 (authorization code with PKCE through the portal's own
 * sign-in page), IWA (HTTP Negotiate as the account running OrgKeeper), and built-in accounts' user name and
 * password. Every way ends with the same check: the signed-in user administers that very organization.
 */
export class IdentityConnections {
  private publicUrl: string;

  constructor(private readonly deps: IdentityConnectionsDeps) {
    this.publicUrl = deps.publicUrl.replace(/\/+$/, '');
  }

  /** The server's configured public URL (set by buildApp when services were created without it). */
  setPublicUrl(publicUrl: string): void {
    this.publicUrl = publicUrl.replace(/\/+$/, '');
  }

  get redirectUri(): string {
    return `${this.publicUrl}/api/oauth/callback`;
  }

  async connect(row: IdentityRow, actor: Actor): Promise<ConnectResult> {
    return row.auth_method === 'iwa' ? this.connectIwa(row, actor) : this.startOAuth(row, actor);
  }

  // ------------------------------------------------------------------ OAuth2

  private async startOAuth(row: IdentityRow, actor: Actor): Promise<ConnectResult> {
    if (!row.app_id) throw AppError.validation({ appId: 'Enter the App ID before connecting.' });
    const { restUrl } = normalizePortalUrl(row.portal_url);
    const { verifier, challenge } = createPkcePair();
    const state = randomState();
    const redirectUri = this.redirectUri;
    const authorizeUrl = buildAuthorizeUrl({
      restUrl,
      clientId: row.app_id,
      redirectUri,
      state,
      codeChallenge: challenge,
      expirationMinutes: REFRESH_TOKEN_MINUTES
    });

    // Look at the portal's answer first: a wrong redirect URI or App ID is explained here, not on a portal error page.
    const preflight = await preflightAuthorize(authorizeUrl);
    if (preflight.kind === 'redirect_uri') {
      throw new AppError('redirect_uri_not_registered', redirectUriMessage(row, redirectUri));
    }
    if (preflight.kind === 'client_id') {
      throw new AppError(
        'invalid_app_id',
        `${row.portal_url} does not know the App ID "${row.app_id}". Open the application item registered in this organization, ` +
          'copy its Client ID (Settings or Credentials page) and enter it as the App ID, then connect again.'
      );
    }
    if (preflight.kind === 'unreachable') {
      throw new AppError('portal_unreachable', `OrgKeeper could not reach ${row.portal_url}: ${preflight.message}`);
    }
    if (preflight.kind === 'other') throw new AppError('arcgis_error', `${preflight.message} Try again later, or check the portal.`);

    const now = this.deps.clock();
    await this.deps.repository.deleteExpiredOAuthStates(now.toISOString());
    const id = stateKey(state);
    await this.deps.repository.insertOAuthState({
      id,
      identity_id: row.id,
      code_verifier: this.secretBox().seal(verifier, `oauth_state:${id}:code_verifier`),
      redirect_uri: redirectUri,
      app_user_id: actor.kind === 'user' ? actor.userId : null,
      app_username: actor.kind === 'user' ? actor.username : actor.kind === 'system' || actor.kind === 'token' ? actor.name : null,
      created_at: now.toISOString(),
      expires_at: new Date(now.getTime() + OAUTH_STATE_TTL_MS).toISOString()
    });
    return { kind: 'redirect', authorizeUrl };
  }

  /**
   * `GET /api/oauth/callback`: finishes the sign-in and answers where to send the browser:
   * `/identities?identity=<id>&result=connected`, or `...&result=error&code=<code>&message=<text>`.
   */
  async finishOAuth(query: OAuthAnswer, ip: string | null): Promise<string> {
    const found = await this.pendingSignIn(query);
    if (typeof found === 'string') return found;
    const { pending, actor, row } = found;
    const org = row.portal_name ?? row.portal_url;
    if (query.error) {
      const cancelled = query.error === 'access_denied';
      await this.audit(actor, 'identity.connect', row, 'failure', ip, { method: 'oauth2', reason: query.error });
      return errorLocation(
        row.id,
        cancelled ? 'cancelled' : 'oauth_error',
        cancelled
          ? `The sign-in was cancelled on the portal's page, so "${row.name}" is not connected. Press Connect again and sign in as an administrator of ${org}.`
          : `The portal refused the sign-in: ${query.error_description ?? query.error}. Check the App ID and its redirect URIs, then press Connect again.`
      );
    }
    if (!query.code || !row.app_id) {
      return errorLocation(row.id, 'oauth_error', 'The portal sent no authorization code. Press Connect to try again.');
    }
    const credentials = await this.exchangeCode(row, row.app_id, pending, query.code, actor, ip);
    if (typeof credentials === 'string') return credentials;
    return this.acceptOAuthSignIn(row, credentials, actor, ip);
  }

  /** The sign-in this answer belongs to (its state is used up), or where to send the browser when there is none. */
  private async pendingSignIn(query: OAuthAnswer): Promise<{ pending: OAuthStateRow; actor: Actor; row: IdentityRow } | string> {
    if (!query.state) {
      return errorLocation(null, 'invalid_state', 'The answer from the portal carried no sign-in state, so it cannot be matched to an identity. Press Connect on the Identities page to start again.');
    }
    const pending = await this.deps.repository.takeOAuthState(stateKey(query.state));
    if (!pending) {
      return errorLocation(null, 'state_expired', 'This sign-in answer was already used or is unknown (each sign-in works once). Press Connect on the Identities page to start again.');
    }
    const actor: Actor = pending.app_user_id && pending.app_username
      ? { kind: 'user', userId: pending.app_user_id, username: pending.app_username }
      : { kind: 'system', name: pending.app_username ?? 'oauth-callback' };
    const row = await this.deps.repository.findById(pending.identity_id);
    if (!row) return errorLocation(null, 'not_found', 'The identity was deleted while its sign-in was in progress.');
    if (pending.expires_at <= this.deps.clock().toISOString()) {
      return errorLocation(row.id, 'state_expired', `The sign-in took longer than ${OAUTH_STATE_TTL_MS / 60_000} minutes. Press Connect to start again.`);
    }
    return { pending, actor, row };
  }

  /** The authorization code exchanged for tokens (with the PKCE verifier), or where to send the browser when refused. */
  private async exchangeCode(row: IdentityRow, clientId: string, pending: OAuthStateRow, code: string, actor: Actor, ip: string | null): Promise<StoredCredentials | string> {
    const { restUrl } = normalizePortalUrl(row.portal_url);
    try {
      const verifier = this.secretBox().openString(pending.code_verifier, `oauth_state:${pending.id}:code_verifier`);
      const grant = await exchangeAuthorizationCode({ restUrl, clientId, redirectUri: pending.redirect_uri, code, codeVerifier: verifier });
      const now = this.deps.clock().getTime();
      return {
        username: grant.username,
        clientId,
        redirectUri: pending.redirect_uri,
        token: grant.token,
        tokenExpires: grant.tokenExpires,
        tokenIssued: now,
        refreshToken: grant.refreshToken,
        refreshTokenExpires: grant.refreshTokenExpires,
        refreshTokenIssued: grant.refreshToken ? now : undefined
      };
    } catch (error) {
      const failure = toArcGISFailure(error);
      await this.audit(actor, 'identity.connect', row, 'failure', ip, { method: 'oauth2', reason: failure.message });
      return errorLocation(row.id, 'oauth_error', `The portal did not accept the sign-in (${failure.message}). Press Connect to try again.`);
    }
  }

  /** Keeps the new tokens if the user administers this organization (else revokes them); answers where the browser goes. */
  private async acceptOAuthSignIn(row: IdentityRow, credentials: StoredCredentials, actor: Actor, ip: string | null): Promise<string> {
    // Keep a stored password of the same built-in account as the fallback.
    const previous = this.heldCredentials(row);
    if (previous?.password && previous.username.toLowerCase() === credentials.username.toLowerCase()) credentials.password = previous.password;

    let info: SignedInInfo;
    try {
      info = await this.whoIs(row, credentials);
    } catch (error) {
      await this.revoke(row, credentials);
      const message = error instanceof AppError ? error.message : toArcGISFailure(error).message;
      return errorLocation(row.id, error instanceof AppError ? error.code : 'arcgis_error', `Signed in, but the portal did not say who the user is: ${message}`);
    }
    const problem = adminProblem(row, info);
    if (problem) {
      await this.revoke(row, credentials);
      await this.refused(row, problem);
      await this.audit(actor, 'identity.connect', row, 'denied', ip, { method: 'oauth2', username: info.user.username, reason: problem.code });
      return errorLocation(row.id, problem.code, problem.message);
    }

    // A new sign-in replaces the old one: revoke its refresh token unless it is the same.
    if (previous?.refreshToken && previous.refreshToken !== credentials.refreshToken) await this.revoke(row, previous);
    await this.deps.vault.save(row.id, credentials, row.store_credentials === 1);
    await this.markConnected(row, info);
    await this.audit(actor, 'identity.connect', row, 'success', ip, { method: 'oauth2', username: info.user.username });
    return `/identities?${new URLSearchParams({ identity: row.id, result: 'connected' }).toString()}`;
  }

  // ------------------------------------------------------------------ IWA

  private async connectIwa(row: IdentityRow, actor: Actor): Promise<ConnectResult> {
    const { portalUrl, restUrl } = normalizePortalUrl(row.portal_url);
    const source = new IwaTokenSource(restUrl, () => this.deps.clock().getTime());
    const session = new ArcGISSession({ portalUrl, restUrl, auth: source, headersFor: (url) => source.headersFor(url), retry: INTERACTIVE_RETRY });
    let info: SignedInInfo;
    try {
      // Fail early with the clear reason (package or ticket missing) rather than deep inside a request.
      await negotiateHeader(restUrl);
      info = await fetchSignedIn(session);
    } catch (error) {
      const problem = iwaProblem(error, row);
      await this.refused(row, problem);
      await this.audit(actor, 'identity.connect', row, 'failure', null, { method: 'iwa', reason: problem.code });
      throw problem;
    }
    const problem = adminProblem(row, info);
    if (problem) {
      await this.refused(row, problem);
      await this.audit(actor, 'identity.connect', row, 'denied', null, { method: 'iwa', username: info.user.username, reason: problem.code });
      throw problem;
    }
    await this.markConnected(row, info);
    await this.audit(actor, 'identity.connect', row, 'success', null, { method: 'iwa', username: info.user.username });
    return { kind: 'connected' };
  }

  // ------------------------------------------------------------------ built-in account (user name and password)

  /**
   * Signs in with `generateToken` as a built-in account and checks it administers the organization.
   * Wrong input is a validation error on the user name or password field.
   */
  async signInWithPassword(row: IdentityRow, username: string, password: string): Promise<PasswordSignIn> {
    const { restUrl } = normalizePortalUrl(row.portal_url);
    let source: OAuthTokenSource;
    let info: SignedInInfo;
    try {
      source = new OAuthTokenSource({ restUrl, credentials: { username, password }, now: () => this.deps.clock().getTime() });
      info = await fetchSignedIn(this.oneOffSession(row, source));
    } catch (error) {
      if (error instanceof CredentialsExpiredError) {
        const cause = error.cause ? toArcGISFailure(error.cause) : undefined;
        const detail = cause ? [cause.message, ...cause.details].filter(Boolean).join(' ') : error.message;
        throw AppError.validation({
          password:
            `The portal refused this user name and password (${detail}). Enter the password of a built-in ArcGIS account; ` +
            'accounts that sign in through SAML or another identity provider cannot sign in this way: leave both empty and use Connect instead.'
        });
      }
      throw connectionError(error, row);
    }
    const problem = adminProblem(row, info);
    if (problem) throw AppError.validation({ username: problem.message });
    return { credentials: source.current(), username: info.user.username, orgId: info.user.orgId, portalName: info.portal.portalName };
  }

  /** Keeps what signInWithPassword obtained and marks the identity connected. */
  async recordPasswordSignIn(row: IdentityRow, signIn: PasswordSignIn): Promise<void> {
    const previous = this.heldCredentials(row);
    if (previous?.refreshToken) await this.revoke(row, previous);
    await this.deps.vault.save(row.id, signIn.credentials, row.store_credentials === 1);
    this.deps.arcgisSessions.invalidate(row.id);
    await this.deps.repository.update(row.id, {
      status_state: 'connected',
      status_message: null,
      username: signIn.username,
      connected_at: this.deps.clock().toISOString(),
      org_id: row.org_id ?? signIn.orgId,
      portal_name: row.portal_name ?? signIn.portalName,
      updated_at: this.deps.clock().toISOString()
    });
  }

  // ------------------------------------------------------------------ disconnect

  /** Forgets the identity's credentials and revokes its refresh token at the portal (best effort). */
  async disconnect(row: IdentityRow): Promise<void> {
    const held = await this.deps.vault.forget(row.id);
    this.deps.arcgisSessions.invalidate(row.id);
    if (held) await this.revoke(row, held);
  }

  // ------------------------------------------------------------------ helpers

  private async whoIs(row: IdentityRow, credentials: StoredCredentials): Promise<SignedInInfo> {
    const { restUrl } = normalizePortalUrl(row.portal_url);
    const source = new OAuthTokenSource({ restUrl, credentials, now: () => this.deps.clock().getTime() });
    return fetchSignedIn(this.oneOffSession(row, source));
  }

  private oneOffSession(row: IdentityRow, source: OAuthTokenSource): ArcGISSession {
    const { portalUrl, restUrl } = normalizePortalUrl(row.portal_url);
    return new ArcGISSession({ portalUrl, restUrl, auth: source, retry: INTERACTIVE_RETRY, timeoutMs: 30_000 });
  }

  private heldCredentials(row: IdentityRow): StoredCredentials | undefined {
    try {
      return this.deps.vault.get(row)?.credentials;
    } catch {
      return undefined;
    }
  }

  private async markConnected(row: IdentityRow, info: SignedInInfo): Promise<void> {
    const now = this.deps.clock().toISOString();
    this.deps.arcgisSessions.invalidate(row.id);
    await this.deps.repository.update(row.id, {
      status_state: 'connected',
      status_message: null,
      username: info.user.username,
      connected_at: now,
      org_id: row.org_id ?? info.user.orgId ?? info.portal.orgId,
      portal_name: row.portal_name ?? info.portal.portalName,
      updated_at: now
    });
  }

  /** A refused sign-in leaves a working connection alone; otherwise the identity shows why it is not connected. */
  private async refused(row: IdentityRow, problem: AppError): Promise<void> {
    if (row.status_state === 'connected' && problem.code !== 'iwa_unavailable') return;
    await this.deps.repository.update(row.id, {
      status_state: 'error',
      status_message: problem.message,
      updated_at: this.deps.clock().toISOString()
    });
  }

  private async revoke(row: IdentityRow, credentials: StoredCredentials): Promise<void> {
    if (!credentials.refreshToken || !credentials.clientId) return;
    try {
      await revokeRefreshToken({ restUrl: normalizePortalUrl(row.portal_url).restUrl, clientId: credentials.clientId, refreshToken: credentials.refreshToken });
    } catch (error) {
      this.deps.logger.warn({ identity: row.id, err: { message: (error as Error).message } }, 'could not revoke a refresh token');
    }
  }

  private async audit(actor: Actor, action: string, row: IdentityRow, result: 'success' | 'failure' | 'denied', ip: string | null, details: Record<string, unknown>) {
    await this.deps.audit.record({ actor, action, target: row.id, result, ip, details: { name: row.name, ...details } });
  }

  private secretBox(): SecretBox {
    if (!this.deps.secretBox) throw new Error('Connecting identities needs the master key (SecretBox).');
    return this.deps.secretBox;
  }
}

/** The state row's key: a hash, so the database never holds a state that could be replayed. */
function stateKey(state: string): string {
  return createHash('sha256').update(state).digest('hex');
}

function errorLocation(identityId: string | null, code: string, message: string): string {
  const params = new URLSearchParams();
  if (identityId) params.set('identity', identityId);
  params.set('result', 'error');
  params.set('code', code);
  params.set('message', message);
  return `/identities?${params.toString()}`;
}
