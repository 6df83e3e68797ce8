import type { Readable } from 'node:stream';
import { deflateRawSync } from 'node:zlib';

/**
 * The contract every blob store implements (on disk now; S3-compatible object storage later, in a sibling folder with
 * the same file names). A blob is immutable content named by the SHA-256 of its UNCOMPRESSED bytes; implementations
 * store it compressed. Every implementation passes `blob-store.contract.ts`.
 *
 * Rules every implementation keeps:
 * - Writes are idempotent and safe to run concurrently, also two puts of the same content at once.
 * - A blob is visible (`has`, `list`, `get`) only once it is complete; a crash mid-write leaves no partial blob.
 * - `get` and `getStream` verify the content against its hash and fail with `blob_corrupt` rather than return bad bytes.
 * - Hashes are validated before they are used to name anything (`invalid_id`).
 */
export interface BlobStore {
  /** True when the blob is stored (complete). */
  has(hash: string): Promise<boolean>;
  /** Store bytes; returns their hash. Storing content that is already there is cheap and returns `isNew: false`. */
  put(bytes: Uint8Array, options?: PutOptions): Promise<PutResult>;
  /**
   * Store a stream of any length, hashing and compressing while streaming: memory does not grow with the blob size.
   * The stream is consumed completely; if it fails, nothing is stored and the error is rethrown.
   */
  putStream(source: AsyncIterable<Uint8Array> | Readable, options?: PutOptions): Promise<PutResult>;
  /** The uncompressed content, verified against its hash. Throws `blob_not_found` or `blob_corrupt`. */
  get(hash: string): Promise<Buffer>;
  /**
   * The uncompressed content as a stream, for large blobs. The hash is checked at the end: a corrupt blob makes the
   * stream fail with `blob_corrupt` after its data (so consumers must treat output as provisional until the end).
   * Throws `blob_not_found` at call time when absent.
   */
  getStream(hash: string): Promise<Readable>;
  /** Bytes the blob occupies in storage (compressed), or undefined when it is absent. */
  size(hash: string): Promise<number | undefined>;
  /** Remove a blob; removing an absent blob is not an error. Returns the stored bytes freed (0 when absent). */
  delete(hash: string): Promise<number>;
  /** Every complete blob, in no particular order. */
  list(): AsyncIterable<BlobInfo>;
  /** Re-read and re-hash one blob. Never throws for missing or corrupt content: that is the answer. */
  verify(hash: string): Promise<VerifyResult>;
  /**
   * Make every blob written so far durable (disk: fsync the folders new blobs were renamed into). Called before a
   * snapshot manifest or a journal line that references them is made durable.
   */
  sync(): Promise<void>;
}

export interface PutOptions {
  /**
   * Compression level 0 (stored, no compression: for content known to be compressed, such as JPEG or ZIP) to 9
   * (smallest). Default 6, except that `put` stores content whose first 64 KB does not compress at level 0 (gzip
   * of random-looking data costs CPU and saves nothing). Feature chunks may use 1 to 4 (see bench/store.bench.ts).
   * The level does not change the hash, so blobs deduplicate whatever level wrote them.
   */
  level?: number;
}

export interface PutResult {
  hash: string;
  /** Uncompressed size in bytes. */
  size: number;
  /** Bytes added to storage by this put: 0 when the blob was already stored. */
  storedSize: number;
  isNew: boolean;
}

export interface BlobInfo {
  hash: string;
  /** Stored (compressed) size in bytes. */
  storedSize: number;
}

export type VerifyResult =
  | { hash: string; status: 'ok'; size: number; storedSize: number }
  | { hash: string; status: 'missing' }
  | { hash: string; status: 'corrupt'; detail: string };

export const DEFAULT_COMPRESSION_LEVEL = 6;
const SAMPLE_BYTES = 64 * 1024;

export function compressionLevel(options: PutOptions | undefined): number {
  const level = options?.level ?? DEFAULT_COMPRESSION_LEVEL;
  if (!Number.isInteger(level) || level < 0 || level > 9) throw new RangeError(`Compression level must be an integer from 0 to 9, not ${level}.`);
  return level;
}

/**
 * The level for a whole buffer: the requested one, or 0 when no level was requested and a sample of the content does
 * not compress (photos, ZIPs, already-gzipped files): deflating those costs several times the time of storing them.
 */
export function levelFor(bytes: Uint8Array, options: PutOptions | undefined): number {
  const level = compressionLevel(options);
  if (options?.level !== undefined || bytes.byteLength < SAMPLE_BYTES) return level;
  const sample = bytes.subarray(0, SAMPLE_BYTES);
  return deflateRawSync(sample, { level: 1 }).byteLength > sample.byteLength * 0.97 ? 0 : level;
}
