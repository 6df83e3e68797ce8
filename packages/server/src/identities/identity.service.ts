import { normalizePortalUrl, PortalUrlError } from '../arcgis/portal-url.js';
import { IwaUnavailableError, negotiateHeader } from '../arcgis/iwa-client.js';
import type { StoredCredentials } from '../arcgis/token-source.js';
import type { Actor, AuditService } from '../audit/audit.service.js';
import { AppError } from '../errors/app-error.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import type { Logger } from '../logging/logger.js';
import type { CredentialVault } from './credential-vault.js';
import { createFileLocation, locationsOverlap, planFileLocation, removeCreatedFolders, type FileLocationPlan } from './file-location.js';
import type { IdentityChecks } from './identity-checks.js';
import type { IdentityConnections } from './identity-connections.js';
import type { IdentitySessions } from './identity-sessions.js';
import type { IdentityRepository } from './identity.repository.js';
import type { AuthMethod, IdentityConnectView, IdentityInput, IdentityRow, IdentityType, IdentityUpdate, IdentityView, TestReport } from './identity.types.js';
import { probePortal, type PortalSelf } from './portal-client.js';

export const NAME_MAX = 100;
const FOLDER_TAKEN = 'Another identity already uses this folder. Each identity needs its own folder.';
const APP_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

export interface IdentityServiceDeps {
  repository: IdentityRepository;
  vault: CredentialVault;
  sessions: IdentitySessions;
  connections: IdentityConnections;
  checks: IdentityChecks;
  audit: AuditService;
  clock: Clock;
  logger: Logger;
}

/** What the checks learnt about the portal, kept on the row. */
interface PortalFacts {
  portalUrl: string;
  restUrl: string;
  portal: PortalSelf | null;
  /** IWA portal whose details could not be read without a Kerberos ticket; the reason. */
  iwaProblem: string | null;
}

/**
 * Identities: the ArcGIS organizations OrgKeeper may act on. Validates every field against the real world (the
 * portal answers and is of the right kind, the folder is writable and not shared), keeps the rows, and hands
 * connecting to IdentityConnections.
 */
export class IdentityService {
  constructor(private readonly deps: IdentityServiceDeps) {}

  async list(): Promise<IdentityView[]> {
    const rows = await this.deps.repository.list();
    return rows.map((row) => this.view(row));
  }

  /** The stored rows (File Locations included), for commands that look into every identity's store. */
  listRows(): Promise<IdentityRow[]> {
    return this.deps.repository.list();
  }

  async get(id: string): Promise<IdentityView> {
    return this.view(await this.row(id));
  }

  async row(id: string): Promise<IdentityRow> {
    const row = await this.deps.repository.findById(id);
    if (!row) throw new AppError('not_found', 'There is no identity with this id; it may have been deleted.');
    return row;
  }

  /** Finds an identity by id or (case-insensitive) name: for the command line. */
  async findByIdOrName(idOrName: string): Promise<IdentityRow> {
    const byId = await this.deps.repository.findById(idOrName);
    if (byId) return byId;
    const byName = await this.deps.repository.findByNameKey(nameKey(idOrName));
    if (byName) return byName;
    throw new AppError('not_found', `There is no identity named or with the id "${idOrName}". List them with \`orgkeeper identities list\`.`);
  }

