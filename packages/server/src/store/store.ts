/**
 * The store: one location (an identity's File Location: a folder, an S3 prefix or an Azure Blob container prefix)
 * holding everything about its backups, and nothing outside it. See README.md in this folder for the format.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { BlobStore, PutOptions } from './blob-store/blob-store.js';
import { PLAIN_CODEC } from './blob-store/blob-codec.js';
import { type StoreBackend } from './backend/store-backend.js';
import { type StoreLocationInput, openBackend } from './backend/open-backend.js';
import { type BlobRef, type ListEntryOf, type ListKind, type SnapshotManifest, validateManifest } from './manifest.js';
import { type WrittenList, describeOwner, readList, walkSnapshot, writeList } from './manifest-walk.js';
import { deleteUnpinnedSnapshot, describePin } from './pin.js';
import { assertSnapshotId } from './snapshot-id.js';
import { StoreCrypto } from './encryption/store-crypto.js';
import { type KeySource, deleteKeyFile, makeKeyFile, unlockStoreKey, writeKeyFile } from './encryption/store-keys.js';
import { StoreError, describeError, errnoCode } from './store-error.js';

export const STORE_FORMAT = 'orgkeeper-store';
/**
 * The newest format version this OrgKeeper reads. Version 1: plain (SHA-256 names, gzip). Version 2: encrypted (keyed
 * names, sealed blobs, manifests and journal; `keys/`). New plain stores are still written as version 1, so that an
 * older OrgKeeper keeps reading them; an older OrgKeeper refuses an encrypted store (`unsupported_version`).
 */
export const STORE_VERSION = 2;
export const PLAIN_STORE_VERSION = 1;
export const ENCRYPTED_STORE_VERSION = 2;
export const STORE_FILE = 'store.json';

export interface StoreOrg {
  /** The ArcGIS organization id (portal `id`), which stays the same when a portal's URL changes. */
  id: string;
  portalUrl: string;
  name: string;
}

/** store.json: describes the location so it can be moved, mounted elsewhere and re-attached. No absolute paths. */
export interface StoreConfig {
  format: typeof STORE_FORMAT;
  version: typeof PLAIN_STORE_VERSION | typeof ENCRYPTED_STORE_VERSION;
  storeId: string;
  createdAt: string;
  org: StoreOrg;
  /** How blobs are named: SHA-256 of the content (plain), HMAC-SHA256 under the store key (encrypted). */
  hash: 'sha256' | 'hmac-sha256';
  compression: 'gzip';
  /** Present on encrypted stores (version 2): who can open it is in `keys/` (encryption/store-keys.ts). */
  encryption?: { cipher: typeof CIPHER };
}

const CIPHER = 'aes-256-gcm-stream';

export interface StoreOptions {
  /** Wrap the store's blob store (a faulty wrapper in tests). */
  blobStore?: (inner: BlobStore) => BlobStore;
  /** What opens an encrypted store (a passphrase, this server's master key). Ignored by plain stores. */
  keys?: KeySource;
}

export interface InitStoreOptions extends StoreOptions {
  now?: Date;
  /**
   * Create the store encrypted (the choice is made once, at creation): its key is wrapped for each of `keys`'
   * passphrase and master key. Has no effect on a store that exists already.
   */
  encrypt?: boolean;
  /** Label of the passphrase key file created with an encrypted store. */
  passphraseLabel?: string;
}

export interface UnreadableSnapshot {
  /** The id its file name says. */
  id: string;
  file: string;
  code?: string;
  error: string;
}

export interface SnapshotListing {
  /** Oldest first (ids sort by start time). */
  snapshots: SnapshotManifest[];
  /** Manifest files that exist but cannot be read: listed, not hidden, so the user learns about them. */
  unreadable: UnreadableSnapshot[];
}

/** Files an OS or file server puts into any folder; they do not make a folder "not empty". */
const HARMLESS_ENTRIES = new Set(['.DS_Store', 'Thumbs.db', 'desktop.ini', 'lost+found', '$RECYCLE.BIN', 'System Volume Information', '.Trashes', '.Spotlight-V100', '.fseventsd', '.snapshot']);

