import type { Readable } from 'node:stream';
import type { ObjectInfo, StoredObject } from '../store-backend.js';

/**
 * The few operations of an object storage service the store needs, over one bucket (or container) and prefix. Keys
 * are relative to the prefix. S3 (`s3/s3-object-client.ts`) and Azure Blob (`azure/azure-object-client.ts`) implement
 * it; `ObjectStoreBackend` and `ObjectBlobStore` build the store on top, once for both.
 *
 * Services errors come out as `StoreError`s that say what is wrong (no such bucket, access denied, unreachable)
 * and what to do.
 */
export interface ObjectClient {
  readonly kind: 's3' | 'azure';
  /** The location's string form (no secrets). */
  readonly location: string;
  /** One key's address, for messages. */
  describeKey(key: string): string;
  head(key: string): Promise<ObjectHead | undefined>;
  get(key: string): Promise<StoredObject | undefined>;
  /** The stored bytes as a stream (undefined when absent). */
  getStream(key: string): Promise<Readable | undefined>;
  /**
   * Put an object whole. With a condition, the service checks it atomically (S3 `If-None-Match: *` / `If-Match`,
   * Azure `ifNoneMatch: '*'` / `ifMatch`); undefined when it does not hold. Returns the new etag.
   */
  put(key: string, bytes: Uint8Array, condition?: PutCondition): Promise<string | undefined>;
  /**
   * Upload a large object in parts read from a file (S3 multipart upload, Azure staged blocks), committing it only at
   * the end, so the object appears complete or not at all. Undefined when `condition` does not hold.
   */
  putParts(key: string, source: PartSource, condition?: PutCondition): Promise<string | undefined>;
  /** Delete; with `ifMatch`, only when unchanged. True when this call found and deleted the object. */
  delete(key: string, ifMatch?: string): Promise<boolean>;
  /** Objects under `prefix` (every level when `recursive`, else only those directly under it). */
  list(prefix: string, recursive: boolean): AsyncIterable<ObjectInfo>;
  /** Names directly under the root (objects and folder-like prefixes, without the trailing '/'). */
  topLevelNames(): Promise<string[]>;
  /** Abandon uploads in parts that crashed writers left unfinished; returns how many. */
  abortUnfinishedUploads(): Promise<number>;
  close(): Promise<void>;
}

export interface ObjectHead {
  size: number;
  etag: string;
  modifiedAt: Date;
}

export type PutCondition = { ifNoneMatch: '*' } | { ifMatch: string };

/** Where the parts of an upload come from: `read(offset, length)` is called once per part. */
export interface PartSource {
  size: number;
  /** Bytes per part (all but the last). */
  partSize: number;
  /** Parts uploaded at once. */
  concurrency: number;
  read(offset: number, length: number): Promise<Buffer>;
  /** Told when a part's bytes are held in memory and when they are released (memory accounting in tests). */
  onBuffer?(delta: number): void;
}

/**
 * Upload every part of `source` with at most `concurrency` in flight, in order of part number. Memory holds at most
 * `concurrency` parts at a time.
 */
export async function uploadEachPart<T>(source: PartSource, uploadPart: (index: number, bytes: Buffer) => Promise<T>): Promise<T[]> {
  const count = Math.max(1, Math.ceil(source.size / source.partSize));
  const results: T[] = new Array<T>(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      const offset = index * source.partSize;
      const bytes = await source.read(offset, Math.min(source.partSize, source.size - offset));
      source.onBuffer?.(bytes.byteLength);
      try {
        results[index] = await uploadPart(index, bytes);
      } finally {
        source.onBuffer?.(-bytes.byteLength);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(source.concurrency, count) }, worker));
  return results;
}

/** The part size for an object of `size` bytes under a service's limit on the number of parts. */
export function partSizeFor(size: number, preferred: number, maxParts: number): number {
  const MiB = 1024 * 1024;
  return Math.max(preferred, Math.ceil(size / maxParts / MiB) * MiB);
}
