/**
 * The store: one folder (an identity's File Location) holding everything about its backups, and nothing outside it.
 * See README.md in this folder for the on-disk format.
 */
import { randomUUID } from 'node:crypto';
import { readFile, readdir, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import type { BlobStore, PutOptions } from './blob-store/blob-store.js';
import { DiskBlobStore } from './blob-store/disk/disk-blob-store.js';
import { makePrivateIfOwned } from '../lib/private-files.js';
import { ensureDir, isTempName, writeFileAtomic } from './fs-util.js';
import { type BlobRef, type ListEntryOf, type ListKind, type SnapshotManifest, validateManifest } from './manifest.js';
import { type WrittenList, describeOwner, readList, walkSnapshot, writeList } from './manifest-walk.js';
import { deleteUnpinnedSnapshot, describePin } from './pin.js';
import { assertSnapshotId } from './snapshot-id.js';
import { StoreError, describeError, errnoCode } from './store-error.js';

export const STORE_FORMAT = 'orgkeeper-store';
export const STORE_VERSION = 1;
export const STORE_FILE = 'store.json';

export interface StoreOrg {
  /** The ArcGIS organization id (portal `id`), which stays the same when a portal's URL changes. */
  id: string;
  portalUrl: string;
  name: string;
}

/** store.json: describes the folder so it can be moved, mounted elsewhere and re-attached. No absolute paths. */
export interface StoreConfig {
  format: typeof STORE_FORMAT;
  version: typeof STORE_VERSION;
  storeId: string;
  createdAt: string;
  org: StoreOrg;
  hash: 'sha256';
  compression: 'gzip';
}

export interface StoreOptions {
  /** Blob storage to use instead of `<dir>/blobs` on disk (an S3 store later; a faulty wrapper in tests). */
  blobStore?: (paths: StorePaths) => BlobStore;
}

export interface StorePaths {
  root: string;
  config: string;
  blobs: string;
  snapshots: string;
  tmp: string;
  journal: string;
  locks: string;
  /** Snapshot pins of readers (pin.ts). */
  pins: string;
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

function storePaths(dir: string): StorePaths {
  const root = resolve(dir);
  return {
    root,
    config: join(root, STORE_FILE),
    blobs: join(root, 'blobs'),
    snapshots: join(root, 'snapshots'),
    tmp: join(root, 'tmp'),
    journal: join(root, 'journal'),
    locks: join(root, 'locks'),
    pins: join(root, 'pins')
  };
}

export class Store {
  readonly paths: StorePaths;
  readonly blobs: BlobStore;

  constructor(
    readonly dir: string,
    readonly config: StoreConfig,
    options: StoreOptions = {}
  ) {
    this.paths = storePaths(dir);
    this.blobs = options.blobStore?.(this.paths) ?? new DiskBlobStore({ blobsDir: this.paths.blobs, tmpDir: this.paths.tmp });
  }

  /** Every snapshot, oldest first, plus the manifest files that could not be read. */
  async listSnapshots(): Promise<SnapshotListing> {
    let names: string[];
    try {
      names = await readdir(this.paths.snapshots);
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return { snapshots: [], unreadable: [] };
      throw error;
    }
    const listing: SnapshotListing = { snapshots: [], unreadable: [] };
    for (const name of names.sort()) {
      if (isTempName(name) || !name.endsWith('.json')) continue;
      const id = name.slice(0, -'.json'.length);
      try {
        listing.snapshots.push(await this.readSnapshot(id));
      } catch (error) {
        if (errnoCode(error) === 'ENOENT' || (error instanceof StoreError && error.code === 'snapshot_not_found')) continue; // deleted meanwhile
        listing.unreadable.push({ id, file: join('snapshots', name), error: describeError(error), ...(error instanceof StoreError ? { code: error.code } : {}) });
      }
    }
    return listing;
  }

  async readSnapshot(id: string): Promise<SnapshotManifest> {
    assertSnapshotId(id);
    let text: string;
    try {
      text = await readFile(join(this.paths.snapshots, `${id}.json`), 'utf8');
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') throw new StoreError('snapshot_not_found', `Snapshot ${id} is not in the store at ${this.dir}.`);
      throw error;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new StoreError('store_corrupt', `Snapshot ${id} is damaged: its manifest is not JSON (${describeError(error)}).`);
    }
    return validateManifest(value, id);
  }

  /**
   * Publish a snapshot. Last step of a backup: every blob it references must already be stored. By default this is
   * verified (one existence check per distinct blob) and the write refused with `missing_blobs` otherwise; then blobs
   * are made durable, then the manifest is written atomically. A snapshot is never overwritten (`snapshot_exists`).
   */
  async writeSnapshot(manifest: SnapshotManifest, options: { verifyReferences?: boolean } = {}): Promise<void> {
    validateManifest(manifest);
    if (manifest.org.id !== this.config.org.id) {
      throw new StoreError('wrong_org', `Snapshot ${manifest.id} is of organization ${manifest.org.id}, but this store holds backups of ${this.config.org.name} (${this.config.org.id}).`);
    }
    const target = join(this.paths.snapshots, `${manifest.id}.json`);
    if (await exists(target)) throw new StoreError('snapshot_exists', `Snapshot ${manifest.id} already exists; snapshots are never rewritten.`);
    if (options.verifyReferences ?? true) await this.assertReferencesStored(manifest);
    await this.blobs.sync();
    await ensureDir(this.paths.snapshots);
    await writeFileAtomic(target, `${JSON.stringify(manifest, null, 2)}\n`);
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
   * Remove partial writes left by crashed writers: everything in tmp/ and temporary files of atomic writes. Only the lock
   * holder calls this (acquireLock does), so no running writer can lose a file it is still writing.
   */
  async cleanTemporaryFiles(): Promise<number> {
    let removed = 0;
    for (const name of await readdirOrEmpty(this.paths.tmp)) {
      await rm(join(this.paths.tmp, name), { recursive: true, force: true });
      removed += 1;
    }
    for (const dir of [this.paths.snapshots, this.paths.root, this.paths.locks, this.paths.journal]) {
      for (const name of await readdirOrEmpty(dir)) {
        // Temporary files of atomic writes, and stale locks a crashed taker had moved aside.
        if (!isTempName(name) && !(dir === this.paths.locks && /^stale-.*\.json$/.test(name))) continue;
        if (dir === this.paths.locks && name.includes(`.${process.pid}.`)) continue; // our own heartbeat, mid-write
        await rm(join(dir, name), { force: true });
        removed += 1;
      }
    }
    return removed;
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

async function readdirOrEmpty(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return [];
    throw error;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return false;
    throw error;
  }
}

/** Parse and check store.json. */
function validateConfig(value: unknown, dir: string): StoreConfig {
  const v = value as Partial<StoreConfig> | null;
  if (typeof v !== 'object' || v === null || v.format !== STORE_FORMAT) {
    throw new StoreError('not_a_store', `${join(dir, STORE_FILE)} is not an OrgKeeper store description (format is not "${STORE_FORMAT}"). Choose another folder for backups.`);
  }
  if (typeof v.version !== 'number' || v.version > STORE_VERSION) {
    throw new StoreError('unsupported_version', `The store at ${dir} has format version ${String(v.version)}, written by a newer OrgKeeper than this one (understands ${STORE_VERSION}). Upgrade OrgKeeper to use it.`);
  }
  const problems: string[] = [];
  if (v.version !== STORE_VERSION) problems.push(`version ${String(v.version)} is unknown`);
  if (typeof v.storeId !== 'string' || v.storeId === '') problems.push('storeId is missing');
  if (typeof v.createdAt !== 'string') problems.push('createdAt is missing');
  if (typeof v.org !== 'object' || v.org === null || typeof v.org.id !== 'string' || typeof v.org.portalUrl !== 'string' || typeof v.org.name !== 'string') {
    problems.push('org needs id, portalUrl and name');
  }
  if (v.hash !== 'sha256') problems.push(`hash "${String(v.hash)}" is not supported (sha256)`);
  if (v.compression !== 'gzip') problems.push(`compression "${String(v.compression)}" is not supported (gzip)`);
  if (problems.length > 0) throw new StoreError('store_corrupt', `${join(dir, STORE_FILE)} is damaged: ${problems.join('; ')}.`);
  return v as StoreConfig;
}

/**
 * Open an existing store: reads and checks store.json. Works wherever the folder now is (moved, copied, mounted
 * elsewhere): nothing inside depends on its path. `expectOrgId` guards against attaching an identity to another
 * organization's backups.
 */
export async function openStore(dir: string, options: StoreOptions & { expectOrgId?: string } = {}): Promise<Store> {
  const paths = storePaths(dir);
  let text: string;
  try {
    text = await readFile(paths.config, 'utf8');
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new StoreError('not_a_store', `${paths.root} does not contain an OrgKeeper backup store (no ${STORE_FILE}). Check the File Location, or choose an empty folder to start a new store.`);
    }
    if (code === 'EACCES' || code === 'EPERM') {
      throw new StoreError('io_error', `Cannot read ${paths.config}: permission denied. Give the account that runs OrgKeeper read and write access to ${paths.root}.`, { cause: error });
    }
    throw new StoreError('io_error', `Cannot read ${paths.config}: ${describeError(error)}.`, { cause: error });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new StoreError('store_corrupt', `${paths.config} is damaged: it is not JSON (${describeError(error)}).`);
  }
  const config = validateConfig(value, paths.root);
  if (options.expectOrgId !== undefined && config.org.id !== options.expectOrgId) {
    throw new StoreError('wrong_org', `The store at ${paths.root} holds backups of organization ${config.org.name} (${config.org.id}, ${config.org.portalUrl}), not of ${options.expectOrgId}. Choose another folder for this identity.`);
  }
  return new Store(paths.root, config, options);
}

/**
 * Create a store in `dir` (created if needed), or open the store already there if it belongs to the same organization.
 * Refuses a non-empty folder without a store (`folder_not_empty`): mixing backups with unrelated files risks both,
 * and usually means a wrong path.
 */
export async function initStore(dir: string, org: StoreOrg, options: StoreOptions & { now?: Date } = {}): Promise<Store> {
  const paths = storePaths(dir);
  if (!org.id || !org.portalUrl) throw new StoreError('invalid_entry', 'A store needs the organization id and portal URL.');
  await ensureDir(paths.root);
  // The root only: it is the store's own folder (a non-empty folder that is not a store is refused below), and a
  // private root keeps others out of everything in it, also in a store written before files were created private.
  await makePrivateIfOwned(paths.root);
  const entries = await readdir(paths.root);
  if (entries.includes(STORE_FILE)) return openStore(paths.root, { ...options, expectOrgId: org.id });
  const unrelated = entries.filter((name) => !HARMLESS_ENTRIES.has(name));
  if (unrelated.length > 0) {
    throw new StoreError('folder_not_empty', `${paths.root} is not empty and is not an OrgKeeper store (it holds ${unrelated.slice(0, 3).map((n) => JSON.stringify(n)).join(', ')}${unrelated.length > 3 ? ', ...' : ''}). Choose an empty folder, or the folder of an existing store.`);
  }
  for (const sub of [paths.blobs, paths.snapshots, paths.tmp, paths.journal, paths.locks, paths.pins]) await ensureDir(sub);
  const config: StoreConfig = {
    format: STORE_FORMAT,
    version: STORE_VERSION,
    storeId: randomUUID(),
    createdAt: (options.now ?? new Date()).toISOString(),
    org: { id: org.id, portalUrl: org.portalUrl, name: org.name },
    hash: 'sha256',
    compression: 'gzip'
  };
  // store.json last: its presence means the folder is a complete store.
  await writeFileAtomic(paths.config, `${JSON.stringify(config, null, 2)}\n`);
  return new Store(paths.root, config, options);
}

/** Host name recorded in manifests and locks. */
export const currentHost = (): string => hostname();