/** What `initialize` lays out before store.json is written, and the access check's folder (probe.ts). */
const STORE_LAYOUT = new Set(['blobs', 'snapshots', 'tmp', 'journal', 'locks', 'pins', 'keys', 'orgkeeper-probe']);

export const snapshotKey = (id: string): string => `snapshots/${id}.json`;

export class Store {
  readonly blobs: BlobStore;

  constructor(
    readonly backend: StoreBackend,
    readonly config: StoreConfig,
    options: StoreOptions = {},
    /** The keys of an encrypted store; undefined for a plain one. */
    readonly crypto?: StoreCrypto
  ) {
    const inner = backend.blobStore(crypto?.codec ?? PLAIN_CODEC);
    this.blobs = options.blobStore?.(inner) ?? inner;
  }

  get encrypted(): boolean {
    return this.crypto !== undefined;
  }

  /** Where the store is, for messages: a folder path, `s3://bucket/prefix`, an Azure container URL. */
  get location(): string {
    return this.backend.location;
  }

  /** Every snapshot, oldest first, plus the manifest files that could not be read. */
  async listSnapshots(): Promise<SnapshotListing> {
    const names: string[] = [];
    for await (const object of this.backend.list('snapshots/')) names.push(object.key.slice('snapshots/'.length));
    const listing: SnapshotListing = { snapshots: [], unreadable: [] };
    for (const name of names.sort()) {
      if (!name.endsWith('.json')) continue;
      const id = name.slice(0, -'.json'.length);
      try {
        listing.snapshots.push(await this.readSnapshot(id));
      } catch (error) {
        if (error instanceof StoreError && error.code === 'snapshot_not_found') continue; // deleted meanwhile
        listing.unreadable.push({ id, file: `snapshots/${name}`, error: describeError(error), ...(error instanceof StoreError ? { code: error.code } : {}) });
      }
    }
    return listing;
  }

  async readSnapshot(id: string): Promise<SnapshotManifest> {
    assertSnapshotId(id);
    const key = snapshotKey(id);
    const found = await this.backend.read(key);
    if (found === undefined) throw new StoreError('snapshot_not_found', `Snapshot ${id} is not in the store at ${this.location}.`);
    const bytes = this.crypto ? this.crypto.openMetadata(key, found.bytes) : found.bytes;
    let value: unknown;
    try {
      value = JSON.parse(bytes.toString('utf8'));
    } catch (error) {
      throw new StoreError('store_corrupt', `Snapshot ${id} is damaged: its manifest is not JSON (${describeError(error)}).`);
    }
    return validateManifest(value, id);
  }

  /**
   * Publish a snapshot. Last step of a backup: every blob it references must already be stored. By default this is
   * verified (one existence check per distinct blob) and the write refused with `missing_blobs` otherwise; then blobs
   * are made durable, then the manifest is created atomically. A snapshot is never overwritten (`snapshot_exists`).
   */
  async writeSnapshot(manifest: SnapshotManifest, options: { verifyReferences?: boolean } = {}): Promise<void> {
    validateManifest(manifest);
    if (manifest.org.id !== this.config.org.id) {
      throw new StoreError('wrong_org', `Snapshot ${manifest.id} is of organization ${manifest.org.id}, but this store holds backups of ${this.config.org.name} (${this.config.org.id}).`);
    }
    const key = snapshotKey(manifest.id);
    const exists = () => new StoreError('snapshot_exists', `Snapshot ${manifest.id} already exists; snapshots are never rewritten.`);
    if (await this.backend.stat(key)) throw exists();
    if (options.verifyReferences ?? true) await this.assertReferencesStored(manifest);
    await this.blobs.sync();
    const json = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
    const bytes = this.crypto ? this.crypto.sealMetadata(key, json) : json;
    if ((await this.backend.create(key, bytes)) === undefined) {
      // Ours after all when a retried request found its own first attempt done.
      const found = await this.backend.read(key);
      if (!found?.bytes.equals(bytes)) throw exists();
    }
  }

