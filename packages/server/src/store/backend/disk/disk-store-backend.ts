import { createHash } from 'node:crypto';
import { type FileHandle, link, open, readFile, readdir, rm, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BlobCodec } from '../../blob-store/blob-codec.js';
import type { BlobStore } from '../../blob-store/blob-store.js';
import { DiskBlobStore } from '../../blob-store/disk/disk-blob-store.js';
import { PRIVATE_FILE_MODE, makePrivateIfOwned } from '../../../lib/private-files.js';
import { ensureDir, fsyncDir, isTempName, tempNameFor, writeFileAtomic } from '../../fs-util.js';
import { StoreError, errnoCode } from '../../store-error.js';
import { type LogAppender, type ObjectInfo, type StoreBackend, type StoredObject, assertKey } from '../store-backend.js';

/** The folders of a store on disk. */
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

export function storePaths(dir: string): StorePaths {
  const root = resolve(dir);
  return {
    root,
    config: join(root, 'store.json'),
    blobs: join(root, 'blobs'),
    snapshots: join(root, 'snapshots'),
    tmp: join(root, 'tmp'),
    journal: join(root, 'journal'),
    locks: join(root, 'locks'),
    pins: join(root, 'pins')
  };
}

/** A compare-and-swap holds a key's mutex for milliseconds; one older than this was left by a crashed process. */
const MUTEX_STALE_MS = 30_000;
const MUTEX_WAIT_MS = 45_000;
/**
 * Lock and pin holders (which do not hold the lock, or are racing for it) write temporary files for milliseconds;
 * one older than a stale lock is a crash's leftover.
 */
const TEMP_PIN_STALE_MS = 2 * 60_000;
/** Errors of file systems without hard links (FAT, some SMB and NFS servers): create falls back to O_EXCL. */
const NO_LINKS = new Set(['EPERM', 'ENOTSUP', 'ENOSYS', 'EOPNOTSUPP', 'EXDEV']);

/**
 * A store in a folder on a local or mounted file system (the store format since version 1). Atomic writes are a
 * temporary file, fsync, rename, fsync of the folder; exclusive creates link a complete temporary file into place (the
 * link fails when the name exists), falling back to O_EXCL where hard links are missing; a compare-and-swap holds a
 * short per-key mutex file (`.<name>.mutex`, O_EXCL) around read, compare and rename. Logs are files appended to and
 * fsynced.
 */
export class DiskStoreBackend implements StoreBackend {
  readonly kind = 'disk' as const;
  readonly paths: StorePaths;
  private readonly madeDirs = new Set<string>();

  constructor(dir: string) {
    this.paths = storePaths(dir);
  }

  get location(): string {
    return this.paths.root;
  }

  /** The file of a key. */
  pathOf(key: string): string {
    assertKey(key);
    return join(this.paths.root, ...key.split('/'));
  }

  describeKey(key: string): string {
    return this.pathOf(key);
  }

  async initialize(): Promise<void> {
    for (const dir of [this.paths.blobs, this.paths.snapshots, this.paths.tmp, this.paths.journal, this.paths.locks, this.paths.pins]) await ensureDir(dir);
  }

  async topLevelEntries(): Promise<string[]> {
    await ensureDir(this.paths.root);
    // The root only: it is the store's own folder (initStore refuses a non-empty folder that is not a store), and a
    // private root keeps others out of everything in it, also in a store written before files were created private.
    await makePrivateIfOwned(this.paths.root);
    return readdir(this.paths.root);
  }

  async read(key: string): Promise<StoredObject | undefined> {
    const path = this.pathOf(key);
    try {
      const [bytes, info] = await Promise.all([readFile(path), stat(path)]);
      return { bytes, etag: etagOf(bytes), modifiedAt: info.mtime };
    } catch (error) {
      if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') return undefined;
      throw error;
    }
  }

