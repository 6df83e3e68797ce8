/**
 * An identity's File Location: a folder on this server, or a prefix in S3 or Azure Blob Storage with its credentials.
 * Checked without creating anything (a refused add or update leaves nothing behind), then made when the row is saved.
 */
import { AppError } from '../errors/app-error.js';
import { accountNameOf, formatStoreLocation, isObjectStorageLocation, parseStoreLocation, type StoreLocation } from '../store/index.js';
import { createFileLocation, locationsOverlap, planFileLocation, removeCreatedFolders, type FileLocationPlan } from './file-location.js';
import { type IdentityStores, type LocationCredentials, objectLocationKey, objectLocationsOverlap, withCredentials } from './identity-stores.js';
import type { IdentityRepository } from './identity.repository.js';
import type { IdentityInput, IdentityRow, IdentityUpdate, LocationCredentialsInput } from './identity.types.js';

export const FOLDER_TAKEN = 'Another identity already uses this folder. Each identity needs its own folder.';

/** A checked File Location: a folder still to create, or an object storage location with its credentials. */
export type LocationChoice =
  | { kind: 'folder'; plan: Extract<FileLocationPlan, { ok: true }>; location: StoreLocation }
  | { kind: 'object'; text: string; key: string; location: StoreLocation; credentials: LocationCredentials | null };

/** The row's location columns for a choice: the text shown, and the key that tells two locations apart. */
export function locationColumns(choice: LocationChoice): { path: string; realPath: string } {
  return choice.kind === 'folder' ? { path: choice.plan.path, realPath: choice.plan.realPath } : { path: choice.text, realPath: choice.key };
}

/** A location update: what changes on the row, and the location to make when it is saved (when it moved). */
export interface PlannedLocation {
  choice: LocationChoice;
  moved: boolean;
}

export class IdentityLocations {
  constructor(
    private readonly repository: IdentityRepository,
    private readonly stores: IdentityStores
  ) {}

