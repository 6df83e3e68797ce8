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
import { type IdentityStores, type LocationCredentials, objectLocationKey, objectLocationsOverlap, withCredentials } from './identity-stores.js';
import { type StoreLocation, accountNameOf, formatStoreLocation, isObjectStorageLocation, parseStoreLocation } from '../store/index.js';
import type { IdentityChecks } from './identity-checks.js';
import type { IdentityConnections } from './identity-connections.js';
import type { IdentitySessions } from './identity-sessions.js';
import type { IdentityRepository } from './identity.repository.js';
import type { AuthMethod, IdentityConnectView, IdentityInput, IdentityRow, IdentityType, IdentityUpdate, IdentityView, LocationCredentialsInput, TestReport } from './identity.types.js';
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
  /** Identities' backup stores: location credentials, encryption. */
  stores: IdentityStores;
}

/** A checked File Location: a folder still to create, or an object storage location with its credentials. */
type LocationChoice =
  | { kind: 'folder'; plan: Extract<FileLocationPlan, { ok: true }>; location: StoreLocation }
  | { kind: 'object'; text: string; key: string; location: StoreLocation; credentials: LocationCredentials | null };

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
    const encrypt = input.encryptBackups ?? false;
    const passphrase = parsePassphrase(input.backupPassphrase, fields);
    // Every field is checked before anything is created: a refused add leaves no folder behind.
    const choice = await this.checkLocation(input.fileLocation, input.fileLocationCredentials, null, fields);
    const facts = type && authMethod ? await this.checkUrl(input.url, type, authMethod, fields) : undefined;
    if (Object.keys(fields).length > 0 || !type || !name || !authMethod || !facts || !choice) throw AppError.validation(fields);
    const storeExists = await this.checkStore(choice, { encrypt, passphrase, orgId: facts.portal?.orgId ?? null }, fields);
    if (Object.keys(fields).length > 0) throw AppError.validation(fields);

    const id = newId();
    const now = this.deps.clock().toISOString();
    const location = choice.kind === 'folder' ? { path: choice.plan.path, realPath: choice.plan.realPath } : { path: choice.text, realPath: choice.key };
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
      file_location_credentials: choice.kind === 'object' && choice.credentials ? this.deps.stores.sealCredentials(id, choice.credentials) : null,
      store_encryption: encrypt ? 1 : 0,
      // Kept (sealed) only until the store is created with it; an existing store was opened with it just now.
      store_passphrase: encrypt && passphrase !== undefined && !storeExists ? this.deps.stores.sealPassphrase(id, passphrase) : null,
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

    const conflict = await this.saveWithLocation(choice, (realPath) => this.deps.repository.insert({ ...row, file_location_key: realPath }));
    if (conflict === 'name') throw AppError.validation({ name: nameTaken(name) });
    if (signedIn) await this.deps.connections.recordPasswordSignIn(row, signedIn);

    await this.deps.audit.record({
      actor,
      action: 'identity.create',
      target: id,
      result: 'success',
      details: { name, type, url: facts.portalUrl, authMethod, fileLocation: location.path, fileLocationCredentials: row.file_location_credentials !== null, encryptBackups: encrypt, storeCredentials, withPassword: !!login }
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
    const encrypt = input.encryptBackups ?? row.store_encryption === 1;
    const passphrase = parsePassphrase(input.backupPassphrase, fields);
    let planned: LocationChoice | undefined;
    const locationChanged = input.fileLocation !== undefined && input.fileLocation.trim() !== row.file_location;
    if (locationChanged || input.fileLocationCredentials !== undefined || encrypt !== (row.store_encryption === 1) || passphrase !== undefined) {
      // Credentials not entered again are the ones kept (also for another prefix on the same service).
      const current = row.file_location_credentials !== null && input.fileLocationCredentials === undefined ? this.currentCredentials(row) : undefined;
      planned = await this.checkLocation(input.fileLocation ?? row.file_location, input.fileLocationCredentials ?? current, row.id, fields);
      if (planned) {
        const storeExists = Object.keys(fields).length === 0 ? await this.checkStore(planned, { encrypt, passphrase, orgId: changes.org_id ?? row.org_id }, fields) : false;
        if (storeExists && encrypt !== (row.store_encryption === 1) && !locationChanged) {
          fields.encryptBackups = 'Encryption is chosen when the store is created, and this identity\'s store exists already. To change it, copy the store (orgkeeper store copy, with or without --encrypt) and point the identity at the copy.';
        }
        if (locationChanged) Object.assign(changes, planned.kind === 'folder' ? { file_location: planned.plan.path, file_location_key: planned.plan.realPath } : { file_location: planned.text, file_location_key: planned.key });
        if (planned.kind === 'object') changes.file_location_credentials = planned.credentials ? this.deps.stores.sealCredentials(row.id, planned.credentials) : null;
        else if (row.file_location_credentials !== null) changes.file_location_credentials = null;
        if (encrypt !== (row.store_encryption === 1)) changes.store_encryption = encrypt ? 1 : 0;
        changes.store_passphrase = encrypt && passphrase !== undefined && !storeExists ? this.deps.stores.sealPassphrase(row.id, passphrase) : storeExists ? null : row.store_passphrase;
      }
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
      const conflict = planned && locationChanged ? await this.saveWithLocation(planned, save) : await save();
      if (conflict === 'name') throw AppError.validation({ name: nameTaken(input.name ?? row.name) });
      if (conflict === 'file_location') throw AppError.validation({ fileLocation: FOLDER_TAKEN });
    }
    if (changes.store_credentials !== undefined) await this.deps.vault.setStored(id, storeCredentials);
    this.deps.sessions.invalidate(id);
    if (signedIn) await this.deps.connections.recordPasswordSignIn({ ...merged, store_credentials: storeCredentials ? 1 : 0 }, signedIn);

    const changed = Object.keys(changes).filter((k) => !['name_key', 'file_location_key', 'org_id', 'portal_name', 'status_state', 'status_message', 'username', 'connected_at', 'store_passphrase'].includes(k));
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

  /**
   * Checks a File Location without creating anything (see saveWithLocation): a folder on this server, or an object
   * storage location with its credentials. Two identities may not share a location or nest one in the other.
   */
  private async checkLocation(input: string | undefined, credentialsInput: LocationCredentialsInput | LocationCredentials | null | undefined, selfId: string | null, fields: Record<string, string>): Promise<LocationChoice | undefined> {
    if (input === undefined || input.trim() === '') {
      fields.fileLocation = 'Enter where backups go: a folder on this server (e.g. /srv/orgkeeper/myorg), s3://bucket/prefix, or an Azure container URL.';
      return undefined;
    }
    const others = (await this.deps.repository.list()).filter((other) => other.id !== selfId);
    if (!isObjectStorageLocation(input.trim())) {
      if (credentialsInput) fields.fileLocationCredentials = 'Credentials are for S3 and Azure locations; a folder needs none.';
      const checked = await planFileLocation(input);
      if (!checked.ok) {
        fields.fileLocation = checked.message;
        return undefined;
      }
      for (const other of others) {
        if (isObjectKey(other.file_location_key)) continue;
        if (locationsOverlap(checked.realPath, other.file_location_key)) {
          const relation =
            checked.realPath === other.file_location_key ? 'is the folder of' : checked.realPath.length > other.file_location_key.length ? 'is inside the folder of' : 'contains the folder of';
          fields.fileLocation = `This folder ${relation} the identity "${other.name}" (${other.file_location}). Each identity needs a folder of its own that is not inside another's, e.g. a sibling folder next to it.`;
          return undefined;
        }
      }
      return { kind: 'folder', plan: checked, location: { kind: 'folder', path: checked.path } };
    }
    let parsed: StoreLocation;
    try {
      parsed = parseStoreLocation(input.trim());
    } catch (error) {
      fields.fileLocation = (error as Error).message;
      return undefined;
    }
    if (parsed.kind === 'folder') return undefined;
    const credentials = parseLocationCredentials(credentialsInput ?? null, parsed, fields);
    if (credentials === false) return undefined;
    const key = objectLocationKey(parsed);
    for (const other of others) {
      if (!isObjectKey(other.file_location_key) || !objectLocationsOverlap(key, other.file_location_key)) continue;
      fields.fileLocation = `This location ${key === other.file_location_key ? 'is the location of' : 'overlaps the location of'} the identity "${other.name}" (${other.file_location}). Each identity needs a prefix of its own, not inside another's.`;
      return undefined;
    }
    return { kind: 'object', text: formatStoreLocation(parsed), key, location: withCredentials(parsed, credentials ?? undefined), credentials };
  }

  /** Access to the location and its store fits the choice (see IdentityStores.checkLocation); true when a store exists. */
  private async checkStore(choice: LocationChoice, options: { encrypt: boolean; passphrase: string | undefined; orgId: string | null }, fields: Record<string, string>): Promise<boolean> {
    const checked = await this.deps.stores.checkLocation(choice.location, { encrypt: options.encrypt, ...(options.passphrase !== undefined ? { passphrase: options.passphrase } : {}), orgId: options.orgId });
    if (checked.problem !== undefined) {
      if (/passphrase/i.test(checked.problem) && options.passphrase !== undefined) fields.backupPassphrase = checked.problem;
      else fields.fileLocation = checked.problem;
    }
    return checked.storeExists;
  }

  private currentCredentials(row: IdentityRow): LocationCredentials | undefined {
    const location = this.deps.stores.location(row);
    if (location.kind === 's3' && location.credentials) return { kind: 's3', ...location.credentials };
    if (location.kind === 'azure' && location.credentials?.kind === 'shared-key') return { kind: 'azure-key', accountName: location.credentials.accountName, accountKey: location.credentials.accountKey };
    if (location.kind === 'azure' && location.credentials?.kind === 'sas') return { kind: 'azure-sas', token: location.credentials.token };
    return undefined;
  }

  /** Saves the row with its location: a folder is created first (see saveWithFolder); object storage needs nothing made. */
  private async saveWithLocation(choice: LocationChoice, save: (key: string) => Promise<'name' | 'file_location' | null>): Promise<'name' | null> {
    if (choice.kind === 'folder') return this.saveWithFolder(choice.plan, save);
    const conflict = await save(choice.key);
    if (conflict === 'file_location') throw AppError.validation({ fileLocation: 'Another identity was given this location meanwhile. Choose another prefix.' });
    return conflict;
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

/** Object storage location keys (`s3|...`, `azure|...`) never clash with folder real paths. */
function isObjectKey(key: string): boolean {
  return key.startsWith('s3|') || key.startsWith('azure|');
}

function parsePassphrase(input: string | undefined, fields: Record<string, string>): string | undefined {
  if (input === undefined || input === '') return undefined;
  if (input.length < 8) {
    fields.backupPassphrase = 'Use at least 8 characters; a sentence is easier to remember than a short password, and harder to guess.';
    return undefined;
  }
  return input;
}

/** Credentials for an object storage location; null: none (the standard chain); false: refused (a field says why). */
function parseLocationCredentials(input: LocationCredentialsInput | LocationCredentials | null, location: StoreLocation, fields: Record<string, string>): LocationCredentials | null | false {
  if (input === null) return null;
  const text = (value: unknown) => (typeof value === 'string' ? value.trim() : '');
  if (location.kind === 's3') {
    if (input.kind !== 's3') {
      fields.fileLocationCredentials = 'An S3 location takes an access key id and a secret access key.';
      return false;
    }
    const accessKeyId = text(input.accessKeyId);
    const secretAccessKey = text(input.secretAccessKey);
    if (!accessKeyId || !secretAccessKey) {
      fields.fileLocationCredentials = 'Enter both the access key id and the secret access key, or neither (then the standard AWS credential chain of the account that runs OrgKeeper is used).';
      return false;
    }
    return { kind: 's3', accessKeyId, secretAccessKey };
  }
  if (input.kind === 'azure-key') {
    const accountKey = text(input.accountKey);
    if (!accountKey || !/^[A-Za-z0-9+/]+={0,2}$/.test(accountKey)) {
      fields.fileLocationCredentials = 'The storage account key is the base64 text shown under Access keys in the Azure portal.';
      return false;
    }
    const accountName = text(input.accountName) || (location.kind === 'azure' ? accountNameOf(location.accountUrl) : '');
    return { kind: 'azure-key', accountName, accountKey };
  }
  if (input.kind === 'azure-sas') {
    const token = text(input.token).replace(/^\?/, '');
    if (!token || !/(^|&)sig=/.test(token)) {
      fields.fileLocationCredentials = 'A SAS token is the query text with sv=..., sp=... and sig=... (from Generate SAS in the Azure portal).';
      return false;
    }
    return { kind: 'azure-sas', token };
  }
  fields.fileLocationCredentials = 'An Azure location takes a storage account key or a SAS token.';
  return false;
}
