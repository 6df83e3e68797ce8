import type { StoredCredentials } from '../arcgis/token-source.js';
import type { Actor, AuditService } from '../audit/audit.service.js';
import { AppError } from '../errors/app-error.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import type { Logger } from '../logging/logger.js';
import type { CredentialVault } from './credential-vault.js';
import type { IdentityChecks } from './identity-checks.js';
import { FOLDER_TAKEN, IdentityLocations, type LocationChoice, parsePassphrase } from './identity-location.js';
import type { IdentityStores } from './identity-stores.js';
import { checkNameSyntax, checkUrl, nameKey, nameTaken, parseAppId, parseAuthMethod, parseLogin, parseType, type PortalFacts, safeNormalize } from './identity-fields.js';
import type { IdentityConnections, OAuthAnswer } from './identity-connections.js';
import type { ArcGISSessionFactory } from './arcgis-session-factory.js';
import type { IdentityRepository } from './identity.repository.js';
import { isObjectStorageLocation } from '../store/index.js';
import type { IdentityConnectView, IdentityInput, IdentityRow, IdentityUpdate, IdentityView, TestReport } from './identity.types.js';

export interface IdentityServiceDeps {
  repository: IdentityRepository;
  vault: CredentialVault;
  arcgisSessions: ArcGISSessionFactory;
  connections: IdentityConnections;
  checks: IdentityChecks;
  audit: AuditService;
  clock: Clock;
  logger: Logger;
  /** Identities' backup stores: location credentials, encryption. */
  stores: IdentityStores;
}

/** What an update changes, before its File Location is checked and anything is saved. */
interface PlannedUpdate {
  changes: IdentityUpdate;
  /** Another portal, app or sign-in method: the identity must connect again. */
  reconnectNeeded: boolean;
  facts: PortalFacts | undefined;
  login: { username: string; password: string } | undefined;
  storeCredentials: boolean;
}

/**
 * Identities: the ArcGIS organizations OrgKeeper may act on. Validates every field against the real world (the
 * portal answers and is of the right kind, the folder is writable and not shared), keeps the rows, and hands
 * connecting to IdentityConnections.
 */
export class IdentityService {
  private readonly locations: IdentityLocations;

  constructor(private readonly deps: IdentityServiceDeps) {
    this.locations = new IdentityLocations(deps.repository, deps.stores);
  }

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
    const name = checkNameSyntax(input.name, fields);
    if (name !== undefined && (await this.deps.repository.findByNameKey(nameKey(name)))) fields.name = nameTaken(name);
    const authMethod = type ? parseAuthMethod(type, input.authMethod, fields) : undefined;
    const appId = authMethod === 'oauth2' ? parseAppId(input.appId, fields) : null;
    const storeCredentials = input.storeCredentials ?? true;
    const login = parseLogin(input, authMethod, storeCredentials, fields);
    const encrypt = input.encryptBackups ?? false;
    const passphrase = parsePassphrase(input.backupPassphrase, fields);
    // Every field is checked before anything is created: a refused add leaves no folder behind.
    const choice = await this.locations.check(input.fileLocation, input.fileLocationCredentials, null, fields);
    const facts = type && authMethod ? await checkUrl(input.url, type, authMethod, fields) : undefined;
    if (Object.keys(fields).length > 0 || !type || !name || !authMethod || !facts || !choice) throw AppError.validation(fields);
    const storeExists = await this.locations.checkStore(choice, { encrypt, passphrase, orgId: facts.portal?.orgId ?? null }, fields);
    if (Object.keys(fields).length > 0) throw AppError.validation(fields);

    const id = newId();
    const now = this.deps.clock().toISOString();
    const location = this.locations.newRowColumns(id, choice, encrypt, passphrase, storeExists);
    const row: IdentityRow = {
      id,
      name,
      name_key: nameKey(name),
      type,
      portal_url: facts.portalUrl,
      auth_method: authMethod,
      app_id: appId ?? null,
      ...location,
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

    const conflict = await this.locations.save(choice, (realPath) => this.deps.repository.insert({ ...row, file_location_key: realPath }));
    if (conflict === 'name') throw AppError.validation({ name: nameTaken(name) });
    if (signedIn) await this.deps.connections.recordPasswordSignIn(row, signedIn);

    await this.deps.audit.record({
      actor,
      action: 'identity.create',
      target: id,
      result: 'success',
      details: { name, type, url: facts.portalUrl, authMethod, fileLocation: location.file_location, fileLocationCredentials: row.file_location_credentials !== null, encryptBackups: encrypt, storeCredentials, withPassword: !!login }
    });
    return this.get(id);
  }

