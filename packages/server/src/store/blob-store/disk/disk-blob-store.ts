import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { type FileHandle, open, readFile, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { assertBlobHash, isBlobHash } from '../../hash.js';
import { PRIVATE_FILE_MODE } from '../../../lib/private-files.js';
import { runPool } from '../../../lib/task-pool.js';
import { ensureDir, fsyncDir } from '../../fs-util.js';
import { StoreError, describeError, errnoCode } from '../../store-error.js';
import { type BlobCodec, PLAIN_CODEC, namingTap } from '../blob-codec.js';
import { type BlobInfo, type BlobStore, type PutOptions, type PutResult, type VerifyResult, compressionLevel, levelFor } from '../blob-store.js';

const MAX_UNSYNCED = 4096;

export interface DiskBlobStoreOptions {
  /** `<store>/blobs`: blobs live in `<blobsDir>/<first 2 hex>/<hash>`, gzip-compressed. */
  blobsDir: string;
  /** `<store>/tmp`: partial writes, on the same file system so a rename publishes them atomically. */
  tmpDir: string;
  /** How blobs are named and encoded (default: SHA-256 names, gzip; an encrypted store's codec encrypts too). */
  codec?: BlobCodec;
}

/**
 * Blobs as gzip files on a local or mounted file system. A blob is written to `tmp/`, fsynced, then renamed into its
 * shard folder, so it appears complete or not at all; the shard folders touched are fsynced by `sync()` (once per
 * batch rather than per blob, which would cost a disk flush per blob).
 */
export class DiskBlobStore implements BlobStore {
  private readonly blobsDir: string;
  private readonly tmpDir: string;
  private readonly codec: BlobCodec;
  /** Shard folders that received a rename since the last sync (plus blobsDir when a shard was created). */
  private readonly dirty = new Set<string>();
  /** Blobs published since the last sync, whose data is not yet known to be on disk. */
  private readonly unsynced = new Set<string>();
  private tmpReady = false;

  constructor(options: DiskBlobStoreOptions) {
    this.blobsDir = options.blobsDir;
    this.tmpDir = options.tmpDir;
    this.codec = options.codec ?? PLAIN_CODEC;
  }

  /** Where a blob lives, relative to nothing outside blobsDir: the hash is validated first. */
  pathOf(hash: string): string {
    assertBlobHash(hash);
    return join(this.blobsDir, hash.slice(0, 2), hash);
  }

  async has(hash: string): Promise<boolean> {
    return (await this.size(hash)) !== undefined;
  }

  async size(hash: string): Promise<number | undefined> {
    try {
      return (await stat(this.pathOf(hash))).size;
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return undefined;
      throw error;
    }
  }

  async put(bytes: Uint8Array, options?: PutOptions): Promise<PutResult> {
    const level = levelFor(bytes, options);
    const hash = this.codec.nameOf(bytes);
    // Cheap dedup: content already stored costs a stat, not a compression.
    if (await this.has(hash)) return { hash, size: bytes.byteLength, storedSize: 0, isNew: false };
    const compressed = await this.codec.encode(bytes, level);
    const temp = await this.tempFile();
    let handle: FileHandle | undefined;
    try {
      handle = await open(temp, 'wx', PRIVATE_FILE_MODE);
      await handle.writeFile(compressed);
      await handle.close();
      handle = undefined;
      return await this.publish(temp, hash, bytes.byteLength, compressed.byteLength);
    } catch (error) {
      await handle?.close().catch(() => undefined);
      await rm(temp, { force: true }).catch(() => undefined);
      throw error;
    }
  }

  async putStream(source: AsyncIterable<Uint8Array> | Readable, options?: PutOptions): Promise<PutResult> {
    const level = compressionLevel(options);
    const temp = await this.tempFile();
    const tap = namingTap(this.codec);
    const out = createWriteStream(temp, { flags: 'wx', mode: PRIVATE_FILE_MODE });
    try {
      // Streams all the way: memory stays at the zlib window and stream buffers whatever the blob size.
      await pipeline([source instanceof Readable ? source : Readable.from(source), tap.stream, ...this.codec.encoders(level), out]);
      const storedSize = (await stat(temp)).size;
      const hash = tap.name();
      const size = tap.size();
      if (await this.has(hash)) {
        await rm(temp, { force: true });
        return { hash, size, storedSize: 0, isNew: false };
      }
      return await this.publish(temp, hash, size, storedSize);
    } catch (error) {
      // The write stream opens its file asynchronously: when the source fails early, the file can appear after the
      // pipeline has rejected. Wait until the stream has closed, then remove what it left.
      if (!out.closed) await new Promise<void>((resolve) => out.once('close', () => resolve()));
      await rm(temp, { force: true }).catch(() => undefined);
      throw error;
    }
  }

  async get(hash: string): Promise<Buffer> {
    const path = this.pathOf(hash);
    let compressed: Buffer;
    try {
      compressed = await readFile(path);
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') throw notFound(hash);
      throw error;
    }
    return this.codec.decode(compressed, hash);
  }

  async getStream(hash: string): Promise<Readable> {
    let handle: FileHandle;
    try {
      handle = await open(this.pathOf(hash), 'r');
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') throw notFound(hash);
      throw error;
    }
    return this.codec.decodeStream(handle.createReadStream(), hash);
  }

  async delete(hash: string): Promise<number> {
    const path = this.pathOf(hash);
    try {
      const { size } = await stat(path);
      await unlink(path);
      return size;
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return 0;
      throw error;
    }
  }

  async *list(): AsyncIterable<BlobInfo> {
    let shards: string[];
    try {
      shards = (await readdir(this.blobsDir)).filter((name) => /^[0-9a-f]{2}$/.test(name)).sort();
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return;
      throw error;
    }
    for (const shard of shards) {
      let names: string[];
      try {
        names = await readdir(join(this.blobsDir, shard));
      } catch (error) {
        if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') continue;
        throw error;
      }
      for (const name of names) {
        // Anything else in a shard (a stray file copied in by hand) is not a blob of this store.
        if (!isBlobHash(name) || !name.startsWith(shard)) continue;
        try {
          const info = await stat(join(this.blobsDir, shard, name));
          if (info.isFile()) yield { hash: name, storedSize: info.size };
        } catch (error) {
          if (errnoCode(error) !== 'ENOENT') throw error; // deleted while listing
        }
      }
    }
  }

  async verify(hash: string): Promise<VerifyResult> {
    assertBlobHash(hash);
    let stream: Readable;
    try {
      stream = await this.getStream(hash);
    } catch (error) {
      if (errnoCode(error) === 'ENOENT' || (error instanceof StoreError && error.code === 'blob_not_found')) return { hash, status: 'missing' };
      return { hash, status: 'corrupt', detail: describeError(error) };
    }
    let size = 0;
    try {
      for await (const chunk of stream) size += (chunk as Buffer).byteLength;
    } catch (error) {
      return { hash, status: 'corrupt', detail: describeError(error) };
    }
    return { hash, status: 'ok', size, storedSize: (await this.size(hash)) ?? 0 };
  }

  async sync(): Promise<void> {
    // fsync is deferred from put to here: by the time a batch is synced the kernel has usually written most files
    // back already, so this costs far less than one synchronous flush per blob (measured in bench/store.bench.ts).
    // Until sync, a blob is complete for every reader (rename is atomic) but may not survive a power cut, which is
    // why a manifest or journal line is only made durable after sync.
    const files = [...this.unsynced];
    this.unsynced.clear();
    const dirs = [...this.dirty];
    this.dirty.clear();
    try {
      // The first failure stops the batch; every file goes back to the unsynced set below.
      await runPool(files, { concurrency: 8, onError: 'stop' }, fsyncFile);
      // Shards first, then blobsDir: a new shard's own entry must be durable for its blobs to be reachable.
      for (const dir of dirs.sort((a, b) => b.length - a.length)) await fsyncDir(dir);
    } catch (error) {
      for (const file of files) this.unsynced.add(file);
      for (const dir of dirs) this.dirty.add(dir);
      throw error;
    }
  }

  private async tempFile(): Promise<string> {
    if (!this.tmpReady) {
      await ensureDir(this.tmpDir);
      this.tmpReady = true;
    }
    return join(this.tmpDir, `blob-${process.pid}-${randomBytes(8).toString('hex')}.tmp`);
  }

  /** Rename a complete, fsynced temp file into place. Two writers of one hash both succeed: the content is identical. */
  private async publish(temp: string, hash: string, size: number, storedSize: number): Promise<PutResult> {
    const shard = join(this.blobsDir, hash.slice(0, 2));
    const target = join(shard, hash);
    try {
      await rename(temp, target);
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') {
        // The shard folder does not exist yet (or the whole blobs folder).
        const created = await ensureDir(shard);
        if (created !== undefined) this.dirty.add(this.blobsDir);
        try {
          await rename(temp, target);
        } catch (retryError) {
          return this.publishFailed(retryError, temp, target, hash, size);
        }
      } else {
        return this.publishFailed(error, temp, target, hash, size);
      }
    }
    this.dirty.add(shard);
    this.unsynced.add(target);
    // Callers sync at least every few seconds (journal, snapshot); this bounds the bookkeeping for those that do not.
    if (this.unsynced.size >= MAX_UNSYNCED) await this.sync();
    return { hash, size, storedSize, isNew: true };
  }

  /** On Windows a rename over a blob another process has open fails (EPERM); the blob is there, which is all we need. */
  private async publishFailed(error: unknown, temp: string, target: string, hash: string, size: number): Promise<PutResult> {
    const exists = await stat(target).then(
      () => true,
      () => false
    );
    await rm(temp, { force: true }).catch(() => undefined);
    if (exists) return { hash, size, storedSize: 0, isNew: false };
    throw error;
  }
}

async function fsyncFile(path: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(path, 'r+'); // writable: Windows cannot flush a read-only handle
    await handle.sync();
  } catch (error) {
    if (errnoCode(error) !== 'ENOENT') throw error; // deleted since (prune): nothing to make durable
  } finally {
    await handle?.close();
  }
}

function notFound(hash: string): StoreError {
  return new StoreError('blob_not_found', `Blob ${hash} is not in the store. Run check to see which snapshots and items are affected.`);
}
