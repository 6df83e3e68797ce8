import { createHash, randomBytes } from 'node:crypto';
import { toArcGISFailure } from '../arcgis/arcgis-errors.js';
import { ArcGISSession } from '../arcgis/arcgis-session.js';
import { buildAuthorizeUrl, createPkcePair, exchangeAuthorizationCode, randomState, revokeRefreshToken } from '../arcgis/oauth.js';
import { normalizePortalUrl } from '../arcgis/portal-url.js';
import { DEFAULT_RETRY_POLICY } from '../arcgis/retry.js';
import { CredentialsExpiredError, OAuthTokenSource, type StoredCredentials } from '../arcgis/token-source.js';
import { actorName, type Actor, type AuditService } from '../audit/audit.service.js';
import type { AppUserRow, Role, SessionRow } from '../db/schema.js';
import { AppError } from '../errors/app-error.js';
import { redirectUriMessage, type ArcGISSessionFactory, type IdentityRepository, preflightAuthorize } from '../identities/index.js';
import type { IdentityRow } from '../identities/identity.types.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import type { Logger } from '../logging/logger.js';
import type { SecretBox } from '../secrets/secret-box.js';
import { type UserRepository, ROLES } from '../users/index.js';
import type { ClientContext, SignedIn } from './auth.service.js';
import { mapRole, type ArcGISPerson, type MappedRole } from './arcgis-role-mapping.js';
import { fetchPerson, searchOrgGroups } from './arcgis-sign-in.portal.js';
import type { ArcGISSignInRepository } from './arcgis-sign-in.repository.js';
import type {
  ArcGISSignInRow,
  ArcGISSignInSettingsInput,
  ArcGISSignInSettingsView,
  GroupRule,
  OrgGroupView,
  RoleMapping,
  SignInMethodsView,
  UserRule
} from './arcgis-sign-in.types.js';
import type { SessionChecker, SessionService } from './session.service.js';

/** The path the portal sends the browser back to. */
export const ARCGIS_CALLBACK_PATH = '/api/auth/arcgis/callback';
/** Ties a sign-in to the browser that started it (a random value; the database keeps its hash). */
export const ARCGIS_BROWSER_COOKIE = 'orgkeeper_arcgis_signin';
/** A sign-in started on the portal's page must come back within this time, once. */
export const ARCGIS_STATE_TTL_MS = 10 * 60_000;
const MAX_RULES = 200;
/** Checks made while a person waits get few retries. */
const INTERACTIVE_RETRY = { ...DEFAULT_RETRY_POLICY, maxAttempts: 2, maxThrottleAttempts: 3, maxDelayMs: 2000 };

/** What the refresh token of an ArcGIS session is kept with (sealed in the session's row). */
interface SessionGrant {
  identityId: string;
  clientId: string;
  username: string;
  refreshToken: string;
  refreshTokenExpires?: number;
}

export interface ArcGISSignInServiceDeps {
  repository: ArcGISSignInRepository;
  identities: IdentityRepository;
  arcgisSessions: ArcGISSessionFactory;
  users: UserRepository;
  sessions: SessionService;
  audit: AuditService;
  secretBox: SecretBox | undefined;
  clock: Clock;
  logger: Logger;
  publicUrl: string;
}

export type FinishResult = { kind: 'signed-in'; signedIn: SignedIn; location: string } | { kind: 'refused'; location: string };

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * A web-app path to go to after signing in, or `/`: only a path of OrgKeeper's own web app (never another site, a
 * protocol-relative `//host`, a backslash trick, or the API), so the sign-in cannot be used as an open redirect.
 */
export function safeReturnPath(input: unknown): string {
  if (typeof input !== 'string' || input.length === 0 || input.length > 1000) return '/';
  // eslint-disable-next-line no-control-regex
  if (!input.startsWith('/') || input.startsWith('//') || /[\\\u0000-\u001f\u007f]/.test(input)) return '/';
  let url: URL;
  try {
    url = new URL(input, 'http://orgkeeper.invalid');
  } catch {
    return '/';
  }
  if (url.origin !== 'http://orgkeeper.invalid') return '/';
  if (/^\/api(\/|$)/i.test(url.pathname) || url.pathname === '/sign-in') return '/';
  return `${url.pathname}${url.search}${url.hash}`;
}

