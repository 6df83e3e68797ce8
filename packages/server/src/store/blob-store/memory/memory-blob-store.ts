import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { gunzip, gzip } from 'node:zlib';
import { promisify } from 'node:util';
import { assertBlobHash, sha256Hex } from '../../hash.js';
import { StoreError, describeError } from '../../store-error.js';
import { type BlobInfo, type BlobStore, type PutOptions, type PutResult, type VerifyResult, levelFor } from '../blob-store.js';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/**
 * Blobs in memory, compressed like on disk so stored sizes mean the same thing. For tests of code built on the store
 * (engine, check, prune) where disk speed is not the point; it passes the same contract suite as the disk store.
 * `putStream` buffers the whole blob: memory use is the point of this store, not a defect.
 */
export class MemoryBlobStore implements BlobStore {
  private readonly blobs = new Map<string, Buffer>();

  async has(hash: string): Promise<boolean> {
    assertBlobHash(hash);
    return this.blobs.has(hash);
  }

  async put(bytes: Uint8Array, options?: PutOptions): Promise<PutResult> {
    const level = levelFor(bytes, options);
    const hash = sha256Hex(bytes);
    if (this.blobs.has(hash)) return { hash, size: bytes.byteLength, storedSize: 0, isNew: false };
    const compressed = await gzipAsync(bytes, { level });
    if (this.blobs.has(hash)) return { hash, size: bytes.byteLength, storedSize: 0, isNew: false };
    this.blobs.set(hash, compressed);
    return { hash, size: bytes.byteLength, storedSize: compressed.byteLength, isNew: true };
  }

  async putStream(source: AsyncIterable<Uint8Array> | Readable, options?: PutOptions): Promise<PutResult> {
    const chunks: Buffer[] = [];
    for await (const chunk of source) chunks.push(Buffer.from(chunk as Uint8Array));
    return this.put(Buffer.concat(chunks), options);
  }

  async get(hash: string): Promise<Buffer> {
    const compressed = this.compressed(hash);
    let content: Buffer;
    try {
      content = await gunzipAsync(compressed);
    } catch (error) {
      throw new StoreError('blob_corrupt', `Blob ${hash} is corrupt: it does not decompress (${describeError(error)}).`);
    }
    if (sha256Hex(content) !== hash) throw new StoreError('blob_corrupt', `Blob ${hash} is corrupt: its content does not match its hash.`);
    return content;
  }

  async getStream(hash: string): Promise<Readable> {
    this.compressed(hash); // not-found at call time, like the disk store
    const get = () => this.get(hash);
    return Readable.from(
      (async function* () {
        yield await get(); // read lazily: an unconsumed stream of a corrupt blob raises nothing
      })()
    );
  }

  async size(hash: string): Promise<number | undefined> {
    assertBlobHash(hash);
    return this.blobs.get(hash)?.byteLength;
  }

  async delete(hash: string): Promise<number> {
    assertBlobHash(hash);
    const size = this.blobs.get(hash)?.byteLength ?? 0;
    this.blobs.delete(hash);
    return size;
  }

  async *list(): AsyncIterable<BlobInfo> {
    for (const [hash, compressed] of [...this.blobs]) yield { hash, storedSize: compressed.byteLength };
  }

  async verify(hash: string): Promise<VerifyResult> {
    assertBlobHash(hash);
    const compressed = this.blobs.get(hash);
    if (compressed === undefined) return { hash, status: 'missing' };
    try {
      const content = await gunzipAsync(compressed);
      const actual = createHash('sha256').update(content).digest('hex');
      if (actual !== hash) return { hash, status: 'corrupt', detail: `its content hashes to ${actual}` };
      return { hash, status: 'ok', size: content.byteLength, storedSize: compressed.byteLength };
    } catch (error) {
      return { hash, status: 'corrupt', detail: describeError(error) };
    }
  }

  async sync(): Promise<void> {}

  /** Test helper: replace a blob's stored bytes (to simulate bit rot). */
  overwriteStored(hash: string, compressed: Buffer): void {
    this.blobs.set(hash, compressed);
  }

  private compressed(hash: string): Buffer {
    assertBlobHash(hash);
    const compressed = this.blobs.get(hash);
    if (compressed === undefined) throw new StoreError('blob_not_found', `Blob ${hash} is not in the store.`);
    return compressed;
  }
}