  async create(input: IdentityInput, actor: Actor): Promise<IdentityView> {
    const fields: Record<string, string> = {};
    const type = parseType(input.type, fields);
    const name = this.checkNameSyntax(input.name, fields);
    if (name !== undefined && (await this.deps.repository.findByNameKey(nameKey(name)))) fields.name = nameTaken(name);
    const authMethod = type ? parseAuthMethod(type, input.authMethod, fields) : undefined;
    const appId = authMethod === 'oauth2' ? parseAppId(input.appId, fields) : null;
    const storeCredentials = input.storeCredentials ?? true;
    const login = parseLogin(input, authMethod, storeCredentials, fields);
    // Every field is checked before anything is created: a refused add leaves no folder behind.
    const planned = await this.checkLocation(input.fileLocation, null, fields);
    const facts = type && authMethod ? await this.checkUrl(input.url, type, authMethod, fields) : undefined;
    if (Object.keys(fields).length > 0 || !type || !name || !authMethod || !facts || !planned) throw AppError.validation(fields);

    const id = newId();
    const now = this.deps.clock().toISOString();
    const location = { path: planned.path, realPath: planned.realPath };
    const row: IdentityRow = {
      id,
      name,
      name_key: nameKey(name),
      type,
      portal_url: facts.portalUrl,
      auth_method: authMethod,
      app_id: appId ?? null,
      file_location: location.path,
      file_location_key: location.realPath,
      file_location_credentials: null,
      store_encryption: 0,
      store_passphrase: null,
      store_credentials: storeCredentials ? 1 : 0,
      org_id: facts.portal?.orgId ?? null,
      portal_name: facts.portal?.portalName ?? null,
      username: null,
      status_state: facts.iwaProblem ? 'error' : 'not_connected',
      status_message: facts.iwaProblem,
      connected_at: null,
      token_expires: null,
      refresh_token_expires: null,
      has_password: 0,
      credentials: null,
      created_at: now,
      updated_at: now
    };

    // A built-in account's user name and password: sign in now, so a wrong password or a non-administrator is
    // refused before anything is saved.
    let signedIn: { credentials: StoredCredentials; username: string; orgId: string | null; portalName: string | null } | undefined;
    if (login) signedIn = await this.deps.connections.signInWithPassword(row, login.username, login.password);

    const conflict = await this.saveWithFolder(planned, (realPath) => this.deps.repository.insert({ ...row, file_location_key: realPath }));
    if (conflict === 'name') throw AppError.validation({ name: nameTaken(name) });
    if (signedIn) await this.deps.connections.recordPasswordSignIn(row, signedIn);

    await this.deps.audit.record({
      actor,
      action: 'identity.create',
      target: id,
      result: 'success',
      details: { name, type, url: facts.portalUrl, authMethod, fileLocation: location.path, storeCredentials, withPassword: !!login }
    });
    return this.get(id);
  }