  /**
   * Remove a snapshot's manifest (its blobs stay until prune). Refused with `snapshot_in_use` while a reader (a
   * restore, an export) has it pinned; the check and the deletion are atomic with respect to pinning (pin.ts).
   */
  async deleteSnapshot(id: string): Promise<void> {
    const holders = await deleteUnpinnedSnapshot(this, id);
    if (holders.length > 0) {
      throw new StoreError('snapshot_in_use', `Snapshot ${id} is in use by ${holders.map(describePin).join(' and ')}, so it was not removed. Try again when that has finished.`);
    }
  }

  /** Store a JSON value as a blob. */
  async putJson(value: unknown, options?: PutOptions): Promise<BlobRef & { storedSize: number; isNew: boolean }> {
    const result = await this.blobs.put(Buffer.from(JSON.stringify(value)), options);
    return { hash: result.hash, size: result.size, storedSize: result.storedSize, isNew: result.isNew };
  }

  async getJson<T = unknown>(hash: string): Promise<T> {
    const bytes = await this.blobs.get(hash);
    try {
      return JSON.parse(bytes.toString('utf8')) as T;
    } catch (error) {
      throw new StoreError('store_corrupt', `Blob ${hash} does not hold JSON (${describeError(error)}).`);
    }
  }

  writeList<K extends ListKind>(kind: K, entries: readonly ListEntryOf[K][], options?: { pageSize?: number }): Promise<WrittenList> {
    return writeList(this.blobs, kind, entries, options);
  }

  readList<K extends ListKind>(manifest: SnapshotManifest, kind: K): AsyncGenerator<ListEntryOf[K]> {
    return readList(this.blobs, kind, manifest.lists[kind]);
  }

  /**
   * Remove partial writes left by crashed writers (tmp/ and temporary files on disk; temporary objects and unfinished
   * uploads on object storage). Only the lock holder calls this (acquireLock does), so no running writer can lose a
   * write it is still making.
   */
  cleanTemporaryFiles(): Promise<number> {
    return this.backend.cleanTemporary();
  }

  /** Release the backend's network clients. */
  close(): Promise<void> {
    return this.backend.close();
  }

  private async assertReferencesStored(manifest: SnapshotManifest): Promise<void> {
    const checked = new Set<string>();
    const missing: string[] = [];
    for await (const event of walkSnapshot(this.blobs, manifest)) {
      if (event.type === 'unreadable') {
        missing.push(`${describeOwner(event.owner)}: ${event.error}`);
        continue;
      }
      if (checked.has(event.hash)) continue;
      checked.add(event.hash);
      if (!(await this.blobs.has(event.hash))) missing.push(`${describeOwner(event.owner)} (blob ${event.hash})`);
      if (missing.length >= 20) break;
    }
    if (missing.length > 0) {
      throw new StoreError('missing_blobs', `Snapshot ${manifest.id} references blobs that are not stored, so it was not written: ${missing.slice(0, 5).join('; ')}${missing.length > 5 ? ` (and more)` : ''}.`);
    }
  }
}