function signInError(code: string): string {
  return `/sign-in?${new URLSearchParams({ arcgis: code }).toString()}`;
}

/**
 * Signing in to OrgKeeper with an ArcGIS account of a chosen identity's organization: OAuth2 authorization code with
 * PKCE through the portal's own page (so SAML and MFA work), a single-use state tied to the browser that started it,
 * the organization checked, and the role taken from the administrator's mapping (nobody unmapped gets in). The
 * session keeps the sign-in's refresh token, sealed, only to check the person's roles and groups again while it
 * lasts (SessionChecker); the access token is never stored.
 */
export class ArcGISSignInService implements SessionChecker {
  private publicUrl: string;

  constructor(private readonly deps: ArcGISSignInServiceDeps) {
    this.publicUrl = deps.publicUrl.replace(/\/+$/, '');
  }

  setPublicUrl(publicUrl: string): void {
    this.publicUrl = publicUrl.replace(/\/+$/, '');
  }

  get redirectUri(): string {
    return `${this.publicUrl}${ARCGIS_CALLBACK_PATH}`;
  }

  // ------------------------------------------------------------------ settings

  async methods(): Promise<SignInMethodsView> {
    const ready = await this.ready().catch(() => null);
    return { local: true, arcgis: ready ? { organization: ready.identity.portal_name ?? ready.identity.name } : null };
  }

  async settings(): Promise<ArcGISSignInSettingsView> {
    const row = await this.deps.repository.getSettings();
    const identity = row?.identity_id ? await this.deps.identities.findById(row.identity_id) : undefined;
    return {
      enabled: row?.enabled === 1,
      identityId: identity?.id ?? null,
      identityName: identity?.name ?? null,
      portalUrl: identity?.portal_url ?? null,
      appId: row?.app_id ?? null,
      mapping: row ? mappingOf(row) : { adminsRole: null, users: [], groups: [] },
      redirectUri: this.redirectUri,
      updatedBy: row?.updated_by ?? null,
      updatedAt: row ? row.updated_at : null
    };
  }

  /** Saves the setting; turning it on needs an identity whose organization is known, an App ID and at least one rule. */
  async saveSettings(input: ArcGISSignInSettingsInput, actor: Actor, ip: string | null): Promise<ArcGISSignInSettingsView> {
    const fields: Record<string, string> = {};
    const mapping = checkMapping(input.mapping, fields);
    const identity = input.identityId ? await this.deps.identities.findById(input.identityId) : undefined;
    if (input.identityId && !identity) fields.identityId = 'There is no such identity; choose one from the list.';
    const appId = (input.appId ?? '').trim() || identity?.app_id || null;
    if (input.enabled) {
      if (!input.identityId) fields.identityId = 'Choose the identity whose organization people sign in with.';
      else if (identity && !identity.org_id) {
        fields.identityId = `"${identity.name}" has not been connected yet, so its organization is not known: connect it on the Identities page first.`;
      }
      if (!appId) fields.appId = 'Enter the App ID (client ID) of an application registered in that organization.';
      if (mapping.adminsRole === null && mapping.users.length === 0 && mapping.groups.length === 0) {
        fields.mapping = 'Map at least one of: the organization\'s administrators, a named user, or a group; nobody else can sign in.';
      }
      // A broken portal must never lock everyone out: a local administrator always remains.
      if ((await this.deps.users.countLocalAdmins()) === 0) fields.enabled = 'Create a local administrator account first (orgkeeper admin create).';
    }
    if (appId && !/^[A-Za-z0-9_-]{1,256}$/.test(appId)) fields.appId = 'An App ID is letters and digits, as shown on the application\'s Credentials page.';
    if (Object.keys(fields).length > 0) throw AppError.validation(fields);

    await this.deps.repository.saveSettings({
      enabled: input.enabled ? 1 : 0,
      identity_id: identity?.id ?? null,
      app_id: appId,
      admins_role: mapping.adminsRole,
      user_rules: JSON.stringify(mapping.users),
      group_rules: JSON.stringify(mapping.groups),
      updated_by: actorName(actor),
      updated_at: this.deps.clock().toISOString()
    });
    await this.deps.audit.record({
      actor,
      action: 'settings.arcgis_sign_in',
      target: identity?.name ?? null,
      result: 'success',
      ip,
      details: { enabled: input.enabled, identityId: identity?.id ?? null, appId, adminsRole: mapping.adminsRole, users: mapping.users.length, groups: mapping.groups.length }
    });
    return this.settings();
  }

