import { createHash } from 'node:crypto';
import { type Ctx, type EmulatorContext, requireUser } from '../context.js';
import { ArcGISError, errors } from '../errors.js';
import { intParam, jsonParam, listParam } from '../http/request.js';
import { reply, type Reply } from '../http/reply.js';
import { type Router } from '../router.js';
import { isAdmin } from '../state/permissions.js';
import { type AppRegistration, type AuthorizationCodeRecord, type RefreshTokenRecord, type UserRecord } from '../state/types.js';
import { checkCredentials, DISABLED_ACCOUNT_MESSAGE, INVALID_CREDENTIALS_MESSAGE, recordSignIn } from './generate-token.js';
import { approvalPage, errorPage, signInPage } from './sign-in-page.js';
import {
  DEFAULT_REFRESH_MINUTES,
  issueRefreshToken,
  issueToken,
  MAX_REFRESH_MINUTES,
  newSecret,
  orgMaxMinutes,
  revokeRefreshToken,
  tokenSettings,
  TWO_WEEKS_MINUTES
} from './tokens.js';

export const OOB_REDIRECT_URI = 'urn:ietf:wg:oauth:2.0:oob';
/** Authorization codes are single-use and short-lived; ArcGIS does not document the lifetime (RFC 6749 advises <= 10 min). */
const CODE_TTL_MS = 5 * 60_000;
/** How long a sign-in page stays valid before it must be reloaded. */
const SIGN_IN_TTL_MS = 30 * 60_000;
/** Implicit-grant tokens: `expiration` minutes, 2 hours by default (ArcGIS authorize documentation). */
const DEFAULT_IMPLICIT_MINUTES = 120;
/** client_credentials app tokens: `expiration` minutes, 2 hours by default, at most two weeks. */
const DEFAULT_APP_TOKEN_MINUTES = 120;
/** What the portal appends when the user presses Cancel (wording from Esri's rest-js test captures). */
export const ACCESS_DENIED_DESCRIPTION = 'The user has denied your request';

/** A sign-in page that was shown and not yet answered; the form refers to it by `oauth_state`. */
interface PendingSignIn {
  clientId: string;
  redirectUri: string;
  responseType: 'code' | 'token';
  state: string | undefined;
  expiration: number | undefined;
  codeChallenge: string | null;
  codeChallengeMethod: 'S256' | 'plain' | null;
  showCancel: boolean;
  expires: number;
}

const pendingByEmulator = new WeakMap<EmulatorContext, Map<string, PendingSignIn>>();
function pendingSignIns(emu: EmulatorContext): Map<string, PendingSignIn> {
  let map = pendingByEmulator.get(emu);
  if (!map) {
    map = new Map();
    pendingByEmulator.set(emu, map);
  }
  return map;
}

/** An error of `oauth2/token` and friends: `{"error":{"code","error","error_description","message","details"}}`. */
export function oauthError(code: number, error: string, description: string): ArcGISError {
  return new ArcGISError(code, description, { extra: { error, error_description: description } });
}
const invalidClientId = () => oauthError(400, 'invalid_client_id', 'Invalid client_id');

export function registerOAuthRoutes(router: Router, emu: EmulatorContext): void {
  const rest = emu.urls.paths.rest;
  const ignore = { auth: 'ignore' as const };
  router.get(`${rest}/oauth2/authorize`, (ctx) => authorize(ctx), { ...ignore, name: 'oauth2/authorize' });
  router.post(`${rest}/oauth2/signin`, (ctx) => signIn(ctx), { ...ignore, name: 'oauth2/signin' });
  router.get(`${rest}/oauth2/approval`, (ctx) => approval(ctx), { ...ignore, name: 'oauth2/approval' });
  // OAuth2 clients get JSON from the token endpoint whatever `f` says (errors are JSON through the pipeline already).
  router.any(`${rest}/oauth2/token`, (ctx) => jsonAlways(ctx, token(ctx)), { ...ignore, name: 'oauth2/token' });
  router.post(`${rest}/oauth2/revokeToken`, (ctx) => revoke(ctx), { ...ignore, name: 'oauth2/revokeToken' });
  router.post(`${rest}/oauth2/registerApp`, (ctx) => registerApp(ctx), { name: 'oauth2/registerApp' });
  router.any(`${rest}/oauth2/apps/:clientId`, (ctx) => appJson(ctx.emu, appForManager(ctx)), { name: 'oauth2/apps' });
  router.post(`${rest}/oauth2/apps/:clientId/update`, (ctx) => updateApp(ctx), { name: 'oauth2/apps/update' });
}

