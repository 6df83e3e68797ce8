/**
 * An identity's backup store: where it is (the File Location, with the credentials entered for it, sealed in the
 * database) and what opens it when it is encrypted (a key derived from OrgKeeper's master key, which wraps the store
 * key in one of the store's key files). Backups, restores, checks, retention and the CLI open stores through here.
 */
import { hostname } from 'node:os';
import type { SecretBox } from '../secrets/secret-box.js';
import {
  type InitStoreOptions,
  type KeySource,
  type S3Location,
  type AzureLocation,
  type Store,
  type StoreLocation,
  type StoreOrg,
  StoreError,
  accountNameOf,
  addStoreKey,
  formatStoreLocation,
  initStore,
  isStoreError,
  openBackend,
  openStore,
  parseStoreLocation,
  probeBackend
} from '../store/index.js';
import type { IdentityRepository } from './identity.repository.js';
import type { IdentityRow } from './identity.types.js';

/** Credentials entered for an object storage File Location (what `file_location_credentials` seals). */
export type LocationCredentials =
  | { kind: 's3'; accessKeyId: string; secretAccessKey: string; sessionToken?: string }
  | { kind: 'azure-key'; accountName: string; accountKey: string }
  | { kind: 'azure-sas'; token: string };

/** How this server's key files in encrypted stores are named: a key derived from the master key for this purpose. */
const STORE_KEY_PURPOSE = 'backup store keys v1';

export class IdentityStores {
  constructor(private readonly deps: { secretBox: SecretBox | undefined; repository: IdentityRepository }) {}

  static credentialsAssociatedData(identityId: string): string {
    return `identity:${identityId}:file_location_credentials`;
  }

  static passphraseAssociatedData(identityId: string): string {
    return `identity:${identityId}:store_passphrase`;
  }

  /** What opens encrypted stores on this server (its key files' key). Empty without a master key (some CLI paths). */
  keys(): KeySource {
    return this.deps.secretBox ? { masterKey: this.deps.secretBox.deriveKey(STORE_KEY_PURPOSE) } : {};
  }

  /** The File Location with its credentials, ready to open. */
  location(row: Pick<IdentityRow, 'id' | 'file_location' | 'file_location_credentials'>): StoreLocation {
    const location = parseStoreLocation(row.file_location);
    if (row.file_location_credentials === null || location.kind === 'folder') return location;
    return withCredentials(location, this.unseal<LocationCredentials>(row.file_location_credentials, IdentityStores.credentialsAssociatedData(row.id)));
  }

  /** Seal credentials for `file_location_credentials`. */
  sealCredentials(identityId: string, credentials: LocationCredentials): string {
    return this.box().seal(JSON.stringify(credentials), IdentityStores.credentialsAssociatedData(identityId));
  }

  sealPassphrase(identityId: string, passphrase: string): string {
    return this.box().seal(JSON.stringify(passphrase), IdentityStores.passphraseAssociatedData(identityId));
  }

  /** Open the identity's store (it must exist); bound to the identity's organization once that is known. */
  async open(row: IdentityRow): Promise<Store> {
    return openStore(this.location(row), { keys: this.keys(), ...(row.org_id ? { expectOrgId: row.org_id } : {}) });
  }

  /** What `initStore` needs to create the identity's store as chosen (encrypted or not) on first use. */
  createOptions(row: IdentityRow): Pick<InitStoreOptions, 'encrypt' | 'keys' | 'passphraseLabel'> {
    const passphrase = row.store_passphrase ? this.unseal<string>(row.store_passphrase, IdentityStores.passphraseAssociatedData(row.id)) : undefined;
    return {
      encrypt: row.store_encryption === 1,
      keys: { ...this.keys(), ...(passphrase !== undefined ? { passphrase } : {}) },
      ...(passphrase !== undefined ? { passphraseLabel: `passphrase given with the identity "${row.name}"` } : {})
    };
  }

  /**
   * Open the identity's store, creating it (as chosen: encrypted or not) when the File Location is empty. A passphrase
   * kept for the store's creation is deleted once the store holds it.
   */
  async openOrCreate(row: IdentityRow, org: StoreOrg): Promise<Store> {
    const store = await initStore(this.location(row), org, this.createOptions(row));
    if (row.store_passphrase !== null && store.encrypted) await this.deps.repository.update(row.id, { store_passphrase: null });
    return store;
  }