  async stat(key: string): Promise<ObjectInfo | undefined> {
    try {
      const info = await stat(this.pathOf(key));
      return { key, size: info.size, modifiedAt: info.mtime };
    } catch (error) {
      if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') return undefined;
      throw error;
    }
  }

  async write(key: string, bytes: Uint8Array): Promise<string> {
    const path = this.pathOf(key);
    await this.ensureParent(path);
    await writeFileAtomic(path, bytes);
    return etagOf(bytes);
  }

  async create(key: string, bytes: Uint8Array): Promise<string | undefined> {
    const path = this.pathOf(key);
    await this.ensureParent(path);
    const temp = tempNameFor(path);
    let handle: FileHandle | undefined;
    try {
      handle = await open(temp, 'wx', PRIVATE_FILE_MODE);
      await handle.writeFile(bytes);
      await handle.sync();
      await handle.close();
      handle = undefined;
      try {
        await link(temp, path);
      } catch (error) {
        if (errnoCode(error) === 'EEXIST') return undefined;
        if (!NO_LINKS.has(errnoCode(error) ?? '')) throw error;
        if (!(await createExclusive(path, bytes))) return undefined;
      }
    } finally {
      await handle?.close().catch(() => undefined);
      await rm(temp, { force: true }).catch(() => undefined);
    }
    await fsyncDir(dirname(path));
    return etagOf(bytes);
  }

  async replace(key: string, bytes: Uint8Array, etag: string): Promise<string | undefined> {
    const path = this.pathOf(key);
    return this.withKeyMutex(path, async () => {
      const current = await this.read(key);
      if (current?.etag !== etag) return undefined;
      await writeFileAtomic(path, bytes);
      return etagOf(bytes);
    });
  }

  async delete(key: string, options: { ifMatch?: string } = {}): Promise<boolean> {
    const path = this.pathOf(key);
    const remove = async () => {
      try {
        await unlink(path);
      } catch (error) {
        if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') return false;
        throw error;
      }
      await fsyncDir(dirname(path));
      return true;
    };
    if (options.ifMatch === undefined) return remove();
    const ifMatch = options.ifMatch;
    return this.withKeyMutex(path, async () => ((await this.read(key))?.etag === ifMatch ? remove() : false));
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    const dir = this.dirOf(prefix);
    for (const name of await readdirOrEmpty(dir)) {
      if (isTempName(name) || name.startsWith('.')) continue; // temporary files and mutexes
      try {
        const info = await stat(join(dir, name));
        if (info.isFile()) yield { key: `${prefix}${name}`, size: info.size, modifiedAt: info.mtime };
      } catch (error) {
        if (errnoCode(error) !== 'ENOENT') throw error; // deleted while listing
      }
    }
  }

  async openLog(key: string, header: Uint8Array): Promise<{ log: LogAppender; existing: Buffer | undefined }> {
    const path = this.pathOf(key);
    await this.ensureParent(path);
    const existing = await readFile(path).catch((error: unknown) => {
      if (errnoCode(error) === 'ENOENT') return undefined;
      throw error;
    });
    // Header written atomically: a log always starts with its header, even after a crash right here.
    if (existing === undefined || existing.length === 0) await writeFileAtomic(path, header);
    const handle = await open(path, 'a', PRIVATE_FILE_MODE);
    if (existing !== undefined && existing.length > 0 && existing[existing.length - 1] !== 0x0a) {
      await handle.write('\n'); // end a torn line (crash mid-append) so the next one parses
    }
    return {
      existing,
      log: {
        append: async (bytes) => {
          await handle.write(bytes);
          await handle.sync();
        },
        close: () => handle.close()
      }
    };
  }

  async readLog(key: string): Promise<{ bytes: Buffer; modifiedAt: Date } | undefined> {
    const found = await this.read(key);
    return found && { bytes: found.bytes, modifiedAt: found.modifiedAt };
  }

  async deleteLog(key: string): Promise<void> {
    const path = this.pathOf(key);
    await rm(path, { force: true });
    await fsyncDir(dirname(path)).catch(() => undefined);
  }