function jsonAlways(ctx: Ctx, body: object): object | Reply {
  const f = (ctx.req.params.f ?? '').toLowerCase();
  if (f === 'json' || f === 'pjson') return body;
  return reply.raw(JSON.stringify(body), 'application/json; charset=utf-8', 200, { 'Cache-Control': 'no-store' });
}

// ---------------------------------------------------------------- authorize

function orgName(emu: EmulatorContext): string {
  return emu.state.org.name;
}

function appTitle(emu: EmulatorContext, app: AppRegistration): string {
  return emu.state.items.get(app.itemId)?.json.title ?? app.clientId;
}

/** ArcGIS shows its own error page (HTTP 400) instead of redirecting to an untrusted place. */
function htmlError(emu: EmulatorContext, message: string): Reply {
  return reply.html(errorPage(orgName(emu), 'Error', message), 400);
}

export function redirectUriAllowed(emu: EmulatorContext, app: AppRegistration, uri: string): boolean {
  if (app.redirectUris.includes(uri)) return true;
  if (tokenSettings(emu).redirectUriMatching === 'prefix') {
    return app.redirectUris.some((registered) => registered !== OOB_REDIRECT_URI && uri.startsWith(registered));
  }
  return false;
}

function withParams(uri: string, params: Record<string, string | undefined>, fragment = false): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) search.set(k, v);
  if (fragment) return `${uri}#${search.toString()}`;
  return `${uri}${uri.includes('?') ? '&' : '?'}${search.toString()}`;
}

function authorize(ctx: Ctx): Reply {
  const { emu } = ctx;
  const p = ctx.req.params;
  const app = p.client_id ? emu.state.apps.get(p.client_id) : undefined;
  if (!app) return htmlError(emu, 'Invalid client_id');
  const redirectUri = p.redirect_uri ?? '';
  if (!redirectUri || !redirectUriAllowed(emu, app, redirectUri)) return htmlError(emu, 'Invalid redirect_uri');

  // From here on the redirect_uri is trusted, so errors go back to the app (RFC 6749 4.1.2.1).
  const fail = (error: string, description: string) =>
    reply.redirect(withParams(redirectUri, { error, error_description: description, state: p.state }));
  const responseType = p.response_type;
  if (!responseType) return fail('invalid_request', 'response_type is required');
  if (responseType !== 'code' && responseType !== 'token') return fail('unsupported_response_type', 'Invalid response_type');
  const method = p.code_challenge_method;
  if (method !== undefined && method !== '' && method !== 'S256' && method !== 'plain') {
    return fail('invalid_request', 'Invalid code_challenge_method');
  }
  const codeChallenge = p.code_challenge || null;
  if (redirectUri === OOB_REDIRECT_URI && responseType === 'token') return fail('invalid_request', 'Invalid response_type');

  const expiration = p.expiration !== undefined && p.expiration !== '' ? intParam(p, 'expiration', DEFAULT_REFRESH_MINUTES) : undefined;
  const pending: PendingSignIn = {
    clientId: app.clientId,
    redirectUri,
    responseType,
    state: p.state,
    expiration,
    codeChallenge,
    // PKCE's default method is plain when a challenge comes without one (RFC 7636 4.3).
    codeChallengeMethod: codeChallenge ? (method === 'S256' ? 'S256' : 'plain') : null,
    showCancel: (p.hideCancel ?? '').toLowerCase() !== 'true',
    expires: emu.clock.now() + SIGN_IN_TTL_MS
  };
  // With IWA the web adaptor has already authenticated the browser, so the portal signs the user in without a form.
  if (ctx.principal && ctx.user) return completeSignIn(emu, pending, app, ctx.user);

  const oauthState = newSecret(40);
  const pendings = pendingSignIns(emu);
  for (const [key, value] of pendings) if (value.expires <= emu.clock.now()) pendings.delete(key);
  pendings.set(oauthState, pending);
  return reply.html(
    signInPage({
      orgName: orgName(emu),
      appTitle: appTitle(emu, app),
      action: `${emu.urls.restUrl}/oauth2/signin`,
      oauthState,
      showCancel: pending.showCancel
    }),
    200,
    { 'Cache-Control': 'no-store', 'X-Frame-Options': 'DENY' }
  );
}