  async update(id: string, input: IdentityInput, actor: Actor): Promise<IdentityView> {
    const row = await this.row(id);
    const fields: Record<string, string> = {};
    const update = await this.plannedUpdate(row, input, fields);
    const { changes } = update;
    const location = await this.locations.planUpdate(row, input, changes.org_id ?? row.org_id, changes, fields);
    if (Object.keys(fields).length > 0) throw AppError.validation(fields);

    const merged = await this.applyUpdate(row, input, update, location?.moved ? location.choice : undefined);
    const changed = Object.keys(changes).filter((k) => !['name_key', 'file_location_key', 'org_id', 'portal_name', 'status_state', 'status_message', 'username', 'connected_at', 'store_passphrase'].includes(k));
    await this.deps.audit.record({
      actor,
      action: 'identity.update',
      target: id,
      result: 'success',
      details: { name: merged.name, changed: [...changed, ...(update.login ? ['username', 'password'] : [])], disconnected: update.reconnectNeeded }
    });
    return this.get(id);
  }

  /** The changes an update asks for, but its File Location; every field is checked into `fields`. */
  private async plannedUpdate(row: IdentityRow, input: IdentityInput, fields: Record<string, string>): Promise<PlannedUpdate> {
    if (input.type !== undefined && input.type !== row.type) {
      fields.type = `An identity cannot move between ArcGIS Online and ArcGIS Enterprise. Delete it and add it under ${input.type === 'online' ? 'ArcGIS Online' : 'ArcGIS Enterprise'} instead.`;
    }
    const changes: IdentityUpdate = {};
    let reconnectNeeded = false;

    if (input.name !== undefined) {
      const name = checkNameSyntax(input.name, fields);
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
      facts = authMethod ? await checkUrl(input.url ?? row.portal_url, row.type, authMethod, fields) : undefined;
      if (facts) {
        if (facts.portalUrl !== row.portal_url) reconnectNeeded = true;
        changes.portal_url = facts.portalUrl;
        changes.org_id = facts.portal?.orgId ?? (facts.portalUrl === row.portal_url ? row.org_id : null);
        changes.portal_name = facts.portal?.portalName ?? (facts.portalUrl === row.portal_url ? row.portal_name : null);
      }
    }
    return { changes, reconnectNeeded, facts, login, storeCredentials };
  }

  /** Signs in with a new password first, then disconnects when needed and saves; answers the identity as updated. */
  private async applyUpdate(row: IdentityRow, input: IdentityInput, update: PlannedUpdate, moveTo: LocationChoice | undefined): Promise<IdentityRow> {
    const { id } = row;
    const { changes, facts, login, storeCredentials } = update;
    const merged: IdentityRow = { ...row, ...changes } as IdentityRow;
    let signedIn: Awaited<ReturnType<IdentityConnections['signInWithPassword']>> | undefined;
    if (login) signedIn = await this.deps.connections.signInWithPassword(merged, login.username, login.password);

    const now = this.deps.clock().toISOString();
    if (update.reconnectNeeded) {
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
      const conflict = moveTo ? await this.locations.save(moveTo, save) : await save();
      if (conflict === 'name') throw AppError.validation({ name: nameTaken(input.name ?? row.name) });
      if (conflict === 'file_location') throw AppError.validation({ fileLocation: FOLDER_TAKEN });
    }
    if (changes.store_credentials !== undefined) await this.deps.vault.setStored(id, storeCredentials);
    this.deps.arcgisSessions.invalidate(id);
    if (signedIn) await this.deps.connections.recordPasswordSignIn({ ...merged, store_credentials: storeCredentials ? 1 : 0 }, signedIn);
    return merged;
  }

  /** Deletes the identity and revokes its tokens. Backups on disk stay where they are. */
  async delete(id: string, actor: Actor): Promise<void> {
    const row = await this.row(id);
    await this.deps.connections.disconnect(row);
    await this.deps.repository.delete(id);
    this.deps.arcgisSessions.invalidate(id);
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
  finishOAuth(query: OAuthAnswer, ip: string | null): Promise<string> {
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
      fileLocationKind: isObjectStorageLocation(row.file_location) ? (/^s3:/i.test(row.file_location) ? 's3' : 'azure') : 'folder',
      hasFileLocationCredentials: row.file_location_credentials !== null,
      encryptBackups: row.store_encryption === 1,
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
}

function isoOrNull(ms: number | undefined): string | null {
  return ms === undefined ? null : new Date(ms).toISOString();
}
