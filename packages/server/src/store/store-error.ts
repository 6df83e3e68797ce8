/**
 * The store's typed error. Codes are a string union so callers (engine, CLI, API) can react to a cause without parsing
 * messages; messages say what is wrong and what to do. Mapping to HTTP status or exit codes happens in those callers.
 */
export type StoreErrorCode =
  /** The folder holds no store.json, or a file that is not an OrgKeeper store. */
  | 'not_a_store'
  /** The folder is not empty and holds no store: refusing to mix backups with unrelated files. */
  | 'folder_not_empty'
  /** store.json was written by a newer OrgKeeper (format version unknown to this one). */
  | 'unsupported_version'
  /** store.json, a manifest or a list blob cannot be parsed or fails validation. */
  | 'store_corrupt'
  /** The store belongs to another organization than the one asked for. */
  | 'wrong_org'
  /** A blob hash, snapshot id or run id is malformed. */
  | 'invalid_id'
  /** A list entry handed to the store is malformed (a bug in the caller, or unsafe data from ArcGIS). */
  | 'invalid_entry'
  /** A File Location that cannot be parsed or names something invalid (a bucket, a container, an endpoint). */
  | 'invalid_location'
  /** A path from ArcGIS or a user would escape its folder. */
  | 'unsafe_path'
  | 'blob_not_found'
  /** A blob's content no longer hashes to its name. */
  | 'blob_corrupt'
  | 'snapshot_not_found'
  | 'snapshot_exists'
  /** A reader (restore, export) has pinned the snapshot: it cannot be deleted until the reader is done. */
  | 'snapshot_in_use'
  /** A reader's pin was removed as stale and a snapshot it pinned is gone: stop reading. */
  | 'pin_lost'
  /** A snapshot references blobs that are not in the store: writing it would create a broken snapshot. */
  | 'missing_blobs'
  /** Another process holds the store's lock. */
  | 'locked'
  /** Our lock was taken over (heartbeat too late) or removed: stop writing. */
  | 'lock_lost'
  /** A forget policy that keeps nothing, or a negative count. */
  | 'invalid_policy'
  /** Prune refuses to run because it cannot know every referenced blob. */
  | 'prune_unsafe'
  /** Injected by the faulty blob store in tests. */
  | 'injected_fault'
  /** An encrypted store was opened without anything that can open it (no passphrase, another server's key). */
  | 'key_required'
  /** The passphrase opens none of an encrypted store's key files. */
  | 'wrong_passphrase'
  /** Removing the last key of an encrypted store would leave it unopenable. */
  | 'last_key'
  /** The storage service refused the credentials or the operation (S3 AccessDenied, Azure 403). */
  | 'access_denied'
  /** The storage location cannot be reached or does not exist (no such bucket or container, connection refused). */
  | 'location_unreachable'
  | 'io_error';

export class StoreError extends Error {
  readonly code: StoreErrorCode;

  constructor(code: StoreErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'StoreError';
    this.code = code;
  }
}

export function isStoreError(value: unknown, code?: StoreErrorCode): value is StoreError {
  return value instanceof StoreError && (code === undefined || value.code === code);
}

/** Node's error codes (ENOENT, EEXIST, ...) without casts at every call site. */
export function errnoCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