function signIn(ctx: Ctx): Reply {
  const { emu } = ctx;
  const p = ctx.req.params;
  const pendings = pendingSignIns(emu);
  const key = p.oauth_state ?? '';
  const pending = pendings.get(key);
  if (!pending || pending.expires <= emu.clock.now()) {
    pendings.delete(key);
    return htmlError(emu, 'Your sign in request has expired. Return to the application and sign in again.');
  }
  const app = emu.state.apps.get(pending.clientId);
  if (!app) {
    pendings.delete(key);
    return htmlError(emu, 'Invalid client_id');
  }
  if ((p.cancel ?? '').toLowerCase() === 'true') {
    pendings.delete(key);
    const params = { error: 'access_denied', error_description: ACCESS_DENIED_DESCRIPTION, state: pending.state };
    if (pending.redirectUri === OOB_REDIRECT_URI) return reply.redirect(withParams(`${emu.urls.restUrl}/oauth2/approval`, params));
    return reply.redirect(withParams(pending.redirectUri, params, pending.responseType === 'token'));
  }

  const checked = checkCredentials(emu, p.username ?? '', p.password ?? '', 'any-case');
  if (checked === 'invalid' || checked === 'disabled') {
    return reply.html(
      signInPage({
        orgName: orgName(emu),
        appTitle: appTitle(emu, app),
        action: `${emu.urls.restUrl}/oauth2/signin`,
        oauthState: key,
        username: p.username,
        error: checked === 'disabled' ? DISABLED_ACCOUNT_MESSAGE : INVALID_CREDENTIALS_MESSAGE,
        showCancel: pending.showCancel
      }),
      200,
      { 'Cache-Control': 'no-store', 'X-Frame-Options': 'DENY' }
    );
  }
  pendings.delete(key);
  return completeSignIn(emu, pending, app, checked);
}

/** The user is signed in: hand the app a code (or, for the implicit grant, a token) at its redirect URI. */
function completeSignIn(emu: EmulatorContext, pending: PendingSignIn, app: AppRegistration, checked: UserRecord): Reply {
  recordSignIn(emu, checked);

  if (pending.responseType === 'token') {
    const minutes = Math.min(pending.expiration && pending.expiration > 0 ? pending.expiration : DEFAULT_IMPLICIT_MINUTES, orgMaxMinutes(emu, TWO_WEEKS_MINUTES));
    const access = issueToken(emu, checked.username, minutes, { kind: 'oauth', clientId: app.clientId });
    return reply.redirect(
      withParams(
        pending.redirectUri,
        {
          access_token: access.token,
          expires_in: String(Math.round((access.expires - access.created) / 1000)),
          username: checked.username,
          ssl: 'false',
          state: pending.state
        },
        true
      )
    );
  }

  const code: AuthorizationCodeRecord = {
    code: newSecret(64),
    clientId: app.clientId,
    redirectUri: pending.redirectUri,
    username: checked.username,
    expires: emu.clock.now() + CODE_TTL_MS,
    codeChallenge: pending.codeChallenge,
    codeChallengeMethod: pending.codeChallengeMethod,
    expiration: pending.expiration ?? DEFAULT_REFRESH_MINUTES,
    used: false
  };
  emu.state.authorizationCodes.set(code.code, code);
  emu.markDirty();
  if (pending.redirectUri === OOB_REDIRECT_URI) {
    return reply.redirect(withParams(`${emu.urls.restUrl}/oauth2/approval`, { code: code.code, state: pending.state }));
  }
  return reply.redirect(withParams(pending.redirectUri, { code: code.code, state: pending.state }));
}