/** Parse and check store.json. */
function validateConfig(value: unknown, backend: StoreBackend): StoreConfig {
  const dir = backend.location;
  const file = backend.describeKey(STORE_FILE);
  const v = value as Partial<StoreConfig> | null;
  if (typeof v !== 'object' || v === null || v.format !== STORE_FORMAT) {
    throw new StoreError('not_a_store', `${file} is not an OrgKeeper store description (format is not "${STORE_FORMAT}"). Choose another folder for backups.`);
  }
  if (typeof v.version !== 'number' || v.version > STORE_VERSION) {
    throw new StoreError('unsupported_version', `The store at ${dir} has format version ${String(v.version)}, written by a newer OrgKeeper than this one (understands up to ${STORE_VERSION}). Upgrade OrgKeeper to use it.`);
  }
  const problems: string[] = [];
  if (v.version !== PLAIN_STORE_VERSION && v.version !== ENCRYPTED_STORE_VERSION) problems.push(`version ${String(v.version)} is unknown`);
  const encrypted = v.version === ENCRYPTED_STORE_VERSION;
  if (encrypted && v.encryption?.cipher !== CIPHER) problems.push(`encryption "${String(v.encryption?.cipher)}" is not supported (${CIPHER})`);
  if (!encrypted && v.encryption !== undefined) problems.push('a version 1 store is never encrypted');
  if (typeof v.storeId !== 'string' || v.storeId === '') problems.push('storeId is missing');
  if (typeof v.createdAt !== 'string') problems.push('createdAt is missing');
  if (typeof v.org !== 'object' || v.org === null || typeof v.org.id !== 'string' || typeof v.org.portalUrl !== 'string' || typeof v.org.name !== 'string') {
    problems.push('org needs id, portalUrl and name');
  }
  const naming = encrypted ? 'hmac-sha256' : 'sha256';
  if (v.hash !== naming) problems.push(`hash "${String(v.hash)}" is not supported (${naming})`);
  if (v.compression !== 'gzip') problems.push(`compression "${String(v.compression)}" is not supported (gzip)`);
  if (problems.length > 0) throw new StoreError('store_corrupt', `${file} is damaged: ${problems.join('; ')}.`);
  return v as StoreConfig;
}

/**
 * Open an existing store: reads and checks store.json. Works wherever the store now is (moved, copied, mounted
 * elsewhere, copied to another bucket): nothing inside depends on its location. `expectOrgId` guards against
 * attaching an identity to another organization's backups. `where` is a folder path, a location (`s3://...`, an
 * Azure container URL) or a backend already made.
 */
export async function openStore(where: StoreLocationInput | StoreBackend, options: StoreOptions & { expectOrgId?: string } = {}): Promise<Store> {
  const backend = isBackend(where) ? where : await openBackend(where);
  try {
    return await openOn(backend, options);
  } catch (error) {
    if (!isBackend(where)) await backend.close();
    throw error;
  }
}

async function openOn(backend: StoreBackend, options: StoreOptions & { expectOrgId?: string }): Promise<Store> {
  const file = backend.describeKey(STORE_FILE);
  let found;
  try {
    found = await backend.read(STORE_FILE);
  } catch (error) {
    if (error instanceof StoreError) throw error;
    const code = errnoCode(error);
    if (code === 'EACCES' || code === 'EPERM') {
      throw new StoreError('io_error', `Cannot read ${file}: permission denied. Give the account that runs OrgKeeper read and write access to ${backend.location}.`, { cause: error });
    }
    throw new StoreError('io_error', `Cannot read ${file}: ${describeError(error)}.`, { cause: error });
  }
  if (found === undefined) {
    throw new StoreError('not_a_store', `${backend.location} does not contain an OrgKeeper backup store (no ${STORE_FILE}). Check the File Location, or choose an empty ${place(backend)} to start a new store.`);
  }
  let value: unknown;
  try {
    value = JSON.parse(found.bytes.toString('utf8'));
  } catch (error) {
    throw new StoreError('store_corrupt', `${file} is damaged: it is not JSON (${describeError(error)}).`);
  }
  const config = validateConfig(value, backend);
  if (options.expectOrgId !== undefined && config.org.id !== options.expectOrgId) {
    throw new StoreError('wrong_org', `The store at ${backend.location} holds backups of organization ${config.org.name} (${config.org.id}, ${config.org.portalUrl}), not of ${options.expectOrgId}. Choose another ${place(backend)} for this identity.`);
  }
  if (config.encryption === undefined) return new Store(backend, config, options);
  const { storeKey, keyId } = await unlockStoreKey(backend, config.storeId, options.keys);
  return new Store(backend, config, options, new StoreCrypto(storeKey, config.storeId, keyId));
}

/**
 * Create a store at `where` (a folder is created if needed), or open the store already there if it belongs to the
 * same organization. Refuses a non-empty location without a store (`folder_not_empty`): mixing backups with
 * unrelated files risks both, and usually means a wrong path.
 */