  /** Groups of the identity's organization whose title matches, through the identity's own connection. */
  async searchGroups(identityId: string, text: string): Promise<OrgGroupView[]> {
    const identity = await this.deps.identities.findById(identityId);
    if (!identity) throw new AppError('not_found', 'There is no such identity.');
    if (!identity.org_id) throw new AppError('needs_sign_in', `Connect "${identity.name}" first: its organization is not known yet.`);
    const session = await this.deps.arcgisSessions.sessionFor(identity.id);
    try {
      return await searchOrgGroups(session, { orgId: identity.org_id, text });
    } catch (error) {
      if (error instanceof AppError) throw error;
      throw new AppError('arcgis_error', `The portal did not list the groups: ${toArcGISFailure(error).message}`, { cause: error });
    }
  }

  // ------------------------------------------------------------------ sign-in

  /**
   * Starts a sign-in: the portal's sign-in page to send the browser to, and the value the browser keeps in its
   * cookie until it comes back. A wrong App ID or an unregistered redirect URI is explained here.
   */
  async start(returnTo: unknown): Promise<{ authorizeUrl: string; browserValue: string }> {
    const ready = await this.ready();
    const { restUrl } = normalizePortalUrl(ready.identity.portal_url);
    const { verifier, challenge } = createPkcePair();
    const state = randomState();
    const redirectUri = this.redirectUri;
    const authorizeUrl = buildAuthorizeUrl({
      restUrl,
      clientId: ready.appId,
      redirectUri,
      state,
      codeChallenge: challenge,
      // The refresh token only has to outlive the session (it re-checks roles and groups while the session lasts).
      expirationMinutes: Math.ceil(this.deps.sessions.absoluteTtlMs / 60_000)
    });
    const preflight = await preflightAuthorize(authorizeUrl);
    if (preflight.kind === 'redirect_uri') {
      throw new AppError('redirect_uri_not_registered', redirectUriMessage({ type: ready.identity.type, app_id: ready.appId, portal_url: ready.identity.portal_url }, redirectUri));
    }
    if (preflight.kind === 'client_id') {
      throw new AppError('invalid_app_id', `${ready.identity.portal_url} does not know the App ID "${ready.appId}" set for signing in with ArcGIS. An administrator must correct it in Administration.`);
    }
    if (preflight.kind === 'unreachable') throw new AppError('portal_unreachable', `OrgKeeper could not reach ${ready.identity.portal_url}: ${preflight.message} Sign in with an OrgKeeper account instead.`);
    if (preflight.kind === 'other') throw new AppError('arcgis_error', `${preflight.message} Sign in with an OrgKeeper account instead.`);

    const browserValue = randomBytes(24).toString('base64url');
    const now = this.deps.clock();
    await this.deps.repository.deleteExpiredStates(now.toISOString());
    const id = sha256(state);
    await this.deps.repository.insertState({
      id,
      code_verifier: this.secretBox().seal(verifier, `arcgis_sign_in_state:${id}:code_verifier`),
      browser_key: sha256(browserValue),
      identity_id: ready.identity.id,
      app_id: ready.appId,
      redirect_uri: redirectUri,
      return_to: safeReturnPath(returnTo),
      created_at: now.toISOString(),
      expires_at: new Date(now.getTime() + ARCGIS_STATE_TTL_MS).toISOString()
    });
    return { authorizeUrl, browserValue };
  }