function approval(ctx: Ctx): Reply {
  const { emu } = ctx;
  const p = ctx.req.params;
  if (p.error) return reply.html(errorPage(orgName(emu), 'Approval', p.error_description ?? p.error), 200);
  const record = p.code ? emu.state.authorizationCodes.get(p.code) : undefined;
  if (!record) return htmlError(emu, 'Invalid authorization code');
  const app = emu.state.apps.get(record.clientId);
  return reply.html(approvalPage(orgName(emu), app ? appTitle(emu, app) : record.clientId, record.code), 200, { 'Cache-Control': 'no-store' });
}

// ---------------------------------------------------------------- token

/** Refresh-token lifetime for a requested `expiration` (minutes; -1 = as long as the org allows). */
function refreshMinutesFor(emu: EmulatorContext, requested: number): number {
  const override = tokenSettings(emu).refreshMinutes;
  if (override !== null) return override;
  const wanted = requested > 0 ? requested : MAX_REFRESH_MINUTES;
  return Math.min(wanted, orgMaxMinutes(emu, MAX_REFRESH_MINUTES));
}

function accessAnswer(emu: EmulatorContext, user: UserRecord, clientId: string, refresh: RefreshTokenRecord, includeRefresh: boolean): object {
  const minutes = tokenSettings(emu).accessMinutes;
  const access = issueToken(emu, user.username, minutes, { kind: 'oauth', clientId, refreshToken: refresh.token });
  const body: Record<string, unknown> = {
    access_token: access.token,
    expires_in: Math.round((access.expires - access.created) / 1000),
    username: user.username,
    ssl: false
  };
  if (includeRefresh) {
    body.refresh_token = refresh.token;
    body.refresh_token_expires_in = Math.max(0, Math.round((refresh.expires - emu.clock.now()) / 1000));
  }
  return body;
}

function verifyPkce(record: AuthorizationCodeRecord, verifier: string | undefined): boolean {
  if (!record.codeChallenge) return true;
  if (!verifier) return false;
  if (record.codeChallengeMethod === 'plain') return verifier === record.codeChallenge;
  const digest = createHash('sha256').update(verifier, 'ascii').digest('base64url');
  return digest === record.codeChallenge;
}