  async update(id: string, input: IdentityInput, actor: Actor): Promise<IdentityView> {
    const row = await this.row(id);
    const fields: Record<string, string> = {};
    if (input.type !== undefined && input.type !== row.type) {
      fields.type = `An identity cannot move between ArcGIS Online and ArcGIS Enterprise. Delete it and add it under ${input.type === 'online' ? 'ArcGIS Online' : 'ArcGIS Enterprise'} instead.`;
    }
    const changes: IdentityUpdate = {};
    let reconnectNeeded = false;

    if (input.name !== undefined) {
      const name = this.checkNameSyntax(input.name, fields);
      if (name !== undefined && nameKey(name) !== row.name_key && (await this.deps.repository.findByNameKey(nameKey(name)))) fields.name = nameTaken(name);
      if (name !== undefined && name !== row.name) Object.assign(changes, { name, name_key: nameKey(name) });
    }
    const authMethod = input.authMethod !== undefined ? parseAuthMethod(row.type, input.authMethod, fields) : row.auth_method;
    if (authMethod && authMethod !== row.auth_method) {
      changes.auth_method = authMethod;
      reconnectNeeded = true;
    }
    if (authMethod === 'iwa') {
      if (row.app_id !== null) changes.app_id = null;
    } else if (authMethod === 'oauth2' && (input.appId !== undefined || row.app_id === null)) {
      const appId = parseAppId(input.appId === undefined ? row.app_id : input.appId, fields);
      if (appId && appId !== row.app_id) {
        changes.app_id = appId;
        reconnectNeeded = true;
      }
    }
    const storeCredentials = input.storeCredentials ?? row.store_credentials === 1;
    const login = parseLogin(input, authMethod, storeCredentials, fields);

    let facts: PortalFacts | undefined;
    const urlChanged = input.url !== undefined && safeNormalize(input.url) !== row.portal_url;
    if (urlChanged || (authMethod && authMethod !== row.auth_method)) {
      facts = authMethod ? await this.checkUrl(input.url ?? row.portal_url, row.type, authMethod, fields) : undefined;
      if (facts) {
        if (facts.portalUrl !== row.portal_url) reconnectNeeded = true;
        changes.portal_url = facts.portalUrl;
        changes.org_id = facts.portal?.orgId ?? (facts.portalUrl === row.portal_url ? row.org_id : null);
        changes.portal_name = facts.portal?.portalName ?? (facts.portalUrl === row.portal_url ? row.portal_name : null);
      }
    }
    let planned: Extract<FileLocationPlan, { ok: true }> | undefined;
    if (input.fileLocation !== undefined && input.fileLocation.trim() !== row.file_location) {
      planned = await this.checkLocation(input.fileLocation, row.id, fields);
      if (planned) Object.assign(changes, { file_location: planned.path, file_location_key: planned.realPath });
    }
    if (Object.keys(fields).length > 0) throw AppError.validation(fields);

    const merged: IdentityRow = { ...row, ...changes } as IdentityRow;
    let signedIn: Awaited<ReturnType<IdentityConnections['signInWithPassword']>> | undefined;
    if (login) signedIn = await this.deps.connections.signInWithPassword(merged, login.username, login.password);

    const now = this.deps.clock().toISOString();
    if (reconnectNeeded) {
      // Another portal, app or method: the old sign-in does not apply any more.
      await this.deps.connections.disconnect(row);
      Object.assign(changes, {
        status_state: facts?.iwaProblem ? 'error' : 'not_connected',
        status_message: facts?.iwaProblem ?? null,
        username: null,
        connected_at: null
      } satisfies IdentityUpdate);
    }
    if (storeCredentials !== (row.store_credentials === 1)) changes.store_credentials = storeCredentials ? 1 : 0;
    if (Object.keys(changes).length > 0) {
      const save = (realPath?: string) => this.deps.repository.update(id, { ...changes, ...(realPath ? { file_location_key: realPath } : {}), updated_at: now });
      const conflict = planned ? await this.saveWithFolder(planned, save) : await save();
      if (conflict === 'name') throw AppError.validation({ name: nameTaken(input.name ?? row.name) });
      if (conflict === 'file_location') throw AppError.validation({ fileLocation: FOLDER_TAKEN });
    }
    if (changes.store_credentials !== undefined) await this.deps.vault.setStored(id, storeCredentials);
    this.deps.sessions.invalidate(id);
    if (signedIn) await this.deps.connections.recordPasswordSignIn({ ...merged, store_credentials: storeCredentials ? 1 : 0 }, signedIn);

    const changed = Object.keys(changes).filter((k) => !['name_key', 'file_location_key', 'org_id', 'portal_name', 'status_state', 'status_message', 'username', 'connected_at'].includes(k));
    await this.deps.audit.record({
      actor,
      action: 'identity.update',
      target: id,
      result: 'success',
      details: { name: merged.name, changed: [...changed, ...(login ? ['username', 'password'] : [])], disconnected: reconnectNeeded }
    });
    return this.get(id);
  }

  /** Deletes the identity and revokes its tokens. Backups on disk stay where they are. */
  async delete(id: string, actor: Actor): Promise<void> {
    const row = await this.row(id);
    await this.deps.connections.disconnect(row);
    await this.deps.repository.delete(id);
    this.deps.sessions.invalidate(id);
    await this.deps.audit.record({
      actor,
      action: 'identity.delete',
      target: id,
      result: 'success',
      details: { name: row.name, url: row.portal_url, fileLocation: row.file_location, backupsKept: true }
    });
  }

  /** Where the portal sends the browser back after an OAuth2 sign-in (register it on the App ID). */
  get redirectUri(): string {
    return this.deps.connections.redirectUri;
  }