  /** The portal sent the browser back: check everything, then open a session (or say on the sign-in page why not). */
  async finish(
    query: { code?: string; state?: string; error?: string; error_description?: string },
    browserValue: string | undefined,
    client: ClientContext
  ): Promise<FinishResult> {
    const refuse = async (code: string, result: 'failure' | 'denied', details: Record<string, unknown> = {}): Promise<FinishResult> => {
      await this.deps.audit.record({
        actor: { kind: 'anonymous', ...(typeof details.username === 'string' ? { name: details.username } : {}) },
        action: 'auth.login',
        target: typeof details.username === 'string' ? details.username : null,
        result,
        ip: client.ip,
        details: { via: 'arcgis', reason: code, ...details }
      });
      return { kind: 'refused', location: signInError(code) };
    };

    if (!query.state) return refuse('invalid_state', 'failure');
    const pending = await this.deps.repository.takeState(sha256(query.state));
    if (!pending || pending.expires_at <= this.deps.clock().toISOString()) return refuse('state_expired', 'failure');
    // Login CSRF: an answer for a sign-in this browser did not start (someone else's code) is refused.
    if (!browserValue || sha256(browserValue) !== pending.browser_key) return refuse('other_browser', 'denied');
    if (query.error) return refuse(query.error === 'access_denied' ? 'cancelled' : 'oauth_error', 'failure', { error: query.error });
    if (!query.code) return refuse('oauth_error', 'failure');

    const settings = await this.deps.repository.getSettings();
    const identity = await this.deps.identities.findById(pending.identity_id);
    if (!settings || settings.enabled !== 1 || settings.identity_id !== pending.identity_id || !identity?.org_id) return refuse('off', 'denied');
    const { restUrl } = normalizePortalUrl(identity.portal_url);

    let credentials: StoredCredentials;
    try {
      const verifier = this.secretBox().openString(pending.code_verifier, `arcgis_sign_in_state:${pending.id}:code_verifier`);
      const grant = await exchangeAuthorizationCode({ restUrl, clientId: pending.app_id, redirectUri: pending.redirect_uri, code: query.code, codeVerifier: verifier });
      const now = this.deps.clock().getTime();
      credentials = {
        username: grant.username,
        clientId: pending.app_id,
        token: grant.token,
        tokenExpires: grant.tokenExpires,
        tokenIssued: now,
        refreshToken: grant.refreshToken,
        refreshTokenExpires: grant.refreshTokenExpires
      };
    } catch (error) {
      return refuse('oauth_error', 'failure', { error: toArcGISFailure(error).message });
    }

    let person: ArcGISPerson;
    try {
      person = await fetchPerson(this.personSession(identity, credentials));
    } catch (error) {
      await this.revoke(identity, credentials);
      return refuse('arcgis_error', 'failure', { username: credentials.username, error: toArcGISFailure(error).message });
    }
    const refused = this.refusal(identity, settings, person);
    if (refused) {
      await this.revoke(identity, credentials);
      return refuse(refused, 'denied', { username: person.username, orgId: person.orgId, identity: identity.name });
    }
    const mapped = mapRole(mappingOf(settings), person) as MappedRole;
    if (!credentials.refreshToken) return refuse('oauth_error', 'failure', { username: person.username, error: 'the portal gave no refresh token' });

    const now = this.deps.clock().toISOString();
    const user = await this.deps.users.upsertArcGISUser({
      id: newId(),
      username: person.username,
      username_key: arcgisUserKey(identity.org_id, person.username),
      // Never a password: these accounts sign in through their organization only.
      password_hash: '!arcgis',
      role: mapped.role,
      created_at: now,
      updated_at: now,
      last_login_at: now,
      source: 'arcgis'
    });
    await this.deps.users.recordLogin(user.id, now);
    const grant: SessionGrant = {
      identityId: identity.id,
      clientId: pending.app_id,
      username: person.username,
      refreshToken: credentials.refreshToken,
      ...(credentials.refreshTokenExpires ? { refreshTokenExpires: credentials.refreshTokenExpires } : {})
    };
    const session = await this.deps.sessions.create(user.id, client, {
      via: 'arcgis',
      sealGrant: (sessionId) => this.secretBox().seal(JSON.stringify(grant), grantData(sessionId))
    });
    await this.deps.audit.record({
      actor: { kind: 'user', userId: user.id, username: user.username },
      action: 'auth.login',
      target: user.username,
      result: 'success',
      ip: client.ip,
      details: { via: 'arcgis', identity: identity.name, orgId: person.orgId, role: mapped.role, matched: mapped.matched }
    });
    return { kind: 'signed-in', signedIn: { user: { id: user.id, username: user.username, role: user.role }, session }, location: pending.return_to };
  }