function token(ctx: Ctx): object {
  const { emu } = ctx;
  const p = ctx.req.params;
  const app = p.client_id ? emu.state.apps.get(p.client_id) : undefined;
  if (!app) throw invalidClientId();
  if (p.client_secret !== undefined && p.client_secret !== '' && p.client_secret !== app.clientSecret) {
    throw oauthError(400, 'invalid_request', 'Invalid client_secret');
  }
  const now = emu.clock.now();
  switch (p.grant_type) {
    case 'authorization_code': {
      const record = p.code ? emu.state.authorizationCodes.get(p.code) : undefined;
      if (!record || record.clientId !== app.clientId) throw oauthError(400, 'invalid_request', 'Invalid authorization code');
      if (record.used) {
        // A replayed code may be stolen: revoke what it produced (RFC 6749 4.1.2).
        const issued = record.refreshToken ? emu.state.refreshTokens.get(record.refreshToken) : undefined;
        if (issued) revokeRefreshToken(emu, issued);
        throw oauthError(400, 'invalid_request', 'Invalid authorization code');
      }
      if (record.expires <= now) throw oauthError(400, 'invalid_request', 'Authorization code expired');
      if ((p.redirect_uri ?? '') !== record.redirectUri) throw oauthError(400, 'invalid_request', 'Invalid redirect_uri');
      if (!verifyPkce(record, p.code_verifier)) throw oauthError(400, 'invalid_request', 'Invalid code_verifier');
      const user = emu.state.getUser(record.username);
      if (!user || user.disabled) throw oauthError(400, 'invalid_request', 'Invalid authorization code');
      record.used = true;
      const refresh = issueRefreshToken(emu, user.username, app.clientId, refreshMinutesFor(emu, record.expiration));
      record.refreshToken = refresh.token;
      return accessAnswer(emu, user, app.clientId, refresh, true);
    }
    case 'refresh_token':
    case 'exchange_refresh_token': {
      const refresh = p.refresh_token ? emu.state.refreshTokens.get(p.refresh_token) : undefined;
      if (!refresh || refresh.revoked || refresh.clientId !== app.clientId) throw oauthError(498, 'invalid_request', 'Invalid refresh_token');
      if (refresh.expires <= now) throw oauthError(498, 'invalid_request', 'refresh_token expired');
      const user = emu.state.getUser(refresh.username);
      if (!user || user.disabled) throw oauthError(498, 'invalid_request', 'Invalid refresh_token');
      if (p.grant_type === 'refresh_token') return accessAnswer(emu, user, app.clientId, refresh, false);
      if (!p.redirect_uri || !redirectUriAllowed(emu, app, p.redirect_uri)) throw oauthError(400, 'invalid_request', 'Invalid redirect_uri');
      // The new refresh token gets the same lifetime as the one it replaces, counted from now (*partly unverified*).
      const lifetimeMinutes = (refresh.expires - refresh.created) / 60_000;
      revokeRefreshToken(emu, refresh);
      const next = issueRefreshToken(emu, user.username, app.clientId, tokenSettings(emu).refreshMinutes ?? lifetimeMinutes);
      return accessAnswer(emu, user, app.clientId, next, true);
    }
    case 'client_credentials': {
      if (!p.client_secret) throw oauthError(400, 'invalid_request', 'Invalid client_secret');
      const requested = intParam(p, 'expiration', DEFAULT_APP_TOKEN_MINUTES);
      const minutes = Math.min(requested > 0 ? requested : DEFAULT_APP_TOKEN_MINUTES, TWO_WEEKS_MINUTES);
      const item = emu.state.items.get(app.itemId);
      const access = issueToken(emu, item?.json.owner ?? '', minutes, { kind: 'app', clientId: app.clientId });
      return { access_token: access.token, expires_in: Math.round((access.expires - access.created) / 1000) };
    }
    default:
      // ArcGIS's wording for an unknown grant type is not documented (*unverified*).
      throw oauthError(400, 'unsupported_grant_type', 'Invalid grant_type');
  }
}

function revoke(ctx: Ctx): object {
  const { emu } = ctx;
  const p = ctx.req.params;
  const app = p.client_id ? emu.state.apps.get(p.client_id) : undefined;
  if (!app) throw invalidClientId();
  const value = p.auth_token ?? p.token ?? '';
  if (!value) throw oauthError(400, 'invalid_request', 'auth_token is required');
  const refresh = emu.state.refreshTokens.get(value);
  if (refresh && refresh.clientId === app.clientId) revokeRefreshToken(emu, refresh);
  const access = emu.state.tokens.get(value);
  if (access && (access.clientId === undefined || access.clientId === app.clientId)) {
    emu.state.tokens.delete(value);
    emu.markDirty();
  }
  // As RFC 7009 asks, an unknown token is not an error: the result is the same, the token does not work.
  return { success: true };
}

// ---------------------------------------------------------------- app registrations

const APP_TYPES = new Set(['browser', 'native', 'server', 'multiple']);

function appJson(emu: EmulatorContext, app: AppRegistration): object {
  void emu;
  return {
    itemId: app.itemId,
    client_id: app.clientId,
    client_secret: app.clientSecret,
    appType: app.appType,
    redirect_uris: [...app.redirectUris],
    registered: app.registered,
    modified: app.modified,
    apnsProdCert: app.apnsProdCert,
    apnsSandboxCert: app.apnsSandboxCert,
    gcmApiKey: app.gcmApiKey,
    httpReferrers: [...app.httpReferrers],
    privileges: [...app.privileges]
  };
}