  /** OAuth2: where to send the browser; IWA: connects now. */
  async connect(id: string, actor: Actor): Promise<IdentityConnectView> {
    const result = await this.deps.connections.connect(await this.row(id), actor);
    if (result.kind === 'redirect') return result;
    return { kind: 'connected', identity: await this.get(id) };
  }

  /** The OAuth2 callback; answers the path to send the browser to. */
  finishOAuth(query: { code?: string; state?: string; error?: string; error_description?: string }, ip: string | null): Promise<string> {
    return this.deps.connections.finishOAuth(query, ip);
  }

  async test(id: string): Promise<TestReport> {
    return this.deps.checks.run(await this.row(id));
  }

  /** The API's Identity JSON: no secret, and a status that tells the truth about in-memory credentials. */
  view(row: IdentityRow): IdentityView {
    let state = row.status_state;
    let message = row.status_message;
    let tokenExpires = row.token_expires;
    let refreshTokenExpires = row.refresh_token_expires;
    let hasPassword = row.has_password === 1;
    if (row.auth_method === 'oauth2' && state === 'connected') {
      let held: ReturnType<CredentialVault['get']>;
      try {
        held = this.deps.vault.get(row);
      } catch {
        held = undefined;
      }
      if (!held) {
        state = 'needs_sign_in';
        message = row.store_credentials
          ? 'The stored credentials are missing or cannot be read. Connect (sign in) again.'
          : 'This identity keeps its credentials in memory only, and OrgKeeper has restarted since the sign-in. Connect (sign in) again, or turn on Store credentials so scheduled work can run unattended.';
        tokenExpires = null;
        refreshTokenExpires = null;
      } else {
        tokenExpires = isoOrNull(held.credentials.tokenExpires);
        refreshTokenExpires = isoOrNull(held.credentials.refreshTokenExpires);
        hasPassword = !!held.credentials.password && row.store_credentials === 1;
      }
    }
    return {
      id: row.id,
      type: row.type,
      name: row.name,
      url: row.portal_url,
      authMethod: row.auth_method,
      appId: row.app_id,
      fileLocation: row.file_location,
      storeCredentials: row.store_credentials === 1,
      orgId: row.org_id,
      portalName: row.portal_name,
      status: {
        state,
        message,
        username: row.username,
        connectedAt: row.connected_at,
        tokenExpires,
        refreshTokenExpires,
        hasStoredPassword: hasPassword
      },
      createdAt: row.created_at,
      updatedAt: row.updated_at
    };
  }

  // ------------------------------------------------------------------ field checks