export async function initStore(where: StoreLocationInput | StoreBackend, org: StoreOrg, options: InitStoreOptions = {}): Promise<Store> {
  if (!org.id || !org.portalUrl) throw new StoreError('invalid_entry', 'A store needs the organization id and portal URL.');
  const backend = isBackend(where) ? where : await openBackend(where);
  try {
    return await initOn(backend, org, options);
  } catch (error) {
    if (!isBackend(where)) await backend.close();
    throw error;
  }
}

async function initOn(backend: StoreBackend, org: StoreOrg, options: InitStoreOptions): Promise<Store> {
  const entries = await backend.topLevelEntries();
  if (entries.includes(STORE_FILE)) return openOn(backend, { ...options, expectOrgId: org.id });
  // The store's own folders without store.json: a store being created by another process, or whose creation crashed.
  const unrelated = entries.filter((name) => !HARMLESS_ENTRIES.has(name) && !STORE_LAYOUT.has(name));
  if (unrelated.length > 0) {
    throw new StoreError('folder_not_empty', `${backend.location} is not empty and is not an OrgKeeper store (it holds ${unrelated.slice(0, 3).map((n) => JSON.stringify(n)).join(', ')}${unrelated.length > 3 ? ', ...' : ''}). Choose an empty ${place(backend)}, or the ${place(backend)} of an existing store.`);
  }
  await backend.initialize();
  const storeId = randomUUID();
  const encrypted = options.encrypt === true;
  const config: StoreConfig = {
    format: STORE_FORMAT,
    version: encrypted ? ENCRYPTED_STORE_VERSION : PLAIN_STORE_VERSION,
    storeId,
    createdAt: (options.now ?? new Date()).toISOString(),
    org: { id: org.id, portalUrl: org.portalUrl, name: org.name },
    hash: encrypted ? 'hmac-sha256' : 'sha256',
    compression: 'gzip',
    ...(encrypted ? { encryption: { cipher: CIPHER } } : {})
  };
  let crypto: StoreCrypto | undefined;
  const keyFiles: string[] = [];
  if (encrypted) {
    const keys = options.keys ?? {};
    if (keys.passphrase === undefined && keys.masterKey === undefined) {
      throw new StoreError('key_required', 'An encrypted store needs a passphrase, this server\'s key, or both, to wrap its key.');
    }
    // Key files before store.json: a store that exists can always be opened.
    const storeKey = randomBytes(32);
    if (keys.masterKey !== undefined) {
      const file = await makeKeyFile(storeId, storeKey, { masterKey: keys.masterKey }, `OrgKeeper server on ${hostname()}`);
      await writeKeyFile(backend, file);
      keyFiles.push(file.id);
    }
    if (keys.passphrase !== undefined) {
      const file = await makeKeyFile(storeId, storeKey, { passphrase: keys.passphrase, ...(keys.scrypt ? { scrypt: keys.scrypt } : {}) }, options.passphraseLabel ?? 'passphrase');
      await writeKeyFile(backend, file);
      keyFiles.push(file.id);
    }
    crypto = new StoreCrypto(storeKey, storeId, keyFiles[0]);
  }
  // store.json last: its presence means the location is a complete store. Created exclusively, so of two processes
  // initializing one location at once, one creates and the other opens what it created.
  if ((await backend.create(STORE_FILE, Buffer.from(`${JSON.stringify(config, null, 2)}\n`))) === undefined) {
    for (const id of keyFiles) await deleteKeyFile(backend, id); // they wrap a key no store uses
    return openOn(backend, { ...options, expectOrgId: org.id });
  }
  return new Store(backend, config, options, crypto);
}

const place = (backend: StoreBackend): string => (backend.kind === 'disk' ? 'folder' : 'location');

function isBackend(value: unknown): value is StoreBackend {
  return typeof value === 'object' && value !== null && 'blobStore' in value && 'openLog' in value;
}

/** Host name recorded in manifests and locks. */
export const currentHost = (): string => hostname();