  /**
   * Checks an object storage File Location (with the credentials entered for it) before it is saved: OrgKeeper can
   * write, read, list and delete there and the service honours conditional writes; and what is there fits the choice
   * (an empty location, or a store of this organization; an existing store stays encrypted or plain as it was
   * created). An encrypted store this server cannot open yet is opened with `passphrase`, and this server's key is
   * added to it so that backups run unattended. Answers a message for the form, or undefined when all is well.
   */
  async checkLocation(location: StoreLocation, options: { encrypt: boolean; passphrase?: string; orgId?: string | null }): Promise<{ problem?: string; storeExists: boolean }> {
    const answer = (problem?: string, storeExists = false) => (problem === undefined ? { storeExists } : { problem, storeExists });
    let backend;
    try {
      backend = await openBackend(location);
    } catch (error) {
      return answer(messageOf(error));
    }
    try {
      if (location.kind !== 'folder') {
        const probe = await probeBackend(backend);
        const failed = probe.steps.find((step) => !step.ok);
        if (failed) return answer(`OrgKeeper cannot use ${backend.location} (${STEP_WORDS[failed.step]} failed): ${failed.message ?? 'no reason given'}`);
      }
      if ((await backend.stat('store.json')) === undefined) return answer(); // a new store: created on the first backup
      let store: Store;
      try {
        store = await openStore(backend, { keys: this.keys(), ...(options.orgId ? { expectOrgId: options.orgId } : {}) });
      } catch (error) {
        if (!isStoreError(error, 'key_required')) return answer(messageOf(error), true);
        if (options.passphrase === undefined) {
          return answer(`${backend.location} holds an encrypted store that this OrgKeeper server cannot open yet. Enter its passphrase: OrgKeeper then adds its own key to the store, so that backups run unattended.`, true);
        }
        try {
          store = await openStore(backend, { keys: { passphrase: options.passphrase }, ...(options.orgId ? { expectOrgId: options.orgId } : {}) });
        } catch (opening) {
          return answer(messageOf(opening), true);
        }
        await addStoreKey(store, { masterKey: this.keys().masterKey! }, `OrgKeeper server on ${hostname()}`);
      }
      if (options.encrypt && !store.encrypted) {
        return answer(`${backend.location} holds a plain (unencrypted) store already, and encryption is chosen when a store is created. Use an empty location, or copy this store into a new encrypted one (orgkeeper store copy --encrypt).`, true);
      }
      return answer(undefined, true);
    } finally {
      await backend.close();
    }
  }

  private box(): SecretBox {
    if (!this.deps.secretBox) throw new StoreError('key_required', 'OrgKeeper\'s master key is needed to keep the File Location\'s credentials and passphrase.');
    return this.deps.secretBox;
  }

  private unseal<T>(sealed: string, associatedData: string): T {
    return JSON.parse(this.box().openString(sealed, associatedData)) as T;
  }
}

const STEP_WORDS: Record<string, string> = {
  write: 'writing a test object',
  read: 'reading it back',
  list: 'listing it',
  'conditional-create': 'a conditional create',
  'conditional-replace': 'a conditional replace',
  delete: 'deleting it'
};

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * What two identities may not share, for object storage: the service, the bucket or container, and the prefix
 * (`s3|<endpoint>|<bucket>|<prefix>`). Folders use their real path (file-location.ts).
 */
export function objectLocationKey(location: S3Location | AzureLocation): string {
  return location.kind === 's3'
    ? `s3|${(location.endpoint ?? 'aws').toLowerCase()}|${location.bucket}|${location.prefix}`
    : `azure|${location.accountUrl.toLowerCase().replace(/\/+$/, '')}|${location.container}|${location.prefix}`;
}

/** Whether two object storage keys name the same store, or one store's prefix lies inside the other's. */
export function objectLocationsOverlap(a: string, b: string): boolean {
  const [sa, ea, ba, pa = ''] = a.split('|');
  const [sb, eb, bb, pb = ''] = b.split('|');
  if (sa !== sb || ea !== eb || ba !== bb) return false;
  return pa.startsWith(pb) || pb.startsWith(pa);
}

/** The string form kept in `file_location` (no secrets). */
export function locationText(location: StoreLocation): string {
  return formatStoreLocation(location);
}

/** A parsed location with the credentials entered for it. */
export function withCredentials(location: StoreLocation, credentials: LocationCredentials | undefined): StoreLocation {
  if (credentials === undefined) return location;
  if (location.kind === 's3' && credentials.kind === 's3') {
    return { ...location, credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey, ...(credentials.sessionToken ? { sessionToken: credentials.sessionToken } : {}) } };
  }
  if (location.kind === 'azure' && credentials.kind === 'azure-key') {
    return { ...location, credentials: { kind: 'shared-key', accountName: credentials.accountName || accountNameOf(location.accountUrl), accountKey: credentials.accountKey } };
  }
  if (location.kind === 'azure' && credentials.kind === 'azure-sas') return { ...location, credentials: { kind: 'sas', token: credentials.token } };
  throw new StoreError('invalid_location', `The credentials kept for this File Location are for ${credentials.kind === 's3' ? 'S3' : 'Azure'}, not for ${location.kind === 's3' ? 'S3' : 'Azure'}: enter them again.`);
}
