import type { BlobCodec } from '../blob-store/blob-codec.js';
import type { BlobStore } from '../blob-store/blob-store.js';
import { StoreError } from '../store-error.js';

/**
 * Where a store keeps its files: a folder on disk, a prefix in an S3 bucket, or a prefix in an Azure Blob container.
 * Everything above this interface (store.json, manifests, the journal, the lock, pins) is written once, in terms of
 * these few operations; each backend keeps their guarantees with what its medium offers (disk: O_EXCL, rename, fsync;
 * object storage: conditional writes). README.md in store/ says how each guarantee is kept on each backend.
 *
 * Keys are relative, '/'-separated paths such as `store.json`, `snapshots/<id>.json` or `locks/lock.json`, made by the
 * store's own code from validated ids (`assertKey` guards the rest).
 *
 * Every implementation passes `store-backend.contract.ts`.
 */
export interface StoreBackend {
  readonly kind: StoreBackendKind;
  /** Where the store is, for messages: a folder path, `s3://bucket/prefix` or the container URL. Never holds secrets. */
  readonly location: string;
  /** Where one key is, for messages (a file path, an object URL). */
  describeKey(key: string): string;
  /** Lay out an empty store (disk: its folders; object storage: nothing to do). */
  initialize(): Promise<void>;
  /**
   * Names at the top of the store (`store.json`, `blobs`, ...), to tell an empty location from one holding other
   * things. Creates the location (folder) when that is how the medium works.
   */
  topLevelEntries(): Promise<string[]>;
  /** The object, or undefined when it does not exist. */
  read(key: string): Promise<StoredObject | undefined>;
  stat(key: string): Promise<ObjectInfo | undefined>;
  /** Create or replace, atomically: readers see the old content or the new, never a part. Durable on return. */
  write(key: string, bytes: Uint8Array): Promise<string>;
  /**
   * Create only when absent: returns the new object's etag, or undefined when the key exists. Exactly one of several
   * concurrent creators wins, and its content is complete when it becomes visible.
   */
  create(key: string, bytes: Uint8Array): Promise<string | undefined>;
  /**
   * Replace only when the object is unchanged since it was read with `etag` (compare-and-swap). Returns the new etag,
   * or undefined when it changed or is gone.
   */
  replace(key: string, bytes: Uint8Array, etag: string): Promise<string | undefined>;
  /** Delete; with `ifMatch`, only when unchanged. True when this call deleted it. */
  delete(key: string, options?: { ifMatch?: string }): Promise<boolean>;
  /** The objects directly under a folder-like prefix (`snapshots/`), skipping temporary files of atomic writes. */
  list(prefix: string): AsyncIterable<ObjectInfo>;
  /**
   * Append-only logs (the journal): lines of text, appended in batches, each batch durable when `append` returns.
   * `openLog` starts the log with `header` when it does not exist (or is empty) and returns what was there.
   */
  openLog(key: string, header: Uint8Array): Promise<{ log: LogAppender; existing: Buffer | undefined }>;
  /** A log's whole content (every batch, in order), or undefined when it does not exist. */
  readLog(key: string): Promise<{ bytes: Buffer; modifiedAt: Date } | undefined>;
  deleteLog(key: string): Promise<void>;
  /** The logs under a prefix (`journal/`), by the key they were opened with. */
  listLogs(prefix: string): AsyncIterable<ObjectInfo>;
  /** The store's blobs (under `blobs/`), named and encoded by `codec`. */
  blobStore(codec: BlobCodec): BlobStore;
  /**
   * Remove partial writes of crashed writers (disk: tmp/ and temporary files; object storage: temporary objects and
   * unfinished multipart uploads). Only the lock holder calls this. Returns how many were removed.
   */
  cleanTemporary(): Promise<number>;
  /** Release network clients. The backend is not used afterwards. */
  close(): Promise<void>;
}

export type StoreBackendKind = 'disk' | 's3' | 'azure';

export interface ObjectInfo {
  key: string;
  /** Stored bytes. */
  size: number;
  modifiedAt: Date;
}

export interface StoredObject {
  bytes: Buffer;
  /** Changes whenever the content does; what `replace` and `delete({ifMatch})` compare. */
  etag: string;
  modifiedAt: Date;
}

export interface LogAppender {
  /** Append a batch of complete lines (ending with '\n'); durable when it resolves. */
  append(bytes: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

const KEY = /^(?:[A-Za-z0-9_][A-Za-z0-9._-]*\/)*[A-Za-z0-9_][A-Za-z0-9._-]*$/;

/** Keys are made by the store's own code; this guard makes sure nothing odd (`..`, absolute, empty) names a file. */
export function assertKey(key: string): void {
  if (!KEY.test(key) || key.split('/').some((part) => part === '..' || part === '.')) {
    throw new StoreError('invalid_id', `Not a valid key inside a store: ${JSON.stringify(key)}.`);
  }
}

/** The last part of a key: `snapshots/x.json` -> `x.json`. */
export function baseName(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1);
}