  listLogs(prefix: string): AsyncIterable<ObjectInfo> {
    return this.list(prefix);
  }

  blobStore(codec: BlobCodec): BlobStore {
    return new DiskBlobStore({ blobsDir: this.paths.blobs, tmpDir: this.paths.tmp, codec });
  }

  async cleanTemporary(): Promise<number> {
    let removed = 0;
    for (const name of await readdirOrEmpty(this.paths.tmp)) {
      await rm(join(this.paths.tmp, name), { recursive: true, force: true });
      removed += 1;
    }
    // Temporary files of pin heartbeats: pin holders do not take the lock, so only old ones are theirs to remove.
    for (const name of await readdirOrEmpty(this.paths.pins)) {
      if (!isTempName(name)) continue;
      const age = await stat(join(this.paths.pins, name)).then((s) => Date.now() - s.mtimeMs, () => 0);
      if (age > TEMP_PIN_STALE_MS) {
        await rm(join(this.paths.pins, name), { force: true });
        removed += 1;
      }
    }
    for (const dir of [this.paths.snapshots, this.paths.root, this.paths.locks, this.paths.journal, join(this.paths.root, 'keys')]) {
      for (const name of await readdirOrEmpty(dir)) {
        // Temporary files of atomic writes, and stale locks a crashed taker of an older version had moved aside.
        if (!isTempName(name) && !(dir === this.paths.locks && /^stale-.*\.json$/.test(name))) continue;
        if (dir === this.paths.locks) {
          // Processes racing for the lock write theirs through temporary files too: only old ones are leftovers.
          if (name.includes(`.${process.pid}.`)) continue;
          const age = await stat(join(dir, name)).then((s) => Date.now() - s.mtimeMs, () => 0);
          if (age < TEMP_PIN_STALE_MS) continue;
        }
        await rm(join(dir, name), { force: true });
        removed += 1;
      }
    }
    return removed;
  }

  async close(): Promise<void> {}

  private dirOf(prefix: string): string {
    if (prefix === '') return this.paths.root;
    if (!prefix.endsWith('/')) throw new StoreError('invalid_id', `A listing prefix ends with "/": ${JSON.stringify(prefix)}.`);
    return this.pathOf(prefix.slice(0, -1));
  }

  private async ensureParent(path: string): Promise<void> {
    const dir = dirname(path);
    if (this.madeDirs.has(dir)) return;
    await ensureDir(dir);
    this.madeDirs.add(dir);
  }

  /** Run `fn` holding `.<name>.mutex` beside the file; a mutex left by a crashed process is removed once it is old. */
  private async withKeyMutex<T>(path: string, fn: () => Promise<T>): Promise<T> {
    await this.ensureParent(path);
    const mutex = join(dirname(path), `.${basename(path)}.mutex`);
    const deadline = Date.now() + MUTEX_WAIT_MS;
    while (!(await createExclusive(mutex, `${process.pid}`))) {
      const age = await stat(mutex).then((s) => Date.now() - s.mtimeMs, () => 0);
      if (age > MUTEX_STALE_MS) {
        await rm(mutex, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new StoreError('locked', `${path} is busy (${mutex} exists). If no OrgKeeper process is using this store, delete that file.`);
      await sleep(2 + Math.random() * 10);
    }
    try {
      return await fn();
    } finally {
      await rm(mutex, { force: true });
    }
  }
}

/** Disk has no etags: a digest of the content serves (the files compared are small: locks, pins, mutexes). */
function etagOf(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('base64url').slice(0, 22);
}

/** O_EXCL create + write + fsync. False when the file exists. */
async function createExclusive(path: string, content: Uint8Array | string): Promise<boolean> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'wx', PRIVATE_FILE_MODE);
  } catch (error) {
    if (errnoCode(error) === 'EEXIST') return false;
    throw error;
  }
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return true;
}

async function readdirOrEmpty(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') return [];
    throw error;
  }
}