/** The registration, for its item's owner or an administrator of the org; others get ArcGIS's 403. */
function appForManager(ctx: Ctx): AppRegistration {
  const user = requireUser(ctx);
  const app = ctx.emu.state.apps.get(ctx.params.clientId ?? '');
  if (!app) throw new ArcGISError(400, 'Invalid client_id', { details: [] });
  const item = ctx.emu.state.items.get(app.itemId);
  const owner = item?.json.owner ?? '';
  if (owner.toLowerCase() !== user.username.toLowerCase() && !(isAdmin(user) && item?.json.orgId === user.orgId)) {
    throw errors.forbidden();
  }
  return app;
}

function parseRedirectUris(params: Record<string, string>): string[] | undefined {
  if (params.redirect_uris === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = jsonParam(params, 'redirect_uris') ?? [];
  } catch {
    throw new ArcGISError(400, "Invalid 'redirect_uris'. It must be a JSON array of URIs.", { details: [] });
  }
  if (!Array.isArray(parsed) || !parsed.every((u) => typeof u === 'string')) {
    throw new ArcGISError(400, "Invalid 'redirect_uris'. It must be a JSON array of URIs.", { details: [] });
  }
  return parsed as string[];
}

function parseAppType(params: Record<string, string>): AppRegistration['appType'] | undefined {
  const value = params.appType;
  if (value === undefined || value === '') return undefined;
  if (!APP_TYPES.has(value)) throw new ArcGISError(400, `Invalid appType '${value}'. Valid values are browser, native, server and multiple.`);
  return value as AppRegistration['appType'];
}

function registerApp(ctx: Ctx): object {
  const { emu } = ctx;
  const user = requireUser(ctx);
  const p = ctx.req.params;
  if (!p.itemId) throw new ArcGISError(400, "'itemId' must be specified.", { details: ["'itemId' must be specified."] });
  const item = emu.state.items.get(p.itemId);
  if (!item) throw new ArcGISError(400, 'Item does not exist or is inaccessible.', { messageCode: 'CONT_0001', details: [] });
  if (item.json.owner.toLowerCase() !== user.username.toLowerCase()) {
    // "The item must be owned by the user invoking this operation, otherwise the call will be rejected."
    throw errors.forbidden();
  }
  const appType = parseAppType(p);
  if (!appType) throw new ArcGISError(400, "'appType' must be specified.", { details: ["'appType' must be specified."] });
  for (const existing of emu.state.apps.values()) {
    if (existing.itemId === item.json.id) throw new ArcGISError(400, 'Item is already registered.', { details: [] });
  }
  const now = emu.clock.now();
  const app: AppRegistration = {
    itemId: item.json.id,
    clientId: emu.state.random.alnum(16),
    clientSecret: newSecret(32),
    appType,
    redirectUris: parseRedirectUris(p) ?? [],
    registered: now,
    modified: now,
    apnsProdCert: null,
    apnsSandboxCert: null,
    gcmApiKey: null,
    httpReferrers: listParam(p, 'httpReferrers'),
    privileges: listParam(p, 'privileges')
  };
  emu.state.apps.set(app.clientId, app);
  if (!item.json.typeKeywords.includes('Registered App')) item.json.typeKeywords.push('Registered App');
  emu.markDirty();
  return appJson(emu, app);
}

function updateApp(ctx: Ctx): object {
  const { emu } = ctx;
  const app = appForManager(ctx);
  const p = ctx.req.params;
  const appType = parseAppType(p);
  const redirectUris = parseRedirectUris(p);
  if (appType) app.appType = appType;
  if (redirectUris) app.redirectUris = redirectUris;
  if (p.httpReferrers !== undefined) app.httpReferrers = listParam(p, 'httpReferrers');
  if (p.privileges !== undefined) app.privileges = listParam(p, 'privileges');
  app.modified = emu.clock.now();
  emu.markDirty();
  return appJson(emu, app);
}