  /**
   * Checks a File Location without creating anything (see save): a folder on this server, or an object storage
   * location with its credentials. Two identities may not share a location or nest one in the other.
   */
  async check(
    input: string | undefined,
    credentialsInput: LocationCredentialsInput | LocationCredentials | null | undefined,
    selfId: string | null,
    fields: Record<string, string>
  ): Promise<LocationChoice | undefined> {
    if (input === undefined || input.trim() === '') {
      fields.fileLocation = 'Enter where backups go: a folder on this server (e.g. /srv/orgkeeper/myorg), s3://bucket/prefix, or an Azure container URL.';
      return undefined;
    }
    const others = (await this.repository.list()).filter((other) => other.id !== selfId);
    if (!isObjectStorageLocation(input.trim())) return checkFolder(input, credentialsInput, others, fields);
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
  async checkStore(choice: LocationChoice, options: { encrypt: boolean; passphrase: string | undefined; orgId: string | null }, fields: Record<string, string>): Promise<boolean> {
    const checked = await this.stores.checkLocation(choice.location, { encrypt: options.encrypt, ...(options.passphrase !== undefined ? { passphrase: options.passphrase } : {}), orgId: options.orgId });
    if (checked.problem !== undefined) {
      if (/passphrase/i.test(checked.problem) && options.passphrase !== undefined) fields.backupPassphrase = checked.problem;
      else fields.fileLocation = checked.problem;
    }
    return checked.storeExists;
  }

  /** The location columns a new identity's row gets for a checked choice. */
  newRowColumns(id: string, choice: LocationChoice, encrypt: boolean, passphrase: string | undefined, storeExists: boolean): Pick<IdentityRow, 'file_location' | 'file_location_key' | 'file_location_credentials' | 'store_encryption' | 'store_passphrase'> {
    const { path, realPath } = locationColumns(choice);
    return {
      file_location: path,
      file_location_key: realPath,
      file_location_credentials: choice.kind === 'object' && choice.credentials ? this.stores.sealCredentials(id, choice.credentials) : null,
      store_encryption: encrypt ? 1 : 0,
      // Kept (sealed) only until the store is created with it; an existing store was opened with it just now.
      store_passphrase: encrypt && passphrase !== undefined && !storeExists ? this.stores.sealPassphrase(id, passphrase) : null
    };
  }

  /**
   * The location part of an update (another location, other credentials, encryption or a passphrase): checked, and
   * its column changes added to `changes`. Undefined when the update leaves the location alone or a field is wrong.
   */
  async planUpdate(row: IdentityRow, input: IdentityInput, orgId: string | null, changes: IdentityUpdate, fields: Record<string, string>): Promise<PlannedLocation | undefined> {
    const encrypt = input.encryptBackups ?? row.store_encryption === 1;
    const passphrase = parsePassphrase(input.backupPassphrase, fields);
    const moved = input.fileLocation !== undefined && input.fileLocation.trim() !== row.file_location;
    const encryptionChanged = encrypt !== (row.store_encryption === 1);
    if (!moved && input.fileLocationCredentials === undefined && !encryptionChanged && passphrase === undefined) return undefined;
    // Credentials not entered again are the ones kept (also for another prefix on the same service).
    const current = row.file_location_credentials !== null && input.fileLocationCredentials === undefined ? this.currentCredentials(row) : undefined;
    const choice = await this.check(input.fileLocation ?? row.file_location, input.fileLocationCredentials ?? current, row.id, fields);
    if (!choice) return undefined;
    const storeExists = Object.keys(fields).length === 0 ? await this.checkStore(choice, { encrypt, passphrase, orgId }, fields) : false;
    if (storeExists && encryptionChanged && !moved) {
      fields.encryptBackups =
        "Encryption is chosen when the store is created, and this identity's store exists already. To change it, copy the store (orgkeeper store copy, with or without --encrypt) and point the identity at the copy.";
    }
    if (moved) {
      const { path, realPath } = locationColumns(choice);
      Object.assign(changes, { file_location: path, file_location_key: realPath });
    }
    if (choice.kind === 'object') changes.file_location_credentials = choice.credentials ? this.stores.sealCredentials(row.id, choice.credentials) : null;
    else if (row.file_location_credentials !== null) changes.file_location_credentials = null;
    if (encryptionChanged) changes.store_encryption = encrypt ? 1 : 0;
    changes.store_passphrase = encrypt && passphrase !== undefined && !storeExists ? this.stores.sealPassphrase(row.id, passphrase) : storeExists ? null : row.store_passphrase;
    return { choice, moved };
  }

  /**
   * Saves the row with its location: a folder is created first, then the row saved with the folder's real path (an
   * identity is never saved without its folder, and folders made for an identity that is then refused are removed
   * again); object storage needs nothing made. Answers the save's name conflict for the caller to word.
   */
  async save(choice: LocationChoice, save: (key: string) => Promise<'name' | 'file_location' | null>): Promise<'name' | null> {
    if (choice.kind === 'object') {
      const conflict = await save(choice.key);
      if (conflict === 'file_location') throw AppError.validation({ fileLocation: 'Another identity was given this location meanwhile. Choose another prefix.' });
      return conflict;
    }
    const made = await createFileLocation(choice.plan);
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

  private currentCredentials(row: IdentityRow): LocationCredentials | undefined {
    const location = this.stores.location(row);
    if (location.kind === 's3' && location.credentials) return { kind: 's3', ...location.credentials };
    if (location.kind === 'azure' && location.credentials?.kind === 'shared-key') return { kind: 'azure-key', accountName: location.credentials.accountName, accountKey: location.credentials.accountKey };
    if (location.kind === 'azure' && location.credentials?.kind === 'sas') return { kind: 'azure-sas', token: location.credentials.token };
    return undefined;
  }
}

/** A folder on this server: its plan, unless it is (in) another identity's folder. */
async function checkFolder(
  input: string,
  credentialsInput: LocationCredentialsInput | LocationCredentials | null | undefined,
  others: IdentityRow[],
  fields: Record<string, string>
): Promise<LocationChoice | undefined> {
  if (credentialsInput) fields.fileLocationCredentials = 'Credentials are for S3 and Azure locations; a folder needs none.';
  const checked = await planFileLocation(input);
  if (!checked.ok) {
    fields.fileLocation = checked.message;
    return undefined;
  }
  for (const other of others) {
    if (isObjectKey(other.file_location_key) || !locationsOverlap(checked.realPath, other.file_location_key)) continue;
    const relation = checked.realPath === other.file_location_key ? 'is the folder of' : checked.realPath.length > other.file_location_key.length ? 'is inside the folder of' : 'contains the folder of';
    fields.fileLocation = `This folder ${relation} the identity "${other.name}" (${other.file_location}). Each identity needs a folder of its own that is not inside another's, e.g. a sibling folder next to it.`;
    return undefined;
  }
  return { kind: 'folder', plan: checked, location: { kind: 'folder', path: checked.path } };
}

/** Object storage location keys (`s3|...`, `azure|...`) never clash with folder real paths. */
function isObjectKey(key: string): boolean {
  return key.startsWith('s3|') || key.startsWith('azure|');
}

export function parsePassphrase(input: string | undefined, fields: Record<string, string>): string | undefined {
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