  private checkNameSyntax(input: string | undefined, fields: Record<string, string>): string | undefined {
    const name = (input ?? '').trim().replace(/\s+/g, ' ');
    if (name === '') {
      fields.name = 'Enter the organization name that backups and scans are filed under, e.g. "City of Springfield (production)".';
      return undefined;
    }
    if (name.length > NAME_MAX) {
      fields.name = `Use at most ${NAME_MAX} characters (this one has ${name.length}).`;
      return undefined;
    }
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(name)) {
      fields.name = 'Remove the control characters (tabs, line breaks) from the name.';
      return undefined;
    }
    return name;
  }

  /** Checks a File Location without creating it (see saveWithFolder). */
  private async checkLocation(input: string | undefined, selfId: string | null, fields: Record<string, string>): Promise<Extract<FileLocationPlan, { ok: true }> | undefined> {
    if (input === undefined || input.trim() === '') {
      fields.fileLocation = 'Enter the folder on this server where backups go, e.g. /srv/orgkeeper/myorg.';
      return undefined;
    }
    const checked = await planFileLocation(input);
    if (!checked.ok) {
      fields.fileLocation = checked.message;
      return undefined;
    }
    for (const other of await this.deps.repository.list()) {
      if (other.id === selfId) continue;
      if (locationsOverlap(checked.realPath, other.file_location_key)) {
        const relation =
          checked.realPath === other.file_location_key ? 'is the folder of' : checked.realPath.length > other.file_location_key.length ? 'is inside the folder of' : 'contains the folder of';
        fields.fileLocation = `This folder ${relation} the identity "${other.name}" (${other.file_location}). Each identity needs a folder of its own that is not inside another's, e.g. a sibling folder next to it.`;
        return undefined;
      }
    }
    return checked;
  }

  /**
   * Creates the checked File Location, then saves the row (given the folder's real path): an identity is never saved
   * without its folder, and folders made for an identity that is then refused (its name or folder taken meanwhile)
   * are removed again. Answers the save's name conflict for the caller to word.
   */
  private async saveWithFolder(planned: Extract<FileLocationPlan, { ok: true }>, save: (realPath: string) => Promise<'name' | 'file_location' | null>): Promise<'name' | null> {
    const made = await createFileLocation(planned);
    if (!made.ok) throw AppError.validation({ fileLocation: made.message });
    let conflict: 'name' | 'file_location' | null;
    try {
      conflict = await save(made.realPath);
    } catch (error) {
      await removeCreatedFolders(made.created);
      throw error;
    }
    if (conflict !== null) await removeCreatedFolders(made.created);
    if (conflict === 'file_location') throw AppError.validation({ fileLocation: FOLDER_TAKEN });
    return conflict;
  }

  /** Normalizes the URL and asks the portal what it is: reachable, ArcGIS, and the kind this section is for. */
  private async checkUrl(input: string | undefined, type: IdentityType, authMethod: AuthMethod, fields: Record<string, string>): Promise<PortalFacts | undefined> {
    const example = type === 'online' ? 'https://myorg.maps.arcgis.com' : 'https://gis.example.com/portal';
    if (input === undefined || input.trim() === '') {
      fields.url = `Enter the URL of the organization, e.g. ${example}.`;
      return undefined;
    }
    let urls;
    try {
      urls = normalizePortalUrl(input);
    } catch (error) {
      fields.url = error instanceof PortalUrlError ? error.message : `Enter a URL such as ${example}.`;
      return undefined;
    }
    const { portalUrl, restUrl } = urls;
    const probe = await probePortal(portalUrl, restUrl);
    if (probe.kind === 'unreachable') {
      fields.url = `${probe.message} Check the URL (e.g. ${example}) and that this server can reach it (proxy, firewall, DNS).`;
      return undefined;
    }
    if (probe.kind === 'not_arcgis' || probe.kind === 'refused') {
      fields.url = probe.message;
      return undefined;
    }
    if (probe.kind === 'negotiate') {
      if (type === 'online') {
        fields.url = `${portalUrl} asks for Windows sign-in (IWA), which ArcGIS Online never does: this is an ArcGIS Enterprise portal; add it under ArcGIS Enterprise with IWA.`;
        return undefined;
      }
      if (authMethod !== 'iwa') {
        fields.authMethod = `${portalUrl} asks for Windows sign-in (IWA) on every request, so OAuth2 cannot reach it. Choose IWA.`;
        return undefined;
      }
      // Read the portal's details as the service account; without a ticket the identity is saved with the reason.
      try {
        await negotiateHeader(restUrl);
        const again = await probePortal(portalUrl, restUrl, { headersFor: async (url) => ({ Authorization: await negotiateHeader(url) }) });
        if (again.kind === 'ok') return this.checkKind(again.portal, type, portalUrl, restUrl, fields);
        if (again.kind === 'negotiate') {
          return { portalUrl, restUrl, portal: null, iwaProblem: `The portal refused the Kerberos ticket of the account running OrgKeeper. Check that this account is known to the portal's domain and that the portal's service principal is ${'HTTP@' + new URL(portalUrl).hostname}.` };
        }
        fields.url = again.message;
        return undefined;
      } catch (error) {
        if (error instanceof IwaUnavailableError) return { portalUrl, restUrl, portal: null, iwaProblem: error.message };
        throw error;
      }
    }
    return this.checkKind(probe.portal, type, portalUrl, restUrl, fields);
  }

  private checkKind(portal: PortalSelf, type: IdentityType, portalUrl: string, restUrl: string, fields: Record<string, string>): PortalFacts | undefined {
    if (type === 'online' && portal.isPortal) {
      fields.url = `This URL is an ArcGIS Enterprise portal; add it under ArcGIS Enterprise instead of ArcGIS Online.`;
      return undefined;
    }
    if (type === 'enterprise' && !portal.isPortal) {
      fields.url = `This URL is an ArcGIS Online organization; add it under ArcGIS Online instead of ArcGIS Enterprise.`;
      return undefined;
    }
    return { portalUrl, restUrl, portal, iwaProblem: null };
  }
}