  // ------------------------------------------------------------------ SessionChecker

  /**
   * Checks an ArcGIS session's person again with their own refresh token: still in the organization, still mapped
   * (the role follows the mapping). Null when access is lost or cannot be confirmed (the session then ends).
   */
  async recheck(session: SessionRow, user: AppUserRow): Promise<Role | null> {
    const lost = async (reason: string, details: Record<string, unknown> = {}) => {
      await this.deps.audit.record({
        actor: { kind: 'user', userId: user.id, username: user.username },
        action: 'auth.recheck',
        target: user.username,
        result: 'denied',
        details: { via: 'arcgis', reason, ...details }
      });
      return null;
    };
    const grant = this.openGrant(session);
    if (!grant) return lost('no_grant');
    const settings = await this.deps.repository.getSettings();
    const identity = await this.deps.identities.findById(grant.identityId);
    if (!settings || settings.enabled !== 1 || settings.identity_id !== grant.identityId || !identity?.org_id) return lost('off');

    let person: ArcGISPerson;
    try {
      person = await fetchPerson(this.personSession(identity, { username: grant.username, clientId: grant.clientId, refreshToken: grant.refreshToken, refreshTokenExpires: grant.refreshTokenExpires }));
    } catch (error) {
      const refusedByArcGIS = error instanceof CredentialsExpiredError;
      return lost(refusedByArcGIS ? 'arcgis_refused' : 'check_failed', { error: (error instanceof Error ? error.message : String(error)).slice(0, 500) });
    }
    const refused = this.refusal(identity, settings, person);
    if (refused) return lost(refused, { orgId: person.orgId });
    const mapped = mapRole(mappingOf(settings), person) as MappedRole;
    if (mapped.role !== user.role) {
      await this.deps.users.setArcGISRole(user.id, mapped.role, this.deps.clock().toISOString());
      await this.deps.audit.record({
        actor: { kind: 'user', userId: user.id, username: user.username },
        action: 'auth.recheck',
        target: user.username,
        result: 'success',
        details: { via: 'arcgis', from: user.role, to: mapped.role, matched: mapped.matched }
      });
    }
    return mapped.role;
  }

  /** The session ended (sign-out): the refresh token it held is revoked at the portal (best effort). */
  async ended(session: SessionRow): Promise<void> {
    const grant = this.openGrant(session);
    if (!grant) return;
    const identity = await this.deps.identities.findById(grant.identityId);
    if (identity) await this.revoke(identity, { username: grant.username, clientId: grant.clientId, refreshToken: grant.refreshToken });
  }

  // ------------------------------------------------------------------ helpers

  /** The identity and App ID people sign in with, when signing in with ArcGIS is on and set up. */
  private async ready(): Promise<{ identity: IdentityRow & { org_id: string }; appId: string }> {
    const settings = await this.deps.repository.getSettings();
    const off = new AppError('not_found', 'Signing in with ArcGIS is not turned on. Sign in with your OrgKeeper account.');
    if (!settings || settings.enabled !== 1 || !settings.identity_id || !settings.app_id) throw off;
    const identity = await this.deps.identities.findById(settings.identity_id);
    if (!identity?.org_id) throw off;
    return { identity: identity as IdentityRow & { org_id: string }, appId: settings.app_id };
  }

  /** Why this person may not sign in (another organization, disabled, no rule matches), or null. */
  private refusal(identity: IdentityRow, settings: ArcGISSignInRow, person: ArcGISPerson & { disabled?: boolean }): string | null {
    if (!person.orgId || person.orgId !== identity.org_id) return 'wrong_org';
    if (person.disabled) return 'disabled';
    if (!mapRole(mappingOf(settings), person)) return 'not_allowed';
    return null;
  }

