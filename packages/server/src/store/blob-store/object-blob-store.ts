import { randomBytes } from 'node:crypto';
import { type FileHandle, open, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { assertBlobHash, isBlobHash } from '../hash.js';
import { StoreError, describeError, errnoCode } from '../store-error.js';
import type { ObjectClient, PartSource } from '../backend/object/object-client.js';
import { partSizeFor } from '../backend/object/object-client.js';
import { type BlobCodec, namingTap } from './blob-codec.js';
import { type BlobInfo, type BlobStore, type PutOptions, type PutResult, type VerifyResult, compressionLevel, levelFor } from './blob-store.js';

export interface ObjectBlobStoreOptions {
  codec: BlobCodec;
  /**
   * Where streamed blobs larger than one part wait while their name is computed (default: ORGKEEPER_SPOOL_DIR, else
   * the OS temporary folder).
   */
  spoolDir?: string;
  /** Bytes per part of a large upload (default 8 MiB; S3 needs at least 5 MiB). */
  partSize?: number;
  /** Parts uploaded at once (default 4). */
  concurrency?: number;
}

/** What a large upload held in memory, for tests that bound it. */
export interface UploadStats {
  bufferedBytes: number;
  maxBufferedBytes: number;
  partUploads: number;
  spooled: number;
}

const MiB = 1024 * 1024;

/**
 * Blobs as objects `blobs/<first 2 hex>/<name>` in a bucket or container, the same layout as on disk. An object
 * appears complete or not at all (a PUT, or the commit of an upload in parts), so there is no temporary copy to
 * rename. Puts are conditional on the name being absent, so two writers of one content both succeed and neither
 * rewrites the other's object; a PUT is durable when acknowledged, so `sync()` has nothing to do.
 *
 * A blob's name is known only when its content has been read to the end, and an object's key is fixed when its upload
 * starts: a stream that outgrows one part is therefore encoded into a private temporary file (memory stays at one
 * part), then uploaded from that file in parts, `concurrency` at a time. S3 (`s3/`) and Azure (`azure/`) subclass
 * this with their limits.
 */
export abstract class ObjectBlobStore implements BlobStore {
  readonly stats: UploadStats = { bufferedBytes: 0, maxBufferedBytes: 0, partUploads: 0, spooled: 0 };
  private readonly codec: BlobCodec;
  private readonly spoolDir: string;
  private readonly partSize: number;
  private readonly concurrency: number;

  constructor(
    private readonly client: ObjectClient,
    options: ObjectBlobStoreOptions,
    /** The service's most parts in one object. */
    private readonly maxParts: number
  ) {
    this.codec = options.codec;
    this.spoolDir = options.spoolDir ?? defaultSpoolDir();
    this.partSize = options.partSize ?? 8 * MiB;
    this.concurrency = options.concurrency ?? 4;
  }

  keyOf(hash: string): string {
    assertBlobHash(hash);
    return `blobs/${hash.slice(0, 2)}/${hash}`;
  }

  async has(hash: string): Promise<boolean> {
    return (await this.size(hash)) !== undefined;
  }

  async size(hash: string): Promise<number | undefined> {
    return (await this.client.head(this.keyOf(hash)))?.size;
  }

  async put(bytes: Uint8Array, options?: PutOptions): Promise<PutResult> {
    const level = levelFor(bytes, options);
    const hash = this.codec.nameOf(bytes);
    if (await this.has(hash)) return { hash, size: bytes.byteLength, storedSize: 0, isNew: false };
    const encoded = await this.codec.encode(bytes, level);
    const key = this.keyOf(hash);
    // A large buffer goes up in parts too: one request per part is retried alone, and requests stay within limits.
    const etag =
      encoded.byteLength > this.partSize
        ? await this.client.putParts(key, memoryParts(encoded, partSizeFor(encoded.byteLength, this.partSize, this.maxParts), this.concurrency, this.stats), { ifNoneMatch: '*' })
        : await this.client.put(key, encoded, { ifNoneMatch: '*' });
    // Undefined: another writer stored the same content meanwhile.
    return etag === undefined ? { hash, size: bytes.byteLength, storedSize: 0, isNew: false } : { hash, size: bytes.byteLength, storedSize: encoded.byteLength, isNew: true };
  }

  async putStream(source: AsyncIterable<Uint8Array> | Readable, options?: PutOptions): Promise<PutResult> {
    const level = compressionLevel(options);
    const tap = namingTap(this.codec);
    const spool = new Spool(this.spoolDir, this.partSize, this.stats);
    try {
      await pipeline([source instanceof Readable ? source : Readable.from(source), tap.stream, ...this.codec.encoders(level), spool]);
      const hash = tap.name();
      const size = tap.size();
      if (await this.has(hash)) return { hash, size, storedSize: 0, isNew: false };
      const key = this.keyOf(hash);
      let etag: string | undefined;
      if (spool.file === undefined) {
        etag = await this.client.put(key, spool.memory(), { ifNoneMatch: '*' });
      } else {
        this.stats.spooled += 1;
        etag = await this.client.putParts(key, spool.parts(partSizeFor(spool.bytes, this.partSize, this.maxParts), this.concurrency), { ifNoneMatch: '*' });
      }
      return etag === undefined ? { hash, size, storedSize: 0, isNew: false } : { hash, size, storedSize: spool.bytes, isNew: true };
    } finally {
      await spool.dispose();
    }
  }

  async get(hash: string): Promise<Buffer> {
    const found = await this.client.get(this.keyOf(hash));
    if (found === undefined) throw notFound(hash);
    return this.codec.decode(found.bytes, hash);
  }

  async getStream(hash: string): Promise<Readable> {
    const stream = await this.client.getStream(this.keyOf(hash));
    if (stream === undefined) throw notFound(hash);
    return this.codec.decodeStream(stream, hash);
  }

  async delete(hash: string): Promise<number> {
    const key = this.keyOf(hash);
    const found = await this.client.head(key);
    if (found === undefined) return 0;
    return (await this.client.delete(key)) ? found.size : 0;
  }

  async *list(): AsyncIterable<BlobInfo> {
    for await (const object of this.client.list('blobs/', true)) {
      const [, shard, name, ...rest] = object.key.split('/');
      // Anything else under blobs/ (copied in by hand) is not a blob of this store.
      if (rest.length > 0 || !isBlobHash(name) || shard !== name.slice(0, 2)) continue;
      yield { hash: name, storedSize: object.size };
    }
  }

  async verify(hash: string): Promise<VerifyResult> {
    assertBlobHash(hash);
    let stream: Readable;
    try {
      stream = await this.getStream(hash);
    } catch (error) {
      if (error instanceof StoreError && error.code === 'blob_not_found') return { hash, status: 'missing' };
      throw error; // a service failure is not a verdict on the blob
    }
    let size = 0;
    try {
      for await (const chunk of stream) size += (chunk as Buffer).byteLength;
    } catch (error) {
      if (error instanceof StoreError && error.code === 'blob_corrupt') return { hash, status: 'corrupt', detail: describeError(error) };
      throw error;
    }
    return { hash, status: 'ok', size, storedSize: (await this.size(hash)) ?? 0 };
  }

  /** A PUT or a committed upload is durable when the service acknowledges it. */
  async sync(): Promise<void> {}
}

/**
 * The end of a streamed put: keeps the stored bytes in memory up to one part, then moves them to a private temporary
 * file and appends the rest there.
 */
class Spool extends Writable {
  bytes = 0;
  file: string | undefined;
  private chunks: Buffer[] = [];
  private handle: FileHandle | undefined;

  constructor(
    private readonly dir: string,
    private readonly limit: number,
    private readonly stats: UploadStats
  ) {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.bytes += chunk.byteLength;
    if (this.handle === undefined) {
      this.chunks.push(chunk);
      this.account(chunk.byteLength);
      if (this.bytes <= this.limit) return callback();
      this.toFile().then(() => callback(), callback);
      return;
    }
    this.handle.write(chunk).then(() => callback(), callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (this.handle === undefined) return callback();
    this.handle.close().then(() => {
      this.handle = undefined;
      callback();
    }, callback);
  }

  memory(): Buffer {
    return Buffer.concat(this.chunks);
  }

  parts(partSize: number, concurrency: number): PartSource {
    const file = this.file!;
    return {
      size: this.bytes,
      partSize,
      concurrency,
      read: async (offset, length) => {
        const handle = await open(file, 'r');
        try {
          const buffer = Buffer.alloc(length);
          const { bytesRead } = await handle.read(buffer, 0, length, offset);
          if (bytesRead !== length) throw new StoreError('io_error', `The temporary file ${file} was cut short while uploading it.`);
          return buffer;
        } finally {
          await handle.close();
        }
      },
      onBuffer: (delta) => {
        this.account(delta);
        if (delta > 0) this.stats.partUploads += 1;
      }
    };
  }

  async dispose(): Promise<void> {
    this.account(-this.chunks.reduce((sum, c) => sum + c.byteLength, 0));
    this.chunks = [];
    await this.handle?.close().catch(() => undefined);
    this.handle = undefined;
    if (this.file) await rm(this.file, { force: true });
  }

  private account(delta: number): void {
    this.stats.bufferedBytes += delta;
    this.stats.maxBufferedBytes = Math.max(this.stats.maxBufferedBytes, this.stats.bufferedBytes);
  }

  private async toFile(): Promise<void> {
    this.file = join(this.dir, `${SPOOL_PREFIX}${process.pid}-${randomBytes(8).toString('hex')}.tmp`);
    this.handle = await open(this.file, 'wx', 0o600); // private: it holds the organization's data
    for (const chunk of this.chunks) await this.handle.write(chunk);
    this.account(-this.chunks.reduce((sum, c) => sum + c.byteLength, 0));
    this.chunks = [];
  }
}

const SPOOL_PREFIX = 'orgkeeper-spool-';

/** Parts of a buffer already in memory (nothing more is held). */
function memoryParts(bytes: Buffer, partSize: number, concurrency: number, stats: UploadStats): PartSource {
  return {
    size: bytes.byteLength,
    partSize,
    concurrency,
    read: async (offset, length) => bytes.subarray(offset, offset + length),
    onBuffer: (delta) => {
      if (delta > 0) stats.partUploads += 1;
    }
  };
}

export function defaultSpoolDir(): string {
  return process.env.ORGKEEPER_SPOOL_DIR || tmpdir();
}

/** Remove spool files of processes that are gone (killed mid-upload). Returns how many. */
export async function cleanSpool(dir: string = defaultSpoolDir()): Promise<number> {
  let removed = 0;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return 0;
    throw error;
  }
  for (const name of names) {
    const match = /^orgkeeper-spool-(\d+)-[0-9a-f]+\.tmp$/.exec(name);
    if (!match || Number(match[1]) === process.pid || processAlive(Number(match[1]))) continue;
    await rm(join(dir, name), { force: true });
    removed += 1;
  }
  return removed;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errnoCode(error) === 'EPERM';
  }
}

function notFound(hash: string): StoreError {
  return new StoreError('blob_not_found', `Blob ${hash} is not in the store. Run check to see which snapshots and items are affected.`);
}