export function nameKey(name: string): string {
  return name.trim().replace(/\s+/g, ' ').toLowerCase();
}

function nameTaken(name: string): string {
  return `Another identity is already named "${name}" (names are compared without regard to case). Choose a different name, e.g. "${name} (2)".`;
}

function parseType(input: string | undefined, fields: Record<string, string>): IdentityType | undefined {
  if (input === 'online' || input === 'enterprise') return input;
  fields.type = input === undefined ? 'Choose ArcGIS Online or ArcGIS Enterprise (type "online" or "enterprise").' : `"${input}" is not a type: use "online" or "enterprise".`;
  return undefined;
}

function parseAuthMethod(type: IdentityType, input: string | undefined, fields: Record<string, string>): AuthMethod | undefined {
  if (input === undefined || input === '') return 'oauth2';
  if (input !== 'oauth2' && input !== 'iwa') {
    fields.authMethod = `"${input}" is not an authentication method: use "oauth2"${type === 'enterprise' ? ' or "iwa"' : ''}.`;
    return undefined;
  }
  if (type === 'online' && input === 'iwa') {
    fields.authMethod = 'ArcGIS Online does not offer IWA (Windows sign-in). Use OAuth2 with an App ID.';
    return undefined;
  }
  return input;
}

function parseAppId(input: string | null | undefined, fields: Record<string, string>): string | null {
  const appId = (input ?? '').trim();
  if (appId === '') {
    fields.appId =
      'Enter the App ID (client ID) of an application registered in this organization whose redirect URIs include OrgKeeper\'s callback. ' +
      'In the portal: Content > New item > Developer credentials (or Application) > OAuth 2.0 credentials; add the redirect URI shown here, then copy its Client ID.';
    return null;
  }
  if (!APP_ID_PATTERN.test(appId)) {
    fields.appId = 'An App ID is the client ID of the registered application: letters and digits only, like "AbCdEfGh12345678". Copy it from the item\'s Settings or Credentials page.';
    return null;
  }
  return appId;
}

function parseLogin(
  input: IdentityInput,
  authMethod: AuthMethod | undefined,
  storeCredentials: boolean,
  fields: Record<string, string>
): { username: string; password: string } | undefined {
  const username = (input.username ?? '').trim();
  const password = input.password ?? '';
  if (username === '' && password === '') return undefined;
  if (authMethod === 'iwa') {
    fields[username ? 'username' : 'password'] = 'IWA signs in as the account running OrgKeeper; leave the user name and password empty.';
    return undefined;
  }
  if (username === '') {
    fields.username = 'Enter the user name of the built-in ArcGIS account the password belongs to, or leave both empty.';
    return undefined;
  }
  if (password === '') {
    fields.password = `Enter the password of "${username}", or leave the user name empty to sign in through the portal's page instead.`;
    return undefined;
  }
  if (!storeCredentials) {
    fields.password = 'A password is only kept with Store credentials turned on. Turn it on, or leave the user name and password empty.';
    return undefined;
  }
  return { username, password };
}

function safeNormalize(url: string): string | undefined {
  try {
    return normalizePortalUrl(url).portalUrl;
  } catch {
    return undefined;
  }
}

function isoOrNull(ms: number | undefined): string | null {
  return ms === undefined ? null : new Date(ms).toISOString();
}