  /** A session with the person's own token, to the identity's portal only. */
  private personSession(identity: IdentityRow, credentials: StoredCredentials): ArcGISSession {
    const { portalUrl, restUrl } = normalizePortalUrl(identity.portal_url);
    const source = new OAuthTokenSource({ restUrl, credentials, now: () => this.deps.clock().getTime() });
    return new ArcGISSession({ portalUrl, restUrl, auth: source, retry: INTERACTIVE_RETRY, timeoutMs: 30_000 });
  }

  private openGrant(session: SessionRow): SessionGrant | null {
    if (!session.arcgis_grant || !this.deps.secretBox) return null;
    try {
      return JSON.parse(this.deps.secretBox.openString(session.arcgis_grant, grantData(session.id))) as SessionGrant;
    } catch {
      return null;
    }
  }

  private async revoke(identity: IdentityRow, credentials: StoredCredentials): Promise<void> {
    if (!credentials.refreshToken || !credentials.clientId) return;
    try {
      await revokeRefreshToken({ restUrl: normalizePortalUrl(identity.portal_url).restUrl, clientId: credentials.clientId, refreshToken: credentials.refreshToken });
    } catch (error) {
      this.deps.logger.warn({ identity: identity.id, err: { message: (error as Error).message } }, 'could not revoke an ArcGIS sign-in refresh token');
    }
  }

  private secretBox(): SecretBox {
    if (!this.deps.secretBox) throw new Error('Signing in with ArcGIS needs the master key (SecretBox).');
    return this.deps.secretBox;
  }
}

function grantData(sessionId: string): string {
  return `session:${sessionId}:arcgis_grant`;
}

/** The account key of an ArcGIS user: never the key of a local account (local usernames cannot contain `:`). */
export function arcgisUserKey(orgId: string, username: string): string {
  return `arcgis:${orgId.toLowerCase()}:${username.toLowerCase()}`;
}

function mappingOf(row: ArcGISSignInRow): RoleMapping {
  const parse = <T>(text: string): T[] => {
    try {
      const value: unknown = JSON.parse(text);
      return Array.isArray(value) ? (value as T[]) : [];
    } catch {
      return [];
    }
  };
  return { adminsRole: row.admins_role, users: parse<UserRule>(row.user_rules), groups: parse<GroupRule>(row.group_rules) };
}

/** The mapping as saved: trimmed, no duplicates, every role known; problems go into `fields`. */
function checkMapping(mapping: RoleMapping, fields: Record<string, string>): RoleMapping {
  const role = (value: unknown): value is Role => typeof value === 'string' && (ROLES as readonly string[]).includes(value);
  const adminsRole = mapping.adminsRole === null || role(mapping.adminsRole) ? mapping.adminsRole : null;
  if (mapping.adminsRole !== null && !role(mapping.adminsRole)) fields['mapping.adminsRole'] = `Use one of: ${ROLES.join(', ')}, or none.`;
  const users = new Map<string, UserRule>();
  for (const rule of mapping.users) {
    const username = rule.username.trim();
    if (!username || username.length > 128) fields['mapping.users'] = 'Enter each ArcGIS username (at most 128 characters).';
    else if (!role(rule.role)) fields['mapping.users'] = `Give each user one of the roles: ${ROLES.join(', ')}.`;
    else users.set(username.toLowerCase(), { username, role: rule.role });
  }
  const groups = new Map<string, GroupRule>();
  for (const rule of mapping.groups) {
    const groupId = rule.groupId.trim();
    if (!/^[A-Za-z0-9]{1,64}$/.test(groupId)) fields['mapping.groups'] = 'A group is named by its id (32 letters and digits, as in the group page\'s URL).';
    else if (!role(rule.role)) fields['mapping.groups'] = `Give each group one of the roles: ${ROLES.join(', ')}.`;
    else groups.set(groupId, { groupId, title: rule.title.trim().slice(0, 500), role: rule.role });
  }
  if (users.size + groups.size > MAX_RULES) fields.mapping = `At most ${MAX_RULES} users and groups; use groups for larger teams.`;
  return { adminsRole, users: [...users.values()], groups: [...groups.values()] };
}
